"""Background task: every admission ticket of an event as one print-ready PDF."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from competition.contests.models import Event
from competition.errors import N_, DomainError
from competition.extensions import db
from competition.jobs.queue import Reporter
from competition.pdf.batch import iter_batch
from competition.registration import services
from competition.registration.review import RegistrationStatus
from competition.registration.tickets import admission_ticket, ticket_code, ticket_ready


def render_event_tickets(report: Reporter, output: Path, *, event_id: int, base_url: str) -> str:
    """Render the tickets of every approved, drawn entry of the event (one page per person, in
    station order) into ``output``; returns the download name. Raises :class:`DomainError` when the
    draw is not published yet."""
    event = db.session.execute(sa.select(Event).where(Event.id == event_id)).scalar_one()
    entries = [r for r in services.entries_of(event, status=RegistrationStatus.APPROVED) if ticket_ready(r)]
    if not entries:
        raise DomainError(N_("还没有可打印的准考证：请先审核报名并公布抽签结果。"))
    secret = current_app.config["SECRET_KEY"]
    documents = [
        admission_ticket(member, verify_url=f"{base_url.rstrip('/')}/tickets/{ticket_code(member, secret)}")
        for registration in sorted(entries, key=lambda r: r.station or 0)
        for member in registration.members
    ]
    report(0, len(documents), N_("正在生成准考证"))
    for progress in iter_batch(documents, chunk=50, processes=current_app.config["PDF_PROCESSES"]):
        report(progress.done, progress.total, N_("正在生成准考证"))
        if progress.result is not None:
            output.write_bytes(progress.result)
    return f"准考证-{event.contest.name}-{event.title}.pdf"
