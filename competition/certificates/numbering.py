"""Skill-level certificate numbers (职业技能等级证书编号), 人社鉴发〔2019〕2号 (pure; standard library only).

A number is 22 characters, 1 upper-case letter + 21 digits (positions 1-based)::

    [1]      evaluator kind: Y = employer (用人单位), S = social evaluation body (社会培训评价组织)
    [2–5]    evaluation body code; 0000 when the body is filed with the province
    [6–7]    province code (GB/T 2260, first two digits)
    [8–13]   evaluation body (station) serial
    [14–15]  year issued, YY
    [16]     level digit 1–5: 1 = 一级/高级技师 … 5 = 五级/初级工 (SkillLevel.grade)
    [17–22]  serial 000001–999999, counted per body, year and level

Example shape: ``Y000123XXXXXX195000001``.

特级技师 certificates have 2 letters + 20 digits with the same seven parts. *(Inferred: no text we
could read says where the second letter goes; the only part that has no digit for 特级技师 is the
level code, so the letter takes position 16.)* Which letter is a setting the caller passes
(``level_letter``); parsing accepts any upper-case letter there and returns it. *(Inferred: the year
``YY`` is read as ``20YY`` and must be 2019 or later, the year the scheme began.)* 学徒工 and
首席技师 have no certificate number.

Every field error is a :class:`DomainError` whose ``field`` names the field (``evaluator_kind``,
``body_code``, ``province_code``, ``station_serial``, ``year``, ``level``, ``serial``, or ``number``
for the length) and whose message names its positions.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from competition.domain import SkillLevel
from competition.errors import N_, DomainError
from competition.registration.idnumbers import PROVINCE_NAMES

__all__ = [
    "FIELD_LABELS",
    "FIRST_YEAR",
    "NUMBER_LENGTH",
    "CertificateNumber",
    "EvaluatorKind",
    "SequenceKey",
    "format_certificate_number",
    "parse_certificate_number",
]

NUMBER_LENGTH = 22
FIRST_YEAR = 2019
_LAST_YEAR = 2099
MAX_SERIAL = 999_999

#: Field → (positions, Chinese name), for messages.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "evaluator_kind": ("1", "评价机构类别代码"),
    "body_code": ("2–5", "评价机构代码"),
    "province_code": ("6–7", "省级代码"),
    "station_serial": ("8–13", "评价机构（站点）序列码"),
    "year": ("14–15", "证书核发年份"),
    "level": ("16", "职业技能等级代码"),
    "serial": ("17–22", "证书序列码"),
}
_SLICES = {
    "evaluator_kind": slice(0, 1),
    "body_code": slice(1, 5),
    "province_code": slice(5, 7),
    "station_serial": slice(7, 13),
    "year": slice(13, 15),
    "level": slice(15, 16),
    "serial": slice(16, 22),
}
_BY_GRADE = {level.grade: level for level in SkillLevel if level.grade is not None}


class EvaluatorKind(StrEnum):
    """Position 1: who evaluates; the value is the letter on the number."""

    EMPLOYER = "Y"
    SOCIAL = "S"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``用人单位``."""
        return N_("用人单位") if self is EvaluatorKind.EMPLOYER else N_("社会培训评价组织")


def _error(field: str, problem: str) -> DomainError:
    positions, name = FIELD_LABELS[field]
    return DomainError(
        N_("证书编号第 %(positions)s 位（%(name)s）%(problem)s"),
        positions=positions,
        name=name,
        problem=problem,
        field=field,
    )


def _digits(value: str, width: int) -> bool:
    return len(value) == width and value.isascii() and value.isdigit()


@dataclass(frozen=True, slots=True)
class SequenceKey:
    """Which serial counter a number is drawn from: one per evaluation body (kind, body code, province,
    station), year and level. The counter itself lives in the database; ``prefix`` is the 16-character
    head shared by every number of the counter."""

    evaluator_kind: EvaluatorKind
    body_code: str
    province_code: str
    station_serial: str
    year: int
    level: SkillLevel
    level_letter: str | None = None

    @property
    def prefix(self) -> str:
        """Positions 1–16, e.g. ``Y000032060001253`` (Y, 0000, 江苏 32, station 060001, 2025, 三级)."""
        level_code = (
            self.level_letter if self.level is SkillLevel.PRINCIPAL_TECHNICIAN else str(self.level.grade)
        )
        return (
            f"{self.evaluator_kind.value}{self.body_code}{self.province_code}"
            f"{self.station_serial}{self.year % 100:02d}{level_code}"
        )

    def __str__(self) -> str:
        return self.prefix


