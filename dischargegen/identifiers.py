"""The handout's document identifier, known before the PDF is made.

The QR code on the acknowledgement page carries it, and the write-back documents file the PDF
under it (the DocumentReference's ``masterIdentifier``, the MDM's TXA-12 unique document
number), so that a page scanned back is matched to the document it came from. It used to be
derived from the PDF's bytes, which a page cannot carry: the PDF would have to contain its own
hash. It is now a name-based UUID (RFC 9562 version 5) of what the document says: every fact of
the handout, the procedure's content version, the print size and page size, and the creation
time when one is given (``SOURCE_DATE_EPOCH``, ``RenderOptions.created``). The same facts give
the same identifier, as the same bytes gave the same hash; any change to what prints gives
another.
"""

from __future__ import annotations

from .model import Handout, RenderOptions

NAMESPACE = "6f1f3c52-8d0e-4c0a-9a51-6c1d7b3e2a90"  # dischargegen document ids


def document_id(handout: Handout, options: RenderOptions, content_version: str) -> str:
    """The document's identifier, ``urn:uuid:…``, from its facts (warnings aside: they are not printed)."""
    import uuid  # deferred for start-up speed: only barcodes and write-backs need the identifier

    facts = repr(handout._replace(warnings=()))
    created = options.created.isoformat() if options.created else ""
    layout = f"{options.large_print}:{options.page_size or handout.facility.page_size}"
    return f"urn:uuid:{uuid.uuid5(uuid.UUID(NAMESPACE), f'document:{content_version}:{layout}:{created}:{facts}')}"
