"""Registration (报名): entries, eligibility checks (资格审查), ID documents and the draw (抽签).

Pure cores here — :mod:`.idnumbers`, :mod:`.eligibility`, :mod:`.draw` — use the standard library only;
importing this package must not pull in Flask.
"""
