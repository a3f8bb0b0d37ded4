"""Bearer-token guards: one key for /api and /v1, a separate token for /v1/events; constant-time compare."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from ..core.errors import Sam3fnError


class Unauthorized(Sam3fnError):
    code = "unauthorized"


def _check(connection: ASGIConnection, expected: str | None, what: str) -> None:
    if not expected:
        return
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized(f"missing or wrong bearer token for {what}")


def api_key_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _check(connection, connection.app.state.runtime.settings.api_key, "the API")


def events_token_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _check(connection, connection.app.state.runtime.settings.events_token, "the events endpoint")
