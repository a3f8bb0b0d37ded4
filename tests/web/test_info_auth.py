"""/v1/info says what the server runs (endpoints, paths, versions, limits): behind SAM3FN_API_KEY like the
rest of /v1. The probes stay open (the page's side: tests/browser/test_page_api_key.py)."""

from __future__ import annotations

import pytest



@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic czNjcmV0"])
def test_info_needs_the_api_key_when_one_is_set(make_client, header):
    client = make_client(api_key="s3cret")
    r = client.get("/v1/info", headers={"Authorization": header} if header else {})
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"
    assert "s3_endpoint" not in r.text and "versions" not in r.text
    ok = client.get("/v1/info", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and "versions" in ok.json()
    assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200


def test_info_stays_open_without_a_key(client):
    assert client.get("/v1/info").status_code == 200


def test_openapi_says_info_can_answer_401(client):
    responses = client.get("/schema/openapi.json").json()["paths"]["/v1/info"]["get"]["responses"]
    assert "401" in responses


def test_openapi_names_the_token_each_guarded_route_takes(client):
    doc = client.get("/schema/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert {k: (v["type"], v["scheme"]) for k, v in schemes.items()} == {
        "apiKey": ("http", "bearer"), "eventsToken": ("http", "bearer"), "eventsBasic": ("http", "basic")}
    security = {(path, method): op.get("security") for path, ops in doc["paths"].items() for method, op in ops.items()}
    for path in ("/v1/segment", "/v1/preview", "/api/predict", "/v1/info"):
        assert {"apiKey": []} in security[(path, "post" if path != "/v1/info" else "get")], path
    for path in ("/v1/events", "/v1/events/sweep"):
        assert {"eventsToken": []} in security[(path, "post")] and {"eventsBasic": []} in security[(path, "post")]
    assert not security[("/healthz", "get")] and not security[("/readyz", "get")]
