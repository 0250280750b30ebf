"""ID documents (证件): check a number, derive birth date and gender (pure; standard library only).

Implements GB 11643-1999 《公民身份号码》 for the 18-character 居民身份证 number, which the
港澳台居民居住证 (国办发〔2018〕81号) reuses with the address codes 810000 (香港), 820000 (澳门) and
830000 (台湾). Shape of such a number (positions 1-based)::

    [1–6]  address code (地址码, GB/T 2260; first two digits = province)
    [7–14] birth date YYYYMMDD
    [15–17] order code (顺序码); the 17th digit is odd for men, even for women
    [18]   check character, ISO 7064 MOD 11-2: 0–9 or X (= 10)

Every error is a :class:`~competition.errors.DomainError` with ``field="id_number"`` (or the field
named by :func:`cross_check`), its message in Chinese for the registration form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from competition.domain import Gender
from competition.errors import N_, DomainError, InvariantError, fmt, joined

__all__ = [
    "PROVINCE_NAMES",
    "RESIDENCE_PERMIT_REGIONS",
    "IdDocument",
    "IdType",
    "check_digit",
    "check_id_number",
    "convert_legacy_id",
    "cross_check",
    "infer_id_type",
    "make_resident_id",
    "normalize_id_text",
]

FIELD = "id_number"

#: Province-level codes of GB/T 2260 used on 居民身份证 numbers (mainland only), code → name.
PROVINCE_NAMES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}

#: Address codes of 港澳台居民居住证 numbers (国办发〔2018〕81号), code → region.
RESIDENCE_PERMIT_REGIONS: dict[str, str] = {"810000": "香港", "820000": "澳门", "830000": "台湾"}

# ISO 7064 MOD 11-2: weight of position i (1-based, i = 1…17) is 2**(18 - i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"  # index = (weighted sum) mod 11
_EARLIEST_BIRTH_YEAR = 1900  # (inferred) sanity bound that catches typed-in century slips

_EIGHTEEN = re.compile(r"^[0-9]{17}[0-9X]$")
_FIFTEEN = re.compile(r"^[0-9]{15}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
# (inferred) shapes: 港澳居民来往内地通行证 = H/M + 8 digits (card, 2013 on) or + 10 digits (booklet);
# 台湾居民来往大陆通行证 = 8 digits (card, 2015 on) or 10 digits (booklet).
_HK_MO_PERMIT = re.compile(r"^[HM]([0-9]{8}|[0-9]{10})$")
_TW_PERMIT = re.compile(r"^([0-9]{8}|[0-9]{10})$")


class IdType(StrEnum):
    """The kind of ID document (证件类型) a person registers with; ``label`` is the Chinese name."""

    RESIDENT_ID = "resident_id"
    HK_MO_TW_RESIDENCE = "hk_mo_tw_residence"
    HK_MO_PERMIT = "hk_mo_permit"
    TW_PERMIT = "tw_permit"
    PASSPORT = "passport"

    @property
    def label(self) -> str:
        """Chinese name, e.g. ``居民身份证``."""
        return _ID_TYPE_LABELS[self]

    @property
    def encodes_birth_date(self) -> bool:
        """True when the number carries birth date and gender (GB 11643-1999 shape)."""
        return self in (IdType.RESIDENT_ID, IdType.HK_MO_TW_RESIDENCE)


_ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: N_("居民身份证"),
    IdType.HK_MO_TW_RESIDENCE: N_("港澳台居民居住证"),
    IdType.HK_MO_PERMIT: N_("港澳居民来往内地通行证"),
    IdType.TW_PERMIT: N_("台湾居民来往大陆通行证"),
    IdType.PASSPORT: N_("护照"),
}


@dataclass(frozen=True, slots=True)
class IdDocument:
    """A checked ID number.

    ``number`` is normalised (ASCII, upper case, no spaces). ``birth_date``, ``gender`` and
    ``region_code`` (6 digits) are set for the two GB 11643-shaped types and ``None`` otherwise.
    """

    id_type: IdType
    number: str
    birth_date: date | None = None
    gender: Gender | None = None
    region_code: str | None = None


def normalize_id_text(text: str | None) -> str:
    """Normalise typed input: NFKC (full-width ``１`` → ``1``), drop all whitespace, upper-case.

    ``None`` gives ``""``; never raises.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split()).upper()


