"""The published promotion rule sets shipped with the platform, as versioned YAML (DOMAIN.md §4).

Pure: standard library plus PyYAML. Files live in ``competition/promotion/presets/`` and are named
``<id>.v<version>.yaml``; the file's own ``id`` and ``version`` must agree with its name. A contest stores the
preset's key (``id@version``), so an old contest keeps the rules it was run under when a new version ships
(the registry-keyed-by-a-stored-string design of TabbycatDebate's ``breakqual``).
"""

from __future__ import annotations

import re
from importlib import resources

from competition.errors import N_, DomainError, InvariantError
from competition.promotion.rules import RuleSet
from competition.promotion.ruleset_yaml import parse_ruleset

_FILE = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9_.\-]*)\.v(?P<version>[1-9][0-9]*)\.yaml$")


def _files() -> dict[tuple[str, int], str]:
    folder = resources.files("competition.promotion") / "presets"
    found: dict[tuple[str, int], str] = {}
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found[(match["id"], int(match["version"]))] = entry.name
    return found


def preset_ids() -> tuple[str, ...]:
    """The ids of the shipped presets, sorted (e.g. ``('heilongjiang-contest-measures', …)``)."""
    return tuple(sorted({preset_id for preset_id, _ in _files()}))


def preset_versions(preset_id: str) -> tuple[int, ...]:
    """The shipped versions of ``preset_id``, ascending; ``()`` when there is no such preset."""
    return tuple(sorted(version for pid, version in _files() if pid == preset_id))


def load_preset(preset_id: str, version: int | None = None) -> RuleSet:
    """Parse the preset ``preset_id`` at ``version`` (default: the newest) into a :class:`RuleSet`.

    Also accepts a stored key ``id@version``. Raises :class:`DomainError` for an unknown id or version
    and :class:`InvariantError` when a shipped file is invalid or disagrees with its file name (a bug).
    """
    if version is None and "@" in preset_id:
        preset_id, _, raw = preset_id.partition("@")
        if not raw.isdigit():
            raise DomainError(N_("无法识别的规则集版本“%(raw)s”"), raw=raw)
        version = int(raw)
    versions = preset_versions(preset_id)
    if not versions:
        raise DomainError(N_("没有名为“%(preset_id)s”的预置规则集"), preset_id=preset_id)
    if version is None:
        version = versions[-1]
    if version not in versions:
        raise DomainError(
            N_("预置规则集“%(preset_id)s”没有第 %(version)s 版"), preset_id=preset_id, version=version
        )
    name = _files()[(preset_id, version)]
    text = (resources.files("competition.promotion") / "presets" / name).read_text(encoding="utf-8")
    try:
        ruleset = parse_ruleset(text)
    except DomainError as err:
        raise InvariantError(f"shipped preset {name} is invalid: {err}") from err
    if (ruleset.id, ruleset.version) != (preset_id, version):
        raise InvariantError(f"preset file {name} declares {ruleset.key}")
    return ruleset


def load_presets() -> dict[str, RuleSet]:
    """Every shipped preset at its newest version, keyed by id. Raises as :func:`load_preset`."""
    return {preset_id: load_preset(preset_id) for preset_id in preset_ids()}
