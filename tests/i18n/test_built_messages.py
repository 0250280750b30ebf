"""Messages built from parts (reasons joined into one refusal, import problems, job progress and
failures, eligibility reasons and audit summaries stored in the database) are shown in English in
English mode, and stay Chinese by default.

Each test names the data it puts into the message and checks that nothing else Chinese is left, so
an unmarked part (an f-string, a Chinese separator, a stored Chinese text shown as it is) fails it.
"""

from __future__ import annotations

import html
import io
import re
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from competition.audit.models import AuditEntry
from competition.audit.services import record
from competition.contests.lifecycle import ContestStatus
from competition.domain import Gender
from competition.errors import N_, DomainError, Msg, Text, fmt, from_data, joined, to_data
from competition.extensions import db
from competition.jobs import queue
from competition.registration import services as registration_services
from competition.registration.idnumbers import make_resident_id
from competition.registration.models import Registration, RegistrationChannel
from tests import factories
from tests.i18n.test_pages_english import IDEOGRAPH, chinese_in
from tests.registration.test_unit_import import filled, person, upload


def _flashes(page: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", m))
        for m in re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.S)
    ]


def _english(client) -> None:
    client.post("/auth/language", data={"language": "en"})


# ---- stored form of a marked message ----------------------------------------------------------------


def test_a_marked_message_survives_storage_as_data():
    message = fmt(
        N_("%(part)s不能签字确认：%(reasons)s。"),
        part=N_("技能操作"),
        reasons=joined([fmt(N_("还有 %(n)d 项成绩未录入"), n=3), N_("有重新评分的要求尚未完成")], "；"),
    )
    stored = to_data(message)
    assert stored["t"] == "%(part)s不能签字确认：%(reasons)s。" and stored["p"]["reasons"]["s"] == "；"
    back = from_data(stored)
    assert type(back) is Text and str(back) == str(message)
    assert str(back) == "技能操作不能签字确认：还有 3 项成绩未录入；有重新评分的要求尚未完成。"
    assert type(back.params["part"]) is Msg and back.params["reasons"].items[1] == "有重新评分的要求尚未完成"
    assert to_data("plain text") == "plain text" and from_data("plain text") == "plain text"
    with pytest.raises(Exception, match="separator"):
        joined(["a", "b"], " / ")


# ---- 1. the chief judge's sign-off refusal -------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_refused_sign_off_lists_its_reasons_in_the_readers_language(client, auth, session, language):
    marking = factories.make_marking_world()
    for n, judge in enumerate(marking.judges, start=1):
        judge.display_name = f"Judge {n}"  # data, so that only interface text can be Chinese
    db.session.flush()
    auth.login(marking.chief.username)
    if language == "en":
        _english(client)
    page = client.post(
        f"/judge/chief/events/{marking.event.id}/practical/sign-off", follow_redirects=True
    ).get_data(as_text=True)
    (refusal,) = [text for text in _flashes(page) if "Judge 1" in text]
    if language == "zh":
        assert (
            refusal.startswith("技能操作不能签字确认：还有 ")
            and "尚未提交评分的裁判：Judge 1、Judge 2" in refusal
        )
        return
    assert refusal.startswith("Practical task cannot be signed off: ")
    assert "marks are not yet entered; Judges who have not submitted their marks: Judge 1, Judge 2" in refusal
    assert not IDEOGRAPH.search(refusal), refusal


def test_why_results_cannot_be_ranked_reads_in_english(app):
    from flask_babel import force_locale

    from competition.i18n import error_text
    from competition.scoring.marks import Sheet, score_sheet
    from competition.scoring.standings import build_standings
    from tests.rules.test_scoring_standings import SIMPLE, simple

    with pytest.raises(DomainError) as refused:
        build_standings([simple("A", 40), score_sheet(SIMPLE, Sheet("B", {}))])
    assert refused.value.message == "以下成绩不完整，不能排名：B（缺少 A）"
    with app.test_request_context("/"), force_locale("en"):
        assert error_text(refused.value) == "These marks are incomplete and cannot be ranked: B (missing A)"


# ---- 2. the JSON API ----------------------------------------------------------------------------------


def _api_error(response, code: int) -> dict:
    assert response.status_code == code, response.get_data(as_text=True)
    return response.get_json()


def _walk_texts(node) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _walk_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in _walk_texts(value)]
    return [node] if isinstance(node, str) else []


