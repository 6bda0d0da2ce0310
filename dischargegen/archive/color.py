"""The output intent: the colour space the handout's DeviceRGB colours mean (sRGB)."""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFObjectReference, PDFStream, PDFString

SRGB = "sRGB IEC61966-2.1"
_DATE = slice(24, 36)  # an ICC header's creation date and time (ICC.1:2010, 7.2.8)


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's, through Pillow), its creation date zeroed so that the
    same PDF is written every time (the profile carries no ID digest to invalidate)."""
    from PIL import ImageCms  # deferred for start-up speed: made once per process

    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[_DATE] = bytes(_DATE.stop - _DATE.start)
    return bytes(profile)


def icc_stream() -> PDFStream:
    """The sRGB profile as a PDF stream (three components), for :func:`output_intent`."""
    return PDFStream(PDFDictionary({"N": 3}), srgb_profile())


def output_intent(profile: PDFObjectReference) -> PDFDictionary:
    """The PDF/A output intent (``/GTS_PDFA1``, the one PDF/A-1 to 4 name) whose colour space is
    the ICC profile at ``profile`` (the stream of :func:`icc_stream`, written in the document)."""
    return PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": PDFString(SRGB),
            "Info": PDFString(SRGB),
            "DestOutputProfile": profile,
        }
    )
