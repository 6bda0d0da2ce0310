"""The content stage: a handout's template rendered and parsed into its checked document tree."""

from __future__ import annotations

from typing import NamedTuple

from ..catalog import Catalog
from ..errors import TemplateError
from ..model import Handout, RenderOptions
from .context import build_context
from .document import Node, parse_document
from .environment import render_template


class Document(NamedTuple):
    """A finished document tree, the template file it came from, and its title."""

    tree: Node
    source: str  # the template file, for errors and reports
    title: str


def build_document(handout: Handout, catalog: Catalog, options: RenderOptions) -> Document:
    """Render the handout's template in its language and parse the result into a document."""
    procedure = catalog.get(handout.procedure)
    context = build_context(handout, procedure, options)
    xml, source = render_template(catalog.folders, procedure.template_name(handout.language), context)
    tree = parse_document(xml, source)
    titles = list(tree.iter("title"))
    if not titles:
        raise TemplateError("the handout has no <title>", source)
    return Document(tree, source, titles[0].text())
