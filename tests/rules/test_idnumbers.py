"""ID numbers: GB 11643-1999 check digit, birth date, gender, legacy numbers, other documents."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import Gender
from competition.errors import DomainError, InvariantError
from competition.registration.idnumbers import (
    PROVINCE_NAMES,
    RESIDENCE_PERMIT_REGIONS,
    IdDocument,
    IdType,
    check_digit,
    check_id_number,
    convert_legacy_id,
    cross_check,
    infer_id_type,
    make_resident_id,
    normalize_id_text,
)

TODAY = date(2025, 10, 26)
# The worked example of GB 11643-1999: 北京市朝阳区, born 1949-12-31, female, check character X.
STANDARD_EXAMPLE = "11010519491231002X"

regions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCE_NAMES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
genders = st.sampled_from(list(Gender))
sequences = st.integers(min_value=0, max_value=499)


def test_standard_example_has_an_x_check_digit():
    doc = check_id_number(STANDARD_EXAMPLE, today=TODAY)
    assert doc == IdDocument(
        IdType.RESIDENT_ID, STANDARD_EXAMPLE, date(1949, 12, 31), Gender.FEMALE, "110105"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        "  11010519491231002X  ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "\u300011010519491231002X\t",
        "110105 19491231 002X",
    ],
)
def test_typing_variants_are_normalised(typed):
    assert check_id_number(typed, today=TODAY).number == STANDARD_EXAMPLE


def test_generated_x_check_digit_is_accepted():
    number = next(
        n
        for s in range(500)
        if (n := make_resident_id("320602", date(1990, 5, 17), s, Gender.MALE)).endswith("X")
    )
    doc = check_id_number(number.lower(), today=TODAY)
    assert doc.number == number
    assert doc.gender is Gender.MALE


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11010519491231002", "应为 18 位，现为 17 位"),
        ("110105194912310021", "校验码不正确（第 18 位应为 X）"),
        ("320102199902300011", "出生日期“19990230”不是有效日期"),
        ("320102199913010011", "出生日期“19991301”不是有效日期"),
        ("110105189912310020", "早于 1900 年"),
        ("11010519491231A02X", "前 17 位应为数字"),
        ("99010519491231002X", "前两位“99”不是有效的省级行政区划代码"),
        ("710105194912310020", "前两位“71”不是有效的省级行政区划代码"),
        ("810000199001010010", "港澳台居民居住证"),
        ("", "请填写居民身份证号码"),
        ("   ", "请填写居民身份证号码"),
    ],
)
def test_bad_resident_numbers_are_rejected_with_a_reason(typed, message):
    with pytest.raises(DomainError, match=message) as err:
        check_id_number(typed, today=TODAY)
    assert err.value.field == "id_number"


def test_future_birth_date_is_rejected():
    number = make_resident_id("320602", date(2025, 10, 27), 3, Gender.FEMALE)
    with pytest.raises(DomainError, match="2025-10-27 晚于今天"):
        check_id_number(number, today=TODAY)
    assert check_id_number(number, today=date(2025, 10, 27)).birth_date == date(2025, 10, 27)


@pytest.mark.parametrize("legacy", ["110105491231002", "１１０１０５４９１２３１００２", " 320102900101001 "])
def test_fifteen_digit_legacy_numbers_are_rejected_as_legacy(legacy):
    with pytest.raises(DomainError, match=r"15 位旧版身份证号码.*换算为 18 位"):
        check_id_number(legacy, today=TODAY)


def test_convert_legacy_id():
    assert convert_legacy_id("110105491231002") == STANDARD_EXAMPLE
    with pytest.raises(DomainError):
        convert_legacy_id("110105490231002")
    with pytest.raises(DomainError):
        convert_legacy_id("11010549123100")


@pytest.mark.parametrize(("region", "where"), sorted(RESIDENCE_PERMIT_REGIONS.items()))
def test_residence_permits_have_a_check_digit(region, where):
    number = make_resident_id(region, date(1988, 2, 29), 7, Gender.MALE)
    doc = check_id_number(number, IdType.HK_MO_TW_RESIDENCE, today=TODAY)
    assert (doc.region_code, doc.birth_date, doc.gender) == (region, date(1988, 2, 29), Gender.MALE)
    assert infer_id_type(number) is IdType.HK_MO_TW_RESIDENCE
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(DomainError, match="校验码"):
        check_id_number(wrong, IdType.HK_MO_TW_RESIDENCE, today=TODAY)


def test_residence_permit_needs_its_region_code():
    with pytest.raises(DomainError, match="810000、820000 或 830000"):
        check_id_number(STANDARD_EXAMPLE, IdType.HK_MO_TW_RESIDENCE, today=TODAY)


@pytest.mark.parametrize(
    ("id_type", "typed", "number"),
    [
        (IdType.PASSPORT, " e1234５６７８ ", "E12345678"),
        (IdType.PASSPORT, "AB123", "AB123"),
        (IdType.HK_MO_PERMIT, "h12345678", "H12345678"),
        (IdType.HK_MO_PERMIT, "M1234567890", "M1234567890"),
        (IdType.TW_PERMIT, "12345678", "12345678"),
    ],
)
def test_other_documents_are_checked_by_shape(id_type, typed, number):
    doc = check_id_number(typed, id_type, today=TODAY)
    assert doc == IdDocument(id_type, number)


@pytest.mark.parametrize(
    ("id_type", "typed"),
    [
        (IdType.PASSPORT, "E12"),
        (IdType.PASSPORT, "E1234-5678"),
        (IdType.PASSPORT, "A" * 21),
        (IdType.HK_MO_PERMIT, "X12345678"),
        (IdType.HK_MO_PERMIT, "H123456789"),
        (IdType.TW_PERMIT, "1234567"),
        (IdType.TW_PERMIT, ""),
    ],
)
def test_other_documents_with_a_bad_shape_are_rejected(id_type, typed):
    with pytest.raises(DomainError):
        check_id_number(typed, id_type, today=TODAY)


def test_labels_are_chinese():
    assert IdType.RESIDENT_ID.label == "居民身份证"
    assert IdType.HK_MO_TW_RESIDENCE.label == "港澳台居民居住证"
    assert {t.encodes_birth_date for t in IdType} == {True, False}


@given(regions, births, sequences, genders)
def test_generated_numbers_are_valid_and_encode_what_they_were_given(region, birth, sequence, gender):
    number = make_resident_id(region, birth, sequence, gender)
    assert len(number) == 18
    doc = check_id_number(number, today=TODAY)
    assert (doc.number, doc.birth_date, doc.gender, doc.region_code) == (number, birth, gender, region)
    assert infer_id_type(number) is IdType.RESIDENT_ID
    cross_check(doc, gender=gender, birth_date=birth)


@given(regions, births, sequences, genders, st.integers(min_value=1, max_value=10))
def test_any_other_check_character_is_rejected(region, birth, sequence, gender, shift):
    number = make_resident_id(region, birth, sequence, gender)
    chars = "0123456789X"
    wrong = number[:17] + chars[(chars.index(number[17]) + shift) % 11]
    with pytest.raises(DomainError, match="校验码不正确"):
        check_id_number(wrong, today=TODAY)


@given(regions, births, sequences, genders, st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_a_single_changed_digit_is_caught(region, birth, sequence, gender, position, delta):
    number = make_resident_id(region, birth, sequence, gender)
    digit = str((int(number[position]) + delta) % 10)
    changed = number[:position] + digit + number[position + 1 :]
    with pytest.raises(DomainError):
        check_id_number(changed, today=TODAY)


def test_check_digit_rejects_bad_input():
    assert check_digit("11010519491231002") == "X"
    with pytest.raises(InvariantError):
        check_digit("1101051949123100")


def test_cross_check_names_each_mismatch():
    doc = check_id_number(STANDARD_EXAMPLE, today=TODAY)
    cross_check(doc, gender=Gender.FEMALE, birth_date=date(1949, 12, 31))
    cross_check(doc)
    with pytest.raises(DomainError, match="性别与证件号码不符：填写为“男”，证件号码为“女”") as err:
        cross_check(doc, gender=Gender.MALE)
    assert err.value.field == "gender"
    with pytest.raises(DomainError, match="出生日期与证件号码不符：填写为 1949-12-30") as err:
        cross_check(doc, birth_date=date(1949, 12, 30))
    assert err.value.field == "birth_date"
    with pytest.raises(DomainError, match=r"性别.*；出生日期") as err:
        cross_check(doc, gender=Gender.MALE, birth_date=date(1950, 1, 1))
    assert err.value.field == "gender"


def test_cross_check_passes_documents_that_encode_nothing():
    passport = check_id_number("E12345678", IdType.PASSPORT, today=TODAY)
    cross_check(passport, gender=Gender.MALE, birth_date=date(1990, 1, 1))


@pytest.mark.parametrize(
    ("region", "sequence"),
    [("32060", 1), ("990000", 1), ("320602", -1), ("320602", 500)],
)
def test_make_resident_id_rejects_bad_arguments(region, sequence):
    with pytest.raises(InvariantError):
        make_resident_id(region, date(1990, 1, 1), sequence, Gender.MALE)


@pytest.mark.parametrize("typed", [None, "", "E12345678", "110105491231002"])
def test_infer_id_type_returns_none_when_unsure(typed):
    assert infer_id_type(typed) is None


def test_normalize_never_raises_on_empty():
    assert normalize_id_text(None) == ""
    assert normalize_id_text("") == ""


@given(st.text(max_size=25), st.sampled_from(list(IdType)))
def test_any_text_is_either_accepted_or_a_domain_error(text, id_type):
    try:
        doc = check_id_number(text, id_type, today=TODAY)
    except DomainError:
        return
    assert doc.number.isascii()
    assert doc.id_type is id_type
