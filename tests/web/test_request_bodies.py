"""Bodies the routes cannot read as sent: too large in a multipart upload, compressed, or a form where the
file itself belongs. Each gets its own code, not a misleading one."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest

from support.images import encode, scene_pixels


def test_multipart_upload_over_the_body_limit_is_413_body_too_large_not_the_part_limit(make_client):
    client = make_client(max_body_bytes=50_000)
    files = {"image": ("big.png", b"\x89PNG" + bytes(200_000), "image/png")}
    r = client.post("/v1/segment", files=files, data={"prompts": "dog"})
    assert r.status_code == 413, r.text
    error = r.json()["error"]
    assert error["code"] == "body_too_large" and "SAM3FN_MAX_BODY_BYTES" in error["message"]
    assert "parts" not in error["message"]


def test_the_multipart_part_limit_still_names_the_part_limit(make_client):
    client = make_client(max_body_bytes=1_000_000)  # room for 1001 small parts
    files = {"image": ("a.png", encode(scene_pixels(20, 20)), "image/png")}
    r = client.post("/v1/segment", files=files, data={"prompts": ["dog"] * 1001})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
    assert "more than 1000 parts" in r.json()["error"]["message"]


_JSON_BODIES = {
    "/v1/segment": {"image": {"base64": "AA=="}, "prompts": ["dog"]},
    "/api/predict": {"prompt": "dog", "image_path": "a.png"},
    "/v1/events": {"Records": []},
    "/v1/events/sweep?bucket=images": {},
    "/v1/preview": {},
}


@pytest.mark.parametrize("path", list(_JSON_BODIES))
@pytest.mark.parametrize("encoding,compress", [("gzip", gzip.compress), ("br", lambda b: b"\x8b\x02\x80" + b),
                                               ("deflate", zlib.compress), ("GZip, identity", gzip.compress)])
def test_a_content_encoded_body_is_415_unsupported_encoding_on_every_post_route(client, path, encoding, compress):
    body = compress(json.dumps(_JSON_BODIES[path]).encode())
    r = client.post(path, content=body, headers={"content-type": "application/json", "content-encoding": encoding})
    assert r.status_code == 415, r.text
    error = r.json()["error"]
    assert error["code"] == "unsupported_encoding" and error["request_id"] == r.headers["x-request-id"]
    assert encoding.split(",")[0].lower() in error["message"] and "Content-Encoding" in error["message"]
    assert r.headers["accept-encoding"] == "identity"


def test_identity_content_encoding_is_read_as_usual(client):
    body = json.dumps({"prompt": "dog", "image_path": "missing.png"}).encode()
    r = client.post("/api/predict", content=body, headers={"content-type": "application/json",
                                                         "content-encoding": "identity"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "path_not_found", r.text


def test_the_key_is_checked_before_the_encoding(make_client):
    client = make_client(api_key="k3y")
    r = client.post("/v1/segment", content=gzip.compress(b"{}"),
                    headers={"content-type": "application/json", "content-encoding": "gzip"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
def test_preview_of_a_form_instead_of_the_file_says_to_send_the_file_bytes(client, form):
    png = encode(scene_pixels(30, 40))
    if form == "multipart":
        r = client.post("/v1/preview", files={"image": ("ok.png", png, "image/png")})
    else:
        r = client.post("/v1/preview", data={"image": "ok.png"})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert "image file's bytes as the body" in error["message"] and "not a form" in error["message"]
    # the file itself is still welcome, whatever content type it is sent with
    r = client.post("/v1/preview", content=png, headers={"content-type": "image/png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
