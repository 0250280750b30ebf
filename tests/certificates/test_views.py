"""The certificate pages as organizers, holders and the public use them: one-click award requests,
a batch job with its download, downloads of the stored bytes (holder and organizer only), revocation
and reissue with reasons, and the public verification page (masked, logged, rate-limited)."""

from __future__ import annotations

import io
import re
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from competition.accounts.models import Role
from competition.audit.models import AuditEntry
from competition.certificates.models import Certificate, CertificateLookup, CertificateStatus
from competition.extensions import db
from competition.privacy import mask_id_number, mask_name
from tests import factories
from tests.certificates.conftest import sha256


@pytest.fixture
def issued(client, auth, final):
    """The final contest's award certificates, requested and printed through the organizer's pages."""
    final.organizer.username = "org-final"
    holder = factories.make_user(Role.COMPETITOR, username="holder")
    final.teammate.user = holder
    db.session.flush()
    auth.login("org-final")
    page = client.get(f"/manage/contests/{final.contest.id}")
    assert f"/manage/contests/{final.contest.id}/certificates" in page.get_data(as_text=True)
    response = client.post(
        f"/manage/contests/{final.contest.id}/certificates/request-awards", follow_redirects=True
    )
    assert "已申请获奖证书 7 张" in response.get_data(as_text=True)
    job = client.post(
        f"/manage/contests/{final.contest.id}/certificates/print", data={"event_id": "0", "fmt": "pdf"}
    )
    final.job_page = job.headers["Location"]
    auth.logout()
    return final


def _certificates(contest) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate).where(Certificate.contest_id == contest.id).order_by(Certificate.id)
        )
    )


def test_organizer_requests_awards_and_prints_them_in_one_pdf(client, auth, issued, tmp_path):
    auth.login("org-final")
    assert "已完成" in client.get(issued.job_page).get_data(as_text=True)
    pdf = client.get(issued.job_page + "/download")
    path = tmp_path / "all.pdf"
    path.write_bytes(pdf.data)
    pdf.close()
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+7$", info, re.M)
    page = client.get(f"/manage/contests/{issued.contest.id}/certificates").get_data(as_text=True)
    assert all(c.number in page for c in _certificates(issued.contest))
    assert "已签发 7 张有效证书，待签发 0 张" in page


def test_downloads_return_the_stored_bytes_to_the_holder_and_organizer_only(client, auth, issued):
    mine = next(c for c in _certificates(issued.contest) if c.competitor_id == issued.teammate.id)
    auth.login("holder")
    home = client.get("/me/").get_data(as_text=True)
    assert "我的证书" in home and mine.number in home
    first = client.get(f"/me/certificates/{mine.id}.pdf")
    second = client.get(f"/me/certificates/{mine.id}.pdf")
    assert first.status_code == 200 and first.data == second.data and sha256(first.data) == mine.sha256
    other = next(c for c in _certificates(issued.contest) if c.competitor_id != issued.teammate.id)
    assert client.get(f"/me/certificates/{other.id}.pdf").status_code == 404
    assert client.get(f"/manage/certificates/{mine.id}.pdf").status_code == 403
    auth.logout()
    auth.login("org-final")
    assert sha256(client.get(f"/manage/certificates/{mine.id}.pdf").data) == mine.sha256
    auth.logout()
    stranger = factories.make_user(Role.ORGANIZER, username="stranger-org", body=factories.make_body())
    assert stranger
    auth.login("stranger-org")
    assert client.get(f"/manage/certificates/{mine.id}.pdf").status_code == 404
    assert client.get(f"/manage/contests/{issued.contest.id}/certificates").status_code == 404


def test_the_public_page_shows_a_valid_certificate_masked_and_logs_the_lookup(client, issued):
    certificate = _certificates(issued.contest)[0]
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    page = client.get(f"/verify/{certificate.verify_code}").get_data(as_text=True)
    person = certificate.competitor
    assert "有效证书" in page
    assert mask_name(person.name) in page and person.name not in page
    assert mask_id_number(person.id_number) in page and person.id_number not in page
    for text in (
        certificate.number,
        certificate.sha256,
        "一等奖",
        issued.contest.name,
        issued.contest.body.name,
        certificate.snapshot["document"]["issued_on"],
    ):
        assert text in page, text
    assert client.get("/verify/not-a-real-code").status_code == 404
    logged = list(db.session.scalars(sa.select(CertificateLookup).order_by(CertificateLookup.id)))[-2:]
    assert [(e.via, e.found, e.certificate_id) for e in logged] == [
        ("code", True, certificate.id),
        ("code", False, None),
    ]
    assert all(len(e.client_hash) == 64 and "203.0.113.7" not in e.client_hash for e in logged)
    assert logged[0].client_hash == logged[1].client_hash


