"""Account services: creating users, signing in with lockout, passwords, invitations.

Services take explicit arguments (``now``, the acting user) and flush; the view commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from competition.accounts.models import Invitation, Role, User
from competition.accounts.passwords import check_password_rules
from competition.audit.services import record
from competition.contests.models import Event, JudgeAssignment, JudgePosition
from competition.errors import N_, DomainError, fmt
from competition.extensions import db

MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
# Compared against when the username is unknown, so both paths cost one scrypt check.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def normalise_username(username: str) -> str:
    """Usernames are compared case-insensitively and without surrounding spaces."""
    return username.strip().lower()


def find_user(username: str) -> User | None:
    """The user with this username (case-insensitive), or ``None``."""
    return db.session.execute(
        sa.select(User).where(User.username == normalise_username(username))
    ).scalar_one_or_none()


def create_user(
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    now: datetime,
    actor: User | None,
    body_id: int | None = None,
    unit_id: int | None = None,
    email: str | None = None,
    phone: str | None = None,
    must_change_password: bool = False,
    min_password_length: int = 10,
    check_rules: bool = True,
) -> User:
    """Create an account and audit it.

    Raises :class:`DomainError` when the username is taken, the password is weak
    (unless ``check_rules`` is false, for generated demo accounts), or the role
    lacks the body or unit it needs.
    """
    username = normalise_username(username)
    if not username:
        raise DomainError(N_("请填写用户名。"), field="username")
    if find_user(username) is not None:
        raise DomainError(N_("用户名“%(username)s”已被使用。"), username=username, field="username")
    if role is Role.ORGANIZER and body_id is None:
        raise DomainError(N_("组织方账号必须属于一个组织单位。"), field="body_id")
    if role is Role.UNIT_CONTACT and unit_id is None:
        raise DomainError(N_("单位联系人账号必须属于一个单位。"), field="unit_id")
    if check_rules:
        check_password_rules(password, username=username, min_length=min_password_length)
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=generate_password_hash(password),
        role=role,
        body_id=body_id,
        unit_id=unit_id,
        email=email or None,
        phone=phone or None,
        must_change_password=must_change_password,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    record(
        "user.create",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        summary=fmt(N_("创建账号 %(username)s（%(role)s）"), username=user.username, role=role.label),
        after={"username": user.username, "role": role.value, "body_id": body_id, "unit_id": unit_id},
    )
    return user


def _lock_for_sign_in(user: User) -> None:
    """Re-read ``user`` holding the write lock the sign-in's update needs, before deciding anything.

    Every sign-in writes the account (last sign-in, or the failed-attempt count). On SQLite a transaction
    that has read and then writes must upgrade its lock; two sign-ins doing that at once deadlock and one
    fails at once with "database is locked" — the busy timeout is not consulted for a deadlock (nor, in WAL
    mode, for a write on a stale snapshot). So the read-only transaction of the lookup and password check
    is ended and a new one starts by taking the write lock (a write that changes nothing), on which
    concurrent sign-ins then wait their turn. On PostgreSQL the row is locked (``FOR UPDATE``) so
    concurrent wrong passwords are all counted. Ends the current transaction on SQLite: call it before
    changing anything.
    """
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.execute(sa.text("UPDATE user_account SET id = id WHERE 0"))
    session.execute(
        sa.select(User).where(User.id == user.id).with_for_update().execution_options(populate_existing=True)
    )


def authenticate(username: str, password: str, *, now: datetime) -> User:
    """Check a sign-in attempt and return the user.

    After :data:`MAX_FAILED_SIGN_INS` wrong passwords in a row the account is
    locked for :data:`LOCKOUT`. Raises :class:`DomainError` with one message for
    an unknown user or a wrong password (no hint which), and a distinct message
    for a locked or deactivated account.
    """
    user = find_user(username)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise DomainError(N_("用户名或密码不正确。"))
    if user.locked_until is not None and user.locked_until > now:
        raise DomainError(
            N_("连续输错密码次数过多，账号已锁定至 %(locked_until)s，请稍后再试。"),
            locked_until=format(user.locked_until, "%H:%M"),
        )
    checked_hash = user.password_hash
    correct = check_password_hash(checked_hash, password)  # slow on purpose: before any write lock
    _lock_for_sign_in(user)
    if user.password_hash != checked_hash:  # changed meanwhile (a reset): check against the new one
        correct = check_password_hash(user.password_hash, password)
    if user.locked_until is not None and user.locked_until > now:  # locked meanwhile by other attempts
        raise DomainError(
            N_("连续输错密码次数过多，账号已锁定至 %(locked_until)s，请稍后再试。"),
            locked_until=format(user.locked_until, "%H:%M"),
        )
    if not correct:
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            user.locked_until = now + LOCKOUT
            user.failed_sign_ins = 0
            record(
                "user.lock",
                actor=None,
                now=now,
                object_type="user",
                object_id=user.id,
                summary=fmt(N_("账号 %(username)s 因连续输错密码被锁定"), username=user.username),
            )
        db.session.flush()
        raise DomainError(N_("用户名或密码不正确。"))
    if not user.active:
        raise DomainError(N_("该账号已停用，请联系管理员。"))
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    db.session.flush()
    return user


def change_password(user: User, *, current: str, new: str, now: datetime, min_length: int = 10) -> None:
    """Change one's own password after checking the current one; audited.

    Raises :class:`DomainError` (field ``current`` or ``password``).
    """
    if not check_password_hash(user.password_hash, current):
        raise DomainError(N_("当前密码不正确。"), field="current")
    if current == new:
        raise DomainError(N_("新密码不能与当前密码相同。"), field="password")
    check_password_rules(new, username=user.username, min_length=min_length)
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    db.session.flush()
    record(
        "user.password_change",
        actor=user,
        now=now,
        object_type="user",
        object_id=user.id,
        summary=fmt(N_("%(username)s 修改了密码"), username=user.username),
    )


def reset_password(user: User, *, actor: User, now: datetime) -> str:
    """An admin sets a new temporary password, which the user must change at next sign-in.

    Returns the temporary password (shown once to the admin). Also lifts any lockout.
    """
    temporary = secrets.token_urlsafe(9)
    user.password_hash = generate_password_hash(temporary)
    user.must_change_password = True
    user.failed_sign_ins = 0
    user.locked_until = None
    db.session.flush()
    record(
        "user.password_reset",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        summary=fmt(N_("管理员重置了 %(username)s 的密码"), username=user.username),
    )
    return temporary


def set_active(user: User, active: bool, *, actor: User, now: datetime) -> None:
    """Deactivate or reactivate an account; admins cannot deactivate themselves."""
    if user.id == actor.id and not active:
        raise DomainError(N_("不能停用自己的账号。"))
    before = user.active
    user.active = active
    db.session.flush()
    record(
        "user.activate" if active else "user.deactivate",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        summary=fmt(
            N_("启用账号 %(username)s") if active else N_("停用账号 %(username)s"), username=user.username
        ),
        before={"active": before},
        after={"active": active},
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invitation(
    *,
    role: Role,
    display_name: str,
    actor: User,
    now: datetime,
    valid_days: int,
    email: str | None = None,
    unit_id: int | None = None,
    event: Event | None = None,
    judge_position: JudgePosition | None = None,
) -> tuple[Invitation, str]:
    """An organizer invites a judge (optionally onto an event's panel) or a unit contact.

    Returns the invitation and its secret token (only its hash is stored).
    Raises :class:`DomainError` for a role that cannot be invited, a unit contact
    without a unit, or an event of another body.
    """
    if role not in (Role.JUDGE, Role.UNIT_CONTACT):
        raise DomainError(N_("只能邀请裁判员或单位联系人。"), field="role")
    if role is Role.UNIT_CONTACT and unit_id is None:
        raise DomainError(N_("请选择单位联系人所在的单位。"), field="unit_id")
    if event is not None and event.contest.body_id != actor.body_id:
        raise DomainError(N_("只能邀请裁判员加入本单位主办的赛项。"), field="event_id")
    if not display_name.strip():
        raise DomainError(N_("请填写姓名。"), field="display_name")
    token = secrets.token_urlsafe(24)
    invitation = Invitation(
        token_hash=_token_hash(token),
        role=role,
        display_name=display_name.strip(),
        email=email or None,
        body_id=actor.body_id,
        unit_id=unit_id,
        event_id=event.id if event is not None and role is Role.JUDGE else None,
        judge_position=(judge_position or JudgePosition.JUDGE).value if event is not None else None,
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "invitation.create",
        actor=actor,
        now=now,
        object_type="invitation",
        object_id=invitation.id,
        contest_id=event.contest_id if event is not None else None,
        summary=fmt(
            N_("邀请 %(display_name)s 作为%(role)s"), display_name=invitation.display_name, role=role.label
        ),
        after={"role": role.value, "unit_id": invitation.unit_id, "event_id": invitation.event_id},
    )
    return invitation, token


def find_invitation(token: str, *, now: datetime) -> Invitation:
    """The pending invitation for ``token``; :class:`DomainError` if unknown, used, revoked or expired."""
    invitation = db.session.execute(
        sa.select(Invitation).where(Invitation.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if invitation is None:
        raise DomainError(N_("邀请链接无效。"))
    state = invitation.state(now)
    if state != "pending":
        raise DomainError(
            {
                "accepted": "该邀请已被使用。",
                "revoked": "该邀请已被撤销。",
                "expired": "该邀请已过期，请联系组织方重新邀请。",
            }[state]
        )
    return invitation


def accept_invitation(
    token: str,
    *,
    username: str,
    password: str,
    now: datetime,
    phone: str | None = None,
    min_password_length: int = 10,
) -> User:
    """Create the invited person's account (and their panel seat, for a judge invited to an event).

    Raises :class:`DomainError` for a bad token, a taken username or a weak password.
    """
    invitation = find_invitation(token, now=now)
    user = create_user(
        username=username,
        display_name=invitation.display_name,
        password=password,
        role=invitation.role,
        now=now,
        actor=None,
        unit_id=invitation.unit_id,
        email=invitation.email,
        phone=phone,
        min_password_length=min_password_length,
    )
    invitation.accepted_at = now
    invitation.accepted_user_id = user.id
    if invitation.event_id is not None:
        db.session.add(
            JudgeAssignment(
                event_id=invitation.event_id,
                user_id=user.id,
                position=JudgePosition(invitation.judge_position or JudgePosition.JUDGE.value),
                assigned_at=now,
            )
        )
    db.session.flush()
    record(
        "invitation.accept",
        actor=user,
        now=now,
        object_type="invitation",
        object_id=invitation.id,
        summary=fmt(
            N_("%(display_name)s 接受邀请，创建账号 %(username)s"),
            display_name=user.display_name,
            username=user.username,
        ),
    )
    return user


def revoke_invitation(invitation: Invitation, *, actor: User, now: datetime) -> None:
    """Withdraw a pending invitation so its link stops working."""
    if invitation.state(now) != "pending":
        raise DomainError(N_("只能撤销尚未使用的邀请。"))
    invitation.revoked_at = now
    db.session.flush()
    record(
        "invitation.revoke",
        actor=actor,
        now=now,
        object_type="invitation",
        object_id=invitation.id,
        summary=fmt(N_("撤销对 %(display_name)s 的邀请"), display_name=invitation.display_name),
    )
