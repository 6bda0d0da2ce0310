"""The structure tree (PDF 32000-1, 14.7): the elements the layout recorded while drawing
(:mod:`dischargegen.layout.tagging`) written as StructElem dictionaries in ReportLab's
document, each marked-content sequence referred to from its element and, through the
ParentTree, back from its page; and the catalog's and pages' entries that go with it.

ReportLab writes a catalog or page entry only when its class names it (``__NoDefault__``);
:func:`set_entries` adds the others (``/StructParents``, ``/Tabs``, ``/OutputIntents``) to one
object's list. :func:`reference` makes an object indirect, typed."""

from __future__ import annotations

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCatalog,
    PDFDictionary,
    PDFDocument,
    PDFName,
    PDFObjectReference,
    PDFString,
)

from ..layout.tagging import Element, Marked

TRUE = "true"  # ReportLab writes a string as it is: the PDF boolean


def reference(document: PDFDocument, made: object) -> PDFObjectReference:
    """``made`` written as an indirect object of ``document``: the reference to it."""
    found: PDFObjectReference = document.Reference(made)  # type: ignore[no-untyped-call]  # untyped in the stubs
    return found


def set_entries(target: PDFCatalog, **entries: object) -> None:
    """Set entries of a catalog or page dictionary. ReportLab writes only the entries its class
    names in ``__Defaults__`` or ``__NoDefault__``; this object's ``__NoDefault__`` names these
    too (a copy: the class's list is shared by every document)."""
    names = list(target.__NoDefault__)
    names += [key for key in entries if key not in names and key not in target.__Defaults__]
    target.__NoDefault__ = names
    for key, value in entries.items():
        setattr(target, key, value)


def add_structure(document: PDFDocument, root: Element) -> None:
    """Write the structure tree under ``root`` (the Document element), mark the PDF as tagged,
    and have a viewer show its title (its ``/Lang`` ReportLab writes, from the document template's
    ``lang``). ``document`` holds its pages already."""
    pages = [reference(document, page) for page in document.Pages.pages]  # type: ignore[attr-defined]  # ReportLab's page tree, not in its stubs
    tree = PDFDictionary({"Type": PDFName("StructTreeRoot")})
    tree_ref = reference(document, tree)
    parents: dict[int, dict[int, PDFObjectReference]] = {}  # page -> MCID -> its element

    def write(element: Element, parent: PDFObjectReference) -> PDFObjectReference:
        made = PDFDictionary({"Type": PDFName("StructElem"), "S": PDFName(element.role), "P": parent})
        ref = reference(document, made)
        kids: list[object] = []
        for kid in element.kids:
            if isinstance(kid, Marked):
                kids.append(PDFDictionary({"Type": PDFName("MCR"), "Pg": pages[kid.page - 1], "MCID": kid.mcid}))
                parents.setdefault(kid.page - 1, {})[kid.mcid] = ref
            else:
                kids.append(write(kid, ref))
        made["K"] = PDFArray(kids)
        if element.alt is not None:
            made["Alt"] = PDFString(element.alt)
        if element.lang is not None:
            made["Lang"] = PDFString(element.lang)
        if element.scope is not None:
            made["A"] = PDFDictionary({"O": PDFName("Table"), "Scope": PDFName(element.scope)})
        return ref

    tree["K"] = write(root, tree_ref)
    numbers: list[object] = []
    for index in sorted(parents):
        marked = parents[index]
        numbers += [index, reference(document, PDFArray([marked[m] for m in sorted(marked)]))]
    tree["ParentTree"] = reference(document, PDFDictionary({"Nums": PDFArray(numbers)}))
    tree["ParentTreeNextKey"] = len(pages)
    for index, page in enumerate(document.Pages.pages):  # type: ignore[attr-defined]  # as above
        # tab through a page in the order of its structure
        set_entries(page, Tabs=PDFName("S"), **({"StructParents": index} if index in parents else {}))
    set_entries(
        document.Catalog,  # type: ignore[attr-defined]  # ReportLab's catalog, not in its stubs
        StructTreeRoot=tree_ref,
        MarkInfo=PDFDictionary({"Marked": TRUE}),
        ViewerPreferences=PDFDictionary({"DisplayDocTitle": TRUE}),
    )
