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
    # Python warnings (Pillow's "Corrupt EXIF data" on a crafted upload, say) through the same handler: printed
    # to stderr as they are, they would put plain-text lines among the JSON ones.
    logging.captureWarnings(True)


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
        # image, text: feature caches; uploads: image bytes recognised by their hash, not decoded again
        hits = CounterMetricFamily("sam3fn_cache_hits", "Cache hits", labels=["cache"])
        misses = CounterMetricFamily("sam3fn_cache_misses", "Cache misses", labels=["cache"])
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
    """Pure ASGI: assigns the request id, times the request, counts it and logs one JSON line.

    It wraps the whole application, router included (`create_app` sets it as `app.asgi_handler`), so the
    router's own answers (a 405, a 404 where no route matches) are counted and logged with the rest.
    """

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
            route = route_label(scope, status)
            method = scope["method"] if scope["method"] in _METHODS else "other"
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(elapsed)
            extra = {"request_id": request_id, "method": method, "route": route, "status": status,
                     "ms": round(elapsed * 1000, 2)}
            for key in ("timings", "error_code", "outcomes"):
                if key in state:
                    extra[key] = state[key]
            if route not in ("/healthz", "/readyz", "/metrics"):
                self.log.info("request", extra=extra)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
UNMATCHED = "unmatched"
STATIC = "static"


def route_label(scope, status: int) -> str:
    """A bounded metric label: the matched route's path template (`/v1/segment`, never the path as sent),
    `static` for the page's files, and `unmatched` for whatever reached no route or no file, so a scan of
    made-up paths adds no series."""
    template = scope.get("path_template")
    handler = scope.get("route_handler")
    if template is not None and handler is not None:  # routed (the router sets both, or neither)
        if (handler.opt or {}).get(STATIC):
            return STATIC if status != 404 else UNMATCHED
        return template
    # The router refused it before matching a handler: a 405 on a real route keeps that route's name
    # (its path is one of the app's templates, a bounded set); anything else is unmatched.
    app = scope.get("app")
    path = scope.get("path", "")
    if status == 405 and app is not None and path in app.route_handler_method_map:
        return path
    return UNMATCHED
