"""Rendered PDFs read back as a person would: every field in the extracted text, fonts embedded and
subset, A4 in the right orientation, the QR code decoding to the verification URL, rare name characters
drawn from a font that has them, long names shrunk inside their box, and the resource fetcher's refusals."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from competition.pdf.documents import (
    AdmissionTicket,
    AwardCertificate,
    CalibrationPage,
    Document,
    HonourCertificate,
    HonourRecord,
    Overprint,
    SkillLevelCertificate,
    chinese_date,
    numeric_date,
)
from competition.pdf.render import (
    STATIC_DIR,
    ResourceRefused,
    StaticFetcher,
    check_fonts,
    html_to_pdf,
    render,
)
from tests.pdf.conftest import (
    COMMON_RARE_NAME,
    RARE_NAME,
    SAMPLES,
    award,
    pdf_fonts,
    pdf_text,
    png_pages,
    skill_level,
    squeeze,
)

A4 = (595.28, 841.89)  # points


def expected_texts(document: Document) -> list[str]:
    """Every value a person should find on the document."""
    match document:
        case SkillLevelCertificate():
            return [
                "职业技能等级证书",
                document.name,
                document.id_type,
                document.id_number,
                document.occupation,
                document.work_type_text,
                str(document.level),
                document.certificate_number,
                document.evaluator,
                numeric_date(document.issued_on),
                document.query_address,
                f"本证书由{document.evaluator}颁发",
            ]
        case AwardCertificate():
            return [
                "获奖证书",
                document.name,
                document.unit,
                document.contest,
                document.event,
                document.group,
                str(document.award),
                document.certificate_number,
                document.issuer,
                chinese_date(document.issued_on),
            ]
        case HonourCertificate():
            return [
                "荣誉证书",
                document.name,
                document.unit,
                f"“{document.honour_title}”",
                document.citation,
                document.certificate_number,
                document.issuer,
                chinese_date(document.issued_on),
            ]
        case HonourRecord():
            values = ["荣誉档案", document.name, document.gender, document.unit, document.occupation]
            values += [
                str(document.level),
                document.record_number,
                document.issuer,
                numeric_date(document.issued_on),
            ]
            for entry in document.entries:
                values += [
                    numeric_date(entry.awarded_on),
                    entry.title,
                    entry.conferred_by,
                    entry.certificate_number,
                ]
            return [value for value in values if value]
        case AdmissionTicket():
            values = ["准考证", document.contest, document.ticket_number, document.name, document.id_type]
            values += [document.id_number, document.unit, document.event, document.group, document.issuer]
            for session in document.sessions:
                values += [session.part, session.time, session.place, session.seat]
            values += list(document.notes)
            return values
        case CalibrationPage():
            width, height = document.size_mm
            ticks = [str(n) for n in range(10, max(width, height), 10)]
            return ["套打校准页", document.layout_title, *ticks]
    raise AssertionError(document)


@pytest.mark.parametrize("kind", SAMPLES)
def test_every_field_is_in_the_text(kind: str, rendered: dict[str, Path]) -> None:
    text = squeeze(pdf_text(rendered[kind].read_bytes()))
    missing = [value for value in expected_texts(SAMPLES[kind][0]) if squeeze(value) not in text]
    assert not missing, f"{kind}: not found in the PDF text: {missing}"


@pytest.mark.parametrize("kind", SAMPLES)
def test_one_a4_page_in_the_right_orientation(kind: str, rendered: dict[str, Path]) -> None:
    pages = PdfReader(rendered[kind]).pages
    assert len(pages) == 1
    box = pages[0].mediabox
    size = (float(box.width), float(box.height))
    expected = A4 if SAMPLES[kind][1] == "portrait" else A4[::-1]
    assert size == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize("kind", SAMPLES)
def test_fonts_are_embedded_subset_truetype(kind: str, rendered: dict[str, Path]) -> None:
    fonts = pdf_fonts(rendered[kind])
    assert fonts
    for font in fonts:
        assert font.embedded and font.subset, font
        assert font.type == "CID TrueType", font  # TrueType CJK: tens of KB, not the ~240 KB of CFF
        assert re.fullmatch(r"[A-Z]{6}\+\S+", font.name), font


def test_a_skill_level_certificate_with_photo_is_under_100_kb(rendered: dict[str, Path]) -> None:
    assert rendered["skill_level"].stat().st_size < 100 * 1024


@pytest.mark.parametrize("kind", [kind for kind in SAMPLES if kind != "calibration"])
def test_qr_code_decodes_to_the_verification_url(kind: str, rendered: dict[str, Path]) -> None:
    (png,) = png_pages(rendered[kind], dpi=150)
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(png))]
    assert decoded == [SAMPLES[kind][0].verify_url]  # type: ignore[union-attr]


def test_template_version_comes_with_the_bytes() -> None:
    result = render(award())
    assert result.data.startswith(b"%PDF-")
    assert result.template_version == "award/2025.1"
    assert result.pages == 1


# ---------------------------------------------------------------------------------------------------------
# Rare characters: which font drew each character


def _to_unicode(stream: bytes) -> set[str]:
    chars: set[str] = set()
    text = stream.decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for hex_text in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
            chars.add(bytes.fromhex(hex_text).decode("utf-16-be"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = bytes.fromhex(dst).decode("utf-16-be")
            for offset in range(int(hi, 16) - int(lo, 16) + 1):
                chars.add(first[:-1] + chr(ord(first[-1]) + offset))
    return chars


def fonts_by_character(pdf: Path) -> dict[str, set[str]]:
    """Character → families of the fonts that drew it (the ``FontFamily`` of each font descriptor)."""
    drawn: dict[str, set[str]] = {}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            name = str(descriptor["/FontFamily"])
            for char in _to_unicode(font["/ToUnicode"].get_object().get_data()):
                drawn.setdefault(char, set()).add(name)
    return drawn


@cache
def _font_has(family: str, char: str) -> bool:
    """Whether an installed font of ``family`` has a glyph for ``char`` (its own cmap, via fontTools)."""
    listing = subprocess.run(
        ["fc-list", "--format", "%{file}|%{index}\n", family], capture_output=True, text=True, check=True
    ).stdout
    assert listing, f"no installed font of family {family!r}"
    for line in listing.splitlines():
        path, _, index = line.partition("|")
        number = int(index or 0)
        with TTFont(path, fontNumber=number, lazy=True) as font:
            if ord(char) in font.getBestCmap():
                return True
    return False


def test_rare_name_characters_are_drawn_from_fonts_that_have_them(tmp_path: Path) -> None:
    name = "张" + COMMON_RARE_NAME + RARE_NAME
    path = tmp_path / "rare.pdf"
    path.write_bytes(render(skill_level(name=name)).data)
    assert name in squeeze(pdf_text(path.read_bytes()))
    drawn = fonts_by_character(path)
    for char in COMMON_RARE_NAME + RARE_NAME:
        assert char in drawn, f"{char} was not drawn with any font"
        assert any(_font_has(font, char) for font in drawn[char]), f"{char} drawn by {drawn[char]} (no glyph)"
    for font in pdf_fonts(path):
        assert font.embedded and font.subset, font


@pytest.mark.parametrize(
    ("char", "family"),
    [("㐴", "AR PL UKai CN"), ("𪚥", "BabelStone Han"), ("㔰", "Noto Serif CJK SC")],
)
def test_characters_the_main_font_lacks_fall_back_along_the_chain(
    char: str, family: str, tmp_path: Path
) -> None:
    assert not _font_has("LXGW WenKai", char)
    path = tmp_path / "fallback.pdf"
    path.write_bytes(render(skill_level(name=f"王{char}")).data)
    assert f"王{char}" in squeeze(pdf_text(path.read_bytes()))
    assert fonts_by_character(path)[char] == {family}
    assert _font_has(family, char)
    for font in pdf_fonts(path):
        assert font.embedded and font.subset, font
    assert path.stat().st_size < 100 * 1024


def test_every_registered_font_is_installed() -> None:
    families = check_fonts()
    assert next(iter(families)) == "LXGW WenKai"
    assert all(package.startswith("fonts-") for package in families.values())


# ---------------------------------------------------------------------------------------------------------
# Shrink to fit, injection, 套打


def _word_boxes(pdf: bytes) -> list[tuple[float, float, float, float, str]]:
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', html.decode()
    )
    return [(float(a), float(b), float(c), float(d), text) for a, b, c, d, text in words]


def _box_of(pdf: bytes, needle: str) -> tuple[float, float, float, float]:
    boxes = [box for box in _word_boxes(pdf) if needle in box[4]]
    assert boxes, needle
    return boxes[0][:4]


def test_a_long_unit_name_shrinks_inside_its_box() -> None:
    mm = 72 / 25.4
    long_unit = "中国铁建重工集团股份有限公司长沙第二分公司盾构机再制造事业部"
    short = render(award(unit="南京公交")).data
    long = render(award(unit=long_unit)).data
    assert squeeze(long_unit) in squeeze(pdf_text(long))
    short_box = _box_of(short, "南京公交")
    heights = []
    for x0, y0, x1, y1, text in _word_boxes(long):
        if text and text in long_unit:
            assert 182 * mm - 1 <= x0 and x1 <= (182 + 76) * mm + 1, (text, x0, x1)  # the unit's box
            assert 64 * mm - 1 <= y0 and y1 <= 74 * mm + 1, (text, y0, y1)
            heights.append(y1 - y0)
    assert heights and max(heights) < (short_box[3] - short_box[1]) * 0.8


def test_html_and_jinja_in_a_name_are_shown_literally() -> None:
    name = "<script>alert(1)</script>{{ 7*7 }}"
    text = squeeze(pdf_text(render(skill_level(name=name)).data))
    assert squeeze(name) in text
    assert "49" not in text.replace(squeeze(name), "").split("证件类型")[0]


def test_fields_only_print_has_no_stock_and_is_shifted() -> None:
    mm = 72 / 25.4
    full = render(award()).data
    shifted = render(award(overprint=Overprint(fields_only=True, x_mm=5, y_mm=-3))).data
    text = squeeze(pdf_text(shifted))
    assert "李玥珺" in text and "一等奖" in text
    assert "获奖证书" not in text and "特发此证" not in text and "姓名" not in text
    before, after = _box_of(full, "李玥珺"), _box_of(shifted, "李玥珺")
    assert after[0] - before[0] == pytest.approx(5 * mm, abs=0.5)
    assert after[1] - before[1] == pytest.approx(-3 * mm, abs=0.5)


# ---------------------------------------------------------------------------------------------------------
# The fetcher


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/logo.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "file:///etc/passwd",
        "file://server/share/x.png",
        "static:../../etc/passwd",
        f"{STATIC_DIR.as_uri()}/../pyproject.toml",
    ],
)
def test_fetcher_refuses_anything_outside_static(url: str) -> None:
    with pytest.raises(ResourceRefused):
        StaticFetcher().fetch(url)


def test_fetcher_serves_static_files_and_data_uris() -> None:
    fetcher = StaticFetcher()
    for url in ("static:certificates/base.css", f"{STATIC_DIR.as_uri()}/certificates/base.css"):
        response = fetcher.fetch(url)
        assert b"@page" in response.read()
        assert response.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize(
    "tag",
    [
        '<img src="http://127.0.0.1:9/x.png">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        '<img src="file:///etc/passwd">',
    ],
)
def test_rendering_stops_on_a_refused_resource(tag: str) -> None:
    with pytest.raises(ResourceRefused):
        html_to_pdf(f'<html lang="zh-CN"><body>{tag}<p>证书</p></body></html>')
