"""Benchmarks: one module each, runnable alone as ``python -m benchmarks.NAME`` and together with
``make bench``. Each measures ours against a baseline in the same run and ends with one line
``RESULT NAME ratio=X.XX target=Y.YY key=value …``; results are recorded in ``benchmarks/RESULTS.md``.
"""

#: The benchmark modules ``make bench`` runs, in order (see ARCHITECTURE.md for the names).
NAMES: tuple[str, ...] = (
    "registration_import",
    "certificates",
    "standings",
    "mark_save",
    "promotion",
    "public_pages",
)
