"""The document tree: the small XHTML-like vocabulary that procedure templates render to.

Elements (attributes in brackets)::

    handout [subject header subheader footer page_label sample_label]
                                the root; its attributes are the PDF subject and the page frame's
                                text (page_label holds {page} and {pages})
    title                       the handout's main heading
    lead                        the one main message, set large under the title
    section [title]             a heading and the blocks under it
    p, small                    a paragraph; small print
    ul > li                     a bulleted list
    alert [tier=911|doctor] [title]   a boxed warning; the 911 tier is set apart
    dates > date [label]        a table of key dates: label, then the date
    checklist > check           items with a check box drawn before each
    signatures [date_label] > signer [label]
                                a signature line and a date line per signer
    inline: b (bold), br (line break)

Text is data: the parser decodes entities once and the layout escapes every run again, so
nothing that came from a field value can become markup.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from xml.parsers import expat

from ..errors import TemplateError

INLINE = {"b": (), "br": ()}
BLOCKS: dict[str, tuple[str, ...]] = {  # element -> its allowed attributes
    "handout": ("subject", "header", "subheader", "footer", "page_label", "sample_label"),
    "title": (),
    "lead": (),
    "section": ("title",),
    "p": (),
    "small": (),
    "ul": (),
    "li": (),
    "alert": ("tier", "title"),
    "dates": (),
    "date": ("label",),
    "checklist": (),
    "check": (),
    "signatures": ("date_label",),
    "signer": ("label",),
}
ELEMENTS = {**BLOCKS, **INLINE}
CHILDREN: dict[str, frozenset[str]] = {
    "handout": frozenset({"title", "lead", "section", "p", "small", "ul", "alert", "dates", "checklist", "signatures"}),
    "section": frozenset({"p", "small", "ul", "alert", "dates", "checklist", "signatures"}),
    "alert": frozenset({"p", "ul"}),
    "ul": frozenset({"li"}),
    "dates": frozenset({"date"}),
    "checklist": frozenset({"check"}),
    "signatures": frozenset({"signer"}),
}
# Elements whose content is running text (with b and br inside).
TEXT_ELEMENTS = frozenset({"title", "lead", "p", "small", "li", "date", "check"})
_SPACE = re.compile(r"\s+")


class Run(NamedTuple):
    """A piece of running text: plain or bold; ``text == "\\n"`` is a line break."""

    text: str
    bold: bool = False


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
            if parent is None or parent.tag not in TEXT_ELEMENTS:
                raise fail(f"<{tag}> is only allowed inside running text")
            if tag == "br":
                parent.runs.append(Run("\n"))
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
            if not node.runs:
                raise TemplateError(f"<{tag}> is empty", source, node.line)

    def text(data: str) -> None:
        if not stack:
            return
        owner = next((n for n in reversed(stack) if n.tag not in INLINE), stack[-1])
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


def _tidy(runs: list[Run]) -> list[Run]:
    """Collapse white space as HTML does and drop it at the start and end of the text."""
    out: list[Run] = []
    for run in runs:
        text = run.text if run.text == "\n" else _SPACE.sub(" ", run.text)
        if out and out[-1].bold == run.bold and run.text != "\n" and out[-1].text != "\n":
            out[-1] = Run(out[-1].text + text, run.bold)
        elif text:
            out.append(Run(text, run.bold))
    while out and out[0].text != "\n" and not out[0].text.strip():
        out.pop(0)
    if out and out[0].text != "\n":
        out[0] = Run(out[0].text.lstrip(), out[0].bold)
    while out and out[-1].text != "\n" and not out[-1].text.strip():
        out.pop()
    if out and out[-1].text != "\n":
        out[-1] = Run(out[-1].text.rstrip(), out[-1].bold)
    return out
