"""The structure tree (PDF 32000-1, 14.7): the elements the layout recorded while drawing
(:mod:`dischargegen.layout.tagging`) written as StructElem dictionaries, each marked-content
sequence referred to from its element and, through the ParentTree, back from its page."""

from __future__ import annotations

import pikepdf

from ..layout.tagging import Element, Marked

Name = pikepdf.Name


def add_structure(pdf: pikepdf.Pdf, root: Element, language: str) -> None:
    """Write the structure tree under ``root`` (the Document element), mark the PDF as tagged
    and name its language."""
    pages = [page.obj for page in pdf.pages]
    tree = pdf.make_indirect(pikepdf.Dictionary(Type=Name.StructTreeRoot))
    parents: dict[int, dict[int, pikepdf.Object]] = {}  # page -> MCID -> its element

    def write(element: Element, parent: pikepdf.Object) -> pikepdf.Object:
        made = pdf.make_indirect(pikepdf.Dictionary(Type=Name.StructElem, S=Name("/" + element.role), P=parent))
        kids: list[pikepdf.Object] = []
        for kid in element.kids:
            if isinstance(kid, Marked):
                kids.append(pikepdf.Dictionary(Type=Name.MCR, Pg=pages[kid.page - 1], MCID=kid.mcid))
                parents.setdefault(kid.page - 1, {})[kid.mcid] = made
            else:
                kids.append(write(kid, made))
        made.K = pikepdf.Array(kids)
        if element.alt is not None:
            made.Alt = pikepdf.String(element.alt)
        if element.lang is not None:
            made.Lang = pikepdf.String(element.lang)
        if element.scope is not None:
            made.A = pikepdf.Dictionary(O=Name.Table, Scope=Name("/" + element.scope))
        return made

    tree.K = write(root, tree)
    numbers: list[int | pikepdf.Object] = []
    for index in sorted(parents):
        marked = parents[index]
        pages[index].StructParents = index
        numbers += [index, pdf.make_indirect(pikepdf.Array([marked[m] for m in sorted(marked)]))]
    tree.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(numbers)))
    tree.ParentTreeNextKey = len(pages)
    for page in pages:
        page.Tabs = Name.S  # tab through a page in the order of its structure
    pdf.Root.StructTreeRoot = tree
    pdf.Root.MarkInfo = pikepdf.Dictionary(Marked=True)
    pdf.Root.Lang = pikepdf.String(language)
    pdf.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
