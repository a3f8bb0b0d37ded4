"""The request metrics' labels are a bounded set: route templates, "static" and "unmatched", whatever
paths and methods callers make up; the router's own 405s and 404s are counted too."""

from __future__ import annotations

import re


def _request_series(client) -> list[dict[str, str]]:
    text = client.get("/metrics").text
    return [dict(re.findall(r'(\w+)="([^"]*)"', line)) for line in text.splitlines()
            if line.startswith("sam3fn_requests_total{")]


def test_made_up_api_paths_add_no_metric_series(client):
    before = len(_request_series(client))
    for i in range(3):
        client.get(f"/v1/x{i}")
        client.post(f"/api/y{i}", json={})
        client.delete(f"/v1/z{i}")
    client.get("/nope.css")
    series = _request_series(client)
    routes = {s["route"] for s in series}
    assert not [r for r in routes if re.search(r"x\d|y\d|z\d|nope", r)], routes
    assert "unmatched" in routes
    counts = {(s["route"], s["method"], s["status"]) for s in series}
    assert {("unmatched", "GET", "404"), ("unmatched", "POST", "404"), ("unmatched", "DELETE", "404")} <= counts
    # one more round of new paths: no new series at all
    grown = len(series)
    for i in range(3, 6):
        client.get(f"/v1/x{i}")
        client.post(f"/api/y{i}", json={})
        client.delete(f"/v1/z{i}")
        client.get(f"/nope{i}.css")
    assert len(_request_series(client)) == grown > before


def test_routes_are_labelled_by_their_template_and_405s_are_counted(client):
    client.get("/")
    client.get("/healthz")
    client.get("/v1/segment")  # the router's 405
    client.request("FROBNICATE", "/v1/segment")
    series = {(s["route"], s["method"], s["status"]) for s in _request_series(client)}
    assert ("static", "GET", "200") in series
    assert ("/healthz", "GET", "200") in series
    assert ("/v1/segment", "GET", "405") in series
    assert ("/v1/segment", "other", "405") in series  # made-up methods share one label
    assert not [s for s in series if s[1] == "FROBNICATE"]


def test_router_errors_are_logged_with_their_request_id(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="sam3fn.access"):
        r = client.put("/api/predict", headers={"x-request-id": "trace-405"})
    assert r.status_code == 405 and r.headers["x-request-id"] == "trace-405"
    lines = [rec for rec in caplog.records if rec.name == "sam3fn.access"]
    assert [(rec.request_id, rec.route, rec.status) for rec in lines] == [("trace-405", "/api/predict", 405)]