def test_api_errors_follow_accept_language_then_the_token_owners_choice(client, world):
    from tests.api.conftest import bearer, make_token

    url = f"/api/v1/events/{world.event.id}/registrations"
    assert _api_error(client.get(url), 401)["message"].startswith("需要有效的 API 令牌")
    english = _api_error(client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}), 401)
    assert (
        english["message"]
        == "A valid API token is needed: send it in the request header Authorization: Bearer <token>."
    )
    weighted = {"Accept-Language": "fr, zh-CN;q=0.3, en;q=0.8"}  # by quality, languages we speak only
    assert _api_error(client.get(url, headers=weighted), 401)["message"].startswith("A valid API token")
    bad = _api_error(client.get(url, headers={"Authorization": "Bearer nope", "Accept-Language": "en"}), 401)
    assert bad["message"] == "The token is invalid, revoked or expired."
    assert _api_error(client.get("/api/v1/nowhere", headers={"Accept-Language": "en"}), 404)["message"] == (
        "Not found, or you may not see it."
    )

    organizer = bearer(make_token(world.organizer))
    other_event = f"/api/v1/events/{world.other_contest.events[0].id}/registrations"
    assert _api_error(client.get(other_event, headers=organizer), 404)["message"] == "未找到，或您无权查看。"
    world.organizer.locale = "en"  # the account's saved choice applies without a header …
    db.session.flush()
    assert _api_error(client.get(other_event, headers=organizer), 404)["message"] == (
        "Not found, or you may not see it."
    )
    # … and the request's own header wins over it
    chinese = _api_error(client.get(other_event, headers={**organizer, "Accept-Language": "zh-CN"}), 404)
    assert chinese["message"] == "未找到，或您无权查看。"


def test_api_row_problems_and_state_errors_in_english(client, world):
    from tests.api.conftest import bearer, make_token

    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    headers = {**bearer(make_token(world.organizer)), "Accept-Language": "en"}
    entry = {
        "name": "Wang Yi",
        "gender": "male",
        "id_type": "resident_id",
        "id_number": make_resident_id("330602", date(1988, 1, 1), 1, Gender.MALE),
        "phone": "12345",
        "status": "employee",
    }
    url = f"/api/v1/events/{world.event.id}/registrations"
    body = _api_error(
        client.post(url, json={"unit_id": world.unit.id, "entries": [entry]}, headers=headers), 422
    )
    assert body["message"] == "1 rows failed the checks; no entry was written."
    (row,) = body["errors"]["rows"]
    assert row["field"] == "phone" and row["message"].startswith('Mobile number "12345" is not valid')
    assert not [text for text in _walk_texts(body) if IDEOGRAPH.search(text)], body
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    db.session.flush()
    closed = _api_error(
        client.post(url, json={"unit_id": world.unit.id, "entries": [entry]}, headers=headers), 409
    )
    assert closed["message"].endswith("does not accept entries.")


def test_api_theory_scores_problems_in_english(client, session):
    from tests.api.conftest import bearer, make_token

    marking = factories.make_marking_world()
    headers = {**bearer(make_token(marking.organizer)), "Accept-Language": "en"}
    rows = [{"number": "Z99", "score": 50}]
    body = _api_error(
        client.post(
            f"/api/v1/events/{marking.event.id}/theory-scores", json={"scores": rows}, headers=headers
        ),
        422,
    )
    assert body["message"].startswith("The file lacks the scores of these competitor numbers: A01, A02")
    assert body["errors"]["rows"][0]["message"] == "This event has no competitor number Z99"
    out_of_range = _api_error(
        client.post(
            f"/api/v1/events/{marking.event.id}/theory-scores",
            json={"scores": [{"number": "A01", "score": 101}]},
            headers=headers,
        ),
        422,
    )
    assert out_of_range["errors"]["json"]["scores"]["0"]["score"] == ["The score must be between 0 and 100."]


# ---- 3. workbook and exam-file import problems -----------------------------------------------------------


