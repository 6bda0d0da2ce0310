"""Render a Handout to PDF bytes: template -> document tree -> flowables -> pages."""

from __future__ import annotations

import io
import os

from reportlab.platypus import Image, SimpleDocTemplate

from ..content.catalog import Catalog, Procedure
from ..content.context import build_context
from ..content.document import Node, parse_document
from ..content.environment import render_template
from ..errors import RenderError, TemplateError
from ..model import Handout, RenderOptions
from .flowables import Builder
from .fonts import BODY, markup
from .pages import MARGIN, PAGE_SIZES, Frame, header_height, numbered_canvas
from .styles import styles


def document_tree(handout: Handout, procedure: Procedure, catalog: Catalog, options: RenderOptions) -> tuple[Node, str]:
    """The checked document tree of the handout, and the template file it came from."""
    context = build_context(handout, procedure, options)
    xml, source = render_template(catalog.folders, procedure.template_name(handout.language), context)
    return parse_document(xml, source), source


def render(handout: Handout, procedure: Procedure, catalog: Catalog, options: RenderOptions) -> bytes:
    tree, source = document_tree(handout, procedure, catalog, options)
    titles = list(tree.iter("title"))
    if not titles:
        raise TemplateError("the handout has no <title>", source)
    style = styles(options.large_print)
    page_size = PAGE_SIZES[(options.page_size or handout.facility.page_size).lower()]
    attrs = tree.attrs
    frame = Frame(
        header_left=f"<b>{markup(attrs.get('header', ''))}</b>",
        header_right=markup(attrs.get("subheader", "")),
        footer_left=markup(attrs.get("footer", "")),
        page_label=lambda page, pages: markup(
            attrs.get("page_label", "{page} / {pages}").replace("{pages}", str(pages)).replace("{page}", str(page))
        ),
        sample_mark=markup(attrs["sample_label"]) if options.sample and attrs.get("sample_label") else None,
    )
    deterministic = options.deterministic or bool(os.environ.get("SOURCE_DATE_EPOCH", "").strip())
    buffer = io.BytesIO()
    top = MARGIN * 0.6 + header_height(style) + style.size * 0.3
    bottom = MARGIN * 0.5 + style.footer.leading * 2 + style.size * 0.6
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top,
        bottomMargin=bottom,
        title=titles[0].text(),
        subject=attrs.get("subject", ""),
        author=handout.facility.name or "",
        creator="dischargegen",
        producer="dischargegen",
        lang=handout.language,
        invariant=1 if deterministic else 0,
        initialFontName=BODY.name,
        initialFontSize=style.size,
    )
    flowables = Builder(style, doc.width).handout(tree)
    if handout.facility.logo:
        flowables.insert(0, _logo(handout.facility.logo, style.size * 4))
    try:
        doc.build(flowables, canvasmaker=numbered_canvas(frame, style))
    except RenderError:
        raise
    except Exception as exc:  # ReportLab reports layout failures as bare exceptions
        raise RenderError(f"cannot lay out the handout: {type(exc).__name__}: {exc}") from None
    return buffer.getvalue()


def _logo(path: str, height: float) -> Image:
    try:
        image = Image(path)
    except Exception as exc:
        raise RenderError(f"facility logo {path}: cannot be read: {exc}") from None
    scale = height / image.imageHeight
    image.drawHeight, image.drawWidth = height, image.imageWidth * scale
    image.hAlign = "LEFT"
    return image
