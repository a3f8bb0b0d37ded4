"""The inference worker's queue: a place is held from submit until the job is over, and a caller that went
away gives its place back at once when its job has not started."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sam3fn.web.worker import ClientGone, InferenceWorker, Overloaded


def run(scenario):
    """asyncio.run(scenario()) on a thread of its own: the browser tests' Playwright keeps an event loop
    running on the main thread for the whole session."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, scenario()).result()


def test_a_queued_job_whose_client_went_away_is_dropped_and_its_place_freed():
    async def scenario():
        worker = InferenceWorker(queue_depth=1)
        release, started, ran = threading.Event(), threading.Event(), []
        running = asyncio.ensure_future(worker.submit(lambda: (started.set(), release.wait(10))))
        await asyncio.to_thread(started.wait, 5)
        client_left = asyncio.Event()
        queued = asyncio.ensure_future(worker.submit(ran.append, "queued", gone=client_left.wait))
        await asyncio.sleep(0.05)
        assert worker.pending == 2
        with pytest.raises(Overloaded):
            await worker.submit(ran.append, "refused")
        client_left.set()
        with pytest.raises(ClientGone, match="dropped before it ran"):
            await queued
        assert worker.pending == 1  # its place is free while the first job still runs
        admitted = asyncio.ensure_future(worker.submit(ran.append, "admitted"))
        release.set()
        await running
        await admitted
        worker.shutdown()
        return ran

    assert run(scenario) == ["admitted"]


def test_a_running_job_keeps_its_place_until_it_ends_though_its_caller_was_cancelled():
    async def scenario():
        worker = InferenceWorker(queue_depth=0)
        release, started = threading.Event(), threading.Event()
        caller = asyncio.ensure_future(worker.submit(lambda: (started.set(), release.wait(10))))
        await asyncio.to_thread(started.wait, 5)
        caller.cancel()
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded):  # the job still runs on the one thread: no room yet
            await worker.submit(print)
        release.set()
        for _ in range(100):
            if worker.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert worker.pending == 0
        assert await worker.submit(lambda: "next") == "next"
        worker.shutdown()

    run(scenario)


def test_a_job_that_finishes_first_is_answered_though_a_gone_watch_was_given():
    async def scenario():
        worker = InferenceWorker(queue_depth=0)
        never = asyncio.Event()
        assert await worker.submit(lambda x: x * 2, 21, gone=never.wait) == 42
        assert worker.pending == 0
        worker.shutdown()

    run(scenario)
