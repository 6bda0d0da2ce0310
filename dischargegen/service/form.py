"""The nurse web form at ``/``: server-rendered HTML (Jinja2), usable without JavaScript.

One form holds the handout's facts; its buttons post them to ``/preview`` (the pages as
images beside the form), ``/download`` (the PDF) or ``/print`` (a CUPS queue). Nothing is kept
on the server between requests: each post carries the facts again. A field error is shown
beside its field, in the library's words. With tokens configured the form is behind ``/login``;
every post carries a CSRF token signed for the user.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from babel import Locale, UnknownLocaleError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import api
from ..errors import DischargeError
from .cds import read_prefill
from .guards import token_id, token_user
from .problems import HttpError
from .rendering import Made, from_facts
from .routes import pdf_response, record, renderer, settings
from .sessions import COOKIE, Keys, csrf_token, csrf_valid, derive, session_cookie, session_user

HERE = Path(__file__).resolve().parent
TEXT_FIELDS = ("name", "dob", "mrn", "date", "level", "cause", "surgeon", "follow_up_with", "language", "procedure")
MEDICINE_ROWS = 4
MAX_FIELDS = 200
PREVIEW_DPI = 80
# Where a library error's field is shown: the form field it belongs to.
ERROR_HOMES = {"no_restriction": "restrictions", "restriction": "restrictions", "medications": "medications"}
LABELS = {
    "name": "Patient name", "dob": "Date of birth", "mrn": "MRN", "date": "Procedure date", "level": "Level treated",
    "cause": "Cause", "surgeon": "Surgeon", "follow_up": "Follow-up visit", "follow_up_with": "Follow-up visit with",
    "language": "Language", "restrictions": "Restrictions", "medications": "Medicines", "printer": "Printer",
    "copies": "Copies", "procedure": "Procedure",
}  # fmt: skip
_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
)


class Row(NamedTuple):
    """One restriction as the form shows it: the default in force and where it comes from."""

    kind: str
    limit: str
    duration: str
    words: str  # "10 lb (4.5 kg) for 6 weeks"
    source: str
    origin: str


def _key(request: Request) -> bytes:
    keys: Keys = request.app.state.keys
    return keys.sign


def _user(request: Request) -> str | None:
    """The signed-in user; "anonymous" when no tokens are configured (loopback only)."""
    tokens = settings(request).config.service.tokens
    if not tokens:
        return "anonymous"
    return session_user(_key(request), request.cookies.get(COOKIE), frozenset(token_id(t) for t in tokens))


def _procedure(request: Request, wanted: str | None) -> Any:
    catalog = settings(request).catalog
    return catalog.get(wanted) if wanted in catalog.procedures else catalog.get("kyphoplasty")


def rows(request: Request, procedure: Any) -> list[Row]:
    current = settings(request)
    units = current.config.facility.units
    found = []
    for d in api.restriction_defaults(procedure, current.config).values():
        words = api.default_words(d, units)
        found.append(Row(d.kind, str(d.limit or ""), str(d.duration), words, d.source, api.default_origin(d)))
    return found


def language_name(code: str) -> str:
    try:
        return f"{Locale.parse(code.replace('-', '_')).get_display_name('en')} ({code})"
    except (ValueError, UnknownLocaleError):
        return code


def facts_of(form: Mapping[str, str], defaults: list[Row]) -> tuple[dict[str, Any], bool]:
    """The facts a posted form gives: only the restrictions the nurse changed are sent as changes."""
    facts: dict[str, Any] = {key: form[key].strip() for key in TEXT_FIELDS if form.get(key, "").strip()}
    if form.get("follow_up", "").strip():
        facts["follow_up"] = form["follow_up"].strip().replace("T", " ")
    changed: list[str | dict[str, str]] = []
    left_out: list[str] = []
    for row in defaults:
        if form.get(f"omit_{row.kind}"):
            left_out.append(row.kind)
            continue
        limit = form.get(f"limit_{row.kind}", row.limit).strip()
        duration = form.get(f"duration_{row.kind}", row.duration).strip()
        if (limit, duration) != (row.limit, row.duration):
            changed.append(f"{row.kind}={limit}:{duration}" if row.limit else f"{row.kind}={duration}")
    if form.get("custom_text", "").strip():
        changed.append({"text": form["custom_text"].strip(), "duration": form.get("custom_duration", "").strip()})
    if changed:
        facts["restrictions"] = changed
    if left_out:
        facts["no_restrictions"] = left_out
    medicines = []
    for index in range(MEDICINE_ROWS):
        parts = {part: form.get(f"med{index}_{part}", "").strip() for part in ("name", "dose", "when", "purpose")}
        if any(parts.values()):
            medicines.append({key: value for key, value in parts.items() if value})
    if medicines:
        facts["medications"] = medicines
    return facts, bool(form.get("large_print"))


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    user = _user(request) or "anonymous"
    html = _ENVIRONMENT.get_template(name).render(
        csrf=csrf_token(_key(request), user), signed_in=bool(settings(request).config.service.tokens), **context
    )
    return HTMLResponse(html, status_code=status)


def form_page(
    request: Request,
    values: Mapping[str, str],
    *,
    errors: Mapping[str, str] | None = None,
    previews: list[str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    current = settings(request)
    procedure = _procedure(request, values.get("procedure"))
    return page(
        request,
        "form.html",
        status,
        values={"date": date.today().isoformat(), "language": "en", **values, "procedure": procedure.id},
        procedure=procedure,
        procedures=sorted(current.catalog.procedures.values(), key=lambda p: p.id),
        languages=[(code, language_name(code)) for code in procedure.languages],
        rows=rows(request, procedure),
        medicine_rows=range(MEDICINE_ROWS),
        errors=errors or {},
        labels=LABELS,
        previews=previews or [],
        printers=request.app.state.printers,
        notice=notice,
    )


async def _posted(request: Request) -> dict[str, str]:
    """The posted fields, once the user and the CSRF token are checked."""
    user = _user(request)
    if user is None:
        raise HttpError(401, None, "sign in first")
    form: FormData = await request.form(max_files=0, max_fields=MAX_FIELDS)
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    if not csrf_valid(_key(request), user, values.get("csrf")):
        raise HttpError(403, "csrf", "the form has expired or did not come from this site: reload it")
    request.scope["state"]["user"] = user
    return values


async def _make(request: Request, values: Mapping[str, str]) -> Made | HTMLResponse:
    """The handout of the posted form, or the form again with the error beside its field."""
    procedure = _procedure(request, values.get("procedure"))
    facts, large_print = facts_of(values, rows(request, procedure))
    try:
        return await renderer(request).run(from_facts, facts, large_print, "pdf")
    except HttpError as exc:
        if exc.status != 422:
            raise
        field = (exc.field or "form").split("[")[0].split(".")[0]
        home = ERROR_HOMES.get(field, field if field in (*TEXT_FIELDS, "follow_up") else "form")
        message = exc.message.removeprefix(f"{exc.field}: ") if home != "form" else exc.message
        return form_page(request, values, errors={home: message}, status=422)


async def show(request: Request) -> Response:
    if _user(request) is None:
        return RedirectResponse("/login", status_code=303)
    values: dict[str, str] = {}
    if request.query_params.get("procedure"):
        values["procedure"] = request.query_params["procedure"]
    if request.query_params.get("prefill"):
        values.update(read_prefill(request.app.state.prefill, request.query_params["prefill"]))
    return form_page(request, values)


async def preview(request: Request) -> Response:
    values = await _posted(request)
    made = await _make(request, values)
    if isinstance(made, HTMLResponse):
        return made
    record(request, made, "form-preview")
    try:
        images = await asyncio.to_thread(api.page_images, made.pdf, dpi=PREVIEW_DPI)
    except DischargeError:
        return form_page(request, values, notice="The preview needs poppler-utils on the server; use Download PDF.")
    previews = ["data:image/png;base64," + base64.b64encode(image).decode("ascii") for image in images]
    return form_page(request, values, previews=previews)


async def download(request: Request) -> Response:
    values = await _posted(request)
    made = await _make(request, values)
    if isinstance(made, HTMLResponse):
        return made
    record(request, made, "form-download")
    return pdf_response(made)


async def print_handout(request: Request) -> Response:
    values = await _posted(request)
    printers: list[str] = request.app.state.printers
    if values.get("printer") not in printers:
        return form_page(request, values, errors={"printer": "choose one of the printers listed"}, status=422)
    copies = values.get("copies", "1")
    if not (copies.isascii() and copies.isdigit()) or not 1 <= int(copies) <= 9:
        return form_page(request, values, errors={"copies": "a number from 1 to 9"}, status=422)
    made = await _make(request, values)
    if isinstance(made, HTMLResponse):
        return made
    try:
        job = await asyncio.to_thread(api.print_pdf, made.pdf, printer=values["printer"], copies=int(copies))
    except DischargeError as exc:
        return form_page(request, values, errors={"printer": str(exc)}, status=502)
    record(request, made, "form-print")
    return form_page(request, values, notice=f"Sent to {values['printer']}: job {job}.")


async def login(request: Request) -> Response:
    if request.method == "GET":
        return page(request, "login.html", error=None)
    form = await request.form(max_files=0, max_fields=5)
    key = _key(request)
    token = form.get("token")
    if not csrf_valid(key, "anonymous", str(form.get("csrf", ""))):
        return page(request, "login.html", 403, error="The sign-in form expired: try again.")
    user = token_user(token, settings(request).config.service.tokens) if isinstance(token, str) and token else None
    if user is None:
        return page(request, "login.html", 401, error="That token is not valid.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, session_cookie(key, user), httponly=True, samesite="strict", secure=_secure(request))
    return response


def _secure(request: Request) -> bool:
    """Whether the cookie is ``Secure``: behind https, or whenever tokens guard more than loopback."""
    return request.url.scheme == "https" or bool(request.app.state.secure_cookie)


async def logout(request: Request) -> Response:
    await _posted(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=_secure(request))
    return response


async def stylesheet(request: Request) -> Response:
    return FileResponse(HERE / "static" / "form.css", media_type="text/css", headers={"cache-control": "max-age=3600"})


def form_routes() -> list[Route]:
    return [
        Route("/", show, methods=["GET"]),
        Route("/preview", preview, methods=["POST"]),
        Route("/download", download, methods=["POST"]),
        Route("/print", print_handout, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/static/form.css", stylesheet, methods=["GET"]),
    ]


def printers_offered(configured: tuple[str, ...]) -> list[str]:
    return list(configured) or api.printer_names()


def form_keys(service: api.ServiceSettings, secret: str) -> Keys:
    """The keys of the sessions, CSRF tokens and prefill links (see :mod:`.sessions`)."""
    return derive(service.session_secret if service.tokens else secret)
