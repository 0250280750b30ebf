"""A contest whose results are final, and helpers to issue certificates and read them back."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from competition.certificates import services
from competition.certificates.storage import LocalStorage
from competition.contests.lifecycle import ContestStatus
from competition.extensions import db
from competition.marking import results
from competition.registration.models import RegistrationMember
from competition.workdays import TableCalendar
from tests import factories
from tests.factories import NOW
from tests.pdf.conftest import png_pages
from tests.scoring.test_results_publication import signed_off

BASE_URL = "https://cert.example.org"
CALENDAR = TableCalendar(frozenset(), frozenset(), 2026, 2026)


@pytest.fixture
def context(tmp_path: Path) -> services.IssueContext:
    """Issuing into a fresh local store, rendering in this process."""
    return services.IssueContext(
        base_url=BASE_URL,
        storage=LocalStorage(tmp_path / "store"),
        processes=0,
        evaluator=services.Evaluator("浙江省技能等级认定指导中心", "S", "0000", "33", "060001"),
    )


@dataclass
class FinalContest:
    """A final contest of one event (six entries A01–A06, awards 1/2/3 by rank) whose A01 entry is a
    team of two (A01's competitor and ``teammate``)."""

    world: factories.MarkingWorld
    teammate: object

    @property
    def contest(self):
        return self.world.contest

    @property
    def organizer(self):
        return self.world.organizer


def make_final_contest() -> FinalContest:
    world = factories.make_marking_world()
    signed_off(world, scores={"A01": 99, "A02": 90, "A03": 85, "A04": 60, "A05": 70, "A06": 65})
    results.publish(world.event, actor=world.organizer, now=NOW, working_days=5, calendar=CALENDAR)
    world.contest.status = ContestStatus.FINAL
    teammate = factories.make_competitor(world.units[0], name="王赟")
    entry = world.entries[0]
    entry.team_name = "焊花队"
    entry.members.append(
        RegistrationMember(event_id=world.event.id, competitor=teammate, position=1, active=True)
    )
    db.session.flush()
    return FinalContest(world, teammate)


@pytest.fixture
def final(session) -> FinalContest:
    return make_final_contest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def qr_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """What the QR codes on a one-page PDF decode to."""
    path = tmp_path / f"{sha256(pdf)[:12]}.pdf"
    path.write_bytes(pdf)
    (png,) = png_pages(path, dpi=150)
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(png))]
