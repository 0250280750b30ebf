"""``flask scoring …``: re-derive an event's standings from plain files (复核), without a database.

    flask scoring standings --scheme SCHEME.xlsx --marks MARKS.csv [--out STANDINGS.csv]
                            [--awards 1,2,3 | --award-percent 10,20,30 | --national] [--standardise]

The scheme is our template or a WorldSkills CIS import sheet (detected); MARKS.csv and STANDINGS.csv are
described in :mod:`competition.scoring.files`. Marks, ranks and awards come from the pure scoring core only.
Errors print a Chinese message on stderr and exit with status 1; STANDINGS.csv is then left untouched.

``scoring_cli`` is a plain :class:`click.Group` (Flask's ``AppGroup`` is a subclass of it): the scoring
package is a pure core that the import-linter contract forbids from importing Flask, and no command here
needs an application context. Register it with ``app.cli.add_command(scoring_cli)``.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import click

from competition.domain import PartKind
from competition.errors import DomainError
from competition.scoring.awards import AwardPolicy, counts_policy, national_policy, percent_policy
from competition.scoring.files import (
    build_sheets,
    read_marks_csv,
    standings_from_marks,
    standings_rows,
    total_is_exact,
    write_standings_csv,
)
from competition.scoring.ranking import RankingPolicy
from competition.scoring.rounding import quantize
from competition.scoring.standardise import MedianSpread
from competition.scoring.standings import Standing, StandingsPolicy
from competition.scoring.xlsx_io import import_scheme_xlsx


class CommandError(click.ClickException):
    """A Chinese error message on stderr, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", err=True)


scoring_cli = click.Group("scoring", help="评分与排名：由评分标准和成绩文件复核排名。")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise CommandError(f"无法读取{what} {path}：{err.strerror or err}") from None


def _numbers(text: str, option: str) -> list[Decimal]:
    try:
        values = [Decimal(part.strip()) for part in text.replace("，", ",").split(",")]
    except InvalidOperation:
        raise CommandError(f"{option} 须为三个用逗号分隔的数，如 1,2,3：“{text}”") from None
    if len(values) != 3 or any(not v.is_finite() or v < 0 for v in values):
        raise CommandError(f"{option} 须为三个用逗号分隔的非负数（一、二、三等奖）：“{text}”")
    return values


