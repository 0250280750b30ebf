"""Password rules (pure). Hashing uses Werkzeug's scrypt, not code of ours."""

from __future__ import annotations

from competition.errors import N_, DomainError

COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "11111111",
        "88888888",
        "abc123456",
        "a12345678",
        "iloveyou1",
        "00000000",
        "12341234",
        "woaini1314",
        "qwer1234",
    }
)


def check_password_rules(password: str, *, username: str = "", min_length: int = 10) -> None:
    """Raise :class:`DomainError` (field ``password``) when ``password`` is too weak.

    Rules: at least ``min_length`` characters; letters and digits both present;
    not the username; not a well-known password.
    """
    if len(password) < min_length:
        raise DomainError(N_("密码至少需要 %(min_length)s 个字符。"), min_length=min_length, field="password")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise DomainError(N_("密码需同时包含字母和数字。"), field="password")
    if username and password.lower() == username.lower():
        raise DomainError(N_("密码不能与用户名相同。"), field="password")
    if password.lower() in COMMON_PASSWORDS:
        raise DomainError(N_("这个密码过于常见，请换一个。"), field="password")
