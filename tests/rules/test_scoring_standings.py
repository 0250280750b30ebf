"""Standings of an event, the standardised scale, and a worked example of a municipal 焊工 contest."""

from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.domain import AwardClass, PartKind
from competition.errors import DomainError
from competition.scoring.aspects import (
    Aspect,
    Band,
    Check,
    Checked,
    Findings,
    Graded,
    JudgedMark,
    Judgement,
    Measured,
    OrdinalGrades,
    Scores,
    ToleranceBands,
)
from competition.scoring.awards import counts_policy, national_policy
from competition.scoring.deductions import DeductionRule, Deductions
from competition.scoring.marks import Sheet, Status, score_sheet
from competition.scoring.ranking import RankingPolicy
from competition.scoring.scheme import Criterion, Gate, MarkingScheme, Part, TimeRule, Veto, VetoScope
from competition.scoring.standardise import MedianSpread, Standardiser
from competition.scoring.standings import StandingsPolicy, build_standings

THEORY, PRACTICAL = PartKind.THEORY, PartKind.PRACTICAL

# --- worked example: 市职业技能大赛 焊工（职工组）, 理论 30 % / 实操 70 %, 一等奖 1、二等奖 2、三等奖 3
# Practical task 板对接焊 (100 points), modelled on published 焊工 评分细则: weld appearance by tolerance
# band and deductions, radiographic test by grade (Ⅰ级 full, Ⅱ级 half, worse zero), safety and conduct by
# three judges counted only when the work reaches 60 % of its quality marks, 60 minutes with 1 point off per
# started minute over (at most 10), void after 75 minutes; cracks void the appearance section.

WELDING = MarkingScheme(
    "焊工（职工组）",
    (
        Part(THEORY, D(30), (Aspect("T", "理论知识考试（机考）", D(100), JudgedMark()),)),
        Part(
            PRACTICAL,
            D(70),
            (
                Criterion(
                    "Q",
                    "焊件质量",
                    (
                        Criterion(
                            "W",
                            "焊缝外观",
                            (
                                Aspect(
                                    "W1",
                                    "焊缝余高 0–3 mm",
                                    D(10),
                                    ToleranceBands(
                                        D("1.5"),
                                        (Band(D("1.5"), D("1.5"), D(1)), Band(D(2), D(2), D("0.5"))),
                                        "mm",
                                    ),
                                ),
                                Aspect(
                                    "W2",
                                    "焊缝宽度差",
                                    D(10),
                                    Deductions(
                                        (
                                            DeductionRule(
                                                "WD", "宽度差", D(2), per=D("0.5"), unit="mm", allowance=D(2)
                                            ),
                                        )
                                    ),
                                ),
                                Aspect(
                                    "W3",
                                    "表面缺陷",
                                    D(20),
                                    Deductions(
                                        (
                                            DeductionRule("UC", "咬边", D(2), per=D(5), unit="mm", cap=D(10)),
                                            DeductionRule("PO", "表面气孔", D(4), cap=D(12)),
                                        )
                                    ),
                                ),
                            ),
                        ),
                        Aspect("N", "射线探伤", D(40), OrdinalGrades(("Ⅰ级", "Ⅱ级", "Ⅲ级", "Ⅳ级"), "Ⅰ级")),
                    ),
                ),
                Aspect("S", "安全文明生产", D(20), Judgement()),
            ),
            maximum=D(100),
            time_rule=TimeRule(
                D(60), points_per_step=D(1), max_deduction=D(10), disqualify_after_minutes=D(75)
            ),
        ),
    ),
    vetoes=(
        Veto("CRACK", "焊缝表面有裂纹", VetoScope.SECTION, "W"),
        Veto("ACCIDENT", "发生安全事故", VetoScope.RESULT),
    ),
    gates=(Gate("S", "Q", D("0.6"), "焊件质量达到60%时计安全文明生产分"),),
)


def welder(entry, theory, height, width, undercut, pores, rt, conduct, minutes, vetoes=()):
    return Sheet(
        entry,
        {
            "T": Scores({"机考": D(theory)}),
            "W1": Measured(D(height)),
            "W2": Findings({"WD": D(width)}),
            "W3": Findings({"UC": D(undercut), "PO": D(pores)}),
            "N": Graded(rt),
            "S": Scores({"J1": D(conduct[0]), "J2": D(conduct[1]), "J3": D(conduct[2])}),
        },
        vetoes=frozenset(vetoes),
        minutes={PRACTICAL: D(minutes)},
    )


FIELD = [
    welder("01", 92, "2.0", "2", 0, 0, "Ⅰ级", (3, 3, 3), 55),
    welder("02", 88, "3.4", "2.6", 12, 1, "Ⅰ级", (3, 2, 3), 62),
    welder("03", 88, "3.4", "2.6", 12, 1, "Ⅰ级", (3, 2, 3), 61),
    welder("04", 80, "2.0", "2", 5, 0, "Ⅱ级", (2, 2, 2), 55),
    welder("05", 80, "2.0", "2", 5, 0, "Ⅱ级", (2, 2, 2), 55),
    welder("06", 85, "2.0", "2", 5, 0, "Ⅱ级", (2, 2, 2), 50),
    welder("07", 85, "2.0", "2", 5, 0, "Ⅱ级", (2, 2, 2), 58),
    welder("08", 58, "4", "4", 30, 4, "Ⅲ级", (1, 1, 1), 60),
    welder("T1", 95, "1.5", "0", 0, 0, "Ⅰ级", (3, 3, 3), 50),
    welder("09", 95, "1.5", "0", 0, 0, "Ⅰ级", (3, 3, 3), 50, vetoes=("ACCIDENT",)),
]


