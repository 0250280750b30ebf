"""Marking schemes and sheets → explained marks (DOMAIN.md §3), without an app."""

from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import PartKind
from competition.errors import DomainError
from competition.scoring.aggregate import Aggregation
from competition.scoring.aspects import Aspect, Check, Checked, JudgedMark, Judgement, Scores
from competition.scoring.marks import Sheet, Status, find_divergences, score_sheet
from competition.scoring.rounding import RoundingPolicy
from competition.scoring.scheme import (
    AggregationLevel,
    Criterion,
    Gate,
    MarkingScheme,
    Part,
    TimeRule,
    Veto,
    VetoScope,
)

THEORY, PRACTICAL, DEFENCE = PartKind.THEORY, PartKind.PRACTICAL, PartKind.DEFENCE


def theory(weight=30):
    return Part(THEORY, D(weight), (Aspect("T1", "理论考试", D(100), JudgedMark()),))


def practical(weight=70, **kw):
    """150 raw points: quality 100 (two criteria), conduct 30 (judgement), report 20 (check)."""
    quality = Criterion(
        "Q",
        "作品质量",
        (
            Criterion(
                "Q1", "尺寸", (Aspect("Q1a", "外径", D(40), Check()), Aspect("Q1b", "长度", D(20), Check()))
            ),
            Criterion("Q2", "外观", (Aspect("Q2a", "表面", D(40), Check()),)),
        ),
    )
    conduct = Aspect("C", "安全文明生产", D(30), Judgement())
    report = Aspect("R", "工艺报告", D(20), Check())
    return Part(PRACTICAL, D(weight), (quality, conduct, report), maximum=D(150), **kw)


def scheme(**kw):
    parts = kw.pop("parts", (theory(), practical()))
    return MarkingScheme("数控车工", parts, **kw)


def sheet(entry="001", theory_mark=80, met=("Q1a", "Q1b", "Q2a", "R"), conduct=(3, 3, 3), **kw):
    obs = {
        "T1": Scores({"机考": D(theory_mark)}),
        "C": Scores({f"J{i}": D(s) for i, s in enumerate(conduct)}),
    }
    for code in ("Q1a", "Q1b", "Q2a", "R"):
        obs[code] = Checked(code in met)
    obs.update(kw.pop("observations", {}))
    for code in kw.pop("drop", ()):
        del obs[code]
    return Sheet(entry, obs, **kw)


def lines_of(result):
    """Every explanation line of every criterion and aspect, depth first."""

    def walk(nodes):
        for node in nodes:
            yield from node.lines
            yield from walk(getattr(node, "children", ()))

    return [line for part in result.parts for line in walk(part.children)]


# --- validation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: scheme(parts=(theory(30), practical(60))), "权重合计 90%"),
        (lambda: scheme(parts=(theory(30), theory(70))), "出现多次"),
        (lambda: Part(THEORY, D(0), (Aspect("T1", "x", D(1), Check()),)), "权重"),
        (lambda: Part(THEORY, D(100), (Aspect("T1", "x", D(1), Check()),), maximum=D(100)), "不符"),
        (lambda: Part(THEORY, D(100), (Aspect("T1", "x", D(1), Check()),), pass_mark=D(101)), "及格分"),
        (
            lambda: scheme(parts=(Part(THEORY, D(30), (Aspect("Q", "x", D(1), Check()),)), practical())),
            "编号重复：Q",
        ),
        (lambda: scheme(vetoes=(Veto("V", "x", VetoScope.SECTION, "C"),)), "不符"),
        (lambda: scheme(vetoes=(Veto("V", "x", VetoScope.PART, "defence"),)), "不符"),
        (lambda: scheme(vetoes=(Veto("V", "x", VetoScope.RESULT, "Q"),)), "不符"),
        (lambda: scheme(gates=(Gate("C", "T1", D("0.6")),)), "同一部分"),
        (lambda: scheme(gates=(Gate("C", "ZZ", D("0.6")),)), "不存在"),
        (lambda: scheme(gates=(Gate("C", "Q", D("1.5")),)), "门槛比例"),
        (lambda: Criterion("X", "空", ()), "没有评分项"),
        (lambda: TimeRule(D(90), hard_stop_minutes=D(80)), "不能早于"),
    ],
)
def test_scheme_validation(build, message):
    with pytest.raises(DomainError, match=message):
        build()


