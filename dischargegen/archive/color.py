"""The output intent: the colour space the handout's DeviceRGB colours mean (sRGB)."""

from __future__ import annotations

from functools import cache

import pikepdf

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


def add_output_intent(pdf: pikepdf.Pdf) -> None:
    """Declare sRGB as the PDF/A output intent (``/GTS_PDFA1``, the one PDF/A-1 to 4 name)."""
    icc = pikepdf.Stream(pdf, srgb_profile())
    icc.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=SRGB,
        Info=SRGB,
        DestOutputProfile=icc,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])
