"""CDS Hooks 2.0: the ``encounter-discharge`` service.

``GET /cds-services`` announces it, with the prefetch it wants (the Patient, the Encounter and
the encounter's Procedures). A call (``POST /cds-services/encounter-discharge``) answers one
card: "Discharge handout ready: kyphoplasty, lifting limit ends Tuesday, January 5, 2027", with a
link to the web form filled in from the prefetched resources. The facts travel in the link
encrypted (Fernet, under the prefill key, for 8 hours): no patient data in a URL or a log.

Callers authenticate with a signed JWT bearer (ES384 or RS384) from an issuer in the config's
``cds_issuers``, whose ``aud`` is this endpoint's URL (``public_url``, never the request's Host)
and which carries ``exp``, ``iat`` (at most 300 s apart, issued at most 300 s ago) and ``jti``
(a ``jti`` seen before is refused until its ``exp``, in this process: the short lifetime is the
real bound on a replay). Without ``cds_issuers`` a call is accepted only when no tokens are
configured either (a service on loopback, for trying it out).
"""

from __future__ import annotations

import json
import time
from datetime import date
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .guards import bearer
from .problems import HttpError
from .rendering import Prefill, prefill_from_record
from .routes import renderer, settings

SERVICE_ID = "encounter-discharge"
ALGORITHMS = ["ES384", "RS384"]
PREFILL_SECONDS = 8 * 3600
JWT_SECONDS = 300  # the longest a JWT may live, and the oldest its iat may be (CDS Hooks)
CLOCK_SKEW = 30
MAX_SUMMARY = 139
DISCOVERY = {
    "services": [
        {
            "hook": "encounter-discharge",
            "id": SERVICE_ID,
            "title": "Discharge handout",
            "description": "A personal, printable discharge handout for the patient's procedure, to review and print.",
            "prefetch": {
                "patient": "Patient/{{context.patientId}}",
                "encounter": "Encounter/{{context.encounterId}}",
                "procedures": "Procedure?patient={{context.patientId}}&encounter={{context.encounterId}}",
            },
        }
    ]
}


class Replays:
    """The ``jti`` of the calls whose JWT has not expired, so that a captured one cannot be sent
    again. Bounded: when full of unexpired ones, calls are refused (503) until some expire."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._seen: dict[str, float] = {}

    def first_time(self, jti: str, expires: float) -> bool:
        now = time.time()
        if jti in self._seen and self._seen[jti] >= now:
            return False
        if len(self._seen) >= self.size:
            self._seen = {k: v for k, v in self._seen.items() if v >= now}
            if len(self._seen) >= self.size:
                raise HttpError(503, None, "service: too many calls; try again", {"retry-after": "30"})
        self._seen[jti] = expires
        return True


def read_prefill(sealer: Fernet, token: str) -> dict[str, str]:
    """The form's fields in a CDS card's prefill token; none when it is bad, altered or old."""
    try:
        values = json.loads(sealer.decrypt(token.encode("ascii", "replace"), ttl=PREFILL_SECONDS))
    except (InvalidToken, ValueError):
        return {}
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else {}


def _base(request: Request) -> str:
    """``public_url``; without it (loopback, no CDS clients), the address the server is bound to."""
    configured = settings(request).config.service.public_url
    if configured:
        return configured.rstrip("/")
    host, port = request.scope["server"]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def verify(request: Request) -> str:
    """The caller's issuer, once its JWT is verified; a 401 otherwise."""
    service = settings(request).config.service
    token = bearer(request.scope)
    if not service.cds_issuers:
        if service.tokens:
            raise HttpError(401, "authorization", "authorization: no CDS Hooks clients are configured (cds_issuers)")
        return "anonymous"
    if token is None:
        raise HttpError(401, "authorization", "authorization: give a signed JWT bearer")
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        keys = {i.issuer: i.key_pem for i in service.cds_issuers}
        if not isinstance(issuer, str) or issuer not in keys:
            raise HttpError(401, "authorization", "authorization: the JWT's issuer is not allowed")
        claims = jwt.decode(
            token,
            keys[issuer],
            algorithms=ALGORITHMS,
            audience=f"{_base(request)}/cds-services/{SERVICE_ID}",
            issuer=issuer,
            options={"require": ["exp", "iat", "jti", "iss", "aud"]},
            leeway=CLOCK_SKEW,
        )
    except jwt.PyJWTError as exc:
        raise HttpError(401, "authorization", f"authorization: the JWT is not valid ({type(exc).__name__})") from None
    expires, issued = float(claims["exp"]), float(claims["iat"])
    if expires - issued > JWT_SECONDS or issued < time.time() - JWT_SECONDS - CLOCK_SKEW:
        raise HttpError(401, "authorization", f"authorization: a JWT must live at most {JWT_SECONDS} s")
    if not request.app.state.replays.first_time(f"{issuer}|{claims['jti']}", expires + CLOCK_SKEW):
        raise HttpError(401, "authorization", "authorization: this JWT was used before")
    return issuer


