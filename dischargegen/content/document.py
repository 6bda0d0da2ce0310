"""The document tree: the small XHTML-like vocabulary that procedure templates render to.

Elements (attributes in brackets)::

    handout [subject header subheader footer page_label sample_label draft_notice blank_label]
                                the root; its attributes are the PDF subject and the page frame's
                                text (page_label holds {page} and {pages}); blank_label is what a
                                screen reader says for a write-in line
    title                       the handout's main heading
    lead                        the one main message, set large under the title
    section [title] [icon]      a heading (with its icon) and the blocks under it
    p, small                    a paragraph; small print
    ul > li [icon]              a bulleted list; an item with an icon has the icon for its bullet
    alert [tier=911|doctor] [title] [icon]
                                a boxed warning; the 911 tier is set apart
    dates > date [label]        a table of key dates: label, then the date
    checklist > check           items with a check box drawn before each
    signatures [date_label] > signer [label]
                                a signature line and a date line per signer
    calendar > mark [date=YYYY-MM-DD] [kind=procedure|limit|visit] [icon]
                                a month calendar of the weeks from the first mark to the last,
                                each mark's day drawn by its kind, and a legend: icon, the date
                                in full, the mark's text
    table > tr > th | td        a table; leading rows of th cells are its header (repeated on a
                                new page); an empty <td/> is a write-in cell
    inline: b (bold), br (line break), blank (a line to write on)

Icons (``icon="NAME"``, or ``icon="no-NAME"`` for the icon inside a "no" sign) are the names in
``ICONS``. Text is data: the parser decodes entities once and the layout escapes every run again,
so nothing that came from a field value can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import NamedTuple
from xml.parsers import expat

from ..errors import TemplateError

# The pictograms an element may name in ``icon``; ``no-NAME`` draws NAME in a prohibition sign.
ICONS = frozenset(
    {"lifting", "bending", "driving", "bath", "pool", "shower", "bandage", "phone", "emergency", "doctor",
     "warning", "medicine", "walking", "bed", "stairs", "calendar", "home", "squat", "log-roll"}
)  # fmt: skip
MARK_KINDS = ("procedure", "limit", "visit")
CALENDAR_MAX_DAYS = 3 * 366  # the marks of one calendar span at most about three years
BLANK = "_" * 12  # the text of a write-in line in the tree (the layout sets its printed length)
INLINE = {"b": (), "br": (), "blank": ()}
BLOCKS: dict[str, tuple[str, ...]] = {  # element -> its allowed attributes
    "handout": (
        "subject",
        "header",
        "subheader",
        "footer",
        "page_label",
        "sample_label",
        "draft_notice",
        "blank_label",
    ),
    "title": (),
    "lead": (),
    "section": ("title", "icon"),
    "p": (),
    "small": (),
    "ul": (),
    "li": ("icon",),
    "alert": ("tier", "title", "icon"),
    "dates": (),
    "date": ("label",),
    "checklist": (),
    "check": (),
    "signatures": ("date_label",),
    "signer": ("label",),
    "calendar": (),
    "mark": ("date", "kind", "icon"),
    "table": (),
    "tr": (),
    "th": (),
    "td": (),
}
ELEMENTS = {**BLOCKS, **INLINE}
_IN_SECTION = {"p", "small", "ul", "alert", "dates", "checklist", "signatures", "calendar", "table"}
CHILDREN: dict[str, frozenset[str]] = {
    "handout": frozenset({"title", "lead", "section", *_IN_SECTION}),
    "section": frozenset(_IN_SECTION),
    "alert": frozenset({"p", "ul", "dates"}),
    "ul": frozenset({"li"}),
    "dates": frozenset({"date"}),
    "checklist": frozenset({"check"}),
    "signatures": frozenset({"signer"}),
    "calendar": frozenset({"mark"}),
    "table": frozenset({"tr"}),
    "tr": frozenset({"th", "td"}),
}
# Elements whose content is running text (with b, br and blank inside).
TEXT_ELEMENTS = frozenset({"title", "lead", "p", "small", "li", "date", "check", "mark", "th", "td"})
MAY_BE_EMPTY = frozenset({"td"})  # an empty cell is a write-in cell
# Elements that must hold at least one child element.
NOT_EMPTY = frozenset({"calendar", "table", "tr"})
XML_SPACE = " \t\r\n"  # white space as XML has it: a no-break space is a character, kept
_SPACE = re.compile(f"[{XML_SPACE}]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Run(NamedTuple):
    """A piece of running text: plain or bold; ``text == "\\n"`` is a line break; ``blank`` a
    line to write on (its text is ``BLANK``)."""

    text: str
    bold: bool = False
    blank: bool = False


class Node:
    """An element of the document: block children, or runs of text for a text element."""

    __slots__ = ("attrs", "children", "line", "runs", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.children: list[Node] = []
        self.runs: list[Run] = []  # for text elements

    def text(self) -> str:
        """The plain text of this node and everything under it."""
        own = "".join(r.text for r in self.runs)
        return " ".join(part for part in [own, *(c.text() for c in self.children)] if part)

    def iter(self, tag: str | None = None):  # type: ignore[no-untyped-def]
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            yield from child.iter(tag)


def parse_document(xml: str, source: str) -> Node:
    """Parse rendered template output into a checked tree; errors name ``source`` and the line."""
    stack: list[Node] = []
    bold_depth = 0
    root: list[Node] = []
    parser = expat.ParserCreate("UTF-8")

    def fail(message: str) -> TemplateError:
        return TemplateError(message, source, parser.CurrentLineNumber)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal bold_depth
        if tag not in ELEMENTS:
            raise fail(f"unknown element <{tag}>")
        allowed = ELEMENTS[tag]
        for name in attrs:
            if name not in allowed:
                raise fail(f"unknown attribute {name!r} on <{tag}>")
        parent = stack[-1] if stack else None
        if tag in INLINE:
            parent = next((n for n in reversed(stack) if n.tag not in INLINE), None)  # the text's owner
            if parent is None or parent.tag not in TEXT_ELEMENTS:
                raise fail(f"<{tag}> is only allowed inside running text")
            if tag == "br":
                parent.runs.append(Run("\n"))
            elif tag == "blank":
                parent.runs.append(Run(BLANK, bold_depth > 0, blank=True))
            else:
                bold_depth += 1
            stack.append(Node(tag, attrs, parser.CurrentLineNumber))
            return
        if parent is None:
            if tag != "handout" or root:
                raise fail("the document must be one <handout> element")
        elif tag not in CHILDREN.get(parent.tag, frozenset()):
            raise fail(f"<{tag}> is not allowed inside <{parent.tag}>")
        if tag == "alert" and attrs.get("tier") not in ("911", "doctor"):
            raise fail('<alert> needs tier="911" or tier="doctor"')
        if "icon" in attrs and not is_icon(attrs["icon"]):
            raise fail(f"unknown icon {attrs['icon']!r} on <{tag}> (known: {', '.join(sorted(ICONS))}; or no-NAME)")
        if tag == "mark":
            _check_mark(attrs, fail)
        node = Node(tag, dict(attrs), parser.CurrentLineNumber)
        if parent is None:
            root.append(node)
        else:
            parent.children.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        nonlocal bold_depth
        node = stack.pop()
        if tag == "b":
            bold_depth -= 1
        elif tag in TEXT_ELEMENTS:
            node.runs = _tidy(node.runs)
            if not node.runs and tag not in MAY_BE_EMPTY:
                raise TemplateError(f"<{tag}> is empty", source, node.line)
        elif tag in NOT_EMPTY and not node.children:
            raise TemplateError(f"<{tag}> is empty", source, node.line)
        if tag == "table":
            widths = {len(row.children) for row in node.children}
            if len(widths) > 1:
                raise TemplateError("every <tr> of a <table> needs the same number of cells", source, node.line)
        elif tag == "calendar":
            days = sorted(mark_date(mark) for mark in node.children)
            if (days[-1] - days[0]).days > CALENDAR_MAX_DAYS:
                raise TemplateError("the marks of a <calendar> span more than three years", source, node.line)

    def text(data: str) -> None:
        if not stack:
            return
        owner = next((n for n in reversed(stack) if n.tag not in INLINE), stack[-1])
        if stack[-1].tag == "blank" and data.strip():
            raise fail("<blank/> holds no text")
        if owner.tag in TEXT_ELEMENTS:
            owner.runs.append(Run(data, bold_depth > 0))
        elif data.strip():
            raise fail(f"text is not allowed directly inside <{owner.tag}>")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.buffer_text = True
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise TemplateError(f"not well-formed: {expat.ErrorString(exc.code)}", source, exc.lineno) from None
    return root[0]


def is_icon(name: str) -> bool:
    """True for an icon name: one of ``ICONS``, or ``no-`` and one of them."""
    return name in ICONS or (name.startswith("no-") and name[3:] in ICONS)


def mark_date(mark: Node) -> date:
    """The day of a checked ``<mark>``."""
    return date.fromisoformat(mark.attrs["date"])


def _check_mark(attrs: dict[str, str], fail: Callable[[str], TemplateError]) -> None:
    value = attrs.get("date", "")
    if not _ISO_DATE.fullmatch(value):
        raise fail(f'<mark> needs date="YYYY-MM-DD", not {value!r}')
    try:
        date.fromisoformat(value)
    except ValueError:
        raise fail(f"<mark> date {value!r} is not a real calendar date") from None
    if attrs.get("kind") not in MARK_KINDS:
        raise fail(f'<mark> needs kind="procedure", "limit" or "visit", not {attrs.get("kind", "")!r}')


def _tidy(runs: list[Run]) -> list[Run]:
    """Collapse white space as HTML does and drop it at the start and end of the text."""
    out: list[Run] = []
    for run in runs:
        if run.blank:
            out.append(run)
            continue
        text = run.text if run.text == "\n" else _SPACE.sub(" ", run.text)
        last = out[-1] if out else None
        if last and last.bold == run.bold and not last.blank and run.text != "\n" and last.text != "\n":
            out[-1] = Run(last.text + text, run.bold)
        elif text:
            out.append(Run(text, run.bold))
    while out and out[0].text != "\n" and not out[0].text.strip(XML_SPACE):
        out.pop(0)
    if out and out[0].text != "\n" and not out[0].blank:
        out[0] = Run(out[0].text.lstrip(XML_SPACE), out[0].bold)
    while out and out[-1].text != "\n" and not out[-1].text.strip(XML_SPACE):
        out.pop()
    if out and out[-1].text != "\n" and not out[-1].blank:
        out[-1] = Run(out[-1].text.rstrip(XML_SPACE), out[-1].bold)
    return out
