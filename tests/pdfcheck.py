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


def fonts_not_embedded(data: bytes) -> list[str]:
    """The names of the fonts a page uses whose program is not in the file (a reader would
    substitute another): none, in a handout."""
    reader = PdfReader(io.BytesIO(data))
    missing: list[str] = []
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}).get_object()
        for font in fonts.values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(font.get("/BaseFont")))
    return missing
