"""Fixtures of the translation tests: the English catalogue compiled from its .po before any test.

``make install`` compiles it too (Makefile, ``$(MO)``); this keeps a plain ``pytest`` run on a fresh
clone (where the .mo is not committed) or after editing the .po honest. Written atomically: xdist
workers may compile at the same time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from competition.config import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def compile_catalogue(po: Path) -> Path:
    """Compile ``po`` into the .mo beside it unless that is already newer; return the .mo path."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo
    with po.open("rb") as source:
        catalog = read_po(source)
    handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
    with os.fdopen(handle, "wb") as target:
        write_mo(target, catalog)
    os.replace(temporary, mo)
    return mo


@pytest.fixture(scope="session", autouse=True)
def english_catalogue() -> Path:
    """The compiled English catalogue (translations/en/LC_MESSAGES/messages.mo)."""
    return compile_catalogue(ENGLISH_PO)
