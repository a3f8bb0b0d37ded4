"""Request ids, one structured JSON log line per request, and Prometheus metrics.

Logs never carry image bytes, prompts' images or secrets: only ids, routes, statuses and timings.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily

STAGES = ("decode_image_ms", "preprocess_ms", "image_encode_ms", "text_encode_ms", "mask_decode_ms", "postprocess_ms")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "method", "route", "status", "ms", "timings", "error_code", "outcomes")

    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": round(record.created, 3), "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        line.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("sam3fn_requests", "HTTP requests by route and status", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("sam3fn_request_seconds", "HTTP request latency", ["route"], registry=self.registry)
        self.stages = Histogram("sam3fn_stage_seconds", "Inference stage latency", ["stage"], registry=self.registry,
                                buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10))
        self.queue_depth = Gauge("sam3fn_queue_depth", "Requests in the inference worker (running + waiting)",
                                 registry=self.registry)
        self.events = Counter("sam3fn_events", "Object-storage events by outcome", ["status"], registry=self.registry)
        self._caches: dict = {}
        self.registry.register(self)

    def watch_caches(self, **caches) -> None:
        self._caches = caches

    def collect(self):
        hits = CounterMetricFamily("sam3fn_cache_hits", "Feature cache hits", labels=["cache"])
        misses = CounterMetricFamily("sam3fn_cache_misses", "Feature cache misses", labels=["cache"])
        for name, cache in self._caches.items():
            hits.add_metric([name], cache.hits)
            misses.add_metric([name], cache.misses)
        yield hits
        yield misses

    def describe(self):
        return []

    def observe_timings(self, timings) -> None:
        for stage in STAGES:
            value = getattr(timings, stage, 0.0)
            if value > 0:
                self.stages.labels(stage.removesuffix("_ms")).observe(value / 1000.0)


def request_id_for(scope) -> str:
    """The caller's X-Request-Id when it is safe to log, else a fresh one."""
    offered = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
    return offered if _SAFE_ID.match(offered) else uuid.uuid4().hex


class RequestContextMiddleware:
    """Pure ASGI: assigns the request id, times the request, counts it and logs one JSON line."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics
        self.log = logging.getLogger("sam3fn.access")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = request_id_for(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        start, status = time.perf_counter(), 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = state.get("route") or _route_label(scope["path"])
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            extra = {"request_id": request_id, "method": scope["method"], "route": route, "status": status,
                     "ms": round(elapsed * 1000, 2)}
            for key in ("timings", "error_code", "outcomes"):
                if key in state:
                    extra[key] = state[key]
            if route not in ("/healthz", "/readyz", "/metrics"):
                self.log.info("request", extra=extra)


def _route_label(path: str) -> str:
    # Bound the metric's label values: API routes by path, everything else (static files) as one.
    if path.startswith(("/v1/", "/api/")) or path in ("/healthz", "/readyz", "/metrics"):
        return path
    return "static"
