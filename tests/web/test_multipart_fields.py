"""A multipart /v1/segment refuses what its JSON form refuses: an unknown field, a field given twice that
takes one value, a flag that is neither yes nor no, two images, `prompt` beside `prompts`."""

from __future__ import annotations

import pytest

from support.images import encode, scene_pixels


@pytest.fixture
def image():
    return {"image": ("a.png", encode(scene_pixels(40, 60)), "image/png")}


def _error(r) -> dict:
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    return error


@pytest.mark.parametrize("data,field", [
    ({"prompts": "dog", "thresold": "0.9"}, "thresold"),
    ({"prompts": "dog", "return_overlay": "maybe"}, "return_overlay"),
    ({"prompts": "dog", "non_overlapping": "2"}, "non_overlapping"),
    ({"prompt": "cat", "prompts": "dog"}, "prompt"),
    ({"prompts": "dog", "threshold": ["0.3", "0.6"]}, "threshold"),
    ({"prompts": "dog", "return_overlay": ["true", "false"]}, "return_overlay"),
    ({"prompts": "dog", "threshold": "high"}, "threshold"),
], ids=["unknown-field", "flag-maybe", "flag-2", "prompt-and-prompts", "threshold-twice", "flag-twice",
        "threshold-not-a-number"])
def test_multipart_mistake_is_a_400_naming_the_field(client, image, data, field):
    error = _error(client.post("/v1/segment", files=image, data=data))
    assert field in error["message"], error["message"]


def test_two_image_parts_are_refused(client, image):
    png = encode(scene_pixels(40, 60))
    files = [("image", ("a.png", png, "image/png")), ("image", ("b.png", png, "image/png"))]
    error = _error(client.post("/v1/segment", files=files, data={"prompts": "dog"}))
    assert "'image'" in error["message"] and "2 times" in error["message"]


def test_a_text_field_sent_as_a_file_is_refused(client, image):
    files = {**image, "prompts": ("p.txt", b"dog", "text/plain")}
    error = _error(client.post("/v1/segment", files=files))
    assert "'prompts'" in error["message"] and "not a file" in error["message"]


@pytest.mark.parametrize("value,expected", [("TRUE", True), ("Yes", True), ("on", True), ("1", True),
                                            ("False", False), ("NO", False), ("off", False), ("0", False),
                                            ("", False)])
def test_flags_take_the_usual_yes_and_no_words(client, image, value, expected):
    r = client.post("/v1/segment", files=image, data={"prompts": "dog", "return_overlay": value})
    assert r.status_code == 200, r.text
    assert (r.json()["overlay_png_base64"] is not None) is expected


def test_documented_fields_are_still_accepted(client, image):
    data = {"prompts": ["dog", "tree"], "threshold": "0.3", "mask_threshold": "0.4", "refine": "0",
            "non_overlapping": "true", "formats": ["rle", "png"], "return_overlay": "false", "candidate_floor": ""}
    r = client.post("/v1/segment", files=image, data=data)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["prompt"] for x in body["results"]] == ["dog", "tree"] and body["threshold"] == 0.3
    assert body["instance_pngs"] is not None


def test_the_prompt_alias_works_alone_and_repeated(client, image):
    r = client.post("/v1/segment", files=image, data={"prompt": ["cat", "dog"]})
    assert r.status_code == 200, r.text
    assert [x["prompt"] for x in r.json()["results"]] == ["cat", "dog"]
