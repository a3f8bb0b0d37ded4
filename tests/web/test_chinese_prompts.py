"""Chinese prompts through the HTTP API, offline: the response shows what the model was asked, and how."""

from __future__ import annotations

import base64

import pytest

from support.images import encode, scene_pixels
from support.offline import offline

IMAGE = {"base64": base64.b64encode(encode(scene_pixels())).decode()}


@pytest.fixture
def zh_client(make_client, tiny_argos_model):
    return make_client(argos_model=tiny_argos_model)


def results_of(client, prompts):
    r = client.post("/v1/segment", json={"image": IMAGE, "prompts": prompts})
    assert r.status_code == 200, r.text
    return [(x["prompt"], x["model_prompt"], x["translation"]) for x in r.json()["results"]]


def test_segment_translates_chinese_and_shows_the_english_offline(zh_client):
    with offline() as guard:
        got = results_of(zh_client, ["穿蓝色夹克的人", "狗", "Red  Car", "蓝莓飞船"])
    assert got == [("穿蓝色夹克的人", "person wearing a blue jacket", "glossary"), ("狗", "dog", "glossary"),
                   ("Red  Car", "red car", "none"), ("蓝莓飞船", "blueberry spaceship", "argos")]
    assert guard.attempts == []


def test_multipart_chinese_prompts(zh_client):
    with offline() as guard:
        r = zh_client.post("/v1/segment", files={"image": ("a.png", encode(scene_pixels()), "image/png")},
                           data={"prompts": ["狗", "彩虹色的章鱼"]})
    assert [x["model_prompt"] for x in r.json()["results"]] == ["dog", "rainbow octopus"]
    assert guard.attempts == []


def test_predict_translates_too(zh_client, tmp_path):
    (tmp_path / "images" / "p.png").write_bytes(encode(scene_pixels()))
    with offline() as guard:
        r = zh_client.post("/api/predict", json={"prompt": "穿蓝色夹克的人", "image_path": "p.png"})
    body = r.json()
    assert (body["prompt"], body["model_prompt"], body["translation"]) == (
        "穿蓝色夹克的人", "person wearing a blue jacket", "glossary")
    assert guard.attempts == []


def test_chinese_with_no_translator_for_it_is_422_and_never_reaches_the_model(client):
    # No Argos package configured; the glossary cannot cover this phrase.
    r = client.post("/v1/segment", json={"image": IMAGE, "prompts": ["dog", "蓝莓飞船"]})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "translation_unavailable" and "SAM3FN_ARGOS_MODEL" in err["message"]
    assert set(err) == {"code", "message", "request_id"}  # the several_things fields are left out, not null


def test_a_prompt_joining_two_things_is_422_naming_each_so_they_can_be_sent_apart(zh_client):
    # Argos is configured and would join them ("dogs and cats"): one category for both kinds of thing.
    r = zh_client.post("/v1/segment", json={"image": IMAGE, "prompts": ["狗和猫"]})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "several_things" and "狗 -> dog; 猫 -> cat" in err["message"]
    assert err["joined"] == [{"prompt": "狗和猫",
                              "parts": [{"text": "狗", "english": "dog"}, {"text": "猫", "english": "cat"}]}]


def test_the_parts_of_a_joined_prompt_are_written_as_it_was_sent(zh_client):
    # The page puts the parts back as chips: a Traditional prompt stays Traditional, the prompt as sent.
    r = zh_client.post("/v1/segment", json={"image": IMAGE, "prompts": ["dog", " 紅色的車與白色的貓 "]})
    [joined] = r.json()["error"]["joined"]
    assert r.status_code == 422 and joined["prompt"] == " 紅色的車與白色的貓 "
    assert joined["parts"] == [{"text": "紅色的車", "english": "red car"}, {"text": "白色的貓", "english": "white cat"}]


def test_every_joined_prompt_of_a_request_is_named_in_one_refusal(zh_client):
    # Told one at a time, a person with three joined prompts would send the request three times to learn them.
    r = zh_client.post("/v1/segment", json={"image": IMAGE, "prompts": ["狗和猫", "dog", "桌子与椅子", "男人或女人"]})
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "several_things"
    assert [j["prompt"] for j in err["joined"]] == ["狗和猫", "桌子与椅子", "男人或女人"]
    assert [p["english"] for p in err["joined"][1]["parts"]] == ["table", "chair"]
    assert "'狗和猫' names 2 things (狗 -> dog; 猫 -> cat), '桌子与椅子' names 2 things" in err["message"]


def test_the_first_problem_in_the_requests_order_is_the_one_reported(client):
    # No Argos package: 蓝莓飞船 cannot be translated; the joined prompts are still read by the rules.
    err = client.post("/v1/segment", json={"image": IMAGE, "prompts": ["狗和猫", "蓝莓飞船", "猫与鸟"]}).json()["error"]
    assert err["code"] == "several_things" and [j["prompt"] for j in err["joined"]] == ["狗和猫"]
    err = client.post("/v1/segment", json={"image": IMAGE, "prompts": ["蓝莓飞船", "狗和猫"]}).json()["error"]
    assert err["code"] == "translation_unavailable" and "joined" not in err
    # a blank prompt is refused before any prompt is translated, wherever it stands
    err = client.post("/v1/segment", json={"image": IMAGE, "prompts": ["狗和猫", " "]}).json()["error"]
    assert err["code"] == "empty_prompt"
