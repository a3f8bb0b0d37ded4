"""Refinement smooths edges, fills holes and removes specks, more so as the level rises; done on a
mask's window, it gives what it gives on the whole image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from sam3fn.core.refine import MAX_SIGMA_FRACTION, MAX_SPECK_FRACTION, refine_mask, refine_window
from sam3fn.core.windows import MaskWindow, bounding_windows


def blob_with_defects() -> np.ndarray:
    mask = np.zeros((200, 200), bool)
    mask[50:150, 50:150] = True
    mask[95:100, 95:100] = False  # a small hole
    mask[10:12, 10:12] = True  # a speck
    mask[50:150:2, 150] = True  # a ragged edge
    return mask


def test_level_zero_leaves_masks_untouched():
    mask = blob_with_defects()
    np.testing.assert_array_equal(refine_mask(mask, 0.0), mask)


def test_refinement_fills_small_holes_and_drops_specks():
    out = refine_mask(blob_with_defects(), 0.8)
    assert out[97, 97], "hole filled"
    assert not out[10:12, 10:12].any(), "speck removed"
    assert out[100, 100] and not out[0, 0]


def test_refinement_smooths_a_ragged_edge():
    mask = blob_with_defects()
    out = refine_mask(mask, 0.8)
    ragged = np.abs(np.diff(mask[50:150, 150].astype(int))).sum()
    assert np.abs(np.diff(out[50:150, 150].astype(int))).sum() < ragged


def test_large_background_regions_are_not_filled():
    ring = np.zeros((200, 200), bool)
    ring[20:180, 20:180] = True
    ring[40:160, 40:160] = False  # a big hole is a real hole (a ring), kept
    assert not refine_mask(ring, 0.5)[100, 100]


def whole_image_refinement(mask: np.ndarray, level: float) -> np.ndarray:
    """The definition, on the whole image: blur and re-threshold, drop small islands, fill small holes."""
    height, width = mask.shape
    blurred = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), sigmaX=max(0.5, level * MAX_SIGMA_FRACTION * max(mask.shape)))
    min_area = max(4, int(level * MAX_SPECK_FRACTION * height * width))

    def big_pieces(m):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(m.astype(np.uint8), connectivity=8)
        keep = stats[:, cv2.CC_STAT_AREA] >= min_area
        keep[0] = False
        return keep[labels] if count > 1 else m

    out = big_pieces(blurred > 0.5)
    return out | (~out & ~big_pieces(~out))


def random_mask(rng, height, width) -> np.ndarray:
    """A few discs with pinholes, sometimes with a band across the whole image (the window then cuts the
    background beyond it in two)."""
    yy, xx = np.ogrid[:height, :width]
    mask = np.zeros((height, width), bool)
    for _ in range(rng.integers(1, 5)):
        cy, cx, r = rng.integers(0, height), rng.integers(0, width), rng.integers(2, max(3, min(height, width) // 2))
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    mask &= rng.random((height, width)) > 0.05
    if rng.random() < 0.3:
        if rng.random() < 0.5:
            mask[:, rng.integers(0, width)] = True
        else:
            mask[rng.integers(0, height), :] = True
    return mask


@pytest.mark.parametrize("seed", range(8))
def test_refining_a_window_gives_the_whole_image_refinement(seed):
    rng = np.random.default_rng(seed)
    for _ in range(25):
        height, width = (int(v) for v in rng.integers(20, 260, 2))
        mask = random_mask(rng, height, width)
        if not mask.any():
            continue
        level = float(rng.choice([0.1, 0.3, 0.5, 1.0]))
        refined = refine_window(bounding_windows(torch.from_numpy(mask)[None])[0], level, height, width)
        np.testing.assert_array_equal(refined.paste(height, width), whole_image_refinement(mask, level))
        np.testing.assert_array_equal(refine_mask(mask, level), whole_image_refinement(mask, level))


def test_the_background_around_a_small_mask_is_the_images_not_a_hole():
    """At a low level the blur reaches a few pixels while specks are judged against the image's area: the
    ring of background a window holds around a small mask is smaller than a speck, yet it is part of the
    image's background beyond, and must not be filled."""
    height = width = 3000
    pixels = np.ones((43, 43), bool)
    refined = refine_window(MaskWindow(1500, 1500, pixels), 0.1, height, width)
    ring = refined.pixels.size - pixels.size
    assert ring < max(4, int(0.1 * MAX_SPECK_FRACTION * height * width)), "the case this test is about"
    whole = np.zeros((height, width), bool)
    whole[1500:1543, 1500:1543] = True
    np.testing.assert_array_equal(refined.paste(height, width), whole_image_refinement(whole, 0.1))
    assert abs(refined.area - pixels.size) < 0.05 * pixels.size


def test_a_refined_window_grows_by_the_blur_reach_and_stays_in_the_image():
    pixels = np.ones((10, 12), bool)
    refined = refine_window(MaskWindow(50, 60, pixels), 0.5, 400, 600)
    assert refined.top < 50 and refined.left < 60
    assert refined.top + refined.pixels.shape[0] > 60 and refined.left + refined.pixels.shape[1] > 72
    at_corner = refine_window(MaskWindow(0, 0, pixels), 0.5, 400, 600)
    assert (at_corner.top, at_corner.left) == (0, 0)
    assert refine_window(MaskWindow(3, 4, pixels), 0.0, 400, 600) == MaskWindow(3, 4, pixels)
