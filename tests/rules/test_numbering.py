"""Skill-level certificate numbers (人社鉴发〔2019〕2号): format, parse, every bad field named."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.certificates.numbering import (
    CertificateNumber,
    EvaluatorKind,
    SequenceKey,
    format_certificate_number,
    parse_certificate_number,
)
from competition.domain import SkillLevel
from competition.errors import DomainError
from competition.registration.idnumbers import PROVINCE_NAMES

GRADED = [level for level in SkillLevel if level.grade is not None]
SAMPLE = CertificateNumber(EvaluatorKind.EMPLOYER, "0001", "32", "060001", 2025, SkillLevel.SENIOR_WORKER, 1)

numbers = st.builds(
    CertificateNumber,
    st.sampled_from(list(EvaluatorKind)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.sampled_from(sorted(PROVINCE_NAMES)),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.integers(2019, 2099),
    st.sampled_from(GRADED),
    st.integers(1, 999_999),
) | st.builds(
    CertificateNumber,
    st.sampled_from(list(EvaluatorKind)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.sampled_from(sorted(PROVINCE_NAMES)),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.integers(2019, 2099),
    st.just(SkillLevel.PRINCIPAL_TECHNICIAN),
    st.integers(1, 999_999),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)


def test_layout_of_a_number():
    assert SAMPLE.text == "Y000132060001253000001"
    assert str(SAMPLE) == SAMPLE.text
    assert len(SAMPLE.text) == 22
    assert parse_certificate_number(SAMPLE.text) == SAMPLE


@pytest.mark.parametrize(
    ("level", "digit"),
    [
        (SkillLevel.SENIOR_TECHNICIAN, "1"),
        (SkillLevel.TECHNICIAN, "2"),
        (SkillLevel.SENIOR_WORKER, "3"),
        (SkillLevel.INTERMEDIATE_WORKER, "4"),
        (SkillLevel.JUNIOR_WORKER, "5"),
    ],
)
def test_level_digit_is_the_grade(level, digit):
    text = format_certificate_number("S", "0000", "11", "000123", 2024, level, 42)
    assert text == f"S00001100012324{digit}000042"
    assert parse_certificate_number(text).level is level


def test_principal_technician_has_a_second_letter():
    text = format_certificate_number(
        EvaluatorKind.EMPLOYER,
        "0000",
        "32",
        "000001",
        2026,
        SkillLevel.PRINCIPAL_TECHNICIAN,
        7,
        level_letter="T",
    )
    assert text == "Y00003200000126T000007"
    assert sum(c.isalpha() for c in text) == 2
    parsed = parse_certificate_number(text)
    assert (parsed.level, parsed.level_letter) == (SkillLevel.PRINCIPAL_TECHNICIAN, "T")


def test_parse_accepts_typed_variants():
    assert parse_certificate_number(" y0001 3206 0001 25 3 000001 ") == SAMPLE
    assert parse_certificate_number("Ｙ０００１３２０６０００１２５３０００００１") == SAMPLE


@given(numbers)
def test_format_parse_round_trip(number):
    text = number.text
    assert len(text) == 22
    assert parse_certificate_number(text) == number
    assert text.startswith(number.sequence_key.prefix)
    assert len(number.sequence_key.prefix) == 16


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("Y00013206000125300000", "number", "应为 22 位，现为 21 位"),
        ("", "number", "现为 0 位"),
        ("X000132060001253000001", "evaluator_kind", "第 1 位（评价机构类别代码）应为 Y 或 S"),
        ("Y00A132060001253000001", "body_code", "第 2–5 位（评价机构代码）"),
        ("Y000199060001253000001", "province_code", "第 6–7 位（省级代码）“99”"),
        ("Y0001320600A1253000001", "station_serial", "第 8–13 位"),
        ("Y000132060001183000001", "year", "第 14–15 位（证书核发年份）年份 2018"),
        ("Y000132060001253A00001", "serial", "第 17–22 位"),
        ("Y000132060001256000001", "level", "第 16 位（职业技能等级代码）应为 1–5"),
        ("Y000132060001250000001", "level", "第 16 位"),
        ("Y000132060001253000000", "serial", "应在 000001–999999 之间"),
    ],
)
def test_every_bad_field_is_named(text, field, message):
    with pytest.raises(DomainError, match=message) as err:
        parse_certificate_number(text)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"evaluator_kind": "Q"}, "evaluator_kind"),
        ({"body_code": "001"}, "body_code"),
        ({"province_code": "81"}, "province_code"),
        ({"station_serial": "１２３４５６"}, "station_serial"),
        ({"year": 2100}, "year"),
        ({"level": SkillLevel.APPRENTICE}, "level"),
        ({"level": SkillLevel.CHIEF_TECHNICIAN}, "level"),
        ({"level": SkillLevel.PRINCIPAL_TECHNICIAN}, "level"),
        ({"level": SkillLevel.PRINCIPAL_TECHNICIAN, "level_letter": "t"}, "level"),
        ({"level_letter": "T"}, "level"),
        ({"serial": 1_000_000}, "serial"),
        ({"serial": 0}, "serial"),
    ],
)
def test_constructing_with_a_bad_field_names_it(changes, field):
    with pytest.raises(DomainError) as err:
        replace(SAMPLE, **changes)
    assert err.value.field == field


def test_sequence_key_identifies_the_counter():
    key = SAMPLE.sequence_key
    assert key == SequenceKey(EvaluatorKind.EMPLOYER, "0001", "32", "060001", 2025, SkillLevel.SENIOR_WORKER)
    assert str(key) == "Y000132060001253"
    assert replace(SAMPLE, serial=999_999).sequence_key == key
    assert replace(SAMPLE, level=SkillLevel.TECHNICIAN).sequence_key != key
    assert EvaluatorKind.SOCIAL.label == "社会培训评价组织"


@given(st.text(max_size=25) | st.text(alphabet="YS0123456789AT１", min_size=22, max_size=22))
def test_any_text_is_either_a_number_or_a_domain_error(text):
    try:
        number = parse_certificate_number(text)
    except DomainError:
        return
    assert parse_certificate_number(number.text) == number
