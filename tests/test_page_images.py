"""Golden page images: each procedure's handout rendered at 50 dpi (pdftoppm) looks as it did,
and in every other language the kyphoplasty handout (its translated pages, without the English
copy that follows a draft).

A change that moves, adds or drops anything on the page shows here even where the text is the
same (a pictogram, the calendar, a box). Pixels are compared with a tolerance for anti-aliasing:
at most 0.5% of them may differ by more than a quarter of the grey scale. On purpose changes:

    python tests/test_page_images.py      # rewrite the images from the installed package
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from test_golden import FACTS, make  # the same facts as the byte goldens

from dischargegen import api
from dischargegen.catalog import load_catalog
from dischargegen.config import Config, LanguagePolicy
from dischargegen.model import RenderOptions

IMAGES = Path(__file__).resolve().parent / "fixtures" / "golden" / "png"
CASES = [("kyphoplasty", "osteoporosis", False), ("vertebroplasty", "cancer", False), ("kyphoplasty", None, True)]
MAX_CHANGED = 0.005
LANGUAGES = [code for code in load_catalog(None).procedures["kyphoplasty"].languages if code != "en"]


def translated(language: str) -> bytes:
    """The kyphoplasty handout (cause osteoporosis) in ``language``, without the English copy."""
    settings = api.Settings(Config(languages=LanguagePolicy(english_copy=False)), load_catalog(None))
    handout = api.make_handout({**FACTS, "cause": "osteoporosis", "language": language}, settings)
    return api.render_pdf(handout, settings, RenderOptions(deterministic=True))


def pages(pdf: bytes) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "h.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "50", "-gray", "-png", "h.pdf", "p"], cwd=folder, check=True, timeout=60)
        return [Image.open(path).convert("L") for path in sorted(Path(folder).glob("p-*.png"))]


def name(case: tuple[str, str | None, bool], page: int) -> str:
    procedure, cause, large = case
    return f"{procedure}-{cause or 'no-cause'}{'-large' if large else ''}-p{page}.png"


def changed_fraction(made: Image.Image, expected: Image.Image) -> float:
    if made.size != expected.size:
        return 1.0
    histogram = ImageChops.difference(made, expected).histogram()  # pixels per difference 0..255
    return sum(histogram[65:]) / (made.size[0] * made.size[1])


@pytest.mark.parametrize("case", CASES, ids=[name(c, 0)[:-7] for c in CASES])
def test_pages_look_as_they_did(case: tuple[str, str | None, bool]) -> None:
    made = pages(make(*case))
    expected = sorted(IMAGES.glob(name(case, 0)[:-6] + "*.png"))
    assert len(made) == len(expected), "the number of pages changed"
    for page, (image, path) in enumerate(zip(made, expected, strict=True), start=1):
        fraction = changed_fraction(image, Image.open(path).convert("L"))
        assert fraction <= MAX_CHANGED, f"page {page}: {fraction:.2%} of the pixels changed"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_looks_as_it_did(language: str) -> None:
    made = pages(translated(language))
    expected = sorted(IMAGES.glob(f"language-{language}-p*.png"))
    assert len(made) == len(expected) <= 2, "the number of pages changed"
    for page, (image, path) in enumerate(zip(made, expected, strict=True), start=1):
        fraction = changed_fraction(image, Image.open(path).convert("L"))
        assert fraction <= MAX_CHANGED, f"{language} page {page}: {fraction:.2%} of the pixels changed"


def test_the_comparison_sees_a_change() -> None:
    blank = Image.new("L", (100, 100), 255)
    marked = blank.copy()
    marked.paste(0, (0, 0, 10, 10))  # 1% of the page
    assert changed_fraction(blank, blank) == 0 and changed_fraction(marked, blank) == 0.01


def regenerate() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for old in IMAGES.glob("*.png"):
        old.unlink()
    for case in CASES:
        for page, image in enumerate(pages(make(*case)), start=1):
            image.save(IMAGES / name(case, page), optimize=True)
    for language in LANGUAGES:
        for page, image in enumerate(pages(translated(language)), start=1):
            image.save(IMAGES / f"language-{language}-p{page}.png", optimize=True)
    print(f"wrote page images to {IMAGES}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
