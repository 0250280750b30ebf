"""``flask promotion …``: the promotion what-if and the shipped presets (without a database), and the
year's evaluation (with it).

* ``flask promotion evaluate --ruleset RULES.yaml|PRESET_ID --standings STANDINGS.csv [--out DECISIONS.csv]
  [--today YYYY-MM-DD]`` — reads the standings (format: :mod:`competition.promotion.files`), applies the
  rule set with the engine, prints the decisions grouped by person (granted, pending, superseded, blocked,
  with reasons) and writes DECISIONS.csv (UTF-8 with a BOM, for Excel). Overlap warnings of the rule set
  are printed to stderr. ``--out`` defaults to ``DECISIONS.csv`` beside the standings file; ``--today``
  to today's date in China Standard Time.
* ``flask promotion presets`` — the shipped presets: id, version, name.
* ``flask promotion export-preset ID [--out FILE]`` — a preset as YAML (to edit and pass to ``--ruleset``).
* ``flask promotion evaluate-year --body ID --year YYYY`` — propose or re-evaluate the decisions of every
  contest of an organizing body in a year, from the database (what happens per contest when its results
  become final, or when the organizer presses 重新评估).

Errors (a bad file, an unknown preset) exit with status 1 and the Chinese message on stderr.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import IO, Any

import click
from flask.cli import AppGroup

from competition import clock
from competition.errors import N_, DomainError
from competition.promotion.files import (
    Standings,
    StandingsRow,
    StandingStatus,
    evaluate_standings,
    load_standings_csv,
    write_decisions_csv,
)
from competition.promotion.overlaps import overlap_warnings
from competition.promotion.presets import load_preset, preset_ids, preset_versions
from competition.promotion.rules import Decision, DecisionKind, DecisionStatus, RuleSet
from competition.promotion.ruleset_yaml import dump_ruleset, load_ruleset

promotion_cli = AppGroup("promotion", help="晋升规则：试算晋升与荣誉称号，查看和导出预置规则集。")


class CommandError(click.ClickException):
    """A Chinese error message for the terminal; exit status 1."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True, file=file)


def resolve_ruleset(ref: str) -> RuleSet:
    """The rule set named by ``ref``: a YAML file path if such a file exists, else a preset id.

    ``ref``: ``rules/tianjin.yaml``, ``tianjin-2024`` or ``tianjin-2024@1``. Raises :class:`DomainError`
    (Chinese) for a file that cannot be read or is invalid, or when ``ref`` is neither a file nor a preset.
    """
    path = Path(ref)
    if path.is_file():
        try:
            return load_ruleset(path)
        except OSError as err:
            raise DomainError(
                N_("无法读取规则文件“%(ref)s”：%(err)s"), ref=ref, err=err.strerror or err
            ) from None
        except DomainError as err:
            raise DomainError(
                N_("规则文件“%(ref)s”有误：%(detail)s"), ref=ref, detail=err.message, field=err.field
            ) from None
    if path.suffix.lower() in (".yaml", ".yml") or "/" in ref or "\\" in ref:
        raise DomainError(N_("找不到规则文件“%(ref)s”"), ref=ref)
    try:
        return load_preset(ref)
    except DomainError as err:
        available = "、".join(preset_ids())
        raise DomainError(
            N_("%(detail)s（也没有这个名字的规则文件）；可用的预置规则集：%(available)s"),
            detail=err.message,
            available=available,
        ) from None


