"""The Litestar application factory and the `sam3fn serve` entry point."""

from __future__ import annotations

import errno
import socket
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Request, Response, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import Headers
from litestar.exceptions import HTTPException, NotFoundException
from litestar.file_system import BaseLocalFileSystem
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from .. import __version__
from ..core.errors import Sam3fnError
from ..settings import Settings
from .auth import SECURITY_SCHEMES
from .errors import error_response, on_http_error, on_sam3fn_error, on_unexpected
from .observability import STATIC, RequestContextMiddleware, configure_logging
from .routes import ROUTES, refuse_encoded_body
from .runtime import Runtime

REPO_FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
# What a path the caller made up can make stat() raise besides FileNotFoundError: a NUL byte (ValueError),
# a name or path too long, a file used as a directory (/index.html/x), a symlink loop. Each means "no such
# file here"; Litestar's static files answer 500 for them (and log a traceback for the ValueError).
_NO_SUCH_FILE = {errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP, errno.EINVAL}


class PageFiles(BaseLocalFileSystem):
    """The local file system for the page's files, where an impossible file name is a 404 like a missing one."""

    async def info(self, path, **kwargs):
        try:
            return await super().info(path, **kwargs)
        except ValueError:  # "embedded null byte"
            raise FileNotFoundError(errno.ENOENT, "no such file") from None
        except OSError as exc:
            if exc.errno in _NO_SUCH_FILE:
                raise FileNotFoundError(errno.ENOENT, "no such file") from None
            raise


class HeadAsGet:
    """Pure ASGI: HEAD is answered as GET would be, without the body (RFC 9110 9.3.2).

    Uptime checks and load balancers often probe with HEAD, and Litestar routes it only to handlers
    declared for it. The method reads HEAD again once the answer is sent, for the log line and metrics.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}  # Content-Length still says what GET would send
            await send(message)

        scope["method"] = "GET"  # in place: the outer middleware reads the route the router writes here
        try:
            await self.app(scope, receive, send_headers_only)
        finally:
            scope["method"] = "HEAD"


class RefuseForeignPreflight:
    """Pure ASGI, around Litestar's CORS middleware: a preflight from an origin SAM3FN_CORS_ORIGINS does not
    list is refused as every other error is, a JSON 403 `origin_not_allowed` with a request id, where Litestar
    answers a text/plain 400 ("Disallowed CORS Origin"). Either way the browser gets no
    Access-Control-Allow-Origin, so it sends nothing."""

    def __init__(self, app, cors: CORSConfig) -> None:
        self.app, self.cors = app, cors

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "OPTIONS":  # what Litestar answers as a preflight
            origin = Headers.from_scope(scope).get("origin")
            if origin and not self.cors.is_origin_allowed(origin):
                request = Request(scope, receive, send)
                response = error_response(request, "origin_not_allowed",
                                          f"pages at {origin[:100]!r} may not call this API (SAM3FN_CORS_ORIGINS)")
                return await response.to_asgi_response(app=None, request=request)(scope, receive, send)
        await self.app(scope, receive, send)


def _schema_page_not_found(response: Response) -> Response:
    """The OpenAPI router answers a /schema page it does not have (/schema/redoc) with an HTML 404 page of its
    own: raised instead, it becomes the JSON `not_found` any other unknown path gets."""
    if response.status_code == 404:
        raise NotFoundException()
    return response


def _cors(origins: list[str]) -> CORSConfig | None:
    """CORS for the listed origins (none: off). A page on another origin reads the headers an answer is
    explained by: the request id to quote, when to retry, which credentials a 401 asks for."""
    if not origins:
        return None
    return CORSConfig(allow_origins=origins, expose_headers=["X-Request-Id", "Retry-After", "WWW-Authenticate"])


def create_app(settings: Settings, configure_logs: bool = True) -> Litestar:
    if configure_logs:
        configure_logging(settings.log_level)
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar):
        runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    frontend = settings.frontend_dir or REPO_FRONTEND
    handlers = list(ROUTES)
    if frontend.is_dir():
        handlers.append(create_static_files_router(path="/", directories=[frontend], html_mode=True,
                                                   file_system=PageFiles(), opt={STATIC: True},
                                                   include_in_schema=False))
    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        before_request=refuse_encoded_body,
        exception_handlers={Sam3fnError: on_sam3fn_error, HTTPException: on_http_error, Exception: on_unexpected},
        request_max_body_size=settings.max_body_bytes,
        cors_config=_cors(settings.cors_origins),
        openapi_config=OpenAPIConfig(
            title="sam3fn", version=__version__, path="/schema", render_plugins=[SwaggerRenderPlugin()],
            openapi_router=Router("/schema", route_handlers=[], include_in_schema=False,
                                  after_request=_schema_page_not_found),
            description="SAM 3 text-prompted segmentation as a serverless function",
            components=Components(security_schemes=SECURITY_SCHEMES),
        ),
        debug=False,
        logging_config=None,  # our JSON logging (configure_logging) stays in charge
    )
    app.state.runtime = runtime
    # Around the router, not inside it as Litestar's `middleware=` would be: the router's own answers (405s,
    # 404s where no route matches) then get a request id, a log line and a count like every other request.
    handler = HeadAsGet(app.asgi_handler)
    if app.cors_config is not None:
        handler = RefuseForeignPreflight(handler, app.cors_config)
    app.asgi_handler = RequestContextMiddleware(handler, metrics=runtime.metrics)
    return app


def _check_address(host: str, port: int) -> None:
    """Fail before the model loads, in one line, when the address is taken: uvicorn binds only after
    startup and then exits with a JSON log line and status 3, which reads like a crash."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Sam3fnError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (set PORT or --port, "
                              "SAM3FN_HOST or --host)", code="address_unavailable") from None


def serve(settings: Settings) -> None:
    import uvicorn

    _check_address(settings.host, settings.port)
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=10)
