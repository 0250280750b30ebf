"""ID photos (1-inch, white background) for tickets and certificates: checked by their content, not
their name, and re-encoded so nothing but pixels is kept (no EXIF, no embedded payloads)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from competition.errors import N_, DomainError

MAX_BYTES = 2 * 2**20
MAX_PIXELS = 4000 * 4000
MIN_SIZE = (100, 140)
#: 1 inch photo (25 × 35 mm) at 300 dpi.
OUTPUT_SIZE = (295, 413)
#: Mean luminance (0–255) the photo's border must reach to count as a white background.
WHITE_BORDER = 200


@dataclass(frozen=True)
class Photo:
    """A checked photo: JPEG bytes of :data:`OUTPUT_SIZE` and their SHA-256."""

    data: bytes
    sha256: str


def check_photo(data: bytes) -> Photo:
    """Check an uploaded photo and return it re-encoded as a 295×413 JPEG.

    Accepts JPEG or PNG (decided by decoding the content) of at most 2 MB and 16 megapixels, at least
    100×140 pixels, portrait, with a white background (the border's mean luminance ≥ 200). The image
    is rotated by its EXIF orientation, cropped to 25:35 around the centre, resized and saved without
    metadata. Raises :class:`DomainError` (field ``photo``) saying what is wrong.
    """
    import hashlib

    if not data:
        raise DomainError(N_("请选择照片文件。"), field="photo")
    if len(data) > MAX_BYTES:
        raise DomainError(N_("照片文件超过 2 MB，请压缩后上传。"), field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise DomainError(N_("照片像素过多（超过 1600 万像素），请缩小后上传。"), field="photo")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError(N_("无法识别的图片：请上传 JPEG 或 PNG 格式的证件照。"), field="photo") from None
    except (OSError, SyntaxError, ValueError):
        raise DomainError(N_("图片文件已损坏，请重新导出后上传。"), field="photo") from None
    if kind not in ("JPEG", "PNG"):
        raise DomainError(N_("照片须为 JPEG 或 PNG 格式（收到的是 %(kind)s）。"), kind=kind, field="photo")
    if image.width < MIN_SIZE[0] or image.height < MIN_SIZE[1]:
        raise DomainError(
            N_("照片太小（%(width)s×%(height)s），至少 100×140 像素。"),
            width=image.width,
            height=image.height,
            field="photo",
        )
    if image.width > image.height:
        raise DomainError(N_("请上传竖版证件照。"), field="photo")
    rgb = _flatten(image)
    if _border_luminance(rgb) < WHITE_BORDER:
        raise DomainError(N_("请上传白色背景的证件照。"), field="photo")
    fitted = ImageOps.fit(rgb, OUTPUT_SIZE, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))
    out = io.BytesIO()
    fitted.save(out, format="JPEG", quality=88, optimize=True)
    encoded = out.getvalue()
    return Photo(encoded, hashlib.sha256(encoded).hexdigest())


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _border_luminance(image: Image.Image) -> float:
    gray = image.convert("L")
    width, height = gray.size
    band = max(2, min(width, height) // 20)
    boxes = [(0, 0, width, band), (0, 0, band, height), (width - band, 0, width, height)]
    means = [ImageStat.Stat(gray.crop(box)).mean[0] for box in boxes]
    return sum(means) / len(means)
