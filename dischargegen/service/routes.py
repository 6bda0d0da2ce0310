"""The HTTP API, ``/api/v1``: handouts from JSON facts, a FHIR Bundle or an HL7 v2 ADT^A03;
the procedures with their defaults; the service's health. See :mod:`.openapi` for the contract."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import __version__, api
from .logs import audit
from .problems import FHIR_JSON, HttpError
from .rendering import Made, Renderer, from_json, from_record

PDF = "application/pdf"
HL7 = "x-application/hl7-v2+er7"
OUTPUTS = ("pdf", "document-reference", "transaction")


def renderer(request: Request) -> Renderer:
    found: Renderer = request.app.state.renderer
    return found


def settings(request: Request) -> api.Settings:
    found: api.Settings = request.app.state.settings
    return found


def record(request: Request, made: Made, door: str) -> None:
    """The audit line for a handout made for this request."""
    audit(
        made,
        request_id=request.scope["state"]["request_id"],
        door=door,
        user=request.scope["state"].get("user", "anonymous"),
        key=settings(request).config.service.audit_key,
    )


def pdf_response(made: Made, *, inline: bool = False) -> Response:
    """The PDF, named by procedure and document id (no patient data in a file name)."""
    disposition = "inline" if inline else "attachment"
    headers = {
        "content-disposition": f'{disposition}; filename="{made.procedure}-{made.document_id[:8]}.pdf"',
        "cache-control": "no-store",
        "x-document-id": made.document_id,
    }
    if made.warnings:
        headers["x-handout-warnings"] = " | ".join(made.warnings).encode("ascii", "replace").decode("ascii")[:1000]
    return Response(made.pdf, media_type=PDF, headers=headers)


def wants_fhir(request: Request) -> bool:
    return FHIR_JSON in request.headers.get("accept", "")


async def health(request: Request) -> Response:
    return JSONResponse(
        {"status": "ok", "version": __version__, "render_workers": renderer(request).workers},
        headers={"cache-control": "no-store"},
    )


async def procedures(request: Request) -> Response:
    current = settings(request)
    units = current.config.facility.units
    listed: list[dict[str, Any]] = []
    for procedure in sorted(current.catalog.procedures.values(), key=lambda p: p.id):
        listed.append(
            {
                "id": procedure.id,
                "title": procedure.title,
                "version": procedure.version,
                "languages": list(procedure.languages),
                "causes": list(procedure.causes),
                "restrictions": [
                    {
                        "kind": d.kind,
                        "limit": str(d.limit) if d.limit else None,
                        "limit_words": api.limit_words(d.limit, units) if d.limit else None,
                        "duration": str(d.duration),
                        "duration_words": api.duration_words(d.duration),
                        "origin": str(d.origin),
                        "source": d.source,
                    }
                    for d in api.restriction_defaults(procedure, current.config).values()
                ],
            }
        )
    return JSONResponse({"procedures": listed})


async def handouts(request: Request) -> Response:
    output = "document-reference" if wants_fhir(request) else "pdf"
    made = await renderer(request).run(from_json, await request.body(), output)
    record(request, made, "api")
    if output == "document-reference" and made.writeback is not None:
        return Response(made.writeback, media_type=FHIR_JSON, headers={"x-document-id": made.document_id})
    return pdf_response(made)


async def fhir_bundle(request: Request) -> Response:
    output = request.query_params.get("output") or ("document-reference" if wants_fhir(request) else "pdf")
    if output not in OUTPUTS:
        raise HttpError(400, "output", f"output: must be one of {', '.join(OUTPUTS)}")
    made = await renderer(request).run(from_record, await request.body(), "fhir", output, {})
    record(request, made, "fhir")
    if made.writeback is not None:
        return Response(made.writeback, media_type=FHIR_JSON, headers={"x-document-id": made.document_id})
    return pdf_response(made)


async def hl7(request: Request) -> Response:
    output = "mdm" if "hl7-v2" in request.headers.get("accept", "") else "pdf"
    made = await renderer(request).run(from_record, await request.body(), "hl7", output, {})
    record(request, made, "hl7")
    if made.writeback is not None:
        return Response(made.writeback, media_type=HL7, headers={"x-document-id": made.document_id})
    return pdf_response(made)
