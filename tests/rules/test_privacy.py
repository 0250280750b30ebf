"""Masking of names, ID numbers, phones and e-mail addresses for public pages (DOMAIN.md §6)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.privacy import mask_email, mask_id_number, mask_middle, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三明", "张*明"),
        ("张三", "张*"),
        ("欧阳娜娜", "欧**娜"),
        ("买买提·艾力", "买****力"),
        ("王", "*"),
        (" 李𠇔明 ", "李*明"),
        ("John Smith", "J********h"),
        ("", ""),
        (None, ""),
        ("   ", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("320102199001011234", "3201**********1234"),
        ("11010519491231002x", "1101**********002X"),
        ("３２０１０２１９９００１０１１２３４", "3201**********1234"),
        ("E12345678", "E1*****78"),
        ("H12345678", "H1*****78"),
        ("12345678", "12****78"),
        ("ABC", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("025-84561234", "025****1234"),
        ("123456", "****56"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@example.com", "z***n@example.com"),
        ("ab@example.com", "a*@example.com"),
        ("a@example.com", "*@example.com"),
        ("@example.com", "@example.com"),
        ("no-at-sign", "n***n"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("text", "start", "end", "masked"),
    [
        ("abcdef", 2, 2, "ab**ef"),
        ("abcd", 2, 2, "ab*d"),
        ("ab", 1, 1, "a*"),
        ("a", 3, 3, "*"),
        ("", 1, 1, ""),
    ],
)
def test_mask_middle(text, start, end, masked):
    assert mask_middle(text, start, end) == masked


@given(st.text(max_size=30))
def test_masking_never_raises_and_hides_something(text):
    for mask in (mask_name, mask_id_number, mask_phone, mask_email):
        out = mask(text)
        assert isinstance(out, str)
        if text.strip() and mask is not mask_email:
            assert "*" in out or not out


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_id_masks_keep_only_the_ends(number):
    out = mask_id_number(number)
    assert out == number[:4] + "*" * 10 + number[-4:]
