"""Image checks and renditions (Pillow): real type from the bytes, pixel limit before decoding,
EXIF orientation applied then every metadata block dropped, centre crop, WebP output."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_TYPES = ("image/png", "image/jpeg", "image/webp")
_DECODERS = ("PNG", "JPEG", "WEBP")  # the only decoders ever run on uploaded bytes


@dataclass(frozen=True)
class MediaSpec:
    kind: str
    sizes: tuple[tuple[int, int], ...]
    primary: str

    @property
    def max_bytes(self) -> int:
        return (
            settings.MEDIA_AVATAR_MAX_BYTES
            if self.kind == "avatar"
            else settings.MEDIA_BANNER_MAX_BYTES
        )

    @staticmethod
    def label(size: tuple[int, int]) -> str:
        width, height = size
        return str(width) if width == height else f"{width}x{height}"

    @property
    def labels(self) -> list[str]:
        return [self.label(size) for size in self.sizes]


SPECS = {
    "avatar": MediaSpec("avatar", ((128, 128), (256, 256), (512, 512)), primary="256"),
    "banner": MediaSpec("banner", ((960, 270), (1920, 540)), primary="1920x540"),
}


class MediaRejected(Exception):
    """The upload is not an acceptable image; ``reason`` is shown to its owner."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def sniff_image_type(head: bytes) -> str | None:
    """The allowed image type the file's first bytes announce, or None (API.md: the type is
    checked on the bytes, not the header)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def human_size(num_bytes: int) -> str:
    mib = num_bytes / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{num_bytes} bytes"


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except UnidentifiedImageError:
        raise MediaRejected("The file is not a PNG, JPEG or WebP image.")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected(
            f"The image has too many pixels (limit {settings.MEDIA_MAX_PIXELS:,} pixels)."
        )
    except Exception:  # noqa: BLE001 - any decoder failure on a header means a broken file
        raise MediaRejected("The image data is truncated or corrupt.")
    width, height = image.size
    if width < 1 or height < 1 or width * height > settings.MEDIA_MAX_PIXELS:
        raise MediaRejected(
            f"The image is {width}×{height} pixels; the limit is "
            f"{settings.MEDIA_MAX_PIXELS:,} pixels."
        )
    return image


def _decoded(image: Image.Image, spec: MediaSpec) -> Image.Image:
    """Fully decoded, upright, metadata-free RGB(A) pixels."""
    side = max(max(size) for size in spec.sizes)
    if image.format == "JPEG":
        image.draft("RGB", (side, side))  # decode at a reduced scale that still covers `side`
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - truncated or corrupt image data
        raise MediaRejected("The image data is truncated or corrupt.")
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    converted = upright.convert(mode)
    # A fresh image holds the pixels only: EXIF, XMP, ICC and comments are left behind.
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def render(data: bytes, spec: MediaSpec) -> dict[str, bytes]:
    """WebP renditions keyed by label ("128", "960x270"); raises MediaRejected."""
    if len(data) > spec.max_bytes:
        raise MediaRejected(f"The file is larger than {human_size(spec.max_bytes)}.")
    image = _open(data)
    base = _decoded(image, spec)
    out: dict[str, bytes] = {}
    for size in spec.sizes:
        fitted = ImageOps.fit(base, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
        buffer = io.BytesIO()
        fitted.save(buffer, format="WEBP", quality=85, method=4)
        out[spec.label(size)] = buffer.getvalue()
    return out
