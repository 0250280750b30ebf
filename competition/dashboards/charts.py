"""Dashboard charts as SVG, drawn on the server with pygal (Kozea, the makers of WeasyPrint).

Charts are served as ``image/svg+xml`` and shown through ``<img>``, so the page's Content-Security-Policy
stays as it is (no inline styles or scripts in the page); pygal's tooltip script, loaded from a CDN by
default, is switched off (``js=[]``). Every chart has a table beside it on the page with the same
numbers (the accessible equivalent), and its ``<title>``/``<desc>`` summarise it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from decimal import Decimal

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from competition.dashboards.targets import Pace, Progress
from competition.i18n import translate

# pygal appends a legacy import hook (``find_module`` only) to ``sys.meta_path`` so map plugins import as
# ``pygal.maps.*``; we draw no maps, and Python 3.11 raises an ImportWarning for every later import that
# reaches such a finder (an error under the test suite's ``filterwarnings = error``): take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

_STYLE = Style(
    font_family='"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif',
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#111111",
    foreground_subtle="#52606d",
    colors=("#1c5fa8", "#b8c4d2", "#2f8f5b", "#c2410c"),
    title_font_size=16,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    tooltip_font_size=12,
)
#: Bars longer than this share of the target are drawn at this length (the table gives the figure).
_CAP = 150


def _config(**overrides: object) -> dict:
    config: dict = {
        "style": _STYLE,
        "js": [],
        "width": 760,
        "height": 360,
        "legend_at_bottom": True,
        "print_values": True,
        "explicit_size": False,
        "margin": 16,
        "truncate_label": -1,
        "no_data_text": _("暂无数据"),
    }
    config.update(overrides)
    return config


def _drop_scripts(root):
    """pygal always embeds a ``<script>`` (its tooltip configuration): the chart is shown as an image,
    where scripts never run, and its policy forbids them anyway — leave it out (a pygal ``xml_filter``)."""
    for parent in list(root.iter()):
        for child in [c for c in parent if c.tag == "script"]:
            parent.remove(child)
    return root


def _render(chart: pygal.graph.graph.Graph) -> bytes:
    chart.add_xml_filter(_drop_scripts)
    return chart.render(is_unicode=False)


def progress_chart(rows: Sequence[Progress], *, title: str, elapsed_percent: Decimal) -> bytes:
    """Horizontal bars: each measure with a target as the percentage reached, beside the share of the
    year gone (the even pace). Bars are capped at 150 %; the labels carry the counts."""
    # pygal draws the first value at the bottom: reverse, so the table's order reads top to bottom
    with_target = [r for r in rows if r.target is not None and r.pace is not Pace.NO_TARGET][::-1]
    widest = max((len(translate(r.label)) for r in with_target), default=4)
    chart = pygal.HorizontalBar(
        **_config(
            title=title,
            height=max(200, 90 + 70 * len(with_target)),
            range=(0, _CAP),
            # pygal measures labels as Latin text; CJK characters are about one em wide each
            margin_left=16 + widest * _STYLE.label_font_size,
            formatter=lambda v: f"{v:g}%" if v is not None else "",
        )
    )
    chart.x_labels = [translate(r.label) for r in with_target]
    chart.add(
        _("完成率"),
        [
            {
                "value": float(min(r.percent if r.percent is not None else Decimal(100), Decimal(_CAP))),
                "label": _(
                    "%(actual)s/%(target)s %(unit)s（%(pace)s）",
                    actual=r.actual,
                    target=r.target,
                    unit=translate(r.unit),
                    pace=translate(r.pace.label),
                ),
            }
            for r in with_target
        ],
    )
    chart.add(_("时间进度"), [float(elapsed_percent)] * len(with_target))
    return _render(chart)


def count_chart(labels: Sequence[str], values: Sequence[int], *, title: str, series: str) -> bytes:
    """A plain bar chart of counts (e.g. promotions by level)."""
    # drawn for a half-width column: narrower, so its text stays legible when scaled to fit
    chart = pygal.Bar(
        **_config(title=title, show_legend=False, width=480, height=320, formatter=lambda v: f"{v:g}")
    )
    chart.x_labels = list(labels)
    chart.add(series, list(values))
    return _render(chart)


def bodies_chart(
    names: Sequence[str], actual: Sequence[int], targets: Sequence[int | None], *, title: str
) -> bytes:
    """Grouped bars per body: the figure and its target (no bar where no target is set)."""
    chart = pygal.Bar(
        **_config(
            title=title,
            x_label_rotation=20 if len(names) > 3 else 0,
            formatter=lambda v: "" if v is None else f"{v:g}",
        )
    )
    chart.x_labels = list(names)
    chart.add(_("实际"), list(actual))
    chart.add(_("目标"), list(targets))
    return _render(chart)