async def discovery(request: Request) -> Response:
    return JSONResponse(DISCOVERY)


def _bundle(prefetch: dict[str, Any]) -> bytes:
    """The prefetched resources as one collection Bundle, as the FHIR reader takes them. A
    reference to a resource that was not prefetched (the Encounter's Organization) keeps its
    display text only: this service fetches nothing, and the reader refuses dangling references."""
    resources = []
    for value in prefetch.values():
        found = [e.get("resource") for e in value.get("entry", [])] if _is(value, "Bundle") else [value]
        resources += [r for r in found if isinstance(r, dict)]
    present = {f"{r.get('resourceType')}/{r.get('id')}" for r in resources}
    entries = [{"resource": _without_dangling(r, present)} for r in resources]
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def _without_dangling(value: Any, present: set[str]) -> Any:
    if isinstance(value, list):
        return [_without_dangling(item, present) for item in value]
    if not isinstance(value, dict):
        return value
    kept = {key: _without_dangling(item, present) for key, item in value.items()}
    target = kept.get("reference")
    if isinstance(target, str) and not target.startswith("#") and target.split("/_history")[0] not in present:
        del kept["reference"]
    return kept


def _is(value: object, kind: str) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == kind


def card(prefill: Prefill, link: str) -> dict[str, Any]:
    ends = dict(prefill.ends)
    summary = f"Discharge handout ready: {prefill.title.lower()}"
    if "lifting" in ends:
        day = date.fromisoformat(ends["lifting"])
        summary += f", lifting limit ends {day:%A, %B} {day.day}, {day.year}"
    return {
        "summary": summary[:MAX_SUMMARY],
        "indicator": "info",
        "detail": "Review the handout's facts, preview it, then print it or give it to the patient.",
        "source": {"label": "dischargegen"},
        "links": [{"label": "Open the discharge handout", "url": link, "type": "absolute"}],
    }


async def call(request: Request) -> Response:
    user = verify(request)
    request.scope["state"]["user"] = user
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise HttpError(400, "request", "request: not valid JSON") from None
    if not isinstance(body, dict) or body.get("hook") != "encounter-discharge":
        raise HttpError(400, "hook", "hook: this service answers encounter-discharge")
    prefetch = body.get("prefetch")
    if not isinstance(prefetch, dict) or not all(isinstance(v, dict) for v in prefetch.values()):
        raise HttpError(
            412, "prefetch", "prefetch: give the patient, encounter and procedures (this service fetches nothing)"
        )
    prefill = await renderer(request).run(prefill_from_record, _bundle(prefetch))
    token = request.app.state.prefill.encrypt(json.dumps(prefill.values).encode()).decode("ascii")
    return JSONResponse({"cards": [card(prefill, f"{_base(request)}/?prefill={token}")]})


def cds_routes() -> list[Route]:
    return [
        Route("/cds-services", discovery, methods=["GET"]),
        Route(f"/cds-services/{SERVICE_ID}", call, methods=["POST"]),
    ]
