"""Supporting material of an honour nomination (推荐材料附件): a PDF, JPEG or PNG file, judged by its
content, never by its name.

Images are recognised by their signature (:func:`competition.certificates.documents.image_mime`, the check
the certificate marks use) and decoded with Pillow under its decompression-bomb guard, as uploaded ID photos
and seals are; PDFs must open with pypdf (the library the PDF batches use), be unencrypted and have a page.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from competition.certificates.documents import image_mime
from competition.errors import N_, DomainError

#: Largest accepted file (scans of certificates and letters fit easily).
MAX_BYTES = 5 * 2**20
MAX_PIXELS = 40_000_000
_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


@dataclass(frozen=True)
class Material:
    """A checked file: its bytes, MIME type (``application/pdf``, ``image/png``, ``image/jpeg``) and the
    file name extension matching that type."""

    data: bytes
    mimetype: str

    @property
    def extension(self) -> str:
        """``.pdf``, ``.png`` or ``.jpg``."""
        return _EXTENSIONS[self.mimetype]


def material_mime(data: bytes | None) -> str | None:
    """The MIME type of stored material by its signature (``application/pdf`` or an image type), else
    ``None``. Only for serving files already checked by :func:`check_material`."""
    if data and data.startswith(b"%PDF-"):
        return "application/pdf"
    return image_mime(data)


def check_material(data: bytes | None) -> Material:
    """Check an uploaded supporting file and return it with its type.

    Accepts a PDF (opens with pypdf, not encrypted, at least one page) or a JPEG/PNG image (decodes with
    Pillow, at most 40 megapixels) of at most 5 MB. Raises :class:`DomainError` (field ``file``) saying
    what is wrong: empty, too large, another kind of file (e.g. a Word document renamed ``.pdf``),
    damaged, encrypted.
    """
    if not data:
        raise DomainError(N_("请选择附件文件。"), field="file")
    if len(data) > MAX_BYTES:
        raise DomainError(N_("附件超过 %(mb)d MB，请压缩后上传。"), mb=MAX_BYTES // 2**20, field="file")
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return Material(data, "application/pdf")
    mime = image_mime(data)
    if mime is None:
        raise DomainError(
            N_("附件须为 PDF、JPEG 或 PNG 文件（按文件内容判断，改扩展名无效）。"), field="file"
        )
    _check_image(data)
    return Material(data, mime)


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DomainError(N_("PDF 已加密，请上传未加密的文件。"), field="file")
        pages = len(reader.pages)
    except DomainError:
        raise
    except Exception:  # pypdf raises many kinds of errors for a damaged file: all mean the same here
        raise DomainError(N_("PDF 文件已损坏，无法打开，请重新导出后上传。"), field="file") from None
    if pages < 1:
        raise DomainError(N_("PDF 文件没有页面。"), field="file")


def _check_image(data: bytes) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise DomainError(N_("图片像素过多，请缩小后上传。"), field="file")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(N_("无法识别的图片，请上传 JPEG 或 PNG 格式。"), field="file") from None
    except (OSError, SyntaxError, ValueError):
        raise DomainError(N_("图片文件已损坏，请重新导出后上传。"), field="file") from None
