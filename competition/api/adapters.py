"""Translations between the API's JSON and the inputs and outputs of the existing services, so the API
reuses their checks instead of repeating them: JSON rows become the batch registration workbook the unit
import reads, JSON scores become the exam export the theory import reads, and the re-derivation's
MARKS.csv becomes JSON rows with pseudonymous judges. No Flask, no database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from competition.domain import Gender, SkillLevel
from competition.registration.idnumbers import normalize_id_text
from competition.registration.workbook import COLUMNS, DATA_SHEET

#: Row ``i`` of a request's ``entries`` is this Excel row of the generated workbook (row 1 is the header).
FIRST_DATA_ROW = 2
_KEY_OF_HEADER = {column.header: column.key for column in COLUMNS}


def registration_workbook(event_title: str, rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The batch registration workbook (批量报名表, .xlsx bytes) holding ``rows`` for the event titled
    ``event_title``, so they take exactly the checks of :func:`competition.registration.imports.import_workbook`.

    ``rows`` are validated API entries: keys as :data:`competition.registration.workbook.COLUMNS`
    (``name``, ``id_number``, ``phone``, ``status`` …); ``gender`` and ``current_level`` as enum values,
    dates as :class:`datetime.date`, ``titles`` a list. Every cell is written as text, as a person types it.
    """
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    sheet.append([column.header for column in COLUMNS])
    for row in rows:
        values = dict(row, event_title=event_title)
        if "gender" in values:
            values["gender"] = Gender(values["gender"]).label
        if "current_level" in values:
            values["current_level"] = SkillLevel(values["current_level"]).certificate_label
        if "titles" in values:
            values["titles"] = "、".join(values["titles"])
        cells: list[str | None] = []
        for column in COLUMNS:
            value = values.get(column.key)
            if value is None:
                cells.append(None)
            elif hasattr(value, "isoformat"):
                cells.append(value.isoformat())
            else:
                cells.append(str(value))
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_field(header: str) -> str:
    """The API field named by a workbook problem's column header (``证件号码`` → ``id_number``); the event
    column (the request's path) → ``event_id``; an unknown header → ``""``."""
    key = _KEY_OF_HEADER.get(header, "")
    return "event_id" if key == "event_title" else key


def normal_id(text: str) -> str:
    """An ID number as profiles store it (ASCII, upper case, no spaces)."""
    return normalize_id_text(text)


def theory_csv(scores: Iterable[Mapping[str, Any]]) -> bytes:
    """The exam export (UTF-8 CSV with 参赛号 and 成绩 columns) of ``scores`` (``number``, ``score`` as a
    :class:`~decimal.Decimal` out of 100), for :func:`competition.marking.imports.import_theory`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["参赛号", "成绩"])
    for row in scores:
        writer.writerow([row["number"], format(Decimal(row["score"]), "f")])
    return buffer.getvalue().encode("utf-8")


def pseudonymous_marks(marks_csv: str) -> list[dict[str, str]]:
    """MARKS.csv text (the re-derivation file) as rows ``{entry, part, aspect, judge, value, kind, rule}``
    with each judge's code replaced by ``J1``, ``J2`` … (numbered in the order of the codes), so the
    marks can be re-derived but who gave which mark stays hidden, as blind marking requires. Marks with
    no judge (imported, objective) keep ``judge`` empty."""
    rows = list(csv.DictReader(io.StringIO(marks_csv.lstrip("\ufeff"))))
    judges = sorted({r.get("judge") or "" for r in rows} - {""})
    pseudonym = {code: f"J{i}" for i, code in enumerate(judges, start=1)}
    keys = ("entry", "part", "aspect", "value", "kind", "rule")
    return [
        {**{k: r.get(k) or "" for k in keys}, "judge": pseudonym.get(r.get("judge") or "", "")} for r in rows
    ]
