"""Pipeline.segment_bytes: bytes sent again are answered from cached features without decoding them again."""

from __future__ import annotations

import numpy as np
import pytest

from sam3fn.core.errors import ImageError
from sam3fn.core.segmenter import Prompt, Segmenter, SegmentOptions
from sam3fn.pipeline import Pipeline

from support.images import encode, scene_pixels

DOG = [Prompt.plain("dog")]
LOW = SegmentOptions(threshold=0.2)  # random weights keep few instances at the default threshold


@pytest.fixture
def pipeline(loaded_model):
    return Pipeline(Segmenter(loaded_model, image_cache=1))


def _answer(result):
    return [[(i.score, i.box, i.mask.counts) for i in r.instances] for r in result.results]


def test_an_upload_sent_again_is_answered_from_its_features_without_being_decoded(pipeline):
    png = encode(scene_pixels(seed=3))
    first_image, first = pipeline.segment_bytes(png, DOG, LOW, need_pixels=False)
    again_image, again = pipeline.segment_bytes(png, DOG, LOW, need_pixels=False)
    assert first_image is not None and not first.timings.image_cached
    assert again_image is None and again.timings.image_cached  # no pixels: none were decoded
    assert again.image == first.image and _answer(again) == _answer(first) and _answer(first)[0]
    assert pipeline.segmenter.image_cache.stats()["misses"] == 1


def test_a_caller_that_draws_on_the_image_gets_its_pixels_for_a_known_upload_too(pipeline):
    pixels = scene_pixels(seed=4)
    pipeline.segment_bytes(encode(pixels), DOG, LOW, need_pixels=False)
    image, result = pipeline.segment_bytes(encode(pixels), DOG, LOW, need_pixels=True)
    assert result.timings.image_cached  # features by the pixels' hash, decoded all the same
    np.testing.assert_array_equal(image.pixels, pixels)


def test_other_bytes_of_the_same_pixels_are_decoded_and_find_the_features(pipeline):
    pixels = scene_pixels(seed=5)
    pipeline.segment_bytes(encode(pixels, compress_level=9), DOG, LOW, need_pixels=False)
    image, result = pipeline.segment_bytes(encode(pixels, compress_level=1), DOG, LOW, need_pixels=False)
    assert image is not None and result.timings.image_cached


def test_a_known_upload_whose_features_were_evicted_is_decoded_and_encoded_once_more(pipeline):
    a, b = encode(scene_pixels(seed=6)), encode(scene_pixels(seed=7))
    first = pipeline.segment_bytes(a, DOG, LOW, need_pixels=False)[1]
    pipeline.segment_bytes(b, DOG, LOW, need_pixels=False)  # the image cache holds one: a's features go
    image, again = pipeline.segment_bytes(a, DOG, LOW, need_pixels=False)
    assert image is not None and not again.timings.image_cached and _answer(again) == _answer(first)
    # one miss per image encoded: the look-up that found a's features gone is not repeated
    assert pipeline.segmenter.image_cache.stats()["misses"] == 3


def test_bytes_that_do_not_decode_are_refused_each_time_they_are_sent(pipeline):
    for _ in range(2):
        with pytest.raises(ImageError, match="not an image"):
            pipeline.segment_bytes(b"this is not an image", DOG, LOW, need_pixels=False)
    assert len(pipeline.uploads) == 0


def test_a_large_jpeg_is_segmented_from_reduced_pixels_in_its_own_coordinates(pipeline, loaded_model):
    from pycocotools import mask as coco_mask

    side = pipeline.segmenter.model.spec.size
    height, width = 2 * side + 16, 3 * side  # large enough for the JPEG decoder to halve it
    data = encode(scene_pixels(height, width, seed=8), "JPEG", quality=95)
    image, result = pipeline.segment_bytes(data, DOG, LOW, need_pixels=True)
    assert image.pixels.shape[:2] == (height // 2, width // 2)
    assert (result.image.height, result.image.width) == (height, width)
    instance = result.results[0].instances[0]
    assert instance.mask.size == [height, width]
    assert coco_mask.decode({"size": instance.mask.size, "counts": instance.mask.counts.encode()}).shape == (height, width)
    assert 0 <= instance.box[0] <= instance.box[2] <= width and 0 <= instance.box[1] <= instance.box[3] <= height
    # every entry point decodes for the model alike: a caller that draws gets the same result as one that does not
    fresh = Pipeline(Segmenter(loaded_model, image_cache=1))  # nothing cached: decoded and encoded anew
    _, again = fresh.segment_bytes(data, DOG, LOW, need_pixels=False)
    assert not again.timings.image_cached and _answer(again) == _answer(result)
