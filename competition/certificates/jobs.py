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

import errno
import io
import os
import zipfile
from pathlib import Path

from flask import current_app
from pypdf import PdfWriter

from competition.accounts.models import User
from competition.certificates import services
from competition.certificates.models import Certificate
from competition.certificates.storage import FULL_ERRNOS, StorageFull
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
    error raised; the chunks before it stay issued. A full store (disk or bucket) raises
    :class:`DomainError` saying how many were issued and that running the job again continues."""
    total = services.pending_count(contest_id=contest_id, event_id=event_id)
    done = index = 0
    report(0, total, N_("正在签发证书"))
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
        except StorageFull as error:
            db.session.rollback()
            left = services.pending_count(contest_id=contest_id, event_id=event_id)
            db.session.commit()
            raise DomainError(
                N_(
                    "%(cause)s本次已签发并保存 %(done)d 张证书；其余 %(left)d 张没有签发、没有占用证书编号。"
                    "请清理或扩充存储空间后重新生成，已签发的不会重复。"
                ),
                cause=error.args[0] if error.args else str(error),
                done=done,
                left=left,
            ) from error
        except BaseException:
            db.session.rollback()
            raise
        _checkpoint("committed", index)
        done += len(issued)
        report(done, max(total, done), N_("正在签发证书"))
    return done


def _now():
    from competition import clock

    return clock.now()


def _merge(report: Reporter, certificates: list[Certificate], storage) -> bytes:
    writer = PdfWriter()
    for n, certificate in enumerate(certificates, 1):
        writer.append(io.BytesIO(services.stored_pdf(certificate, storage)))
        if n % 25 == 0 or n == len(certificates):
            report(n, len(certificates), N_("正在合并打印文件"))
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
                report(n, len(certificates), N_("正在打包"))
    return out.getvalue()


def _overprinted(report: Reporter, certificates: list[Certificate], processes: int) -> bytes:
    documents = [
        services.overprint_document(c, services.overprint_of(c.body_id, c.kind.value)) for c in certificates
    ]
    result = b""
    for progress in iter_batch(documents, processes=processes):
        report(progress.done, progress.total, N_("正在生成套打文件"))
        result = progress.result or result
    return result


def _write_result(output: Path, data: bytes) -> None:
    """Write the job's result file whole or not at all (temporary file, rename); a full disk raises
    :class:`DomainError` and leaves nothing behind."""
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(output)
    except OSError as error:
        partial.unlink(missing_ok=True)
        if error.errno in FULL_ERRNOS:
            raise DomainError(
                N_("磁盘空间不足，打印文件没有生成（证书已签发并保存，编号不变）。请清理磁盘后重新生成。")
            ) from error
        raise DomainError(
            N_("打印文件无法写入：%(reason)s。"),
            reason=error.strerror or errno.errorcode.get(error.errno or 0, str(error)),
        ) from error


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
    name. Raises :class:`DomainError` when there is nothing to print, or when the store or the disk
    of ``output`` is full (the certificates issued before stay issued; running again continues)."""
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
        _write_result(output, _zip(report, certificates, context.storage))
        return f"证书-{scope}.zip"
    if overprint:
        _write_result(output, _overprinted(report, certificates, context.processes))
        return f"证书套打-{scope}.pdf"
    _write_result(output, _merge(report, certificates, context.storage))
    return f"证书-{scope}.pdf"
