"""Sample documents of every kind, and helpers that read a PDF back as a person would: its text
(``pdftotext``), its fonts (``pdffonts``), its page size (pypdf) and a PNG of a page (``pdftoppm``)."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from competition.domain import AwardClass, SkillLevel
from competition.pdf.documents import (
    AdmissionSession,
    AdmissionTicket,
    AwardCertificate,
    CalibrationPage,
    Document,
    HonourCertificate,
    HonourRecord,
    HonourRecordEntry,
    SkillLevelCertificate,
)

#: Common name characters missing from some CJK fonts, and rare ones (Extension A/B) missing from more.
COMMON_RARE_NAME = "喆昇玥珺赟堃"
RARE_NAME = "𠮷䶮龘𠇔"


def jpeg_photo(width: int = 150, height: int = 210) -> bytes:
    """A small 1-inch-shaped JPEG: a head-and-shoulders silhouette on white."""
    image = Image.new("RGB", (width, height), "white")
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            head = (x - width / 2) ** 2 + (y - height * 0.38) ** 2 < (width * 0.22) ** 2
            body = y > height * 0.62 and abs(x - width / 2) < width * (0.2 + (y / height - 0.62))
            if head or body:
                pixels[x, y] = (60, 80, 120)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def skill_level(**changes: object) -> SkillLevelCertificate:
    values: dict[str, object] = dict(
        name="张喆昇",
        id_type="居民身份证",
        id_number="320102199001011234",
        occupation="电工",
        work_type="维修电工",
        level=SkillLevel.SENIOR_WORKER,
        certificate_number="Y000032060001253000001",
        evaluator="江苏省电力行业职业技能等级认定中心",
        issued_on=date(2025, 6, 30),
        verify_url="https://cert.example.org/v/Y000032060001253000001?c=7f3a",
        photo=jpeg_photo(),
    )
    values.update(changes)
    return SkillLevelCertificate(**values)  # type: ignore[arg-type]


def award(**changes: object) -> AwardCertificate:
    values: dict[str, object] = dict(
        name="李玥珺",
        unit="南京市公共交通集团有限公司",
        contest="2025年江苏省职业技能大赛",
        event="汽车维修",
        group="职工组",
        award=AwardClass.FIRST,
        certificate_number="JSJS2025-HJ-000123",
        issuer="江苏省职业技能大赛组织委员会",
        issued_on=date(2025, 11, 18),
        verify_url="https://cert.example.org/v/JSJS2025-HJ-000123",
    )
    values.update(changes)
    return AwardCertificate(**values)  # type: ignore[arg-type]


def honour(**changes: object) -> HonourCertificate:
    values: dict[str, object] = dict(
        name="王赟",
        unit="苏州工业园区职业技术学院",
        honour_title="江苏省技术能手",
        citation="在2025年江苏省职业技能大赛中成绩突出",
        certificate_number="JSRY2025-000045",
        issuer="江苏省人力资源和社会保障厅",
        issued_on=date(2025, 12, 1),
        verify_url="https://cert.example.org/v/JSRY2025-000045",
    )
    values.update(changes)
    return HonourCertificate(**values)  # type: ignore[arg-type]


def honour_record(**changes: object) -> HonourRecord:
    values: dict[str, object] = dict(
        name="赵堃",
        gender="男",
        unit="常州市轨道交通发展有限公司",
        occupation="电工（维修电工）",
        level=SkillLevel.TECHNICIAN,
        record_number="DA2025-00017",
        issuer="常州市职业技能竞赛组织委员会",
        issued_on=date(2025, 12, 20),
        verify_url="https://cert.example.org/r/DA2025-00017",
        photo=jpeg_photo(),
        entries=(
            HonourRecordEntry(
                date(2023, 10, 12), "常州市职业技能大赛电工项目一等奖", "常州市人社局", "CZ2023-HJ-0007"
            ),
            HonourRecordEntry(date(2024, 5, 1), "常州市五一劳动奖章", "常州市总工会"),
            HonourRecordEntry(
                date(2025, 11, 18), "江苏省职业技能大赛电工项目二等奖", "江苏省人社厅", "JSJS2025-HJ-000456"
            ),
        ),
    )
    values.update(changes)
    return HonourRecord(**values)  # type: ignore[arg-type]


def admission_ticket(**changes: object) -> AdmissionTicket:
    values: dict[str, object] = dict(
        contest="2025年江苏省职业技能大赛",
        ticket_number="2025320100123",
        name="陈昇",
        id_type="居民身份证",
        id_number="320102199203041234",
        unit="无锡市第一人民医院",
        event="健康照护",
        group="职工组",
        verify_url="https://cert.example.org/t/2025320100123",
        photo=jpeg_photo(),
        issuer="江苏省职业技能大赛组织委员会办公室",
        sessions=(
            AdmissionSession("理论知识", "2025年10月18日 09:00—10:30", "南京技师学院 A 楼 301", "12"),
            AdmissionSession("技能操作", "2025年10月19日 08:30—11:30", "南京技师学院实训楼 2 层", "B-07"),
        ),
        notes=(
            "考生须携带本准考证和有效身份证件，提前 30 分钟到达考点。",
            "开考 15 分钟后不得进入考场，考试期间不得离开工位。",
            "除规定物品外，不得携带通讯工具和资料进入考场。",
        ),
    )
    values.update(changes)
    return AdmissionTicket(**values)  # type: ignore[arg-type]


def calibration(**changes: object) -> CalibrationPage:
    values: dict[str, object] = dict(orientation="landscape", layout_title="获奖证书")
    values.update(changes)
    return CalibrationPage(**values)  # type: ignore[arg-type]


#: One sample of each kind, with its orientation.
SAMPLES: dict[str, tuple[Document, str]] = {
    "skill_level": (skill_level(), "portrait"),
    "award": (award(), "landscape"),
    "honour": (honour(), "landscape"),
    "honour_record": (honour_record(), "portrait"),
    "admission_ticket": (admission_ticket(), "portrait"),
    "calibration": (calibration(), "landscape"),
}


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as ``pdftotext -raw`` extracts it (UTF-8): in drawing order, so a value wrapped
    in a table cell stays together instead of interleaving with its neighbours' lines."""
    args = ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode("utf-8")


def squeeze(text: str) -> str:
    """Text without any white space, so that values wrapped over two lines still match."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool
    subset: bool


def pdf_fonts(path: Path) -> list[PdfFont]:
    """The fonts ``pdffonts`` lists for a PDF file."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        match = re.match(
            r"(\S+)\s+(.+?)\s+(Identity-H|WinAnsi|Custom|Builtin|Standard)\s+(yes|no)\s+(yes|no)", line
        )
        assert match, line
        fonts.append(PdfFont(match[1], match[2], match[4] == "yes", match[5] == "yes"))
    return fonts


def png_pages(pdf_path: Path, *, dpi: int = 60) -> list[Path]:
    """PNG files of a PDF's pages (``pdftoppm``)."""
    prefix = pdf_path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf_path), str(prefix)], check=True)
    return sorted(pdf_path.parent.glob(f"{prefix.name}-*.png"))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample rendered once per run, as a PDF file: kind → path."""
    from competition.pdf.render import render

    folder = tmp_path_factory.mktemp("pdf")
    paths = {}
    for kind, (document, _) in SAMPLES.items():
        path = folder / f"{kind}.pdf"
        path.write_bytes(render(document).data)
        paths[kind] = path
    return paths
