"""Notes and explanations the platform stores in Chinese — the mark-history note of a theory import, the
audited reason of a part reopened by an upheld appeal, and the published standings' rank, award and
disqualification lines — are shown in English in English mode, while the stored Chinese text (read by
the PDFs and xlsx exports) stays as it was written.

Data put into the messages is ASCII, so any Chinese left in an English line is interface text that was
not marked.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from competition.domain import PartKind
from competition.extensions import db
from competition.i18n import translate
from competition.marking import results, services
from competition.marking.models import MarkHistory, MarkSource, PublishedStanding, Ruling
from competition.workdays import TableCalendar
from tests import factories
from tests.i18n.test_pages_english import IDEOGRAPH
from tests.rules.test_scoring_standings import welding_standings
from tests.scoring.test_marking_services import import_theory
from tests.scoring.test_results_publication import signed_off

CALENDAR = TableCalendar(frozenset(), frozenset(), 2026, 2026)
SCORES = {"A01": 95, "A02": 90, "A03": 85, "A04": 60, "A05": 70, "A06": 99}


def _english(client) -> None:
    client.post("/auth/language", data={"language": "en"})


def _import_notes() -> list[MarkHistory]:
    return list(
        db.session.execute(
            sa.select(MarkHistory).where(MarkHistory.source == MarkSource.IMPORT).order_by(MarkHistory.id)
        ).scalars()
    )


# ---- 1. the mark-history note of a theory score imported from the exam system ------------------------


def test_the_import_note_is_stored_in_chinese_with_its_marked_form(session):
    world = factories.make_marking_world()
    import_theory(world)
    notes = _import_notes()
    assert len(notes) == len(world.entries)
    assert {n.reason for n in notes} == {"考试系统导入：exam.csv"}  # as before: the PDFs and exports read it
    assert all(n.reason_data is not None for n in notes)
    assert {n.shown_reason for n in notes} == {"考试系统导入：exam.csv"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_marks_history_shows_the_import_note_in_the_readers_language(client, auth, session, language):
    world = factories.make_marking_world()
    import_theory(world)
    db.session.commit()
    auth.login(world.chief.username)
    if language == "en":
        _english(client)
    entry = world.entries[0]
    page = client.get(f"/judge/chief/events/{world.event.id}/entries/{entry.id}").get_data(as_text=True)
    if language == "en":
        assert "Imported from the exam system: exam.csv" in page
        assert "考试系统导入" not in page
    else:
        assert "考试系统导入：exam.csv" in page


def test_a_note_stored_before_it_had_a_marked_form_stays_as_written(session):
    world = factories.make_marking_world()
    import_theory(world)
    note = _import_notes()[0]
    note.reason_data = None  # a row written before reason_data existed
    assert note.shown_reason == "考试系统导入：exam.csv"
    assert type(note.shown_reason) is str


# ---- 2. the audited reason of a part reopened by an upheld appeal -----------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_upheld_appeal_reopens_the_part_with_a_translatable_reason(client, auth, session, language):
    from competition.audit.models import AuditEntry
    from competition.audit.services import verify_chain

    world = factories.make_marking_world()
    signed_off(world)
    results.publish(world.event, actor=world.organizer, now=factories.NOW, working_days=5, calendar=CALENDAR)
    deadline = results.appeal_deadline(world.event)
    appeal = results.record_appeal(
        world.event, world.entries[1], "Li", "safety mark", deadline, actor=world.organizer, now=factories.NOW
    )
    later = deadline + timedelta(days=1)
    results.rule_appeal(
        appeal, Ruling.UPHELD, "P2.1 again", PartKind.PRACTICAL, actor=world.organizer, now=later
    )
    db.session.commit()
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "marks.unlock_part").order_by(AuditEntry.id.desc())
    ).scalar()
    assert entry.summary.endswith("的成绩：申诉成立：P2.1 again")  # the Chinese sentence, as before
    assert entry.after == {"reason": "申诉成立：P2.1 again"}
    assert verify_chain() == []
    auth.login(world.organizer.username)
    if language == "en":
        _english(client)
    page = html.unescape(client.get(f"/manage/contests/{world.contest.id}/audit").get_data(as_text=True))
    # the summary cells (the before/after columns show the recorded data as stored)
    summaries = [c for c in re.findall(r"<td>([^<]*)</td>", page) if "P2.1 again" in c]
    assert len(summaries) == 1, summaries
    if language == "en":
        assert summaries[0].endswith(": Appeal upheld: P2.1 again"), summaries
        assert "申诉成立" not in summaries[0] and summaries[0].startswith("Unlocked the "), summaries
    else:
        assert summaries[0].endswith("的成绩：申诉成立：P2.1 again"), summaries


def test_a_reason_typed_to_unlock_a_part_is_still_stripped_and_required(session):
    from competition.errors import DomainError

    world = factories.make_marking_world()
    signed_off(world)
    with pytest.raises(DomainError, match="解锁须填写原因"):
        services.unlock_part(world.event, PartKind.PRACTICAL, "   ", actor=world.chief, now=factories.NOW)
    services.unlock_part(world.event, PartKind.PRACTICAL, "  typo  ", actor=world.chief, now=factories.NOW)
    from competition.audit.models import AuditEntry

    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "marks.unlock_part").order_by(AuditEntry.id.desc())
    ).scalar()
    assert entry.after == {"reason": "typo"}


# ---- 3. rank, award, not-ranked and disqualification lines -------------------------------------------


def _publish(world) -> None:
    world.entries[5].not_ranked_for_awards = True
    signed_off(world, scores=SCORES)
    results.publish(world.event, actor=world.organizer, now=factories.NOW, working_days=5, calendar=CALENDAR)
    db.session.commit()


def _published() -> list[PublishedStanding]:
    return list(
        db.session.execute(sa.select(PublishedStanding).order_by(PublishedStanding.position)).scalars()
    )


def test_published_reasons_stay_chinese_and_keep_their_marked_form(session):
    world = factories.make_marking_world()
    _publish(world)
    rows = _published()
    first = rows[0]
    assert first.reasons[0].startswith("总分 ") and first.reasons[0].endswith("第1名")
    assert first.reasons[1].startswith("一等奖：第1名，在一等奖名额线")
    assert all(IDEOGRAPH.search(r) for row in rows for r in row.reasons)
    assert all(row.reasons_data is not None and len(row.reasons_data) == len(row.reasons) for row in rows)
    assert [str(r) for row in rows for r in row.shown_reasons] == [r for row in rows for r in row.reasons]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_organizers_results_page_explains_ranks_and_awards_in_the_readers_language(
    client, auth, session, language
):
    world = factories.make_marking_world()
    _publish(world)
    auth.login(world.organizer.username)
    if language == "en":
        _english(client)
    page = html.unescape(client.get(f"/manage/events/{world.event.id}/results").get_data(as_text=True))
    table = re.search(r'<table id="standings">.*?</table>', page, re.S)
    assert table is not None, page
    cells = re.findall(r"<td>([^<]*)</td></tr>", table.group(0))
    assert cells, table.group(0)
    if language == "en":
        assert any(c.startswith("Total ") and ", rank 1" in c for c in cells), cells
        assert any(": Rank 1, within the " in c and " quota (top 1)" in c for c in cells), cells
        for cell in cells:
            assert not IDEOGRAPH.search(cell), cell
    else:
        assert any("一等奖：第1名，在一等奖名额线" in c for c in cells), cells


def test_tie_break_award_not_ranked_and_disqualification_lines_read_in_english(app):
    standings = {s.entry: s for s in welding_standings()}
    # stored and exported as before, in Chinese
    assert standings["06"].reasons[0].endswith("第4名（总分相同，按“用时较短”排序）")
    assert standings["T1"].reasons == ("往届市技术能手：列出成绩，不参与排名和评奖，名次由后续选手递补",)
    assert standings["09"].reasons[:2] == (
        "取消比赛成绩，不参与排名和评奖",
        "否决项“发生安全事故”：取消比赛成绩",
    )
    with app.test_request_context("/"), force_locale("en"):
        shown = {entry: [str(translate(r)) for r in s.reasons] for entry, s in standings.items()}
    assert shown["06"][0].endswith(", rank 4 (same total, ordered by “Shorter time”)"), shown["06"]
    assert shown["04"][0].startswith("Total ") and "joint rank 6 with 05" in shown["04"][0], shown["04"]
    assert "straddles the" in shown["05"][-1], shown["05"]
    assert shown["08"][-1] == "Rank 8, outside the award quota"
    # the organizer's own words (a not-ranked reason, a veto's description) stay as typed
    assert shown["T1"][0].startswith("往届市技术能手: score listed, not ranked")
    assert shown["09"][:2] == [
        "Result cancelled; not ranked and not considered for awards",
        "Veto item “发生安全事故”: " + shown["09"][1].split(": ", 1)[1],
    ]
    assert not IDEOGRAPH.search(shown["09"][1].split(": ", 1)[1])
    for entry in ("01", "02", "03", "04", "05", "06", "07", "08"):
        for line in shown[entry]:
            assert not IDEOGRAPH.search(line), line


# ---- 4. the scoring command's --help -----------------------------------------------------------------


def _help(*args: str) -> str:
    from click.testing import CliRunner
    from flask import Flask

    from competition.scoring.cli import scoring_cli

    app = Flask(__name__)
    app.cli.add_command(scoring_cli)
    result = CliRunner().invoke(app.cli, ["scoring", "standings", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "args", [("--lang", "en", "--help"), ("--help", "--lang=en"), ("--help", "--lang", "en")]
)
def test_the_scoring_commands_help_is_english_under_lang_en(args):
    shown = _help(*args)
    assert "Compute the standings from the marking scheme and the marks file" in shown
    assert "Marks file MARKS.csv (UTF-8, comma-separated)" in shown
    assert not IDEOGRAPH.search(shown), shown


def test_the_scoring_commands_help_stays_chinese_by_default():
    shown = _help("--help")
    assert "由评分标准和成绩文件计算成绩排名，打印排名表并写出 STANDINGS.csv。" in shown
    assert "成绩文件 MARKS.csv（UTF-8，逗号分隔）" in shown
    assert "Compute the standings" not in shown


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_disqualification_note_on_the_public_results_reads_in_the_readers_language(
    client, session, language
):
    from competition.errors import N_, fmt, to_data
    from competition.portal.services import forget_publication_cache

    world = factories.make_marking_world()
    _publish(world)
    row = _published()[-1]  # the disqualification as the core words it (the platform records none by itself)
    reasons = [
        N_("取消比赛成绩，不参与排名和评奖"),
        fmt(N_("%(part)s超过时限：取消比赛成绩"), part=PartKind.PRACTICAL.label),
    ]
    row.status, row.rank, row.award, row.not_ranked_reason = "disqualified", None, None, None
    row.reasons, row.reasons_data = [str(r) for r in reasons], [to_data(r) for r in reasons]
    db.session.commit()
    forget_publication_cache()
    if language == "en":
        _english(client)
    page = html.unescape(client.get(f"/events/{world.event.id}/results").get_data(as_text=True))
    notes = re.findall(r'<small class="muted">([^<]*)</small>', page)
    if language == "zh":
        assert "取消比赛成绩，不参与排名和评奖；技能操作超过时限：取消比赛成绩" in notes
    else:
        assert (
            "Result cancelled; not ranked and not considered for awards; "
            "Practical task over the time limit: result cancelled"
        ) in notes, notes
        assert not any(IDEOGRAPH.search(n) for n in notes), notes
