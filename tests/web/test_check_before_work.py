"""A request that can only fail (an option out of range, a blank, unreadable or surplus prompt) is refused
with its own 400 before any work: before its s3:// image is fetched, and before it queues for the model."""

from __future__ import annotations

import base64

import pytest

from support.images import encode, scene_pixels

HOPELESS = {
    "threshold-out-of-range": ({"threshold": 2}, "invalid_option"),
    "candidate-floor-negative": ({"candidate_floor": -1}, "invalid_option"),
    "blank-prompt": ({"prompts": [" "]}, "empty_prompt"),
    "control-character": ({"prompts": ["do\x07g"]}, "invalid_prompt"),
    "prompt-too-long": ({"prompts": ["a" * 201]}, "prompt_too_long"),
    "too-many-prompts": ({"prompts": ["dog"] * 17}, "too_many_prompts"),
}


def test_a_hopeless_request_is_refused_before_its_s3_image_is_fetched(client, monkeypatch):
    png = encode(scene_pixels(40, 40))
    fetched = []
    monkeypatch.setattr(client.app.state.runtime.store, "get", lambda ref, limit: fetched.append(ref) or (png, None))
    for case, (fields, code) in HOPELESS.items():
        r = client.post("/v1/segment", json={"image": {"s3": "s3://images/a.png"}, "prompts": ["dog"], **fields})
        assert (r.status_code, r.json()["error"]["code"]) == (400, code), case
    r = client.post("/api/predict", json={"prompt": "dog", "image_path": "s3://images/a.png", "threshold": 2})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_option")
    r = client.post("/api/predict", json={"prompt": "\x00", "image_path": "s3://images/a.png"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_prompt")
    assert fetched == []


@pytest.mark.parametrize("form", [False, True], ids=["json", "multipart"])
def test_a_hopeless_request_is_a_400_not_a_retryable_503_when_the_worker_is_full(client, monkeypatch, form):
    worker = client.app.state.runtime.worker
    monkeypatch.setattr(worker, "pending", worker.capacity)  # every place taken: a request that queues gets 503
    png = encode(scene_pixels(40, 40))
    if form:
        r = client.post("/v1/segment", files={"image": ("a.png", png, "image/png")},
                        data={"prompts": "dog", "threshold": "2"})
    else:
        r = client.post("/v1/segment", json={"image": {"base64": base64.b64encode(png).decode()}, "prompts": ["dog"],
                                             "threshold": 2})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_option")
    assert "retry-after" not in r.headers
