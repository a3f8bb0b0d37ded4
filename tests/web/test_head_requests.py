"""HEAD is answered like GET without a body: uptime checks and load balancers probe with it."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/", "/index.html", "/schema/openapi.json"])
def test_head_answers_what_get_would_without_the_body(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content)
    assert head.headers["x-request-id"]


def test_head_on_a_post_route_is_still_refused(client):
    r = client.head("/v1/segment")
    assert r.status_code == 405 and r.content == b""
    assert "POST" in r.headers["allow"]


def test_head_keeps_the_guards(make_client):
    client = make_client(api_key="s3cret-key")
    assert client.head("/v1/info").status_code == 401
    assert client.head("/v1/info", headers={"Authorization": "Bearer s3cret-key"}).status_code == 200


def test_head_requests_are_counted_as_head_on_their_route(client):
    client.head("/healthz")
    metrics = client.get("/metrics").text
    assert 'route="/healthz"' in metrics and 'method="HEAD"' in metrics
    assert int(client.head("/metrics").headers["content-length"]) > 0
    line = next(ln for ln in metrics.splitlines() if 'method="HEAD"' in ln and 'route="/healthz"' in ln)
    assert 'status="200"' in line


@pytest.mark.parametrize("method, path", [("DELETE", "/v1/info"), ("POST", "/healthz"), ("PUT", "/metrics")])
def test_a_405_on_a_get_route_lists_head_among_the_allowed_methods(client, method, path):
    r = client.request(method, path)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed  # HEAD is served (HeadAsGet), so Allow says so (RFC 9110 10.2.1)


def test_a_405_on_a_post_route_does_not_offer_head(client):
    r = client.get("/v1/segment")
    assert r.status_code == 405 and "HEAD" not in r.headers["allow"]
