"""The layout stage: a finished document tree -> flowables -> pages -> PDF bytes (made to its
profile by the post-processing stage, :mod:`dischargegen.archive`, just before they are written)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from reportlab.pdfbase.pdfdoc import PDFDocument
from reportlab.platypus import BaseDocTemplate, Flowable, Image, NextPageTemplate, PageBreak, PageTemplate

from ..content.build import Document
from ..errors import RenderError
from ..languages import RIGHT_TO_LEFT, SOURCE_LANGUAGE
from ..model import Handout, RenderOptions
from .direction import upright
from .flowables import Builder
from .fonts import BODY
from .pages import (
    PAGE_SIZES,
    PageFrame,
    Part,
    first_template,
    geometry,
    numbered_canvas,
    page_budget,
    page_templates,
    unbreakable,
)
from .styles import styles
from .tagging import Element, Opening, Tagger, artifact

if TYPE_CHECKING:
    from .barcodes import BarcodeValues


Finish = Callable[[PDFDocument, Tagger], None]
"""What makes ReportLab's document to an archival profile before it is written, given the
structure drawn: :func:`dischargegen.archive.finish.finish` for the profile, which the caller
passes in (the archival stage comes after the layout)."""


def render(
    documents: Sequence[Document],
    handout: Handout,
    options: RenderOptions,
    *,
    document_id: str | None = None,
    finish: Finish | None = None,
) -> bytes:
    """Lay out ``documents`` (the handout's tree; a draft translation's, then the English one's)
    on the handout's pages, each part numbering its own pages; returns the PDF. The facility's
    barcodes (the QR code: ``document_id``) go under the signatures. A part that runs over the
    pages a handout keeps to (:func:`.pages.page_budget`) is laid out again compact.

    With ``finish`` (an archival profile) the content is marked for its structure
    (:mod:`.tagging`) and ``finish`` adds what the profile claims to the document, structure
    included, just before it is written; without it the PDF is ReportLab's output alone
    (``plain``)."""
    barcodes = None
    if handout.facility.barcodes.any:
        from .barcodes import barcode_values  # deferred for start-up speed: only facilities with barcodes

        barcodes = barcode_values(handout, document_id)
    language = documents[0].language  # the catalog's /Lang; a part or a line in another says so

    def build(compact: list[bool]) -> tuple[bytes, list[int]]:
        if finish is None:
            return _build(documents, handout, options, compact, None, barcodes)
        tagger = Tagger(Element("Document"), language)  # each layout its own: the marks of another are gone
        return _build(documents, handout, options, compact, tagger, barcodes, lambda doc: finish(doc, tagger))

    pdf, counts = build([False] * len(documents))
    over = [
        count > page_budget(options.large_print, document.language != SOURCE_LANGUAGE)
        for count, document in zip(counts, documents, strict=True)
    ]
    if any(over):
        pdf, _ = build(over)
    return pdf


def _build(
    documents: Sequence[Document],
    handout: Handout,
    options: RenderOptions,
    compact: list[bool],
    tagger: Tagger | None = None,
    barcodes: BarcodeValues | None = None,
    before_writing: Callable[[PDFDocument], None] | None = None,
) -> tuple[bytes, list[int]]:
    """The PDF of the parts, and each part's pages; marked for its structure with a ``tagger``;
    ``before_writing`` given ReportLab's document when its pages are done."""
    page_size = PAGE_SIZES[options.page_size or handout.facility.page_size]
    first = documents[0]
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=page_size,
        title=first.title,
        subject=first.tree.attrs.get("subject", ""),
        author=handout.facility.name or "",
        creator="dischargegen",
        producer="dischargegen",
        lang=first.language,
        invariant=1 if options.deterministic else 0,
        initialFontName=BODY.name,
        initialFontSize=styles(options.large_print).size,
    )
    parts: list[Part] = []
    flowables: list[Flowable] = []
    for number, document in enumerate(documents):
        part, templates, story = _part(document, handout, options, page_size, number, compact[number], barcodes)
        parts.append(part)
        doc.addPageTemplates(templates)
        if number:
            flowables += [NextPageTemplate(first_template(number)), PageBreak()]
            if tagger is not None:
                flowables.append(Opening(Element("Part", lang=document.language)))
        flowables += story
    counts: list[int] = []
    try:
        doc.build(flowables, canvasmaker=numbered_canvas(parts, counts, tagger, before_writing))
    except RenderError:
        raise
    except Exception as exc:  # ReportLab reports layout failures as bare exceptions
        raise RenderError(f"cannot lay out the handout ({type(exc).__name__})") from exc
    return buffer.getvalue(), counts


def _part(
    document: Document,
    handout: Handout,
    options: RenderOptions,
    page_size: tuple[float, float],
    number: int,
    compact: bool,
    barcodes: BarcodeValues | None,
) -> tuple[Part, list[PageTemplate], list[Flowable]]:
    """One handout's frame, page templates and flowables."""
    attrs = document.tree.attrs
    style = styles(options.large_print, compact=compact)
    frame = PageFrame(
        header_left=unbreakable(attrs.get("header", "")),
        header_right=unbreakable(attrs.get("subheader", "")),
        footer_left=attrs.get("footer", ""),
        page_label=lambda page, pages: (
            attrs.get("page_label", "{page} / {pages}").replace("{pages}", str(pages)).replace("{page}", str(page))
        ),
        sample_mark=attrs["sample_label"] if options.sample and attrs.get("sample_label") else None,
    )
    region = getattr(handout.facility, "region", None)  # the calendar's first weekday follows it
    head, rest = Builder(style, document.language, region, barcodes).handout(document.tree)
    if handout.facility.logo:
        head.insert(0, _logo(handout.facility.logo, style.size * 4))
    page = geometry(frame, style, page_size)
    rtl = document.language in RIGHT_TO_LEFT
    templates, story = page_templates(page, style, head, rest, columns=not options.large_print, part=number, rtl=rtl)
    return Part(frame, style, page), templates, story


class _Logo(Image):
    """The facility's logo: a picture, the right way round on a mirrored page too."""

    def draw(self) -> None:
        with artifact(self.canv), upright(self.canv, 0, self.drawWidth):
            super().draw()


def _logo(path: str, height: float) -> Image:
    try:
        image = _Logo(path)
        scale = height / image.imageHeight
        image.drawHeight, image.drawWidth = height, image.imageWidth * scale
    except Exception:  # ReportLab raises whatever the image reader raised
        raise RenderError(f"facility logo {path}: cannot be read as an image") from None
    image.hAlign = "LEFT"
    return image
