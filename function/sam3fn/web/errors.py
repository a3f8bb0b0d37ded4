"""Every error, mapped to HTTP once: a stable code, a plain message, the request id; never a traceback."""

from __future__ import annotations

import logging

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ..core.errors import Sam3fnError
from .auth import BEARER_CHALLENGE, Unauthorized
from .observability import request_id_for
from .schemas import ErrorBody, ErrorDetail

log = logging.getLogger("sam3fn.web")

STATUS = {
    "image_too_large": 413, "object_too_large": 413, "body_too_large": 413, "too_many_records": 413,
    "translation_unavailable": 422, "several_things": 422,
    "unauthorized": 401,
    "access_denied": 403, "bucket_not_allowed": 403, "path_not_allowed": 403, "origin_not_allowed": 403,
    "object_not_found": 404, "bucket_not_found": 404, "path_not_found": 404, "not_found": 404,
    "method_not_allowed": 405,
    "unsupported_encoding": 415, "unsupported_media_type": 415,
    "overloaded": 503, "storage_unavailable": 503, "not_ready": 503, "model_unavailable": 503,
    "internal_error": 500, "storage_error": 502,
    "client_closed_request": 499,  # nginx's word for it: the client left; nobody reads this answer
}
RETRY_AFTER = {"overloaded": "1", "storage_unavailable": "5", "not_ready": "5"}


def status_for(code: str) -> int:
    return STATUS.get(code, 400)


def request_id_of(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "")


def error_response(request: Request, code: str, message: str, status: int | None = None,
                   headers: dict[str, str] | None = None, details: dict | None = None) -> Response:
    """The one error answer; `details` are the error's optional ErrorDetail fields (Sam3fnError.details)."""
    status = status or status_for(code)
    headers = dict(headers or {})
    if code in RETRY_AFTER:
        headers["Retry-After"] = RETRY_AFTER[code]
    if code == "unauthorized":
        headers.setdefault("WWW-Authenticate", BEARER_CHALLENGE)
    if code == "unsupported_encoding":
        headers["Accept-Encoding"] = "identity"  # RFC 7694: the codings this server takes in a request
    state = request.scope.setdefault("state", {})
    if not state.get("request_id"):
        # RequestContextMiddleware wraps the router (app.py), so every request has an id by now; should an
        # app be built without it, the error still gets one.
        state["request_id"] = headers["X-Request-Id"] = request_id_for(request.scope)
    detail = {**(details or {}), "code": code, "message": message, "request_id": state["request_id"]}
    body = ErrorBody(error=msgspec.convert(detail, ErrorDetail))
    state["error_code"] = code
    return Response(content=body, status_code=status, headers=headers)


def on_sam3fn_error(request: Request, exc: Sam3fnError) -> Response:
    headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, Unauthorized) else None
    return error_response(request, exc.code, exc.message, headers=headers, details=exc.details())


_HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
               413: "body_too_large", 415: "unsupported_media_type"}


def _is_api_path(path: str) -> bool:
    return path in ("/v1", "/api") or path.startswith(("/v1/", "/api/"))


def _shown(path: str, limit: int = 120) -> str:
    """The path as the caller sent it, cut short: it is theirs, and may be anything."""
    return path if len(path) <= limit else path[:limit] + "…"


def on_http_error(request: Request, exc: HTTPException) -> Response:
    path = request.scope.get("path", "")
    if (exc.status_code in (404, 405) and _is_api_path(path)
            and path not in request.app.route_handler_method_map):
        # The page's static files are mounted at "/", so a mistyped API path (POST /v1/segmnet) reaches them
        # and they refuse the method; the caller's mistake is the path.
        return error_response(request, "not_found",
                              f"no API route at {_shown(path)}; the routes are listed at /schema")
    if exc.status_code == 404:
        # The static files' own message names the file system path it looked at; say what was asked for.
        return error_response(request, "not_found", f"nothing at {_shown(path)}")
    code = _HTTP_CODES.get(exc.status_code, "invalid_request" if exc.status_code < 500 else "internal_error")
    message = exc.detail or "bad request"
    if isinstance(exc, ValidationException):
        code = "invalid_request"
        message = _validation_message(exc)
    if exc.status_code == 413:
        message = "the request body is larger than this server accepts (SAM3FN_MAX_BODY_BYTES)"
    return error_response(request, code, message, exc.status_code, headers=_allow_head(exc.headers))


def _allow_head(headers: dict[str, str] | None) -> dict[str, str] | None:
    """A 405's Allow, with HEAD wherever GET is: the app answers HEAD as GET (app.HeadAsGet), which the
    router, listing its handlers' methods, does not know."""
    name = next((k for k in headers or {} if k.lower() == "allow"), None)  # Litestar writes it either case
    if name is None:
        return headers
    methods = [m.strip() for m in headers[name].split(",")]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return {**{k: v for k, v in headers.items() if k != name}, "Allow": ", ".join(methods)}


def _validation_message(exc: ValidationException) -> str:
    """Name where each problem is: a bad query parameter is not a bad body (the sweep takes no body)."""
    problems = [e for e in (exc.extra or []) if isinstance(e, dict)]
    if not problems:
        return f"the request is not valid: {exc.detail}"
    parts, all_body = [], True
    for e in problems:
        source = str(getattr(e.get("source"), "value", e.get("source") or "body"))
        key, text = e.get("key", ""), e.get("message", "")
        if source == "body":
            parts.append(text if key in ("", "data") else f"{key}: {text}")  # "data" is the whole body
        else:
            all_body = False
            parts.append(f"{source} parameter {key!r}: {text}")
    return f"the request {'body ' if all_body else ''}is not valid: {'; '.join(parts)}"


def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"request_id": request_id_of(request), "route": request.url.path})
    return error_response(request, "internal_error", "the server failed on this request; quote the request id")
