"""The overlay draws every instance where its mask is, and labels random weights as such."""

from __future__ import annotations

import numpy as np

from sam3fn.core.encodings import decode_rle
from sam3fn.core.images import from_array
from sam3fn.core.overlay import instance_colour, render_overlay
from sam3fn.core.segmenter import Prompt, Segmenter, SegmentOptions

from support.images import scene_pixels


def test_overlay_tints_mask_pixels_and_leaves_the_rest(loaded_model):
    pixels = scene_pixels(240, 320)
    result = Segmenter(loaded_model).run(from_array(pixels), [Prompt.plain("dog")], SegmentOptions(threshold=0.6))
    instances = result.results[0].instances
    assert instances
    out = render_overlay(pixels, result)
    union = np.zeros(pixels.shape[:2], bool)
    for inst in instances:
        union |= decode_rle(inst.mask)
    changed = np.any(out != pixels, axis=2)
    body = union.copy()
    body[:40] = False  # leave out the banner and labels at the top
    assert changed[body].mean() > 0.9
    # Away from masks, outlines, labels and the banner, pixels are untouched.
    far = ~union
    far[:40] = False
    assert changed[far].mean() < 0.2


def test_colours_are_distinct():
    colours = {instance_colour(i) for i in range(30)}
    assert len(colours) == 30


def test_random_weights_banner_is_drawn(loaded_model):
    pixels = np.full((200, 300, 3), 255, np.uint8)
    result = Segmenter(loaded_model).run(from_array(pixels), [Prompt.plain("dog")], SegmentOptions(threshold=0.99))
    assert result.instance_count == 0
    out = render_overlay(pixels, result)
    banner = out[2:8, :, :]
    assert (banner[..., 0] > 150).mean() > 0.5 and (banner[..., 1] < 60).mean() > 0.5  # red strip
