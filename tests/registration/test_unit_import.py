"""A unit contact downloads the template, fills it and uploads it: all or nothing, or the valid rows
only; every rejected row is listed with its reason."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from competition.audit.models import AuditEntry
from competition.contests.lifecycle import ContestStatus
from competition.domain import Gender
from competition.extensions import db
from competition.registration.idnumbers import make_resident_id
from competition.registration.models import Registration, RegistrationChannel


@pytest.fixture
def open_world(world):
    world.contest.status = ContestStatus.REGISTRATION_OPEN
    db.session.flush()
    return world


def filled(template: bytes, rows: list[dict]) -> bytes:
    book = load_workbook(io.BytesIO(template))
    sheet = book["报名表"]
    headers = [cell.value for cell in sheet[1]]
    for index, row in enumerate(rows, start=2):
        for column, header in enumerate(headers, start=1):
            key = next((k for k in row if header and header.startswith(k)), None)
            if key is not None:
                sheet.cell(row=index, column=column, value=row[key])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def person(n: int, **changes) -> dict:
    row = {
        "赛项": "焊工 职工组",
        "姓名": "王" + "一二三四五六七八九"[n - 1] + "工",
        "性别": "男",
        "证件类型": "居民身份证",
        "证件号码": make_resident_id("330602", date(1988, 1, n), n, Gender.MALE),
        "手机号码": f"139{n:08d}",
        "身份": "职工",
        "本职业": 6,
    }
    row.update(changes)
    return row


def upload(client, contest_id: int, data: bytes, *, valid_only: bool = False):
    form = {"workbook": (io.BytesIO(data), "报名表.xlsx")}
    if valid_only:
        form["valid_only"] = "y"
    return client.post(f"/unit/contests/{contest_id}/import", data=form, content_type="multipart/form-data")


def unit_entries(world) -> list[Registration]:
    return (
        db.session.execute(sa.select(Registration).where(Registration.channel == RegistrationChannel.UNIT))
        .scalars()
        .all()
    )


def test_template_lists_the_contests_events(client, auth, open_world):
    auth.login("unit-contact")
    response = client.get(f"/unit/contests/{open_world.contest.id}/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["报名表"]
    assert sheet["A1"].value == "赛项" and sheet["E1"].value == "证件号码"


def test_all_or_nothing_then_valid_rows_only(client, auth, open_world):
    auth.login("unit-contact")
    template = client.get(f"/unit/contests/{open_world.contest.id}/template.xlsx").data
    bad_id = person(3)["证件号码"][:-1] + ("0" if person(3)["证件号码"][-1] != "0" else "1")
    data = filled(template, [person(1), person(2), person(3, 证件号码=bad_id), person(4, 赛项="电工 职工组")])
    page = upload(client, open_world.contest.id, data).get_data(as_text=True)
    assert "有 2 行未通过检查，本次没有导入任何数据" in page
    assert "校验" in page and "电工 职工组" in page
    assert unit_entries(open_world) == []

    page = upload(client, open_world.contest.id, data, valid_only=True).get_data(as_text=True)
    assert "已导入 2 行" in page
    names = sorted(r.display_name for r in unit_entries(open_world))
    assert names == ["王一工", "王二工"]
    assert all(r.unit_id == open_world.unit.id for r in unit_entries(open_world))
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.import")
    ).scalar_one()
    assert entry.after == {"registered": 2, "rejected": [4, 5]}

    # uploading the same people again: each is refused as already registered, nothing is doubled
    page = upload(client, open_world.contest.id, filled(template, [person(1)])).get_data(as_text=True)
    assert "同一人在一个赛项只能有一个报名" in page
    assert len(unit_entries(open_world)) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "文件已损坏"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "另存为"),
        ("姓名,证件号码\n张三,1\n".encode(), "不是"),
    ],
)
def test_unreadable_files_get_one_clear_message(client, auth, open_world, data, message):
    auth.login("unit-contact")
    page = upload(client, open_world.contest.id, data).get_data(as_text=True)
    assert message in page
    assert unit_entries(open_world) == []


def test_only_xlsx_files_are_accepted(client, auth, open_world):
    auth.login("unit-contact")
    form = {"workbook": (io.BytesIO(b"x"), "报名表.xls")}
    page = client.post(
        f"/unit/contests/{open_world.contest.id}/import", data=form, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "只接受 .xlsx 文件" in page


def test_closed_registration_refuses_every_row(client, auth, world):
    world.contest.status = ContestStatus.REGISTRATION_CLOSED
    auth.login("unit-contact")
    template = client.get(f"/unit/contests/{world.contest.id}/template.xlsx").data
    page = upload(client, world.contest.id, filled(template, [person(1)])).get_data(as_text=True)
    assert "不接受单位报名" in page
