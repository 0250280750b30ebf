"""Background task: issue a contest's (or event's) pending certificates, then print all of its valid
certificates as one merged print-ready PDF or as a ZIP of one PDF per person.

Issuing goes in chunks, each claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), issued and committed
on its own, so a job killed half-way leaves whole chunks behind and a second run issues exactly the
rest: no certificate twice, none missing, no number skipped. Several workers may run the same batch at
once; each claims different requests. Printing never re-renders an issued certificate: the merged PDF
and the ZIP are made of the stored bytes, except for 套打 (printing onto pre-printed stock), which lays
the same values out again with the body's offsets and "fields only" switch.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask import current_app
from pypdf import PdfWriter

from competition.accounts.models import User
from competition.certificates import services
from competition.certificates.models import Certificate
from competition.contests.models import Contest, Event
from competition.errors import N_, DomainError
from competition.extensions import db
from competition.jobs.queue import Reporter
from competition.pdf.batch import iter_batch

#: Certificates issued per committed chunk.
ISSUE_CHUNK = 25


def _checkpoint(stage: str, chunk: int) -> None:
    """Called at each stage of each chunk (``claimed``: requests locked; ``rendered``: issued but not
    committed; ``committed``).
    Does nothing; tests replace it to interrupt a run at a chosen point."""


def issue_pending(
    report: Reporter,
    *,
    contest_id: int | None,
    event_id: int | None,
    context: services.IssueContext,
    actor: User | None,
    chunk: int = ISSUE_CHUNK,
) -> int:
    """Issue every pending request of the contest (or event), chunk by chunk, committing after each;
    returns how many were issued. A failing chunk is rolled back (its numbers are not used) and the
    error raised; the chunks before it stay issued."""
    total = services.pending_count(contest_id=contest_id, event_id=event_id)
    done = index = 0
    report(0, total, "正在签发证书")
    while True:
        requests = services.claim_pending(contest_id=contest_id, event_id=event_id, limit=chunk)
        if not requests:
            db.session.commit()  # end the (empty) claim's transaction
            break
        index += 1
        try:
            _checkpoint("claimed", index)
            issued = services.issue_requests(requests, context, actor=actor, now=_now())
            _checkpoint("rendered", index)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        _checkpoint("committed", index)
        done += len(issued)
        report(done, max(total, done), "正在签发证书")
    return done


def _now():
    from competition import clock

    return clock.now()


def _merge(report: Reporter, certificates: list[Certificate], storage) -> bytes:
    writer = PdfWriter()
    for n, certificate in enumerate(certificates, 1):
        writer.append(io.BytesIO(services.stored_pdf(certificate, storage)))
        if n % 25 == 0 or n == len(certificates):
            report(n, len(certificates), "正在合并打印文件")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip(report: Reporter, certificates: list[Certificate], storage) -> bytes:
    out = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for n, certificate in enumerate(certificates, 1):
            name = services.download_name(certificate)
            if name.casefold() in seen:
                name = f"{certificate.number}-{certificate.id}.pdf"
            seen.add(name.casefold())
            archive.writestr(name, services.stored_pdf(certificate, storage))
            if n % 25 == 0 or n == len(certificates):
                report(n, len(certificates), "正在打包")
    return out.getvalue()


def _overprinted(report: Reporter, certificates: list[Certificate], processes: int) -> bytes:
    documents = [
        services.overprint_document(c, services.overprint_of(c.body_id, c.kind.value)) for c in certificates
    ]
    result = b""
    for progress in iter_batch(documents, processes=processes):
        report(progress.done, progress.total, "正在生成套打文件")
        result = progress.result or result
    return result


def issue_and_print(
    report: Reporter,
    output: Path,
    *,
    contest_id: int,
    base_url: str,
    actor_id: int | None = None,
    event_id: int | None = None,
    fmt: str = "pdf",
    overprint: bool = False,
    chunk: int = ISSUE_CHUNK,
) -> str:
    """Issue the contest's (or event's) pending certificates, then write every valid certificate, in
    event and issue order, to ``output``: ``fmt`` ``pdf`` (one merged print-ready PDF; with
    ``overprint`` laid out for pre-printed stock) or ``zip`` (one PDF per person). Returns the download
    name. Raises :class:`DomainError` when there is nothing to print."""
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise DomainError(N_("竞赛不存在。"))
    event = db.session.get(Event, event_id) if event_id is not None else None
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    context = services.issue_context(current_app, base_url)
    issue_pending(report, contest_id=contest_id, event_id=event_id, context=context, actor=actor, chunk=chunk)
    certificates = services.certificates_of(contest_id=contest_id, event_id=event_id, valid_only=True)
    if not certificates:
        raise DomainError(N_("还没有可打印的证书：请先申请签发。"))
    scope = contest.name + (f"-{event.title}" if event is not None else "")
    if fmt == "zip":
        output.write_bytes(_zip(report, certificates, context.storage))
        return f"证书-{scope}.zip"
    if overprint:
        output.write_bytes(_overprinted(report, certificates, context.processes))
        return f"证书套打-{scope}.pdf"
    output.write_bytes(_merge(report, certificates, context.storage))
    return f"证书-{scope}.pdf"
