"""Making handouts off the event loop: a pool of worker processes, each of which loads the
settings, templates and fonts once and warms up with one handout before it takes requests.

The jobs return plain tuples (:class:`Made` or :class:`Failed`) that cross the process boundary
whole; an error is turned into its one line (naming the field, never a value) in the worker,
and any other exception into a 500 that names only its type. A job that takes longer than the
config's ``render_timeout`` fails the request (503) and the pool, with its stuck worker, is
replaced, as it is when a worker dies. Beyond ``QUEUED`` jobs per worker waiting, a request is
refused at once (503).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .. import api
from ..errors import DischargeError, InputError, describe
from .problems import HttpError

# How a JSON request names each fact: as its key (for "give procedure and date" hints).
FACT_NAMES = {key: key for key in api.FACT_FIELDS}
QUEUED = 8  # jobs per rendering process that may wait; beyond them: 503
STOP_GRACE = 2.0  # seconds a replaced pool's workers have to finish their jobs
_log = logging.getLogger("dischargegen.service")


class Made(NamedTuple):
    """A handout made: the PDF, the write-back asked for, and what the audit line and a CDS card say."""

    pdf: bytes
    writeback: bytes | None
    procedure: str
    mrn: str | None
    document_id: str
    warnings: tuple[str, ...]


class Prefill(NamedTuple):
    """What a CDS Hooks card says of a record, and the form's fields filled from it."""

    procedure: str
    title: str
    ends: tuple[tuple[str, str], ...]
    values: dict[str, str]


class Failed(NamedTuple):
    status: int
    field: str | None
    message: str
    internal: str | None = None  # the type of an unexpected exception (logged; no message, no traceback)


_STATE: dict[str, Any] = {}
T = TypeVar("T")


def init_worker(config_path: str | None, templates_dir: str | None) -> None:
    """A worker's start: the settings and code map once, then what the first request would wait
    for (:func:`dischargegen.api.warm_up`)."""
    settings = api.load_settings(
        Path(config_path) if config_path else None, Path(templates_dir) if templates_dir else None
    )
    _STATE.update(settings=settings, codes=api.code_map(settings))
    api.warm_up(settings)


def guarded(job: Callable[..., T | Failed], *args: Any) -> T | Failed:
    """Run ``job`` in a worker: an unexpected exception comes back as a :class:`Failed` naming its
    type only (its message and traceback may hold patient data, and may not cross back whole)."""
    try:
        return job(*args)
    except Exception as exc:
        return Failed(500, None, "service: internal error", type(exc).__name__)


def _made(pdf: bytes, handout: api.Handout, writeback: bytes | None, options: api.RenderOptions) -> Made:
    identifier = api.document_id(handout, _STATE["settings"], options)
    return Made(
        pdf=pdf,
        writeback=writeback,
        procedure=handout.procedure,
        mrn=handout.patient.mrn,
        document_id=identifier.removeprefix("urn:uuid:"),
        warnings=handout.warnings,
    )


def _failure(exc: DischargeError) -> Failed:
    field = exc.field if isinstance(exc, InputError) else None
    status = 422 if isinstance(exc, InputError) else 500
    return Failed(status, field, describe(exc, FACT_NAMES))


def from_json(body: bytes, output: str) -> Made | Failed:
    """A JSON facts object -> the PDF, and with ``output="document-reference"`` a DocumentReference."""
    try:
        facts, large_print = api.read_facts_json(io.BytesIO(body))
    except DischargeError as exc:
        return _failure(exc)
    return from_facts(facts, large_print, output)


def from_facts(facts: Mapping[str, Any], large_print: bool, output: str) -> Made | Failed:
    """Facts -> the PDF, and with ``output="document-reference"`` a DocumentReference."""
    settings: api.Settings = _STATE["settings"]
    try:
        handout = api.make_handout(facts, settings)
        options = api.RenderOptions(large_print=large_print)
        pdf = api.render_pdf(handout, settings, options)
        document = output == "document-reference"
        writeback = api.document_reference_for(pdf, handout, settings, options) if document else None
        return _made(pdf, handout, writeback, options)
    except DischargeError as exc:
        return _failure(exc)


def from_record(data: bytes, kind: str, output: str, explicit: Mapping[str, Any]) -> Made | Failed:
    """A FHIR Bundle or HL7 v2 ADT^A03 -> the PDF and the write-back ``output`` names
    (``document-reference``, ``transaction``, ``mdm``; ``pdf`` for none)."""
    settings: api.Settings = _STATE["settings"]
    wants = api.wants(
        document_reference=output == "document-reference", bundle_out=output == "transaction", mdm=output == "mdm"
    )
    options = api.RenderOptions()
    try:
        out = api.convert(data, api.InputKind(kind), settings, explicit, options, wants, codes=_STATE["codes"])
    except DischargeError as exc:
        return _failure(exc)
    writeback = out.document_reference or out.bundle or out.mdm
    return _made(out.pdf, out.handout, writeback, options)


