"""Masks made inside their windows on the CPU are the masks transformers makes over the whole image.

The window path computes the same bilinear samples for fewer pixels. Its float32 arithmetic is not
F.interpolate's to the last bit, so a pixel may differ only where the reference probability lies within
`NEAR` of the mask threshold; everything else, and every RLE built from a window, must match exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as coco_mask

from sam3fn.core.encodings import decode_rle, encode_rle, encode_rle_window, mask_to_polygons
from sam3fn.core.engine import RawOutputs
from sam3fn.core.postprocess import instance_masks, select_instances
from sam3fn.core.refine import refine_mask
from sam3fn.core.segmenter import SegmentOptions, encode_instances
from sam3fn.core.windows import MaskWindow, bounding_windows, instance_windows
from support.raw_outputs import DecoderOutputs, random_raw, reference_postprocess

NEAR = 1e-4


def blobs_raw(count=6, grid=288, seed=0) -> RawOutputs:
    """One prompt whose queries' mask logits are round blobs of different sizes (objects, not noise)."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(grid * 1.0), torch.arange(grid * 1.0), indexing="ij")
    centres, radii = torch.rand(count, 2, generator=g) * grid, 4 + torch.rand(count, generator=g) * grid / 8
    dist = ((yy - centres[:, 0, None, None]) ** 2 + (xx - centres[:, 1, None, None]) ** 2).sqrt()
    logits = 6 * (1 - dist / radii[:, None, None]) + torch.randn(count, grid, grid, generator=g) * 0.3
    return RawOutputs(logits=torch.linspace(3, 1, count)[None], presence=torch.full((1, 1), 4.0),
                      boxes=torch.tensor([[0.1, 0.1, 0.6, 0.6]]).expand(1, count, 4), masks=logits[None])


def windowed(raw, kept, height, width, mask_threshold=0.5, non_overlapping=False, chunk=16):
    """Per prompt, (N, H, W) bool: every window `instance_windows` yields, pasted (empty instances: zeros)."""
    out = [np.zeros((len(k.queries), height, width), bool) for k in kept]
    for k, start, windows in instance_windows(raw, kept, height, width, mask_threshold, non_overlapping, chunk):
        positions = [int(np.flatnonzero(kept[k.prompt].queries.numpy() == q)[0]) for q in k.queries[start:]]
        for position, window in zip(positions, windows):
            out[k.prompt][position] = window.paste(height, width)
    return out


def whole(raw, kept, height, width, mask_threshold=0.5, non_overlapping=False):
    out = [np.zeros((len(k.queries), height, width), bool) for k in kept]
    for k, start, masks in instance_masks(raw, kept, height, width, mask_threshold, non_overlapping):
        positions = [int(np.flatnonzero(kept[k.prompt].queries.numpy() == q)[0]) for q in k.queries[start:]]
        for position, mask in zip(positions, masks.numpy()):
            out[k.prompt][position] = mask
    return out


def reference_probs(raw, kept, height, width):
    """Per prompt, (N, H, W): the probabilities transformers thresholds (F.interpolate's samples)."""
    return [F.interpolate(raw.masks[k.prompt, k.queries].float().sigmoid()[None], size=(height, width),
                          mode="bilinear", align_corners=False)[0].numpy() if len(k.queries)
            else np.zeros((0, height, width), np.float32) for k in kept]


def assert_same_masks(ours, theirs, probs, mask_threshold):
    """Equal, except on pixels whose reference probability is within NEAR of the threshold."""
    for mine, ref, p in zip(ours, theirs, probs):
        if not len(ref):  # transformers skips the resize when nothing is kept
            assert not len(mine)
            continue
        differ = mine != ref
        assert not (differ & (np.abs(p - mask_threshold) >= NEAR)).any()
        assert differ.mean() < 1e-4


