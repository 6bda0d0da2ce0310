"""The layout stage: a finished document tree -> flowables -> pages -> PDF bytes."""

from __future__ import annotations

import io

from reportlab.platypus import Image, SimpleDocTemplate

from ..content.build import Document
from ..errors import RenderError
from ..model import Handout, RenderOptions
from .flowables import Builder
from .fonts import BODY, markup
from .pages import MARGIN, PAGE_SIZES, Frame, header_height, numbered_canvas, unbreakable
from .styles import styles

# The text column: at most about 75 characters of body text a line (36 em of Atkinson Hyperlegible,
# whose average character is 0.45 em), as wide as the page allows in large print.
MEASURE_EM = 36.0


def render(document: Document, handout: Handout, options: RenderOptions) -> bytes:
    """Lay out ``document`` (the handout's tree) on the handout's pages; returns the PDF."""
    tree = document.tree
    style = styles(options.large_print)
    page_size = PAGE_SIZES[options.page_size or handout.facility.page_size]
    text_width = min(page_size[0] - 2 * MARGIN, MEASURE_EM * style.size)
    side = (page_size[0] - text_width) / 2
    attrs = tree.attrs
    frame = Frame(
        header_left=f"<b>{markup(unbreakable(attrs.get('header', '')), bold=True)}</b>",
        header_right=markup(unbreakable(attrs.get("subheader", ""))),
        footer_left=markup(attrs.get("footer", "")),
        page_label=lambda page, pages: markup(
            attrs.get("page_label", "{page} / {pages}").replace("{pages}", str(pages)).replace("{page}", str(page))
        ),
        text_width=text_width,
        sample_mark=markup(attrs["sample_label"], bold=True) if options.sample and attrs.get("sample_label") else None,
    )
    buffer = io.BytesIO()
    top = MARGIN * 0.6 + header_height(style) + style.size * 0.3
    bottom = MARGIN * 0.5 + style.footer.leading * 2 + style.size * 0.6
    doc = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=side,
        rightMargin=side,
        topMargin=top,
        bottomMargin=bottom,
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
    flowables = Builder(style, doc.width, handout.language, region).handout(tree)
    if handout.facility.logo:
        flowables.insert(0, _logo(handout.facility.logo, style.size * 4))
    try:
        doc.build(flowables, canvasmaker=numbered_canvas(frame, style))
    except RenderError:
        raise
    except Exception as exc:  # ReportLab reports layout failures as bare exceptions
        raise RenderError(f"cannot lay out the handout ({type(exc).__name__})") from None
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
