"""Registration lists as xlsx: the full list for the venue, and the judges' copy (numbers and
stations only — no names or units, so marking stays blind)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from competition.contests.models import Event
from competition.registration.models import Registration
from competition.registration.review import RegistrationStatus

FULL_HEADERS = (
    "参赛号",
    "工位号",
    "姓名",
    "性别",
    "证件类型",
    "证件号码",
    "出生日期",
    "手机号码",
    "单位",
    "团队",
    "报名渠道",
    "审核状态",
    "原因",
    "不参与奖项排名",
    "资格检查",
)
JUDGES_HEADERS = ("参赛号", "工位号")


def registration_list_xlsx(event: Event, rows: Sequence[Registration], *, judges_copy: bool) -> bytes:
    """One sheet for ``event``: every entry (full list) or the approved entries' numbers and stations
    ordered by station (judges' copy). Returns the workbook's bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "裁判用名单" if judges_copy else "报名名单"
    title = f"{event.contest.name} · {event.title}"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = JUDGES_HEADERS if judges_copy else FULL_HEADERS
    sheet.append(list(headers))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    if judges_copy:
        drawn = [r for r in rows if r.status is RegistrationStatus.APPROVED and r.competitor_number]
        for registration in sorted(drawn, key=lambda r: r.station or 0):
            sheet.append([registration.competitor_number, registration.station])
    else:
        for registration in rows:
            for member in registration.members:
                person = member.competitor
                sheet.append(
                    [
                        registration.competitor_number or "",
                        registration.station or "",
                        person.name,
                        person.gender.label,
                        person.id_type.label,
                        person.id_number,
                        person.birth_date,
                        person.phone or "",
                        registration.unit.name if registration.unit else "",
                        registration.team_name or "",
                        registration.channel.label,
                        registration.status.label,
                        registration.status_reason or "",
                        "是" if registration.not_ranked_for_awards else "",
                        "；".join(registration.eligibility_problems) or "符合",
                    ]
                )
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
    if not judges_copy:
        sheet.column_dimensions["F"].width = 22
        sheet.column_dimensions["I"].width = 28
        for (cell,) in sheet.iter_rows(min_row=3, min_col=6, max_col=6):
            cell.number_format = "@"
        for (cell,) in sheet.iter_rows(min_row=3, min_col=7, max_col=7):
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
