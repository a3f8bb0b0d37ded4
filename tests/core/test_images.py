"""Image decoding: EXIF orientation first, and a clear coded error for every kind of bad file."""

from __future__ import annotations

import io
import struct
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from sam3fn.core.errors import ImageError, ImageTooLargeError
from sam3fn.core.images import decode_image

from support.images import encode, scene_pixels


def test_decodes_png_and_jpeg_to_rgb():
    pixels = scene_pixels(60, 80)
    assert decode_image(encode(pixels)).pixels.shape == (60, 80, 3)
    assert decode_image(encode(pixels, "JPEG")).pixels.shape == (60, 80, 3)
    grey = encode(pixels[..., 0])
    assert decode_image(grey).pixels.shape == (60, 80, 3)


def test_exif_orientation_is_applied_before_anything_else():
    pixels = scene_pixels(60, 80)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", exif=exif, quality=95)
    image = decode_image(buf.getvalue())
    assert (image.height, image.width) == (80, 60)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_each_exif_orientation_turns_the_picture_as_pil_does(orientation):
    from PIL import ImageOps

    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(scene_pixels(30, 40)).save(buf, format="PNG", exif=exif)
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        want = np.array(ImageOps.exif_transpose(img))
    assert np.array_equal(decode_image(buf.getvalue()).pixels, want)


def test_an_orientation_kept_only_in_xmp_turns_the_image_too():
    from PIL import PngImagePlugin

    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :10] = 255  # a white band down the left edge, as stored
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
                  'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
                  'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>')
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", pnginfo=info)
    upright = decode_image(buf.getvalue()).pixels
    assert upright.shape == (40, 20, 3)
    assert upright[:10].min() == 255 and upright[10:].max() == 0  # "rotate 90 CW to view": the band on top


def test_an_upright_image_decodes_to_exactly_its_pixels():
    pixels = scene_pixels(30, 40)
    image = decode_image(encode(pixels))
    assert np.array_equal(image.pixels, pixels) and image.pixels.flags.c_contiguous


def test_decoded_pixels_cannot_be_changed_under_their_cache_key():
    image = decode_image(encode(scene_pixels(30, 40)))
    with pytest.raises(ValueError, match="read-only"):
        image.pixels[0, 0] = 0  # features are cached under the hash of these pixels; an edit would lie


