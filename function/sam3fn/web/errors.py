"""Every error, mapped to HTTP once: a stable code, a plain message, the request id; never a traceback."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ..core.errors import Sam3fnError
from .schemas import ErrorBody, ErrorDetail

log = logging.getLogger("sam3fn.web")

STATUS = {
    "image_too_large": 413, "object_too_large": 413, "body_too_large": 413,
    "translation_unavailable": 422,
    "unauthorized": 401,
    "access_denied": 403, "bucket_not_allowed": 403, "path_not_allowed": 403,
    "object_not_found": 404, "path_not_found": 404, "not_found": 404,
    "method_not_allowed": 405,
    "overloaded": 503, "storage_unavailable": 503, "not_ready": 503, "model_unavailable": 503,
    "internal_error": 500, "storage_error": 502,
}
RETRY_AFTER = {"overloaded": "1", "storage_unavailable": "5", "not_ready": "5"}


def status_for(code: str) -> int:
    return STATUS.get(code, 400)


def request_id_of(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "")


def error_response(request: Request, code: str, message: str, status: int | None = None) -> Response:
    status = status or status_for(code)
    headers = {"Retry-After": RETRY_AFTER[code]} if code in RETRY_AFTER else {}
    if code == "unauthorized":
        headers["WWW-Authenticate"] = "Bearer"
    body = ErrorBody(error=ErrorDetail(code=code, message=message, request_id=request_id_of(request)))
    request.scope.setdefault("state", {})["error_code"] = code
    return Response(content=body, status_code=status, headers=headers)


def on_sam3fn_error(request: Request, exc: Sam3fnError) -> Response:
    return error_response(request, exc.code, exc.message)


_HTTP_CODES = {400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
               413: "body_too_large", 415: "unsupported_media_type"}


def on_http_error(request: Request, exc: HTTPException) -> Response:
    code = _HTTP_CODES.get(exc.status_code, "invalid_request" if exc.status_code < 500 else "internal_error")
    message = exc.detail or "bad request"
    if isinstance(exc, ValidationException):
        code = "invalid_request"
        extra = "; ".join(f"{e.get('key', '')}: {e.get('message', '')}" for e in (exc.extra or []) if isinstance(e, dict))
        message = f"the request body is not valid: {extra or exc.detail}"
    if exc.status_code == 413:
        message = "the request body is larger than this server accepts (SAM3FN_MAX_BODY_BYTES)"
    return error_response(request, code, message, exc.status_code)


def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"request_id": request_id_of(request), "route": request.url.path})
    return error_response(request, "internal_error", "the server failed on this request; quote the request id")
