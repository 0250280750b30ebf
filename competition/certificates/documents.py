"""Award and honour documents with the issuing body's marks: emblem, seal and signature (pure values).

The layouts of :mod:`competition.pdf.documents` have no national format for these kinds; an organizing
body prints its own emblem (会徽, on the stock part, left out when printing fields only), its seal
(公章) over the issuer's name and a signature (签名). These subclasses add the three images (PNG or
JPEG bytes, or ``None``) and keep everything else, including the layout and its version; the layouts
draw them only when present (``doc.seal_uri is defined and doc.seal_uri``), so documents without
marks render exactly as before. Module-level classes, so batches can pickle them to worker processes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from competition.pdf.documents import AwardCertificate, HonourCertificate, HonourRecord

__all__ = ["MarkedAward", "MarkedHonour", "MarkedHonourRecord", "image_mime"]


def image_mime(data: bytes | None) -> str | None:
    """``image/png`` or ``image/jpeg`` by the file's signature, else ``None``."""
    if not data:
        return None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def _uri(data: bytes | None) -> str:
    mime = image_mime(data)
    if data is None or mime is None:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _check(*images: bytes | None) -> None:
    for data in images:
        if data is not None and image_mime(data) is None:
            raise ValueError("会徽、印章和签名应为 PNG 或 JPEG 图像")


class _Marks:
    __slots__ = ()

    emblem: bytes | None
    seal: bytes | None
    signature: bytes | None

    @property
    def emblem_uri(self) -> str:
        """The emblem as a ``data:`` URI, or ``""``."""
        return _uri(self.emblem)

    @property
    def seal_uri(self) -> str:
        """The seal as a ``data:`` URI, or ``""``."""
        return _uri(self.seal)

    @property
    def signature_uri(self) -> str:
        """The signature as a ``data:`` URI, or ``""``."""
        return _uri(self.signature)


@dataclass(frozen=True, slots=True)
class MarkedAward(_Marks, AwardCertificate):
    """:class:`AwardCertificate` with the body's emblem, seal and signature."""

    emblem: bytes | None = None
    seal: bytes | None = None
    signature: bytes | None = None

    def __post_init__(self) -> None:
        AwardCertificate.__post_init__(self)
        _check(self.emblem, self.seal, self.signature)


@dataclass(frozen=True, slots=True)
class MarkedHonour(_Marks, HonourCertificate):
    """:class:`HonourCertificate` with the body's emblem, seal and signature."""

    emblem: bytes | None = None
    seal: bytes | None = None
    signature: bytes | None = None

    def __post_init__(self) -> None:
        _check(self.emblem, self.seal, self.signature)


@dataclass(frozen=True, slots=True)
class MarkedHonourRecord(_Marks, HonourRecord):
    """:class:`HonourRecord` with the body's emblem, seal and signature."""

    emblem: bytes | None = None
    seal: bytes | None = None
    signature: bytes | None = None

    def __post_init__(self) -> None:
        HonourRecord.__post_init__(self)
        _check(self.emblem, self.seal, self.signature)
