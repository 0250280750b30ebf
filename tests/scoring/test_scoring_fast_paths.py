"""The fast paths of the scoring core give exactly what the plain paths give.

* :func:`score_sheets` (one memo of aspect marks per event) equals :func:`score_sheet` sheet by sheet,
  explanation lines included;
* explanations are written only when read (:class:`Lines`, :class:`LazyTuple`) and then say what they
  said before, with the values of the moment they were made;
* :func:`sheets_from_marks` (stored marks as plain facts) checks and builds what :func:`build_sheets`
  builds from the same rows, and refuses what it refuses.
"""

from __future__ import annotations

import pickle
from decimal import Decimal as D
from fractions import Fraction as F

import pytest

from competition.errors import DomainError
from competition.scoring.aspects import Scores
from competition.scoring.explain import LazyTuple, Lines, later
from competition.scoring.files import build_sheets, marks_rows, sheets_from_marks
from competition.scoring.marks import Sheet, score_sheet, score_sheets
from competition.scoring.rounding import exact, fmt

from .helpers import rich_scheme
from .test_files import rich_sheets


def _explained(node) -> list:
    """Everything a result shows, walked: marks, statuses and every line of every node."""
    out = [getattr(node, "code", None), getattr(node, "mark", None), tuple(node.lines)]
    for child in getattr(node, "children", ()):
        out.append(_explained(child))
    return out


def _shown(result) -> list:
    return [
        result.entry,
        result.status,
        result.total,
        tuple(result.lines),
        result.missing,
        result.divergent,
        [
            (
                p.kind,
                p.raw,
                p.score,
                p.weighted,
                p.passed,
                tuple(p.lines),
                [_explained(c) for c in p.children],
            )
            for p in result.parts
        ],
    ]


def _many_sheets() -> list[Sheet]:
    # the scheme trims the highest and lowest score: give 答辩 (R1) a third judge so every sheet scores
    sheets = [
        Sheet(
            s.entry,
            {**s.observations, "R1": Scores({"J1": D(80), "J2": D(85), "J3": D(90)})}
            if "R1" in s.observations
            else s.observations,
            s.vetoes,
            s.minutes,
            s.absent,
            s.members,
        )
        for s in rich_sheets()
    ]
    # the same observations again under other entries: the memo must give each its own result
    for index, sheet in enumerate(list(sheets)):
        sheets.append(Sheet(f"X{index}", sheet.observations, sheet.vetoes, sheet.minutes, sheet.absent))
    return sheets


def test_score_sheets_equals_score_sheet_one_by_one_lines_included():
    scheme, _, _ = rich_scheme()
    sheets = _many_sheets()
    batch = score_sheets(scheme, sheets)
    one_by_one = [score_sheet(scheme, sheet) for sheet in sheets]
    assert [_shown(r) for r in batch] == [_shown(r) for r in one_by_one]
    assert batch[0].parts[1].children == one_by_one[0].parts[1].children  # lazy tree == built tree


def test_lines_are_written_once_when_read_with_the_values_of_their_time():
    calls = []

    def write(value: F) -> str:
        calls.append(value)
        return f"得 {fmt(value)} 分"

    value = F(2, 3)
    lines = Lines(("第一行", later(write, value)))
    value = F(1)  # a later change of the variable is not seen
    assert calls == []
    assert lines == ("第一行", "得 ≈0.67 分")
    assert lines[-1] == "得 ≈0.67 分" and len(lines) == 2 and "第一行" in lines
    assert calls == [F(2, 3)]
    assert lines + ("末行",) == ("第一行", "得 ≈0.67 分", "末行")  # noqa: RUF005 (the + under test)
    assert ("首行",) + lines == ("首行", "第一行", "得 ≈0.67 分")  # noqa: RUF005
    assert pickle.loads(pickle.dumps(lines)) == lines
    assert hash(lines) == hash(("第一行", "得 ≈0.67 分"))
    lazy = LazyTuple(lambda: (1, 2))
    assert lazy == (1, 2) and list(lazy) == [1, 2] and lazy[1] == 2
    assert pickle.loads(pickle.dumps(lazy)) == (1, 2)


def test_exact_and_fmt_caches_keep_values_exact():
    assert exact(D("2.0")) == exact(D(2)) == F(2)
    assert exact(D("0.1")) == F(1, 10)
    third = F(1, 3)
    assert exact(third) is third
    assert fmt(D("2.50")) == fmt(F(5, 2)) == "2.5"
    assert fmt(F(2, 3)) == "≈0.67" and fmt(F(2, 3), 4) == "≈0.6667"
    with pytest.raises(DomainError):
        exact(D("NaN"))


def _facts(rows) -> list[tuple[str, str, str, str, str]]:
    return [(r.entry, r.aspect, r.judge, r.value, r.rule) for r in rows if r.kind == "mark"]


def test_sheets_from_marks_builds_what_build_sheets_builds():
    scheme, _, _ = rich_scheme()
    plain = tuple(
        Sheet(s.entry, s.observations) for s in rich_sheets()
    )  # marks only: times, vetoes, absences are not stored marks
    rows = marks_rows(scheme, plain)
    expected = build_sheets(rows, scheme).sheets
    got = sheets_from_marks([s.entry for s in plain], _facts(rows), scheme)
    assert got == expected
    # an entry without marks still gets its sheet; facts of unknown entries are left out
    got = sheets_from_marks(["W01", "EMPTY"], _facts(rows), scheme)
    assert [s.entry for s in got] == ["W01", "EMPTY"] and got[1].observations == {}


@pytest.mark.parametrize(
    ("fact", "message"),
    [
        (("W01", "P1.A.1", "J1", "4", ""), "裁判评分须在 0–3 之间"),
        (("W01", "NOPE", "", "1", ""), "评分标准中没有评分项 NOPE"),
        (("W01", "P1.A.1", "", "2", ""), "评价类评分项须填写裁判"),
        (("W01", "P1.3", "", "Ⅸ级", ""), "不在本项等级"),
        (("W01", "P1.A.2", "", "1", "D9"), "没有扣分规则 D9"),
    ],
)
def test_sheets_from_marks_refuses_what_build_sheets_refuses(fact, message):
    scheme, _, _ = rich_scheme()
    with pytest.raises(DomainError, match=message):
        sheets_from_marks(["W01"], [fact], scheme)


def test_sheets_from_marks_refuses_a_mark_recorded_twice():
    scheme, _, _ = rich_scheme()
    fact = ("W01", "P1.A.1", "J1", "2", "")
    with pytest.raises(DomainError, match="重复记录"):
        sheets_from_marks(["W01"], [fact, fact], scheme)
