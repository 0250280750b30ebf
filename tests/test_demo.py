"""`flask demo load` builds the demo year in an empty database; every role can sign in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from competition.contests.lifecycle import ContestStatus
from competition.contests.models import Contest
from competition.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD
from competition.demo.load import load_demo
from competition.errors import DomainError
from competition.extensions import db
from competition.registration.idnumbers import check_id_number
from competition.registration.models import Competitor
from tests import factories


@pytest.fixture
def demo(session):
    # Loaded inside the test's transaction, so it is rolled back afterwards.
    return load_demo(now=factories.NOW)


def test_demo_holds_contests_a_b_c_at_different_stages(demo):
    assert (demo.contests, demo.competitors) == (4, 52 + 37 + 689)
    contests = {c.name: c for c in db.session.execute(sa.select(Contest)).scalars()}
    stages = {re.sub(r"^\d{4}年", "", name): c.status for name, c in contests.items()}
    assert stages == {
        "绍兴市焊工职业技能竞赛": ContestStatus.REGISTRATION_OPEN,
        "川渝乡村建设工匠职业技能竞赛": ContestStatus.REGISTRATION_CLOSED,
        "江苏技能状元大赛总决赛": ContestStatus.FINAL,
        "越城区电工职业技能竞赛": ContestStatus.DRAFT,
    }
    jiangsu = next(c for n, c in contests.items() if "江苏" in n)
    assert len(jiangsu.events) == 20 and {e.team_size for e in jiangsu.events} == {1, 2, 3}
    welding = next(c for n, c in contests.items() if "焊工" in n).events[0]
    assert (welding.occupation_code, [p.weight for p in welding.parts]) == ("6-18-02-04", [30, 70])


def test_demo_people_have_valid_unique_id_numbers(demo):
    rows = db.session.execute(sa.select(Competitor.id_number, Competitor.birth_date, Competitor.gender)).all()
    assert len({r.id_number for r in rows}) == len(rows)
    for number, birth, gender in rows:
        document = check_id_number(number, today=factories.NOW.date())
        assert (document.birth_date, document.gender) == (birth, gender)


def test_demo_refuses_a_database_with_accounts(session):
    factories.make_user(factories.Role.ADMIN)
    with pytest.raises(DomainError, match="只能载入空数据库"):
        load_demo(now=factories.NOW)


def test_every_demo_login_signs_in(client, demo):
    for _role, username, _what in DEMO_LOGINS:
        response = client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get(response.headers["Location"]).status_code == 200
        client.post("/auth/logout")
