"""``dischargegen serve``: the nurse web form, the HTTP API, the MLLP listener and CDS Hooks.

Everything here goes through :mod:`dischargegen.api` and :mod:`dischargegen.errors`, like the
command line. The modules, by what they hold:

- ``options``: what ``serve`` was asked to run, passed to every uvicorn worker
- ``server``: the checks before binding, uvicorn, and the MLLP listener beside it
- ``app``: the Starlette application (routes, middleware, start and stop)
- ``rendering``: the process pool that makes handouts off the event loop
- ``guards``: request ids, authentication, size and rate limits, body timeouts, security headers
- ``problems``: errors as JSON or as a FHIR OperationOutcome
- ``logs``: the access log (request id only) and the audit log (one line per handout)
- ``routes``: the HTTP API (``/api/v1``) and ``openapi``: its OpenAPI document
- ``form`` and ``sessions``: the nurse web form, its login and CSRF tokens
- ``mllp``: ADT^A03 in over MLLP, ACK out, the PDF and MDM^T02 to an outbox or downstream
- ``cds``: the CDS Hooks service ``encounter-discharge``
"""
