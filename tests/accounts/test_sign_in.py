"""Signing in and out, lockout, passwords, admin resets and invitations — through the pages."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from competition.accounts.models import Invitation, Role, User
from competition.audit.models import AuditEntry
from competition.contests.models import JudgePosition
from competition.extensions import db
from tests import factories


def test_each_role_lands_on_its_own_page(client, auth, world):
    expected = {
        "admin": "/admin/",
        "organizer": "/manage/",
        "judge": "/judge/",
        "unit-contact": "/unit/",
        "competitor": "/me/",
    }
    for username, landing in expected.items():
        response = auth.login(username)
        assert response.status_code == 302 and response.headers["Location"] == landing
        assert client.get(landing).status_code == 200
        auth.logout()


def test_wrong_password_gives_one_message_for_unknown_and_known_users(client, auth, world):
    unknown = auth.login("nobody", "whatever-123")
    wrong = auth.login("organizer", "whatever-123")
    for response in (unknown, wrong):
        assert response.status_code == 200
        assert "用户名或密码不正确。" in response.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account(client, auth, world):
    for _ in range(5):
        auth.login("organizer", "wrong-password-1")
    page = auth.login("organizer").get_data(as_text=True)
    assert "账号已锁定" in page
    assert db.session.get(User, world.organizer.id).locked_until is not None
    assert (
        db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "user.lock")).scalar() is not None
    )


def test_sign_out(client, auth, world):
    auth.login("organizer")
    response = auth.logout()
    assert response.headers["Location"] == "/"
    assert client.get("/manage/").headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_never_leaves_the_site(client, auth, world, target):
    response = client.post(
        f"/auth/login?next={target}", data={"username": "organizer", "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/manage/"


def test_next_returns_to_the_page_asked_for(client, world):
    response = client.get(f"/manage/contests/{world.contest.id}")
    assert response.status_code == 302
    login = client.post(
        response.headers["Location"], data={"username": "organizer", "password": factories.PASSWORD}
    )
    assert login.headers["Location"] == f"/manage/contests/{world.contest.id}"


def test_change_password(client, auth, world):
    auth.login("organizer")
    weak = client.post(
        "/auth/password", data={"current": factories.PASSWORD, "password": "abc", "confirm": "abc"}
    )
    assert "至少需要 10 个字符" in weak.get_data(as_text=True)
    wrong = client.post(
        "/auth/password", data={"current": "nope", "password": "new-pass-2026", "confirm": "new-pass-2026"}
    )
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    ok = client.post(
        "/auth/password",
        data={"current": factories.PASSWORD, "password": "new-pass-2026", "confirm": "new-pass-2026"},
    )
    assert ok.status_code == 302
    auth.logout()
    assert auth.login("organizer", "new-pass-2026").headers["Location"] == "/manage/"


def test_admin_reset_forces_a_new_password(client, auth, world):
    auth.login("admin")
    page = client.post(f"/admin/users/{world.organizer.id}/reset-password").get_data(as_text=True)
    temporary = re.search(r"<code>([^<]+)</code>", page.split("临时密码")[2]).group(1)
    auth.logout()
    response = auth.login("organizer", temporary)
    assert response.headers["Location"] == "/auth/password"
    assert client.get("/manage/").headers["Location"] == "/auth/password"


def test_admin_creates_an_organizer_who_must_belong_to_a_body(client, auth, world):
    auth.login("admin")
    data = {
        "username": "new-org",
        "display_name": "王芳",
        "role": "organizer",
        "body_id": 0,
        "unit_id": 0,
        "password": "first-pass-2026",
    }
    refused = client.post("/admin/users/new", data=data)
    assert "组织方账号必须属于一个组织单位" in refused.get_data(as_text=True)
    created = client.post("/admin/users/new", data={**data, "body_id": world.body.id})
    assert created.status_code == 302
    user = db.session.execute(sa.select(User).where(User.username == "new-org")).scalar_one()
    assert user.must_change_password and user.body_id == world.body.id
    assert user.password_hash.startswith("scrypt:")


def test_admin_deactivates_an_account(client, auth, world):
    auth.login("admin")
    client.post(f"/admin/users/{world.judge.id}/active", data={"active": "0"})
    auth.logout()
    assert "用户名或密码不正确" not in auth.login("judge").get_data(as_text=True)
    assert "已停用" in auth.login("judge").get_data(as_text=True)


def test_organizer_invites_a_judge_onto_an_event(client, auth, world):
    auth.login("organizer")
    page = client.post(
        "/manage/invitations",
        data={
            "role": "judge",
            "display_name": "钱海峰",
            "email": "",
            "unit_id": world.unit.id,
            "event_id": world.event.id,
            "judge_position": "judge",
        },
    ).get_data(as_text=True)
    link = re.search(r'id="invitation-link">([^<]+)<', page).group(1)
    path = link.split("localhost", 1)[1]
    auth.logout()
    form = client.get(path).get_data(as_text=True)
    assert "邀请 钱海峰 作为裁判员" in form
    created = client.post(
        path,
        data={
            "username": "qian.hf",
            "password": "judge-pass-2026",
            "confirm": "judge-pass-2026",
            "phone": "",
        },
    )
    assert created.headers["Location"] == "/judge/"
    assert "焊工 职工组" in client.get("/judge/").get_data(as_text=True)
    judge = db.session.execute(sa.select(User).where(User.username == "qian.hf")).scalar_one()
    assert judge.role is Role.JUDGE and judge.unit_id == world.unit.id
    assert [s.position for s in world.event.judge_assignments if s.user_id == judge.id] == [
        JudgePosition.JUDGE
    ]
    auth.logout()
    reused = client.get(path)
    assert reused.status_code == 410 and "已被使用" in reused.get_data(as_text=True)


def test_unit_contact_invitation_needs_a_unit_and_can_be_revoked(client, auth, world):
    auth.login("organizer")
    refused = client.post(
        "/manage/invitations",
        data={
            "role": "unit_contact",
            "display_name": "李娜",
            "unit_id": 0,
            "event_id": 0,
            "judge_position": "judge",
        },
    )
    assert "请选择单位联系人所在的单位" in refused.get_data(as_text=True)
    client.post(
        "/manage/invitations",
        data={
            "role": "unit_contact",
            "display_name": "李娜",
            "unit_id": world.unit.id,
            "event_id": 0,
            "judge_position": "judge",
        },
    )
    invitation = db.session.execute(
        sa.select(Invitation).where(Invitation.display_name == "李娜")
    ).scalar_one()
    client.post(f"/manage/invitations/{invitation.id}/revoke")
    assert invitation.revoked_at is not None


def test_organizer_cannot_invite_onto_another_bodys_event(client, auth, world):
    auth.login("organizer")
    page = client.post(
        "/manage/invitations",
        data={
            "role": "judge",
            "display_name": "赵磊",
            "unit_id": 0,
            "event_id": world.other_event.id,
            "judge_position": "judge",
        },
    )
    assert "Not a valid choice" not in page.get_data(as_text=True)
    assert db.session.execute(sa.select(Invitation).where(Invitation.display_name == "赵磊")).scalar() is None
