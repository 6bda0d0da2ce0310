"""The middleware every request passes: a request id, security headers, the access log line,
the rate limit, the request size limit (413), a deadline for the whole body from its first
read (408), the bearer token on the HTTP API (401), and a last catch for errors that logs no
detail. (A deadline for the headers is the reverse proxy's: uvicorn has none.)

Starlette's own exception handlers turn a :class:`HttpError` raised while the body is read into
its JSON or OperationOutcome answer; what the guard answers itself it renders the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .. import api
from .logs import access
from .problems import HttpError, render

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_PATHS = ("/api/v1/health", "/api/v1/openapi.json")
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; "
    "frame-ancestors 'self'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_log = logging.getLogger("dischargegen.service")


def token_id(token_hash: str) -> str:
    """The user a token stands for in the logs and sessions: ``token-`` and 8 hex of its hash."""
    return f"token-{token_hash[:8]}"


def token_user(token: str, hashes: tuple[str, ...]) -> str | None:
    """The user a bearer token stands for, or None."""
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    for known in hashes:
        if hmac.compare_digest(digest, known):
            return token_id(known)
    return None


class RateLimit:
    """A token bucket per client: ``per_minute`` requests, refilled evenly."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = time.monotonic()
        if len(self._buckets) > 10_000:  # bounded memory: forget the idle clients
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60}
        level, last = self._buckets.get(client, (self.capacity, now))
        level = min(self.capacity, level + (now - last) * self.rate)
        if level < 1:
            self._buckets[client] = (level, now)
            return (1 - level) / self.rate
        self._buckets[client] = (level - 1, now)
        return 0.0


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class Guard:
    def __init__(self, app: ASGIApp, service: api.ServiceSettings, routes: frozenset[str]) -> None:
        self.app = app
        self.routes = routes  # the paths the access log names (others are "-")
        self.tokens = service.tokens
        self.max_bytes = service.max_request_bytes
        self.body_seconds = service.body_timeout
        self.limit = RateLimit(service.rate_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope["path"]
        status = 0
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {key.lower() for key, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            problem = self._check(scope)
            if problem is not None:
                await self._answer(problem, path, request_id, send_with_headers)
            else:
                await self.app(scope, self._limited(receive), send_with_headers)
        except Exception as exc:  # logged without its message or traceback: they may hold input
            _log.error("request %s: internal error (%s)", request_id, type(exc).__name__)
            if status == 0:
                await self._answer(HttpError(500, None, "service: internal error"), path, request_id, send_with_headers)
        finally:
            access(request_id, scope, status, time.perf_counter() - started, self.routes)

    def _check(self, scope: Scope) -> HttpError | None:
        path: str = scope["path"]
        user = None
        token = bearer(scope)
        if token is not None and self.tokens:
            user = token_user(token, self.tokens)
        scope["state"]["user"] = user or "anonymous"
        if not path.startswith("/static/") and path not in OPEN_PATHS:
            client = user or (scope.get("client") or ("?",))[0]
            wait = self.limit.allow(str(client))
            if wait:
                return HttpError(429, None, "too many requests: try again later", {"retry-after": str(int(wait) + 1)})
        length = _header(scope, b"content-length")
        if length is not None and (not (length.isascii() and length.isdigit()) or int(length) > self.max_bytes):
            return HttpError(413, None, f"request: larger than the {self.max_bytes} byte limit")
        if path.startswith("/api/v1/") and path not in OPEN_PATHS and self.tokens and user is None:
            message = "authorization: a valid bearer token is needed" if token else "authorization: give a bearer token"
            return HttpError(401, "authorization", message, {"www-authenticate": "Bearer"})
        return None

    def _limited(self, receive: Receive) -> Receive:
        received = 0
        done = False
        deadline: float | None = None  # the whole body by then, from the first read

        async def limited() -> Message:
            nonlocal received, done, deadline
            if done:
                return await receive()
            now = time.monotonic()
            deadline = deadline or now + self.body_seconds
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - now))
            except TimeoutError:
                raise HttpError(408, None, "request: the body did not arrive in time") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HttpError(413, None, f"request: larger than the {self.max_bytes} byte limit")
                done = not message.get("more_body", False)
            return message

        return limited

    async def _answer(self, problem: HttpError, path: str, request_id: str, send: Send) -> None:
        body, media = render(problem, path, request_id)
        headers = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in problem.headers.items()]
        await send({"type": "http.response.start", "status": problem.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