def welding_standings():
    results = [score_sheet(WELDING, sheet) for sheet in FIELD]
    policy = StandingsPolicy(awards=counts_policy(1, 2, 3), rounding=WELDING.rounding)
    return build_standings(results, policy, not_ranked={"T1": "往届市技术能手"})


def test_welding_example_marks_are_explained_by_hand():
    second = score_sheet(WELDING, FIELD[1])
    practical = second.part(PRACTICAL)
    # 余高 3.4 (偏差 +1.9) → half of 10 = 5; 宽度差 0.6 over → 2 steps × 2 = 4 off → 6;
    # 咬边 12 mm → 3 × 2 = 6, 气孔 1 × 4 → 20 − 10 = 10; RT Ⅰ级 40; quality 61 ≥ 48 so conduct
    # counts: (3+2+3)/3 ÷ 3 × 20 = 160/9; 62 minutes → 2 off.
    assert practical.raw == 5 + 6 + 10 + 40 + F(160, 9) - 2
    assert second.total == F(88) * F(3, 10) + practical.raw * F(7, 10)
    lines = "\n".join([*practical.lines, *_all_lines(practical.children)])
    for words in (
        "第2档",
        "每 0.5mm 扣 2 分",
        "咬边：12mm",
        "表面气孔：1 处 × 4 分 = 4 分",
        "门槛",
        "超时 2 分钟",
    ):
        assert words in lines, words
    worst = score_sheet(WELDING, FIELD[7])
    w3 = _find(worst.part(PRACTICAL).children, "W3")
    assert w3.mark == 0 and any("不倒扣" in line for line in w3.lines)  # 10 + 12 off a 20-point aspect
    assert _find(worst.part(PRACTICAL).children, "S").mark == 0  # quality 2 < 48: conduct not counted
    assert worst.total == F(58) * F(3, 10) + 2 * F(7, 10) and worst.all_passed is False


def test_welding_example_standings():
    standings = welding_standings()
    table = [(s.entry, s.rank, s.joint, s.award) for s in standings]
    first, second, third = AwardClass.FIRST, AwardClass.SECOND, AwardClass.THIRD
    assert table == [
        ("01", 1, False, first),
        ("03", 2, False, second),  # one minute faster, so one point less off
        ("02", 3, False, second),
        ("06", 4, False, third),  # equal total with 07, shorter time
        ("07", 5, False, third),
        ("04", 6, True, third),  # joint 6th straddles the 三等奖 cut-off (6): both get the higher award
        ("05", 6, True, third),
        ("08", 8, False, None),
        ("T1", None, False, None),  # listed, not ranked: places pass down
        ("09", None, False, None),
    ]
    by_entry = {s.entry: s for s in standings}
    assert by_entry["01"].display_total == D("97.60")
    assert by_entry["06"].total == by_entry["07"].total
    assert "用时较短" in by_entry["06"].reasons[0]
    assert "按规定均授予较高奖项" in by_entry["05"].reasons[-1]
    assert "往届市技术能手" in by_entry["T1"].reasons[0] and by_entry["T1"].total > by_entry["01"].total
    assert by_entry["09"].status is Status.DISQUALIFIED and "发生安全事故" in " ".join(by_entry["09"].reasons)
    assert by_entry["08"].parts[0].passed is False and by_entry["08"].all_passed is False


def _find(nodes, code):
    for node in nodes:
        if node.code == code:
            return node
        found = _find(getattr(node, "children", ()), code)
        if found is not None:
            return found
    return None


def _all_lines(nodes):
    for node in nodes:
        yield from node.lines
        yield from _all_lines(getattr(node, "children", ()))


# --- standings rules -------------------------------------------------------------------------------------

SIMPLE = MarkingScheme("简单赛项", (Part(PRACTICAL, D(100), (Aspect("A", "作品", D(100), JudgedMark()),)),))


def simple(entry, mark, members=()):
    return score_sheet(SIMPLE, Sheet(entry, {"A": Scores({"J": D(mark)})}, members=members))


def test_empty_event():
    assert build_standings([]) == ()


def test_one_entrant_wins():
    (only,) = build_standings([simple("A", 40)], StandingsPolicy(awards=counts_policy()))
    assert (only.rank, only.award, only.total) == (1, AwardClass.FIRST, 40)


def test_incomplete_results_are_refused_with_what_is_missing():
    missing = score_sheet(SIMPLE, Sheet("B", {}))
    with pytest.raises(DomainError, match=r"不完整.*B（缺少 A）"):
        build_standings([simple("A", 40), missing])


