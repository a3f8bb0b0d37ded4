"""POST /api/predict: the request existing SAM 3 deployments send; local paths only inside the image root."""

from __future__ import annotations

import os

import pytest
from pycocotools import mask as coco_mask

from support.images import encode, scene_pixels


def test_predict_reads_a_file_under_the_image_root_and_returns_the_union_mask(client, tmp_path):
    (tmp_path / "images" / "sub").mkdir(parents=True)
    (tmp_path / "images" / "sub" / "a.png").write_bytes(encode(scene_pixels(120, 160)))
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": "sub/a.png", "threshold": 0.3,
                                          "refine_edges": True})
    assert r.status_code == 200, r.text
    body = r.json()
    union = coco_mask.decode({"size": body["mask"]["size"], "counts": body["mask"]["counts"].encode()}).astype(bool)
    assert union.shape == (120, 160)
    assert body["instances"] and len(body["scores"]) == len(body["boxes"]) == len(body["instances"])
    for inst in body["instances"]:
        m = coco_mask.decode({"size": inst["mask"]["size"], "counts": inst["mask"]["counts"].encode()}).astype(bool)
        assert not (m & ~union).any()
    assert body["prompt"] == body["model_prompt"] == "dog" and body["translation"] == "none"


def test_absolute_path_inside_the_root_is_accepted(client, tmp_path):
    path = tmp_path / "images" / "b.png"
    path.write_bytes(encode(scene_pixels()))
    assert client.post("/api/predict", json={"prompt": "dog", "image_path": str(path)}).status_code == 200


@pytest.fixture
def outside_file(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(encode(scene_pixels()))
    os.symlink(secret, tmp_path / "images" / "link.png") if (tmp_path / "images").is_dir() else None
    return secret


@pytest.mark.parametrize("path_kind", ["dotdot", "absolute-outside", "symlink-out", "dotdot-inside"])
def test_paths_escaping_the_image_root_are_refused_and_nothing_is_read(client, tmp_path, outside_file, path_kind):
    paths = {"dotdot": "../secret.png", "absolute-outside": str(outside_file), "symlink-out": "link.png",
             "dotdot-inside": "sub/../../secret.png"}
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": paths[path_kind]})
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "path_not_allowed"


def test_missing_file_is_404(client):
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": "nope.png"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "path_not_found"


def test_local_paths_are_refused_when_no_image_root_is_configured(make_client):
    client = make_client(image_root=None)
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": "/etc/hostname"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "path_not_allowed"


@pytest.mark.parametrize("body", [b"", b"{not json", b'{"prompt": "\xb9\xb7", "image_path": "a.png"}'],
                         ids=["empty", "malformed", "not-utf8"])
def test_predict_refuses_a_body_that_is_not_json_as_segment_does(client, body):
    r = client.post("/api/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"] == {"code": "invalid_json", "message": "the request body is not valid JSON",
                                 "request_id": r.headers["x-request-id"]}


def test_predict_body_errors_name_the_field_without_litestar_internals(client):
    r = client.post("/api/predict", json={"image_path": "a.png"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "the request body is not valid: Object missing required field `prompt`"


def test_nul_in_an_image_path_is_refused_for_what_it_is(client):
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": "a.png\x00.txt"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "path_not_allowed"
    assert "NUL" in r.json()["error"]["message"]


def test_s3_image_path_with_an_invalid_bucket_name_is_a_400_not_a_retryable_503(client):
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": "s3://Bad_Bucket!/a.png"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_s3_url"
    assert "retry-after" not in r.headers


def test_openapi_shows_the_predict_body_the_route_decodes(client):
    doc = client.get("/schema/openapi.json").json()
    body = doc["paths"]["/api/predict"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:  # inline or a component: either documents the body
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert body["required"] and set(schema["required"]) == {"prompt", "image_path"}
    assert set(schema["properties"]) == {"prompt", "image_path", "threshold", "refine_edges"}
