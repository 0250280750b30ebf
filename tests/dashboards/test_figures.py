"""A year's figures read from the database for a body with its sub-bodies (factory data, see conftest)."""

from __future__ import annotations

from competition.dashboards import services
from competition.dashboards.targets import Measure
from competition.domain import SkillLevel


def _ids(body):
    return [node.body.id for node in services.subtree(body)]


def test_city_with_its_district(year_world):
    figures = services.year_figures(_ids(year_world.city), 2026)
    assert figures.contests_held == 2
    assert figures.contests_planned == 1
    assert figures.events == 2
    assert figures.competitors == 4
    assert dict(figures.promotions_by_level) == {SkillLevel.TECHNICIAN: 2, SkillLevel.SENIOR_WORKER: 1}
    assert (figures.title_decisions, figures.honour_records) == (1, 1)
    assert dict(figures.certificates_by_kind) == {"award": 1, "skill_level": 2}
    assert dict(figures.level_certificates) == {SkillLevel.TECHNICIAN: 1, SkillLevel.SENIOR_WORKER: 1}
    assert figures.value(Measure.PROMOTIONS_HIGH, SkillLevel.TECHNICIAN) == 2
    assert figures.value(Measure.CERTIFICATES_HIGH, SkillLevel.TECHNICIAN) == 1


def test_district_alone(year_world):
    figures = services.year_figures(_ids(year_world.district), 2026)
    assert (figures.contests_held, figures.events, figures.competitors) == (1, 1, 2)
    assert dict(figures.promotions_by_level) == {SkillLevel.SENIOR_WORKER: 1}
    assert figures.value(Measure.TITLES) == 0
    assert dict(figures.certificates_by_kind) == {"skill_level": 1}


def test_other_years_and_bodies_stay_out(year_world):
    last_year = services.year_figures(_ids(year_world.city), 2025)
    assert (last_year.contests_held, last_year.competitors) == (1, 1)
    assert dict(last_year.promotions_by_level) == {SkillLevel.TECHNICIAN: 1}
    assert last_year.honour_records == 1
    assert dict(last_year.certificates_by_kind) == {"award": 1}
    other = services.year_figures(_ids(year_world.other), 2026)
    assert (other.contests_held, other.competitors, other.value(Measure.CERTIFICATES)) == (1, 1, 1)
    assert services.year_figures([], 2026).contests_held == 0


def test_tree_and_who_sees_it(year_world):
    assert [(n.body.name, n.depth) for n in services.subtree(year_world.city)] == [
        (year_world.city.name, 0),
        (year_world.district.name, 1),
    ]
    assert services.ancestor_ids(year_world.district) == [year_world.district.id, year_world.city.id]
    see = services.viewable_body_or_none
    assert see(year_world.city_organizer, year_world.district.id) is year_world.district
    assert see(year_world.district_organizer, year_world.city.id) is None
    assert see(year_world.other_organizer, year_world.city.id) is None
    assert see(year_world.admin, year_world.other.id) is year_world.other
    assert see(year_world.admin, 999999) is None


def test_contest_rows_reuse_the_lifecycle_blockers(year_world):
    from tests.factories import NOW

    rows = services.contest_rows([year_world.final_contest, year_world.district_event.contest], NOW)
    final, running = rows
    assert (final.registrations, final.approved, final.marked, final.published) == (4, 3, 0, 0)
    assert [m.action for m in final.moves] == ["归档"]
    assert final.moves[0].blockers == ()
    (to_marking,) = running.moves
    assert to_marking.action == "进入评分"
    assert (running.registrations, running.approved) == (2, 2)


def test_a_second_first_save_of_the_same_year_is_told_not_crashed(year_world, monkeypatch):
    import pytest

    from competition.errors import DomainError
    from tests.factories import NOW

    values = {Measure.CONTESTS: 50}
    first = services.save_targets(
        year_world.city,
        2026,
        values=values,
        high_level=SkillLevel.SENIOR_WORKER,
        note="",
        actor=None,
        now=NOW,
    )
    # as if another request had not seen the row yet when it read
    monkeypatch.setattr(services, "target_of", lambda body, year: None)
    with pytest.raises(DomainError, match="刚被他人设定"):
        services.save_targets(
            year_world.city,
            2026,
            values=values,
            high_level=SkillLevel.SENIOR_WORKER,
            note="",
            actor=None,
            now=NOW,
        )
    monkeypatch.undo()
    assert services.target_of(year_world.city, 2026) is first and first.contests == 50