def test_unknown_or_duplicate_entries_are_refused():
    with pytest.raises(DomainError, match="没有这些参赛者"):
        build_standings([simple("A", 40)], not_ranked={"Z": "x"})
    with pytest.raises(DomainError, match="重复"):
        build_standings([simple("A", 40), simple("A", 50)])


def test_team_event_one_entry_per_team():
    teams = [simple("红队", 80, ("张三", "李四")), simple("蓝队", 90, ("王五", "赵六"))]
    standings = build_standings(teams, StandingsPolicy(awards=counts_policy(1, 1, 0)))
    assert [(s.entry, s.members, s.award) for s in standings] == [
        ("蓝队", ("王五", "赵六"), AwardClass.FIRST),
        ("红队", ("张三", "李四"), AwardClass.SECOND),
    ]


def test_national_contest_no_joint_ranks_needs_lots():
    results = [simple(e, m) for e, m in [("A", 90), ("B", 90), ("C", 80), ("D", 70)]]
    policy = StandingsPolicy(RankingPolicy(allow_joint=False), national_policy())
    with pytest.raises(DomainError, match="请抽签"):
        build_standings(results, policy)
    standings = build_standings(results, policy, lots={"A": 2, "B": 1})
    assert [(s.entry, s.rank, s.award) for s in standings] == [
        ("B", 1, AwardClass.GOLD),
        ("A", 2, AwardClass.SILVER),
        ("C", 3, AwardClass.BRONZE),
        ("D", 4, None),
    ]


def test_standardised_scale_is_shown_beside_raw_marks():
    results = [simple(e, m) for e, m in [("A", 90), ("B", 80), ("C", 70)]]
    standings = build_standings(results, StandingsPolicy(standardiser=MedianSpread()))
    scaled = {s.entry: s.standardised for s in standings}
    assert scaled["B"] == 700 and scaled["A"] > 700 > scaled["C"]
    assert {s.entry: s.total for s in standings} == {"A": 90, "B": 80, "C": 70}
    assert isinstance(MedianSpread(), Standardiser)


@given(st.lists(st.integers(0, 100), max_size=15))
def test_median_spread_puts_the_median_at_700_and_keeps_order(marks):
    totals = {f"E{i}": F(m) for i, m in enumerate(marks)}
    scaled = MedianSpread().scale(totals)
    assert set(scaled) == set(totals)
    for a in totals:
        for b in totals:
            if totals[a] > totals[b]:
                assert scaled[a] > scaled[b]
            if totals[a] == totals[b]:
                assert scaled[a] == scaled[b]
    if marks and len(marks) % 2:
        median_entry = sorted(totals, key=totals.get)[len(marks) // 2]
        assert scaled[median_entry] == 700


def test_median_spread_with_no_spread_and_bad_setting():
    assert MedianSpread().scale({}) == {}
    assert MedianSpread().scale({"A": F(50), "B": F(50)}) == {"A": 700, "B": 700}
    assert MedianSpread().scale({"A": F(50)}) == {"A": 700}
    with pytest.raises(DomainError):
        MedianSpread(points_per_sd=D(0))


@given(st.lists(st.integers(0, 10), max_size=12))
def test_standings_are_monotone(marks):
    results = [simple(f"E{i:02d}", m) for i, m in enumerate(marks)]
    standings = build_standings(results, StandingsPolicy(awards=counts_policy()))
    for a in standings:
        for b in standings:
            if a.total > b.total:
                assert a.rank < b.rank
                assert (a.award.order if a.award else 9) <= (b.award.order if b.award else 9)


def test_check_rule_in_a_scheme_and_display_total():
    scheme = MarkingScheme("x", (Part(PRACTICAL, D(100), (Aspect("A", "a", D(3), Check()),)),))
    (line,) = build_standings([score_sheet(scheme, Sheet("A", {"A": Checked(True)}))])
    assert line.total == 100 and line.display_total == D("100.00")


@given(st.lists(st.integers(0, 10), max_size=12), st.sets(st.integers(0, 11), max_size=4))
def test_earlier_title_holders_are_listed_unranked_and_places_pass_down(marks, held):
    """递补: entries not ranked for awards (e.g. 往届技术能手) are listed without rank or award, and the rest
    are ranked and awarded exactly as if they had not entered."""
    results = [simple(f"E{i:02d}", m) for i, m in enumerate(marks)]
    not_ranked = {f"E{i:02d}": "往届技术能手" for i in held if i < len(marks)}
    policy = StandingsPolicy(awards=counts_policy())
    standings = build_standings(results, policy, not_ranked=not_ranked)
    without = build_standings([r for r in results if r.entry not in not_ranked], policy)
    ranked = [(s.entry, s.rank, s.joint, s.award) for s in standings if s.entry not in not_ranked]
    assert ranked == [(s.entry, s.rank, s.joint, s.award) for s in without]
    for s in standings:
        if s.entry in not_ranked:
            assert (s.rank, s.award) == (None, None)
            assert any("递补" in r for r in s.reasons)
    assert len(standings) == len(results)