@dataclass(frozen=True, slots=True)
class CertificateNumber:
    """A valid certificate number, field by field.

    ``body_code`` 4 digits, ``province_code`` 2 digits in GB/T 2260, ``station_serial`` 6 digits,
    ``year`` full year 2019–2099, ``level`` a rung with a grade or 特级技师 (then ``level_letter``, one
    upper-case letter, is required; otherwise it must be ``None``), ``serial`` 1–999999.
    Construction validates every field and raises :class:`DomainError` naming the first bad one.
    ``str(number)`` is the 22-character text.
    """

    evaluator_kind: EvaluatorKind
    body_code: str
    province_code: str
    station_serial: str
    year: int
    level: SkillLevel
    serial: int
    level_letter: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "evaluator_kind", EvaluatorKind(self.evaluator_kind))
        except ValueError:
            raise _error("evaluator_kind", f"应为 Y 或 S，现为“{self.evaluator_kind}”") from None
        if not _digits(self.body_code, 4):
            raise _error("body_code", f"应为 4 位数字（向省级备案的为 0000），现为“{self.body_code}”")
        if not _digits(self.province_code, 2) or self.province_code not in PROVINCE_NAMES:
            raise _error("province_code", f"“{self.province_code}”不是有效的省级行政区划代码")
        if not _digits(self.station_serial, 6):
            raise _error("station_serial", f"应为 6 位数字，现为“{self.station_serial}”")
        if not FIRST_YEAR <= self.year <= _LAST_YEAR:
            raise _error("year", f"年份 {self.year} 不在 {FIRST_YEAR}–{_LAST_YEAR} 年之间")
        if self.level is SkillLevel.PRINCIPAL_TECHNICIAN:
            letter = self.level_letter
            if letter is None or len(letter) != 1 or not ("A" <= letter <= "Z"):
                raise _error("level", f"特级技师证书此位应为一个大写字母，现为“{letter or ''}”")
        elif self.level.grade is None:
            raise _error("level", f"“{self.level.label}”没有职业技能等级证书编号")
        elif self.level_letter is not None:
            raise _error("level", f"“{self.level.label}”证书此位为数字 {self.level.grade}，不应有字母")
        if not 1 <= self.serial <= MAX_SERIAL:
            raise _error("serial", f"应在 000001–999999 之间，现为 {self.serial}")

    @property
    def sequence_key(self) -> SequenceKey:
        """The counter this number's serial belongs to."""
        return SequenceKey(
            self.evaluator_kind,
            self.body_code,
            self.province_code,
            self.station_serial,
            self.year,
            self.level,
            self.level_letter,
        )

    @property
    def text(self) -> str:
        """The 22-character number."""
        return f"{self.sequence_key.prefix}{self.serial:06d}"

    def __str__(self) -> str:
        return self.text


def format_certificate_number(
    evaluator_kind: EvaluatorKind | str,
    body_code: str,
    province_code: str,
    station_serial: str,
    year: int,
    level: SkillLevel,
    serial: int,
    *,
    level_letter: str | None = None,
) -> str:
    """The 22-character number for these fields (see :class:`CertificateNumber` for their shapes).

    Raises :class:`DomainError` naming the first bad field.
    """
    return CertificateNumber(
        evaluator_kind,  # type: ignore[arg-type]  # coerced and checked in __post_init__
        body_code,
        province_code,
        station_serial,
        year,
        level,
        serial,
        level_letter,
    ).text


def parse_certificate_number(text: str | None) -> CertificateNumber:
    """Read a number typed or scanned (full-width characters, lower case and spaces are accepted).

    Returns the fields; raises :class:`DomainError` naming the first bad field (``number`` when the
    length is wrong).
    """
    number = "".join(unicodedata.normalize("NFKC", text or "").split()).upper()
    if len(number) != NUMBER_LENGTH:
        raise DomainError(
            N_("证书编号应为 %(number_length)s 位，现为 %(number_count)s 位"),
            number_length=NUMBER_LENGTH,
            number_count=len(number),
            field="number",
        )
    part = {name: number[s] for name, s in _SLICES.items()}
    if part["evaluator_kind"] not in ("Y", "S"):
        raise _error("evaluator_kind", f"应为 Y 或 S，现为“{part['evaluator_kind']}”")
    for name, width in (("body_code", 4), ("province_code", 2), ("station_serial", 6), ("year", 2)):
        if not _digits(part[name], width):
            raise _error(name, f"应为 {width} 位数字，现为“{part[name]}”")
    code = part["level"]
    letter: str | None = None
    if "A" <= code <= "Z":
        level, letter = SkillLevel.PRINCIPAL_TECHNICIAN, code
    elif code in ("1", "2", "3", "4", "5"):
        level = _BY_GRADE[int(code)]
    else:
        raise _error("level", f"应为 1–5（特级技师为字母），现为“{code}”")
    if not _digits(part["serial"], 6):
        raise _error("serial", f"应为 6 位数字，现为“{part['serial']}”")
    return CertificateNumber(
        EvaluatorKind(part["evaluator_kind"]),
        part["body_code"],
        part["province_code"],
        part["station_serial"],
        2000 + int(part["year"]),
        level,
        int(part["serial"]),
        letter,
    )
