"""POST /v1/preview: any image the server reads back as the upright 8-bit PNG the model sees, so the
page can show formats its browser cannot (TIFF); bad input gets the same coded errors as /v1/segment."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sam3fn.core.images import decode_image

from support.images import encode, scene_pixels


def _png_pixels(body: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def test_a_tiff_comes_back_as_png_with_the_pixels_segmentation_uses(client):
    grey16 = (np.linspace(0, 65535, 90 * 120).reshape(90, 120)).astype(np.uint16)
    tiff = encode(grey16, "TIFF")
    r = client.post("/v1/preview", content=tiff, headers={"content-type": "image/tiff"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    np.testing.assert_array_equal(_png_pixels(r.content), decode_image(tiff).pixels)
    seg = client.post("/v1/segment", files={"image": ("scan.tif", tiff, "image/tiff")}, data={"prompts": "cell"})
    assert (seg.json()["image"]["width"], seg.json()["image"]["height"]) == (120, 90)  # masks fit the preview


def test_the_preview_is_upright_like_the_masks(client):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": a portrait phone photo stored landscape
    buf = io.BytesIO()
    Image.fromarray(scene_pixels(60, 80)).save(buf, format="JPEG", exif=exif, quality=95)
    r = client.post("/v1/preview", content=buf.getvalue(), headers={"content-type": "image/jpeg"})
    assert _png_pixels(r.content).shape == (80, 60, 3)


@pytest.mark.parametrize("body,code", [(b"", "empty_image"), (b"plain text, not a picture", "invalid_image")],
                         ids=["empty", "not-an-image"])
def test_what_is_not_an_image_gets_a_coded_json_error(client, body, code):
    r = client.post("/v1/preview", content=body, headers={"content-type": "application/octet-stream"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["request_id"] == r.headers["x-request-id"]


def test_the_pixel_limit_applies_to_previews(make_client):
    client = make_client(max_pixels=10_000)
    r = client.post("/v1/preview", content=encode(scene_pixels(200, 200)), headers={"content-type": "image/png"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"


def test_the_api_key_guards_previews_too(make_client):
    client = make_client(api_key="s3cret-key")
    png = encode(scene_pixels(20, 20))
    assert client.post("/v1/preview", content=png).status_code == 401
    r = client.post("/v1/preview", content=png, headers={"authorization": "Bearer s3cret-key"})
    assert r.status_code == 200


def test_openapi_documents_the_preview_as_png(client):
    op = client.get("/schema/openapi.json").json()["paths"]["/v1/preview"]["post"]
    assert "image/png" in op["responses"]["200"]["content"]
    assert op["responses"]["400"]["content"]["application/json"]["schema"]
