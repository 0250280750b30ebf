"""Demo certificates for contest C (江苏技能状元大赛总决赛): an award certificate for every person with an
award in the published results, issued the morning after publication, and one of them revoked and one
corrected and reissued (更正/补发), so the organizer's list and the public verification pages show every
status.

Call :func:`load_certificates_demo` after :func:`competition.demo.marking.load_marking_demo`, in the
same transaction and inside an app context (the PDFs go to the configured store). Everything goes
through the certificate services, so numbers, audit entries and stored PDFs are those of a real batch.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from competition.accounts.models import Role, User
from competition.certificates import services
from competition.certificates.requests import request_award_certificates
from competition.contests.models import Contest
from competition.errors import DomainError
from competition.extensions import db

#: The number prefix the demo's organizing body chooses for its award certificates.
DEMO_PREFIX = "JSRS"


def load_certificates_demo(*, now: datetime) -> int:
    """Issue contest C's award certificates (rendered in this process), revoke one and reissue another;
    returns the number of certificates issued (0 when contest C or its results are missing). Flushes;
    the caller commits."""
    from competition.certificates.requests import FINAL_STAGES

    contest = (
        db.session.execute(
            sa.select(Contest).where(Contest.name.like("%江苏技能状元大赛总决赛")).order_by(Contest.id)
        )
        .scalars()
        .first()
    )
    if contest is None or contest.status not in FINAL_STAGES:
        return 0
    organizer = (
        db.session.execute(
            sa.select(User)
            .where(User.role == Role.ORGANIZER, User.body_id == contest.body_id)
            .order_by(User.id)
        )
        .scalars()
        .first()
    )
    issued_at = datetime.combine(contest.ends_on + timedelta(days=9), time(9, 30))
    if issued_at > now:
        issued_at = now
    settings = services.issuer_settings(contest.body)
    if settings is None or not settings.number_prefix:
        services.set_number_prefix(contest.body, DEMO_PREFIX, actor=organizer, now=issued_at)
    try:
        request_award_certificates(contest, actor=organizer, now=issued_at)
    except DomainError:  # no awards published: nothing to issue
        return 0
    context = services.issue_context(current_app)
    context = services.IssueContext(context.base_url, context.storage, 0, context.evaluator)
    issued = []
    while True:
        pending = services.claim_pending(contest_id=contest.id, limit=50)
        if not pending:
            break
        issued += services.issue_requests(pending, context, actor=organizer, now=issued_at)
    if len(issued) >= 2:
        later = issued_at + timedelta(days=3)
        services.revoke(
            issued[-1], "经复核，该选手成绩不符合获奖条件，证书注销。", actor=organizer, now=later
        )
        services.reissue(issued[0], "证书遗失，申请补发。", context, actor=organizer, now=later)
    db.session.flush()
    return len(issued)
