"""/healthz, /readyz, /v1/info, /metrics and the OpenAPI document."""

from __future__ import annotations

import base64
import threading

import pytest

from sam3fn.web.runtime import Runtime
from support.images import encode, scene_pixels


def test_health_ready_and_info(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    info = client.get("/v1/info").json()
    assert info["backend"] == "eager" and info["device"] == "cpu" and info["precision"] == "fp32"
    assert info["cuda_graphs"] is False  # eager engines never replay graphs
    assert info["random_weights"] is True
    assert set(info["versions"]) >= {"torch", "transformers", "litestar", "python"}


def test_missing_weights_serve_the_demo_model_and_say_how_to_install(make_client, tmp_path):
    client = make_client(model_dir=tmp_path / "no-weights-here", demo_model_dir=tmp_path / "demo")
    info = client.get("/v1/info").json()
    assert info["random_weights"] is True
    assert "RANDOM-WEIGHTS" in info["notice"] and "hf download facebook/sam3" in info["notice"]
    r = client.post("/v1/segment", json={"image": {"base64": base64.b64encode(encode(scene_pixels())).decode()},
                                         "prompts": ["dog"]})
    assert "hf download facebook/sam3" in r.json()["warnings"][0]


def test_required_weights_missing_means_never_ready(make_client, wait_failed, tmp_path):
    """A failed startup answered `not_ready` with Retry-After: 5, so clients (the page among them) waited for a
    model that was never coming; it is `model_unavailable`, naming the cause, with nothing to retry after."""
    client = make_client(ready=False, model_dir=tmp_path / "none", require_weights=True)
    wait_failed(client)
    assert client.get("/healthz").status_code == 200
    assert "retry-after" not in client.get("/readyz").headers
    segment = client.post("/v1/segment", json={"image": {"base64": "AA=="}, "prompts": ["dog"]})
    for r in (segment, client.get("/v1/info")):
        error = r.json()["error"]
        assert r.status_code == 503 and error["code"] == "model_unavailable" and "retry-after" not in r.headers
        assert error["message"].startswith("startup failed: ModelDirError") and "hf download" in error["message"]


@pytest.mark.parametrize("prompts, why", [
    (["狗和猫"], "names 2 things"),
    (["dog", "蓝莓飞船"], "SAM3FN_ARGOS_MODEL"),  # no Argos package here, and the glossary cannot read it
    (["object"] * 17, "at most 16"),
])
def test_default_prompts_no_event_could_use_fail_startup_by_the_settings_name(make_client, wait_failed, prompts,
                                                                                 why):
    client = make_client(ready=False, default_prompts=prompts)
    wait_failed(client)
    error = client.get("/v1/info").json()["error"]
    assert error["message"].startswith("startup failed: SettingsError: SAM3FN_DEFAULT_PROMPTS: ")
    assert why in error["message"]


def test_loading_answers_not_ready_with_retry_after_until_loaded(make_client, await_ready, monkeypatch):
    held = threading.Event()
    build = Runtime._build
    monkeypatch.setattr(Runtime, "_build", lambda rt: (held.wait(60), build(rt)))  # the load, held mid-way
    client = make_client(ready=False)
    r = client.get("/v1/info")
    assert r.status_code == 503 and r.json()["error"]["code"] == "not_ready" and r.headers["retry-after"] == "5"
    loading = client.get("/readyz")
    assert loading.json() == {"status": "loading"} and loading.headers["retry-after"] == "5"
    held.set()
    await_ready(client)
    assert client.get("/v1/info").status_code == 200


def test_metrics_count_requests_stages_and_cache(client):
    payload = {"image": {"base64": base64.b64encode(encode(scene_pixels())).decode()}, "prompts": ["dog"]}
    client.post("/v1/segment", json=payload)
    client.post("/v1/segment", json=payload)
    text = client.get("/metrics").text
    assert 'sam3fn_requests_total{method="POST",route="/v1/segment",status="200"} 2.0' in text
    assert 'sam3fn_stage_seconds_count{stage="image_encode"}' in text
    # the second request's bytes were recognised (uploads), so its features came from the image cache unencoded
    assert 'sam3fn_cache_hits_total{cache="uploads"} 1.0' in text and 'sam3fn_cache_hits_total{cache="image"} 1.0' in text
    assert "sam3fn_queue_depth 0.0" in text


def test_metrics_content_type_gives_each_parameter_once_as_prometheus_needs(client):
    # Prometheus 3 parses it with Go's mime.ParseMediaType, which refuses a repeated parameter ("charset=utf-8;
    # charset=utf-8"): the scrape fails unless the job sets fallback_scrape_protocol.
    for r in (client.get("/metrics"), client.head("/metrics")):
        media_type, *params = [p.strip() for p in r.headers["content-type"].split(";")]
        names = [p.partition("=")[0].lower() for p in params]
        assert media_type == "text/plain" and "charset" in names, r.headers["content-type"]
        assert len(names) == len(set(names)), r.headers["content-type"]


def test_openapi_documents_json_and_multipart_for_segment(client):
    doc = client.get("/schema/openapi.json").json()
    body = doc["paths"]["/v1/segment"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    json_schema = body["application/json"]["schema"]
    assert set(json_schema["required"]) == {"image", "prompts"}
    assert set(json_schema["properties"]["image"]["properties"]) == {"base64", "s3"}
    assert {"/api/predict", "/v1/events", "/healthz", "/readyz", "/v1/info"} <= set(doc["paths"])
    assert body["multipart/form-data"]["schema"]["properties"]["image"]["format"] == "binary"


def test_static_page_is_served_at_root(client):
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()


def test_an_unloadable_translator_fails_startup_though_the_model_loaded_beside_it(make_client, wait_failed, tmp_path):
    client = make_client(ready=False, argos_model=tmp_path / "missing.argosmodel")
    wait_failed(client)
    r = client.post("/v1/segment", json={"image": {"base64": "AA=="}, "prompts": ["dog"]})
    assert r.status_code == 503 and "missing.argosmodel does not exist" in r.json()["error"]["message"]
