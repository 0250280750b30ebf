"""Helpers to walk the app's URL map: every rule with placeholder values for its arguments."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from werkzeug.routing import AnyConverter, IntegerConverter, Rule


def dummy_value(rule: Rule, name: str) -> str | int:
    """A value the rule's converter accepts for argument ``name`` (1 for ids, the first choice of an
    ``any(...)``, ``"x"`` otherwise)."""
    converter = rule._converters[name]
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def rules_with(app: Flask, method: str) -> Iterator[Rule]:
    """Every rule of ``app`` answering ``method`` (static files left out), in a stable order."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if method in (rule.methods or ()) and rule.endpoint != "static":
            yield rule


def build(rule: Rule, values: dict[str, str | int] | None = None) -> str:
    """The path of ``rule`` with ``values``, placeholders for any argument not given."""
    given = dict(values or {})
    for name in rule._converters:
        given.setdefault(name, dummy_value(rule, name))
    built = rule.build(given, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {given}"
    return built[1]
