"""One inference worker thread with a bounded queue, so the event loop never waits on the GPU.

One thread because one GPU runs one batch at a time well; more threads would only contend for it.
Over capacity, `submit` fails fast with `Overloaded` (HTTP 503 + Retry-After) instead of piling up.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Awaitable, Callable, TypeVar

from ..core.errors import Sam3fnError

T = TypeVar("T")


class Overloaded(Sam3fnError):
    code = "overloaded"


class ClientGone(Sam3fnError):
    """The caller went away before its job ran: the job was dropped (nobody would read its answer)."""

    code = "client_closed_request"


class InferenceWorker:
    def __init__(self, queue_depth: int) -> None:
        self.capacity = queue_depth + 1  # the one running plus those waiting
        self.pending = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")

    async def submit(self, fn: Callable[..., T], *args, wait: bool = False,
                     gone: Callable[[], Awaitable[object]] | None = None) -> T:
        """Run `fn(*args)` on the worker. Over capacity: raise Overloaded, unless `wait` (bucket events,
        whose producers may not redeliver a refused event) queues it anyway. `gone()` finishes when the caller
        no longer wants the answer (its client disconnected): a job still queued then is dropped and its
        place freed, and `ClientGone` raised; a running one cannot be stopped and finishes unread."""
        if self.pending >= self.capacity and not wait:
            raise Overloaded(f"the server is busy ({self.pending} requests in flight); retry shortly")
        job = self._pool.submit(fn, *args)
        self._hold(job)
        answer = asyncio.wrap_future(job)
        if gone is None:
            return await answer
        watcher = asyncio.ensure_future(gone())
        try:
            await asyncio.wait({answer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            watcher.cancel()
            if not answer.done():
                job.cancel()  # drops it if still queued; a running job cannot be stopped
                answer.cancel()
        if answer.cancelled():
            raise ClientGone("the client closed the connection; " + (
                "its request was dropped before it ran" if job.cancelled() else "its answer was not sent"))
        return answer.result()

    def _hold(self, job: Future) -> None:
        """Count `job` until it is over, run or dropped. Counted by the job, not by the coroutine awaiting
        it: that one can be cancelled while the job runs on, and the slot is taken until it ends."""
        self.pending += 1
        loop = asyncio.get_running_loop()

        def release(_: Future) -> None:
            try:
                loop.call_soon_threadsafe(self._release)
            except RuntimeError:  # the loop is closed (shutdown): nobody counts any more
                pass

        job.add_done_callback(release)  # before wrap_future's own: the count drops before the caller resumes

    def _release(self) -> None:
        self.pending -= 1

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
