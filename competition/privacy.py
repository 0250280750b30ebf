"""Masking of personal data on public pages (DOMAIN.md §6), pure: standard library only.

Public pages (公示, standings, certificate verification) show names and numbers masked, e.g. name
``张*明`` and ID ``3201**********1234``. Every helper takes the stored text (or ``None``), returns a
``str`` in which each hidden character becomes one ``*`` (ASCII) — except :func:`mask_email`, whose
local part always shows three asterisks so its length is not revealed — and never raises: empty
input gives ``""``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MASK", "mask_email", "mask_id_number", "mask_middle", "mask_name", "mask_phone"]

MASK = "*"

_CN_MOBILE = re.compile(r"^(\+?86|0086)?(1[0-9]{10})$")


def mask_middle(text: str | None, keep_start: int, keep_end: int) -> str:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters, mask the rest one for one.

    When the text is not longer than ``keep_start + keep_end`` the kept parts shrink (end first) so
    that at least one character is masked; one-character text becomes ``*``. ``None``/``""`` → ``""``.
    Negative keeps count as 0.
    """
    if not text:
        return ""
    n = len(text)
    keep_start, keep_end = max(keep_start, 0), max(keep_end, 0)
    while keep_start + keep_end >= n and (keep_start or keep_end):
        if keep_end >= keep_start and keep_end:
            keep_end -= 1
        else:
            keep_start -= 1
    return text[:keep_start] + MASK * (n - keep_start - keep_end) + text[n - keep_end :]


def mask_name(name: str | None) -> str:
    """Mask a person's name: ``张三`` → ``张*``, ``张三明`` → ``张*明``, ``欧阳娜娜`` → ``欧**娜``.

    Surrounding spaces are stripped. One character → ``*``; two → first + ``*``; three or more →
    first and last kept, each character between masked (``·`` in names such as ``买买提·艾力`` is
    masked too). Non-BMP characters (𠇔) count as one. Never raises.
    """
    text = (name or "").strip()
    n = len(text)
    if n == 0:
        return ""
    if n == 1:
        return MASK
    if n == 2:
        return text[0] + MASK
    return text[0] + MASK * (n - 2) + text[-1]


def mask_id_number(number: str | None) -> str:
    """Mask an ID document number: ``320102199001011234`` → ``3201**********1234``.

    The number is first normalised (NFKC, spaces removed, upper case). 12 characters or more: the
    first 4 and last 4 kept; shorter (passports, permits): ``len // 4`` kept at each end, e.g.
    ``E12345678`` → ``E1*****78``; 3 characters or fewer are fully masked. Never raises.
    """
    text = _normalise(number)
    n = len(text)
    keep = 4 if n >= 12 else n // 4
    return mask_middle(text, keep, keep) if keep else MASK * n


def mask_phone(phone: str | None) -> str:
    """Mask a telephone number: ``13812345678`` → ``138****5678``.

    Spaces and hyphens are removed first. A mainland mobile number (11 digits starting with 1,
    optionally prefixed ``+86``/``86``/``0086``) keeps the prefix, its first 3 and last 4 digits.
    Other numbers of 8 characters or more keep the first 3 and last 4; 5–7 characters keep the last
    2; shorter ones are fully masked. Never raises.
    """
    text = _normalise(phone).replace("-", "")
    match = _CN_MOBILE.match(text)
    if match:
        prefix, mobile = match.group(1) or "", match.group(2)
        return prefix + mobile[:3] + MASK * 4 + mobile[-4:]
    n = len(text)
    if n >= 8:
        return mask_middle(text, 3, 4)
    if n >= 5:
        return mask_middle(text, 0, 2)
    return MASK * n


def mask_email(email: str | None) -> str:
    """Mask an e-mail address: ``zhangsan@example.com`` → ``z***n@example.com``.

    The domain is kept. Local part of one character → ``*``, two → first + ``*``, three or more →
    first + ``***`` + last (always three asterisks). Text without ``@`` is masked like a local part.
    Never raises.
    """
    text = (email or "").strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        local, domain = text, ""
    n = len(local)
    if n == 0:
        masked = ""
    elif n == 1:
        masked = MASK
    elif n == 2:
        masked = local[0] + MASK
    else:
        masked = local[0] + MASK * 3 + local[-1]
    return f"{masked}{at}{domain}"


def _normalise(text: str | None) -> str:
    if not text:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).upper()
