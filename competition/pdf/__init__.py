"""Printed documents as PDF: certificates (获奖证书, 职业技能等级证书, 荣誉证书), 荣誉档案, 准考证 and the 套打
calibration page.

* :mod:`competition.pdf.documents` — frozen dataclasses of plain values, one per document kind, and the
  Jinja rendering of their HTML (``templates/certificates/``, CSS in ``static/certificates/``).
* :mod:`competition.pdf.render` — the only module that imports WeasyPrint: one document (or a few) to PDF
  bytes, with a fetcher that serves only ``static/`` and ``data:``.
* :mod:`competition.pdf.batch` — thousands of documents in worker processes: one merged print-ready PDF
  (chunks of ~100 pages merged with pypdf) or a ZIP of one PDF per person, with per-chunk progress.
* :mod:`competition.pdf.qr` — QR codes as SVG.

Importing this package imports nothing heavy; import the submodule you need.
"""
