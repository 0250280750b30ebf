"""Batch printing: a background job issues the contest's pending certificates in committed chunks,
resumes after being interrupted with no duplicate and no missing certificate, and prints every valid
certificate as one merged PDF (the stored bytes), as 套打 or as a ZIP of one PDF per person."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile

import pytest
import sqlalchemy as sa

from competition.certificates import jobs, services
from competition.certificates.models import Certificate, CertificateCounter, RequestState
from competition.certificates.requests import request_award_certificates
from competition.certificates.storage import LocalStorage
from competition.extensions import db
from tests.certificates.conftest import sha256
from tests.factories import NOW
from tests.pdf.conftest import pdf_text, squeeze


class Interrupted(Exception):
    pass


def _counter(contest) -> int:
    return (
        db.session.scalar(
            sa.select(CertificateCounter.last_serial).where(
                CertificateCounter.sequence == f"HJ:{contest.body_id}:2026"
            )
        )
        or 0
    )


def _issued(contest) -> list[Certificate]:
    return services.certificates_of(contest_id=contest.id)


def test_a_job_interrupted_after_a_chunk_resumes_without_duplicates_or_gaps(final, context, monkeypatch):
    request_award_certificates(final.contest, actor=final.organizer, now=NOW)

    def fail_in_second_chunk(stage: str, chunk: int) -> None:
        if stage == "rendered" and chunk == 2:
            raise Interrupted("worker killed")

    monkeypatch.setattr(jobs, "_checkpoint", fail_in_second_chunk)
    with pytest.raises(Interrupted):
        jobs.issue_pending(
            lambda *a: None, contest_id=final.contest.id, event_id=None, context=context, actor=None, chunk=3
        )
    # The first chunk is committed; the second, numbered but not committed, left no trace.
    assert [c.serial for c in _issued(final.contest)] == [1, 2, 3]
    assert _counter(final.contest) == 3
    assert services.pending_count(contest_id=final.contest.id) == 4

    monkeypatch.setattr(jobs, "_checkpoint", lambda stage, chunk: None)
    done = jobs.issue_pending(
        lambda *a: None, contest_id=final.contest.id, event_id=None, context=context, actor=None, chunk=3
    )
    assert done == 4
    issued = _issued(final.contest)
    assert [c.serial for c in issued] == list(range(1, 8))
    assert len({c.request_id for c in issued}) == 7
    assert {c.request.state for c in issued} == {RequestState.ISSUED}
    assert _counter(final.contest) == 7


def _stub_app_context(monkeypatch, context):
    monkeypatch.setattr(services, "issue_context", lambda app, base_url=None: context)


def test_the_merged_pdf_is_made_of_the_stored_certificates(app, final, context, monkeypatch, tmp_path):
    request_award_certificates(final.contest, actor=final.organizer, now=NOW)
    _stub_app_context(monkeypatch, context)
    steps = []
    name = jobs.issue_and_print(
        lambda done, total, message: steps.append((done, total, message)),
        tmp_path / "out.pdf",
        contest_id=final.contest.id,
        base_url="https://cert.example.org",
        actor_id=final.organizer.id,
        chunk=4,
    )
    assert name == f"证书-{final.contest.name}.pdf"
    assert any(m == "正在签发证书" for _, _, m in steps)
    assert steps[-1][:2] == (7, 7)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "out.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+7$", info, re.M)
    text = squeeze(pdf_text((tmp_path / "out.pdf").read_bytes()))
    for certificate in _issued(final.contest):
        assert certificate.number in text and certificate.holder_name in text
    # Issuing again prints the same certificates: nothing new is issued.
    jobs.issue_and_print(
        lambda *a: None, tmp_path / "again.pdf", contest_id=final.contest.id, base_url="x", chunk=4
    )
    assert len(_issued(final.contest)) == 7


def test_the_zip_holds_each_stored_pdf_under_number_and_name(app, final, context, monkeypatch, tmp_path):
    request_award_certificates(final.contest, actor=final.organizer, now=NOW)
    _stub_app_context(monkeypatch, context)
    name = jobs.issue_and_print(
        lambda *a: None, tmp_path / "out.zip", contest_id=final.contest.id, base_url="x", fmt="zip"
    )
    assert name.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO((tmp_path / "out.zip").read_bytes()))
    by_name = {info.filename: archive.read(info) for info in archive.infolist()}
    issued = _issued(final.contest)
    assert set(by_name) == {services.download_name(c) for c in issued}
    for certificate in issued:
        assert sha256(by_name[services.download_name(certificate)]) == certificate.sha256


def test_overprint_lays_the_values_out_again_without_the_stock(app, final, context, monkeypatch, tmp_path):
    request_award_certificates(final.contest, actor=final.organizer, now=NOW)
    services.set_overprint(final.contest.body, "award", 3.5, -2, True, actor=final.organizer, now=NOW)
    _stub_app_context(monkeypatch, context)
    jobs.issue_and_print(
        lambda *a: None, tmp_path / "tao.pdf", contest_id=final.contest.id, base_url="x", overprint=True
    )
    text = squeeze(pdf_text((tmp_path / "tao.pdf").read_bytes()))
    assert "获奖证书" not in text and "姓名" not in text  # the stock is pre-printed
    assert all(c.number in text for c in _issued(final.contest))


def test_nothing_to_print_is_a_reason(app, session, context, monkeypatch, tmp_path):
    from competition.errors import DomainError
    from tests import factories

    world = factories.make_marking_world()
    _stub_app_context(monkeypatch, context)
    with pytest.raises(DomainError, match="还没有可打印的证书"):
        jobs.issue_and_print(lambda *a: None, tmp_path / "x.pdf", contest_id=world.contest.id, base_url="x")


def test_a_missing_or_altered_pdf_is_never_re_rendered(final, context, tmp_path):
    from competition.errors import InvariantError

    request_award_certificates(final.contest, actor=final.organizer, now=NOW)
    (first, *_) = services.issue_requests(
        services.claim_pending(contest_id=final.contest.id), context, actor=None, now=NOW
    )
    assert services.stored_pdf(first, context.storage) == services.stored_pdf(first, context.storage)
    assert isinstance(context.storage, LocalStorage)
    context.storage.put(first.storage_key, b"%PDF-1.7 tampered")
    with pytest.raises(InvariantError, match="SHA-256"):
        services.stored_pdf(first, context.storage)
