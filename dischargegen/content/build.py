"""The content stage: a handout's template rendered and parsed into its checked document tree."""

from __future__ import annotations

from typing import NamedTuple

from ..catalog import Catalog
from ..errors import TemplateError
from ..languages import SOURCE_LANGUAGE
from ..model import Handout, RenderOptions
from .context import build_context
from .document import Node, Run, parse_document
from .environment import render_template
from .typography import TIED, tie

# Printed under the title of a draft translation, after the same sentence in its language.
NOTICE_ROLE = "draft-notice"  # the role of the node the engine adds (not the template's text)
DRAFT_NOTICE = "This translation has not yet been checked by a qualified medical translator."
ENGLISH_FOLLOWS = "The English handout follows it."


class Document(NamedTuple):
    """A finished document tree, the template file it came from, its title and language."""

    tree: Node
    source: str  # the template file, for errors and reports
    title: str
    language: str = "en"


def build_document(handout: Handout, catalog: Catalog, options: RenderOptions, language: str | None = None) -> Document:
    """Render the handout's template in its language (or ``language``: the English copy that
    follows a draft translation) and parse the result into a document. A draft translation gets
    the notice that no qualified medical translator has checked it, in its language and English."""
    procedure = catalog.get(handout.procedure)
    language = language or handout.language
    if language != handout.language:
        handout = handout._replace(language=language)
    context = build_context(handout, procedure, options)
    xml, source = render_template(catalog.folders, procedure.template_name(language), context)
    tree = parse_document(xml, source)
    _tie_spaces(tree, language)
    titles = list(tree.iter("title"))
    if not titles:
        raise TemplateError("the handout has no <title>", source)
    translation = procedure.translations.get(language)
    if translation is not None and translation.draft:
        _add_draft_notice(tree, source, handout.english_copy)
    return Document(tree, source, titles[0].text(), language)


def _tie_spaces(tree: Node, language: str) -> None:
    """Keep each space of the text on the line with the mark after it, as the language prints."""
    if language not in TIED:
        return
    for node in tree.iter():
        node.attrs = {name: tie(value, language) for name, value in node.attrs.items()}
        node.runs = [run._replace(text=tie(run.text, language)) for run in node.runs]


def _add_draft_notice(tree: Node, source: str, english_follows: bool) -> None:
    notice = tree.attrs.get("draft_notice", "").strip()
    if not notice:
        raise TemplateError("a draft translation must say so: <handout draft_notice=...> is missing", source)
    english = f"{DRAFT_NOTICE} {ENGLISH_FOLLOWS}" if english_follows else DRAFT_NOTICE
    at = next(i for i, child in enumerate(tree.children) if child.tag == "title") + 1
    for runs, attrs in (([Run(notice, bold=True)], {}), ([Run(english)], {"lang": SOURCE_LANGUAGE})):
        node = Node("small", {"role": NOTICE_ROLE, **attrs}, 0)
        node.runs = runs
        tree.children.insert(at, node)
        at += 1
