"""``flask scoring …``: re-derive an event's standings from plain files (复核), without a database.

    flask scoring standings --scheme SCHEME.xlsx --marks MARKS.csv [--out STANDINGS.csv]
                            [--awards 1,2,3 | --award-percent 10,20,30 | --national] [--standardise]

The scheme is our template or a WorldSkills CIS import sheet (detected); MARKS.csv and STANDINGS.csv are
described in :mod:`competition.scoring.files`. Marks, ranks and awards come from the pure scoring core only.
Errors print a message on stderr and exit with status 1; STANDINGS.csv is then left untouched. Messages
are Chinese; ``--lang en`` prints them (the table, the summary, errors and notes) in English from the
interface's catalogue (translations/en, compiled by ``make``), the files themselves stay as they are;
``flask scoring standings --help --lang en`` shows the command's help in English too.

``scoring_cli`` is a plain :class:`click.Group` (Flask's ``AppGroup`` is a subclass of it): the scoring
package is a pure core that the import-linter contract forbids from importing Flask, and no command here
needs an application context. Register it with ``app.cli.add_command(scoring_cli)``.
"""

from __future__ import annotations

import contextlib
import gettext
import os
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

import click

from competition.domain import PartKind
from competition.errors import N_, DomainError, Text, fmt, joined, render
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

#: ``--lang`` value → the catalogue's language directory under translations/ (``None``: Chinese as written).
LANGUAGES = {"zh": None, "en": "en"}
_TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def translator(lang: str) -> Callable[[str], str]:
    """The ``gettext`` function of ``lang`` (a key of :data:`LANGUAGES`): the identity for Chinese; for
    English the interface's compiled catalogue (translations/en/LC_MESSAGES/messages.mo), falling back to
    the Chinese text for a message it lacks (or when the catalogue was not compiled)."""
    directory = LANGUAGES[lang]
    if directory is None:
        return str
    return gettext.translation(
        "messages", localedir=_TRANSLATIONS, languages=[directory], fallback=True
    ).gettext


_say: Callable[[str], str] = str  # the running command's translator (the CLI runs one command at a time)

_LANG_KEY = "competition.scoring.lang"  # ctx.meta key: the --lang given on the command line


def _given_lang(args: Sequence[str]) -> str:
    """The ``--lang`` value among ``args`` (``--lang en`` or ``--lang=en``), ``zh`` when absent or unknown,
    read before click parses them so ``--help`` (which stops parsing) can be shown in that language."""
    lang = "zh"
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            lang = args[index + 1]
        elif arg.startswith("--lang="):
            lang = arg.removeprefix("--lang=")
    return lang if lang in LANGUAGES else "zh"


@contextlib.contextmanager
def _help_in_lang(item: click.Command | click.Option, ctx: click.Context) -> Iterator[None]:
    """Inside the block ``item.help`` is in the command line's ``--lang``; restored after."""
    original = item.help
    item.help = translator(ctx.meta.get(_LANG_KEY, "zh"))(original) if original else original
    try:
        yield
    finally:
        item.help = original


class _LangCommand(click.Command):
    """A command whose ``--help`` (its description and every option's help) is in its ``--lang``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_LANG_KEY] = _given_lang(args)
        return super().parse_args(ctx, args)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _help_in_lang(self, ctx):
            super().format_help_text(ctx, formatter)


class _LangOption(click.Option):
    """An option whose help text (marked with :func:`N_`) is shown in the command's ``--lang``."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        with _help_in_lang(self, ctx):
            return super().get_help_record(ctx)


def _text(value: object) -> str:
    """``value`` (a marked message or plain text) in the running command's language."""
    return str(render(value, _say))


class CommandError(click.ClickException):
    """An error message on stderr (``错误：…``, in the command's ``--lang``), exit status 1.

    ``text`` is the message as marked (:func:`~competition.errors.fmt`), for callers that show it
    elsewhere (the results page translates it)."""

    def __init__(self, text: str) -> None:
        super().__init__(str(text))
        self.text = text

    def show(self, file=None) -> None:
        click.echo(_text(fmt(N_("错误：%(message)s"), message=self.text)), err=True)