def _parse_today(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return clock.now().date()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise CommandError(f"--today 应为日期（YYYY-MM-DD），而不是“{value}”")


@promotion_cli.command("evaluate")
@click.option(
    "--ruleset",
    "ruleset_ref",
    required=True,
    metavar="RULES.yaml|PRESET_ID",
    help="规则集：YAML 文件路径，或预置规则集标识（如 tianjin-2024、tianjin-2024@1）。",
)
@click.option(
    "--standings",
    "standings_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="STANDINGS.csv",
    help="成绩排名文件（flask scoring standings 的输出，加上选手属性列）。",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="DECISIONS.csv",
    help="决定文件的保存路径（默认：成绩文件所在目录下的 DECISIONS.csv）。",
)
@click.option(
    "--today",
    callback=_parse_today,
    metavar="YYYY-MM-DD",
    help="评定日期（默认：今天）。此日期尚未生效的成绩只给出“待生效”。",
)
def evaluate_command(ruleset_ref: str, standings_path: Path, out_path: Path | None, today: date) -> None:
    """Apply a rule set to STANDINGS.csv, print the decisions by person and write DECISIONS.csv."""
    out_path = out_path or standings_path.with_name("DECISIONS.csv")
    if out_path.resolve() == standings_path.resolve():
        raise CommandError("决定文件不能覆盖成绩文件，请用 --out 指定其他路径")
    try:
        ruleset = resolve_ruleset(ruleset_ref)
        standings = load_standings_csv(standings_path)
    except DomainError as err:
        raise CommandError(err.message) from None
    except OSError as err:
        raise CommandError(f"无法读取成绩文件“{standings_path}”：{err.strerror or err}") from None
    for warning in overlap_warnings(ruleset):
        click.echo(f"警告：{warning}", err=True)
    decisions = evaluate_standings(ruleset, standings, today=today)
    click.echo(f"规则集：{ruleset.key} {ruleset.name}")
    click.echo(f"成绩文件：{standings_path}（{len(standings.rows)} 行）；评定日期：{today.isoformat()}")
    for line in format_decisions(decisions, standings):
        click.echo(line)
    try:
        out_path.write_text(
            write_decisions_csv(decisions, names=standings.names), encoding="utf-8-sig", newline=""
        )
    except OSError as err:
        raise CommandError(f"无法写入决定文件“{out_path}”：{err.strerror or err}") from None
    click.echo(f"\n已写入 {out_path}（{len(decisions)} 条决定）。")


def format_decisions(decisions: list[Decision], standings: Standings) -> list[str]:
    """The decisions as readable Chinese lines, grouped by person in the order of the standings file.

    A person with any decision other than ``no_match`` gets a block: each result (contest / event, rank,
    current level) and under it each decision as ``【状态】结果（规则 id）`` followed by the source for a
    granted one or the engine's reason (its last clause) otherwise. People with nothing are listed together at the end, and
    a last line counts the decisions by status.
    """
    rows: dict[tuple[str, str, str], StandingsRow] = {row.key: row for row in standings.rows}
    by_person: dict[str, list[Decision]] = defaultdict(list)
    for decision in decisions:
        by_person[decision.person_key].append(decision)
    first_rows: dict[str, StandingsRow] = {}
    for row in standings.rows:
        first_rows.setdefault(row.person, row)
    lines: list[str] = []
    nothing: list[str] = []
    for person, first in first_rows.items():
        mine = by_person.get(person, [])
        who = f"{first.name}（{person}）" if first.name else person
        if all(d.status is DecisionStatus.NO_MATCH for d in mine):
            results = "，".join(_result_text(rows[(d.person_key, d.contest_key, d.event_key)]) for d in mine)
            nothing.append(f"{first.name or person} {results}")
            continue
        lines.extend(["", who])
        current: tuple[str, str] | None = None
        for d in mine:
            if (d.contest_key, d.event_key) != current:
                current = (d.contest_key, d.event_key)
                row = rows[(d.person_key, d.contest_key, d.event_key)]
                level = f"，{row.facts.level_text}" if row.facts else ""
                lines.append(f"  {d.contest_key} / {d.event_key}：{_result_text(row)}{level}")
            rule = f"（规则 {d.rule_id}）" if d.rule_id else ""
            lines.append(f"    【{d.status.label}】{d.outcome_text}{rule}")
            if d.status is DecisionStatus.GRANTED:
                lines.append(f"        依据：{d.rule_source}")
            else:
                lines.append(f"        理由：{_why(d)}")
    if nothing:
        lines.extend(["", f"未获晋升或荣誉称号（{len(nothing)} 人）：", *(f"  {n}" for n in nothing)])
    lines.extend(["", _summary(decisions)])
    return lines


def _why(d: Decision) -> str:
    # The engine's reason repeats the source and facts printed above; show its last clause when it has
    # the usual "…；<status>：<why>" shape (DECISIONS.csv keeps the whole sentence).
    _head, sep, tail = d.reason.partition(f"；{d.status.label}：")
    return tail if sep and tail else d.reason


def _result_text(row: StandingsRow) -> str:
    if row.facts is None:
        return "取消资格" if row.status is StandingStatus.DISQUALIFIED else "未排名"
    return row.facts.rank_text


def _summary(decisions: list[Decision]) -> str:
    counts = Counter(d.status for d in decisions)
    granted = Counter(d.kind for d in decisions if d.status is DecisionStatus.GRANTED)
    parts = []
    for status in DecisionStatus:
        if not counts[status]:
            continue
        text = f"{status.label} {counts[status]} 项"
        if status is DecisionStatus.GRANTED:
            kinds = "，".join(f"{kind.label} {granted[kind]}" for kind in DecisionKind if granted[kind])
            text += f"（{kinds}）"
        parts.append(text)
    return "合计：" + ("；".join(parts) if parts else "没有决定")


@promotion_cli.command("presets")
def presets_command() -> None:
    """List the shipped preset rule sets: id, version and name."""
    ids = preset_ids()
    width = max((len(i) for i in ids), default=0)
    for preset_id in ids:
        for version in preset_versions(preset_id):
            ruleset = load_preset(preset_id, version)
            click.echo(f"{preset_id:<{width}}  v{version}  {ruleset.name}")


@promotion_cli.command("export-preset")
@click.argument("preset_id", metavar="ID")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="保存到此 YAML 文件（默认：输出到屏幕）。",
)
def export_preset_command(preset_id: str, out_path: Path | None) -> None:
    """Write a shipped preset (ID or ID@VERSION) as YAML, to edit and use with ``evaluate --ruleset``."""
    try:
        ruleset = load_preset(preset_id)
    except DomainError as err:
        raise CommandError(f"{err.message}；可用的预置规则集：{'、'.join(preset_ids())}") from None
    text = dump_ruleset(ruleset)
    if out_path is None:
        click.echo(text, nl=False)
        return
    try:
        out_path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise CommandError(f"无法写入“{out_path}”：{err.strerror or err}") from None
    click.echo(f"已导出 {ruleset.key} 到 {out_path}。")


@promotion_cli.command("evaluate-year")
@click.option("--body", "body_id", type=int, required=True, help="组织单位的编号（如市人社局）。")
@click.option("--year", type=int, required=True, help="竞赛年度，如 2026。")
def evaluate_year_command(body_id: int, year: int) -> None:
    """Propose (or re-evaluate) the promotion and title decisions of every contest of a body in a year.

    Uses the database (unlike ``evaluate``): the same decisions as each contest's own evaluation, read and
    written in a fixed number of queries (``services.evaluate_year``); audited; prints the counts and the
    contests left out with the reason (not yet under public notice, no rule set, nothing published).
    """
    from competition.extensions import db
    from competition.promotion import services

    contests = services.year_contests(body_id, year)
    if not contests:
        raise CommandError(f"组织单位 {body_id} 在 {year} 年没有竞赛。")
    report = services.evaluate_year(contests, actor=None, now=clock.now())
    db.session.commit()
    click.echo(report.summary)
    names = {c.id: c.name for c in contests}
    for contest_id, why in report.skipped.items():
        click.echo(f"未评估：{names[contest_id]}：{why}")
