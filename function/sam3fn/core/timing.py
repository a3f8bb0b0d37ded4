"""Per-stage wall-clock timing that waits for the GPU, so a stage's time is its own."""

from __future__ import annotations

import time
from contextlib import contextmanager

import torch


class Stopwatch:
    """Accumulates milliseconds per stage name. `sync` waits for CUDA at stage edges."""

    def __init__(self, device: torch.device | None = None) -> None:
        self.sync = device is not None and device.type == "cuda"
        self.ms: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        if self.sync:
            torch.cuda.synchronize()
        start = time.perf_counter()
        try:
            yield
        finally:
            if self.sync:
                torch.cuda.synchronize()
            self.ms[name] = self.ms.get(name, 0.0) + (time.perf_counter() - start) * 1000.0