@pytest.mark.parametrize("weights", [(30, 70), (20, 80), (40, 60)])
def test_weights_seen_in_contests_are_accepted(weights):
    assert scheme(parts=(theory(weights[0]), practical(weights[1]))).part(PRACTICAL).raw_maximum == 150


# --- totals, normalisation, pass flags -------------------------------------------------------------------


def test_150_point_part_is_normalised_to_100_before_weighting():
    result = score_sheet(scheme(), sheet(theory_mark=80, met=("Q1a", "Q2a", "R")))  # 40+40+30+20 = 130
    part = result.part(PRACTICAL)
    assert (part.raw, part.raw_maximum, part.score) == (130, 150, F(260, 3))
    assert any("折算为百分制" in line for line in part.lines)
    assert result.total == F(80) * F(30, 100) + F(260, 3) * F(70, 100)
    assert result.status is Status.COMPLETE and result.all_passed


@given(st.integers(0, 100), st.sets(st.sampled_from(["Q1a", "Q1b", "Q2a", "R"])), st.integers(0, 3))
def test_total_is_the_weighted_sum_of_parts_out_of_100(theory_mark, met, conduct):
    result = score_sheet(scheme(), sheet(theory_mark=theory_mark, met=tuple(met), conduct=(conduct,) * 3))
    raw = sum({"Q1a": 40, "Q1b": 20, "Q2a": 40, "R": 20}[c] for c in met) + conduct * 10
    assert result.part(PRACTICAL).score == F(raw, 150) * 100
    assert result.total == F(theory_mark) * F(3, 10) + F(raw, 150) * 70
    assert 0 <= result.total <= 100
    assert result.all_passed is (theory_mark >= 60 and F(raw, 150) * 100 >= 60)


def test_pass_mark_is_per_part():
    result = score_sheet(scheme(), sheet(theory_mark=59))
    assert result.part(THEORY).passed is False and result.part(PRACTICAL).passed is True
    assert result.all_passed is False
    lenient = scheme(parts=(Part(THEORY, D(30), theory().children, pass_mark=D(50)), practical()))
    assert score_sheet(lenient, sheet(theory_mark=59)).all_passed is True


def test_rounding_only_where_configured():
    exact_result = score_sheet(scheme(), sheet(conduct=(2, 2, 3)))
    assert exact_result.part(PRACTICAL).raw == 120 + F(70, 3)  # 7/3 ÷ 3 × 30 = 70/3
    rounded = score_sheet(
        scheme(rounding=RoundingPolicy(aspect_places=1, total_places=2)), sheet(conduct=(2, 2, 3))
    )
    assert rounded.part(PRACTICAL).raw == F(1433, 10)
    assert rounded.total == F(D("90.87"))  # 24 + 143.3/150 × 70 = 90.8733…


# --- missing marks and divergence ------------------------------------------------------------------------


def test_missing_marks_make_an_explicit_incomplete_result():
    result = score_sheet(scheme(), sheet(drop=("Q1b", "T1")))
    assert result.status is Status.INCOMPLETE
    assert result.total is None and set(result.missing) == {"Q1b", "T1"}
    assert result.part(PRACTICAL).score is None and result.part(PRACTICAL).passed is None
    assert result.all_passed is None
    assert any("缺少成绩" in line for line in result.lines)
    empty_scores = score_sheet(scheme(), sheet(observations={"C": Scores({})}))
    assert empty_scores.missing == ("C",)


