"""CUDA-graph replay for a compiled stage whose batch varies: one graph per batch bucket.

A compiled stage still launches hundreds of small kernels per call; the text encoder and the decoder
at a few prompts are launch-bound, so replaying a captured graph removes most of their time.
Graphs need fixed shapes and addresses, hence:

- a call with batch n runs the graph of the smallest bucket >= n (1, 2, 4, 8, 16); rows n.. of the
  batched inputs repeat row n - 1 (rows are independent, so padding never changes real rows);
- inputs are copied into the graph's own buffers, and outputs are cloned out of it, since the next
  replay overwrites them;
- a bucket is captured on its first use; if capturing fails (a stage that synchronises, a backend that
  cannot be captured) the stage logs why once and runs uncaptured from then on.
All graphs of a stage share one memory pool: calls come from one inference thread, never concurrently,
and the lock makes that true even if they did not.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

log = logging.getLogger(__name__)

BUCKETS = (1, 2, 4, 8, 16)
WARMUP_RUNS = 2  # uncaptured runs on a side stream first: lazy initialisation must not be captured


def bucket_for(batch: int, buckets: Sequence[int] = BUCKETS) -> int | None:
    """The smallest bucket holding `batch` rows, or None when the batch is larger than every bucket."""
    return next((b for b in buckets if b >= batch), None)


def fill(static: torch.Tensor, value: torch.Tensor, batched: bool) -> None:
    """Copy `value` into a graph input buffer; a batched buffer's spare rows repeat the last real row."""
    if not batched:
        static.copy_(value)
        return
    rows = value.shape[0]
    static[:rows].copy_(value)
    if rows < static.shape[0]:
        static[rows:].copy_(value[-1:].expand_as(static[rows:]))


@dataclass
class _Graph:
    graph: torch.cuda.CUDAGraph
    inputs: list[torch.Tensor]
    outputs: tuple[torch.Tensor, ...]


def _release_random_generator(device: torch.device) -> None:
    """Give the device's default random generator a fresh copy of its own state (seed and offset).

    A capture marks that generator as captured and only a capture that ends cleanly unmarks it; after a
    refused one, every later random op on the device (torch.randn, dropout) fails with "Offset increment
    outside graph capture encountered unexpectedly". A clone carries the seed and offset, not the mark."""
    generator = torch.cuda.default_generators[device.index if device.index is not None else torch.cuda.current_device()]
    generator.graphsafe_set_state(generator.clone_state())


def _as_tuple(out) -> tuple[torch.Tensor, ...]:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


class GraphedStage:
    """`stage(*tensors) -> tensor or tuple of tensors`, replayed from CUDA graphs; returns a tuple.

    `batched[i]` says whether input i has the batch in dim 0 (every output must). Inputs that are not
    batched keep the shape they had at capture (e.g. one image's features); another shape runs uncaptured.
    """

    def __init__(self, stage: Callable, batched: Sequence[bool], name: str, buckets: Sequence[int] = BUCKETS) -> None:
        self.stage, self.batched, self.name, self.buckets = stage, tuple(batched), name, tuple(buckets)
        self.graphs: dict[int, _Graph] = {}
        self.disabled: str | None = None  # why capturing is off, once it failed
        self._pool = None
        self._lock = threading.Lock()

    def __call__(self, *args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        rows = args[self.batched.index(True)].shape[0]
        bucket = bucket_for(rows, self.buckets)
        with self._lock:
            entry = None if bucket is None or self.disabled else self.graphs.get(bucket) or self._capture(bucket, args)
            if entry is None or not self._fits(entry, args):
                return _as_tuple(self.stage(*args))
            for static, value, batched in zip(entry.inputs, args, self.batched):
                fill(static, value, batched)
            entry.graph.replay()
            return tuple(out[:rows].clone() for out in entry.outputs)

    def _fits(self, entry: _Graph, args) -> bool:
        return all(s.shape[1:] == a.shape[1:] if b else s.shape == a.shape
                   for s, a, b in zip(entry.inputs, args, self.batched)) and \
            all(s.dtype == a.dtype for s, a in zip(entry.inputs, args))

    def _capture(self, bucket: int, args) -> _Graph | None:
        inputs = []
        for value, batched in zip(args, self.batched):
            static = torch.empty((bucket, *value.shape[1:]) if batched else value.shape, dtype=value.dtype,
                                 device=value.device)
            fill(static, value, batched)
            inputs.append(static)
        try:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(WARMUP_RUNS):
                    self.stage(*inputs)
            torch.cuda.current_stream().wait_stream(side)
            if self._pool is None:
                self._pool = torch.cuda.graph_pool_handle()
            graph, capture = torch.cuda.CUDAGraph(), torch.cuda.Stream()
            # thread_local: other threads of the server (HTTP, storage) may touch CUDA while this one captures.
            # The outer stream context puts this thread back on its own stream when the capture is refused:
            # torch.cuda.graph ends the capture (which raises) before restoring the stream it switched to.
            with torch.cuda.stream(capture), torch.cuda.graph(graph, pool=self._pool, stream=capture,
                                                             capture_error_mode="thread_local"):
                outputs = _as_tuple(self.stage(*inputs))
        except RuntimeError as exc:  # capture is refused by whatever the stage does; serve it uncaptured
            torch.cuda.synchronize()
            _release_random_generator(inputs[0].device)
            self.disabled = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            log.warning("CUDA graphs off for the %s stage, running it uncaptured: %s", self.name, self.disabled)
            return None
        self.graphs[bucket] = _Graph(graph=graph, inputs=inputs, outputs=outputs)
        log.info("captured a CUDA graph for the %s stage at batch %d", self.name, bucket)
        return self.graphs[bucket]
