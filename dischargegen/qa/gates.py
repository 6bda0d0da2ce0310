"""The template gates behind ``dischargegen templates check``.

Every procedure's template is rendered, in every language, in every variant (no cause and
each cause; only the required facts and every optional fact; normal and large print) with
sample data, and each variant is measured as a reader would meet it:

- pages (at most 2 at normal size, 4 in large print) and the page of the Call 911 box (page 1,
  first tier);
- the reading measure of the language (:mod:`.reading_levels`: the Flesch-Kincaid grade in
  English, which fails above 6.0, and the SMOG index; Fernández Huerta in Spanish...);
- the longest sentence and every sentence over the language's limit; every list over 7 items;
- template errors: undefined names, unknown elements, sandbox violations (file and line);
- for a translation, parity with English (:mod:`.parity`): the same template variables, and in
  every variant the same blocks, warning signs, list items, marks and write-in lines.

The metadata is checked too: malformed files and defaults without a source fail, and a review
date more than 24 months old is a warning.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from datetime import date

from pypdf import PdfReader

from ..api import Settings, layout_pdf, make_document
from ..catalog import Procedure
from ..content.build import NOTICE_ROLE
from ..content.document import Node
from ..dates import Duration
from ..errors import DischargeError, InputError, TemplateError, TemplateProblem
from ..languages import SOURCE_LANGUAGE, negotiate, well_formed
from ..model import RenderOptions, Tier
from . import MAX_GRADE, MAX_LIST_ITEMS, MAX_PAGES, MAX_PAGES_LARGE, MAX_PAGES_LARGE_TRANSLATED, REVIEW_MONTHS
from .parity import (
    Source,
    source_difference,
    structure_difference,
    template_chain,
    template_uses,
    variable_differences,
)
from .reading_levels import reading
from .report import CheckReport, Finding, Level, TemplateResult, VariantResult
from .samples import Variant, sample_handout, variants


def check_templates(
    settings: Settings, procedures: Sequence[str] = (), *, languages: Sequence[str] = (), today: date | None = None
) -> CheckReport:
    """Check the named procedures (all when none are named) in the named languages (all when
    none are named; English is always rendered, for the translations' parity) in every variant."""
    catalog = settings.catalog
    known = catalog.names()
    for name in procedures:
        if name not in known:
            raise InputError("procedure", f"unknown procedure {name!r} (known: {', '.join(known) or 'none'})")
    results: list[TemplateResult] = []
    plan: list[tuple[Procedure, set[str]]] = []  # each procedure to check, in the languages asked
    unmatched = set(languages)  # the codes no procedure has a template in
    for name in list(procedures) or known:
        try:
            procedure = catalog.get(name)
        except TemplateError as exc:
            results.append(TemplateResult(name, None, exc.file or name, findings=[_finding(exc)]))
            continue
        wanted, missing = _languages_asked(procedure, languages)
        if missing and name in procedures:
            known_languages = ", ".join(procedure.languages)
            raise InputError("language", f"{name} has no template in {missing[0]!r} (it has: {known_languages})")
        unmatched &= set(missing)
        if wanted or not languages:  # every procedure is checked: one without the languages asked is left out
            plan.append((procedure, wanted))
    if unmatched:  # a code that asks for no template is an error, never a check that checks nothing
        raise InputError("language", f"no procedure has a template in {sorted(unmatched)[0]!r}")
    for procedure, wanted in plan:
        english: dict[Variant, Node] = {}  # the English documents, for the translations' parity
        for language in sorted(procedure.languages, key=lambda code: code != SOURCE_LANGUAGE):
            if wanted and language not in wanted and language != SOURCE_LANGUAGE:
                continue
            result = _check_template(procedure, language, settings, today or date.today(), english)
            if not wanted or language in wanted:
                results.append(result)
    return CheckReport(results)


def _languages_asked(procedure: Procedure, languages: Sequence[str]) -> tuple[set[str], list[str]]:
    """The template languages ``languages`` ask for (``es-MX`` is ``es``), and the codes that
    ask for none of the procedure's templates."""
    wanted: set[str] = set()
    missing: list[str] = []
    for code in languages:
        found = negotiate(code, procedure.languages) if well_formed(code) else None
        if found is None:
            missing.append(code)
        else:
            wanted.add(found)
    return wanted, missing


def _finding(exc: TemplateError, code: str | None = None) -> Finding:
    return Finding(Level.ERROR, code or exc.code, exc.message, exc.file, exc.line)


def _check_template(
    procedure: Procedure, language: str, settings: Settings, today: date, english: dict[Variant, Node]
) -> TemplateResult:
    file = str(procedure.template_file(language))
    translation = procedure.translations.get(language)
    status = translation.status if translation else "source" if language == SOURCE_LANGUAGE else "untracked"
    result = TemplateResult(procedure.id, language, file, procedure.version, procedure.reviewed, status=status)
    meta = str(procedure.folder / "procedure.toml")
    if Duration(REVIEW_MONTHS, "m").after(procedure.reviewed) < today:
        result.findings.append(
            Finding(
                Level.WARNING,
                "review",
                f"last reviewed {procedure.reviewed.isoformat()}, more than {REVIEW_MONTHS} months ago",
                meta,
            )
        )
    if settings.config.facility.phone is None:
        result.findings.append(
            Finding(
                Level.WARNING,
                "phone",
                "the facility config gives no daytime number: handouts print a line to write it in",
                str(settings.config.path) if settings.config.path else None,
            )
        )
    if not any(sign.get("tier") == Tier.EMERGENCY for sign in procedure.warning_signs.values()):
        result.findings.append(Finding(Level.FAIL, TemplateProblem.METADATA, "no warning sign in the 911 tier", meta))
    translated = language != SOURCE_LANGUAGE and SOURCE_LANGUAGE in procedure.languages
    if translation is not None and translation.source_version != procedure.version:
        result.findings.append(
            Finding(
                Level.WARNING,
                "parity",
                f"translates the English content {translation.source_version}; English is now {procedure.version}",
                str(procedure.folder / f"{language}.toml"),
            )
        )
    chain: list[Source] = []
    if translated:
        try:
            chain = _static_parity(procedure, language, settings, result, file)
        except TemplateError as exc:
            result.findings.append(_finding(exc))
    seen_errors: set[tuple[str, str | None, int | None]] = set()
    unlabelled = None  # the source of a variant with write-in lines but no blank_label
    for variant in variants(procedure):
        outcome = VariantResult(variant)
        result.variants.append(outcome)
        options = RenderOptions(large_print=variant.large_print)
        try:
            handout = sample_handout(procedure, language, variant, settings)
            document = make_document(handout, settings, options)
            pdf = layout_pdf(document, handout, options)
        except DischargeError as exc:
            finding = (
                _finding(exc, TemplateProblem.TEMPLATE)
                if isinstance(exc, TemplateError)
                else Finding(Level.ERROR, TemplateProblem.TEMPLATE, str(exc), file)
            )
            key = (finding.message, finding.file, finding.line)
            if key not in seen_errors:  # the same error in many variants is reported once
                seen_errors.add(key)
                outcome.findings.append(finding)
            else:
                outcome.findings.append(dataclasses.replace(finding, code="repeat"))
            continue
        _measure(outcome, document.tree, document.source, pdf, language)
        if "blank_label" not in document.tree.attrs and any(run.blank for n in document.tree.iter() for run in n.runs):
            unlabelled = document.source
        if language == SOURCE_LANGUAGE and not variant.large_print:
            english[variant] = document.tree
        elif translated and not variant.large_print and variant in english:
            difference = structure_difference(english[variant], document.tree, chain) if chain else None
            if difference is not None:
                outcome.findings.append(
                    Finding(Level.FAIL, "parity", difference.message, difference.file, difference.line)
                )
    if unlabelled is not None:
        message = "write-in lines (<blank/>) but no blank_label on <handout>: a screen reader reads underscores"
        result.findings.append(Finding(Level.WARNING, "blank_label", message, unlabelled))
    return result


def _static_parity(
    procedure: Procedure, language: str, settings: Settings, result: TemplateResult, file: str
) -> list[Source]:
    """Parity of a translation's sources with English's: file by file, then the variables. The
    template chain, for the rendered check; none when the sources differ already (the rendered
    documents then differ too: no need to say it again for every variant)."""
    folders = settings.catalog.folders
    chain = template_chain(procedure, language, folders)
    english = template_chain(procedure, SOURCE_LANGUAGE, folders)
    differences = [source_difference(ours, theirs) for ours, theirs in zip(english, chain, strict=False)]
    differences += variable_differences(template_uses(english, folders), template_uses(chain, folders), file)
    found = [d for d in differences if d is not None]
    for d in found:
        result.findings.append(Finding(Level.FAIL, "parity", d.message, d.file, d.line))
    return [] if found else chain


def _measure(outcome: VariantResult, tree: Node, source: str, pdf: bytes, language: str) -> None:
    blocks = text_blocks(tree)
    outcome.reading = found = reading(blocks, language, MAX_GRADE)
    if language == SOURCE_LANGUAGE:
        outcome.grade, outcome.smog = found.value, found.smog
    outcome.longest = found.longest
    outcome.long_sentences = found.over()
    if found.failed:
        outcome.findings.append(Finding(Level.FAIL, "grade", found.describe(), source))
    for sentence in outcome.long_sentences:
        outcome.findings.append(
            Finding(
                Level.FAIL,
                "sentence",
                f"sentence of {found.length(sentence)} {found.unit} (over {found.max_sentence}): {sentence!r}",
                source,
            )
        )
    for ul in tree.iter("ul"):
        if len(ul.children) > MAX_LIST_ITEMS:
            outcome.long_lists.append(len(ul.children))
            outcome.findings.append(
                Finding(
                    Level.FAIL, "list", f"list of {len(ul.children)} items (over {MAX_LIST_ITEMS})", source, ul.line
                )
            )
    reader = PdfReader(io.BytesIO(pdf))
    outcome.pages = len(reader.pages)
    if outcome.variant.large_print:
        limit, size = (MAX_PAGES_LARGE if language == SOURCE_LANGUAGE else MAX_PAGES_LARGE_TRANSLATED), "in large print"
    else:
        limit, size = MAX_PAGES, "at normal size"
    if outcome.pages > limit:
        outcome.findings.append(Finding(Level.FAIL, "pages", f"{outcome.pages} pages {size} (at most {limit})", source))
    first = next((entry for entry in reader.outline if not isinstance(entry, list)), None)
    number = reader.get_destination_page_number(first) if first is not None else None
    _check_911(outcome, tree, source, number + 1 if number is not None else None)


def _check_911(outcome: VariantResult, tree: Node, source: str, page: int | None) -> None:
    """The Call 911 box comes first and lands on page 1 (``page``: where the layout put it, the
    first entry of the PDF's outline)."""
    alerts = [n for n in tree.iter("alert") if n.attrs.get("tier") == Tier.EMERGENCY]
    if not alerts:
        outcome.findings.append(Finding(Level.FAIL, "alert-911", 'no Call 911 box (<alert tier="911">)', source))
        return
    alert = alerts[0]
    for node in tree.iter():
        if node is alert:
            break
        if node.tag == "section" or (node.tag == "alert" and node.attrs.get("tier") != Tier.EMERGENCY):
            what = f"<{node.tag}> {node.attrs.get('title', '')!r}".rstrip()
            outcome.findings.append(
                Finding(
                    Level.FAIL,
                    "alert-911",
                    f"the Call 911 box must come first; {what} is before it",
                    source,
                    alert.line,
                )
            )
            return
    outcome.alert_911_page = page
    if outcome.alert_911_page != 1:
        where = f"page {outcome.alert_911_page}" if outcome.alert_911_page else "no page"
        outcome.findings.append(
            Finding(Level.FAIL, "alert-911", f"the Call 911 box is on {where}, not page 1", source, alert.line)
        )


def text_blocks(tree: Node) -> list[str]:
    """The handout's text in reading order, one block per heading, paragraph or item."""
    blocks: list[str] = []

    def walk(node: Node) -> None:
        if node.attrs.get("role") == NOTICE_ROLE:  # the engine's draft notice, half of it English
            return
        for attr in ("title", "label"):
            if node.attrs.get(attr):
                blocks.append(node.attrs[attr])
        if node.runs:
            blocks.append("".join(" " if run.text == "\n" else run.text for run in node.runs))
        for child in node.children:
            walk(child)
        if node.tag == "signatures" and node.attrs.get("date_label"):
            blocks.append(node.attrs["date_label"])

    walk(tree)
    return blocks
