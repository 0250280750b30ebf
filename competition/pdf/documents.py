"""What goes on each printed document, and its HTML (no WeasyPrint here: see :mod:`competition.pdf.render`).

Each document kind is a frozen dataclass of plain values (strings, dates, bytes, enums) — never ORM
objects — so it can be built by a service, pickled to a worker process and rendered there. Each kind has
one layout, ``templates/certificates/<layout>.html``, which declares its version in its first line
(``{#- template-version: award/2025.1 -#}``); :func:`template_version` reads it so the caller can store
which layout a stored PDF was made with.

Layouts place every field absolutely, in millimetres from the page's top-left corner, through the Jinja
globals :func:`field` (variable text, shrunk to fit its box), :func:`stock` (pre-printed text), ``rule``,
``frame``, ``qr`` and ``photo``. Styling lives in ``static/certificates/*.css``; the only inline styles are
the computed geometry and font size. The font registry is ``static/certificates/fonts.css``.

套打 (printing onto pre-printed stock): every document carries an :class:`Overprint`. With
``fields_only`` the stock parts (frame, title, labels, rules) are left out, and all variable fields are
shifted by ``(x_mm, y_mm)``; :class:`CalibrationPage` prints a millimetre grid to measure that shift.
"""

from __future__ import annotations

import base64
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import ClassVar, Literal

import jinja2
from markupsafe import Markup

from competition.domain import AwardClass, SkillLevel
from competition.pdf.qr import qr_svg_data_uri

__all__ = [
    "NATIONAL_QUERY_ADDRESS",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "AdmissionSession",
    "AdmissionTicket",
    "AwardCertificate",
    "CalibrationPage",
    "Document",
    "Fit",
    "HonourCertificate",
    "HonourRecord",
    "HonourRecordEntry",
    "Overprint",
    "SkillLevelCertificate",
    "chinese_date",
    "fit_text",
    "layout_name",
    "numeric_date",
    "render_html",
    "render_page",
    "stylesheets",
    "template_version",
    "text_width_em",
]

_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = _ROOT / "templates"
STATIC_DIR = _ROOT / "static"

#: 技能人才评价证书全国联网查询 — the national query address printed on skill-level certificates.
NATIONAL_QUERY_ADDRESS = "http://jndj.osta.org.cn"

_MM_PER_PT = 25.4 / 72
#: Largest 套打 shift accepted, in millimetres: more than this is a mistyped setting, not a printer.
_MAX_OFFSET_MM = 50.0
#: How much larger text must get to be worth wrapping onto one more line (see :func:`fit_text`).
_WRAP_GAIN = 1.2


# ---------------------------------------------------------------------------------------------------------
# Plain-value documents


@dataclass(frozen=True, slots=True)
class Overprint:
    """套打 settings of one layout: ``fields_only`` prints variable fields only (for pre-printed stock);
    ``x_mm``/``y_mm`` shift every variable field right/down (negative: left/up), in millimetres, at most
    ±50. Raises :class:`ValueError` for a shift outside that range."""

    fields_only: bool = False
    x_mm: float = 0.0
    y_mm: float = 0.0

    def __post_init__(self) -> None:
        for name in ("x_mm", "y_mm"):
            value = float(getattr(self, name))
            if not -_MAX_OFFSET_MM <= value <= _MAX_OFFSET_MM:
                raise ValueError(f"套打偏移 {name}={value} mm 超出 ±{_MAX_OFFSET_MM:g} mm")
            object.__setattr__(self, name, value)


FULL_PRINT = Overprint()


def _level_text(value: SkillLevel | str) -> str:
    return value.certificate_label if isinstance(value, SkillLevel) else str(value)


def _check_photo(photo: bytes | None) -> None:
    if photo is not None and _image_mime(photo) is None:
        raise ValueError("照片应为 JPEG 或 PNG 图像")


@dataclass(frozen=True, slots=True)
class SkillLevelCertificate:
    """职业技能等级证书 (人社鉴发〔2021〕1号), A4 portrait.

    ``level`` is a :class:`SkillLevel` or its certificate form (``三级/高级工``); ``work_type`` is the
    工种/职业方向, ``None`` or empty prints ``--``; ``photo`` is a 1-inch JPEG or PNG (bytes) or ``None``;
    ``certificate_number`` the 22-character number (:mod:`competition.certificates.numbering`);
    ``verify_url`` is what the QR code encodes.
    """

    LAYOUT: ClassVar[str] = "skill_level"
    TITLE: ClassVar[str] = "职业技能等级证书"

    name: str
    id_type: str
    id_number: str
    occupation: str
    level: SkillLevel | str
    certificate_number: str
    evaluator: str
    issued_on: date
    verify_url: str
    work_type: str | None = None
    photo: bytes | None = None
    query_address: str = NATIONAL_QUERY_ADDRESS
    overprint: Overprint = FULL_PRINT

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", _level_text(self.level))
        _check_photo(self.photo)

    @property
    def work_type_text(self) -> str:
        """工种/职业方向 as printed: ``--`` when there is none."""
        return self.work_type.strip() if self.work_type and self.work_type.strip() else "--"


