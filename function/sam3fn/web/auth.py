"""Bearer-token guards: one key for /api and /v1, a separate token for /v1/events; constant-time compare."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import SecurityScheme

from ..core.errors import Sam3fnError


# The OpenAPI security schemes the guards enforce (optional: each is checked only when its setting is set).
API_KEY_SCHEME, EVENTS_TOKEN_SCHEME = "apiKey", "eventsToken"
SECURITY_SCHEMES = {
    API_KEY_SCHEME: SecurityScheme(type="http", scheme="bearer",
                                   description="SAM3FN_API_KEY, when set, for /api and /v1 (not /v1/events)"),
    EVENTS_TOKEN_SCHEME: SecurityScheme(type="http", scheme="bearer",
                                        description="SAM3FN_EVENTS_TOKEN, when set, for /v1/events"),
}
API_KEY = [{API_KEY_SCHEME: []}, {}]  # {}: no token needed when the setting is unset
EVENTS_TOKEN = [{EVENTS_TOKEN_SCHEME: []}, {}]


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
