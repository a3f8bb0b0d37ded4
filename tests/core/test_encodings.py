"""COCO RLE is pycocotools' to the byte; PNG and polygons describe the same pixels."""

from __future__ import annotations

import io

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image
from pycocotools import mask as coco_mask

from sam3fn.core.encodings import decode_rle, encode_rle, encode_rle_tensor, mask_to_png, mask_to_polygons, merge_rles, union_rle

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


def test_polygons_trace_each_outer_region():
    mask = np.zeros((50, 50), bool)
    mask[2:22, 2:32] = True
    mask[28:48, 30:48] = True
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 2
    redrawn = coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(polygons, 50, 50))).astype(bool)
    assert (redrawn & mask).sum() / (redrawn | mask).sum() > 0.85