@dataclass(frozen=True, slots=True)
class AwardCertificate:
    """获奖证书, A4 landscape. ``award`` is an :class:`AwardClass` or its label (``一等奖``); ``group`` the
    组别 label or empty."""

    LAYOUT: ClassVar[str] = "award"
    TITLE: ClassVar[str] = "获奖证书"

    name: str
    unit: str
    contest: str
    event: str
    award: AwardClass | str
    certificate_number: str
    issuer: str
    issued_on: date
    verify_url: str
    group: str = ""
    overprint: Overprint = FULL_PRINT

    def __post_init__(self) -> None:
        award = self.award.label if isinstance(self.award, AwardClass) else str(self.award)
        object.__setattr__(self, "award", award)


@dataclass(frozen=True, slots=True)
class HonourCertificate:
    """荣誉证书, A4 landscape: ``honour_title`` such as ``江苏省技术能手`` (printed in quotes), an optional
    one- or two-line ``citation``."""

    LAYOUT: ClassVar[str] = "honour"
    TITLE: ClassVar[str] = "荣誉证书"

    name: str
    unit: str
    honour_title: str
    certificate_number: str
    issuer: str
    issued_on: date
    verify_url: str
    citation: str = ""
    overprint: Overprint = FULL_PRINT


@dataclass(frozen=True, slots=True)
class HonourRecordEntry:
    """One line of a 荣誉档案: when, what, who conferred it, and the certificate number if any."""

    awarded_on: date
    title: str
    conferred_by: str
    certificate_number: str = ""


@dataclass(frozen=True, slots=True)
class HonourRecord:
    """荣誉档案, A4 portrait, one page: a person's honours and awards, at most 26 entries (raises
    :class:`ValueError` beyond; the caller picks the most recent). ``level`` as for
    :class:`SkillLevelCertificate`, may be empty."""

    LAYOUT: ClassVar[str] = "honour_record"
    TITLE: ClassVar[str] = "荣誉档案"
    MAX_ENTRIES: ClassVar[int] = 26

    name: str
    unit: str
    entries: tuple[HonourRecordEntry, ...]
    record_number: str
    issuer: str
    issued_on: date
    verify_url: str
    gender: str = ""
    occupation: str = ""
    level: SkillLevel | str = ""
    photo: bytes | None = None
    overprint: Overprint = FULL_PRINT

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))
        object.__setattr__(self, "level", _level_text(self.level))
        if len(self.entries) > self.MAX_ENTRIES:
            raise ValueError(f"荣誉档案一页最多 {self.MAX_ENTRIES} 条，现有 {len(self.entries)} 条")
        _check_photo(self.photo)


@dataclass(frozen=True, slots=True)
class AdmissionSession:
    """One sitting on an admission ticket: ``part`` (理论知识), ``time`` as printed, ``place``, ``seat``."""

    part: str
    time: str
    place: str
    seat: str = ""


@dataclass(frozen=True, slots=True)
class AdmissionTicket:
    """准考证, A4 portrait: at most 5 ``sessions`` and 8 ``notes`` (考生须知, one string each); raises
    :class:`ValueError` beyond."""

    LAYOUT: ClassVar[str] = "admission_ticket"
    TITLE: ClassVar[str] = "准考证"

    contest: str
    ticket_number: str
    name: str
    id_type: str
    id_number: str
    unit: str
    event: str
    verify_url: str
    sessions: tuple[AdmissionSession, ...] = ()
    group: str = ""
    notes: tuple[str, ...] = ()
    issuer: str = ""
    photo: bytes | None = None
    overprint: Overprint = FULL_PRINT

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", tuple(self.sessions))
        object.__setattr__(self, "notes", tuple(self.notes))
        if len(self.sessions) > 5 or len(self.notes) > 8:
            raise ValueError("准考证最多 5 个场次、8 条考生须知")
        _check_photo(self.photo)


@dataclass(frozen=True, slots=True)
class CalibrationPage:
    """套打校准页: an A4 millimetre grid (labelled every 10 mm) in ``orientation``, with the current
    offsets of layout ``layout_title`` marked, to print onto pre-printed stock and read the shift."""

    LAYOUT: ClassVar[str] = "calibration"
    TITLE: ClassVar[str] = "套打校准页"

    orientation: Literal["portrait", "landscape"] = "portrait"
    layout_title: str = ""
    overprint: Overprint = FULL_PRINT

    def __post_init__(self) -> None:
        if self.orientation not in ("portrait", "landscape"):
            raise ValueError(f"orientation must be portrait or landscape, not {self.orientation!r}")

    @property
    def size_mm(self) -> tuple[int, int]:
        """Page width and height in millimetres."""
        return (210, 297) if self.orientation == "portrait" else (297, 210)


