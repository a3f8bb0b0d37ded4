"""Only an allowlist of raster formats is decoded; EPS (Ghostscript) and the long tail of PIL plugins are not."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import EpsImagePlugin, Image

from sam3fn.core.errors import ImageError
from sam3fn.core.images import decode_image

from support.images import encode, scene_pixels


def _saved(fmt: str, mode: str = "RGB", **args) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(scene_pixels(24, 32)).convert(mode).save(buf, format=fmt, **args)
    return buf.getvalue()


def _mpo() -> bytes:
    """A phone camera's multi-picture JPEG (two frames)."""
    frame = Image.fromarray(scene_pixels(24, 32))
    buf = io.BytesIO()
    frame.save(buf, format="MPO", save_all=True, append_images=[frame])
    return buf.getvalue()


@pytest.mark.parametrize(
    "data",
    [encode(scene_pixels(24, 32)), encode(scene_pixels(24, 32), "JPEG"), _mpo(), _saved("WEBP"), _saved("GIF", "P"),
     _saved("TIFF"), _saved("BMP"), _saved("AVIF"), _saved("JPEG2000"), _saved("PPM"), _saved("PPM", "L")],
    ids=["png", "jpeg", "mpo", "webp", "gif", "tiff", "bmp", "avif", "jpeg2000", "ppm", "pgm"],
)
def test_every_raster_format_the_readme_promises_still_decodes(data):
    assert decode_image(data).pixels.shape == (24, 32, 3)


@pytest.fixture
def eps_loader_calls(monkeypatch):
    """Every call into PIL's EPS plugin (its header parser or its Ghostscript loader), recorded."""
    calls = []
    for name in ("_open", "load"):
        original = getattr(EpsImagePlugin.EpsImageFile, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(EpsImagePlugin.EpsImageFile, name, spy)
    return calls


def test_eps_is_refused_by_name_without_its_decoder_or_ghostscript_running(eps_loader_calls):
    with pytest.raises(ImageError) as caught:
        decode_image(_saved("EPS"))
    assert caught.value.code == "invalid_image"
    assert "EPS" in caught.value.message and "Ghostscript" not in caught.value.message
    assert "PNG, JPEG, WebP" in caught.value.message  # what to send instead
    assert eps_loader_calls == []


@pytest.mark.parametrize(
    "data, name",
    [(_saved("ICO"), "ICO"), (_saved("QOI"), "QOI"), (_saved("DDS", "RGBA"), "DDS"), (_saved("PDF"), "PDF"),
     (b"8BPS\x00\x01" + bytes(40), "PSD"), (b"%!PS-Adobe-3.0\n%%BoundingBox: 0 0 10 10\n", "EPS"),
     (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
     (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIF/HEIC")],
    ids=["ico", "qoi", "dds", "pdf", "psd", "postscript", "svg", "heic"],
)
def test_formats_outside_the_allowlist_are_refused_naming_the_format(data, name):
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert caught.value.code == "invalid_image"
    assert f"looks like {name}, a format this server does not read" in caught.value.message


@pytest.mark.parametrize("fmt", ["TGA", "PCX", "SGI"])
def test_raster_formats_outside_the_allowlist_are_refused_even_without_a_clear_signature(fmt):
    with pytest.raises(ImageError) as caught:
        decode_image(_saved(fmt))
    assert caught.value.code == "invalid_image" and "PNG, JPEG, WebP" in caught.value.message


def test_garbage_is_still_not_an_image():
    with pytest.raises(ImageError, match="not an image in a format this server reads"):
        decode_image(np.arange(64, dtype=np.uint8).tobytes())