scoring_cli = click.Group("scoring", help="评分与排名：由评分标准和成绩文件复核排名。")


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise CommandError(
            fmt(N_("无法读取%(what)s %(path)s：%(error)s"), what=what, path=path, error=err.strerror or err)
        ) from None


def _numbers(text: str, option: str) -> list[Decimal]:
    try:
        values = [Decimal(part.strip()) for part in text.replace("，", ",").split(",")]
    except InvalidOperation:
        raise CommandError(
            fmt(N_("%(option)s 须为三个用逗号分隔的数，如 1,2,3：“%(text)s”"), option=option, text=text)
        ) from None
    if len(values) != 3 or any(not v.is_finite() or v < 0 for v in values):
        raise CommandError(
            fmt(
                N_("%(option)s 须为三个用逗号分隔的非负数（一、二、三等奖）：“%(text)s”"),
                option=option,
                text=text,
            )
        )
    return values


def _award_policy(
    awards: str | None, percent: str | None, national: bool
) -> tuple[AwardPolicy, RankingPolicy, str]:
    """The award and ranking policies of the options, with their description (a marked message, Chinese
    as a ``str``). Raises :class:`CommandError` for options that conflict or do not parse."""
    chosen = [
        name
        for name, on in (("--awards", awards), ("--award-percent", percent), ("--national", national))
        if on
    ]
    if len(chosen) > 1:
        raise CommandError(fmt(N_("%(options)s 只能选用一个"), options=joined(chosen)))
    if national:
        return (
            national_policy(),
            RankingPolicy(allow_joint=False),
            N_("全国技能大赛：金银铜各1名，优胜奖至前一半（排名不并列）"),
        )
    if percent:
        first, second, third = _numbers(percent, "--award-percent")
        if first + second + third > 100:
            raise CommandError(N_("--award-percent 合计不能超过 100"))
        return (
            percent_policy(first, second, third),
            RankingPolicy(),
            fmt(
                N_("一等奖 %(first)s%%、二等奖 %(second)s%%、三等奖 %(third)s%%（向下取整）"),
                first=first,
                second=second,
                third=third,
            ),
        )
    counts = _numbers(awards or "1,2,3", "--awards")
    if any(c != c.to_integral_value() for c in counts):
        raise CommandError(fmt(N_("--awards 须为整数名额：“%(text)s”"), text=awards))
    first, second, third = (int(c) for c in counts)
    return (
        counts_policy(first, second, third),
        RankingPolicy(),
        fmt(
            N_("一等奖 %(first)s 名、二等奖 %(second)s 名、三等奖 %(third)s 名"),
            first=first,
            second=second,
            third=third,
        ),
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(standings: Sequence[Standing], kinds: Sequence[PartKind]) -> str:
    header = [
        _text(label)
        for label in (
            N_("名次"),
            N_("参赛号"),
            N_("总分"),
            *(k.label for k in kinds),
            N_("全部及格"),
            N_("奖项"),
            N_("说明"),
        )
    ]
    lines = [header]
    yes_no = {True: _text(N_("是")), False: _text(N_("否")), None: ""}
    status = {"ranked": "", "not_ranked": _text(N_("不参与排名")), "disqualified": _text(N_("取消成绩"))}
    for s in standings:
        scores = {p.kind: p.score for p in s.parts}
        rank = (
            ""
            if s.rank is None
            else (_text(fmt(N_("%(rank)s（并列）"), rank=s.rank)) if s.joint else str(s.rank))
        )
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
                yes_no[s.all_passed],
                "" if s.award is None else _text(s.award.label),
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


@scoring_cli.command(
    "standings",
    cls=_LangCommand,
    help=N_("由评分标准和成绩文件计算成绩排名，打印排名表并写出 STANDINGS.csv。"),
)
@click.option(
    "--scheme",
    "scheme_path",
    cls=_LangOption,
    required=True,
    help=N_("评分标准 .xlsx（本平台模板或 WorldSkills CIS 导入表）"),
)
@click.option(
    "--marks", "marks_path", cls=_LangOption, required=True, help=N_("成绩文件 MARKS.csv（UTF-8，逗号分隔）")
)
@click.option(
    "--out",
    "out_path",
    cls=_LangOption,
    default="STANDINGS.csv",
    show_default=True,
    help=N_("写出的排名文件"),
)
@click.option("--awards", cls=_LangOption, default=None, help=N_("一、二、三等奖名额，如 1,2,3（默认）"))
@click.option(
    "--award-percent", cls=_LangOption, default=None, help=N_("一、二、三等奖占参赛人数的百分比，如 10,20,30")
)
@click.option(
    "--national",
    cls=_LangOption,
    is_flag=True,
    help=N_("全国技能大赛：金银铜前三名，优胜奖至前一半，排名不并列"),
)
@click.option(
    "--standardise", cls=_LangOption, is_flag=True, help=N_("另列标准分（中位数=700，每个标准差20分）")
)
@click.option(
    "--lang",
    cls=_LangOption,
    type=click.Choice(sorted(LANGUAGES)),
    default="zh",
    show_default=True,
    help=N_("输出语言（排名表、提示与错误、--help）：zh 中文，en English"),
)
def standings_command(
    scheme_path: str,
    marks_path: str,
    out_path: str,
    awards: str | None,
    award_percent: str | None,
    national: bool,
    standardise: bool,
    lang: str,
) -> None:
    """Compute the standings from a scheme and a marks file (help text: the ``help`` given above)."""
    global _say
    _say = translator(lang)
    award_policy, ranking, award_text = _award_policy(awards, award_percent, national)
    report = import_scheme_xlsx(_read(scheme_path, N_("评分标准文件")))
    for note in report.notes:
        click.echo(_text(fmt(N_("提示：%(note)s"), note=note)), err=True)
    if not report.ok:
        listing = "\n".join(f"  {_text(p.text)}" for p in report.problems)
        heading = fmt(
            N_("评分标准 %(path)s 有 %(n)s 处问题，未计算排名："), path=scheme_path, n=len(report.problems)
        )
        raise CommandError(Text("%(heading)s\n%(listing)s", {"heading": heading, "listing": listing}))
    scheme = report.require()
    try:
        rows = read_marks_csv(_read(marks_path, N_("成绩文件")), file=Path(marks_path).name)
        bundle = build_sheets(rows, scheme, file=Path(marks_path).name)
        policy = StandingsPolicy(
            ranking=ranking,
            awards=award_policy,
            standardiser=MedianSpread() if standardise else None,
            rounding=scheme.rounding,
        )
        standings = standings_from_marks(scheme, bundle, policy)
    except DomainError as err:
        raise CommandError(err.text) from None
    event = bundle.event or scheme.name
    text = write_standings_csv(standings_rows(standings, event=event))
    out = Path(out_path)
    try:
        _write_atomically(out, text)
    except OSError as err:
        raise CommandError(
            fmt(N_("无法写出 %(path)s：%(error)s"), path=out_path, error=err.strerror or err)
        ) from None
    kinds = [p.kind for p in scheme.parts]
    weights = joined(
        fmt(N_("%(part)s %(weight)s%%"), part=p.kind.label, weight=p.weight) for p in scheme.parts
    )
    ranked = sum(1 for s in standings if s.rank is not None)
    layout = N_("CIS 导入表") if report.layout == "cis" else N_("本平台模板")
    click.echo(
        _text(fmt(N_("%(event)s（%(layout)s；%(weights)s）"), event=event, layout=layout, weights=weights))
    )
    click.echo(
        _text(
            fmt(
                N_("奖项：%(awards)s；参与排名 %(ranked)s 人，共 %(total)s 人"),
                awards=award_text,
                ranked=ranked,
                total=len(standings),
            )
        )
    )
    click.echo(_table(standings, kinds))
    inexact = [s.entry for s in standings if s.total is not None and not total_is_exact(s.total)]
    if inexact:
        note = N_("注：%(entries)s 的总分为无限小数，STANDINGS.csv 中保留 10 位小数（四舍五入）。")
        click.echo(_text(fmt(note, entries=joined(inexact))))
    click.echo(_text(fmt(N_("已写出 %(path)s"), path=out)))