Document = (
    SkillLevelCertificate
    | AwardCertificate
    | HonourCertificate
    | HonourRecord
    | AdmissionTicket
    | CalibrationPage
)


# ---------------------------------------------------------------------------------------------------------
# Dates


def numeric_date(day: date) -> str:
    """``2025年6月30日``."""
    return f"{day.year}年{day.month}月{day.day}日"


_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def chinese_date(day: date) -> str:
    """The date written out as on award and honour certificates: ``二〇二五年六月三十日``."""
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_chinese_number(day.month)}月{_chinese_number(day.day)}日"


# ---------------------------------------------------------------------------------------------------------
# Shrink to fit


def text_width_em(text: str) -> float:
    """Width of ``text`` on one line, in em, by a simple model of character classes (advance widths of
    LXGW WenKai, rounded up): full-width and ambiguous-width characters (CJK, full-width punctuation,
    quotes) 1, capitals 0.72, digits 0.6, other letters 0.55, space 0.35, narrow punctuation 0.6. It errs
    wide, so fitted text does not overflow."""
    width = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
            width += 1.0
        elif ch == " ":
            width += 0.35
        elif ch.isdigit():
            width += 0.6
        elif ch.isupper():
            width += 0.72
        elif ch.isalpha():
            width += 0.55
        else:
            width += 0.6
    return width


@dataclass(frozen=True, slots=True)
class Fit:
    """A font size in points and the number of lines the text is expected to take."""

    size_pt: float
    lines: int


def fit_text(
    text: str,
    width_mm: float,
    height_mm: float,
    *,
    max_pt: float,
    min_pt: float = 6.0,
    max_lines: int = 1,
    line_height: float = 1.25,
) -> Fit:
    """The largest font size (points, in steps of 0.5, between ``min_pt`` and ``max_pt``) at which
    ``text`` fits a box of ``width_mm`` × ``height_mm`` in at most ``max_lines`` lines (measured with
    :func:`text_width_em`; wrapped lines are assumed 90 % full; a further line is taken only if it makes
    the text at least 20 % larger). At ``min_pt`` text that still does not fit wraps within the box
    width rather than running past it."""
    em = max(text_width_em(text), 0.5)
    best = Fit(0.0, 1)
    for lines in range(1, max(max_lines, 1) + 1):
        fill = 0.97 if lines == 1 else 0.9
        by_width = width_mm * lines * fill / (em * _MM_PER_PT)
        by_height = height_mm / (lines * line_height * _MM_PER_PT)
        size = math.floor(min(max_pt, by_width, by_height) * 2) / 2
        # One more line only for a clearly larger size: the model errs wide, and text the browser still
        # fits on fewer lines than predicted sits off-centre in its box.
        if size > best.size_pt * _WRAP_GAIN:
            best = Fit(size, lines)
    if best.size_pt < min_pt:
        lines = math.ceil(em * min_pt * _MM_PER_PT / (width_mm * 0.9))
        best = Fit(min_pt, max(lines, 1))
    return best


# ---------------------------------------------------------------------------------------------------------
# Jinja globals used by the layouts (all geometry in millimetres from the page's top-left corner)


