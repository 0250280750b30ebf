"""Issuing every kind end to end: the stored PDF shows every value, embeds its fonts, and its QR code
opens the certificate's verification page; issuing is idempotent and the row immutable."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from competition.certificates import services
from competition.certificates.models import Certificate, CertificateKind, RequestState
from competition.certificates.numbering import parse_certificate_number
from competition.certificates.requests import request_award_certificates, request_certificate
from competition.domain import SkillLevel
from competition.errors import DomainError, InvariantError
from competition.extensions import db
from tests import factories
from tests.certificates.conftest import BASE_URL, qr_texts, sha256
from tests.factories import NOW
from tests.pdf.conftest import jpeg_photo, pdf_fonts, pdf_text, squeeze


def _person(name: str = "李玥珺"):
    body = factories.make_body()
    person = factories.make_competitor(factories.make_unit(), name=name)
    person.photo = jpeg_photo()
    return body, person


def _issue(request, context):
    (certificate,) = services.issue_requests([request], context, actor=None, now=NOW)
    return certificate


def _texts(certificate: Certificate) -> list[str]:
    doc = certificate.snapshot["document"]
    common = [doc["name"], certificate.number]
    match certificate.kind:
        case CertificateKind.AWARD:
            return [
                *common,
                "获奖证书",
                doc["unit"],
                doc["contest"],
                doc["event"],
                doc["group"],
                doc["award"],
                doc["issuer"],
                "二〇二六年三月二日",
            ]
        case CertificateKind.SKILL_LEVEL:
            return [
                *common,
                "职业技能等级证书",
                doc["id_type"],
                doc["id_number"],
                doc["occupation"],
                doc["work_type"],
                doc["level"],
                doc["evaluator"],
                "2026年3月2日",
                doc["query_address"],
            ]
        case CertificateKind.HONOUR:
            return [
                *common,
                "荣誉证书",
                doc["unit"],
                f"“{doc['honour_title']}”",
                doc["citation"],
                doc["issuer"],
                "二〇二六年三月二日",
            ]
        case CertificateKind.HONOUR_RECORD:
            entries = [
                v
                for e in doc["entries"]
                for v in (e["title"], e["conferred_by"], e["certificate_number"])
                if v
            ]
            return [
                *common,
                "荣誉档案",
                doc["gender"],
                doc["unit"],
                doc["occupation"],
                doc["level"],
                doc["issuer"],
                *entries,
            ]
    raise AssertionError(certificate.kind)


def _requests(body, person):
    return {
        "award": request_certificate(
            "award",
            person.id,
            {
                "body_id": body.id,
                "contest": "2026年绍兴市职业技能竞赛",
                "event": "焊工",
                "group": "职工组",
                "award": "first",
            },
            "test:award",
            now=NOW,
        ),
        "skill_level": request_certificate(
            "skill_level",
            person.id,
            {"occupation": "焊工", "work_type": "电焊工", "level": SkillLevel.SENIOR_WORKER.value},
            "test:skill",
            now=NOW,
        ),
        "honour": request_certificate(
            "honour",
            person.id,
            {
                "body_id": body.id,
                "honour_title": "绍兴市技术能手",
                "citation": "在2026年绍兴市职业技能竞赛中成绩突出",
            },
            "test:honour",
            now=NOW,
        ),
        "honour_record": request_certificate(
            "honour_record",
            person.id,
            {
                "body_id": body.id,
                "occupation": "焊工",
                "level": "technician",
                "entries": [
                    {
                        "awarded_on": "2025-05-01",
                        "title": "绍兴市五一劳动奖章",
                        "conferred_by": "绍兴市总工会",
                    },
                    {
                        "awarded_on": "2026-03-01",
                        "title": "焊工项目一等奖",
                        "conferred_by": "绍兴市人社局",
                        "certificate_number": "ZS0012026-HJ-000001",
                    },
                ],
            },
            "test:record",
            now=NOW,
        ),
    }


@pytest.mark.parametrize("kind", ["award", "skill_level", "honour", "honour_record"])
def test_every_kind_is_issued_end_to_end(session, context, tmp_path, kind):
    body, person = _person()
    request = _requests(body, person)[kind]
    certificate = _issue(request, context)
    pdf = services.stored_pdf(certificate, context.storage)
    assert sha256(pdf) == certificate.sha256 and len(pdf) == certificate.size
    assert certificate.template_version.startswith(f"{kind}/")
    text = squeeze(pdf_text(pdf))
    missing = [value for value in _texts(certificate) if squeeze(value) not in text]
    assert not missing, missing
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    assert all(font.embedded for font in pdf_fonts(path))
    assert qr_texts(pdf, tmp_path) == [f"{BASE_URL}/verify/{certificate.verify_code}"]
    assert request.state is RequestState.ISSUED


def test_skill_level_numbers_follow_the_national_format(session, context):
    body, person = _person()
    certificate = _issue(_requests(body, person)["skill_level"], context)
    number = parse_certificate_number(certificate.number)
    assert (number.evaluator_kind.value, number.province_code, number.station_serial) == ("S", "33", "060001")
    assert (number.year, number.level, number.serial) == (2026, SkillLevel.SENIOR_WORKER, 1)
    assert certificate.number == "S000033060001263000001"


def test_award_and_honour_numbers_use_the_bodys_prefix(session, context):
    body, person = _person()
    services.set_number_prefix(body, "sxrs", actor=None, now=NOW)
    made = _requests(body, person)
    assert _issue(made["award"], context).number == "SXRS2026-HJ-000001"
    assert _issue(made["honour"], context).number == "SXRS2026-RY-000001"
    assert _issue(made["honour_record"], context).number == "SXRS2026-DA-000001"
    other = factories.make_body()
    with pytest.raises(DomainError, match="已被其他单位使用"):
        services.set_number_prefix(other, "SXRS", actor=None, now=NOW)


def test_requesting_twice_and_issuing_twice_change_nothing(session, context):
    body, person = _person()
    first = _requests(body, person)["honour"]
    again = request_certificate(
        "honour", person.id, {"body_id": body.id, "honour_title": "别的"}, "test:honour", now=NOW
    )
    assert again.id == first.id and again.snapshot["honour_title"] == "绍兴市技术能手"
    certificate = _issue(first, context)
    assert services.issue_requests([first], context, actor=None, now=NOW) == []
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Certificate).where(Certificate.request_id == first.id)
        )
        == 1
    )
    assert certificate.serial == 1


def test_an_issued_certificate_cannot_be_edited(session, context):
    body, person = _person()
    certificate = _issue(_requests(body, person)["award"], context)
    certificate.holder_name = "改名"
    with pytest.raises(InvariantError, match="不可修改"):
        db.session.flush()
    db.session.rollback()


def test_bad_requests_are_refused(session):
    body, person = _person()
    with pytest.raises(InvariantError):
        request_certificate("diploma", person.id, {}, "x", now=NOW)
    with pytest.raises(InvariantError, match="award"):
        request_certificate(
            "award", person.id, {"body_id": body.id, "contest": "c", "event": "e"}, "x", now=NOW
        )
    with pytest.raises(InvariantError, match="body_id"):
        request_certificate("honour", person.id, {"honour_title": "t"}, "x", now=NOW)
    with pytest.raises(DomainError, match="没有职业技能等级证书"):
        request_certificate(
            "skill_level", person.id, {"occupation": "焊工", "level": "apprentice"}, "x", now=NOW
        )


def test_award_requests_come_from_final_standings_one_per_person(final, context):
    queued = request_award_certificates(final.contest, actor=final.organizer, now=NOW)
    # Awards 1, 2, 3 by count: A01 (a team of two) first, two second, three third.
    assert queued.created == 7
    again = request_award_certificates(final.contest, actor=final.organizer, now=NOW)
    assert (again.created, again.existing) == (0, 7)
    issued = services.issue_requests(
        services.claim_pending(contest_id=final.contest.id), context, actor=final.organizer, now=NOW
    )
    names = [c.holder_name for c in issued]
    assert names[:2] == ["选手1号", "王赟"]
    assert [c.snapshot["document"]["award"] for c in issued] == ["一等奖"] * 2 + ["二等奖"] * 2 + [
        "三等奖"
    ] * 3
    assert [c.serial for c in issued] == [1, 2, 3, 4, 5, 6, 7]
    assert (
        issued[0].snapshot["document"]["event"] == "焊工"
        and issued[0].snapshot["document"]["group"] == "职工组"
    )


def test_awards_wait_for_final_results(session):
    world = factories.make_marking_world()
    with pytest.raises(DomainError, match="成绩确认"):
        request_award_certificates(world.contest, actor=world.organizer, now=NOW)


def test_seal_signature_and_emblem_are_printed(session, context, tmp_path):
    import io

    from PIL import Image

    def png(colour):
        out = io.BytesIO()
        Image.new("RGBA", (200, 200), colour).save(out, "PNG")
        return out.getvalue()

    body, person = _person()
    services.set_mark(body, "seal", png((200, 0, 0, 255)), actor=None, now=NOW)
    services.set_mark(body, "emblem", png((0, 0, 200, 255)), actor=None, now=NOW)
    services.set_mark(body, "signature", png((0, 0, 0, 255)), actor=None, now=NOW)
    with pytest.raises(DomainError, match="PNG 或 JPEG"):
        services.set_mark(body, "seal", b"GIF89a....", actor=None, now=NOW)
    certificate = _issue(_requests(body, person)["award"], context)
    assert certificate.snapshot["marks"]["seal"] == sha256(png((200, 0, 0, 255)))
    path = tmp_path / "sealed.pdf"
    path.write_bytes(services.stored_pdf(certificate, context.storage))
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(re.findall(r"^\s+\d+\s+\d+\s+image", out, re.M)) >= 3, out


def test_issue_date_is_the_day_of_issue(session, context):
    body, person = _person()
    certificate = _issue(_requests(body, person)["honour"], context)
    assert certificate.snapshot["document"]["issued_on"] == date(2026, 3, 2).isoformat()
