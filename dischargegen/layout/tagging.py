"""Tagged PDF: the marked content that each flowable draws, and the structure it belongs to.

A tagged handout (any profile but ``plain``) is drawn on a canvas that carries a
:class:`Tagger`. Each flowable marks what it draws (PDF 32000-1, 14.6 and 14.7):

- real content, a paragraph's or heading's lines, a pictogram: ``/P <</MCID n>> BDC … EMC``,
  the marked-content identifier ``n`` counted per page and recorded in its
  :class:`Element` (:func:`content`);
- a group with no content of its own (a list and its items, a table, its rows and cells, a
  warning box): :func:`structure` opens it while its parts draw, so that they become its kids;
- what is not content (bullets, check boxes, rules, backgrounds, the running header and
  footer, a box's title repeated on the next page): ``/Artifact BDC … EMC`` (:func:`artifact`);
  nothing drawn inside an artifact is tagged.

Elements are made with the flowables, and a flowable split across pages hands its element to
both parts: a paragraph that goes on over the page is one ``P``. Kids are added in the order
drawn, which is the order read. The post-processing stage (:mod:`dischargegen.archive`) turns
the tree into the PDF's StructTreeRoot. On a canvas without a tagger (``plain``) nothing here
writes anything: the output is the untagged one, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable


class Marked(NamedTuple):
    """One marked-content sequence: the page (1-based) and its identifier on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class Element:
    """A structure element: its standard type (``P``, ``H1``, ``L``, ``Table``, ``Figure``…),
    what a screen reader needs besides its text (``alt``, ``lang``, a header cell's ``scope``),
    and its kids in reading order."""

    role: str
    alt: str | None = None
    lang: str | None = None
    scope: str | None = None  # a TH's: Column or Row
    kids: list[Element | Marked] = field(default_factory=list)
    placed: bool = False  # a kid of its parent already

    def parts(self) -> list[Element]:
        """The elements among its kids (an item's LBody, a row's cells)."""
        return [kid for kid in self.kids if isinstance(kid, Element)]


class Tagger:
    """The structure being drawn: the root element and the elements open now."""

    def __init__(self, root: Element, language: str) -> None:
        self.root = root
        self.language = language  # the document's (the catalog's /Lang)
        self.open: list[Element] = [root]
        self.artifacts = 0  # depth of artifact sequences being drawn: nothing inside is tagged
        self._next: dict[int, int] = {}  # page -> its next marked-content identifier

    def place(self, element: Element) -> None:
        """Make ``element`` a kid of the element open now, the first time it is drawn."""
        if not element.placed:
            element.placed = True
            self.open[-1].kids.append(element)

    def mark(self, page: int, element: Element) -> int:
        mcid = self._next.get(page, 0)
        self._next[page] = mcid + 1
        element.kids.append(Marked(page, mcid))
        return mcid

    def restart(self, element: Element) -> None:
        """Open ``element`` (a part of the PDF: the English copy) under the root, closing the rest."""
        del self.open[1:]
        self.place(element)
        self.open.append(element)


def tagger(canv: Canvas) -> Tagger | None:
    """The canvas's tagger, when it draws a tagged PDF and is not inside an artifact."""
    found: Tagger | None = getattr(canv, "_tagger", None)
    return found if found is not None and not found.artifacts else None


def language(canv: Canvas) -> str | None:
    """The language of what is being drawn, when it is tagged content: the innermost open
    element's that names one (the English copy's ``Part``), else the document's."""
    found = tagger(canv)
    if found is None:
        return None
    return next((element.lang for element in reversed(found.open) if element.lang), found.language)


def is_tagged(canv: Canvas) -> bool:
    return getattr(canv, "_tagger", None) is not None


@contextmanager
def content(canv: Canvas, element: Element) -> Iterator[None]:
    """What is drawn inside is ``element``'s content (a marked-content sequence of its role)."""
    found = tagger(canv)
    if found is None:
        yield
        return
    found.place(element)
    mcid = found.mark(canv.getPageNumber(), element)
    canv.addLiteral(f"/{element.role} <</MCID {mcid}>> BDC")
    try:
        yield
    finally:
        canv.addLiteral("EMC")


@contextmanager
def structure(canv: Canvas, element: Element) -> Iterator[None]:
    """``element`` groups what is drawn inside (a list, an item, a table, a row, a box)."""
    found = tagger(canv)
    if found is None:
        yield
        return
    found.place(element)
    found.open.append(element)
    try:
        yield
    finally:
        found.open.pop()


@contextmanager
def artifact(canv: Canvas, kind: str = "Layout", subtype: str | None = None) -> Iterator[None]:
    """What is drawn inside is not content: a ``Layout`` artifact (a rule, a bullet, a shade) or a
    ``Pagination`` one (``subtype`` Header or Footer; a title repeated on a new page)."""
    found: Tagger | None = getattr(canv, "_tagger", None)
    if found is None or found.artifacts:
        yield
        return
    properties = f"/Type /{kind}" + (f" /Subtype /{subtype}" if subtype else "")
    canv.addLiteral(f"/Artifact <<{properties}>> BDC")
    found.artifacts += 1
    try:
        yield
    finally:
        found.artifacts -= 1
        canv.addLiteral("EMC")


class Opening(Flowable):
    """Where a part of the PDF begins (the English copy after a draft translation): its structure
    element (a ``Part`` in its language) holds what follows. Takes no room and draws nothing."""

    def __init__(self, element: Element) -> None:
        super().__init__()
        self.element = element

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        found = tagger(self.canv)
        if found is not None:
            found.restart(self.element)