def check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (``0``–``9`` or ``X``) for 17 ASCII digits.

    ISO 7064 MOD 11-2: S = Σ aᵢ·Wᵢ with Wᵢ = 2¹⁷⁻ⁱ mod 11 (i = 0…16); check = (12 − S mod 11) mod 11,
    written ``X`` for 10. Raises :class:`InvariantError` when ``first17`` is not 17 digits (a caller bug).
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvariantError(f"check_digit needs 17 ASCII digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def infer_id_type(text: str | None) -> IdType | None:
    """Guess the type from the number alone (for spreadsheet imports without a type column).

    18 characters of GB 11643 shape → :attr:`IdType.HK_MO_TW_RESIDENCE` when the address code is
    810000/820000/830000, else :attr:`IdType.RESIDENT_ID`; anything else → ``None`` (ask the user).
    The guess is not a check: pass it to :func:`check_id_number`. Never raises.
    """
    number = normalize_id_text(text)
    if not _EIGHTEEN.match(number):
        return None
    if number[:6] in RESIDENCE_PERMIT_REGIONS:
        return IdType.HK_MO_TW_RESIDENCE
    return IdType.RESIDENT_ID


def check_id_number(text: str | None, id_type: IdType = IdType.RESIDENT_ID, *, today: date) -> IdDocument:
    """Check an ID number of the given type and return it normalised, with what it encodes.

    ``text``: as typed (full-width characters, lower-case ``x`` and spaces are accepted).
    ``today``: the current date, for "birth date not in the future".

    - 居民身份证 (GB 11643-1999): 17 digits + check character; the first two digits a mainland
      province code (:data:`PROVINCE_NAMES`); the birth date a real date, not after ``today`` and not
      before 1900; the check character right. A 15-digit number is the pre-1999 legacy form and is
      rejected with a message saying it must be converted to 18 digits (see :func:`convert_legacy_id`).
    - 港澳台居民居住证: the same rules with address code 810000, 820000 or 830000.
    - 护照: 5–20 letters or digits, no checksum.
    - 港澳居民来往内地通行证: ``H``/``M`` + 8 or 10 digits; 台湾居民来往大陆通行证: 8 or 10 digits
      *(inferred shapes, no checksum)*.

    Raises :class:`DomainError` (``field="id_number"``) naming what is wrong.
    """
    number = normalize_id_text(text)
    label = id_type.label
    if not number:
        raise DomainError(N_("请填写%(label)s号码"), label=label, field=FIELD)
    if id_type is IdType.PASSPORT:
        if not _PASSPORT.match(number):
            raise DomainError(N_("护照号码应为 5–20 位字母或数字"), field=FIELD)
        return IdDocument(IdType.PASSPORT, number)
    if id_type is IdType.HK_MO_PERMIT:
        if not _HK_MO_PERMIT.match(number):
            raise DomainError(
                N_("港澳居民来往内地通行证号码应为字母 H 或 M 加 8 位（或 10 位）数字"), field=FIELD
            )
        return IdDocument(IdType.HK_MO_PERMIT, number)
    if id_type is IdType.TW_PERMIT:
        if not _TW_PERMIT.match(number):
            raise DomainError(N_("台湾居民来往大陆通行证号码应为 8 位（或 10 位）数字"), field=FIELD)
        return IdDocument(IdType.TW_PERMIT, number)
    return _check_gb11643(number, id_type, today=today)


def _check_gb11643(number: str, id_type: IdType, *, today: date) -> IdDocument:
    label = id_type.label
    if _FIFTEEN.match(number):
        raise DomainError(
            N_(
                "“%(number)s”是 15 位旧版身份证号码，已停止使用，请换算为 18 位号码后填写（在第 6 位后插入“19”，并按 GB 116"
                "43-1999 补上校验码）"
            ),
            number=number,
            field=FIELD,
        )
    if len(number) != 18:
        raise DomainError(
            N_("%(label)s号码应为 18 位，现为 %(number_count)s 位"),
            label=label,
            number_count=len(number),
            field=FIELD,
        )
    if not _EIGHTEEN.match(number):
        raise DomainError(N_("%(label)s号码前 17 位应为数字，第 18 位为数字或 X"), label=label, field=FIELD)
    region = number[:6]
    if id_type is IdType.RESIDENT_ID:
        if region in RESIDENCE_PERMIT_REGIONS:
            raise DomainError(
                N_("“%(region)s”开头的是港澳台居民居住证号码，请将证件类型选为“港澳台居民居住证”"),
                region=region,
                field=FIELD,
            )
        if region[:2] not in PROVINCE_NAMES:
            raise DomainError(
                N_("%(label)s号码前两位“%(region)s”不是有效的省级行政区划代码"),
                label=label,
                region=region[:2],
                field=FIELD,
            )
    elif region not in RESIDENCE_PERMIT_REGIONS:
        raise DomainError(
            N_("港澳台居民居住证号码应以 810000、820000 或 830000 开头，现为“%(region)s”"),
            region=region,
            field=FIELD,
        )
    birth = _birth_date(number[6:14], label, today=today)
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise DomainError(
            N_("%(label)s号码校验码不正确（第 18 位应为 %(expected)s），请核对号码"),
            label=label,
            expected=expected,
            field=FIELD,
        )
    gender = Gender.MALE if int(number[16]) % 2 == 1 else Gender.FEMALE
    return IdDocument(id_type, number, birth_date=birth, gender=gender, region_code=region)


def _birth_date(digits: str, label: str, *, today: date) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise DomainError(
            N_("%(label)s号码中的出生日期“%(digits)s”不是有效日期"), label=label, digits=digits, field=FIELD
        ) from None
    if birth > today:
        raise DomainError(
            N_("%(label)s号码中的出生日期 %(isoformat)s 晚于今天"),
            label=label,
            isoformat=birth.isoformat(),
            field=FIELD,
        )
    if birth.year < _EARLIEST_BIRTH_YEAR:
        raise DomainError(
            N_("%(label)s号码中的出生日期 %(isoformat)s 早于 1900 年，请核对号码"),
            label=label,
            isoformat=birth.isoformat(),
            field=FIELD,
        )
    return birth


def convert_legacy_id(number15: str | None) -> str:
    """Convert a 15-digit legacy number to its 18-character form (GB 11643-1999, appendix rules).

    Inserts ``19`` before the 6-digit birth date ``YYMMDD`` and appends the check character.
    Only the shape is checked (15 digits, a real date), not the region. Raises :class:`DomainError`
    otherwise.
    """
    number = normalize_id_text(number15)
    if not _FIFTEEN.match(number):
        raise DomainError(N_("旧版身份证号码应为 15 位数字"), field=FIELD)
    first17 = number[:6] + "19" + number[6:]
    try:
        date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        raise DomainError(
            N_("旧版身份证号码中的出生日期“%(number)s”不是有效日期"), number=number[6:12], field=FIELD
        ) from None
    return first17 + check_digit(first17)


def cross_check(
    document: IdDocument, *, gender: Gender | None = None, birth_date: date | None = None
) -> None:
    """Check a declared gender and birth date against what the ID number encodes.

    Declarations left ``None``, and documents that encode nothing (passports, permits), pass.
    Raises :class:`DomainError` naming each mismatch, e.g.
    ``性别与证件号码不符：填写为“女”，证件号码为“男”``; ``field`` is ``"gender"`` or ``"birth_date"``
    (the first mismatch when both differ).
    """
    problems: list[tuple[str, str]] = []
    if gender is not None and document.gender is not None and gender is not document.gender:
        problems.append(
            (
                "gender",
                fmt(
                    N_("性别与证件号码不符：填写为“%(declared)s”，证件号码为“%(encoded)s”"),
                    declared=gender.label,
                    encoded=document.gender.label,
                ),
            )
        )
    if birth_date is not None and document.birth_date is not None and birth_date != document.birth_date:
        problems.append(
            (
                "birth_date",
                fmt(
                    N_("出生日期与证件号码不符：填写为 %(declared)s，证件号码为 %(encoded)s"),
                    declared=birth_date.isoformat(),
                    encoded=document.birth_date.isoformat(),
                ),
            )
        )
    if problems:
        # ``params["mismatches"].items``: each mismatch alone (the workbook report lists them by column)
        raise DomainError(
            N_("%(mismatches)s"), mismatches=joined((m for _, m in problems), "；"), field=problems[0][0]
        )


def make_resident_id(region: str, birth_date: date, sequence: int, gender: Gender) -> str:
    """Build a valid 18-character number, for test and demo data only.

    ``region``: 6-digit address code whose first two digits are in :data:`PROVINCE_NAMES`, or one of
    :data:`RESIDENCE_PERMIT_REGIONS` (then the result is a 港澳台居民居住证 number).
    ``sequence``: 0–499; the 3-digit order code is ``2·sequence + 1`` for men and ``2·sequence`` for
    women, so every (region, birth date, sequence, gender) gives a distinct number.
    Raises :class:`InvariantError` on arguments outside these ranges (a bug in the caller).
    """
    if len(region) != 6 or not region.isascii() or not region.isdigit():
        raise InvariantError(f"region must be 6 digits, got {region!r}")
    if region[:2] not in PROVINCE_NAMES and region not in RESIDENCE_PERMIT_REGIONS:
        raise InvariantError(f"region {region!r} has no valid province code")
    if not 0 <= sequence <= 499:
        raise InvariantError(f"sequence must be 0–499, got {sequence}")
    if not _EARLIEST_BIRTH_YEAR <= birth_date.year <= 9999:
        raise InvariantError(f"birth year out of range: {birth_date}")
    order = 2 * sequence + (1 if gender is Gender.MALE else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)
