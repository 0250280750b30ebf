"""Hostile input: every parser of uploaded or hand-written files answers with a report or a DomainError,
never another exception, for random bytes and for valid files mutated at random."""

from __future__ import annotations

import contextlib
import io
import zipfile
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competition.config import PROJECT_ROOT
from competition.errors import DomainError
from competition.promotion import files as promotion_files
from competition.promotion.ruleset_yaml import parse_ruleset
from competition.registration.workbook import WorkbookReport, parse_workbook
from competition.scoring import files as scoring_files
from competition.scoring.xlsx_io import ImportReport, export_scheme_xlsx, import_scheme_xlsx
from tests.promotion.standings_data import tianjin_csv
from tests.registration.test_workbook import EVENTS, TEAM_SIZES, entry, filled
from tests.scoring.helpers import cis_bytes, rich_scheme

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = date(2025, 10, 26)

GOOD_WORKBOOK = filled([entry(1), entry(2), entry(3)])
_scheme, _aspects, _sections = rich_scheme()
GOOD_SCHEME = export_scheme_xlsx(_scheme, aspects=_aspects, sections=_sections)
GOOD_CIS = cis_bytes()


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` with a few bytes flipped, a slice cut out or the tail cut off."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "cut", "truncate", "insert"]))
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        if action == "flip":
            out[at] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del out[at : at + draw(st.integers(1, 64))]
        elif action == "truncate":
            del out[at:]
        else:
            out[at:at] = draw(st.binary(min_size=1, max_size=32))
    return bytes(out)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@st.composite
def mutated_xml(draw, data: bytes) -> bytes:
    """A valid .xlsx whose XML parts (zip still valid) have been mutated: the parser sees bad XML,
    not just a bad zip."""
    parts = _members(data)
    name = draw(st.sampled_from(sorted(n for n in parts if n.endswith(".xml"))))
    parts[name] = draw(mutated(parts[name]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, payload in parts.items():
            archive.writestr(member, payload)
    return buffer.getvalue()


def _workbook(data: bytes) -> None:
    report = parse_workbook(data, today=TODAY, event_titles=EVENTS, team_sizes=TEAM_SIZES)
    assert isinstance(report, WorkbookReport)
    assert report.file_error is None or not report.rows


def test_the_valid_seeds_are_valid():
    assert parse_workbook(GOOD_WORKBOOK, today=TODAY, event_titles=EVENTS, team_sizes=TEAM_SIZES).ok
    assert import_scheme_xlsx(GOOD_SCHEME).ok and import_scheme_xlsx(GOOD_CIS).ok


@FUZZ
@given(st.binary(max_size=4096))
def test_registration_workbook_random_bytes(data):
    _workbook(data)


@FUZZ
@given(st.one_of(mutated(GOOD_WORKBOOK), mutated_xml(GOOD_WORKBOOK)))
def test_registration_workbook_mutated(data):
    _workbook(data)


def _scheme_report(data: bytes) -> None:
    report = import_scheme_xlsx(data)
    assert isinstance(report, ImportReport)
    assert (report.scheme is None) == bool(report.problems) or report.scheme is None


@FUZZ
@given(st.binary(max_size=4096))
def test_scheme_importer_random_bytes(data):
    _scheme_report(data)


@settings(FUZZ, max_examples=50)  # each example opens a workbook (~0.05 s)
@given(st.one_of(mutated(GOOD_SCHEME), mutated_xml(GOOD_SCHEME), mutated_xml(GOOD_CIS)))
def test_scheme_importer_mutated(data):
    _scheme_report(data)


YAMLISH = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyz0123456789_-:[]{},.'\"!&*|>#%@`?\n \t一级二等奖")
    ),
    max_size=300,
)


def _ruleset(text: str) -> None:
    with contextlib.suppress(DomainError):
        parse_ruleset(text)


@FUZZ
@given(YAMLISH)
def test_ruleset_yaml_random_text(text):
    _ruleset(text)


PRESET = (PROJECT_ROOT / "competition/promotion/presets/tianjin-2024.v1.yaml").read_text(encoding="utf-8")


@st.composite
def mutated_text(draw, text: str) -> str:
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "replace_value", "indent", "duplicate"]))
        if action == "drop":
            del lines[at]
        elif action == "replace_value":
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(YAMLISH.map(lambda s: s.replace(chr(10), ' ')))}"
        elif action == "indent":
            lines[at] = "  " * draw(st.integers(0, 4)) + lines[at].lstrip()
        else:
            lines.insert(at, lines[at])
        if not lines:
            break
    return "\n".join(lines)


@FUZZ
@given(mutated_text(PRESET))
def test_ruleset_yaml_mutated_preset(text):
    _ruleset(text)


CSVISH = st.text(
    alphabet=st.sampled_from(list('abc,;"\n\r\t 0123456789.-+eE一二是否\x00\ufeff')), max_size=400
)


def _csv(reader, data) -> None:
    with contextlib.suppress(DomainError):
        reader(data)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=1024),
        CSVISH,
        CSVISH.map(lambda t: ",".join(scoring_files.MARKS_COLUMNS) + "\n" + t),
    )
)
def test_marks_csv(data):
    _csv(scoring_files.read_marks_csv, data)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=1024), CSVISH.map(lambda t: ",".join(scoring_files.STANDINGS_COLUMNS) + "\n" + t)
    )
)
def test_scoring_standings_csv(data):
    _csv(scoring_files.read_standings_csv, data)


TIANJIN = tianjin_csv()


@FUZZ
@given(st.one_of(st.binary(max_size=1024), CSVISH, mutated_text(TIANJIN), mutated(TIANJIN.encode("utf-8"))))
def test_promotion_standings_csv(data):
    _csv(promotion_files.read_standings_csv, data)
