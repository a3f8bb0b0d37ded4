"""Our post-processing is SAM 3's: equal to transformers' post_process_instance_segmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sam3fn.core.postprocess import instance_masks, select_candidates, select_instances
from support.raw_outputs import DecoderOutputs, random_raw, reference_postprocess


def masks_per_prompt(raw, kept, height, width, mask_threshold=0.5, non_overlapping=False, chunk=16):
    """Every chunk `instance_masks` yields, put back together as one (N, H, W) bool array per prompt."""
    out = [np.zeros((len(k.queries), height, width), bool) for k in kept]
    for k, start, masks in instance_masks(raw, kept, height, width, mask_threshold, non_overlapping, chunk):
        out[k.prompt][start : start + len(masks)] = masks.numpy()
    return out


@pytest.mark.parametrize("size", [(40, 60), (97, 31), (18, 18)])
@pytest.mark.parametrize("threshold,mask_threshold", [(0.5, 0.5), (0.2, 0.3), (0.7, 0.8)])
def test_select_instances_equals_transformers_postprocessing(size, threshold, mask_threshold):
    raw = random_raw(seed=hash((size, threshold)) % 1000)
    ours = select_instances(raw, *size, threshold=threshold)
    masks = masks_per_prompt(raw, ours, *size, mask_threshold=mask_threshold, chunk=5)
    ref = reference_postprocess()(DecoderOutputs(raw), threshold, mask_threshold, [size] * raw.logits.shape[0])
    assert len(ours) == len(ref)
    total = 0
    for mine, mine_masks, theirs in zip(ours, masks, ref):
        order = torch.argsort(theirs["scores"], descending=True).numpy()
        assert len(mine.scores) == len(order)
        np.testing.assert_allclose(mine.scores, theirs["scores"].numpy()[order], rtol=1e-6)
        np.testing.assert_allclose(mine.boxes, theirs["boxes"].numpy()[order], rtol=1e-5, atol=1e-4)
        if len(order):  # transformers skips the resize when nothing is kept, so only compare real masks
            np.testing.assert_array_equal(mine_masks, theirs["masks"].numpy()[order].astype(bool))
        total += len(order)
    assert total > 0, "the random outputs must keep some instances or the comparison proves nothing"


@pytest.mark.parametrize("chunk", [1, 5, 16])
def test_non_overlapping_gives_each_pixel_one_instance_whatever_the_chunking(chunk):
    raw = random_raw(prompts=2, queries=16, seed=3)
    kept = select_instances(raw, 50, 50, threshold=0.2)
    overlapping = np.concatenate(masks_per_prompt(raw, kept, 50, 50, 0.3, chunk=chunk))
    exclusive = np.concatenate(masks_per_prompt(raw, kept, 50, 50, 0.3, non_overlapping=True, chunk=chunk))
    assert exclusive.sum(axis=0).max() <= 1
    assert overlapping.sum(axis=0).max() > 1
    # Exclusive masks are subsets of the overlapping ones, and a pixel goes to its most probable instance.
    assert not (exclusive & ~overlapping).any()
    reference = np.concatenate(masks_per_prompt(raw, kept, 50, 50, 0.3, non_overlapping=True, chunk=64))
    np.testing.assert_array_equal(exclusive, reference)


def test_instances_come_best_first_with_pixel_boxes():
    raw = random_raw(prompts=1, queries=30, seed=5)
    kept = select_instances(raw, 100, 200, threshold=0.1)[0]
    assert list(kept.scores) == sorted(kept.scores, reverse=True)
    assert kept.boxes[:, [0, 2]].max() <= 200 and kept.boxes[:, [1, 3]].max() <= 100


def test_candidates_are_every_query_above_the_floor_best_first():
    raw = random_raw(prompts=2, queries=40, seed=5)
    scores = (raw.logits.sigmoid() * raw.presence.sigmoid()).numpy()
    found = select_candidates(raw, 50, 70, floor=0.2)
    for p, cands in enumerate(found):
        assert len(cands.scores) == int((scores[p] >= 0.2).sum()) > 0
        assert np.all(np.diff(cands.scores) <= 0)
        assert cands.probs.dtype == np.uint8 and cands.probs.shape[1:] == (18, 18)
    capped = select_candidates(raw, 50, 70, floor=0.0, limit=7)
    assert [len(c.scores) for c in capped] == [7, 7]


@pytest.mark.parametrize("mask_threshold", [0.3, 0.5, 0.8])
def test_candidate_maps_rethresholded_reproduce_the_server_masks(mask_threshold):
    """What a viewer does with the 8-bit maps (bilinear to the image size, compare to t * 255) gives the
    same masks as the server's float path, except on pixels within the quantisation step of t."""
    raw = random_raw(prompts=1, queries=30, seed=9)
    height, width = 61, 83
    kept = select_instances(raw, height, width, threshold=0.3)
    server = masks_per_prompt(raw, kept, height, width, mask_threshold)[0]
    kept = kept[0]
    cands = select_candidates(raw, height, width, floor=0.3)[0]
    np.testing.assert_allclose(cands.scores, kept.scores)
    np.testing.assert_allclose(cands.boxes, kept.boxes)
    up = torch.nn.functional.interpolate(torch.from_numpy(cands.probs).float()[None], size=(height, width),
                                         mode="bilinear", align_corners=False)[0].numpy()
    ours = up > mask_threshold * 255
    disagree = (ours != server).mean()
    assert server.any() and disagree < 0.005
