"""Workbook and scheme builders shared by the scoring file tests (no binary fixtures are committed)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl

from competition.domain import PartKind
from competition.scoring.aggregate import Aggregation
from competition.scoring.aspects import (
    Aspect,
    AutomatedTest,
    Band,
    Check,
    JudgedMark,
    Judgement,
    OrdinalGrades,
    ToleranceBands,
)
from competition.scoring.deductions import DeductionGroup, DeductionRule, Deductions, StepRounding
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
from competition.scoring.xlsx_io import AspectInfo, StandardSection

CIS_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "data"
    / "cis-marking-scheme-es2023-web-development.xlsx"
)
DESCRIPTORS = ("未完成", "基本完成", "完成良好", "完成优秀")


def cis_bytes() -> bytes:
    """The WorldSkills CIS sample workbook as stored (with Excel's cached formula results)."""
    return CIS_SAMPLE.read_bytes()


def edit_workbook(data: bytes, edit) -> bytes:
    """Load ``data`` with openpyxl, apply ``edit(workbook)`` and save (cached formula results are dropped)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, *, drop: set[str] = frozenset(), add: dict[str, bytes] | None = None) -> bytes:
    """Rewrite the zip package ``data`` without the members in ``drop`` and with ``add`` members."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info, src.read(info.filename))
        for name, content in (add or {}).items():
            dst.writestr(name, content)
    return out.getvalue()


def rich_scheme() -> tuple[MarkingScheme, dict[str, AspectInfo], tuple[StandardSection, ...]]:
    """A scheme using every rule kind the template can express, vetoes, a gate, a time rule and rounding."""
    deductions = Deductions(
        items=(
            DeductionRule("D1", "咬边", D(1), per=D("0.5"), unit="mm", allowance=D("0.5"), cap=D(3)),
            DeductionGroup(
                "G1",
                "外观缺陷合计",
                (
                    DeductionRule("D2", "气孔", D(2)),
                    DeductionRule(
                        "D3", "夹渣", D("1.5"), step_rounding=StepRounding.DOWN, per=D(1), unit="mm"
                    ),
                ),
                cap=D(4),
            ),
        ),
        cap=D(6),
    )
    theory = Part(
        PartKind.THEORY,
        D(30),
        (
            Aspect("L1", "理论考试（机考）", D(80), AutomatedTest()),
            Criterion("L2", "识图", (Aspect("L2.1", "读懂焊接符号", D(20), Check()),)),
        ),
        pass_mark=D(60),
        maximum=D(100),
    )
    practical = Part(
        PartKind.PRACTICAL,
        D("50"),
        (
            Criterion(
                "P1",
                "焊缝质量",
                (
                    Criterion(
                        "P1.A",
                        "外观",
                        (
                            Aspect("P1.A.1", "焊缝成形", D("7.5"), Judgement()),
                            Aspect("P1.A.2", "外观缺陷", D(10), deductions),
                        ),
                    ),
                    Aspect(
                        "P1.2",
                        "焊缝宽度",
                        D("12.5"),
                        ToleranceBands(
                            D("20.00"),
                            (Band(D("0.5"), D("0.5"), D(1), "公差内"), Band(D(1), D(1), D("0.5"))),
                            unit="mm",
                        ),
                    ),
                    Aspect("P1.3", "射线探伤", D(20), OrdinalGrades(("Ⅰ级", "Ⅱ级", "Ⅲ级"), "Ⅰ级")),
                ),
            ),
            Criterion(
                "P2",
                "安全文明",
                (
                    Aspect("P2.1", "安全防护", D(30), JudgedMark(Aggregation.TRIMMED_MEAN, D(5))),
                    Aspect("P2.2", "工位整理", D(20), Judgement(D(5), Aggregation.MEDIAN, None, False)),
                ),
            ),
        ),
        pass_mark=D("55.5"),
        time_rule=TimeRule(
            D(60),
            D(1),
            D(1),
            D(10),
            hard_stop_minutes=D(70),
            disqualify_after_minutes=D(75),
            disqualify_scope=VetoScope.PART,
        ),
        aggregation_level=AggregationLevel.ASPECT,
    )
    defence = Part(PartKind.DEFENCE, D(20), (Aspect("R1", "答辩表现", D(100), JudgedMark()),))
    scheme = MarkingScheme(
        "2026年南通市职业技能大赛 焊工（职工组）",
        (theory, practical, defence),
        vetoes=(
            Veto("V1", "严重违反安全操作规程", VetoScope.RESULT),
            Veto("V2", "焊缝裂纹", VetoScope.SECTION, "P1.A"),
            Veto("V3", "未按图施焊", VetoScope.PART, "practical"),
        ),
        gates=(Gate("P2", "P1", D("0.6"), "焊缝质量达到60%时安全文明计分"),),
        aggregation=Aggregation.TRIMMED_MEAN,
        rounding=RoundingPolicy(aspect_places=None, part_places=4, total_places=None, display_places=2),
    )
    infos = {
        "L1": AspectInfo(section="1", day="1"),
        "L2.1": AspectInfo(section="1", day="1", requirement="全部正确"),
        "P1.A.1": AspectInfo(descriptors=DESCRIPTORS, section="2", day="2", detail="目测"),
        "P1.A.2": AspectInfo(section="2", day="2"),
        "P1.2": AspectInfo(section="2", day="2", requirement="20±0.5 mm"),
        "P1.3": AspectInfo(section="2", day="2"),
        "P2.1": AspectInfo(section="3", day="2"),
        "P2.2": AspectInfo(section="3", day="2"),
        "R1": AspectInfo(section="3", day="3"),
    }
    sections = (
        StandardSection("1", "基础知识", D(100)),
        StandardSection("2", "焊接操作", D(50)),
        StandardSection("3", "安全与沟通", D(150)),
    )
    return scheme, infos, sections


def welder_scheme() -> tuple[MarkingScheme, dict[str, AspectInfo]]:
    """The small 焊工 event of the CLI test: theory 30 % (one exam mark), practical 70 % (100 raw points)."""
    theory = Part(PartKind.THEORY, D(30), (Aspect("L1", "理论考试", D(100), JudgedMark()),))
    practical = Part(
        PartKind.PRACTICAL,
        D(70),
        (
            Criterion(
                "P1",
                "焊缝外观",
                (Aspect("P1.1", "焊缝成形", D(30), Judgement()), Aspect("P1.2", "焊缝余高", D(20), Check())),
            ),
            Criterion(
                "P2",
                "焊缝质量",
                (
                    Aspect("P2.1", "根部熔透", D(20), Check()),
                    Aspect("P2.2", "气孔", D(20), Deductions((DeductionRule("Q1", "气孔", D(2)),))),
                ),
            ),
            Criterion("P3", "安全文明", (Aspect("P3.1", "安全文明生产", D(10), JudgedMark()),)),
        ),
    )
    scheme = MarkingScheme(
        "焊工（职工组）", (theory, practical), vetoes=(Veto("V1", "严重违反安全操作规程", VetoScope.RESULT),)
    )
    return scheme, {"P1.1": AspectInfo(descriptors=DESCRIPTORS)}


CIS_HEADER = (
    "Sub\nCriterion\nID",
    "Sub Criterion\nName or Description",
    "Day of Marking",
    "Aspect\nType\nM = Meas\nJ = Judg",
    "Aspect - Description",
    "Judg Score",
    "Extra Aspect Description (Meas or Judg)\nOR\nJudgement Score Description (Judg only)",
    "Requirement\n(Measurement Only)",
    "WSOS Section",
    "Calculation Row \n(Export only)",
    "Max\nMark",
)


def mini_cis(**cells) -> bytes:
    """A small workbook in the CIS "Marking Scheme Import" layout, then ``cells`` (``K15=…``) applied.

    Rows: WSOS table 5–6 (sections 1 = 2 marks, 2 = 8 marks); criteria table 10–11 (A 4, B 6); block A
    header 13 (typed total N13 = 4), sub-criterion A1 row 14, M aspect row 15 (2 marks, section 1),
    J aspect row 16 (2 marks, section 2) with descriptors 17–20; block B header 22 (N22 = 6), B1 row 23,
    M aspects rows 24 and 25 (3 marks each, section 2); competition total row 27 (N27 = 10).
    """
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "CIS Marking Scheme Import"
    ws["A1"] = "05 Welding"
    ws["A3"] = "WorldSkills Occupational Standards"
    for col, text in (("A", "Section"), ("B", "WSOS Marks"), ("I", "WSOS Marks"), ("J", "Aspect Marks")):
        ws[f"{col}4"] = text
    ws.append([1, "Work organization and management", *[None] * 6, 2])
    ws.append([2, "Welding", *[None] * 6, 8])
    ws["A8"] = "Criteria"
    ws["A9"], ws["B9"], ws["K9"] = "ID", "Name", "Mark"
    ws["A10"], ws["B10"], ws["K10"] = "A", "Preparation", 4
    ws["A11"], ws["B11"], ws["K11"] = "B", "Welding", 6

    def header(row: int, code: str, total: int) -> None:
        for col, text in enumerate(CIS_HEADER, start=1):
            ws.cell(row, col, text)
        ws.cell(row, 12, f"Criterion {code}")
        ws.cell(row, 13, "Total\nMark")
        ws.cell(row, 14, total)

    header(13, "A", 4)
    ws["A14"], ws["B14"], ws["C14"] = "A1", "Set-up", "C1"
    for col, value in zip("DEGIK", ("M", "Plates cleaned", "No mill scale within 20 mm", 1, 2), strict=True):
        ws[f"{col}15"] = value
    for col, value in zip("DEIK", ("J", "Tack welds", 2, 2), strict=True):
        ws[f"{col}16"] = value
    for score in range(4):
        ws[f"F{17 + score}"], ws[f"G{17 + score}"] = score, f"Tack weld quality {score}"
    header(22, "B", 6)
    ws["A23"], ws["B23"], ws["C23"] = "B1", "Butt weld", 1
    for row in (24, 25):
        for col, value in zip("DEHIK", ("M", f"Check {row}", "visual", 2, 3), strict=True):
            ws[f"{col}{row}"] = value
    ws["L27"], ws["M27"], ws["N27"] = "Competition", "Total\nMark", 10
    for ref, value in cells.items():
        ws[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