def _reasons(page: str) -> list[str]:
    """The last cell (原因 / Reason) of every row of the import report's table."""
    report = page.split('id="import-report"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", report.split("<tbody>", 1)[1], re.S)
    return [
        html.unescape(re.sub(r"<[^>]+>", "", re.findall(r"<td>(.*?)</td>", row, re.S)[-1])) for row in rows
    ]


def test_registration_workbook_problems_in_english(client, auth, world):
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    auth.login("unit-contact")
    _english(client)
    template = client.get(f"/unit/contests/{world.contest.id}/template.xlsx").data
    bad_id = person(2)["证件号码"][:-1] + ("0" if person(2)["证件号码"][-1] != "0" else "1")
    rows = [
        person(1, 手机号码="12345"),
        person(2, 证件号码=bad_id),
        person(3, 出生日期="2025年13月40日"),
        person(4, 赛项="Not an event"),
        person(5, 性别="X"),
    ]
    page = upload(client, world.contest.id, filled(template, rows)).get_data(as_text=True)
    reasons = _reasons(page)
    assert len(reasons) >= 5, reasons
    assert any(r.startswith('Mobile number "12345" is not valid') for r in reasons), reasons
    assert any(r.startswith('The event "Not an event" is not an event of this contest') for r in reasons)
    assert any(r.startswith('Unrecognised Gender "X"; choose from: 男, 女') for r in reasons), reasons
    # What remains Chinese is what the file itself holds: event titles and the values a cell accepts.
    kept = ("焊工 职工组", "男", "女", "2025年13月40日")
    leftover = [r for r in reasons if IDEOGRAPH.search(re.sub("|".join(kept), "", r))]
    assert not leftover, leftover


def test_a_file_the_registration_import_cannot_read_is_explained_in_english(client, auth, world):
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    auth.login("unit-contact")
    _english(client)
    page = upload(client, world.contest.id, b"%PDF-1.7 not a workbook").get_data(as_text=True)
    assert "This is a PDF file, not a registration workbook" in page
    report = page.split('id="import-report"', 1)[1].split("</section>", 1)[0]
    assert not chinese_in(report), chinese_in(report)


def test_theory_import_problems_in_english(client, auth, session):
    marking = factories.make_marking_world()
    auth.login(marking.organizer.username)
    _english(client)
    page = client.post(
        f"/manage/events/{marking.event.id}/theory",
        data={"file": (io.BytesIO("参赛号,成绩\nA01,abc\nA01,50\nZ9,101\n".encode()), "exam.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    page = html.unescape(page)
    assert 'The score is not a number: "abc"' in page
    assert "Competitor number repeats row 2" in page and "This event has no competitor number Z9" in page
    assert "The file lacks the scores of these competitor numbers: A02, A03" in page
    headed = client.post(
        f"/manage/events/{marking.event.id}/theory",
        data={"file": (io.BytesIO("姓名,分\nA01,50\n".encode()), "exam.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert (
        'Row 1 must have a "参赛号" column (or 准考证号, 考号) and a "成绩" column (or 分数); found: 姓名, 分'
        in html.unescape(headed)
    )


def _problem_cells(page: str) -> list[str]:
    """The 问题 / Problem cell of every row of the scheme page's problem table."""
    table = page.split('id="scheme-problems"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    return [html.unescape(re.findall(r"<td>(.*?)</td>", row, re.S)[-1]) for row in rows]


def test_marking_scheme_import_problems_in_english(client, auth, session):
    from tests.scoring.helpers import mini_cis

    marking = factories.make_marking_world()
    event = factories.make_event(marking.contest, "电工")
    auth.login(marking.organizer.username)
    _english(client)
    url = f"/manage/events/{event.id}/scheme"
    page = client.post(
        url, data={"file": (io.BytesIO(mini_cis(K15="two")), "cis.xlsx")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    problems = _problem_cells(page)
    assert problems and not [p for p in problems if IDEOGRAPH.search(p)], problems
    assert any(p.startswith('"') and "is not a number" in p for p in problems), problems
    not_a_workbook = client.post(
        url,
        data={"file": (io.BytesIO(b"plain text, not a workbook"), "scheme.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert _problem_cells(not_a_workbook) == [
        "Not an Excel workbook (.xlsx): please upload an .xlsx file saved by Excel"
    ]


# ---- 4. background jobs --------------------------------------------------------------------------------


def failing_print(report, output) -> str:
    report(1, 2, N_("正在签发证书"))
    raise DomainError(
        N_(
            "%(cause)s本次已签发并保存 %(done)d 张证书；其余 %(left)d 张没有签发、没有占用证书编号。"
            "请清理或扩充存储空间后重新生成，已签发的不会重复。"
        ),
        cause=fmt(N_("证书存储空间已满（%(root)s），无法写入证书文件。"), root="/srv/store"),
        done=3,
        left=6,
    )


@pytest.fixture
def failing_job(monkeypatch):
    monkeypatch.setitem(queue.TASKS, "failing_print", "tests.i18n.test_built_messages:failing_print")


def test_a_failed_job_and_its_progress_show_in_the_readers_language(app, client, auth, world, failing_job):
    auth.login("organizer")
    owner = f"user:{world.organizer.id}"
    failed = queue.enqueue(app, "failing_print", owner=owner)
    stored = queue.get(app, failed.id, owner=owner)
    assert stored.state == "failed" and stored.error.startswith(
        "证书存储空间已满（/srv/store）"
    )  # logs: Chinese
    chinese = client.get(f"/jobs/{failed.id}").get_data(as_text=True)
    assert "证书存储空间已满（/srv/store），无法写入证书文件。本次已签发并保存 3 张证书" in chinese
    _english(client)
    english = client.get(f"/jobs/{failed.id}").get_data(as_text=True)
    assert (
        "The certificate storage is full (/srv/store); certificate files cannot be written. "
        "This run issued and saved 3 certificates; the other 6 were not issued" in english
    )
    assert not chinese_in(english.split("<main", 1)[1]), chinese_in(english)

    running = queue.JobState(
        id=uuid.uuid4().hex,
        task="certificates",
        owner=owner,
        state="running",
        done=1,
        total=4,
        message="正在签发证书",
        message_data=to_data(N_("正在签发证书")),
    )
    queue.backend(app)._save(running)
    progress = client.get(f"/jobs/{running.id}").get_data(as_text=True)
    assert "Issuing certificates" in progress and "正在签发证书" not in progress


# ---- 6. eligibility reasons and audit summaries stored in the database -----------------------------------


def _too_old_entry(world) -> Registration:
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    world.event.max_age = 30
    world.event.region_prefixes = ["3206"]
    db.session.flush()
    old = factories.make_competitor(world.unit)  # born 1990: over 30 on the reference date
    old.household_region = "330602"  # 绍兴, outside 3206
    old.name = "Zhang Sanfeng"  # data: only interface text may be Chinese
    return registration_services.register(
        world.event, [old], channel=RegistrationChannel.UNIT, actor=None, now=factories.NOW
    )


def test_stored_eligibility_reasons_show_in_english_and_old_rows_in_chinese(client, auth, world):
    entry = _too_old_entry(world)
    assert not entry.eligible and entry.eligibility_problems[0].startswith("年龄：报名参考日 ")
    assert len(entry.eligibility_details) == len(entry.eligibility_problems)
    auth.login("organizer")
    _english(client)
    url = f"/manage/events/{world.event.id}/registrations"
    page = client.get(url).get_data(as_text=True)
    problems = re.findall(r'<ul class="problems">(.*?)</ul>', page, re.S)
    shown = re.findall(r"<li>(.*?)</li>", problems[0], re.S)
    assert shown[0].startswith("Age: Aged ") and "above the maximum of 30" in shown[0], shown
    assert any("outside the regions this event is limited to" in s for s in shown), shown
    assert not [s for s in shown if IDEOGRAPH.search(s)], shown
    refused = client.post(
        f"/manage/registrations/{entry.id}/review", data={"target": "approved"}, follow_redirects=True
    ).get_data(as_text=True)
    (flashed,) = [f for f in _flashes(refused) if "cannot be approved" in f]
    assert "cannot be approved: Age: Aged " in flashed and "; Region: " in flashed, flashed
    assert not IDEOGRAPH.search(flashed), flashed
    # A row assessed before the details were stored: its Chinese text is shown as it is.
    entry.eligibility_details = None
    db.session.flush()
    page = client.get(url).get_data(as_text=True)
    assert entry.eligibility_problems[0] in page


def test_the_audit_log_shows_marked_summaries_translated_and_the_chain_holds(app, client, auth, world):
    from competition.audit.services import verify_chain

    legacy = record(
        "test.legacy",
        actor=None,
        summary="旧的中文摘要",
        now=factories.NOW,
        object_type="contest",
        object_id=world.contest.id,
        contest_id=world.contest.id,
    )
    assert legacy.summary_data is None
    marked = record(
        "test.marked",
        actor=world.organizer,
        now=factories.NOW,
        object_type="contest",
        object_id=world.contest.id,
        contest_id=world.contest.id,
        summary=fmt(N_("新建赛项 %(title)s"), title="Welding"),
    )
    assert marked.summary == "新建赛项 Welding" and marked.summary_data == {
        "t": "新建赛项 %(title)s",
        "p": {"title": "Welding"},
    }
    assert verify_chain() == []
    auth.login("organizer")
    _english(client)
    page = client.get(f"/manage/contests/{world.contest.id}/audit").get_data(as_text=True)
    assert "Created the event Welding" in page and "新建赛项" not in page
    assert "旧的中文摘要" in page  # written before translations were stored: shown as written
    assert ">System<" in page
    # summary_data is covered by the hash: changing it breaks the chain
    db.session.execute(
        sa.update(AuditEntry)
        .where(AuditEntry.id == marked.id)
        .values(summary_data={"t": "删除赛项 %(title)s", "p": {"title": "Welding"}})
    )
    db.session.expire_all()
    assert [p.entry_id for p in verify_chain()] == [marked.id]


def test_stored_data_that_no_longer_fits_its_template_falls_back_to_the_stored_text():
    stale = {"t": "还有 %(n)d 项成绩未录入", "p": {"n": "three"}}  # the parameter's type changed since
    assert from_data(stale, "还有 3 项成绩未录入") == "还有 3 项成绩未录入"
    with pytest.raises(TypeError):
        from_data(stale)
