"""An instance whose mask is empty at the image's resolution is not a finding: it is left out.

A 1 x 1 image made that common (one bilinear sample of the 288 x 288 map decides the mask); on any image
a query can score over the threshold while no pixel's probability passes the mask threshold, and with
non-overlapping masks every pixel of an instance can belong to another. Candidates, the page's material
for re-thresholding, are not masks at any one threshold: they keep every query over the floor.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sam3fn.core.encodings import decode_rle
from sam3fn.core.engine import RawOutputs
from sam3fn.core.images import from_array
from sam3fn.core.postprocess import instance_masks, select_instances
from sam3fn.core.segmenter import Prompt, Segmenter, SegmentOptions


@pytest.fixture(scope="module")
def segmenter(loaded_model):
    return Segmenter(loaded_model)


@pytest.mark.parametrize("non_overlapping", [False, True])
@pytest.mark.parametrize("threshold", [0.5, 0.0])
def test_a_one_pixel_image_returns_no_instance_of_area_zero(segmenter, threshold, non_overlapping):
    image = from_array(np.full((1, 1, 3), 128, np.uint8))
    result = segmenter.run(image, [Prompt.plain("dog"), Prompt.plain("cat")],
                           SegmentOptions(threshold=threshold, non_overlapping=non_overlapping))
    instances = [i for r in result.results for i in r.instances]
    assert instances, "the tiny model finds something on every image at these thresholds"
    for inst in instances:
        assert inst.area == 1 and decode_rle(inst.mask).sum() == 1


def _raw(mask_logits: torch.Tensor) -> RawOutputs:
    """One prompt, queries scoring 0.9, 0.8, ... with these (Q, h, w) mask logits and distinct boxes."""
    queries = mask_logits.shape[0]
    scores = torch.linspace(0.9, 0.5, queries)
    boxes = torch.stack([torch.tensor([0.0, 0.0, (q + 1) / (queries + 1), 1.0]) for q in range(queries)])
    return RawOutputs(logits=torch.logit(scores)[None], presence=torch.tensor([[20.0]]), boxes=boxes[None],
                      masks=mask_logits[None])


def test_an_instance_refinement_removes_whole_is_left_out():
    """Refinement drops islands under a fraction of the image: a mask that is one such speck goes whole."""
    from sam3fn.core.segmenter import encode_instances

    logits = torch.full((2, 64, 64), -5.0)
    logits[0] = 5.0  # the whole image
    logits[1, 30, 30] = 5.0  # one decoder cell: about 16 x 16 pixels of a 1000 x 1000 image
    raw = _raw(logits)
    kept = select_instances(raw, 1000, 1000, threshold=0.4)
    plain = encode_instances(raw, kept, 1000, 1000, SegmentOptions(threshold=0.4))
    refined = encode_instances(raw, kept, 1000, 1000, SegmentOptions(threshold=0.4, refine=1.0))
    assert [i.area > 0 for i in plain[0]] == [True, True]
    assert [i.score for i in refined[0]] == [plain[0][0].score]


@pytest.mark.parametrize("chunk", [1, 2, 16])
def test_instances_with_empty_masks_are_dropped_and_the_rest_keep_their_scores_and_boxes(chunk):
    logits = torch.full((5, 8, 8), 5.0)
    logits[1] = -5.0  # nowhere over the mask threshold
    logits[3] = -5.0
    raw = _raw(logits)
    [kept] = select_instances(raw, 16, 16, threshold=0.4)
    assert len(kept.scores) == 5
    found = [(float(k.scores[start + i]), tuple(k.boxes[start + i]), int(m.sum()))
             for k, start, masks in instance_masks(raw, [kept], 16, 16, 0.5, chunk=chunk) for i, m in enumerate(masks)]
    assert [round(s, 4) for s, _, _ in found] == [0.9, 0.7, 0.5]
    assert [b[2] for _, b, _ in found] == pytest.approx([16 / 6, 16 * 3 / 6, 16 * 5 / 6])
    assert all(area == 256 for _, _, area in found)


def test_an_instance_whose_every_pixel_another_owns_is_dropped_when_masks_do_not_overlap():
    logits = torch.full((3, 8, 8), -5.0)
    logits[0] = 4.0  # the most probable everywhere
    logits[1] = 2.0  # over the threshold everywhere, owner nowhere
    logits[2, :, :4] = 6.0  # owns the left half
    raw = _raw(logits)
    kept = select_instances(raw, 8, 8, threshold=0.4)
    chunks = list(instance_masks(raw, kept, 8, 8, 0.5, non_overlapping=True, chunk=16))
    areas = [(round(float(k.scores[start + i]), 4), int(m.sum())) for k, start, masks in chunks for i, m in enumerate(masks)]
    assert areas == [(0.9, 32), (0.5, 32)]


def test_candidates_still_hold_every_query_over_the_floor(segmenter):
    """The page re-thresholds candidates itself, at a mask threshold of its own: one empty at the request's
    stays a candidate, and the instances are the candidates over the threshold whose masks are not empty."""
    image = from_array(np.full((1, 1, 3), 128, np.uint8))
    [found] = segmenter.run(image, [Prompt.plain("dog")], SegmentOptions(threshold=0.5, candidate_floor=0.0)).results
    over = [c.score for c in found.candidates if c.score >= 0.5]
    kept = [i.score for i in found.instances]
    assert 0 < len(kept) < len(over), "some queries over the threshold have empty masks on a 1 x 1 image"
    remaining = iter(over)
    assert all(any(score == c for c in remaining) for score in kept)  # the instances: a subsequence of them
