"""Reading a PDF the way a person would: the text of each page, and the type sizes."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, with runs of white space made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def pdf_text(data: bytes) -> str:
    return " ".join(pdf_pages(data))


def body_font_sizes(data: bytes) -> list[float]:
    """Every font size used for text on the first page."""
    reader = PdfReader(io.BytesIO(data))
    sizes: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            sizes.append(round(size * tm[3], 2))

    reader.pages[0].extract_text(visitor_text=visit)
    return sizes
