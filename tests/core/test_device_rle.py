"""COCO RLE strings built with tensor operations are pycocotools' strings, byte for byte."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from sam3fn.core.device_rle import compress, encode_rle_on_device, run_lengths
from sam3fn.core.encodings import encode_rle, encode_rle_tensor

mask_stacks = st.tuples(st.integers(1, 4), st.integers(1, 40), st.integers(1, 40)).flatmap(
    lambda shape: arrays(np.bool_, shape)
)


@settings(max_examples=200, deadline=None)
@given(mask_stacks)
def test_rle_built_from_tensors_equals_pycocotools_on_the_pixels(masks):
    assert encode_rle_on_device(torch.from_numpy(masks)) == encode_rle(masks)


def test_masks_that_start_full_stay_uniform_or_end_in_ones_encode_like_pycocotools():
    masks = torch.zeros(5, 6, 5, dtype=torch.bool)
    masks[1] = True  # one run of ones only: COCO opens with an empty zeros' run
    masks[2, 0, 0] = True  # starts with a one, then zeros
    masks[3, :, 4] = True  # the last column: ends with ones
    masks[4, 5, 4] = True  # only the very last pixel
    assert encode_rle_on_device(masks) == encode_rle(masks.numpy())
    assert encode_rle_on_device(masks[:0]) == []


def test_long_runs_of_a_large_image_take_several_char_groups_as_in_pycocotools():
    masks = torch.zeros(2, 3000, 2000, dtype=torch.bool)
    masks[0, 2000:, 1500:] = True  # runs of millions of pixels: deltas of 4-5 groups, both signs
    masks[1, :7, :3] = True
    assert encode_rle_on_device(masks) == encode_rle(masks.numpy())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**24 - 1), min_size=1, max_size=12), min_size=1, max_size=4))
def test_any_counts_compress_to_pycocotools_string(count_lists):
    # Counts below 2**24 need up to five groups. pycocotools' rleToString allocates six chars per count
    # and then writes a terminator, so strings of mostly six-char counts overrun its buffer (and abort
    # this process); wider counts are checked by reading them back below.
    counts = torch.tensor([c for cs in count_lists for c in cs], dtype=torch.int64)
    runs = torch.tensor([len(cs) for cs in count_lists])
    chars, stops = compress(counts, runs, torch.cumsum(runs, 0) - runs)
    text, start = chars.numpy().tobytes(), 0
    for cs, stop in zip(count_lists, stops.tolist()):
        expected = coco_mask.frPyObjects({"size": [1, sum(cs)], "counts": cs}, 1, sum(cs))["counts"]
        assert text[start:stop] == expected
        start = stop
    assert start == len(text)


@pytest.mark.parametrize(("run", "groups"), [(2**24, 6), (2**29, 7)])
def test_runs_wider_than_five_groups_are_written_so_pycocotools_reads_them_back(run, groups):
    counts, runs = torch.tensor([0, run], dtype=torch.int64), torch.tensor([2])
    chars, stops = compress(counts, runs, torch.tensor([0]))
    text = chars.numpy().tobytes()
    assert len(text) == 1 + groups and stops.tolist() == [1 + groups]
    assert coco_mask.area({"size": [1, run], "counts": text}) == run  # pycocotools decodes the string


def test_run_lengths_are_the_column_major_runs_starting_with_zeros():
    masks = torch.tensor([[[0, 1], [0, 1]], [[1, 1], [0, 0]]], dtype=torch.bool)  # column-major: 0011, 1010
    counts, runs, first = run_lengths(masks)
    assert counts.tolist() == [2, 2, 0, 1, 1, 1, 1]
    assert runs.tolist() == [2, 5] and first.tolist() == [0, 2]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_rle_of_a_gpu_tensor_is_built_on_the_gpu_and_equals_pycocotools():
    g = torch.Generator().manual_seed(0)
    blobs = torch.nn.functional.interpolate(torch.rand(20, 1, 9, 13, generator=g), size=(480, 640), mode="bilinear")
    masks = blobs[:, 0] > 0.5
    masks[3] = True
    masks[4] = False
    assert encode_rle_tensor(masks.cuda()) == encode_rle_on_device(masks.cuda()) == encode_rle(masks.numpy())