def test_lookup_by_number_needs_the_holders_name(client, issued):
    certificate = _certificates(issued.contest)[0]
    assert client.get("/verify").status_code == 200
    typed = " ".join(certificate.number.lower())  # spaces and lower case are forgiven
    found = client.post("/verify", data={"number": typed, "name": certificate.holder_name})
    assert found.status_code == 200 and "有效证书" in found.get_data(as_text=True)
    wrong = client.post("/verify", data={"number": certificate.number, "name": "张三"})
    assert wrong.status_code == 404 and "没有找到" in wrong.get_data(as_text=True)
    logged = list(db.session.scalars(sa.select(CertificateLookup).order_by(CertificateLookup.id)))[-2:]
    assert [(e.via, e.query, e.found) for e in logged] == [
        ("number", certificate.number, True),
        ("number", certificate.number, False),
    ]


def test_revoke_and_reissue_with_reasons_are_audited_and_shown_publicly(client, auth, issued):
    first, second = _certificates(issued.contest)[:2]
    auth.login("org-final")
    refused = client.post(
        f"/manage/certificates/{first.id}/revoke", data={"reason": ""}, follow_redirects=True
    )
    assert "须填写原因" in refused.get_data(as_text=True)
    client.post(f"/manage/certificates/{first.id}/revoke", data={"reason": "成绩经复核取消"})
    client.post(f"/manage/certificates/{second.id}/reissue", data={"reason": "姓名录入错误，更正"})
    db.session.expire_all()
    assert (first.status, first.status_reason) == (CertificateStatus.REVOKED, "成绩经复核取消")
    assert second.status is CertificateStatus.SUPERSEDED
    new = db.session.scalar(sa.select(Certificate).where(Certificate.replaces_id == second.id))
    assert new.number != second.number and new.verify_code != second.verify_code and new.serial == 8
    assert (
        client.post(
            f"/manage/certificates/{first.id}/reissue", data={"reason": "再来"}, follow_redirects=True
        ).status_code
        == 200
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Certificate).where(Certificate.replaces_id == first.id)
        )
        == 0
    )
    actions = set(
        db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.contest_id == issued.contest.id))
    )
    assert {
        "certificates.request_awards",
        "certificates.issue",
        "certificate.revoke",
        "certificate.reissue",
    } <= actions
    auth.logout()
    revoked = client.get(f"/verify/{first.verify_code}").get_data(as_text=True)
    assert "此证书已注销" in revoked and "成绩经复核取消" in revoked
    superseded = client.get(f"/verify/{second.verify_code}").get_data(as_text=True)
    assert "取代" in superseded and f"/verify/{new.verify_code}" in superseded and new.number in superseded
    current = client.get(f"/verify/{new.verify_code}").get_data(as_text=True)
    assert "有效证书" in current and second.number in current


def test_public_lookups_are_rate_limited(app, client, issued, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "RATELIMIT_PUBLIC_LOOKUP", "3 per minute")
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{uuid.uuid4().int % 250 + 1}-{uuid.uuid4().hex[:8]}"
    code = _certificates(issued.contest)[0].verify_code
    statuses = [client.get(f"/verify/{code}").status_code for _ in range(3)]
    statuses.append(client.post("/verify", data={"number": "X", "name": "Y"}).status_code)
    assert statuses == [200, 200, 200, 429]


def test_body_settings_prefix_marks_and_overprint(client, auth, final):
    from PIL import Image

    final.organizer.username = "org-settings"
    db.session.flush()
    auth.login("org-settings")
    page = client.get("/manage/certificate-settings").get_data(as_text=True)
    assert f"ZS{final.contest.body_id:03d}2026-HJ-000001" in page
    bad = client.post("/manage/certificate-settings", data={"number_prefix": "坏"}).get_data(as_text=True)
    assert "2–12 位大写字母或数字" in bad
    client.post("/manage/certificate-settings", data={"number_prefix": "sxrs"})
    assert "SXRS2026-HJ-000001" in client.get("/manage/certificate-settings").get_data(as_text=True)
    out = io.BytesIO()
    Image.new("RGBA", (120, 120), (200, 0, 0, 255)).save(out, "PNG")
    client.post(
        "/manage/certificate-settings/marks/seal",
        data={"seal-image": (io.BytesIO(out.getvalue()), "seal.png")},
        content_type="multipart/form-data",
    )
    assert client.get("/manage/certificate-settings/marks/seal.img").data == out.getvalue()
    refused = client.post(
        "/manage/certificate-settings/marks/emblem",
        data={"emblem-image": (io.BytesIO(b"<svg onload=alert(1)>"), "emblem.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "无法识别的图片" in refused.get_data(as_text=True)
    client.post(
        "/manage/certificate-settings/layouts/award",
        data={"award-x_mm": "2.5", "award-y_mm": "-1", "award-fields_only": "y"},
    )
    out_of_range = client.post(
        "/manage/certificate-settings/layouts/award",
        data={"award-x_mm": "80", "award-y_mm": "0"},
        follow_redirects=True,
    )
    assert "−50 到 50" in out_of_range.get_data(as_text=True)
    calibration = client.get("/manage/certificate-settings/layouts/award/calibration.pdf")
    from tests.pdf.conftest import pdf_text

    assert "x = +2.5 mm，y = -1.0 mm" in pdf_text(calibration.data)
    sample = pdf_text(client.get("/manage/certificate-settings/layouts/award/sample.pdf").data)
    assert "SXRS2026-YB-000000" in sample and "获奖证书" not in sample
