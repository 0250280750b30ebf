"""The pure half: dataclasses, shrink-to-fit, the HTML the layouts make (no PDF rendered here)."""

from __future__ import annotations

from datetime import date

import pytest

from competition.domain import AwardClass, SkillLevel
from competition.pdf.documents import (
    AdmissionTicket,
    HonourRecord,
    HonourRecordEntry,
    Overprint,
    chinese_date,
    fit_text,
    numeric_date,
    render_html,
    render_page,
    template_version,
    text_width_em,
)
from tests.pdf.conftest import SAMPLES, admission_ticket, award, honour_record, skill_level


def test_values_are_normalised_from_enums() -> None:
    assert skill_level(level=SkillLevel.SENIOR_WORKER).level == "三级/高级工"
    assert award(award=AwardClass.GOLD).award == "金牌"
    assert skill_level(work_type=None).work_type_text == "--"
    assert skill_level(work_type="  ").work_type_text == "--"


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2025, 6, 30), "二〇二五年六月三十日"),
        (date(2025, 11, 18), "二〇二五年十一月十八日"),
        (date(2030, 10, 1), "二〇三〇年十月一日"),
        (date(2026, 12, 21), "二〇二六年十二月二十一日"),
    ],
)
def test_chinese_date(day: date, written: str) -> None:
    assert chinese_date(day) == written


def test_numeric_date() -> None:
    assert numeric_date(date(2025, 6, 3)) == "2025年6月3日"


def test_width_model_by_character_class() -> None:
    assert text_width_em("张三") == 2.0
    assert text_width_em("2025") == pytest.approx(2.4)
    assert text_width_em("（）“”") == 4.0  # full-width and ambiguous-width punctuation count as CJK


def test_short_text_keeps_its_size_and_long_text_shrinks() -> None:
    assert fit_text("张三", 70, 10, max_pt=18) == fit_text("张三", 70, 10, max_pt=18, max_lines=2)
    assert fit_text("张三", 70, 10, max_pt=18).size_pt == 18
    long = fit_text(
        "中国铁建重工集团股份有限公司长沙第二分公司盾构机再制造事业部",
        76,
        10,
        max_pt=15,
        min_pt=7,
        max_lines=2,
    )
    assert 7 <= long.size_pt < 15
    assert long.lines == 2
    one_line = fit_text("中国铁建重工集团股份有限公司长沙第二分公司", 76, 10, max_pt=15, min_pt=7)
    assert one_line.lines == 1
    assert one_line.size_pt * 25.4 / 72 * 21 <= 76  # 21 characters fit the 76 mm box


def test_text_too_long_even_at_the_minimum_wraps_instead() -> None:
    fit = fit_text("很" * 200, 50, 10, max_pt=12, min_pt=8)
    assert fit.size_pt == 8
    assert fit.lines > 1


def test_each_layout_declares_a_version() -> None:
    versions = {kind: template_version(document) for kind, (document, _) in SAMPLES.items()}
    assert versions["skill_level"].startswith("skill_level/")
    assert all(version.startswith(f"{kind}/") for kind, version in versions.items())


def test_injection_in_a_name_is_escaped_and_not_evaluated() -> None:
    html = render_page(skill_level(name="<script>alert(1)</script>{{ 7*7 }}"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in html


def test_fields_only_leaves_out_the_stock_and_shifts_the_fields() -> None:
    full = render_page(award())
    only = render_page(award(overprint=Overprint(fields_only=True, x_mm=2.5, y_mm=-1.5)))
    assert "获奖证书" in full
    assert "获奖证书" not in only
    assert "特发此证" not in only
    assert "李玥珺" in only
    assert "left:2.5mm;top:-1.5mm" in only


def test_offsets_are_bounded() -> None:
    with pytest.raises(ValueError, match="超出"):
        Overprint(x_mm=80)


def test_limits_of_one_page_layouts() -> None:
    entry = HonourRecordEntry(date(2025, 1, 1), "某奖", "某单位")
    with pytest.raises(ValueError, match="最多"):
        honour_record(entries=(entry,) * (HonourRecord.MAX_ENTRIES + 1))
    with pytest.raises(ValueError, match="最多"):
        admission_ticket(notes=("须知",) * 9)
    assert isinstance(admission_ticket(), AdmissionTicket)


def test_photo_must_be_an_image() -> None:
    with pytest.raises(ValueError, match="JPEG"):
        skill_level(photo=b"GIF89a...")


def test_css_is_linked_never_inline_in_a_style_block() -> None:
    html = render_html([skill_level(), award()])
    assert "<style" not in html
    assert 'href="certificates/fonts.css"' in html
    assert 'href="certificates/award.css"' in html
    assert render_html([skill_level()], links=False).count("<link") == 0