def test_divergent_judges_must_rescore():
    result = score_sheet(scheme(), sheet(conduct=(3, 1, 2)))
    assert result.status is Status.INCOMPLETE and result.divergent == ("C",)
    found = find_divergences(scheme(), [sheet("001", conduct=(3, 1, 2)), sheet("002")])
    assert [(d.entry, d.aspect, d.spread, d.limit) for d in found] == [("001", "C", 2, 1)]


def test_records_that_do_not_fit_the_scheme_are_refused():
    with pytest.raises(DomainError, match="未知的评分项"):
        score_sheet(scheme(), sheet(observations={"ZZ": Checked(True)}))
    with pytest.raises(DomainError, match="未知的否决项"):
        score_sheet(scheme(), sheet(vetoes=frozenset({"V9"})))
    with pytest.raises(DomainError, match="没有 答辩"):
        score_sheet(scheme(), sheet(absent=frozenset({DEFENCE})))


def test_absent_part_scores_zero_and_needs_no_marks():
    result = score_sheet(scheme(), sheet(drop=("T1",), absent=frozenset({THEORY})))
    assert result.status is Status.COMPLETE
    assert result.part(THEORY).score == 0 and result.part(THEORY).passed is False
    assert "缺考" in result.part(THEORY).children[0].lines[-1]


# --- vetoes, gates, time -----------------------------------------------------------------------------------

VETOES = (
    Veto("VA", "外径未加工", VetoScope.ASPECT, "Q1a"),
    Veto("VS", "尺寸严重超差", VetoScope.SECTION, "Q1"),
    Veto("VP", "违规操作", VetoScope.PART, "practical"),
    Veto("VR", "发生安全事故", VetoScope.RESULT),
)


@pytest.mark.parametrize(
    ("veto", "practical_raw", "status"),
    [
        ("VA", 110, Status.COMPLETE),
        ("VS", 90, Status.COMPLETE),
        ("VP", 0, Status.COMPLETE),
        ("VR", 150, Status.DISQUALIFIED),
    ],
)
def test_veto_scope_is_set_per_item(veto, practical_raw, status):
    result = score_sheet(scheme(vetoes=VETOES), sheet(vetoes=frozenset({veto})))
    assert result.part(PRACTICAL).raw == practical_raw
    assert result.status is status
    assert any("否决项" in line for line in [*result.lines, *result.part(PRACTICAL).lines, *lines_of(result)])


def test_vetoed_section_needs_no_marks_inside_it():
    result = score_sheet(scheme(vetoes=VETOES), sheet(drop=("Q1a", "Q1b"), vetoes=frozenset({"VS"})))
    assert result.status is Status.COMPLETE and result.part(PRACTICAL).raw == 90


@pytest.mark.parametrize(("met", "conduct_counts"), [(("Q1a", "Q1b", "Q2a"), True), (("Q1a", "Q1b"), True),
                                                      (("Q1a",), False), ((), False)])  # fmt: skip
def test_gate_counts_conduct_only_when_quality_reaches_60_percent(met, conduct_counts):
    gated = scheme(gates=(Gate("C", "Q", D("0.6"), "作品质量达到60%时计安全文明分"),))
    result = score_sheet(gated, sheet(met=met))
    conduct = next(c for c in result.part(PRACTICAL).children if c.code == "C")
    assert (conduct.mark == 30) is conduct_counts
    assert any("门槛" in line for line in [*conduct.lines, *result.part(PRACTICAL).lines])


TIMED = TimeRule(
    D(90), points_per_step=D(1), step_minutes=D(5), max_deduction=D(4), hard_stop_minutes=D(110),
    disqualify_after_minutes=D(120),
)  # fmt: skip


