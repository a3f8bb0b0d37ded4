"""POST /v1/segment: JSON and multipart in, instances with COCO RLE out; every bad input a coded 4xx."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as coco_mask

from support.images import encode, scene_pixels


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_json_request_returns_instances_with_rle_masks_and_timings(client):
    png = encode(scene_pixels(150, 200))
    r = client.post("/v1/segment", json={"image": {"base64": b64(png)}, "prompts": ["dog", "red car"], "threshold": 0.3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["request_id"] == r.headers["x-request-id"]
    assert [x["prompt"] for x in body["results"]] == ["dog", "red car"]
    assert [x["model_prompt"] for x in body["results"]] == ["dog", "red car"]
    inst = body["results"][0]["instances"][0]
    mask = coco_mask.decode({"size": inst["mask"]["size"], "counts": inst["mask"]["counts"].encode()})
    assert mask.shape == (150, 200) and int(mask.sum()) == inst["area"]
    assert len(inst["box"]) == 4 and 0 <= inst["box"][0] <= inst["box"][2] <= 200
    assert body["timings"]["image_encode_ms"] > 0 and body["timings"]["decode_image_ms"] > 0
    assert body["model"]["random_weights"] is True
    assert any("RANDOM-WEIGHTS" in w or "random weights" in w for w in body["warnings"])


def test_multipart_upload_with_repeated_prompts_is_the_pages_path(client):
    files = {"image": ("photo.png", encode(scene_pixels()), "image/png")}
    data = {"prompts": ["dog", "tree"], "threshold": "0.3", "return_overlay": "true"}
    r = client.post("/v1/segment", files=files, data=data)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["prompt"] for x in body["results"]] == ["dog", "tree"]
    overlay = Image.open(io.BytesIO(base64.b64decode(body["overlay_png_base64"])))
    assert overlay.size == (320, 240)


def test_polygons_and_pngs_on_request(client):
    r = client.post("/v1/segment", json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["dog"],
                                         "threshold": 0.3, "formats": ["rle", "polygons", "png"]})
    body = r.json()
    inst = body["results"][0]["instances"][0]
    assert inst["polygons"] and len(inst["polygons"][0]) >= 6
    png = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["instance_pngs"][0][0]))))
    rle = coco_mask.decode({"size": inst["mask"]["size"], "counts": inst["mask"]["counts"].encode()})
    np.testing.assert_array_equal(png == 255, rle.astype(bool))


def test_second_request_for_the_same_image_uses_the_feature_cache(client):
    payload = {"image": {"base64": b64(encode(scene_pixels(seed=7)))}, "prompts": ["dog"]}
    client.post("/v1/segment", json=payload)
    second = client.post("/v1/segment", json=payload).json()
    assert second["timings"]["image_cached"] is True and second["timings"]["text_cached"] == 1


def test_the_pages_run_again_with_the_same_file_reuses_its_features_and_can_still_draw_the_overlay(client):
    files = {"image": ("photo.png", encode(scene_pixels(seed=8)), "image/png")}
    first = client.post("/v1/segment", files=files, data={"prompts": ["dog"], "threshold": "0.3"}).json()
    again = client.post("/v1/segment", files=files, data={"prompts": ["dog"], "threshold": "0.3"}).json()
    assert again["timings"]["image_cached"] is True and again["results"] == first["results"]
    drawn = client.post("/v1/segment", files=files, data={"prompts": ["dog"], "return_overlay": "true"}).json()
    assert drawn["timings"]["image_cached"] is True
    assert Image.open(io.BytesIO(base64.b64decode(drawn["overlay_png_base64"]))).size == (320, 240)


def test_candidate_floor_returns_low_resolution_probabilities_a_viewer_can_rethreshold(client):
    files = {"image": ("photo.png", encode(scene_pixels()), "image/png")}
    r = client.post("/v1/segment", files=files, data={"prompts": ["dog"], "threshold": "0.5", "candidate_floor": "0.05"})
    assert r.status_code == 200, r.text
    body = r.json()
    result = body["results"][0]
    cands = result["candidates"]
    assert body["candidate_floor"] == 0.05
    assert len(cands) > len(result["instances"]) and all(c["score"] >= 0.05 for c in cands)
    assert [c["score"] for c in cands] == sorted((c["score"] for c in cands), reverse=True)
    # the instances kept at the request's threshold are exactly the leading candidates
    assert [c["score"] for c in cands[: len(result["instances"])]] == [i["score"] for i in result["instances"]]
    probs = np.asarray(Image.open(io.BytesIO(base64.b64decode(cands[0]["probs"]["png"]))))
    assert probs.dtype == np.uint8 and list(probs.shape) == cands[0]["probs"]["size"]
    assert probs.min() < 128 < probs.max()


def test_candidates_are_left_out_unless_asked_for(client):
    r = client.post("/v1/segment", json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["dog"]})
    assert r.json()["results"][0]["candidates"] is None


BAD = {
    "invalid-json": (dict(content=b"{not json", headers={"content-type": "application/json"}), 400, "invalid_json"),
    "bad-base64": (dict(json={"image": {"base64": "@@not base64@@"}, "prompts": ["dog"]}), 400, "invalid_base64"),
    "not-an-image": (dict(json={"image": {"base64": b64(b"hello world")}, "prompts": ["dog"]}), 400, "invalid_image"),
    "empty-image": (dict(json={"image": {"base64": ""}, "prompts": ["dog"]}), 400, "empty_image"),
    "no-image-source": (dict(json={"image": {}, "prompts": ["dog"]}), 400, "invalid_request"),
    "missing-prompts": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}}), 400, "invalid_request"),
    "empty-prompt": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": [" "]}), 400, "empty_prompt"),
    "no-prompts": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": []}), 400, "empty_prompt"),
    "too-many-prompts": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["a"] * 17}), 400,
                         "too_many_prompts"),
    "threshold-out-of-range": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["dog"],
                                          "threshold": 3}), 400, "invalid_option"),
    "unknown-format": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["dog"],
                                  "formats": ["jpeg"]}), 400, "invalid_request"),
    "candidate-floor-out-of-range": (dict(json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["dog"],
                                                "candidate_floor": -0.1}), 400, "invalid_option"),
    "bad-s3-url": (dict(json={"image": {"s3": "http://x/y"}, "prompts": ["dog"]}), 400, "invalid_s3_url"),
    # botocore refuses these names before sending anything; that used to come back as 503 "retry later"
    "s3-url-with-invalid-bucket-name": (dict(json={"image": {"s3": "s3://My_Photos!/a.png"}, "prompts": ["dog"]}),
                                        400, "invalid_s3_url"),
    "s3-url-with-a-port": (dict(json={"image": {"s3": "s3://images:9000/a.png"}, "prompts": ["dog"]}), 400,
                           "invalid_s3_url"),
    "body-not-utf8": (dict(content=b'{"image": {"base64": "AA=="}, "prompts": ["\xb9\xb7"]}',  # GBK for 狗
                           headers={"content-type": "application/json"}), 400, "invalid_json"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_a_coded_4xx_json_error(client, case):
    kwargs, status, code = BAD[case]
    r = client.post("/v1/segment", **kwargs)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"] and err["request_id"] == r.headers["x-request-id"]
    assert "Traceback" not in r.text


def test_oversize_body_is_refused_with_413(make_client):
    client = make_client(max_body_bytes=50_000)
    big = b64(encode(np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)))
    r = client.post("/v1/segment", json={"image": {"base64": big}, "prompts": ["dog"]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"


def test_image_over_the_pixel_limit_is_refused(make_client):
    client = make_client(max_pixels=10_000)
    r = client.post("/v1/segment", json={"image": {"base64": b64(encode(scene_pixels()))}, "prompts": ["dog"]})
    assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"


def _multipart(parts: list[tuple[str, str | None, bytes]], content_type: str = "multipart/form-data") -> dict:
    """A multipart body written by hand: test clients encode text fields as UTF-8 and cannot send others."""
    body = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        body += b"--xyz\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + value + b"\r\n"
    return dict(content=body + b"--xyz--\r\n", headers={"content-type": f"{content_type}; boundary=xyz"})


@pytest.mark.parametrize("parts", [
    [("image", "a.png", "GBK"), ("prompts", None, "狗".encode("gbk"))],  # curl -F prompts=狗 from a GBK console
    [("image", "", "PNG"), ("prompts", None, b"dog")],  # an image part with an empty filename is a text field
], ids=["gbk-prompt", "image-with-empty-filename"])
def test_multipart_field_that_is_not_utf8_text_is_a_coded_400_not_a_500(client, parts):
    png = encode(scene_pixels())
    parts = [(n, f, png if v in ("GBK", "PNG") else v) for n, f, v in parts]
    r = client.post("/v1/segment", **_multipart(parts))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "invalid_request" and "UTF-8" in r.json()["error"]["message"]


def test_multipart_media_type_is_case_insensitive(client):
    r = client.post("/v1/segment", **_multipart([("image", "a.png", encode(scene_pixels())), ("prompts", None, b"dog")],
                                                content_type="Multipart/Form-Data"))
    assert r.status_code == 200, r.text
    assert [x["prompt"] for x in r.json()["results"]] == ["dog"]


def test_openapi_states_the_option_ranges_the_server_refuses_outside_of(client, scene_png):
    body = client.get("/schema/openapi.json").json()["paths"]["/v1/segment"]["post"]["requestBody"]["content"]
    json_schema, form = body["application/json"]["schema"]["properties"], body["multipart/form-data"]["schema"]
    assert json_schema["prompts"]["minItems"] == form["properties"]["prompts"]["minItems"] == 1
    image = {"base64": base64.b64encode(scene_png).decode()}
    for name in ("threshold", "mask_threshold", "refine", "candidate_floor"):
        number = next(v for v in json_schema[name].get("anyOf", [json_schema[name]]) if v.get("type") == "number")
        assert (number["minimum"], number["maximum"]) == (0, 1) == (form["properties"][name]["minimum"],
                                                                   form["properties"][name]["maximum"])
        r = client.post("/v1/segment", json={"image": image, "prompts": ["dog"], name: 1.01})
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_option", name


def test_the_overlay_of_a_large_jpeg_is_drawn_at_its_own_size(client):
    # 480 x 360 is over twice the tiny model's 112 px a side: decoded halved for the model, whole for the overlay
    files = {"image": ("photo.jpg", encode(scene_pixels(360, 480), "JPEG"), "image/jpeg")}
    r = client.post("/v1/segment", files=files, data={"prompts": "dog", "threshold": "0.3", "return_overlay": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["image"]["width"], body["image"]["height"]) == (480, 360)
    overlay = Image.open(io.BytesIO(base64.b64decode(body["overlay_png_base64"])))
    assert overlay.size == (480, 360)