def _mm(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "mm"


def _box(x: float, y: float, w: float, h: float) -> str:
    return f"left:{_mm(x)};top:{_mm(y)};width:{_mm(w)};height:{_mm(h)}"


def _classes(base: str, extra: str) -> str:
    return f"{base} {extra}".strip()


def field(
    text: object,
    x: float,
    y: float,
    w: float,
    h: float,
    *,
    size: float,
    min_size: float = 6.0,
    lines: int = 1,
    cls: str = "",
) -> Markup:
    """A variable text field: the text (escaped) in a ``w`` × ``h`` box at (``x``, ``y``), at the largest
    size up to ``size`` pt (not below ``min_size``) that fits in ``lines`` lines (:func:`fit_text`),
    centred vertically in the box."""
    content = "" if text is None else str(text)
    fit = fit_text(content, w, h, max_pt=size, min_pt=min_size, max_lines=lines)
    pad = max((h - fit.lines * 1.25 * fit.size_pt * _MM_PER_PT) / 2, 0.0)
    style = f"{_box(x, y, w, h)};padding-top:{_mm(pad)};font-size:{fit.size_pt:g}pt"
    return Markup('<div class="{}" style="{}">{}</div>').format(_classes("field", cls), style, content)


def stock(text: str, x: float, y: float, w: float, h: float, *, size: float = 12, cls: str = "") -> Markup:
    """Pre-printed text (a label or a title) at a fixed size, left out when printing fields only."""
    style = f"{_box(x, y, w, h)};font-size:{size:g}pt;line-height:{_mm(h)}"
    return Markup('<div class="{}" style="{}">{}</div>').format(_classes("stock-text", cls), style, text)


def rule(x: float, y: float, w: float, *, cls: str = "") -> Markup:
    """A horizontal line (the blank to write on) of width ``w`` at height ``y``."""
    style = f"left:{_mm(x)};top:{_mm(y)};width:{_mm(w)}"
    return Markup('<div class="{}" style="{}"></div>').format(_classes("rule", cls), style)


def frame(x: float, y: float, w: float, h: float, *, cls: str = "") -> Markup:
    """A box (border, table cell, photo outline); its look is the CSS class."""
    return Markup('<div class="{}" style="{}"></div>').format(_classes("frame", cls), _box(x, y, w, h))


def at(x: float, y: float, w: float, h: float) -> str:
    """The inline geometry of a box, for layouts that place their own element."""
    return _box(x, y, w, h)


def qr(url: str, x: float, y: float, size: float) -> Markup:
    """A QR code (SVG) of ``url``, ``size`` mm square."""
    return Markup('<img class="qr" alt="" src="{}" style="{}">').format(
        qr_svg_data_uri(url), _box(x, y, size, size)
    )


def _image_mime(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def photo(data: bytes | None, x: float, y: float, w: float, h: float, *, placeholder: bool = True) -> Markup:
    """The photo (JPEG or PNG bytes) filling a ``w`` × ``h`` box, or an outlined 照片 box when there is
    none and ``placeholder`` is true."""
    if data is None:
        if not placeholder:
            return Markup("")
        return Markup('<div class="photo-box" style="{};line-height:{}">照片</div>').format(
            _box(x, y, w, h), _mm(h)
        )
    uri = f"data:{_image_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"
    return Markup('<img class="photo" alt="" src="{}" style="{}">').format(uri, _box(x, y, w, h))


# ---------------------------------------------------------------------------------------------------------
# Templates


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.update(
        field=field,
        stock=stock,
        rule=rule,
        frame=frame,
        at=at,
        qr=qr,
        photo=photo,
        chinese_date=chinese_date,
        numeric_date=numeric_date,
    )
    return env


@cache
def _env() -> jinja2.Environment:
    return _environment()


_VERSION_RE = re.compile(r"\A\{#-?\s*template-version:\s*(\S+)\s*-?#\}")
_STYLESHEETS_RE = re.compile(r"\{#-?\s*stylesheets:\s*([^#]+?)\s*-?#\}")


def layout_name(document: Document) -> str:
    """The layout (template file stem under ``templates/certificates/``) of a document."""
    return type(document).LAYOUT


@cache
def _template_header(layout: str) -> tuple[str, tuple[str, ...]]:
    source, _, _ = _env().loader.get_source(_env(), f"certificates/{layout}.html")  # type: ignore[union-attr]
    version = _VERSION_RE.match(source)
    if version is None:
        raise LookupError(f"templates/certificates/{layout}.html does not declare its template-version")
    sheets = _STYLESHEETS_RE.search(source)
    names = tuple(sheets.group(1).split()) if sheets else ()
    return version.group(1), names


def template_version(document: Document) -> str:
    """The version string the document's layout declares, e.g. ``skill_level/2025.1``."""
    return _template_header(layout_name(document))[0]


def stylesheets(documents: Sequence[Document]) -> list[str]:
    """The stylesheets (URLs relative to ``static/``) the documents' layouts need, in order, once each."""
    seen = ["certificates/fonts.css", "certificates/base.css"]
    for document in documents:
        for name in _template_header(layout_name(document))[1]:
            href = f"certificates/{name}"
            if href not in seen:
                seen.append(href)
    return seen


def render_page(document: Document) -> Markup:
    """The HTML of one document's page (a ``<section class="page …">``)."""
    template = _env().get_template(f"certificates/{layout_name(document)}.html")
    return Markup(template.render(doc=document, fields_only=document.overprint.fields_only))


def render_html(documents: Sequence[Document], *, title: str = "证书", links: bool = True) -> str:
    """A complete HTML document with one page per document, in order. With ``links`` it links its
    stylesheets (URLs relative to ``static/``: render with that folder as base URL); without, the caller
    supplies :func:`stylesheets` itself (parsed once and reused). Raises :class:`ValueError` for no
    documents."""
    if not documents:
        raise ValueError("no documents to render")
    pages = [render_page(document) for document in documents]
    return (
        _env()
        .get_template("certificates/_document.html")
        .render(title=title, stylesheets=stylesheets(documents) if links else [], pages=pages)
    )