def prefill_from_record(data: bytes) -> Prefill | Failed:
    """A FHIR Bundle -> the handout's facts as the form's fields (nothing is rendered)."""
    settings: api.Settings = _STATE["settings"]
    try:
        record = api.read_record(data, api.InputKind.FHIR, _STATE["codes"], {})
        handout = api.handout_from_record(record, {}, settings)
    except DischargeError as exc:
        return _failure(exc)
    given = {
        "procedure": handout.procedure,
        "name": handout.patient.name,
        "dob": handout.patient.dob.isoformat() if handout.patient.dob else "",
        "mrn": handout.patient.mrn or "",
        "date": handout.procedure_date.isoformat(),
        "level": handout.level or "",
        "cause": str(handout.cause or ""),
        "surgeon": handout.surgeon or "",
        "follow_up": handout.follow_up.strftime("%Y-%m-%dT%H:%M") if handout.follow_up else "",
        "follow_up_with": handout.follow_up_with or "",
        "language": handout.language,
    }
    return Prefill(
        handout.procedure,
        settings.catalog.get(handout.procedure).title,
        tuple((r.kind, r.ends.isoformat()) for r in handout.restrictions),
        {key: value for key, value in given.items() if value},
    )


class Renderer:
    """The pool, sized to the cores (shared by the uvicorn workers), and the time a job may take."""

    def __init__(self, workers: int, timeout: float, config_path: str | None, templates_dir: str | None) -> None:
        self.workers = workers
        self.timeout = timeout
        self._initargs = (config_path, templates_dir)
        self._pool: ProcessPoolExecutor | None = None
        self._jobs = 0  # sent and not yet answered
        self._replacing = False
        self._stopping: set[asyncio.Future[None]] = set()

    @classmethod
    def sized(cls, uvicorn_workers: int, **kwargs: Any) -> Renderer:
        """One rendering process per core, the cores shared among the uvicorn workers."""
        return cls(max(1, api.default_jobs() // max(1, uvicorn_workers)), **kwargs)

    def _started(self) -> ProcessPoolExecutor:
        pool = api.worker_pool(self.workers, init_worker, self._initargs)
        # Start every worker now (each warms up), not on the first requests.
        for future in [pool.submit(os.getpid) for _ in range(self.workers)]:
            future.result()
        return pool

    def start(self) -> None:
        self._pool = self._started()

    def stop(self) -> None:
        if self._pool is not None:
            api.stop_pool(self._pool, grace=5.0)
            self._pool = None

    async def run(self, job: Callable[..., T | Failed], *args: Any) -> T:
        """Run ``job`` in the pool; a :class:`HttpError` for a failure, a time-out, a dead worker
        or a full queue."""
        pool = self._pool
        if pool is None:
            raise HttpError(503, None, "service: not started")
        if self._jobs >= self.workers * (QUEUED + 1):
            raise HttpError(503, None, "service: busy; try again", {"retry-after": "1"})
        self._jobs += 1
        try:
            result = await self._wait(pool, job, args)
        finally:
            self._jobs -= 1
        if isinstance(result, Failed):
            if result.internal:
                _log.error("rendering: internal error (%s)", result.internal)
            raise HttpError(result.status, result.field, result.message)
        return result

    async def _wait(self, pool: ProcessPoolExecutor, job: Callable[..., T | Failed], args: Any) -> T | Failed:
        future = asyncio.get_running_loop().run_in_executor(pool, partial(guarded, job, *args))
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            await self._replace(pool)
            raise HttpError(503, None, f"service: the handout took longer than {self.timeout:g} s; try again") from None
        except BrokenProcessPool:
            await self._replace(pool)
            raise HttpError(503, None, "service: a rendering process ended; try again") from None
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this request was cancelled
            raise HttpError(503, None, "service: the rendering processes were replaced; try again") from None

    async def _replace(self, old: ProcessPoolExecutor) -> None:
        """A new pool for ``old`` (once, however many jobs report it); ``old`` is stopped aside,
        its stuck worker terminated after :data:`STOP_GRACE`."""
        if self._replacing or self._pool is not old:
            return
        self._replacing = True
        try:
            self._pool = await asyncio.to_thread(self._started)
        finally:
            self._replacing = False
        stopping = asyncio.ensure_future(asyncio.to_thread(api.stop_pool, old, STOP_GRACE))
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)
