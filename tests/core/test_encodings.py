"""COCO RLE is pycocotools' to the byte; PNG and polygons describe the same pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from pycocotools import mask as coco_mask

from sam3fn.core.encodings import decode_rle, encode_rle, encode_rle_tensor, mask_to_png, mask_to_polygons, merge_rles, union_rle

from support.coco_polygons import holes_filled, redraw, smooth_shape

mask_stacks = st.tuples(st.integers(1, 4), st.integers(1, 40), st.integers(1, 40)).flatmap(
    lambda shape: arrays(np.bool_, shape)
)


@settings(max_examples=150, deadline=None)
@given(mask_stacks)
def test_rle_is_byte_identical_to_pycocotools_and_round_trips(masks):
    rles = encode_rle(masks)
    assert len(rles) == len(masks)
    for mask, rle in zip(masks, rles):
        expected = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
        assert rle.counts.encode("ascii") == expected["counts"]
        assert rle.size == [mask.shape[0], mask.shape[1]]
        np.testing.assert_array_equal(decode_rle(rle), mask)


@settings(max_examples=50, deadline=None)
@given(mask_stacks)
def test_union_rle_covers_exactly_the_union(masks):
    union = decode_rle(union_rle(masks, *masks.shape[1:]))
    np.testing.assert_array_equal(union, masks.any(axis=0))


@settings(max_examples=50, deadline=None)
@given(mask_stacks)
def test_merging_rles_equals_encoding_the_union(masks):
    merged = merge_rles(encode_rle(masks), *masks.shape[1:])
    assert merged == union_rle(masks, *masks.shape[1:])


def test_masks_on_the_cpu_are_encoded_by_pycocotools():
    masks = torch.rand(3, 17, 23, generator=torch.Generator().manual_seed(1)) > 0.5
    assert encode_rle_tensor(masks) == encode_rle(masks.numpy())
    assert encode_rle_tensor(masks[:0]) == []


def test_union_of_nothing_is_an_empty_mask_of_the_image_size():
    rle = union_rle(np.zeros((0, 5, 7), bool), 5, 7)
    assert rle.size == [5, 7] and not decode_rle(rle).any()


def test_png_holds_the_mask_pixels():
    mask = np.zeros((20, 30), bool)
    mask[5:9, 10:25] = True
    png = np.asarray(Image.open(io.BytesIO(mask_to_png(mask))))
    np.testing.assert_array_equal(png == 255, mask)


def test_polygons_trace_each_region_along_its_pixel_edges():
    mask = np.zeros((50, 50), bool)
    mask[2:22, 2:32] = True
    mask[28:48, 30:48] = True
    polygons = mask_to_polygons(mask)
    assert sorted(polygons) == [[2, 2, 2, 22, 32, 22, 32, 2], [30, 28, 30, 48, 48, 48, 48, 28]]
    np.testing.assert_array_equal(redraw(polygons, 50, 50), mask)


def test_a_lone_pixel_and_one_pixel_lines_get_polygons():
    mask = np.zeros((30, 40), bool)
    mask[3, 3] = True  # a lone pixel
    mask[10, 5:35] = True  # a horizontal line
    mask[14:28, 2] = True  # a vertical line
    mask[range(15, 27), range(10, 22)] = True  # a diagonal, pixels touching at corners
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 4
    assert [3, 3, 3, 4, 4, 4, 4, 3] in polygons
    np.testing.assert_array_equal(redraw(polygons, 30, 40), mask)


def test_a_one_pixel_gap_keeps_two_regions_apart():
    mask = np.zeros((20, 20), bool)
    mask[2:18, 2:9] = True
    mask[2:18, 10:18] = True
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 2
    np.testing.assert_array_equal(redraw(polygons, 20, 20), mask)


def test_polygons_fill_holes_which_coco_polygons_cannot_cut_out():
    mask = np.zeros((20, 20), bool)
    mask[2:18, 2:18] = True
    mask[6:14, 6:14] = False
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 1
    np.testing.assert_array_equal(redraw(polygons, 20, 20), holes_filled(mask))
    assert holes_filled(mask).sum() == 16 * 16


def test_a_window_polygons_shift_by_its_offset():
    window = np.zeros((6, 8), bool)
    window[1:4, 2:7] = True
    image = np.zeros((40, 50), bool)
    image[11:17, 20:28] = window
    assert mask_to_polygons(window, offset=(20, 11)) == mask_to_polygons(image)


@settings(max_examples=150, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 30), st.integers(1, 30))))
def test_polygons_redraw_to_exactly_the_mask_with_holes_filled(mask):
    # Arbitrary pixel patterns: staircases, pixels touching only at a corner, regions inside holes.
    polygons = mask_to_polygons(mask)
    assert all(len(p) >= 6 and len(p) % 2 == 0 for p in polygons)
    np.testing.assert_array_equal(redraw(polygons, *mask.shape), holes_filled(mask))


@pytest.mark.parametrize("seed", range(12))
def test_polygons_of_smooth_shapes_redraw_exactly(seed):
    mask = smooth_shape(np.random.default_rng(seed))
    np.testing.assert_array_equal(redraw(mask_to_polygons(mask), *mask.shape), holes_filled(mask))


def test_polygons_of_a_smooth_shape_are_simpler_than_its_pixel_outline():
    yy, xx = np.mgrid[:400, :400]
    disc = (yy - 200.3) ** 2 + (xx - 190.7) ** 2 < 150**2
    [polygon] = mask_to_polygons(disc)
    np.testing.assert_array_equal(redraw([polygon], 400, 400), disc)
    steps = np.count_nonzero(np.diff(disc, axis=0)) + np.count_nonzero(np.diff(disc, axis=1))
    assert len(polygon) // 2 < steps  # fewer vertices than the staircase has edges