def _award_policy(
    awards: str | None, percent: str | None, national: bool
) -> tuple[AwardPolicy, RankingPolicy, str]:
    chosen = [
        name
        for name, on in (("--awards", awards), ("--award-percent", percent), ("--national", national))
        if on
    ]
    if len(chosen) > 1:
        raise CommandError(f"{'、'.join(chosen)} 只能选用一个")
    if national:
        return (
            national_policy(),
            RankingPolicy(allow_joint=False),
            "全国技能大赛：金银铜各1名，优胜奖至前一半（排名不并列）",
        )
    if percent:
        first, second, third = _numbers(percent, "--award-percent")
        if first + second + third > 100:
            raise CommandError("--award-percent 合计不能超过 100")
        return (
            percent_policy(first, second, third),
            RankingPolicy(),
            f"一等奖 {first}%、二等奖 {second}%、三等奖 {third}%（向下取整）",
        )
    counts = _numbers(awards or "1,2,3", "--awards")
    if any(c != c.to_integral_value() for c in counts):
        raise CommandError(f"--awards 须为整数名额：“{awards}”")
    first, second, third = (int(c) for c in counts)
    return (
        counts_policy(first, second, third),
        RankingPolicy(),
        f"一等奖 {first} 名、二等奖 {second} 名、三等奖 {third} 名",
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(standings: Sequence[Standing], kinds: Sequence[PartKind]) -> str:
    header = ["名次", "参赛号", "总分", *(k.label for k in kinds), "全部及格", "奖项", "说明"]
    lines = [header]
    for s in standings:
        scores = {p.kind: p.score for p in s.parts}
        rank = "" if s.rank is None else (f"{s.rank}（并列）" if s.joint else str(s.rank))
        status = {"ranked": "", "not_ranked": "不参与排名", "disqualified": "取消成绩"}
        kind = (
            "disqualified"
            if s.status.value == "disqualified"
            else ("ranked" if s.rank is not None else "not_ranked")
        )
        lines.append(
            [
                rank,
                s.entry,
                "" if s.display_total is None else f"{s.display_total:f}",
                *("" if scores.get(k) is None else f"{_two(scores[k])}" for k in kinds),
                {True: "是", False: "否", None: ""}[s.all_passed],
                "" if s.award is None else s.award.label,
                status[kind],
            ]
        )
    widths = [max(_width(row[i]) for row in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in lines
    )


def _two(value: Fraction) -> str:
    return f"{quantize(value, 2):f}"


def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".standings-", suffix=".csv", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@scoring_cli.command("standings")
@click.option(
    "--scheme", "scheme_path", required=True, help="评分标准 .xlsx（本平台模板或 WorldSkills CIS 导入表）"
)
@click.option("--marks", "marks_path", required=True, help="成绩文件 MARKS.csv（UTF-8，逗号分隔）")
@click.option("--out", "out_path", default="STANDINGS.csv", show_default=True, help="写出的排名文件")
@click.option("--awards", default=None, help="一、二、三等奖名额，如 1,2,3（默认）")
@click.option("--award-percent", default=None, help="一、二、三等奖占参赛人数的百分比，如 10,20,30")
@click.option("--national", is_flag=True, help="全国技能大赛：金银铜前三名，优胜奖至前一半，排名不并列")
@click.option("--standardise", is_flag=True, help="另列标准分（中位数=700，每个标准差20分）")
def standings_command(
    scheme_path: str,
    marks_path: str,
    out_path: str,
    awards: str | None,
    award_percent: str | None,
    national: bool,
    standardise: bool,
) -> None:
    """由评分标准和成绩文件计算成绩排名，打印排名表并写出 STANDINGS.csv。"""
    award_policy, ranking, award_text = _award_policy(awards, award_percent, national)
    report = import_scheme_xlsx(_read(scheme_path, "评分标准文件"))
    for note in report.notes:
        click.echo(f"提示：{note}", err=True)
    if not report.ok:
        listing = "\n".join(f"  {p}" for p in report.problems)
        raise CommandError(
            f"评分标准 {scheme_path} 有 {len(report.problems)} 处问题，未计算排名：\n{listing}"
        )
    scheme = report.require()
    try:
        rows = read_marks_csv(_read(marks_path, "成绩文件"), file=Path(marks_path).name)
        bundle = build_sheets(rows, scheme, file=Path(marks_path).name)
        policy = StandingsPolicy(
            ranking=ranking,
            awards=award_policy,
            standardiser=MedianSpread() if standardise else None,
            rounding=scheme.rounding,
        )
        standings = standings_from_marks(scheme, bundle, policy)
    except DomainError as err:
        raise CommandError(err.message) from None
    event = bundle.event or scheme.name
    text = write_standings_csv(standings_rows(standings, event=event))
    out = Path(out_path)
    try:
        _write_atomically(out, text)
    except OSError as err:
        raise CommandError(f"无法写出 {out_path}：{err.strerror or err}") from None
    kinds = [p.kind for p in scheme.parts]
    weights = "、".join(f"{p.kind.label} {p.weight}%" for p in scheme.parts)
    ranked = sum(1 for s in standings if s.rank is not None)
    click.echo(f"{event}（{'CIS 导入表' if report.layout == 'cis' else '本平台模板'}；{weights}）")
    click.echo(f"奖项：{award_text}；参与排名 {ranked} 人，共 {len(standings)} 人")
    click.echo(_table(standings, kinds))
    inexact = [s.entry for s in standings if s.total is not None and not total_is_exact(s.total)]
    if inexact:
        click.echo(f"注：{'、'.join(inexact)} 的总分为无限小数，STANDINGS.csv 中保留 10 位小数（四舍五入）。")
    click.echo(f"已写出 {out}")
