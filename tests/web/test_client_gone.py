"""A client that disconnects while its request waits for the worker gives its place back: the request is
dropped, not run for nobody, and the next caller is admitted instead of refused with 503."""

from __future__ import annotations

import base64
import json
import threading

import anyio

from support.images import encode, scene_pixels

BODY = json.dumps({"image": {"base64": base64.b64encode(encode(scene_pixels(60, 80))).decode()},
                   "prompts": ["dog"]}).encode()


def _scope() -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/v1/segment", "raw_path": b"/v1/segment", "query_string": b"", "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}


def test_a_request_whose_client_left_while_it_queued_is_dropped_and_frees_its_place(make_client):
    client = make_client(queue_depth=1)
    runtime = client.app.state.runtime
    worker, segmenter = runtime.worker, runtime.pipeline.segmenter
    release, started = threading.Event(), threading.Event()
    client.blocking_portal.start_task_soon(worker.submit, lambda: (started.set(), release.wait(20)))
    assert started.wait(5)
    images_encoded = segmenter.image_cache.misses
    sent: list[dict] = []

    async def queue_then_leave() -> None:
        left, messages = anyio.Event(), [{"type": "http.request", "body": BODY, "more_body": False}]

        async def receive() -> dict:
            if messages:
                return messages.pop()
            await left.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(client.app, _scope(), receive, send)
            with anyio.fail_after(10):
                while worker.pending < 2:  # queued behind the held job
                    await anyio.sleep(0.01)
            left.set()

    try:
        client.blocking_portal.call(queue_then_leave)
        assert worker.pending == 1  # the held job alone: the abandoned request's place is free
        assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    finally:
        release.set()
    other = {"image": {"base64": base64.b64encode(encode(scene_pixels(60, 80, seed=1))).decode()}, "prompts": ["dog"]}
    assert client.post("/v1/segment", json=other).status_code == 200
    assert segmenter.image_cache.misses == images_encoded + 1  # the other image alone: the abandoned one never ran
