"""Shared fixtures: the tiny random SAM 3 (generated once per session) and test images."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sam3fn.core.tiny_model import write_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return write_tiny_model(tmp_path_factory.mktemp("models") / "sam3-tiny")


@pytest.fixture(scope="session")
def loaded_model(tiny_model_dir):
    from sam3fn.core.loader import load_model

    return load_model(tiny_model_dir, device="cpu", precision="fp32")


def scene_pixels(height: int = 240, width: int = 320, seed: int = 0) -> np.ndarray:
    """A deterministic photo-like RGB scene: smooth gradient sky, ground, and a few solid shapes."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None]
    img = np.zeros((height, width, 3), np.float32)
    img[..., 0] = 90 + 80 * y
    img[..., 1] = 140 + 60 * y
    img[..., 2] = 220 - 120 * y
    img[int(height * 0.6) :, :] = (70, 120, 60)
    yy, xx = np.mgrid[:height, :width]
    for _ in range(4):
        cy, cx, r = rng.integers(height // 4, height), rng.integers(0, width), rng.integers(3, max(4, height // 5))
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 255, 3)
    img += rng.normal(0, 6, img.shape)
    return img.clip(0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, fmt: str = "PNG", **save_args) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format=fmt, **save_args)
    return buf.getvalue()


@pytest.fixture
def scene_png() -> bytes:
    return encode(scene_pixels())
