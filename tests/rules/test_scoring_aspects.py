"""Aspect rules: bands, grades, judgement, automated tests and deductions (扣分制), without an app."""

from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.errors import DomainError
from competition.scoring.aggregate import Aggregation
from competition.scoring.aspects import (
    Aspect,
    AspectKind,
    AutomatedTest,
    Band,
    Check,
    Checked,
    Findings,
    Graded,
    JudgedMark,
    Judgement,
    Measured,
    OrdinalGrades,
    RunResult,
    Scores,
    ToleranceBands,
)
from competition.scoring.deductions import DeductionGroup, DeductionRule, Deductions, StepRounding

MEAN = Aggregation.MEAN

# within tolerance ±0.02 full, within a small allowance ±0.03 full, next band ±0.05 half, beyond zero
DIAMETER = ToleranceBands(
    D("50"),
    (
        Band(D("0.02"), D("0.02"), D(1), "公差内"),
        Band(D("0.03"), D("0.03"), D(1), "允差内"),
        Band(D("0.05"), D("0.05"), D("0.5")),
    ),
    "mm",
)


def mark(rule, maximum, obs, **kw):
    return Aspect("A1", "测试项", D(maximum), rule).evaluate(obs, default=kw.pop("default", MEAN), **kw)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 4),
        ("50.02", 4),
        ("49.98", 4),
        ("50.03", 4),
        ("49.97", 4),
        ("50.04", 2),
        ("49.95", 2),
        ("50.051", 0),
    ],
)
def test_tolerance_bands(value, expected):
    got = mark(DIAMETER, 4, Measured(D(value)))
    assert got.mark == expected
    assert got.lines and "实测" in got.lines[0]


def test_tolerance_bands_must_widen_and_not_pay_more_further_out():
    with pytest.raises(DomainError, match="由窄到宽"):
        ToleranceBands(D(1), (Band(D("0.1"), D("0.1"), D("0.5")), Band(D("0.2"), D("0.2"), D(1))))
    with pytest.raises(DomainError, match="由窄到宽"):
        ToleranceBands(D(1), (Band(D("0.2"), D("0.2"), D(1)), Band(D("0.1"), D("0.3"), D("0.5"))))


@pytest.mark.parametrize(
    ("grade", "expected"), [("Ra0.8", 6), ("Ra1.6", 6), ("Ra3.2", 3), ("Ra6.3", 0), ("Ra12.5", 0)]
)
def test_ordinal_grades_one_class_worse_half_two_zero(grade, expected):
    rule = OrdinalGrades(("Ra0.8", "Ra1.6", "Ra3.2", "Ra6.3", "Ra12.5"), "Ra1.6")
    assert mark(rule, 6, Graded(grade)).mark == expected


def test_ordinal_grade_must_be_listed():
    rule = OrdinalGrades(("Ⅰ级", "Ⅱ级"), "Ⅰ级")
    with pytest.raises(DomainError, match="不在本项等级列表"):
        mark(rule, 10, Graded("Ⅴ级"))
    with pytest.raises(DomainError, match="不在等级列表"):
        OrdinalGrades(("Ⅰ级",), "Ⅱ级")


def test_check_is_full_or_zero():
    assert mark(Check(), 2, Checked(True)).mark == 2
    assert mark(Check(), 2, Checked(False)).mark == 0


@pytest.mark.parametrize(
    ("scores", "maximum", "expected"),
    [((3, 3, 3), 6, 6), ((2, 2, 3), 6, F(14, 3)), ((0, 1, 1), D("1.5"), F(1, 3)), ((2,), 3, 2)],
)
def test_judgement_mark_is_mean_over_three_times_maximum(scores, maximum, expected):
    got = mark(Judgement(), maximum, Scores({f"J{i}": D(s) for i, s in enumerate(scores)}))
    assert got.mark == expected == F(sum(scores), len(scores)) / 3 * F(D(maximum))
    assert not got.divergent


@given(st.lists(st.integers(0, 3), min_size=1, max_size=5), st.integers(1, 20))
def test_judgement_property(scores, maximum):
    got = mark(Judgement(), maximum, Scores({f"J{i}": D(s) for i, s in enumerate(scores)}))
    assert got.mark == F(sum(scores), len(scores)) / 3 * maximum
    assert got.divergent is (max(scores) - min(scores) > 1)


def test_judgement_flags_divergence_and_rejects_bad_scores():
    got = mark(Judgement(), 3, Scores({"J1": D(3), "J2": D(1), "J3": D(2)}))
    assert got.divergent and "须重新评分" in got.lines[-1]
    assert not mark(Judgement(divergence_limit=None), 3, Scores({"J1": D(3), "J2": D(0)})).divergent
    with pytest.raises(DomainError, match="超出"):
        mark(Judgement(), 3, Scores({"J1": D(4)}))
    with pytest.raises(DomainError, match="整数"):
        mark(Judgement(), 3, Scores({"J1": D("2.5")}))


def test_judged_mark_five_judges_trimmed_mean():
    scores = Scores({"J1": D(18), "J2": D(17), "J3": D(19), "J4": D(12), "J5": D(20)})
    got = mark(JudgedMark(aggregation=Aggregation.TRIMMED_MEAN), 20, scores)
    assert got.mark == 18
    assert "去掉一个最高分和一个最低分" in got.lines[0]
    with pytest.raises(DomainError, match="超出"):
        mark(JudgedMark(), 20, Scores({"J1": D(21)}))