@pytest.mark.parametrize("size", [(40, 60), (97, 31), (18, 18), (1, 1), (5, 300)])
@pytest.mark.parametrize("mask_threshold", [0.3, 0.5, 0.8])
def test_windowed_masks_are_transformers_masks(size, mask_threshold):
    raw = random_raw(seed=hash(size) % 1000)
    kept = select_instances(raw, *size, threshold=0.3)
    ref = reference_postprocess()(DecoderOutputs(raw), 0.3, mask_threshold, [size] * raw.logits.shape[0])
    theirs = [r["masks"].numpy()[np.argsort(-r["scores"].numpy(), kind="stable")].astype(bool) for r in ref]
    assert sum(len(t) for t in theirs) > 0
    assert_same_masks(windowed(raw, kept, *size, mask_threshold), theirs, reference_probs(raw, kept, *size),
                      mask_threshold)


@pytest.mark.parametrize("size", [(1008, 1008), (3024, 4032), (777, 333)])
def test_object_masks_are_made_in_windows_that_bound_them_closely(size):
    raw = blobs_raw()
    kept = select_instances(raw, *size)
    ours, theirs = windowed(raw, kept, *size), whole(raw, kept, *size)
    assert_same_masks(ours, theirs, reference_probs(raw, kept, *size), 0.5)
    windows = [w for _, _, ws in instance_windows(raw, kept, *size) for w in ws]
    assert len(windows) == len(kept[0].queries)
    for window, mask in zip(windows, theirs[0]):
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        h, w = window.pixels.shape
        # The window holds the mask and exceeds its bounding box by a few grid cells at most: the samples
        # around a grid point over the threshold can all stay under it, when its neighbours are low.
        cell_h, cell_w = 4 * size[0] / 288 + 1, 4 * size[1] / 288 + 1
        assert rows[0] - cell_h <= window.top <= rows[0] and rows[-1] < window.top + h <= rows[-1] + 1 + cell_h
        assert cols[0] - cell_w <= window.left <= cols[0] and cols[-1] < window.left + w <= cols[-1] + 1 + cell_w
        assert h * w < 0.2 * size[0] * size[1]


@pytest.mark.parametrize("chunk", [1, 4, 16])
def test_non_overlapping_windows_give_each_pixel_its_most_probable_instance(chunk):
    raw = random_raw(prompts=2, queries=16, seed=3)
    kept = select_instances(raw, 50, 70, threshold=0.2)
    ours = windowed(raw, kept, 50, 70, 0.3, non_overlapping=True, chunk=chunk)
    theirs = whole(raw, kept, 50, 70, 0.3, non_overlapping=True)
    assert np.concatenate(ours).sum(axis=0).max() <= 1
    assert_same_masks(ours, theirs, reference_probs(raw, kept, 50, 70), 0.3)
    overlapping = blobs_raw(count=8, seed=4)
    kept = select_instances(overlapping, 600, 900)
    ours = windowed(overlapping, kept, 600, 900, non_overlapping=True)
    assert np.concatenate(ours).sum(axis=0).max() == 1
    assert_same_masks(ours, whole(overlapping, kept, 600, 900, non_overlapping=True),
                      reference_probs(overlapping, kept, 600, 900), 0.5)


def test_instances_with_empty_windows_are_left_out_as_with_whole_masks():
    logits = torch.full((4, 8, 8), -5.0)
    logits[0, 2, 2] = 3.0  # one grid cell: no sample lands exactly on the threshold
    logits[2] = 5.0
    raw = RawOutputs(logits=torch.tensor([[3.0, 2.0, 1.0, 0.5]]), presence=torch.tensor([[20.0]]),
                     boxes=torch.rand(1, 4, 4), masks=logits[None])
    kept = select_instances(raw, 30, 40, threshold=0.4)
    for chunk in (1, 2, 16):
        found = [(float(k.scores[start + i]), w.area) for k, start, ws in instance_windows(raw, kept, 30, 40, chunk=chunk)
                 for i, w in enumerate(ws)]
        masks = [(float(k.scores[start + i]), int(m.sum())) for k, start, ms in instance_masks(raw, kept, 30, 40, chunk=chunk)
                 for i, m in enumerate(ms)]
        assert [s for s, _ in found] == [s for s, _ in masks] == pytest.approx([float(kept[0].scores[0]),
                                                                                 float(kept[0].scores[2])])
        assert [a for _, a in found] == [a for _, a in masks]


