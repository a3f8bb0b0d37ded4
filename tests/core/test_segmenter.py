"""Encode once, query many: caches, one batched decode for all prompts, options and prompt checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sam3fn.core.encodings import decode_rle
from sam3fn.core.errors import InputError, PromptError
from sam3fn.core.images import decode_image, from_array
from sam3fn.core.segmenter import Prompt, Segmenter, SegmentOptions, warm_up_batches

from support.images import encode, scene_pixels


class CountingEngine:
    """The real engine, with a count of calls per stage and the prompt batch sizes the decoder saw."""

    def __init__(self, engine):
        self.inner, self.backend, self.dtype = engine, engine.backend, engine.dtype
        self.calls = {"encode_image": 0, "encode_text": 0, "decode": 0}
        self.decode_batches: list[int] = []

    def encode_image(self, pixels):
        self.calls["encode_image"] += 1
        return self.inner.encode_image(pixels)

    def encode_text(self, ids, mask):
        self.calls["encode_text"] += 1
        return self.inner.encode_text(ids, mask)

    def decode(self, image, text, mask):
        self.calls["decode"] += 1
        self.decode_batches.append(text.shape[0])
        return self.inner.decode(image, text, mask)


@pytest.fixture
def counted(loaded_model):
    segmenter = Segmenter(loaded_model)
    segmenter.engine = CountingEngine(loaded_model.engine)
    return segmenter


def prompts(*texts):
    return [Prompt.plain(t) for t in texts]


def test_second_query_on_the_same_image_does_not_re_encode_it(counted):
    image = from_array(scene_pixels())
    first = counted.run(image, prompts("dog"), SegmentOptions())
    second = counted.run(from_array(scene_pixels()), prompts("cat"), SegmentOptions())
    assert counted.engine.calls["encode_image"] == 1
    assert not first.timings.image_cached and second.timings.image_cached
    assert second.timings.image_encode_ms == 0.0
    counted.run(from_array(scene_pixels(seed=9)), prompts("cat"), SegmentOptions())
    assert counted.engine.calls["encode_image"] == 2


def test_image_cache_is_bounded_and_evicts_least_recently_used(loaded_model):
    segmenter = Segmenter(loaded_model, image_cache=2)
    images = [from_array(scene_pixels(seed=s)) for s in range(3)]
    for image in images:
        segmenter.set_image(image)
    assert len(segmenter.image_cache) == 2
    assert not segmenter.set_image(images[0]).cached
    assert segmenter.set_image(images[2]).cached


def test_prompt_features_are_cached_per_prompt(counted):
    state = counted.set_image(from_array(scene_pixels()))
    counted.segment(state, prompts("dog", "red car"), SegmentOptions())
    result = counted.segment(state, prompts("red car", "dog", "tree"), SegmentOptions())
    assert counted.engine.calls["encode_text"] == 2  # the second call encoded only "tree"
    assert result.timings.text_cached == 2


def test_all_prompts_are_decoded_in_one_batched_pass(counted):
    state = counted.set_image(from_array(scene_pixels()))
    counted.segment(state, prompts("dog", "red car", "tree", "person"), SegmentOptions())
    assert counted.engine.decode_batches == [4]


def test_batched_decode_equals_prompt_by_prompt_decode(loaded_model):
    segmenter = Segmenter(loaded_model)
    state = segmenter.set_image(from_array(scene_pixels()))
    texts = ["dog", "red car", "a person in a blue jacket"]
    options = SegmentOptions(threshold=0.3)
    batched = segmenter.segment(state, prompts(*texts), options).results
    for text, together in zip(texts, batched):
        alone = segmenter.segment(state, prompts(text), options).results[0]
        assert [i.mask.counts for i in alone.instances] == [i.mask.counts for i in together.instances]
        np.testing.assert_allclose([i.score for i in alone.instances], [i.score for i in together.instances], atol=1e-5)
    assert sum(len(r.instances) for r in batched) > 0


def test_threshold_selects_fewer_instances_as_it_rises(loaded_model):
    segmenter = Segmenter(loaded_model)
    state = segmenter.set_image(from_array(scene_pixels()))
    counts = [len(segmenter.segment(state, prompts("dog"), SegmentOptions(threshold=t)).results[0].instances)
              for t in (0.2, 0.5, 0.9)]
    assert counts[0] > counts[1] >= counts[2]
    assert all(i.score >= 0.5 for i in segmenter.segment(state, prompts("dog"), SegmentOptions()).results[0].instances)


def test_refinement_visibly_changes_masks(loaded_model):
    segmenter = Segmenter(loaded_model)
    state = segmenter.set_image(from_array(scene_pixels(480, 640)))
    raw = segmenter.segment(state, prompts("dog"), SegmentOptions(threshold=0.3)).results[0]
    refined = segmenter.segment(state, prompts("dog"), SegmentOptions(threshold=0.3, refine=1.0)).results[0]
    assert len(raw.instances) == len(refined.instances) > 0
    changed = [(decode_rle(a.mask) != decode_rle(b.mask)).mean() for a, b in zip(raw.instances, refined.instances)]
    assert max(changed) > 0.001


def test_masks_and_boxes_are_in_original_image_coordinates(loaded_model):
    segmenter = Segmenter(loaded_model)
    image = decode_image(encode(scene_pixels(150, 410)))
    result = segmenter.run(image, prompts("dog"), SegmentOptions(threshold=0.3))
    inst = result.results[0].instances[0]
    assert inst.mask.size == [150, 410]
    assert 0 <= inst.box[0] <= inst.box[2] <= 410 and 0 <= inst.box[1] <= inst.box[3] <= 150
    assert inst.area == int(decode_rle(inst.mask).sum())


def test_every_stage_is_timed(loaded_model):
    result = Segmenter(loaded_model).run(from_array(scene_pixels(seed=4)), prompts("dog"), SegmentOptions())
    t = result.timings
    for stage in ("preprocess_ms", "image_encode_ms", "text_encode_ms", "mask_decode_ms", "postprocess_ms"):
        assert getattr(t, stage) > 0, stage
    assert t.total_ms >= t.image_encode_ms + t.mask_decode_ms


def test_random_weights_are_labelled_in_every_result(loaded_model):
    result = Segmenter(loaded_model).run(from_array(scene_pixels()), prompts("dog"), SegmentOptions())
    assert result.model.random_weights
    assert any("random weights" in w for w in result.warnings)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\u200b", "\ufeff \u200d"])
def test_empty_prompt_is_refused(loaded_model, text):
    with pytest.raises(PromptError) as info:
        Segmenter(loaded_model).run(from_array(scene_pixels()), prompts("dog", text), SegmentOptions())
    assert info.value.code == "empty_prompt"


def test_invisible_characters_pasted_with_a_prompt_do_not_change_what_the_model_gets(loaded_model):
    segmenter = Segmenter(loaded_model)
    image = from_array(scene_pixels())
    plain = segmenter.run(image, prompts("red car"), SegmentOptions(threshold=0.0))
    pasted = segmenter.run(image, prompts("\ufeffred\u200b car\u200e"), SegmentOptions(threshold=0.0))
    assert [i.score for i in pasted.results[0].instances] == [i.score for i in plain.results[0].instances]
    assert pasted.timings.text_cached == 1  # the same tokens, so the same cache entry


def test_overlong_prompt_is_truncated_and_says_so(loaded_model):
    long_prompt = "a very small brown dog sitting on the left side of a red wooden bench"
    result = Segmenter(loaded_model).run(from_array(scene_pixels()), prompts("dog", long_prompt), SegmentOptions())
    assert [r.truncated for r in result.results] == [False, True]
    assert any("truncated" in w and long_prompt in w for w in result.warnings)


@pytest.mark.parametrize("field,value", [("threshold", 1.5), ("mask_threshold", -0.1), ("refine", 2.0)])
def test_out_of_range_options_are_refused(field, value):
    with pytest.raises(InputError) as info:
        SegmentOptions(**{field: value})
    assert info.value.code == "invalid_option" and field in info.value.message


def test_several_images_encode_in_one_batch(loaded_model):
    segmenter = Segmenter(loaded_model)
    images = [from_array(scene_pixels(seed=s)) for s in range(3)]
    states = segmenter.set_images(images)
    assert [s.image.sha256 for s in states] == [i.sha256 for i in images]
    single = Segmenter(loaded_model).set_image(images[1])
    torch.testing.assert_close(states[1].features.hidden[0], single.features.hidden[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("non_overlapping", [False, True])
def test_asking_for_polygons_or_refinement_at_zero_changes_no_mask(loaded_model, non_overlapping):
    """Polygons are traced from the masks already made (windows on the CPU, pixels brought from the GPU);
    they must not change a mask, an area or a score, and each instance's area is its RLE's."""
    segmenter = Segmenter(loaded_model)
    state = segmenter.set_image(from_array(scene_pixels(120, 170, seed=2)))
    opts = dict(threshold=0.2, mask_threshold=0.4, non_overlapping=non_overlapping)
    plain = segmenter.segment(state, prompts("dog", "cat"), SegmentOptions(**opts)).results
    traced = segmenter.segment(state, prompts("dog", "cat"), SegmentOptions(**opts, polygons=True, refine=0.0)).results
    pairs = [(a, b) for ra, rb in zip(plain, traced) for a, b in zip(ra.instances, rb.instances, strict=True)]
    assert len(pairs) > 1
    for a, b in pairs:
        assert (a.score, a.mask, a.area) == (b.score, b.mask, b.area)
        assert a.area == int(decode_rle(a.mask).sum())
        assert a.polygons is None and b.polygons is not None  # [] for a mask too thin to trace a polygon


@pytest.mark.parametrize(("max_prompts", "expected"), [(16, [1, 2, 4, 8, 16]), (10, [1, 2, 4, 8, 16]),
                                                      (3, [1, 2, 4]), (1, [1]), (40, [1, 2, 4, 8, 16])])
def test_warm_up_covers_every_graph_batch_a_request_can_use(max_prompts, expected):
    assert warm_up_batches((1, 2, 4, 8, 16), max_prompts) == expected


def test_warm_up_without_cuda_graphs_is_one_pass(counted):
    assert warm_up_batches((), 16) == [1]
    assert counted.warm_up(from_array(scene_pixels()), 16) == [1]
    assert counted.engine.calls == {"encode_image": 1, "encode_text": 1, "decode": 1}


def test_warm_up_runs_each_graph_batch_without_filling_the_text_cache(counted):
    counted.engine.graph_batches = (1, 2, 4, 8, 16)  # what a compiled engine replaying CUDA graphs reports
    assert counted.warm_up(from_array(scene_pixels()), 6) == [1, 2, 4, 8]
    assert counted.engine.decode_batches == [1, 2, 4, 8]
    assert len(counted.text_cache) == 1  # only the full pass's prompt
