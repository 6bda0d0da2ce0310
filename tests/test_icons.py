"""The pictograms: the template vocabulary and ``icons/icons.json`` name the same icons, each is a
filled vector drawing inside its box, drawn beside each item that names one, the same shape at
any size, and never an image."""

from __future__ import annotations

import io
import json
import re

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfgen.canvas import Canvas
from test_layout_blocks import layout, operators

from dischargegen.api import Settings
from dischargegen.content.document import ICONS
from dischargegen.layout.icons import ICONS_DIR, draw_icon, names

FILLS = (b"f", b"f*")


def test_the_vocabulary_and_the_icon_file_name_the_same_icons() -> None:
    assert names() == ICONS
    for required in ("lifting", "bending", "driving", "bath", "shower", "phone", "emergency", "medicine",
                     "walking", "bed", "stairs", "calendar"):  # fmt: skip
        assert required in ICONS


def test_the_icon_file_names_its_sources_and_licence() -> None:
    data = json.loads((ICONS_DIR / "icons.json").read_text(encoding="utf-8"))
    assert data["size"] == 48
    for name, icon in data["icons"].items():
        assert icon["from"].startswith(("healthicons:", "src/")), name
        if icon["from"].startswith("src/"):
            assert (ICONS_DIR / icon["from"]).is_file()
    assert "MIT License" in (ICONS_DIR / "LICENSE-healthicons.txt").read_text(encoding="utf-8")
    readme = (ICONS_DIR / "README.md").read_text(encoding="utf-8")
    assert "@iconify-json/healthicons" in readme and "1.2.13" in readme


@pytest.mark.parametrize("name", sorted(ICONS))
def test_each_icon_is_filled_paths_inside_its_box(name: str) -> None:
    data = json.loads((ICONS_DIR / "icons.json").read_text(encoding="utf-8"))
    paths = data["icons"][name]["paths"]
    assert paths
    for path in paths:
        assert path["rule"] in ("evenodd", "nonzero")
        assert re.fullmatch(r"(?:[MLCZ](?: -?[0-9.]+)*(?: |$))+", path["d"] + " "), path["d"][:60]
        numbers = [float(n) for n in re.findall(r"-?[0-9.]+", path["d"])]
        assert all(-0.5 <= n <= 48.5 for n in numbers), name


def icon_forms(data: bytes, page: int = 0) -> dict[str, list[tuple[bytes, list[float]]]]:
    """The icon forms a page uses: name -> their path and fill operations."""
    reader = PdfReader(io.BytesIO(data))
    xobjects = reader.pages[page]["/Resources"].get("/XObject", {})
    forms = {}
    for key, ref in xobjects.items():
        form = ref.get_object()
        if form.get("/Subtype") == "/Form" and "icon-" in key:
            operations = ContentStream(form, reader).operations
            forms[key.split("icon-")[1]] = [
                (op, [float(v) for v in args] if op in (b"m", b"l", b"c") else []) for args, op in operations
            ]
    return forms


def drawn(name: str, size: float) -> tuple[list[tuple[bytes, list[float]]], float]:
    """The path operators an icon is drawn with, and the scale they are drawn at."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    draw_icon(canvas, name, 100, 200, size)
    canvas.showPage()
    canvas.save()
    data = buffer.getvalue()
    reader = PdfReader(io.BytesIO(data))
    operations = ContentStream(reader.pages[0].get_contents(), reader).operations
    scale = 1.0
    for operands, op in operations:
        if op == b"cm" and float(operands[0]) not in (0, 1):
            scale *= float(operands[0])
    (form,) = icon_forms(data).values()
    paths = [(op, args) for op, args in form if op in (b"m", b"l", b"c")]
    sign = [(op, [float(v) for v in args]) for args, op in operations if op in (b"m", b"l", b"c")]
    return paths + sign, scale


@pytest.mark.parametrize("name", ["lifting", "driving", "emergency", "stairs"])
def test_an_icon_is_the_same_drawing_at_any_size(name: str) -> None:
    (small, small_scale), (large, large_scale) = drawn(name, 20), drawn(name, 40)
    assert small and small == large  # the same paths, in the icon's own box
    assert large_scale == pytest.approx(2 * small_scale, rel=1e-4)  # scaled by the transformation


def test_a_no_sign_scales_with_its_icon() -> None:
    (small, _), (large, _) = drawn("no-bath", 20), drawn("no-bath", 40)
    plain, _ = drawn("bath", 20)
    assert small[: len(plain)] == plain == large[: len(plain)]  # the pictogram inside the ring
    ring_small, ring_large = small[len(plain) :], large[len(plain) :]
    assert ring_small and [op for op, _ in ring_small] == [op for op, _ in ring_large]
    for (_, a), (_, b) in zip(ring_small, ring_large, strict=True):
        assert b == pytest.approx([2 * v for v in a], abs=0.02)


def test_each_item_with_an_icon_gets_its_drawing(settings: Settings) -> None:
    items = '<li icon="phone">Call us.</li><li icon="no-driving">Do not drive.</li><li icon="stairs">Stairs.</li>'
    plain = operators(layout(settings, "<ul><li>Call us.</li><li>Do not drive.</li><li>Stairs.</li></ul>"))
    data = layout(settings, f"<ul>{items}<li icon='phone'>Again.</li></ul>")
    pictured = operators(data)
    assert pictured.count(b"Do") - plain.count(b"Do") == 4  # one drawing beside each item
    forms = icon_forms(data)
    assert set(forms) == {"phone", "driving", "stairs"}  # each icon's paths once in the document
    icons = json.loads((ICONS_DIR / "icons.json").read_text(encoding="utf-8"))["icons"]
    for name, operations in forms.items():
        fills = [op for op, _ in operations if op in FILLS]
        assert len(fills) == len(icons[name]["paths"])
    assert pictured.count(b"S") > plain.count(b"S")  # the "no" sign's ring and bar


@pytest.mark.parametrize("large", [False, True])
def test_icons_beside_box_titles_and_headings(settings: Settings, large: bool) -> None:
    body = (
        '<alert tier="911" title="Call 911 right away if you have:" icon="emergency">'
        "<ul><li>Chest pain.</li></ul></alert>"
        '<alert tier="doctor" icon="phone"><p>Call your doctor.</p></alert>'
        '<section title="Move safely" icon="walking"><p>Hold the rail.</p></section>'
    )
    data = layout(settings, body, large=large)
    assert operators(data).count(b"Do") == 3
    assert set(icon_forms(data)) == {"emergency", "phone", "walking"}
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    for words in ("Call 911 right away if you have:", "Call your doctor.", "Move safely", "Hold the rail."):
        assert words in text  # the words stay beside every icon
    assert "/XObject" not in reader.pages[0]["/Resources"] or not any(
        x.get_object().get("/Subtype") == "/Image" for x in reader.pages[0]["/Resources"]["/XObject"].values()
    )
