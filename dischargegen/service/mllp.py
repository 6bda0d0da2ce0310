"""The MLLP listener: HL7 v2 ADT^A03 messages in, an ACK out for each, and the handout's PDF and
MDM^T02 written to the config's ``outbox`` folder and/or sent on to its ``forward`` host.

- AA: the handout was made and delivered. AE: the message lacks what the handout needs or has
  a bad value (MSA-3 and ERR name the field, never the value), the delivery failed, or the
  service failed. AR: the message is not an ADT^A03 or cannot be read at all, or the service is
  busy.
- Who may send: the listener binds loopback unless the config lists ``mllp_peers``; a peer not
  listed (or over ``mllp_connections`` in all, or ``PER_PEER`` of its own) is closed unread.
- Each connection is served on its own: a torn frame (a start block with no end, bytes outside
  a frame, a frame over ``mllp_max_bytes``, a frame not whole within ``body_timeout`` of its
  first byte, a silent peer) closes or resynchronises that connection only.
- Files are named by the document id (no patient data in a file name) and written atomically.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import time
from collections import Counter
from pathlib import Path

from hl7.mllp import InvalidBlockError, open_hl7_connection

from .. import api
from ..errors import OutputError
from .logs import audit
from .problems import HttpError
from .rendering import Made, Renderer, from_record

IDLE_SECONDS = 300.0  # a connection that sends nothing for this long is closed
FORWARD_SECONDS = 30.0
PER_PEER = 4  # open connections from one address
VT, EB = b"\x0b", b"\x1c\r"
_access = logging.getLogger("dischargegen.access")
_log = logging.getLogger("dischargegen.service")


def listen_on(host: str, service: api.ServiceSettings) -> str:
    """The address to bind: ``host`` when the senders are listed, else loopback."""
    return host if service.mllp_peers else "127.0.0.1"


def allowed(peer: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        address = ipaddress.ip_address(peer.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks) if networks else address.is_loopback


async def read_frame(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """The next frame's content: after any wait for its first byte, it must be whole in ``seconds``."""
    first = await asyncio.wait_for(reader.readexactly(1), IDLE_SECONDS)
    async with asyncio.timeout(seconds):
        block = first + await reader.readuntil(EB)
    start = block.rfind(VT)  # a torn frame followed by a whole one: keep the last frame
    if start < 0:
        raise InvalidBlockError("no start block")
    return block[start + 1 : -len(EB)]


async def start_listener(host: str, port: int, renderer: Renderer, settings: api.Settings) -> asyncio.Server:
    service = settings.config.service
    networks = [ipaddress.ip_network(p) for p in service.mllp_peers]
    open_from: Counter[str] = Counter()

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = str((writer.get_extra_info("peername") or ("?",))[0])
        if not allowed(peer, networks):
            why = "not in mllp_peers"
        elif sum(open_from.values()) >= service.mllp_connections:
            why = "mllp_connections reached"
        elif open_from[peer] >= PER_PEER:
            why = f"{PER_PEER} connections from this peer"
        else:
            why = ""
        if why:
            _log.warning("MLLP connection from %s refused: %s", peer, why)
            writer.transport.abort()  # closed unread
            return
        open_from[peer] += 1
        try:
            await serve_connection(reader, writer)
        finally:
            open_from[peer] -= 1
            if not open_from[peer]:
                del open_from[peer]

    async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    message = await read_frame(reader, service.body_timeout)
                except InvalidBlockError:  # bytes outside a frame, up to the next end block: skipped
                    reply, go_on = api.ack(b"", "AR", "MLLP: a frame without its start block"), True
                except asyncio.LimitOverrunError:  # the rest of the stream cannot be trusted
                    reply, go_on = api.ack(b"", "AR", "MLLP: message larger than the limit"), False
                else:
                    reply, go_on = await answer(message, renderer, settings), True
                writer.write(VT + reply + EB)
                await asyncio.wait_for(writer.drain(), service.body_timeout)
                if not go_on:
                    break
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            pass  # the peer went away or fell silent mid-frame: this connection only
        except Exception as exc:  # logged without detail: it may hold message content
            _log.error("MLLP connection: internal error (%s)", type(exc).__name__)
        finally:
            writer.close()

    server = await asyncio.start_server(
        connected, listen_on(host, service), port, limit=service.mllp_max_bytes, reuse_port=True
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
        audit(made, request_id=request_id, door="mllp", user="mllp", key=settings.config.service.audit_key)
    except HttpError as exc:
        field = exc.field
        code = "AR" if exc.status == 503 or (field or "").startswith(("MSH", "input")) else "AE"
        text = exc.message
    except Exception as exc:  # logged by type only: the message may hold patient data
        _log.error("MLLP %s: internal error (%s)", request_id, type(exc).__name__)
        code, text = "AE", "service: internal error"
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


def _acknowledgement(reply: bytes) -> bytes:
    """MSA-1 of an ACK, read with the separator its MSH declares (MSH-1)."""
    separator = reply[3:4] if reply.startswith(b"MSH") else b"|"
    segments = reply.replace(b"\n", b"\r").split(b"\r")
    msa = next((s.split(separator) for s in segments if s.startswith(b"MSA" + separator)), [])
    return msa[1] if len(msa) > 1 else b""


async def forward(host: str, port: int, mdm: bytes) -> None:
    reader, writer = await open_hl7_connection(host, port, encoding="latin-1")
    try:
        writer.writeblock(mdm)
        await writer.drain()
        reply = await reader.readblock()
        if _acknowledgement(reply) not in (b"AA", b"CA"):
            raise ValueError("not accepted")
    finally:
        writer.close()
