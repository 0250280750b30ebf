"""技能竞赛与评价平台 (Skills Competition & Certification Platform).

This package docstring is all that lives here: importing a pure module such as
``competition.domain`` or ``competition.scoring.rules`` must not pull in Flask.
The web application is built by :func:`competition.app.create_app`.
"""
