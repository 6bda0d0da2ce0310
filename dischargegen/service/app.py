"""The Starlette application: the routes of every door, the guard around them, and the start
and stop of the rendering pool (and of the MLLP listener, when asked for)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import api
from . import routes
from .cds import Replays, cds_routes
from .form import form_keys, form_routes, page, printers_offered
from .guards import ASGIApp, Guard
from .logs import configure
from .openapi import document
from .options import ServeOptions, is_loopback
from .problems import HttpError, render
from .rendering import Renderer

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]


async def on_problem(request: Request, exc: Exception) -> Response:
    problem = exc if isinstance(exc, HttpError) else HttpError(500, None, "service: internal error")
    request_id = request.scope["state"]["request_id"]
    if not request.url.path.startswith(("/api/", "/cds-services")):  # a person at the form
        if problem.status == 401:
            return RedirectResponse("/login", status_code=303)
        return page(request, "error.html", problem.status, message=problem.message, request_id=request_id)
    body, media = render(problem, request.url.path, request_id)
    return Response(body, status_code=problem.status, media_type=media, headers=problem.headers)


async def on_http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    words = {404: "not found", 405: "method not allowed"}.get(status, "request refused")
    return await on_problem(request, HttpError(status, None, f"{request.method}: {words}"))


async def openapi(request: Request) -> Response:
    return JSONResponse(document())


def create_app(options: ServeOptions | None = None, settings: api.Settings | None = None) -> ASGIApp:
    """The service for ``options`` (by default those ``serve`` left in the environment for its
    uvicorn workers), with ``settings`` when the caller has loaded them already. The settings load
    before anything binds, so that a bad config fails first."""
    options = options or ServeOptions.from_environment()
    settings = settings or api.load_settings(
        Path(options.config_path) if options.config_path else None,
        Path(options.templates_dir) if options.templates_dir else None,
    )
    service = settings.config.service
    renderer = Renderer.sized(
        options.workers,
        timeout=service.render_timeout,
        config_path=options.config_path,
        templates_dir=options.templates_dir,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        configure()
        await asyncio.to_thread(renderer.start)
        listener = None
        if options.mllp_port is not None:
            from .mllp import start_listener  # deferred for start-up speed: only with --mllp-port

            listener = await start_listener(options.host, options.mllp_port, renderer, settings)
            host, port = listener.sockets[0].getsockname()[:2]
            print(f"dischargegen: MLLP listening on {host}:{port}", file=sys.stderr, flush=True)
        try:
            yield
        finally:
            if listener is not None:
                listener.close()
            await asyncio.to_thread(renderer.stop)

    api_routes = [
        Route("/api/v1/handouts", routes.handouts, methods=["POST"]),
        Route("/api/v1/fhir/Bundle", routes.fhir_bundle, methods=["POST"]),
        Route("/api/v1/hl7", routes.hl7, methods=["POST"]),
        Route("/api/v1/procedures", routes.procedures, methods=["GET"]),
        Route("/api/v1/health", routes.health, methods=["GET"]),
        Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    ]
    app = Starlette(
        routes=api_routes + form_routes() + cds_routes(),
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(options, service), www_redirect=False)
        ],
        lifespan=lifespan,
        exception_handlers={HttpError: on_problem, HTTPException: on_http_error, Exception: on_problem},
    )
    app.state.settings = settings
    app.state.renderer = renderer
    app.state.options = options
    app.state.keys = form_keys(service, options.secret)
    app.state.secure_cookie = (service.public_url or "").startswith("https://") or (
        bool(service.tokens) and not options.loopback
    )
    app.state.printers = printers_offered(service.printers)
    app.state.prefill = Fernet(app.state.keys.prefill)  # seals and opens the CDS cards' prefill tokens
    app.state.replays = Replays()
    return Guard(app, service, frozenset(route.path for route in app.routes if isinstance(route, Route)))


def allowed_hosts(options: ServeOptions, service: api.ServiceSettings) -> list[str]:
    """The Host headers answered: loopback's, ``public_url``'s and the address bound to; any
    other only when bound to every address without a ``public_url`` (the README says to set one)."""
    hosts = list(LOOPBACK_HOSTS)
    if service.public_url:
        public = urlsplit(service.public_url).hostname or ""
        hosts.append(f"[{public}]" if ":" in public else public)
    if options.host in ("0.0.0.0", "::", "") and not service.public_url:
        return ["*"]
    if not is_loopback(options.host):
        hosts.append(f"[{options.host}]" if ":" in options.host else options.host)
    return hosts
