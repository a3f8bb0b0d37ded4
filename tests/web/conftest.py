"""Fixtures for the web layer: an app on the tiny model, served in-process by Litestar's test client."""

from __future__ import annotations

import time

import pytest
from litestar.testing import TestClient

from sam3fn.settings import Settings
from sam3fn.web.app import create_app


def wait_ready(client, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get("/readyz")
        if r.status_code == 200:
            return
        if r.json().get("status") == "failed":
            raise AssertionError("startup failed")
        time.sleep(0.05)
    raise AssertionError("not ready in time")


def _wait_failed(client, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/readyz").json()["status"] != "failed":
        assert time.monotonic() < deadline, "startup did not fail in time"
        time.sleep(0.02)
    assert client.get("/readyz").status_code == 503


@pytest.fixture
def await_ready():
    """`await_ready(client)`: wait for /readyz to say ready (fails on a failed startup)."""
    return wait_ready


@pytest.fixture
def wait_failed():
    """`wait_failed(client)`: wait for startup to fail (/readyz 503, status "failed")."""
    return _wait_failed


@pytest.fixture
def make_client(tmp_path, tiny_model_dir, argos_home):
    """Build a ready test client; keyword arguments override Settings fields."""
    opened = []

    def make(ready: bool = True, **overrides) -> TestClient:
        (tmp_path / "images").mkdir(exist_ok=True)
        fields = dict(model_dir=tiny_model_dir, device="cpu", image_root=tmp_path / "images",
                      results_dir=tmp_path / "results", argos_home=argos_home)
        fields.update(overrides)
        client = TestClient(create_app(Settings(**fields), configure_logs=False), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        if ready:
            wait_ready(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    return make_client()


# For the modules that start SeaweedFS: each defines its own `seaweed` fixture (a server with its buckets).
@pytest.fixture
def s3_env(seaweed, monkeypatch):
    """The module's SeaweedFS, its credentials in the environment as boto3's standard configuration reads them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", seaweed.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", seaweed.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", seaweed.region)
    return seaweed


@pytest.fixture
def events_client(make_client, s3_env):
    return make_client(s3_endpoint=s3_env.endpoint, allowed_buckets=["images"], default_prompts=["dog"])
