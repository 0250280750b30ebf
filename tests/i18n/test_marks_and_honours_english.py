"""Mark-value refusals (MARKS.csv and STANDINGS.csv problems, the marking autosave), honour nominations'
eligibility problems and the exam aspect's default name are shown in English in English mode, and stay
Chinese by default.

Data put into the messages is ASCII, so any Chinese left in an English message is interface text that
was not marked (an f-string, a Chinese separator, stored Chinese text shown as it is).
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from flask_babel import force_locale

from competition.accounts.models import Role
from competition.domain import SkillLevel
from competition.errors import DomainError
from competition.extensions import db
from competition.i18n import error_text
from competition.promotion import services as promotion_services
from competition.promotion.models import HonourNomination, HonourPeriod
from competition.scoring.files import build_sheets, read_marks_csv, read_standings_csv
from tests import factories
from tests.i18n.test_pages_english import IDEOGRAPH
from tests.promotion.test_workflow import LATER
from tests.rules.test_scoring_standings import SIMPLE


def _english(client) -> None:
    client.post("/auth/language", data={"language": "en"})


def _refusal(call) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value


def _in_english(app, error: DomainError) -> str:
    with app.test_request_context("/"), force_locale("en"):
        return error_text(error)


# ---- 1. MARKS.csv and STANDINGS.csv problems ---------------------------------------------------------


MARKS_CASES = [
    # (file text, the Chinese message as before, words of the English message)
    ("entry,value,colour\nA,1,red\n", "MARKS.csv 第 1 行：未知的列：colour（可用：", "Unknown column"),
    (
        "entry,value,kind\nA,1,banana\n",
        "MARKS.csv 第 2 行“kind”列：未知的记录类型“banana”，可选：mark、time",
        "banana",
    ),
    ("entry,value,kind\nA,1,mark\n", "MARKS.csv 第 2 行“aspect”列：“mark”记录须填写 aspect", "aspect"),
    ("entry,value,kind,part\nA,-5,time,practical\n", "MARKS.csv 第 2 行“value”列：用时不能为负：-5", "-5"),
    ("entry,value,kind\nA,x,lot\n", "MARKS.csv 第 2 行“value”列：抽签号须为正整数：“x”", "x"),
    ("entry,value\n,1\n", "MARKS.csv 第 2 行“entry”列：缺少参赛号", "line 2"),
]


@pytest.mark.parametrize(("text", "chinese", "words"), MARKS_CASES)
def test_marks_file_problems_read_in_english(app, text, chinese, words):
    refused = _refusal(lambda: read_marks_csv(text))
    assert refused.message.startswith(chinese)
    shown = _in_english(app, refused)
    assert words in shown and "MARKS.csv" in shown
    assert not IDEOGRAPH.search(shown), shown


def test_a_value_the_scheme_refuses_reads_in_english(app):
    rows = read_marks_csv("entry,aspect,value\nA,A,2\n")
    refused = _refusal(lambda: build_sheets(rows, SIMPLE))
    assert refused.message == "MARKS.csv 第 2 行“judge”列：评价类评分项须填写裁判"
    shown = _in_english(app, refused)
    assert "line 2" in shown and not IDEOGRAPH.search(shown), shown


def test_standings_file_problems_read_in_english(app):
    from competition.scoring.files import STANDINGS_COLUMNS

    header = ",".join(STANDINGS_COLUMNS)
    refused = _refusal(lambda: read_standings_csv(f"{header}\nE,A,sideways,1,0,1,90,90.00,,90,,1,,\n"))
    assert (
        refused.message
        == "STANDINGS.csv 第 2 行“status”列：须为 ranked、not_ranked、disqualified 之一：“sideways”"
    )
    shown = _in_english(app, refused)
    assert "ranked, not_ranked, disqualified" in shown and "sideways" in shown
    assert not IDEOGRAPH.search(shown), shown


# ---- 1. the marking autosave and grid ----------------------------------------------------------------


def _save(client, world, entry, code, value, version=0):
    return client.post(
        f"/judge/marking/events/{world.event.id}/marks",
        json={"registration_id": entry.id, "aspect": code, "value": value, "version": version},
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_autosave_refuses_a_value_in_the_judges_language(client, auth, session, language):
    world = factories.make_marking_world()
    auth.login(world.judges[1].username)
    if language == "en":
        _english(client)
    entry = world.entries[1]
    out_of_range = _save(client, world, entry, "P1.1", "7")
    not_a_number = _save(client, world, entry, "P1.1", "abc")
    assert out_of_range.status_code == not_a_number.status_code == 422
    too_high, wrong = out_of_range.get_json()["error"], not_a_number.get_json()["error"]
    assert too_high.startswith("P1.1 ") and wrong.startswith("P1.1 ")
    if language == "zh":
        assert too_high.endswith("：裁判评分须在 0–3 之间：7") and wrong.endswith("：不是数字：“abc”")
        return
    # the aspect's name is the organizer's text (Chinese in the factory's scheme): the rest is English
    assert too_high.endswith(": The judge's score must be between 0 and 3: 7"), too_high
    assert wrong.endswith(': Not a number: "abc"'), wrong
    for text in (too_high, wrong):
        assert "成绩" not in text and "须" not in text and "数字" not in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_stale_autosave_is_explained_in_the_judges_language(client, auth, session, language):
    world = factories.make_marking_world()
    world.judges[1].display_name = "Judge Two"  # data, so that only interface text can be Chinese
    db.session.flush()
    auth.login(world.judges[1].username)
    if language == "en":
        _english(client)
    entry = world.entries[1]
    assert _save(client, world, entry, "P1.1", "2").status_code == 200
    stale = _save(client, world, entry, "P1.1", "1", version=0)
    assert stale.status_code == 409
    error = stale.get_json()["error"]
    if language == "zh":
        assert error.startswith("这项成绩已被修改（Judge Two，") and "现为“2”。您输入的值没有保存" in error
        return
    assert error.startswith("This mark was changed (Judge Two, ") and 'is now "2"' in error, error
    assert not IDEOGRAPH.search(error), error


def test_a_refused_submission_lists_the_missing_marks_in_english(app, session):
    from competition.domain import PartKind
    from competition.marking import services as marking_services

    world = factories.make_marking_world()
    refused = _refusal(
        lambda: marking_services.submit_part(
            world.event, PartKind.PRACTICAL, world.judges[1], now=factories.NOW
        )
    )
    assert refused.message.startswith("还有成绩未录入，不能提交：A") and "号 P1.1、" in refused.message
    shown = _in_english(app, refused)
    assert (
        shown.startswith("Some marks have not been entered") and "No. A0" in shown and " P1.1, No. " in shown
    )
    assert not IDEOGRAPH.search(shown), shown


# ---- 2. honour nominations' eligibility problems ---------------------------------------------------------


def _ineligible_nomination():
    body = factories.make_body()
    organizer = factories.make_user(Role.ORGANIZER, body=body, username="honours-org")
    unit = factories.make_unit("Works No. 1")
    factories.make_user(Role.UNIT_CONTACT, username="unit-a", unit=unit)
    person = factories.make_competitor(unit, name="Wang Jianguo")  # born 1990, senior worker
    programme = promotion_services.create_programme(
        body.id,
        title="Young Craftsman",
        issuing_body="City Government",
        period=HonourPeriod.YEARLY,
        quota=1,
        age_max=35,
        min_level=SkillLevel.TECHNICIAN,
        required_titles=["Craftsman A", "Craftsman B"],
        description="Yearly.",
        actor=organizer,
        now=LATER,
    )
    batch = promotion_services.open_batch(programme, 2026, date(2026, 6, 30), actor=organizer, now=LATER)
    nomination = promotion_services.nominate_by_unit(
        batch,
        person,
        unit_id=unit.id,
        material="Trained 12 apprentices.",
        achievements=[],
        attachment=None,
        attachment_name=None,
        actor=organizer,
        now=LATER,
    )
    db.session.flush()
    return organizer, batch, nomination


def _problems(page: str) -> list[str]:
    lists = re.findall(r'<ul class="problems">(.*?)</ul>', page, re.S)
    return [
        html.unescape(item.strip()) for block in lists for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def test_a_nominations_problems_are_stored_with_their_marked_form(session):
    _organizer, _batch, nomination = _ineligible_nomination()
    db.session.expire(nomination)
    stored = db.session.get(HonourNomination, nomination.id)
    assert stored.eligibility_problems == [
        "年龄：2026-06-30 时 36 岁，超过上限 35 岁",
        "等级：现为 三级/高级工，须 二级/技师 及以上",
        "须已获得以下称号之一：Craftsman A、Craftsman B",
    ]
    assert stored.eligibility_details is not None and len(stored.eligibility_details) == 3
    assert [str(p) for p in stored.shown_problems] == stored.eligibility_problems


@pytest.mark.parametrize("language", ["zh", "en"])
def test_nomination_problems_read_in_the_readers_language(client, auth, session, language):
    organizer, batch, nomination = _ineligible_nomination()
    pages = []
    auth.login(organizer.username)
    if language == "en":
        _english(client)
    pages.append(client.get(f"/manage/honours/batches/{batch.id}").get_data(as_text=True))
    auth.logout()
    auth.login("unit-a")
    if language == "en":
        _english(client)
    pages.append(client.get("/unit/honours/").get_data(as_text=True))
    for page in pages:
        problems = _problems(page)
        if language == "zh":
            assert problems == nomination.eligibility_problems
            continue
        assert problems == [
            "Age: 36 on 2026-06-30, above the limit of 35",
            "Level: currently Level 3 / Senior worker, Level 2 / Technician or above required",
            "Must already hold one of these titles: Craftsman A, Craftsman B",
        ], problems


def test_selecting_an_ineligible_nomination_is_refused_in_english(app, session):
    organizer, _batch, nomination = _ineligible_nomination()
    refused = _refusal(
        lambda: promotion_services.review_nomination(nomination, True, None, actor=organizer, now=LATER)
    )
    assert refused.message.startswith("不符合评选条件：年龄：2026-06-30 时 36 岁")
    shown = _in_english(app, refused)
    assert "Age: 36 on 2026-06-30" in shown and "; Level:" in shown
    assert not IDEOGRAPH.search(shown), shown


# ---- 3. the exam aspect's default name, and the grid's hints ---------------------------------------------


def test_the_exam_aspects_default_name_is_shown_translated_and_stored_in_chinese(client, auth, session):
    from competition.errors import Msg
    from competition.marking import schemes
    from competition.marking import services as marking_services
    from tests.i18n.test_pages_english import _ascii_scheme_workbook

    world = factories.make_marking_world()
    fitted = marking_services.import_scheme(
        world.event, _ascii_scheme_workbook(), "scheme.xlsx", actor=world.organizer, now=factories.NOW
    )
    assert not fitted.problems, fitted.problems
    schemes._CACHE.clear()  # read back from the stored workbook, as another process would
    loaded = marking_services.loaded_scheme(world.event)
    exam = schemes.exam_aspect(loaded.scheme)
    assert (
        exam is not None and type(exam.name) is Msg and exam.name == "理论考试成绩（百分制，由考试系统导入）"
    )
    assert all(type(a.name) is str for _, a in loaded.scheme.aspects() if a is not exam)  # organizer's text
    auth.login(world.organizer.username)
    url = f"/manage/events/{world.event.id}/scheme"
    assert "理论考试成绩（百分制，由考试系统导入）" in client.get(url).get_data(as_text=True)
    _english(client)
    page = client.get(url).get_data(as_text=True)
    assert "Theory exam score (out of 100, imported from the exam system)" in page
    assert "理论考试成绩" not in page


def test_an_organizers_own_theory_aspect_name_stays_as_written():
    from decimal import Decimal

    from competition.domain import PartKind
    from competition.errors import Msg
    from competition.marking import schemes
    from competition.scoring.aspects import Aspect, AutomatedTest
    from competition.scoring.scheme import MarkingScheme, Part

    own = MarkingScheme(
        "Scheme",
        (
            Part(
                PartKind.THEORY, Decimal(100), (Aspect("TH", "笔试（机考）", Decimal(100), AutomatedTest()),)
            ),
        ),
    )
    assert schemes._marked_exam_name(own) is own
    default = MarkingScheme(
        "Scheme",
        (
            Part(
                PartKind.THEORY,
                Decimal(100),
                (Aspect("TH", str(schemes.EXAM_NAME), Decimal(100), AutomatedTest()),),
            ),
        ),
    )
    marked = schemes._marked_exam_name(default)
    assert type(schemes.exam_aspect(marked).name) is Msg and marked.parts[0].weight == Decimal(100)


def test_the_grids_hints_read_in_english(app):
    from decimal import Decimal

    from competition.i18n import translate
    from competition.marking.schemes import input_spec
    from competition.scoring.aspects import Aspect, AutomatedTest
    from competition.scoring.deductions import DeductionRule, Deductions

    aspects = [
        Aspect("A1", "x", Decimal(5), AutomatedTest()),
        Aspect(
            "A2",
            "x",
            Decimal(5),
            Deductions((DeductionRule("Q1", "a", Decimal(1)), DeductionRule("Q2", "b", Decimal(2)))),
        ),
    ]
    with app.test_request_context("/"), force_locale("en"):
        hints = [str(translate(input_spec(a).hint)) for a in aspects]
    assert hints == ["passed/total, e.g. 17/20", "Deductions, e.g. Q1=2; 0 for none (rules: Q1, Q2)"]


def test_award_sizes_the_policy_refuses_are_explained_in_english(app, session):
    # the check borrows the scoring CLI's option parser, whose errors keep their marked message
    from competition.marking import results
    from competition.marking.models import AwardPolicyKind

    world = factories.make_marking_world()
    refused = _refusal(
        lambda: results.set_policy(
            world.event,
            AwardPolicyKind.PERCENT,
            ["50", "40", "30"],
            24,
            None,
            actor=world.organizer,
            now=factories.NOW,
        )
    )
    assert refused.message == "奖项设置无效：--award-percent 合计不能超过 100"
    assert _in_english(app, refused) == "Invalid award settings: --award-percent must not total more than 100"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_published_award_policy_and_not_ranked_note_read_in_the_readers_language(
    client, session, language
):
    from competition.marking import results
    from competition.workdays import TableCalendar
    from tests.scoring.test_results_publication import signed_off

    world = factories.make_marking_world()
    world.entries[5].not_ranked_for_awards = True
    signed_off(world, scores={"A01": 95, "A02": 90, "A03": 85, "A04": 60, "A05": 70, "A06": 99})
    publication = results.publish(
        world.event,
        actor=world.organizer,
        now=factories.NOW,
        working_days=5,
        calendar=TableCalendar(frozenset(), frozenset(), 2026, 2026),
    )
    db.session.commit()
    assert publication.award_policy_text == "一等奖 1 名、二等奖 2 名、三等奖 3 名"
    assert publication.award_policy_data is not None
    if language == "en":
        _english(client)
    page = client.get(f"/events/{world.event.id}/results").get_data(as_text=True)
    label = "Award method" if language == "en" else "评奖办法"
    shown = re.search(rf"<dt>{label}</dt><dd>([^<]*)</dd>", page)
    assert shown is not None, page
    shown = html.unescape(shown.group(1))
    notes = re.findall(r'<small class="muted">([^<]*)</small>', page)
    if language == "zh":
        assert shown == "一等奖 1 名、二等奖 2 名、三等奖 3 名"
        assert notes == ["不参与评奖"]
    else:
        assert shown == "1 first, 2 second and 3 third prizes"
        assert notes == ["Not competing for awards"]  # stored as 不参与评奖, the platform's own reason
