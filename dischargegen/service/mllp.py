"""The MLLP listener: HL7 v2 ADT^A03 messages in, an ACK out for each, and the handout's PDF and
MDM^T02 written to the config's ``outbox`` folder and/or sent on to its ``forward`` host.

- AA: the handout was made and delivered. AE: the message lacks what the handout needs or has
  a bad value (MSA-3 and ERR name the field, never the value), or the delivery failed. AR: the
  message is not an ADT^A03 or cannot be read at all, or the service is busy.
- Each connection is served on its own: a torn frame (a start block with no end, bytes outside
  a frame, a frame over the size limit, a silent peer) closes or resynchronises that
  connection only. Frames are bounded by the config's ``max_request_bytes``.
- Files are named by the document id (no patient data in a file name) and written atomically.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from pathlib import Path

from hl7.mllp import InvalidBlockError, open_hl7_connection, start_hl7_server
from hl7.mllp.streams import HL7StreamReader, HL7StreamWriter

from .. import api
from ..errors import OutputError
from .logs import audit
from .problems import HttpError
from .rendering import Made, Renderer, from_record

IDLE_SECONDS = 300.0  # a connection that sends nothing for this long is closed
FORWARD_SECONDS = 30.0
VT = b"\x0b"
_access = logging.getLogger("dischargegen.access")
_log = logging.getLogger("dischargegen.service")


async def start_listener(host: str, port: int, renderer: Renderer, settings: api.Settings) -> asyncio.Server:
    service = settings.config.service

    async def connected(reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        try:
            while True:
                try:
                    block = await asyncio.wait_for(reader.readblock(), IDLE_SECONDS)
                except InvalidBlockError:  # bytes outside a frame, up to the next end block: skipped
                    writer.writeblock(api.ack(b"", "AR", "MLLP: a frame without its start block"))
                    await writer.drain()
                    continue
                except ValueError:  # over the limit: the rest of the stream cannot be trusted
                    writer.writeblock(api.ack(b"", "AR", "MLLP: message larger than the limit"))
                    await writer.drain()
                    break
                # A torn frame followed by a whole one reads as one block: keep the last frame.
                block = block[block.rfind(VT) + 1 :]
                writer.writeblock(await answer(block, renderer, settings))
                await writer.drain()
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass  # the peer went away or fell silent mid-frame: this connection only
        except Exception as exc:  # logged without detail: it may hold message content
            _log.error("MLLP connection: internal error (%s)", type(exc).__name__)
        finally:
            writer.close()

    server: asyncio.Server = await start_hl7_server(
        connected, host, port, limit=service.max_request_bytes, reuse_port=True, encoding="latin-1"
    )
    return server


async def answer(message: bytes, renderer: Renderer, settings: api.Settings) -> bytes:
    """The ACK for one message, after its handout is made and delivered."""
    request_id = secrets.token_hex(8)
    started = time.perf_counter()
    code, text, field = "AA", "", None
    try:
        made = await renderer.run(from_record, message, "hl7", "mdm", {})
        await deliver(made, settings.config.service)
        audit(
            request_id=request_id,
            door="mllp",
            user="mllp",
            procedure=made.procedure,
            mrn=made.mrn,
            document_id=made.document_id,
            key=settings.config.service.audit_key,
        )
    except HttpError as exc:
        field = exc.field
        code = "AR" if exc.status == 503 or (field or "").startswith(("MSH", "input")) else "AE"
        text = exc.message
    _access.info("%s MLLP ADT^A03 %s %.0fms", request_id, code, (time.perf_counter() - started) * 1000)
    return api.ack(message, code, text, field)


async def deliver(made: Made, service: api.ServiceSettings) -> None:
    """The PDF and MDM^T02 to the outbox, then the MDM^T02 downstream; an AE when either fails."""
    assert made.writeback is not None
    if service.outbox is not None:
        outbox: Path = service.outbox
        stem = f"{made.procedure}-{made.document_id}"
        try:
            await asyncio.to_thread(api.write_atomic, outbox / f"{stem}.pdf", made.pdf)
            await asyncio.to_thread(api.write_atomic, outbox / f"{stem}.mdm.hl7", made.writeback)
        except OutputError:
            raise HttpError(500, None, "outbox: the handout could not be written") from None
    if service.forward is not None:
        host, port = service.forward
        try:
            await asyncio.wait_for(forward(host, port, made.writeback), FORWARD_SECONDS)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, InvalidBlockError, ValueError):
            raise HttpError(500, None, "forward: the downstream system did not accept the MDM^T02") from None


async def forward(host: str, port: int, mdm: bytes) -> None:
    reader, writer = await open_hl7_connection(host, port, encoding="latin-1")
    try:
        writer.writeblock(mdm)
        await writer.drain()
        reply = await reader.readblock()
        if b"MSA|AA" not in reply and b"MSA|CA" not in reply:
            raise ValueError("not accepted")
    finally:
        writer.close()
