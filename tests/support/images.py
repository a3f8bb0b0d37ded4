"""Test images made in code: deterministic, photo-like, any size."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


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
