"""Refinement smooths edges, fills holes and removes specks, more so as the level rises."""

from __future__ import annotations

import numpy as np

from sam3fn.core.refine import refine_mask, refine_masks


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


def test_stack_refinement_keeps_count_and_shape():
    stack = np.stack([blob_with_defects(), np.zeros((200, 200), bool)])
    out = refine_masks(stack, 0.5)
    assert out.shape == stack.shape and not out[1].any()
