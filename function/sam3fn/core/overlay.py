"""The annotated overlay PNG: each instance a distinct colour with alpha, an outline, label and score."""

from __future__ import annotations

import colorsys
import io

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .encodings import decode_rle
from .results import SegmentResult

FILL_ALPHA = 0.45
GOLDEN = 0.618033988749895


def instance_colour(index: int) -> tuple[int, int, int]:
    """Well-separated hues by golden-ratio stepping; the page uses the same sequence."""
    r, g, b = colorsys.hsv_to_rgb((index * GOLDEN) % 1.0, 0.75, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def _font(height: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=max(12, height // 40))


def render_overlay(pixels: np.ndarray, result: SegmentResult) -> np.ndarray:
    """(H, W, 3) uint8 image + result -> (H, W, 3) uint8 annotated image."""
    canvas = pixels.astype(np.float32)
    labels: list[tuple[tuple[int, int], str, tuple[int, int, int]]] = []
    outlines: list[tuple[list, tuple[int, int, int]]] = []
    index = 0
    for prompt in result.results:
        for inst in prompt.instances:
            colour = instance_colour(index)
            index += 1
            mask = decode_rle(inst.mask)
            canvas[mask] = canvas[mask] * (1 - FILL_ALPHA) + np.array(colour, np.float32) * FILL_ALPHA
            contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            outlines.append((contours, colour))
            labels.append(((int(inst.box[0]), int(inst.box[1])), f"{prompt.model_prompt} {inst.score:.2f}", colour))
    out = np.ascontiguousarray(canvas.clip(0, 255).astype(np.uint8))
    for contours, colour in outlines:
        cv2.drawContours(out, contours, -1, colour, thickness=max(1, pixels.shape[0] // 300))
    image = Image.fromarray(out)
    draw = ImageDraw.Draw(image)
    font = _font(image.height)
    for (x, y), text, colour in labels:
        left, top, right, bottom = draw.textbbox((x, y), text, font=font)
        y_shift = min(max(0, y - (bottom - top) - 4), max(0, image.height - (bottom - top) - 4)) - y
        box = (left, top + y_shift, right + 6, bottom + y_shift + 4)
        draw.rectangle(box, fill=colour)
        draw.text((x + 3, y + y_shift + 2), text, fill=(0, 0, 0), font=font)
    if result.model.random_weights:
        banner = "RANDOM WEIGHTS - test model, not a real segmentation"
        draw.rectangle((0, 0, image.width, font.size + 8), fill=(180, 0, 0))
        draw.text((4, 4), banner, fill=(255, 255, 255), font=font)
    return np.asarray(image)


def overlay_png(pixels: np.ndarray, result: SegmentResult) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(render_overlay(pixels, result)).save(buf, format="PNG")
    return buf.getvalue()
