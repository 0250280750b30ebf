"""Marking and results (评分与成绩): the database, service and page layer over the pure scoring core.

The core (:mod:`competition.scoring`) decides every mark, rank and award; this package stores schemes,
judges' marks with their history, sign-offs, published standings and appeals, and turns stored rows into
the core's :class:`~competition.scoring.marks.Sheet` s. It lives beside ``scoring`` rather than inside it
because the import-linter contract keeps the whole ``competition.scoring`` package free of Flask and
SQLAlchemy.

* :mod:`.models` — tables; :mod:`.schemes` — a stored scheme ↔ the core's ``MarkingScheme``;
* :mod:`.services` — panels, conflicts of interest, mark entry, submission, the chief judge's checks;
* :mod:`.results` — standings, publication for public notice, appeals, re-derivation files;
* :mod:`.views` — the judge's grid, the chief judge's desk and the organizer's pages.
"""
