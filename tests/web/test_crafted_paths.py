"""Paths nobody would type (a NUL byte, a 300-character name, a file used as a directory) and the bare
API prefixes: a coded 404, never a 500 or a traceback in the log."""

from __future__ import annotations

import logging

import pytest

CRAFTED = ["/%00", "/v1/%00", "/index.html%00.png", "/api/%00x", "/" + "a" * 300, "/v1/" + "b" * 300,
           "/" + "/".join(["c" * 250] * 20), "/index.html/x"]


@pytest.mark.parametrize("path", CRAFTED, ids=["nul", "v1-nul", "nul-in-name", "api-nul", "long-name",
                                               "v1-long-name", "long-path", "file-as-directory"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_crafted_page_path_is_a_coded_404_without_a_traceback(client, caplog, method, path):
    with caplog.at_level(logging.INFO):
        r = client.request(method, path)
    assert r.status_code == 404, r.text
    if method == "GET":
        error = r.json()["error"]
        assert error["code"] == "not_found" and error["request_id"] == r.headers["x-request-id"]
        assert "frontend" not in error["message"]  # nothing of the server's file system
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR or rec.exc_info]


def test_a_missing_page_file_names_the_path_asked_for_not_the_file_system(client):
    r = client.get("/nope.css")
    assert r.status_code == 404 and r.json()["error"] == {
        "code": "not_found", "message": "nothing at /nope.css", "request_id": r.headers["x-request-id"]}


@pytest.mark.parametrize("path", ["/v1", "/api", "/v1/", "/api/"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "GET"])
def test_the_bare_api_prefixes_are_404_not_found_like_any_missing_api_route(client, method, path):
    r = client.request(method, path, json={} if method in ("POST", "PUT") else None)
    assert r.status_code == 404, r.text
    error = r.json()["error"]
    assert error["code"] == "not_found" and "no API route" in error["message"]


def test_the_page_is_still_served(client):
    assert client.get("/").status_code == 200 and client.get("/index.html").status_code == 200
    assert client.head("/index.html").status_code == 200
