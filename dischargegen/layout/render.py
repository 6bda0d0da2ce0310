"""The layout stage: a finished document tree -> flowables -> pages -> PDF bytes."""

from __future__ import annotations

import io

from reportlab.platypus import BaseDocTemplate, Image

from ..content.build import Document
from ..errors import RenderError
from ..model import Handout, RenderOptions
from .flowables import Builder
from .fonts import BODY, markup
from .pages import PAGE_SIZES, PageFrame, geometry, numbered_canvas, page_templates, unbreakable
from .styles import styles


def render(document: Document, handout: Handout, options: RenderOptions) -> bytes:
    """Lay out ``document`` (the handout's tree) on the handout's pages; returns the PDF."""
    tree = document.tree
    style = styles(options.large_print)
    page_size = PAGE_SIZES[options.page_size or handout.facility.page_size]
    attrs = tree.attrs
    frame = PageFrame(
        header_left=f"<b>{markup(unbreakable(attrs.get('header', '')), bold=True)}</b>",
        header_right=markup(unbreakable(attrs.get("subheader", ""))),
        footer_left=markup(attrs.get("footer", "")),
        page_label=lambda page, pages: markup(
            attrs.get("page_label", "{page} / {pages}").replace("{pages}", str(pages)).replace("{page}", str(page))
        ),
        sample_mark=markup(attrs["sample_label"], bold=True) if options.sample and attrs.get("sample_label") else None,
    )
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=page_size,
        title=document.title,
        subject=attrs.get("subject", ""),
        author=handout.facility.name or "",
        creator="dischargegen",
        producer="dischargegen",
        lang=handout.language,
        invariant=1 if options.deterministic else 0,
        initialFontName=BODY.name,
        initialFontSize=style.size,
    )
    region = getattr(handout.facility, "region", None)  # the calendar's first weekday follows it
    head, rest = Builder(style, handout.language, region).handout(tree)
    if handout.facility.logo:
        head.insert(0, _logo(handout.facility.logo, style.size * 4))
    page = geometry(frame, style, page_size)
    templates, flowables = page_templates(page, style, head, rest, columns=not options.large_print)
    doc.addPageTemplates(templates)
    try:
        doc.build(flowables, canvasmaker=numbered_canvas(frame, style, page))
    except RenderError:
        raise
    except Exception as exc:  # ReportLab reports layout failures as bare exceptions
        raise RenderError(f"cannot lay out the handout ({type(exc).__name__})") from exc
    return buffer.getvalue()


def _logo(path: str, height: float) -> Image:
    try:
        image = Image(path)
        scale = height / image.imageHeight
        image.drawHeight, image.drawWidth = height, image.imageWidth * scale
    except Exception:  # ReportLab raises whatever the image reader raised
        raise RenderError(f"facility logo {path}: cannot be read as an image") from None
    image.hAlign = "LEFT"
    return image
