"""The English catalogue is complete, well-formed and up to date with the sources.

A string wrapped for translation anywhere (``_()`` in templates, ``gettext``/``lazy_gettext`` in views
and forms, ``N_()`` in pure modules) that the .po lacks fails ``test_catalogue_is_up_to_date`` with
the list of missing strings: run ``make messages`` and translate them.
"""

from __future__ import annotations

import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from competition.config import PROJECT_ROOT
from tests.i18n.conftest import ENGLISH_PO

#: The keywords `make messages` passes to pybabel besides Babel's defaults (which include N_).
EXTRA_KEYWORDS = ("_l", "lazy_gettext")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]?\d*(?:\.\d+)?[diouxXeEfFgGcrs]")
IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")
#: Chinese that an English reader must still type or see: column headings the exam-system file must
#: carry (marking/imports.py reads exactly these).
KEPT_CHINESE = ("参赛号", "成绩")


def _english():
    with ENGLISH_PO.open("rb") as po:
        return read_po(po)


def _source_msgids() -> set[str]:
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = dict(DEFAULT_KEYWORDS, **{keyword: None for keyword in EXTRA_KEYWORDS})
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=keywords
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_every_message_is_translated_with_the_same_placeholders():
    catalog = _english()
    messages = [message for message in catalog if message.id]
    assert len(messages) > 1000  # the whole interface, not a sample
    problems = []
    for message in messages:
        text = message.string
        if not text or not text.strip():
            problems.append(f"untranslated: {message.id}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {message.id}")
        elif sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"placeholders differ: {message.id} → {text}")
        elif IDEOGRAPH.search(re.sub("|".join(KEPT_CHINESE), "", text)):
            problems.append(f"Chinese left in the translation: {message.id} → {text}")
    assert not problems, "\n".join(problems)


def test_catalogue_is_up_to_date():
    in_sources = _source_msgids()
    in_catalogue = {message.id for message in _english() if message.id}
    missing = sorted(in_sources - in_catalogue)
    stale = sorted(in_catalogue - in_sources)
    assert not missing, "Not in translations/en (run `make messages`, then translate):\n" + "\n".join(missing)
    assert not stale, "No longer in the sources (run `make messages`):\n" + "\n".join(stale)


def test_placeholder_check_sees_a_wrong_translation():
    # the check above would catch a translation that drops or renames a placeholder
    assert PLACEHOLDER.findall("已导入：%(w)d 人更新，%(u)d 人不变。") == ["w", "u"]
    assert sorted(PLACEHOLDER.findall("%(n)s: %(s)s.")) == ["n", "s"]
    assert PLACEHOLDER.findall("100%% done") == []
