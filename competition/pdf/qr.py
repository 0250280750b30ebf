"""QR codes for printed documents, drawn by segno as SVG (vector: sharp at any print resolution, a few
hundred bytes in the PDF).

Error correction M (15 % of the code may be smudged or stamped over), raised by segno when that costs no
extra size; no quiet zone in the SVG itself — layouts leave white space around the code.
"""

from __future__ import annotations

from functools import lru_cache

import segno

__all__ = ["qr_svg", "qr_svg_data_uri"]


def _make(data: str) -> segno.QRCode:
    if not data:
        raise ValueError("QR code content is empty")
    return segno.make_qr(data, error="m")


@lru_cache(maxsize=256)
def qr_svg_data_uri(data: str) -> str:
    """A ``data:image/svg+xml`` URI of the QR code of ``data`` (a URL), without size attributes so it
    scales to the box it is drawn in. Raises :class:`ValueError` for empty or over-long data."""
    return _make(data).svg_data_uri(border=0, omitsize=True, dark="#000")


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as inline SVG markup (``<svg …>…</svg>``), scalable, no quiet zone."""
    return _make(data).svg_inline(border=0, omitsize=True, dark="#000")
