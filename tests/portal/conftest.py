"""An event whose results are published (A01–A06, 选手1号 … 选手6号), with a competitor account on A01
and another on A02, for the public portal and the competitor's own pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from competition.accounts.models import Role, User
from competition.contests.lifecycle import ContestStatus
from competition.extensions import db
from competition.marking import results
from competition.marking import services as marking_services
from competition.portal.services import forget_publication_cache
from competition.registration.models import Registration
from competition.workdays import TableCalendar
from tests import factories
from tests.factories import NOW
from tests.scoring.test_results_publication import signed_off

CALENDAR = TableCalendar(frozenset(), frozenset(), 2026, 2026)
#: When the event ended (the appeal window closes 2 hours later).
ENDED = datetime(2026, 3, 1, 17, 0)


@dataclass
class Published:
    world: factories.MarkingWorld
    mine: Registration
    other: Registration
    me: User
    them: User


def make_published(*, publish: bool = True) -> Published:
    world = factories.make_marking_world()
    signed_off(world, scores={"A01": 99, "A02": 90, "A03": 85, "A04": 60, "A05": 70, "A06": 65})
    marking_services.marking_of(world.event).ends_at = ENDED
    if publish:
        results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
        world.contest.status = ContestStatus.PUBLIC_NOTICE
    mine, other = world.entries[0], world.entries[1]
    me = factories.make_user(Role.COMPETITOR, username="me-competitor")
    them = factories.make_user(Role.COMPETITOR, username="them-competitor")
    mine.members[0].competitor.user = me
    other.members[0].competitor.user = them
    mine.members[0].competitor.id_number = "330602199005171234"
    db.session.flush()
    return Published(world, mine, other, me, them)


@pytest.fixture
def published(session) -> Published:
    forget_publication_cache()
    return make_published()


@pytest.fixture
def unpublished(session) -> Published:
    forget_publication_cache()
    return make_published(publish=False)