@st.composite
def windows_in_images(draw):
    height, width = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    top, left = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
    h, w = draw(st.integers(1, height - top)), draw(st.integers(1, width - left))
    bits = draw(st.lists(st.booleans(), min_size=h * w, max_size=h * w))
    return MaskWindow(top, left, np.array(bits, bool).reshape(h, w)), height, width


@settings(max_examples=300, deadline=None)
@given(windows_in_images())
def test_a_window_encodes_to_pycocotools_rle_of_the_whole_mask(case):
    window, height, width = case
    mask = window.paste(height, width)
    expected = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode("ascii")
    assert encode_rle_window(window, height, width).counts == expected
    assert window.area == int(mask.sum())


@pytest.mark.parametrize("bits", ["full", "first column and last", "corners"])
def test_windows_at_the_image_edges_encode_exactly(bits):
    """Runs of ones crossing from one column to the next, starting the image and ending it."""
    pixels = np.zeros((6, 5), bool)
    if bits == "full":
        pixels[:] = True
    elif bits == "first column and last":
        pixels[:, 0] = pixels[:, -1] = True
    else:
        pixels[0, 0] = pixels[-1, -1] = True
    window = MaskWindow(0, 0, pixels)
    assert encode_rle_window(window, 6, 5) == encode_rle(pixels[None])[0]


def test_the_cpu_segmenter_encodes_the_windows_it_made():
    raw = blobs_raw(count=5, seed=7)
    kept = select_instances(raw, 480, 640)
    [instances] = encode_instances(raw, kept, 480, 640, SegmentOptions())
    [masks] = whole(raw, kept, 480, 640)
    assert len(instances) == len(masks) == 5
    exact = sum(inst.mask == encode_rle(m[None])[0] for inst, m in zip(instances, masks))
    assert exact >= 4  # a blob's edge can hold a pixel within NEAR of the threshold, rarely
    traced = encode_instances(raw, kept, 480, 640, SegmentOptions(polygons=True))[0]
    assert [(i.mask, i.area) for i in traced] == [(i.mask, i.area) for i in instances]
    # Traced in each window, shifted to the image: the whole mask's polygons, in the same order.
    assert [i.polygons for i in traced] == [mask_to_polygons(decode_rle(i.mask)) for i in instances]
    refined = encode_instances(raw, kept, 480, 640, SegmentOptions(refine=0.5, polygons=True))[0]
    assert [i.mask for i in refined] == [encode_rle(refine_mask(decode_rle(i.mask), 0.5)[None])[0] for i in instances]
    assert [i.polygons for i in refined] == [mask_to_polygons(decode_rle(i.mask)) for i in refined]


def test_whole_masks_cross_to_the_host_as_their_bounding_boxes():
    masks = torch.zeros(3, 40, 50, dtype=torch.bool)
    masks[0, 5:9, 7:20] = True
    masks[0, 30, 45] = True
    masks[2] = True
    windows = bounding_windows(masks)
    assert [(w.top, w.left, w.pixels.shape) for w in windows] == [(5, 7, (26, 39)), (0, 0, (1, 1)), (0, 0, (40, 50))]
    for window, mask in zip(windows, masks.numpy()):
        np.testing.assert_array_equal(window.paste(40, 50), mask)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the GPU path needs a CUDA GPU")
@pytest.mark.parametrize("options", [SegmentOptions(), SegmentOptions(polygons=True),
                                     SegmentOptions(refine=0.5, polygons=True, non_overlapping=True)])
def test_a_gpu_encodes_what_the_cpu_does(options):
    """Whole masks on the GPU (encoded there, or their boxes refined and traced on the host) against windows."""
    raw = blobs_raw(count=8, seed=11)
    on_gpu = RawOutputs(*(t.cuda() for t in (raw.logits, raw.presence, raw.boxes, raw.masks)))
    cpu = encode_instances(raw, select_instances(raw, 600, 800), 600, 800, options)
    gpu = encode_instances(on_gpu, select_instances(on_gpu, 600, 800), 600, 800, options)
    pairs = list(zip(cpu[0], gpu[0], strict=True))
    assert len(pairs) == 8
    # CUDA's bilinear kernel rounds as its own; a blob edge pixel that close to the threshold is rare.
    assert sum((a.mask, a.area, a.polygons) == (b.mask, b.area, b.polygons) for a, b in pairs) >= 7
