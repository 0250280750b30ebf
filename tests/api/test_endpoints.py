"""Each API operation with a token of the right body, and the denials: other bodies' contests and
events, roles without the permission, unpublished results, personal data masked."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competition.accounts.models import Role
from competition.audit.models import AuditEntry
from competition.contests.lifecycle import ContestStatus
from competition.domain import Gender
from competition.extensions import db
from competition.marking.models import Mark
from competition.privacy import mask_id_number, mask_name
from competition.registration.idnumbers import make_resident_id
from competition.registration.models import Registration
from tests import factories
from tests.api.conftest import bearer, make_token
from tests.scoring.test_marking_services import fill


def _error(response, code: int) -> dict:
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code and body["message"]
    return body


# ---- contests and events ---------------------------------------------------------------------------


def test_anonymous_callers_see_public_contests_only(client, world):
    listed = client.get("/api/v1/contests").get_json()
    ids = {c["id"] for c in listed}
    assert world.public_contest.id in ids and world.contest.id not in ids  # a draft
    assert all(c["status"] != "draft" for c in listed)
    assert client.get("/api/v1/contests?year=1999").status_code == 422
    _error(client.get(f"/api/v1/contests/{world.contest.id}"), 404)


def test_an_organizer_token_adds_its_own_drafts_but_not_other_bodies(client, world, org_headers):
    ids = {c["id"] for c in client.get("/api/v1/contests", headers=org_headers).get_json()}
    assert world.contest.id in ids and world.other_contest.id not in ids
    mine = client.get(f"/api/v1/contests/{world.contest.id}", headers=org_headers).get_json()
    assert mine["name"] == world.contest.name and mine["status"] == "draft" and mine["event_count"] == 1
    assert mine["body"] == "绍兴市人力资源和社会保障局"
    other = client.get(f"/api/v1/contests/{world.other_contest.id}", headers=org_headers)
    assert _error(other, 404)["status"] == "Not Found"
    admin = bearer(make_token(world.admin))
    ids = {c["id"] for c in client.get("/api/v1/contests", headers=admin).get_json()}
    assert {world.contest.id, world.other_contest.id} <= ids


def test_events_of_a_contest_with_parts_and_exact_weights(client, world, org_headers):
    (event,) = client.get(f"/api/v1/contests/{world.contest.id}/events", headers=org_headers).get_json()
    assert event["id"] == world.event.id and event["title"] == "焊工 职工组"
    assert [(p["kind"], p["weight"]) for p in event["parts"]] == [("theory", "30"), ("practical", "70")]
    _error(client.get(f"/api/v1/contests/{world.other_contest.id}/events", headers=org_headers), 404)
    _error(client.get("/api/v1/contests/99999999999/events"), 404)  # beyond any id: 404, not 500


# ---- registrations ---------------------------------------------------------------------------------


def test_registrations_are_listed_for_owners_with_id_numbers_and_phones_masked(client, world, org_headers):
    (entry,) = client.get(f"/api/v1/events/{world.event.id}/registrations", headers=org_headers).get_json()
    (member,) = entry["members"]
    person = world.registration.members[0].competitor
    assert member["name"] == person.name
    assert member["id_number"] == mask_id_number(person.id_number) != person.id_number
    assert member["phone"] == "138****5678"
    other = bearer(make_token(world.other_organizer))
    _error(client.get(f"/api/v1/events/{world.event.id}/registrations", headers=other), 404)


def _person(n: int, **extra) -> dict:
    return {
        "name": f"王{'一二三四五'[n]}",
        "id_number": make_resident_id("330602", date(1992, 4, n + 1), 100 + n, Gender.MALE),
        "phone": f"1391234567{n}",
        "status": "employee",
        **extra,
    }


@pytest.fixture
def open_event(world):
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    return world.event


def _entries_count(event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).filter_by(event_id=event.id)
    )


def test_batch_registration_writes_every_row_through_the_workbook_checks(
    client, world, org_headers, open_event
):
    url = f"/api/v1/events/{open_event.id}/registrations"
    rows = [
        _person(0),
        _person(1, current_level="senior_worker", years_in_occupation=6, titles=["绍兴市技术能手"]),
    ]
    response = client.post(url, json={"unit_id": world.unit.id, "entries": rows}, headers=org_headers)
    assert response.status_code == 201, response.get_json()
    registered = response.get_json()["registered"]
    assert [(r["index"], r["name"], r["status"]) for r in registered] == [
        (0, "王一", "submitted"),
        (1, "王二", "submitted"),
    ]
    stored = db.session.get(Registration, registered[1]["registration_id"])
    assert stored.unit_id == world.unit.id and stored.members[0].competitor.years_in_occupation == 6
    assert stored.members[0].competitor.titles == ["绍兴市技术能手"]
    assert db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.import")
    ).scalar()
    # The same people again: refused as duplicates, nothing added.
    again = client.post(url, json={"unit_id": world.unit.id, "entries": rows}, headers=org_headers)
    assert "已报名" in _error(again, 422)["errors"]["rows"][0]["message"]
    assert _entries_count(open_event) == 3


def test_one_bad_row_writes_nothing_and_every_problem_is_reported(client, world, org_headers, open_event):
    bad_id = _person(1)["id_number"][:-1] + ("0" if _person(1)["id_number"][-1] != "0" else "1")
    rows = [_person(0), _person(1, id_number=bad_id), _person(2, phone="12345")]
    before = _entries_count(open_event)
    response = client.post(
        f"/api/v1/events/{open_event.id}/registrations",
        json={"unit_id": world.unit.id, "entries": rows},
        headers=org_headers,
    )
    body = _error(response, 422)
    problems = body["errors"]["rows"]
    assert {(p["index"], p["field"]) for p in problems} == {(1, "id_number"), (2, "phone")}
    assert body["field"] == "entries.1.id_number" and "未写入任何报名" in body["message"]
    assert _entries_count(open_event) == before


def test_batch_registration_refusals(client, world, org_headers, open_event):
    url = f"/api/v1/events/{open_event.id}/registrations"
    body = {"unit_id": world.unit.id, "entries": [_person(0)]}
    assert _error(client.post(url, json={**body, "unit_id": 999999}, headers=org_headers), 422)["field"] == (
        "unit_id"
    )
    missing = client.post(
        url, json={"unit_id": world.unit.id, "entries": [{"phone": "x"}]}, headers=org_headers
    )
    assert _error(missing, 422)["field"].startswith("entries.0.")
    other = bearer(make_token(world.other_organizer))
    _error(client.post(url, json=body, headers=other), 404)
    _error(client.post(url, json=body), 401)
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    db.session.flush()
    assert "不接受报名" in _error(client.post(url, json=body, headers=org_headers), 409)["message"]
    assert _entries_count(open_event) == 1


# ---- marks --------------------------------------------------------------------------------------------


@pytest.fixture
def marking(session):
    world = factories.make_marking_world()
    world.headers = bearer(make_token(world.organizer))
    return world


def _scores(world, **override) -> list[dict]:
    return [
        {"number": e.competitor_number, "score": override.get(e.competitor_number, 80 + i)}
        for i, e in enumerate(world.entries)
    ]


def _theory_marks(world) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(Mark.registration_id, Mark.value).where(
                Mark.event_id == world.event.id, Mark.judge_id.is_(None)
            )
        ).all()
    )


def test_an_exam_system_posts_theory_scores_by_competitor_number(client, marking):
    url = f"/api/v1/events/{marking.event.id}/theory-scores"
    response = client.post(
        url, json={"source": "考试系统", "scores": _scores(marking)}, headers=marking.headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"written": 6, "unchanged": 0}
    assert _theory_marks(marking)[marking.entries[0].id] == "80/100"
    again = client.post(url, json={"scores": _scores(marking, A02="92.5")}, headers=marking.headers)
    assert again.get_json() == {"written": 1, "unchanged": 5}
    assert _theory_marks(marking)[marking.entries[1].id] == "92.5/100"
    audit = (
        db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "theory.import")).scalars().all()
    )
    assert len(audit) == 2 and "API 考试系统" in audit[0].summary


def test_theory_scores_are_all_or_nothing_with_a_report_per_row(client, marking):
    url = f"/api/v1/events/{marking.event.id}/theory-scores"
    rows = [*_scores(marking), {"number": "Z99", "score": 50}, {"number": "A01", "score": 70}]
    body = _error(client.post(url, json={"scores": rows}, headers=marking.headers), 422)
    assert [(p["index"], p["number"]) for p in body["errors"]["rows"]] == [(6, "Z99"), (7, "A01")]
    assert _theory_marks(marking) == {}
    missing = client.post(url, json={"scores": _scores(marking)[:5]}, headers=marking.headers)
    assert "A06" in _error(missing, 422)["message"] and _theory_marks(marking) == {}
    out_of_range = client.post(
        url, json={"scores": [{"number": "A01", "score": 101}]}, headers=marking.headers
    )
    assert _error(out_of_range, 422)["field"] == "scores.0.score"


def test_theory_scores_of_another_bodys_event_are_refused(client, marking, world):
    url = f"/api/v1/events/{marking.event.id}/theory-scores"
    other = bearer(make_token(world.organizer))  # organizer of another body
    _error(client.post(url, json={"scores": _scores(marking)}, headers=other), 404)
    assert _theory_marks(marking) == {}


def test_marks_are_read_with_judges_pseudonymous(client, marking):
    fill(marking)
    client.post(
        f"/api/v1/events/{marking.event.id}/theory-scores",
        json={"scores": _scores(marking)},
        headers=marking.headers,
    )
    marks = client.get(f"/api/v1/events/{marking.event.id}/marks", headers=marking.headers).get_json()
    judges = {m["judge"] for m in marks}
    assert judges == {"", "J1", "J2", "J3"}
    text = str(marks)
    for judge in marking.judges:
        assert judge.username not in text and judge.display_name not in text
    assert all(m["entry"].startswith("A0") for m in marks if m["kind"] == "")
    assert "选手1号" not in text  # competitor names never appear, only numbers
    other = bearer(make_token(factories.make_user(Role.ORGANIZER, body=factories.make_body())))
    _error(client.get(f"/api/v1/events/{marking.event.id}/marks", headers=other), 404)
    # A judge of the event (a token made directly: the page offers none to judges) may not read the
    # panel's marks through the API either: the role lacks the permission.
    judge = bearer(make_token(marking.judges[0]))
    _error(client.get(f"/api/v1/events/{marking.event.id}/marks", headers=judge), 403)
    scores = {"scores": _scores(marking)}
    _error(client.post(f"/api/v1/events/{marking.event.id}/theory-scores", json=scores, headers=judge), 403)


# ---- standings and decisions ----------------------------------------------------------------------


def test_standings_only_when_published_names_masked_for_the_public(client, world, org_headers):
    url = f"/api/v1/events/{world.event.id}/standings"
    assert "尚未发布" in _error(client.get(url, headers=org_headers), 404)["message"]
    world.contest.status = ContestStatus.PUBLIC_NOTICE
    people = [factories.make_competitor(world.unit, name=n) for n in ("欧阳娜娜", "李四光", "张三")]
    factories.publish_results(world.event, people, publisher=world.organizer)
    public = client.get(url).get_json()
    assert [s["names"] for s in public["standings"]] == [["欧**娜"], ["李*光"], ["张*"]]
    assert [(s["rank"], s["award"]) for s in public["standings"]] == [
        (1, "first"),
        (2, "second"),
        (3, "third"),
    ]
    assert public["notice_last_day"] == "2026-03-10"
    full = client.get(url, headers=org_headers).get_json()
    assert [s["names"] for s in full["standings"]] == [["欧阳娜娜"], ["李四光"], ["张三"]]
    # Another body's organizer reads it as the public does.
    other = client.get(url, headers=bearer(make_token(world.other_organizer))).get_json()
    assert other["standings"][0]["names"] == [mask_name("欧阳娜娜")]


def test_decisions_in_full_for_owners_and_only_noticed_ones_masked_for_others(client):
    from competition.promotion import services
    from tests.promotion.test_workflow import CALENDAR, NOW, finished_contest

    finished = finished_contest(count=4)
    services.evaluate_contest(finished.contest, actor=finished.organizer, now=NOW)
    url = f"/api/v1/contests/{finished.contest.id}/decisions"
    owner = bearer(make_token(finished.organizer))
    full = client.get(url, headers=owner).get_json()
    assert len(full) >= 4 and {d["competitor"] for d in full} >= {"选手01", "选手02"}
    assert client.get(url).get_json() == []  # nothing published for notice yet
    services.publish_notice(
        finished.contest, actor=finished.organizer, now=NOW, working_days=5, calendar=CALENDAR
    )
    public = client.get(url).get_json()
    assert public and all("*" in d["competitor"] for d in public) and all(d["reason"] == "" for d in public)
    assert {d["level"] for d in public if d["kind"] == "promotion"} == {"technician"}


# ---- certificate verification ----------------------------------------------------------------------


def test_certificate_verification_by_code_and_by_number_and_name(client, session, tmp_path):
    from competition.certificates import services
    from competition.certificates.models import CertificateLookup
    from competition.certificates.requests import request_certificate
    from competition.certificates.storage import LocalStorage
    from tests.factories import NOW

    body = factories.make_body()
    person = factories.make_competitor(factories.make_unit(), name="李玥珺")
    request = request_certificate(
        "award",
        person.id,
        {
            "body_id": body.id,
            "contest": "2026年绍兴市职业技能竞赛",
            "event": "焊工",
            "group": "职工组",
            "award": "first",
        },
        "test:api",
        now=NOW,
    )
    context = services.IssueContext(
        base_url="https://cert.example.org",
        storage=LocalStorage(tmp_path / "store"),
        processes=0,
        evaluator=services.Evaluator("浙江省技能等级认定指导中心", "S", "0000", "33", "060001"),
    )
    (certificate,) = services.issue_requests([request], context, actor=None, now=NOW)
    found = client.get(f"/api/v1/certificates/{certificate.verify_code}").get_json()
    assert found["valid"] and found["number"] == certificate.number and found["holder"] == "李*珺"
    assert found["id_number"] == mask_id_number(person.id_number) and found["sha256"] == certificate.sha256
    by_number = client.get(
        "/api/v1/certificates", query_string={"number": certificate.number.lower(), "name": "李玥珺"}
    )
    assert by_number.get_json()["number"] == certificate.number
    wrong_name = client.get(
        "/api/v1/certificates", query_string={"number": certificate.number, "name": "李四"}
    )
    _error(wrong_name, 404)
    _error(client.get("/api/v1/certificates/forged"), 404)
    vias = db.session.execute(sa.select(CertificateLookup.via, CertificateLookup.found)).all()
    assert sorted(vias) == [("code", False), ("code", True), ("number", False), ("number", True)]


# ---- document and reference page -------------------------------------------------------------------


def test_the_openapi_document_and_the_reference_page(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)  # a valid OpenAPI 3 document, not only one schemathesis accepts
    assert (
        spec["openapi"].startswith("3.")
        and spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    )
    operations = {(m, p) for p, item in spec["paths"].items() for m in item if m != "parameters"}
    assert ("post", "/api/v1/events/{event_id}/registrations") in operations
    assert ("post", "/api/v1/events/{event_id}/theory-scores") in operations
    assert len(operations) == 11
    page = client.get("/api/v1/docs")
    text = page.get_data(as_text=True)
    assert (
        page.status_code == 200
        and "/api/v1/events/{event_id}/theory-scores" in text
        and "RegistrationRow" in text
    )
    assert "cdn" not in text.lower() and "<script" not in text