@pytest.mark.parametrize(
    ("minutes", "raw", "status"),
    [
        ("85", 150, Status.COMPLETE),
        ("90", 150, Status.COMPLETE),
        ("90.5", 149, Status.COMPLETE),  # a started 5 minutes counts
        ("101", 147, Status.COMPLETE),
        ("115", 146, Status.COMPLETE),  # hard stop at 110: 20 min over, 4 steps, capped at 4
        ("121", 150, Status.DISQUALIFIED),
    ],
)
def test_time_rules(minutes, raw, status):
    result = score_sheet(
        scheme(parts=(theory(), practical(time_rule=TIMED))), sheet(minutes={PRACTICAL: D(minutes)})
    )
    assert result.part(PRACTICAL).raw == raw
    assert result.status is status
    assert result.completion_minutes == F(D(minutes))


def test_time_limit_can_void_only_the_part_and_missing_time_is_incomplete():
    rule = TimeRule(D(90), disqualify_after_minutes=D(100), disqualify_scope=VetoScope.PART)
    timed = scheme(parts=(theory(), practical(time_rule=rule)))
    voided = score_sheet(timed, sheet(minutes={PRACTICAL: D(101)}))
    assert voided.status is Status.COMPLETE and voided.part(PRACTICAL).score == 0
    untimed = score_sheet(timed, sheet())
    assert untimed.status is Status.INCOMPLETE and untimed.missing == ("practical.用时",)


# --- judges per aspect or per part -----------------------------------------------------------------------


def test_aggregation_per_part_combines_each_judges_total():
    aspects = (
        Aspect("D1", "表达", D(50), JudgedMark(aggregation=Aggregation.TRIMMED_MEAN)),
        Aspect("D2", "答题", D(50), JudgedMark(aggregation=Aggregation.TRIMMED_MEAN)),
    )
    scores = {
        "D1": Scores({"A": D(50), "B": D(40), "C": D(30), "D": D(45), "E": D(35)}),
        "D2": Scores({"A": D(10), "B": D(40), "C": D(50), "D": D(45), "E": D(35)}),
    }
    per_aspect = MarkingScheme(
        "答辩", (Part(DEFENCE, D(100), aspects),), aggregation=Aggregation.TRIMMED_MEAN
    )
    per_part = MarkingScheme(
        "答辩",
        (Part(DEFENCE, D(100), aspects, aggregation_level=AggregationLevel.PART),),
        aggregation=Aggregation.TRIMMED_MEAN,
    )
    # per aspect: trimmed(50,40,30,45,35)=40, trimmed(10,40,50,45,35)=40 → 80
    assert score_sheet(per_aspect, Sheet("X", scores)).total == 80
    # per part: judge totals 60, 80, 80, 90, 70 → trimmed 230/3
    result = score_sheet(per_part, Sheet("X", scores))
    assert dict(result.part(DEFENCE).judge_totals) == {"A": 60, "B": 80, "C": 80, "D": 90, "E": 70}
    assert result.total == F(230, 3)
    assert any("各裁判合计" in line for line in result.part(DEFENCE).lines)


def test_every_aspect_mark_is_explained():
    result = score_sheet(scheme(vetoes=VETOES), sheet(conduct=(2, 2, 3)))

    def leaves(nodes):
        for node in nodes:
            yield from leaves(node.children) if hasattr(node, "children") else [node]

    for part in result.parts:
        assert part.lines
        for aspect in leaves(part.children):
            assert aspect.lines, aspect.code
    assert result.lines[-1].startswith("总分 = ")


def test_children_of_a_vetoed_section_show_zero_and_need_no_rescoring():
    vetoed = scheme(vetoes=(*VETOES, Veto("VC", "违反操作规程", VetoScope.ASPECT, "C")))
    result = score_sheet(vetoed, sheet(vetoes=frozenset({"VS", "VC"}), conduct=(3, 0, 1)))
    assert result.status is Status.COMPLETE and result.divergent == ()
    quality = result.part(PRACTICAL).children[0]
    size = quality.children[0]
    assert size.mark == 0 and [a.mark for a in size.children] == [0, 0]
    assert "（上级）否决项" in size.children[0].lines[-1]
    assert quality.mark == sum(c.mark for c in quality.children) == 40