def test_decoded_pixels_reach_the_model_input_without_a_warning_or_a_filter_swap():
    # A fresh interpreter: torch warns once per process about a read-only array, so only the first conversion
    # tells. `catch_warnings` made to fail: requests convert in several threads at once, and its swap of the
    # process-wide filter list would race there.
    script = """
import warnings
import numpy as np
import torch
from sam3fn.core.images import RgbImage
from sam3fn.core.preprocess import PreprocessSpec, to_pixels

def refuse(*args, **kwargs):
    raise AssertionError("to_pixels swapped the warning filters")

warnings.catch_warnings = refuse
warnings.simplefilter("error")
pixels = np.frombuffer(bytes(range(256)) * 15, np.uint8).reshape(30, 32, 4)[..., :3]
assert not pixels.flags.writeable
tensor = to_pixels(RgbImage(pixels=pixels, sha256="0"), PreprocessSpec(size=16), torch.device("cpu"), torch.float32)
assert tensor.shape == (1, 3, 16, 16)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_same_pixels_give_the_same_cache_key_and_different_pixels_do_not():
    pixels = scene_pixels(30, 40)
    a, b = decode_image(encode(pixels)), decode_image(encode(pixels, compress_level=9))
    assert a.sha256 == b.sha256
    assert decode_image(encode(scene_pixels(30, 40, seed=1))).sha256 != a.sha256



def _grey_ramp(height: int = 32, width: int = 64) -> np.ndarray:
    """0..1 left to right: the grey level a person sees in each column."""
    return np.broadcast_to(np.linspace(0.0, 1.0, width), (height, width)).copy()


@pytest.mark.parametrize(
    "make",
    [
        lambda f: encode((f * 65535).round().astype(np.uint16)),  # 16-bit grey PNG (opens as I;16)
        lambda f: encode((f * 65535).round().astype(np.uint16), "TIFF"),  # 16-bit grey TIFF
        lambda f: encode(f.astype(np.float32), "TIFF"),  # float TIFF, 0..1
        lambda f: encode((f * 65535).round().astype(np.int32), "TIFF"),  # 32-bit int holding 16-bit data
        lambda f: encode((f * 255).round().astype(np.int32), "TIFF"),  # 32-bit int holding 8-bit data
        lambda f: encode((f * 4000 - 1000).astype(np.float32), "TIFF"),  # float in its own units
    ],
    ids=["png-16", "tiff-16", "tiff-float-unit", "tiff-int32-16bit", "tiff-int32-8bit", "tiff-float-any-range"],
)
def test_high_bit_depth_grey_keeps_its_grey_levels(make):
    # PIL's plain conversion clips these at 255: the model saw a white (or black) field, the page the photo.
    ramp = _grey_ramp()
    pixels = decode_image(make(ramp)).pixels
    assert pixels.shape == (*ramp.shape, 3)
    assert (pixels[..., 0] == pixels[..., 2]).all()
    assert np.abs(pixels[..., 1].astype(float) - ramp * 255).max() <= 1.0


def test_float_image_with_nan_decodes_with_nan_as_its_darkest_level():
    ramp = _grey_ramp().astype(np.float32) * 10
    ramp[0, 5] = np.nan
    pixels = decode_image(encode(ramp, "TIFF")).pixels
    assert pixels[0, 5, 0] == 0 and pixels[..., 0].max() == 255


@pytest.mark.parametrize(
    "data,code",
    [
        (b"", "empty_image"),
        (b"this is plain text, not a picture", "invalid_image"),
        (encode(scene_pixels(60, 80), "JPEG")[:300], "invalid_image"),
        (encode(scene_pixels(60, 80))[:-200], "invalid_image"),
    ],
    ids=["zero-bytes", "not-an-image", "truncated-jpeg", "truncated-png"],
)
def test_bad_files_raise_coded_errors(data, code):
    with pytest.raises(ImageError) as info:
        decode_image(data)
    assert info.value.code == code
    assert info.value.message


def test_pixel_limit_is_checked_from_the_header_before_decoding():
    # A 1-bit 20000x20000 PNG compresses to a few kB; decoding it would need 1.2 GB as RGB.
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(ImageTooLargeError) as info:
        decode_image(bomb.getvalue(), max_pixels=10_000_000)
    assert info.value.code == "image_too_large"
    assert "400,000,000" in info.value.message


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparent_pixels_are_seen_over_white_as_on_the_page(mode):
    # A cut-out photo: opaque red disc, transparent background whose hidden colour is black.
    pixels = np.zeros((40, 40, 4), np.uint8)
    yy, xx = np.mgrid[:40, :40]
    disc = (yy - 20) ** 2 + (xx - 20) ** 2 < 100
    pixels[disc] = (200, 30, 30, 255)
    pixels[5, 5] = (0, 0, 0, 128)  # half-transparent black: mid grey over white
    image = Image.fromarray(pixels, "RGBA")
    if mode == "LA":
        image = image.convert("LA")
    elif mode == "P":
        image = image.convert("RGB").quantize(4)
        image.info["transparency"] = image.getpixel((0, 0))  # the background's palette index
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    out = decode_image(buf.getvalue()).pixels
    assert (out[0, 0] == 255).all() and (out[39, 39] == 255).all()  # background white, not black
    assert out[20, 20].min() < 120  # the subject kept, not whitened
    if mode != "P":
        assert 120 <= out[5, 5, 0] <= 135



def _pil_rgb(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


@pytest.mark.parametrize("options", [{"quality": 90}, {"lossless": True}], ids=["lossy", "lossless"])
def test_an_opaque_webp_decodes_to_the_pixels_pil_reads(options):
    # Decoded by OpenCV (twice as fast): the same libwebp pixels, read-only like any decode's.
    data = encode(scene_pixels(90, 120, seed=2), "WEBP", **options)
    image = decode_image(data)
    np.testing.assert_array_equal(image.pixels, _pil_rgb(data))
    assert not image.pixels.flags.writeable
    assert image.sha256 == decode_image(encode(np.array(image.pixels), "PNG")).sha256  # keyed by pixels alone


def test_a_webp_turned_by_exif_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view"
    pixels = scene_pixels(30, 40)
    data = encode(pixels, "WEBP", lossless=True, exif=exif)
    np.testing.assert_array_equal(decode_image(data).pixels, np.rot90(pixels, k=-1))


def test_a_transparent_webp_is_seen_over_white():
    pixels = np.zeros((20, 20, 4), np.uint8)
    pixels[5:15, 5:15] = (200, 30, 30, 255)
    out = decode_image(encode(pixels, "WEBP", lossless=True)).pixels
    assert (out[0, 0] == 255).all() and tuple(out[10, 10]) == (200, 30, 30)


def test_an_animated_webp_decodes_its_first_frame():
    frames = [Image.fromarray(np.full((20, 30, 3), value, np.uint8)) for value in (40, 220)]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert (decode_image(buf.getvalue()).pixels == 40).all()


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_a_damaged_webp_is_an_invalid_image(damage):
    data = encode(scene_pixels(90, 120), "WEBP", quality=90)
    if damage == "truncated":  # its header no longer parses
        data = data[: len(data) // 2]
    else:  # the header reads, the picture does not
        data = data[:60] + b"\xff" * (len(data) - 80) + data[-20:]
    with pytest.raises(ImageError) as info:
        decode_image(data)
    assert info.value.code == "invalid_image" and "truncated or corrupt" in info.value.message


def test_a_photo_with_damaged_exif_beside_its_orientation_is_still_turned_upright():
    # XResolution stored as text next to "rotate 90 CW": PIL's exif_transpose raised TypeError (a 500, and a
    # bucket event redelivered forever) although the pixels are fine.
    entries = [(0x0112, 3, 1, struct.pack("<HH", 6, 0)), (0x011A, 2, 4, b"abc\0")]  # Orientation, XResolution
    ifd = (struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHI", tag, kind, count) + value
                                                      for tag, kind, count, value in entries) + struct.pack("<I", 0))
    data = encode(scene_pixels(60, 80), "JPEG", exif=b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd)
    image = decode_image(data)
    assert (image.height, image.width) == (80, 60)


def test_a_large_jpeg_is_decoded_reduced_for_the_model_and_keeps_its_own_size():
    pixels = scene_pixels(200, 300)
    data = encode(pixels, "JPEG", quality=95)
    image = decode_image(data, model_side=64)  # both sides at least 2 x 64: JPEG's decoder scales by 2 (3 is none)
    assert image.pixels.shape == (100, 150, 3)
    assert (image.height, image.width) == (200, 300)  # the coordinates masks and boxes are in
    whole = decode_image(data)
    np.testing.assert_array_equal(image.full_pixels(), whole.pixels)  # drawn on at full size
    halved = whole.pixels.reshape(100, 2, 150, 2, 3).mean(axis=(1, 3))
    assert np.abs(image.pixels.astype(float) - halved).mean() < 3  # the same picture, as the model sees it


@pytest.mark.parametrize("side, shape", [(64, (65, 75, 3)), (100, (130, 150, 3)), (300, (520, 600, 3))])
def test_the_jpeg_reduction_is_the_largest_that_keeps_both_sides_at_the_model_side(side, shape):
    image = decode_image(encode(scene_pixels(520, 600), "JPEG"), model_side=side)
    assert image.pixels.shape == shape and min(shape[:2]) >= min(side, 520)
    assert (image.height, image.width) == (520, 600)


def test_a_reduced_jpeg_turned_by_exif_swaps_its_size_with_its_pixels():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": stored 300 wide, 200 high
    buf = io.BytesIO()
    Image.fromarray(scene_pixels(200, 300)).save(buf, format="JPEG", exif=exif, quality=95)
    image = decode_image(buf.getvalue(), model_side=64)
    assert image.pixels.shape == (150, 100, 3) and (image.height, image.width) == (300, 200)
    assert image.full_pixels().shape == (300, 200, 3)


def test_only_large_jpegs_are_reduced():
    png = decode_image(encode(scene_pixels(200, 300)), model_side=64)
    small = decode_image(encode(scene_pixels(200, 300), "JPEG"), model_side=101)  # 200 < 2 x 101
    for image in (png, small):
        assert image.pixels.shape == (200, 300, 3) and image.size is None and image.full_pixels() is image.pixels


def test_a_reduced_image_has_a_cache_key_of_its_own_and_the_same_one_each_time():
    data = encode(scene_pixels(200, 300), "JPEG")
    reduced = decode_image(data, model_side=64)
    assert decode_image(data, model_side=64).sha256 == reduced.sha256
    assert decode_image(data).sha256 != reduced.sha256  # other pixels, other features
