"""Skill-level promotion and honour titles earned by competition results (DOMAIN.md §4).

Pure modules, standard library and PyYAML only (no Flask, SQLAlchemy, WTForms):

* :mod:`competition.promotion.rules` — facts, rules, rule sets, derivation and the ``evaluate`` engine;
* :mod:`competition.promotion.overlaps` — warnings for rules that overlap with different outcomes;
* :mod:`competition.promotion.ruleset_yaml` — parse, validate and dump rule sets as YAML;
* :mod:`competition.promotion.presets` — the published rule sets shipped as versioned YAML files.
"""
