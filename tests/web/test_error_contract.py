"""Every error any route answers, the router's own included, has the README's shape and a request id, and
the OpenAPI document says so."""

from __future__ import annotations

import pytest

from support.images import encode, scene_pixels


def test_wrong_method_is_a_coded_405_with_a_request_id_and_allow(client):
    r = client.get("/v1/segment")
    assert r.status_code == 405
    err = r.json()["error"]
    assert err["code"] == "method_not_allowed" and err["request_id"] == r.headers["x-request-id"] != ""
    assert "POST" in r.headers["allow"]


def test_offered_request_id_is_kept_on_a_router_error(client):
    r = client.put("/api/predict", headers={"x-request-id": "trace-42"})
    assert r.status_code == 405 and r.json()["error"]["request_id"] == r.headers["x-request-id"] == "trace-42"


@pytest.mark.parametrize("path", ["/v1/segmnet", "/api/predikt", "/v1/events/swep"])
def test_mistyped_api_path_is_404_not_found_not_a_wrong_method(client, path):
    r = client.post(path, json={})
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found" and path in r.json()["error"]["message"]


@pytest.mark.parametrize("query,message", [
    ("", "the request is not valid: Missing required query parameter 'bucket'"),
    ("?bucket=images&limit=0", "the request is not valid: query parameter 'limit': Expected `int` >= 1"),
])
def test_sweep_query_errors_name_the_query_parameter_not_the_body(client, query, message):
    r = client.post("/v1/events/sweep" + query)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
    assert r.json()["error"]["message"].startswith(message)


def test_sweep_of_an_invalid_bucket_name_is_a_400_not_a_retryable_503(client):
    r = client.post("/v1/events/sweep?bucket=My_Photos!")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_bucket"
    assert "retry-after" not in r.headers


def test_openapi_documents_the_error_body_the_routes_really_answer(client):
    doc = client.get("/schema/openapi.json").json()
    detail = doc["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "request_id"}
    for path, status in [("/v1/segment", "400"), ("/api/predict", "400"), ("/v1/events/sweep", "400"),
                         ("/v1/segment", "413"), ("/api/predict", "503")]:
        schema = doc["paths"][path]["post"]["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status, schema)
    real = client.post("/api/predict", json={"prompt": 1}).json()
    assert set(real) == set(doc["components"]["schemas"]["ErrorBody"]["required"]) == {"error"}


def test_a_form_with_more_parts_than_the_server_parses_says_so(client):
    # Litestar stops at 1000 parts with "Request Entity Too Large" in a 400: a riddle for a too-long form.
    files = {"image": ("a.png", encode(scene_pixels(40, 40)), "image/png")}
    r = client.post("/v1/segment", files=files, data={"prompts": ["dog"] * 1001})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert "more than 1000 parts" in error["message"] and "at most 16 prompts" in error["message"]


def test_openapi_lists_the_415_of_every_post_route_and_the_502_of_those_that_read_the_store(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in ("/v1/segment", "/v1/preview", "/api/predict", "/v1/events", "/v1/events/sweep"):
        assert "415" in paths[path]["post"]["responses"], path  # unsupported_encoding, on every POST route
    for path in ("/v1/segment", "/api/predict", "/v1/events", "/v1/events/sweep"):
        assert "502" in paths[path]["post"]["responses"], path  # storage_error: the store refused the request
    r = client.post("/v1/segment", json={"prompts": ["dog"]}, headers={"Content-Encoding": "gzip"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_encoding"


def test_openapi_shows_the_events_body_and_the_preview_answer_as_binary(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    events = paths["/v1/events"]["post"]["requestBody"]
    assert events["required"] and events["content"]["application/json"]["schema"]["type"] == "object"
    png = paths["/v1/preview"]["post"]["responses"]["200"]["content"]["image/png"]["schema"]
    assert png == {"type": "string", "format": "binary"}


@pytest.mark.parametrize("path", ["/schema/redoc", "/schema/no-such-page"])
def test_an_unknown_schema_page_is_the_json_404_of_any_unknown_path(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert r.json()["error"]["code"] == "not_found" and path in r.json()["error"]["message"]
    assert client.get("/schema/swagger").status_code == 200
