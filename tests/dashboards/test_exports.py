"""Filing exports of a contest: the 人社 xlsx (cells read back with openpyxl), full ID numbers only for
organizers and audited, and the public notice PDF (text read with pypdf, pages rendered with pdftoppm)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from pypdf import PdfReader

from competition.audit.models import AuditEntry
from competition.extensions import db
from competition.privacy import mask_id_number, mask_name
from competition.promotion.models import PromotionNotice
from tests import factories
from tests.dashboards.conftest import YearWorld, decide
from tests.pdf.conftest import png_pages


@pytest.fixture
def published(year_world: YearWorld) -> YearWorld:
    """The city's final contest with standings of people 0–2 published (1st, 2nd, 3rd), a promotion
    notice, and a noticed (not yet confirmed) title for person 2."""
    event = year_world.final_event
    for i, registration in enumerate(
        r
        for r in db.session.query(factories.Registration).filter_by(event_id=event.id)
        if r.members[0].active
    ):
        registration.competitor_number = f"A{i + 1:02d}"
    db.session.flush()
    factories.publish_results(event, year_world.people[:3], publisher=year_world.city_organizer)
    notice = PromotionNotice(
        contest_id=event.contest_id,
        sequence=1,
        published_at=factories.NOW,
        first_day=date(2026, 3, 3),
        last_day=date(2026, 3, 9),
        working_days=5,
    )
    db.session.add(notice)
    db.session.flush()
    from competition.promotion.models import ReviewState
    from competition.promotion.rules import DecisionKind

    decide(
        event,
        year_world.people[2],
        kind=DecisionKind.TITLE,
        title="绍兴市青年岗位能手",
        state=ReviewState.PROPOSED,
        notice_id=notice.id,
    )
    return year_world


def _xlsx(client, world, kind, full=False):
    url = f"/manage/dashboard/contests/{world.final_contest.id}/{kind}.xlsx" + ("?ids=full" if full else "")
    return client.get(url)


def _rows(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_standings_workbook_layout_and_full_ids(client, auth, published):
    auth.login("city-organizer")
    response = _xlsx(client, published, "standings", full=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    book = load_workbook(io.BytesIO(response.data))
    (sheet,) = book.worksheets
    assert sheet.title == published.final_event.title
    rows = _rows(sheet)
    assert rows[0][0] == f"{published.final_contest.name}成绩排名表"
    assert "A1:K1" in {str(r) for r in sheet.merged_cells.ranges}
    assert rows[1][0].startswith(f"主办单位：{published.city.name}")
    assert (
        "赛项：焊工 职工组（6-18-02-04）" in rows[2][0]
        and "成绩公示期：2026-03-02 至 2026-03-10" in rows[2][0]
    )
    assert rows[3] == [
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
    ]
    people = published.people
    first, second, third = rows[4], rows[5], rows[6]
    assert first[:9] == [
        1,
        people[0].name,
        "男",
        people[0].id_number,
        people[0].unit.name,
        "焊工",
        95,
        "1",
        "一等奖",
    ]
    assert first[9] == "二级/技师"
    assert "天津市人社局 2024-10-25" in first[10]
    assert second[9] == "二级/技师" and "组织方调整：组织方复核" in second[10]  # adjusted 高级工 → 技师
    assert third[1] == people[2].name and third[9] is None  # only a title for person 2: no level
    assert sheet.cell(5, 4).number_format == "@"
    assert rows[8][0] == "共 3 人。"
    assert rows[9][0] == "主办单位（盖章）："
    assert rows[11][0].startswith("报送日期：")
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.orientation == "landscape"
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "filing.standings.export")
    ).scalar_one()
    assert "含完整证件号码" in entry.summary and entry.contest_id == published.final_contest.id


def test_promotions_workbook_lists_only_people_with_a_decision(client, auth, published):
    auth.login("city-organizer")
    book = load_workbook(io.BytesIO(_xlsx(client, published, "promotions").data))
    rows = _rows(book.worksheets[0])
    assert rows[0][0].endswith("职业技能等级晋升及荣誉称号人员名单")
    assert rows[3][9:] == ["晋升等级", "荣誉称号", "依据", "状态"]
    people = published.people
    body = rows[4:7]
    assert [r[1] for r in body] == [people[0].name, people[1].name, people[2].name]
    assert body[0][9:11] == ["二级/技师", "绍兴市技术能手"]
    assert body[0][12] == "已确认"
    assert body[2][9:11] == [None, "绍兴市青年岗位能手"] and body[2][12] == "公示中"
    # masked without ?ids=full, and nothing audited
    assert body[0][3] == mask_id_number(people[0].id_number) and "*" in body[0][3]
    assert not db.session.execute(sa.select(AuditEntry).where(AuditEntry.action.like("filing.%"))).first()


def test_full_ids_only_for_organizers_and_only_of_their_contests(client, auth, published):
    auth.login("admin")
    assert _xlsx(client, published, "standings", full=True).status_code == 403
    masked = load_workbook(io.BytesIO(_xlsx(client, published, "standings").data)).worksheets[0]
    assert masked.cell(5, 4).value == mask_id_number(published.people[0].id_number)
    auth.logout()
    auth.login("other-organizer")
    assert _xlsx(client, published, "standings", full=True).status_code == 404
    assert _xlsx(client, published, "standings").status_code == 404
    auth.logout()
    auth.login("district-organizer")  # the body below may not read the city's contest
    assert _xlsx(client, published, "promotions").status_code == 404


def test_unknown_export_kind_is_404(client, auth, published):
    auth.login("city-organizer")
    assert _xlsx(client, published, "marks").status_code == 404


def test_contest_without_published_results_gets_an_empty_sheet(client, auth, year_world):
    auth.login("city-organizer")
    book = load_workbook(io.BytesIO(_xlsx(client, year_world, "standings").data))
    rows = _rows(book.worksheets[0])
    assert rows[4][0] == "（无）"


def _notice_url(world, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/manage/dashboard/contests/{world.final_contest.id}/notice.pdf?{query}"


def test_notice_pdf(client, auth, published, tmp_path: Path):
    auth.login("city-organizer")
    response = client.get(
        _notice_url(
            published, department="绍兴市人社局职业能力建设处", phone="0575-85123456", signed_on="2026-03-02"
        )
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert f"关于{published.final_contest.name}成绩及拟晋升职业技能等级" in text
    assert "公示期：2026年3月2日至2026年3月10日" in text
    assert "请以书面形式向绍兴市人社局职业能力建设处反映，联系电话：0575-85123456" in text
    assert "晋升与称号公示期2026-03-03至2026-03-09" in text
    people = published.people
    assert mask_name(people[0].name) in text
    for person in people[:3]:
        assert person.name not in text and person.id_number not in text
    assert "一等奖" in text and "晋升二级/技师" in text and "绍兴市青年岗位能手" in text
    assert "95.00" in text  # scores with two places, as published
    assert published.city.name in text and "2026年3月2日" in text
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.data)
    pages = png_pages(path, dpi=40)
    assert len(pages) == len(reader.pages) >= 1
    assert all(p.stat().st_size > 1000 for p in pages)


def test_notice_pdf_needs_the_contact(client, auth, published):
    auth.login("city-organizer")
    response = client.get(_notice_url(published, department="处", phone="", signed_on="2026-03-02"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contests/{published.final_contest.id}/filing")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "请填写异议受理部门、联系电话和落款日期。" in page


def test_notice_pdf_without_results_is_refused(client, auth, year_world):
    auth.login("city-organizer")
    response = client.get(_notice_url(year_world, department="处", phone="1", signed_on="2026-03-02"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "还没有发布公示的成绩" in page


def test_filing_page(client, auth, published):
    auth.login("city-organizer")
    page = client.get(f"/manage/dashboard/contests/{published.final_contest.id}/filing").get_data(
        as_text=True
    )
    assert "下载报备版（完整身份证号）" in page
    assert f'value="{published.city.name}"' in page  # the department defaults to the organizing body
    auth.logout()
    auth.login("admin")
    page = client.get(f"/manage/dashboard/contests/{published.final_contest.id}/filing").get_data(
        as_text=True
    )
    assert "下载报备版" not in page and "下载脱敏版" in page
