"""Image checks and renditions: orientation, metadata stripping, crop, alpha, limits."""

import io

import pytest
from PIL import Image, PngImagePlugin

from profiles.imaging import SPECS, MediaRejected, render
from tests.profiles.conftest import image_bytes

RED, BLUE = (255, 0, 0), (0, 0, 255)


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _near(pixel, color, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], color, strict=True))


def _halves_jpeg(orientation: int | None) -> bytes:
    """Stored 400x200: left half red, right half blue; optional EXIF orientation."""
    image = Image.new("RGB", (400, 200), RED)
    image.paste(BLUE, (200, 0, 400, 200))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x8825] = {2: (59.0, 20.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


def test_exif_orientation_is_applied_before_cropping():
    # Orientation 6: displayed rotated 90° clockwise, so red is on top, blue below.
    avatar = _open(render(_halves_jpeg(6), SPECS["avatar"])["128"])
    assert _near(avatar.getpixel((64, 10)), RED) and _near(avatar.getpixel((64, 118)), BLUE)
    upright = _open(render(_halves_jpeg(None), SPECS["avatar"])["128"])
    assert _near(upright.getpixel((10, 64)), RED) and _near(upright.getpixel((118, 64)), BLUE)


def test_every_metadata_block_is_stripped():
    png_info = PngImagePlugin.PngInfo()
    png_info.add_text("Comment", "secret location")
    sources = [
        _halves_jpeg(6),
        image_bytes("PNG", (300, 300), pnginfo=png_info, icc_profile=b"\0" * 128),
        image_bytes("WEBP", (300, 300), exif=Image.Exif().tobytes(), xmp=b"<x:xmpmeta/>"),
    ]
    for data in sources:
        for label, out in render(data, SPECS["avatar"]).items():
            image = _open(out)
            assert image.format == "WEBP"
            assert not image.getexif(), label
            for block in ("exif", "icc_profile", "xmp", "Comment", "XML:com.adobe.xmp"):
                assert block not in image.info, (label, block)
            assert b"secret" not in out and b"SpyCam" not in out


def test_centre_crop_to_the_banner_aspect():
    # A tall image: top third green, middle white, bottom third green → the banner is white.
    image = Image.new("RGB", (1200, 1800), (0, 255, 0))
    image.paste((255, 255, 255), (0, 600, 1200, 1200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    out = render(buffer.getvalue(), SPECS["banner"])
    for label, size in [("960x270", (960, 270)), ("1920x540", (1920, 540))]:
        banner = _open(out[label])
        assert banner.size == size
        assert _near(banner.getpixel((10, 5)), (255, 255, 255))
        assert _near(banner.getpixel((size[0] - 10, size[1] - 5)), (255, 255, 255))


def test_transparency_is_kept():
    out = render(image_bytes("PNG", (200, 200), color=(0, 0, 0, 0), mode="RGBA"), SPECS["avatar"])
    image = _open(out["128"])
    assert image.mode == "RGBA" and image.getpixel((64, 64))[3] == 0


def test_small_images_are_scaled_to_the_exact_sizes():
    out = render(image_bytes("PNG", (20, 10)), SPECS["avatar"])
    assert {label: _open(data).size for label, data in out.items()} == {
        "128": (128, 128),
        "256": (256, 256),
        "512": (512, 512),
    }


def test_pixel_limit_is_a_setting(settings):
    settings.MEDIA_MAX_PIXELS = 100 * 100
    render(image_bytes("PNG", (100, 100)), SPECS["avatar"])
    with pytest.raises(MediaRejected, match="101×100 pixels"):
        render(image_bytes("PNG", (101, 100)), SPECS["avatar"])


def test_size_limit_applies_to_the_real_bytes(settings):
    settings.MEDIA_AVATAR_MAX_BYTES = 100
    with pytest.raises(MediaRejected, match="larger than 100 bytes"):
        render(image_bytes("PNG", (300, 300)), SPECS["avatar"])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a PNG"),
        (b"GIF89a" + b"\0" * 100, "not a PNG"),
        (image_bytes("BMP", (50, 50)), "not a PNG"),
        (image_bytes("TIFF", (50, 50)), "not a PNG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a PNG"),
        (image_bytes("PNG", (400, 400))[:200], "truncated or corrupt"),
    ],
)
def test_only_png_jpeg_and_webp_bytes_are_accepted(data, reason):
    with pytest.raises(MediaRejected, match=reason):
        render(data, SPECS["avatar"])
