"""How a year's new decisions are written (``COPY`` on PostgreSQL, one ``INSERT`` on SQLite): with the few
reasons they share, their foreign keys holding, and a database error raised to the caller with nothing
kept."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from competition.extensions import db
from competition.promotion import services
from competition.promotion.models import PromotionDecision, PromotionReason
from tests.promotion.test_workflow import NOW, finished_contest


def _year(count: int = 3):
    first = finished_contest()
    worlds = [first] + [
        finished_contest(body=first.contest.body, organizer=first.organizer) for _ in range(count - 1)
    ]
    return first.organizer, services.year_contests(first.contest.body_id, 2026), worlds


def _foreign_keys_hold() -> None:
    """Every stored decision's reason, contest, event and competitor exist (SQLite says so itself)."""
    if db.session.get_bind().dialect.name == "sqlite":
        assert db.session.execute(sa.text("PRAGMA foreign_key_check(promotion_decision)")).all() == []
    orphans = db.session.execute(
        sa.select(sa.func.count())
        .select_from(PromotionDecision)
        .outerjoin(PromotionReason, PromotionReason.digest == PromotionDecision.reason_digest)
        .where(PromotionReason.digest.is_(None))
    ).scalar()
    assert orphans == 0


def test_a_year_shares_its_reasons_and_equals_contest_by_contest(session):
    organizer, contests, worlds = _year()
    report = services.evaluate_year(contests, actor=organizer, now=NOW)
    assert [report.reports[c.id].added for c in contests] == [11, 11, 11]
    _foreign_keys_hold()
    assert db.session.execute(sa.select(sa.func.count()).select_from(PromotionDecision)).scalar() == 33
    # the same texts in the three contests: one stored reason each
    assert db.session.execute(sa.select(sa.func.count()).select_from(PromotionReason)).scalar() == 11
    for contest in contests:
        again = services.evaluate_contest(contest, actor=organizer, now=NOW)
        assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 11)
    assert all(d.reason_data is not None for d in services.decisions_of(worlds[1].contest))


def test_a_database_error_while_writing_reaches_the_caller_and_nothing_is_kept(session, monkeypatch):
    organizer, contests, _ = _year()
    db.session.commit()  # (a savepoint in tests) the contests stay; the failed evaluation goes
    add = services._NewDecisions.add
    calls = []

    def add_one_bad_row(self, contest_id, decision, line):
        calls.append(contest_id)
        if len(calls) == 16:  # a competitor that does not exist, in the second contest
            line = line._replace(competitor_id=10**9)
        add(self, contest_id, decision, line)

    monkeypatch.setattr(services._NewDecisions, "add", add_one_bad_row)
    with pytest.raises((sa.exc.IntegrityError, psycopg.errors.IntegrityError)):
        services.evaluate_year(contests, actor=organizer, now=NOW)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(PromotionDecision)).scalar() == 0
    monkeypatch.setattr(services._NewDecisions, "add", add)
    contests = services.year_contests(contests[0].body_id, 2026)
    report = services.evaluate_year(contests, actor=organizer, now=NOW)  # and it works again after
    assert sum(r.added for r in report.reports.values()) == 33
