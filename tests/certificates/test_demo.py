"""The demo year's certificates: contest C's award certificates, one revoked and one reissued."""

from __future__ import annotations

import sqlalchemy as sa

from competition.certificates.models import Certificate, CertificateStatus
from competition.demo.certificates import load_certificates_demo
from competition.demo.load import load_demo
from competition.extensions import db
from tests import factories


def test_demo_issues_contest_cs_award_certificates(session):
    load_demo(now=factories.NOW)
    assert load_certificates_demo(now=factories.NOW) == 0  # load_demo has issued them already: idempotent
    everything = list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))
    statuses = [c.status for c in everything]
    assert statuses.count(CertificateStatus.REVOKED) == 1
    assert statuses.count(CertificateStatus.SUPERSEDED) == 1
    reissue = next(c for c in everything if c.replaces is not None)
    assert reissue.replaces.status is CertificateStatus.SUPERSEDED
    # The promotion demo's confirmed decisions also queue skill-level and honour certificates; award
    # certificates are numbered in the organizing body's own gap-free sequence.
    awards = [c for c in everything if c.kind == "award"]
    assert awards and all(c.number.startswith("JSRS") for c in awards)
    assert sorted(c.serial for c in awards) == list(range(1, len(awards) + 1))
