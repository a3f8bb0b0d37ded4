"""Token guards: one key for /api and /v1, a separate token for /v1/events; constant-time compare.

The API key is a bearer token. The events token is a bearer token too, or the password of HTTP Basic
auth (any user name): an SNS HTTP(S) subscription sends no custom header, only credentials written into
its endpoint URL (`https://sns:TOKEN@host/v1/events`), and only after a 401 that challenges for Basic.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import SecurityScheme

from ..core.errors import Sam3fnError


# The OpenAPI security schemes the guards enforce (optional: each is checked only when its setting is set).
API_KEY_SCHEME, EVENTS_TOKEN_SCHEME, EVENTS_BASIC_SCHEME = "apiKey", "eventsToken", "eventsBasic"
SECURITY_SCHEMES = {
    API_KEY_SCHEME: SecurityScheme(type="http", scheme="bearer",
                                   description="SAM3FN_API_KEY, when set, for /api and /v1 (not /v1/events)"),
    EVENTS_TOKEN_SCHEME: SecurityScheme(type="http", scheme="bearer",
                                        description="SAM3FN_EVENTS_TOKEN, when set, for /v1/events"),
    EVENTS_BASIC_SCHEME: SecurityScheme(type="http", scheme="basic",
                                        description="SAM3FN_EVENTS_TOKEN as the password (any user name), "
                                                    "for senders that take credentials in a URL, like SNS"),
}
API_KEY = [{API_KEY_SCHEME: []}, {}]  # {}: no token needed when the setting is unset
EVENTS_TOKEN = [{EVENTS_TOKEN_SCHEME: []}, {EVENTS_BASIC_SCHEME: []}, {}]

BEARER_CHALLENGE = "Bearer"
# Basic first: SNS sends its URL's credentials only when challenged for them.
EVENTS_CHALLENGE = 'Basic realm="sam3fn events", Bearer'


class Unauthorized(Sam3fnError):
    code = "unauthorized"

    def __init__(self, message: str, challenge: str = BEARER_CHALLENGE) -> None:
        super().__init__(message)
        self.challenge = challenge  # the WWW-Authenticate answer: which credentials would be taken


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic_password(credentials: str) -> str | None:
    """The password of Basic credentials (base64 of "user:password"), None when they are not that."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    _user, colon, password = decoded.partition(":")  # any user name: SNS sends what its URL holds
    return password if colon else None


def _check(connection: ASGIConnection, expected: str | None, what: str, basic: bool = False) -> None:
    if not expected:
        return
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer" and _same(credentials.strip(), expected):
        return
    if basic and scheme == "basic" and (password := _basic_password(credentials)) is not None \
            and _same(password, expected):
        return
    if basic:
        raise Unauthorized(f"missing or wrong token for {what} (a bearer token, or the Basic auth password)",
                           EVENTS_CHALLENGE)
    raise Unauthorized(f"missing or wrong bearer token for {what}")


def api_key_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _check(connection, connection.app.state.runtime.settings.api_key, "the API")


def events_token_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _check(connection, connection.app.state.runtime.settings.events_token, "the events endpoint", basic=True)