def test_automated_test_run_gives_fractional_marks():
    assert mark(AutomatedTest(), 10, RunResult(D(37), D(40))).mark == F(37, 4)
    with pytest.raises(DomainError, match="无效"):
        mark(AutomatedTest(), 10, RunResult(D(41), D(40)))


def test_wrong_observation_type_is_refused():
    assert Aspect("A", "x", D(1), Judgement()).kind is AspectKind.JUDGEMENT
    assert Aspect("A", "x", D(1), Check()).kind is AspectKind.MEASUREMENT
    with pytest.raises(DomainError, match="需要"):
        mark(Check(), 2, Measured(D(1)))
    with pytest.raises(DomainError, match="配分必须大于0"):
        Aspect("A", "x", D(0), Check())


# --- deductions ------------------------------------------------------------------------------------------

UNDERCUT = DeductionRule("UC", "咬边", D(2), per=D(5), unit="mm", cap=D(10))
SPATTER = DeductionRule("SP", "飞溅", D(1), cap=D(3))
SIZE = DeductionRule("SZ", "尺寸超差", D(1), per=D("0.01"), unit="mm", allowance=D("0.02"))
WELD = Deductions((UNDERCUT, SPATTER))


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ({}, 20),
        ({"SP": D(2)}, 18),
        ({"SP": D(5)}, 17),  # 飞溅扣完3分为止
        ({"UC": D(5)}, 18),  # 每长5mm扣2分
        ({"UC": D(6)}, 16),  # 不足5mm按5mm计
        ({"UC": D(100)}, 10),  # 扣完10分为止
        ({"UC": D(100), "SP": D(9)}, 7),
    ],
)
def test_deductions_per_occurrence_and_per_unit_with_caps(findings, expected):
    assert mark(WELD, 20, Findings(findings)).mark == expected


@pytest.mark.parametrize(
    ("rounding", "deviation", "expected"),
    [
        (StepRounding.UP, "0.045", 7),  # 0.025 beyond the free 0.02 → 3 steps
        (StepRounding.DOWN, "0.045", 8),
        (StepRounding.EXACT, "0.045", D("7.5")),
        (StepRounding.UP, "0.02", 10),
    ],
)
def test_deduction_per_unit_with_allowance(rounding, deviation, expected):
    rule = DeductionRule(
        "SZ", "尺寸超差", D(1), per=D("0.01"), unit="mm", allowance=D("0.02"), step_rounding=rounding
    )
    assert mark(Deductions((rule,)), 10, Findings({"SZ": D(deviation)})).mark == F(D(expected))


def test_nested_caps_and_floor():
    inner = DeductionGroup("G1", "外观", (UNDERCUT, SPATTER), cap=D(8))
    outer = DeductionGroup("G2", "焊缝", (inner, SIZE), cap=D(12))
    rule = Deductions((outer,))
    assert mark(rule, 20, Findings({"UC": D(50), "SP": D(3)})).mark == 12  # 10 + 3 → group cap 8
    assert mark(rule, 20, Findings({"UC": D(50), "SZ": D("0.10")})).mark == 8  # 8 + 8 → outer cap 12
    got = mark(Deductions((SIZE,)), 5, Findings({"SZ": D(1)}))
    assert got.mark == 0 and any("不倒扣" in line for line in got.lines)
    assert mark(Deductions((SIZE,), floor=None), 5, Findings({"SZ": D("0.10")})).mark == -3
    assert mark(Deductions((SIZE,), cap=D(4)), 5, Findings({"SZ": D("0.10")})).mark == 1


def test_deduction_explanations_name_rule_and_cap():
    lines = mark(WELD, 20, Findings({"UC": D(100), "SP": D(1)})).lines
    assert any("咬边" in line and "扣完为止" in line for line in lines)
    assert any("飞溅：1 处 × 1 分 = 1 分" in line for line in lines)
    assert lines[-1] == "配分 20 分，共扣 11 分，得 9 分"


def test_deduction_input_errors():
    with pytest.raises(DomainError, match="未知的扣分规则"):
        mark(WELD, 20, Findings({"XX": D(1)}))
    with pytest.raises(DomainError, match="整数"):
        mark(WELD, 20, Findings({"SP": D("1.5")}))
    with pytest.raises(DomainError, match="不能为负"):
        mark(WELD, 20, Findings({"UC": D(-1)}))
    with pytest.raises(DomainError, match="重复"):
        Deductions((SPATTER, SPATTER))
    with pytest.raises(DomainError, match="大于0"):
        DeductionRule("X", "x", D(0))


@given(
    st.integers(0, 40),
    st.integers(0, 40),
    st.decimals(min_value=0, max_value=5, places=3),
    st.sampled_from([D(0), D(2), None]),
)
def test_deductions_never_break_floor_or_caps(undercut, spatter, size, floor):
    inner = DeductionGroup("G1", "外观", (UNDERCUT, SPATTER), cap=D(8))
    rule = Deductions((inner, SIZE), floor=floor)
    got = mark(rule, 20, Findings({"UC": D(undercut), "SP": D(spatter), "SZ": size}))
    if floor is not None:
        assert got.mark >= floor
    size_steps = max(F(0), F(size) - F(2, 100)) / F(1, 100)
    uncapped_size = -(-size_steps.numerator // size_steps.denominator)
    assert got.mark >= 20 - 8 - uncapped_size  # the group never takes more than its cap
    assert got.mark <= 20
