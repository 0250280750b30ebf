"""Filing documents of a contest: standings and promotion decisions as xlsx in the layout the 人社
department files (a title row, the organizing body, contest and event, 序号/姓名/性别/身份证号/工作单位/
职业（工种）/成绩/名次/奖项/晋升等级/依据, and signature and date lines), and the plain values of the
public notice (公示) PDF.

:func:`filing_sheets` and :func:`notice_of` read the database into plain dataclasses; :func:`filing_xlsx`
writes a workbook from them only. ID numbers are masked unless the caller asks for full ones (an
organizer's audited export, see the view).
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from competition.contests.models import Contest, Event
from competition.extensions import db
from competition.marking.models import Publication, PublishedStanding
from competition.privacy import mask_id_number, mask_name
from competition.promotion.models import PromotionDecision, PromotionNotice, ReviewState
from competition.promotion.rules import DecisionKind
from competition.registration.models import Registration


class FilingKind:
    """The two filing workbooks."""

    STANDINGS = "standings"
    PROMOTIONS = "promotions"


STANDINGS_HEADERS = (
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "工作单位",
    "职业（工种）",
    "成绩",
    "名次",
    "奖项",
    "晋升等级",
    "依据",
)
PROMOTIONS_HEADERS = (
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "工作单位",
    "职业（工种）",
    "成绩",
    "名次",
    "奖项",
    "晋升等级",
    "荣誉称号",
    "依据",
    "状态",
)
_WIDTHS = {
    "序号": 6,
    "姓名": 10,
    "性别": 6,
    "身份证号": 22,
    "工作单位": 28,
    "职业（工种）": 18,
    "成绩": 9,
    "名次": 7,
    "奖项": 9,
    "晋升等级": 14,
    "荣誉称号": 16,
    "依据": 40,
    "状态": 9,
}
FOOTER_LINES = (
    "主办单位（盖章）：",
    "负责人（签字）：                    填表人：                    联系电话：",
    "报送日期：        年    月    日",
)


@dataclass(frozen=True)
class FilingRow:
    """One person on a filing sheet (a team's members share the team's rank and award)."""

    name: str
    gender: str
    id_number: str
    unit: str
    occupation: str
    score: Decimal | None
    rank: str
    award: str
    level: str = ""
    title: str = ""
    basis: str = ""
    state: str = ""


@dataclass(frozen=True)
class FilingSheet:
    """One event's sheet: its title, occupation code, notice period text and rows in order."""

    event_title: str
    occupation_code: str
    notice_text: str
    rows: tuple[FilingRow, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Filing:
    """A whole workbook: what it is, the contest and its organizing body, and one sheet per event."""

    kind: str
    contest_name: str
    body_name: str
    tier: str
    dates: str
    sheets: tuple[FilingSheet, ...]
    full_ids: bool


def _publication(event: Event) -> Publication | None:
    return db.session.execute(
        sa.select(Publication)
        .where(Publication.event_id == event.id, Publication.superseded_at.is_(None))
        .order_by(Publication.sequence.desc())
        .limit(1)
    ).scalar()


def _dates(contest: Contest) -> str:
    if contest.ends_on != contest.starts_on:
        return f"{contest.starts_on.isoformat()} 至 {contest.ends_on.isoformat()}"
    return contest.starts_on.isoformat()


def _decisions(contest: Contest) -> dict[tuple[int, int], list[PromotionDecision]]:
    """Decisions published for notice or confirmed, by (event id, competitor id)."""
    found: dict[tuple[int, int], list[PromotionDecision]] = defaultdict(list)
    for decision in db.session.execute(
        sa.select(PromotionDecision)
        .where(
            PromotionDecision.contest_id == contest.id,
            PromotionDecision.kind.in_((DecisionKind.PROMOTION, DecisionKind.TITLE)),
            PromotionDecision.notice_id.is_not(None) | (PromotionDecision.state == ReviewState.CONFIRMED),
            PromotionDecision.state.in_((ReviewState.PROPOSED, ReviewState.CONFIRMED)),
        )
        .order_by(PromotionDecision.id)
    ).scalars():
        found[(decision.event_id, decision.competitor_id)].append(decision)
    return found


def _basis(decision: PromotionDecision) -> str:
    parts = [p for p in (decision.rule_name, decision.rule_source) if p]
    text = "；".join(parts)
    if decision.adjusted_level is not None and decision.review_reason:
        text += f"；组织方调整：{decision.review_reason}"
    return text


def _state(decision: PromotionDecision) -> str:
    return "已确认" if decision.state is ReviewState.CONFIRMED else "公示中"


def _occupation(event: Event) -> str:
    return event.occupation_name + (f"（{event.work_type}）" if event.work_type else "")


def _rank(standing: PublishedStanding) -> str:
    if standing.rank is None:
        return standing.not_ranked_reason or "不排名"
    return f"{standing.rank}（并列）" if standing.joint else str(standing.rank)


def filing_sheets(contest: Contest, kind: str, *, full_ids: bool) -> Filing:
    """The contest's filing workbook content: for ``STANDINGS`` every person in each event's current
    published standings with their confirmed or noticed promotion; for ``PROMOTIONS`` only the people
    with a promotion or title noticed or confirmed. Events without published standings are left out.
    ID numbers are masked (``3201**********1234``) unless ``full_ids``.
    """
    decisions = _decisions(contest)
    sheets = []
    for event in contest.events:
        publication = _publication(event)
        if publication is None:
            continue
        standings = list(
            db.session.execute(
                sa.select(PublishedStanding)
                .where(PublishedStanding.publication_id == publication.id)
                .order_by(PublishedStanding.position)
                .options(
                    sa.orm.selectinload(PublishedStanding.registration).selectinload(Registration.members)
                )
            ).scalars()
        )
        rows = []
        for standing in standings:
            registration = standing.registration
            for member in registration.members:
                if not member.active:
                    continue
                person = member.competitor
                found = decisions.get((event.id, person.id), [])
                promotions = [d for d in found if d.kind is DecisionKind.PROMOTION]
                titles = [d for d in found if d.kind is DecisionKind.TITLE]
                if kind == FilingKind.PROMOTIONS and not found:
                    continue
                level = "；".join(
                    d.effective_level.certificate_label for d in promotions if d.effective_level is not None
                )
                rows.append(
                    FilingRow(
                        name=person.name,
                        gender=person.gender.label,
                        id_number=person.id_number if full_ids else mask_id_number(person.id_number),
                        unit=registration.unit.name if registration.unit else "",
                        occupation=_occupation(event),
                        score=standing.display_total,
                        rank=_rank(standing),
                        award=standing.award.label if standing.award else "",
                        level=level,
                        title="；".join(d.title for d in titles if d.title),
                        basis="；".join(_basis(d) for d in found),
                        state="；".join(dict.fromkeys(_state(d) for d in found)),
                    )
                )
        if kind == FilingKind.PROMOTIONS and not rows:
            continue
        notice = f"成绩公示期：{publication.notice_first_day.isoformat()} 至 {publication.notice_last_day.isoformat()}"
        sheets.append(FilingSheet(event.title, event.occupation_code or "", notice, tuple(rows)))
    return Filing(
        kind=kind,
        contest_name=contest.name,
        body_name=contest.body.name,
        tier=contest.tier.label,
        dates=_dates(contest),
        sheets=tuple(sheets),
        full_ids=full_ids,
    )


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "赛项"
    name, n = base, 2
    while name in used:
        name = f"{base[:26]}-{n}"
        n += 1
    used.add(name)
    return name


def filing_xlsx(filing: Filing) -> bytes:
    """The workbook's bytes: one sheet per event (an empty contest gets one sheet saying so), A4
    landscape, header row repeated on every printed page, ID numbers stored as text."""
    book = Workbook()
    book.remove(book.active)
    headers = STANDINGS_HEADERS if filing.kind == FilingKind.STANDINGS else PROMOTIONS_HEADERS
    heading = "成绩排名表" if filing.kind == FilingKind.STANDINGS else "职业技能等级晋升及荣誉称号人员名单"
    used: set[str] = set()
    sheets = filing.sheets or (FilingSheet("无已公示成绩", "", "", ()),)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last_col = get_column_letter(len(headers))
    for data in sheets:
        sheet = book.create_sheet(_sheet_name(data.event_title, used))
        sheet.append([f"{filing.contest_name}{heading}"])
        sheet.merge_cells(f"A1:{last_col}1")
        sheet["A1"].font = Font(bold=True, size=16)
        sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[1].height = 30
        sheet.append([f"主办单位：{filing.body_name}　　竞赛级别：{filing.tier}　　比赛日期：{filing.dates}"])
        sheet.merge_cells(f"A2:{last_col}2")
        code = f"（{data.occupation_code}）" if data.occupation_code else ""
        sheet.append([f"竞赛：{filing.contest_name}　　赛项：{data.event_title}{code}　　{data.notice_text}"])
        sheet.merge_cells(f"A3:{last_col}3")
        sheet.append(list(headers))
        for cell in sheet[4]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        for serial, row in enumerate(data.rows, start=1):
            values = [
                serial,
                row.name,
                row.gender,
                row.id_number,
                row.unit,
                row.occupation,
                None if row.score is None else float(row.score),
                row.rank,
                row.award,
                row.level,
            ]
            if filing.kind == FilingKind.PROMOTIONS:
                values += [row.title, row.basis, row.state]
            else:
                values += [row.basis]
            sheet.append(values)
            for cell in sheet[sheet.max_row]:
                cell.border = border
                cell.alignment = Alignment(vertical="center", wrap_text=True)
            sheet.cell(sheet.max_row, 4).number_format = "@"
            sheet.cell(sheet.max_row, 7).number_format = "0.00"
        if not data.rows:
            sheet.append(["（无）"])
        sheet.append([])
        sheet.append([f"共 {len(data.rows)} 人。"])
        for line in FOOTER_LINES:
            sheet.append([line])
            sheet.row_dimensions[sheet.max_row].height = 24
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[header]
        sheet.freeze_panes = "A5"
        sheet.print_title_rows = "4:4"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---- the public notice (公示) -------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLine:
    """A line of the notice: masked name, unit, score, rank, award, and (promotions) what is granted."""

    name: str
    unit: str
    score: Decimal | None
    rank: str
    award: str
    result: str = ""
    basis: str = ""


@dataclass(frozen=True)
class NoticeEvent:
    """One event's part of the notice: its results and its promotions and titles."""

    title: str
    notice_first_day: date
    notice_last_day: date
    results: tuple[NoticeLine, ...]
    promotions: tuple[NoticeLine, ...]


@dataclass(frozen=True)
class Notice:
    """The public notice of a contest's results and promotions; names are masked (DOMAIN.md §6).
    ``first_day``/``last_day`` cover every event's results notice and the promotion notices."""

    contest_name: str
    body_name: str
    co_organizers: tuple[str, ...]
    first_day: date | None
    last_day: date | None
    events: tuple[NoticeEvent, ...]
    promotion_periods: tuple[tuple[date, date], ...]


def notice_of(contest: Contest) -> Notice:
    """The notice's plain values from the current publications and the noticed or confirmed decisions.
    Events without published results are left out."""
    decisions = _decisions(contest)
    events = []
    for event in contest.events:
        publication = _publication(event)
        if publication is None:
            continue
        results, promotions = [], []
        for standing in publication.standings:
            registration = standing.registration
            members = [m for m in registration.members if m.active]
            names = "、".join(mask_name(m.competitor.name) for m in members)
            if registration.team_name:
                names = f"{registration.team_name}（{names}）"
            unit = registration.unit.name if registration.unit else ""
            # two places as published (SQLite drops trailing zeros of stored decimals)
            score = (
                None if standing.display_total is None else standing.display_total.quantize(Decimal("0.01"))
            )
            line = NoticeLine(
                names,
                unit,
                score,
                _rank(standing),
                standing.award.label if standing.award else "",
            )
            results.append(line)
            for member in members:
                for decision in decisions.get((event.id, member.competitor_id), []):
                    promotions.append(
                        NoticeLine(
                            mask_name(member.competitor.name),
                            unit,
                            score,
                            line.rank,
                            line.award,
                            decision.result_text,
                            _basis(decision),
                        )
                    )
        events.append(
            NoticeEvent(
                event.title,
                publication.notice_first_day,
                publication.notice_last_day,
                tuple(results),
                tuple(promotions),
            )
        )
    periods = tuple(
        (n.first_day, n.last_day)
        for n in db.session.execute(
            sa.select(PromotionNotice)
            .where(PromotionNotice.contest_id == contest.id)
            .order_by(PromotionNotice.sequence)
        ).scalars()
    )
    days = [d for e in events for d in (e.notice_first_day, e.notice_last_day)]
    days += [d for period in periods for d in period]
    return Notice(
        contest_name=contest.name,
        body_name=contest.body.name,
        co_organizers=tuple(b.name for b in contest.co_organizers),
        first_day=min(days) if days else None,
        last_day=max(days) if days else None,
        events=tuple(events),
        promotion_periods=periods,
    )
