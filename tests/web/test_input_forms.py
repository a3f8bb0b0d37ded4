"""The forms users really send: wrapped base64, data: URLs in any case, prompts pasted with invisible or
control characters, URLs where /api/predict wants a path; each works or gets a 400 that says why."""

from __future__ import annotations

import base64
import subprocess

import pytest

from sam3fn.pipeline import MAX_PROMPT_CHARS

from support.images import encode, scene_pixels

PNG = encode(scene_pixels(40, 60))
B64 = base64.b64encode(PNG).decode()


def _wrapped(text: str, width: int = 76, newline: str = "\n") -> str:
    return newline.join(text[i : i + width] for i in range(0, len(text), width)) + newline


def _segment(client, image_b64: str, prompts=("dog",)):
    return client.post("/v1/segment", json={"image": {"base64": image_b64}, "prompts": list(prompts)})


FORMS = {
    "plain-base64-command": subprocess.run(["base64"], input=PNG, capture_output=True, check=True).stdout.decode(),
    "wrapped-76-lf": _wrapped(B64),
    "wrapped-76-crlf": _wrapped(B64, newline="\r\n"),
    "wrapped-64-pem": _wrapped(B64, 64),
    "trailing-newline": B64 + "\n",
    "spaces-around": "  " + B64 + " \t",
    "data-url-uppercase": "DATA:image/png;base64," + B64,
    "data-url-mixed-case": "Data:Image/PNG;Base64," + B64,
    "data-url-wrapped": "data:image/png;base64," + _wrapped(B64, newline="\r\n"),
    "data-url-leading-space": " data:image/png;base64," + B64,
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_base64_with_line_breaks_spaces_or_an_uppercase_data_url_is_accepted(client, form):
    r = _segment(client, FORMS[form])
    assert r.status_code == 200, r.text
    assert r.json()["image"]["width"] == 60


@pytest.mark.parametrize(
    "text", ["@@not base64@@", B64[:-3] + "*==", "data:image/png;base64", "DATA:image/png;base64,@@", B64 + "ü",
             B64[:-1] + "\u3000"],
    ids=["symbols", "bad-char", "data-url-without-comma", "data-url-with-garbage", "non-ascii", "ideographic-space"],
)
def test_real_garbage_is_still_invalid_base64(client, text):
    r = _segment(client, text)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_base64", r.text


@pytest.mark.parametrize("path", ["http://x/a.png", "https://example.com/a.png", "file:///etc/x", "file:/etc/x",
                                  "FTP://host/a.png", "data:image/png;base64,AAAA"])
def test_predict_with_a_url_as_image_path_is_a_400_saying_urls_are_not_fetched(client, path):
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": path})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_request"
    assert "s3://bucket/key" in err["message"] and "image root" in err["message"]
    assert "URLs are not fetched" in err["message"] and "no image at" not in err["message"]


def test_predict_with_a_url_says_so_even_when_no_image_root_is_set(make_client):
    r = make_client(image_root=None).post("/api/predict", json={"prompt": "dog", "image_path": "http://x/a.png"})
    assert r.status_code == 400 and "URLs are not fetched" in r.json()["error"]["message"]


@pytest.mark.parametrize("path", ["", "   "])
def test_predict_with_an_empty_image_path_is_a_400_saying_it_is_empty(client, path):
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": path})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_request" and "image_path is empty" in err["message"]


@pytest.mark.parametrize("sent, english", [("狗\u200b", "dog"), ("\ufeff狗", "dog"), ("狗\u00ad", "dog"),
                                           ("红\u200b色的车", "red car"), ("dog\u200b", "dog")])
def test_prompts_with_invisible_characters_work_and_echo_what_was_sent(client, sent, english):
    r = _segment(client, B64, [sent])
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert (result["prompt"], result["model_prompt"]) == (sent, english)


@pytest.mark.parametrize("sent", ["\x00", "\x01\x02", "\x1b", "\x7f", "dog\x00cat"])
def test_prompts_holding_control_characters_are_a_400_naming_the_prompt(client, sent):
    r = _segment(client, B64, ["dog", sent])
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_prompt"
    assert "prompt 2 " in err["message"] and "control character" in err["message"]


def test_tabs_and_newlines_in_a_prompt_are_spaces(client):
    r = _segment(client, B64, ["red\tcar\r\n"])
    assert r.status_code == 200 and r.json()["results"][0]["model_prompt"] == "red car"


def test_a_prompt_of_invisible_characters_is_an_empty_prompt(client):
    r = _segment(client, B64, ["\u200b\ufeff"])
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_prompt"


def test_a_very_long_prompt_is_refused_with_a_short_message(client):
    r = _segment(client, B64, ["dog " * 250_000])
    assert r.status_code == 400, r.text[:500]
    err = r.json()["error"]
    assert err["code"] == "prompt_too_long" and str(MAX_PROMPT_CHARS) in err["message"]
    assert len(err["message"]) < 300


def test_an_untranslatable_prompt_error_quotes_it_cut_short(client):
    r = _segment(client, B64, ["哗啦啦的瀑布" * 30])
    assert r.status_code == 422, r.text[:500]
    err = r.json()["error"]
    assert err["code"] == "translation_unavailable" and "…" in err["message"] and len(err["message"]) < 400


def test_predict_takes_the_same_prompt_checks(client, tmp_path):
    (tmp_path / "images" / "a.png").write_bytes(PNG)
    ok = client.post("/api/predict", json={"prompt": "狗\u200b", "image_path": "a.png"})
    assert ok.status_code == 200 and ok.json()["model_prompt"] == "dog", ok.text
    bad = client.post("/api/predict", json={"prompt": "\x1b", "image_path": "a.png"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_prompt"
