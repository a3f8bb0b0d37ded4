"""Everything the routes share, built once at startup: model, translator, stores, worker, metrics.

Loading runs in a background task so /healthz answers at once and /readyz turns ready only after the
model is loaded *and* warmed up (one real inference), which is what a scale-to-zero platform probes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..core.errors import ModelDirError, Sam3fnError
from ..core.model_dir import FETCH_HINT, check_model_dir
from ..core.versions import installed_version
from ..settings import Settings, SettingsError, env_name
from .observability import Metrics
from .worker import InferenceWorker

log = logging.getLogger("sam3fn.web")


class NotReady(Sam3fnError):
    """Still loading: 503 with Retry-After, so clients (and the page) come back in a few seconds."""

    code = "not_ready"


class StartupFailed(Sam3fnError):
    """Loading failed and will not be tried again in this process: 503 without Retry-After, as waiting cannot
    help; the message names the cause (a missing weights file says how to fetch it)."""

    code = "model_unavailable"


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.worker = InferenceWorker(settings.queue_depth)
        self.metrics.queue_depth.set_function(lambda: self.worker.pending)
        self.pipeline = None
        self.processor = None
        self.store = None
        self.translator = None
        self.model_dir: Path | None = None
        self.notice: str | None = None
        self.error: str | None = None
        self.ready = False
        self._task: asyncio.Task | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._load())

    async def stop(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()
        await asyncio.to_thread(self.worker.shutdown)

    async def _load(self) -> None:
        try:
            await asyncio.to_thread(self._build)
            await self.worker.submit(self._warm_up)
            self.ready = True
            log.info("ready", extra={"route": "startup"})
        except Exception as exc:  # noqa: BLE001 - reported by /readyz and the log, server stays up
            self.error = f"{type(exc).__name__}: {exc}"
            log.error("startup failed: %s", self.error)

    def _model_dir(self) -> Path:
        s = self.settings
        try:
            return check_model_dir(s.model_dir).path
        except ModelDirError as exc:
            if s.require_weights:
                raise
            from ..core.tiny_model import write_tiny_model

            demo = s.demo_model_dir
            if not (demo / "model.safetensors").is_file():
                write_tiny_model(demo)
            self.notice = (f"no SAM 3 weights at {s.model_dir}: serving a tiny RANDOM-WEIGHTS model, whose output is "
                           f"noise. To install the real weights, {FETCH_HINT}")
            log.warning(self.notice, extra={"route": "startup", "error_code": exc.code})
            return demo

    def _build(self) -> None:
        from ..claims import ClaimStore
        from ..core.loader import load_model
        from ..core.segmenter import Segmenter
        from ..pipeline import Pipeline
        from ..storage import LocalStore, ObjectStore
        from ..triggers import EventProcessor

        s = self.settings
        # The translator (glossary, Argos package) loads beside the model: cold start pays for the slower one only.
        with ThreadPoolExecutor(1, thread_name_prefix="sam3fn-translator") as pool:
            translator = pool.submit(self._translator)
            self.model_dir = self._model_dir()
            model = load_model(self.model_dir, s.device, s.precision, s.backend, s.engine_dir, cuda_graphs=s.cuda_graphs)
            segmenter = Segmenter(model, image_cache=s.image_cache, text_cache=s.text_cache)
            self.translator = translator.result()
        self.pipeline = Pipeline(segmenter, self.translator, max_pixels=s.max_pixels, max_prompts=s.max_prompts)
        self._check_default_prompts()
        self.metrics.watch_caches(image=segmenter.image_cache, text=segmenter.text_cache, uploads=self.pipeline.uploads)
        self.store = ObjectStore(s.s3_endpoint, s.allowed_buckets)
        use_s3 = s.results_store == "s3" or (s.results_store == "auto" and s.s3_endpoint)
        results = self.store if use_s3 else LocalStore(s.results_dir)
        # Claims live in the results bucket, shared by every replica; a local results directory has one reader.
        claims = (ClaimStore(self.store, s.event_claim_ttl_s, owner=f"{socket.gethostname()}:{os.getpid()}")
                  if use_s3 and s.event_claim_ttl_s > 0 else None)
        self.processor = EventProcessor(
            self.pipeline, self.store, results, input_prefix=s.input_prefix, output_prefix=s.output_prefix,
            default_prompts=s.default_prompts, max_bytes=s.max_body_bytes, identity={"engine": self.identity()},
            claims=claims,
        )

    def _check_default_prompts(self) -> None:
        """Every event image without x-amz-meta-prompts is segmented for SAM3FN_DEFAULT_PROMPTS: one that can
        never be used (too many, untranslatable, naming several things) would fail each such event, one
        recorded error at a time, so it fails startup instead, by the setting's name."""
        try:
            self.pipeline.prompts(self.settings.default_prompts)
        except Sam3fnError as exc:
            raise SettingsError(f"{env_name('default_prompts')}: {exc.message}") from None

    def _translator(self):
        from ..translate import Translator

        s = self.settings
        translator = Translator(argos_model=s.argos_model, argos_home=s.argos_home)
        translator.warm_up()
        return translator

    def _warm_up(self) -> None:
        from ..core.images import from_array

        # Real passes so the first user request does not pay for lazy initialisation, kernel selection,
        # allocator growth or CUDA-graph capture (a different image each start is fine).
        pixels = np.random.default_rng().integers(0, 255, (256, 256, 3), dtype=np.uint8)
        batches = self.pipeline.segmenter.warm_up(from_array(pixels), self.settings.max_prompts)
        log.info("warmed up at prompt batches %s", batches, extra={"route": "startup"})

    # -- use -------------------------------------------------------------------------------------
    def require_ready(self):
        if self.error:
            raise StartupFailed(f"startup failed: {self.error}")
        if not self.ready:
            raise NotReady("not ready: the model is still loading")
        return self.pipeline

    def identity(self) -> dict:
        info = self.pipeline.segmenter.info if self.pipeline else None
        return {
            "model": info.name if info else None, "random_weights": info.random_weights if info else None,
            "backend": info.backend if info else None, "precision": info.precision if info else None,
            "device": info.device if info else None, "cuda_graphs": info.cuda_graphs if info else None,
            "sam3fn": _version("sam3fn"),
        }

    def versions(self) -> dict[str, str]:
        return {name: _version(name) for name in ("sam3fn", "torch", "transformers", "litestar", "msgspec")} | {
            "python": platform.python_version()
        }


def _version(name: str) -> str:
    return installed_version(name) or "unknown"
