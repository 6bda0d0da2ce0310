"""The OpenAPI 3.1 document of the HTTP API, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from .. import __version__, api


def _error(description: str, fhir: bool = False) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/OperationOutcome" if fhir else "#/components/schemas/Error"}
    return {
        "description": description,
        "content": {"application/fhir+json" if fhir else "application/json": {"schema": schema}},
    }


def _errors(fhir: bool = False) -> dict[str, Any]:
    return {
        "401": _error("No valid bearer token (when tokens are configured)", fhir),
        "413": _error("The request is larger than the config's max_request_bytes", fhir),
        "422": _error("A fact is missing or invalid: the error names the field, never its value", fhir),
        "429": _error("Too many requests from this client (rate_per_minute)", fhir),
        "503": _error("The handout took longer than render_timeout, or a rendering process ended", fhir),
    }


PDF = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


def document() -> dict[str, Any]:
    facts = {name: {"type": ["string", "array"] if name.endswith("s") else "string"} for name in api.FACT_FIELDS}
    return {
        "openapi": "3.1.0",
        "info": {"title": "dischargegen", "version": __version__, "description": "Personal discharge handouts (PDF)."},
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Facts": {
                    "type": "object",
                    "description": "One handout's facts; the keys are the long option names of `dischargegen make`.",
                    "properties": {**facts, "large_print": {"type": "boolean"}},
                    "required": ["name", "date"],
                    "additionalProperties": False,
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "status": {"type": "integer"},
                                "field": {"type": "string"},
                                "message": {"type": "string"},
                                "request_id": {"type": "string"},
                            },
                        }
                    },
                },
                "OperationOutcome": {"type": "object", "description": "FHIR R4 OperationOutcome"},
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/handouts": {
                "post": {
                    "summary": "JSON facts -> the PDF, or a DocumentReference with Accept: application/fhir+json",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Facts"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The handout",
                            "content": {**PDF, "application/fhir+json": {"schema": {"type": "object"}}},
                        },
                        **_errors(),
                    },
                }
            },
            "/fhir/Bundle": {
                "post": {
                    "summary": "A FHIR R4 Bundle -> the PDF, a DocumentReference or a transaction Bundle",
                    "parameters": [
                        {
                            "name": "output",
                            "in": "query",
                            "schema": {"enum": ["pdf", "document-reference", "transaction"]},
                            "description": "Default: document-reference with Accept: application/fhir+json, else pdf",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/fhir+json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The handout",
                            "content": {**PDF, "application/fhir+json": {"schema": {"type": "object"}}},
                        },
                        **_errors(fhir=True),
                    },
                }
            },
            "/hl7": {
                "post": {
                    "summary": "An HL7 v2 ADT^A03 -> the PDF, or an MDM^T02 with Accept: x-application/hl7-v2+er7",
                    "requestBody": {
                        "required": True,
                        "content": {"x-application/hl7-v2+er7": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The handout",
                            "content": {**PDF, "x-application/hl7-v2+er7": {"schema": {"type": "string"}}},
                        },
                        **_errors(),
                    },
                }
            },
            "/procedures": {
                "get": {
                    "summary": "The procedures, each restriction default with its source",
                    "responses": {"200": {"description": "The list"}},
                }
            },
            "/health": {
                "get": {
                    "summary": "Whether the service runs (no token needed)",
                    "security": [],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
    }
