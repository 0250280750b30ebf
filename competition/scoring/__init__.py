"""Scoring core (评分与排名): marking schemes, marks, ranking, award bands, standardised scale.

Pure modules, standard library only (ARCHITECTURE.md, layer 1); importing any of them must not pull in Flask
or SQLAlchemy. Data flow::

    MarkingScheme + Sheet  --score_sheet-->  Result  --build_standings-->  Standing (rank, award, reasons)

* :mod:`.rounding` — exact numbers (``Fraction``) and the display/rounding helper.
* :mod:`.aggregate` — several judges' scores → one (mean, trimmed mean, median); divergence.
* :mod:`.aspects` / :mod:`.deductions` — how one aspect is marked (bands, grades, 0–3 judgement, 扣分制 …).
* :mod:`.scheme` — the scheme tree (parts → criteria → aspects), vetoes, gates, time rules; validation.
* :mod:`.marks` — one competitor's sheet → explained marks and totals.
* :mod:`.ranking` — the tie-break chain and joint ranks (the only place ranks are decided).
* :mod:`.awards` — award bands (the only place awards are decided).
* :mod:`.standardise` — optional scaled marks shown beside raw marks.
* :mod:`.standings` — ranking + awards + scale for one event.
"""
