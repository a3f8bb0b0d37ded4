"""Bearer tokens on /api, /v1 and (separately) /v1/events; over capacity is 503 with Retry-After."""

from __future__ import annotations

import base64
import threading

import pytest

from support.images import encode, scene_pixels

PAYLOAD = {"image": {"base64": base64.b64encode(encode(scene_pixels(60, 80))).decode()}, "prompts": ["dog"]}


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic c2VjcmV0", "Bearer "])
def test_api_key_is_required_when_configured(make_client, header):
    client = make_client(api_key="s3cret-key", events_token="events-token")
    headers = {"Authorization": header} if header else {}
    r = client.post("/v1/segment", json=PAYLOAD, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.post("/api/predict", json={"prompt": "dog", "image_path": "x.png"}, headers=headers).status_code == 401


def test_right_key_passes_and_the_events_token_is_separate(make_client):
    client = make_client(api_key="s3cret-key", events_token="events-token")
    assert client.post("/v1/segment", json=PAYLOAD, headers={"Authorization": "Bearer s3cret-key"}).status_code == 200
    body = {"Records": []}
    assert client.post("/v1/events", json=body, headers={"Authorization": "Bearer s3cret-key"}).status_code == 401
    assert client.post("/v1/events", json=body, headers={"Authorization": "Bearer events-token"}).status_code == 200
    assert client.get("/healthz").status_code == 200  # probes stay open


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_events_endpoint_challenges_for_basic_auth_as_sns_needs(make_client):
    # SNS sends the credentials of its endpoint URL (https://sns:TOKEN@host/v1/events) only after a 401
    # whose WWW-Authenticate asks for Basic.
    client = make_client(api_key="s3cret-key", events_token="events-token")
    r = client.post("/v1/events", json={"Records": []})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"].startswith("Basic realm=")
    assert "Bearer" in r.headers["www-authenticate"]
    r = client.post("/v1/events", json={"Records": []}, headers={"Authorization": _basic("sns", "events-token")})
    assert r.status_code == 200
    sweep = client.post("/v1/events/sweep?bucket=b", headers={"Authorization": _basic("sns", "s3cret-key")})
    assert sweep.status_code == 401


@pytest.mark.parametrize("header", [
    _basic("sns", "wrong"), _basic("events-token", ""), "Basic " + base64.b64encode(b"events-token").decode(),
    "Basic not*base64", "Basic " + base64.b64encode(b"sns:\xff").decode(), "Basic",
])
def test_events_basic_auth_needs_the_token_as_its_password(make_client, header):
    client = make_client(events_token="events-token")
    r = client.post("/v1/events", json={"Records": []}, headers={"Authorization": header})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_the_api_key_is_never_taken_as_basic_auth(make_client):
    client = make_client(api_key="s3cret-key")
    r = client.post("/v1/segment", json=PAYLOAD, headers={"Authorization": _basic("x", "s3cret-key")})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


def test_over_capacity_answers_503_with_retry_after(make_client):
    client = make_client(queue_depth=0)
    worker = client.app.state.runtime.worker
    release = threading.Event()
    started = threading.Event()

    def hold():
        started.set()
        release.wait(10)

    client.blocking_portal.start_task_soon(worker.submit, hold)
    assert started.wait(5)
    try:
        r = client.post("/v1/segment", json=PAYLOAD)
        assert r.status_code == 503 and r.json()["error"]["code"] == "overloaded"
        assert r.headers["retry-after"] == "1"
    finally:
        release.set()


def test_cors_is_off_unless_origins_are_configured(make_client):
    closed = make_client()
    r = closed.options("/v1/segment", headers={"Origin": "https://labeler.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    opened = make_client(cors_origins=["https://labeler.example"])
    r = opened.options("/v1/segment", headers={"Origin": "https://labeler.example", "Access-Control-Request-Method": "POST"})
    assert r.headers["access-control-allow-origin"] == "https://labeler.example"


def test_one_log_line_per_request_with_id_route_status_timings_and_no_secrets(make_client, caplog):
    client = make_client(api_key="s3cret-key")
    with caplog.at_level("INFO", logger="sam3fn.access"):
        r = client.post("/v1/segment", json=PAYLOAD, headers={"Authorization": "Bearer s3cret-key"})
    [record] = [rec for rec in caplog.records if rec.name == "sam3fn.access"]
    assert record.request_id == r.headers["x-request-id"] and record.route == "/v1/segment" and record.status == 200
    assert record.timings["image_encode_ms"] >= 0
    from sam3fn.web.observability import JsonFormatter

    line = JsonFormatter().format(record)
    assert "s3cret-key" not in line and PAYLOAD["image"]["base64"][:40] not in line


def test_cors_lets_other_origins_send_the_key_and_read_the_request_id(make_client):
    client = make_client(api_key="s3cret-key", cors_origins=["https://labeler.example"])
    origin = {"Origin": "https://labeler.example"}
    r = client.options("/v1/segment", headers={**origin, "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status_code in (200, 204)
    allowed = {h.strip().lower() for h in r.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    r = client.post("/v1/segment", json=PAYLOAD, headers={**origin, "Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "https://labeler.example"
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"x-request-id", "retry-after", "www-authenticate"} <= exposed


def test_a_preflight_from_an_origin_not_listed_is_a_coded_json_403_without_cors_headers(make_client):
    client = make_client(cors_origins=["https://labeler.example"])
    r = client.options("/v1/segment", headers={"Origin": "https://elsewhere.example",
                                               "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403 and r.headers["content-type"] == "application/json"
    error = r.json()["error"]
    assert error["code"] == "origin_not_allowed" and error["request_id"] == r.headers["x-request-id"]
    assert "https://elsewhere.example" in error["message"]
    assert not any(h.startswith("access-control-") for h in r.headers)
