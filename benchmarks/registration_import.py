"""Batch registration import: :func:`parse_workbook` on a 5,000-row upload against openpyxl alone.

Baseline, in the same run: openpyxl's read-only load of the same file and an iteration over every row
(``values_only``), which is the least any import of the file must do. Ours adds the container checks,
the XML scan for merged cells and formulas, and every row check. ratio = baseline ÷ ours (higher is
better); target 0.33, i.e. the whole import stays under 3× the bare read. Peak memory of one import is
measured separately with :mod:`tracemalloc` (it slows the code it traces).

Run: ``.venv/bin/python -m benchmarks.registration_import``
"""

from __future__ import annotations

import io
import time
import tracemalloc
from datetime import date, timedelta

from openpyxl import load_workbook

from competition.domain import Gender
from competition.registration.idnumbers import make_resident_id
from competition.registration.workbook import COLUMNS, DATA_SHEET, build_template, parse_workbook

ROWS = 5000
REPEATS = 7
TARGET = 0.33
TODAY = date(2025, 10, 26)
EVENTS = ["数控车工 职工组", "电工 职工组", "焊工 学生组", "机器人系统集成 职工组"]
TEAM_SIZES = {"机器人系统集成 职工组": 2}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"
LEVELS = [None, "五级/初级工", "四级/中级工", "三级/高级工", "二级/技师"]


def make_workbook(rows: int = ROWS) -> bytes:
    """The template filled with ``rows`` valid competitors, as Excel would save it."""
    workbook = load_workbook(io.BytesIO(build_template(event_titles=EVENTS, unit_name="南通某机床厂")))
    sheet = workbook[DATA_SHEET]
    index = {column.key: number for number, column in enumerate(COLUMNS, start=1)}
    for n in range(rows):
        gender = Gender.MALE if n % 3 else Gender.FEMALE
        birth = date(1965, 1, 1) + timedelta(days=n * 2)
        event = EVENTS[3] if n >= rows - 200 else EVENTS[n % 3]
        level = LEVELS[n % len(LEVELS)]
        values = {
            "event_title": event,
            "name": SURNAMES[n % 20] + GIVEN[n // 20 % len(GIVEN)] + GIVEN[n // 500 % len(GIVEN)],
            "gender": gender.label,
            "id_type": "居民身份证",
            "id_number": make_resident_id("320602", birth, n % 500, gender),
            "birth_date": birth if n % 2 else birth.strftime("%Y/%m/%d"),
            "phone": f"138{n:08d}",
            "email": f"u{n}@example.cn",
            "status": "学生" if event.endswith("学生组") else "职工",
            "education": "本科",
            "current_level": level,
            "certificate_number": f"Y000132000001{5 - n % 4}5{n:06d}" if level else None,
            "certified_on": birth + timedelta(days=365 * 20) if level else None,
            "years_in_occupation": n % 30,
            "household_region": "320602",
            "social_insurance_region": "320611",
            "titles": "南通市技术能手" if n % 50 == 0 else None,
            "team_name": f"第{(n - (rows - 200)) // 2 + 1}队" if event == EVENTS[3] else None,
        }
        row = 2 + n
        for key, value in values.items():
            if value is not None:
                sheet.cell(row=row, column=index[key]).value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baseline(data: bytes) -> int:
    """openpyxl alone: read-only load, iterate every row's values."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        count = 0
        for _ in workbook[DATA_SHEET].iter_rows(values_only=True):
            count += 1
        return count
    finally:
        workbook.close()


def ours(data: bytes) -> int:
    report = parse_workbook(data, today=TODAY, event_titles=EVENTS, team_sizes=TEAM_SIZES)
    if report.file_error or report.problems or len(report.ok_rows) != ROWS:
        raise SystemExit(
            f"benchmark workbook did not import cleanly: {report.file_error or report.problems[:3]}"
        )
    return len(report.ok_rows)


def timed(data: bytes) -> tuple[float, float]:
    """Best wall time of :data:`REPEATS` runs of the baseline and of ours, interleaved so that load from
    other processes hits both alike; seconds."""
    base, mine = [], []
    for _ in range(REPEATS):
        for function, times in ((baseline, base), (ours, mine)):
            started = time.perf_counter()
            function(data)
            times.append(time.perf_counter() - started)
    return min(base), min(mine)


def main() -> None:
    data = make_workbook()
    print(f"workbook: {ROWS} rows, {len(data) / 1024:.0f} KB")
    ours(data)  # warm-up and correctness check
    baseline(data)
    baseline_seconds, seconds = timed(data)
    tracemalloc.start()
    ours(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ratio = baseline_seconds / seconds
    print(f"openpyxl read-only load + iterate: {baseline_seconds:.3f} s; parse_workbook: {seconds:.3f} s")
    print(
        f"RESULT registration_import ratio={ratio:.2f} target={TARGET:.2f} rows={ROWS} "
        f"seconds={seconds:.3f} baseline_seconds={baseline_seconds:.3f} peak_mb={peak / 2**20:.1f}"
    )


if __name__ == "__main__":
    main()
