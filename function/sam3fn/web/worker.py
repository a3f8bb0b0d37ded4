"""One inference worker thread with a bounded queue, so the event loop never waits on the GPU.

One thread because one GPU runs one batch at a time well; more threads would only contend for it.
Over capacity, `submit` fails fast with `Overloaded` (HTTP 503 + Retry-After) instead of piling up.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from ..core.errors import Sam3fnError

T = TypeVar("T")


class Overloaded(Sam3fnError):
    code = "overloaded"


class InferenceWorker:
    def __init__(self, queue_depth: int) -> None:
        self.capacity = queue_depth + 1  # the one running plus those waiting
        self.pending = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")

    async def submit(self, fn: Callable[..., T], *args, wait: bool = False) -> T:
        """Run `fn(*args)` on the worker. Over capacity: raise Overloaded, unless `wait` (bucket events,
        whose producers may not redeliver a refused event) queues it anyway."""
        if self.pending >= self.capacity and not wait:
            raise Overloaded(f"the server is busy ({self.pending} requests in flight); retry shortly")
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)
        finally:
            self.pending -= 1

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
