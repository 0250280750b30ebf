"""No page template holds Chinese text or full-width punctuation outside a translation call.

The English walk (test_pages_english) sees only what the factory world makes a page show; a line such as
``{{ _('限') }} {{ d.limit }}）`` inside a table that needs diverging marks to appear slips past it. This
reads the templates themselves: once ``_()``/``gettext()`` calls, Jinja comments, comparisons with stored
values and elements marked ``lang="zh…"`` are taken out, nothing Chinese may be left.
"""

from __future__ import annotations

import re

from competition.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
#: PDFs stay Chinese on purpose (certificates, admission tickets, the public notice): their own templates.
CHINESE_ON_PURPOSE = ("certificates/", "dashboards/notice_pdf.html")
#: CJK ideographs, CJK symbols and punctuation (、。「」), full-width forms (（）：，；).
CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_REMOVED = (
    re.compile(r"\{#.*?#\}", re.S),  # comments
    re.compile(r"""\b(?:_|gettext|ngettext)\(\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", re.S),  # msgids
    re.compile(r"""[!=]=\s*(?:'[^']*'|"[^"]*")"""),  # comparisons with stored values: not shown
    re.compile(r"""<(\w+)[^>]*\blang="zh[^"]*"[^>]*>.*?</\1>""", re.S),  # written in Chinese on purpose
)


def untranslated(source: str) -> list[str]:
    """The lines of a template's ``source`` that still hold Chinese once translated parts are removed."""
    for pattern in _REMOVED:
        source = pattern.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    return [line.strip() for line in source.splitlines() if CHINESE.search(line)]


def test_page_templates_have_no_chinese_outside_translation_calls():
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith(CHINESE_ON_PURPOSE):
            continue
        lines = untranslated(path.read_text(encoding="utf-8"))
        if lines:
            found[name] = lines
    assert not found, "\n".join(f"{name}: {lines}" for name, lines in found.items())


def test_the_check_sees_text_glued_outside_a_call_and_lets_calls_through():
    assert untranslated("<td>{{ d.spread }}（{{ _('限') }} {{ d.limit }}）</td>") == [
        "<td>{{ d.spread }}（{{ ) }} {{ d.limit }}）</td>"
    ]
    assert untranslated("<code>x</code>。") == ["<code>x</code>。"]
    assert untranslated("{{ _('（%(x)s）', x=n) }}{# 注释 #}{% if s == '公示中' %}") == []
    assert untranslated('<button lang="zh-CN">中文</button>') == []
