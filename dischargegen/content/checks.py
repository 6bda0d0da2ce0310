"""The template checker behind ``dischargegen templates check``.

Every procedure's template is rendered, in every language, in every variant (no cause and
each cause; only the required facts and every optional fact; normal and large print) with
sample data, and each variant is measured as a reader would meet it:

- pages (at most 2 at normal size) and the page of the Call 911 box (page 1, first tier);
- the Flesch-Kincaid grade of the rendered text (fails above 6.0) and the SMOG index;
- the longest sentence and every sentence over 20 words; every list over 7 items;
- template errors: undefined names, unknown elements, sandbox violations (file and line).

The metadata is checked too: malformed files and defaults without a source fail, and a review
date more than 24 months old is a warning. Levels: ``error`` (the template or its metadata is
broken), ``fail`` (a content gate failed), ``warning`` (reported; does not fail the check).
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..config import Config
from ..dates import Duration
from ..errors import DischargeError, InputError, TemplateError
from ..model import Facility, Handout, RenderOptions
from .catalog import SHIPPED_TEMPLATES, Catalog, Procedure, load_procedure
from .document import Node

MAX_GRADE = 6.0
MAX_PAGES = 2  # at normal size
MAX_SENTENCE_WORDS = 20
MAX_LIST_ITEMS = 7
REVIEW_MONTHS = 24

SAMPLE_DATE = "2026-11-24"
SAMPLE_REQUIRED: dict[str, Any] = {"name": "Ann Lee", "date": SAMPLE_DATE}
SAMPLE_FULL: dict[str, Any] = {
    # Long on purpose: a long name, every optional fact and several medicines must still fit.
    "name": "Maximiliana Konstantinopoulou-Vanderbilt",
    "date": SAMPLE_DATE,
    "dob": "1948-03-02",
    "mrn": "0012345678",
    "level": "T12 and L1",
    "surgeon": "Dr. Annabelle Worthington-Smythe",
    "follow_up": "2026-12-09 10:30",
    "blood_thinner_restart": "2026-11-27",
    "medications": [
        {"name": "Oxycodone 5 mg", "instructions": "Take 1 pill every 6 hours if you need it for pain."},
        {"name": "Acetaminophen 500 mg", "instructions": "Take 2 pills every 8 hours."},
        {"name": "Docusate 100 mg", "instructions": "Take 1 pill 2 times a day while you take oxycodone."},
        {"name": "Alendronate 70 mg", "instructions": "Take 1 pill each Monday with a full glass of water."},
    ],
    "restrictions": [{"kind": "custom", "text": "No golf or tennis", "duration": "8w"}],
}
SAMPLE_FACILITY = Facility(name="Riverside Spine Center", phone="555-010-0100", phone_24h="555-010-0199")


@dataclass(frozen=True)
class Finding:
    level: str  # "error", "fail" or "warning"
    code: str  # template, metadata, source, grade, pages, alert-911, sentence, list, review
    message: str
    file: str | None = None
    line: int | None = None

    def where(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Variant:
    cause: str | None
    full: bool  # every optional fact given
    large_print: bool

    @property
    def name(self) -> str:
        parts = [self.cause or "no cause", "all fields" if self.full else "required"]
        if self.large_print:
            parts.append("large")
        return ", ".join(parts)


@dataclass
class VariantResult:
    variant: Variant
    pages: int | None = None
    grade: float | None = None
    smog: float | None = None
    longest: str = ""
    long_sentences: list[str] = field(default_factory=list)
    long_lists: list[int] = field(default_factory=list)
    alert_911_page: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.level in ("error", "fail") for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        from .readability import word_count

        return {
            "variant": self.variant.name,
            "cause": self.variant.cause,
            "optional_fields": self.variant.full,
            "large_print": self.variant.large_print,
            "pages": self.pages,
            "grade": self.grade,
            "smog": self.smog,
            "longest_sentence": {"words": word_count(self.longest), "text": self.longest} if self.longest else None,
            "long_sentences": self.long_sentences,
            "long_lists": self.long_lists,
            "alert_911_page": self.alert_911_page,
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class TemplateResult:
    """One procedure in one language (or a procedure whose metadata cannot be read)."""

    procedure: str
    language: str | None
    file: str
    version: str | None = None
    reviewed: date | None = None
    findings: list[Finding] = field(default_factory=list)  # about the template or metadata as a whole
    variants: list[VariantResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.level in ("error", "fail") for f in self.all_findings())

    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for v in self.variants for f in v.findings)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "language": self.language,
            "file": self.file,
            "version": self.version,
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
            "variants": [v.as_dict() for v in self.variants],
        }


@dataclass
class CheckReport:
    results: list[TemplateResult]
    exact_pages: bool  # False without pypdf: the 911 box's page is then judged by its position

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "limits": {"grade": MAX_GRADE, "pages": MAX_PAGES, "sentence_words": MAX_SENTENCE_WORDS,
                       "list_items": MAX_LIST_ITEMS, "review_months": REVIEW_MONTHS},
            "templates": [r.as_dict() for r in self.results],
        }


def variants(procedure: Procedure) -> list[Variant]:
    """Every variant the checker renders: each cause and none, required or all facts, both sizes."""
    return [
        Variant(cause, full, large)
        for large in (False, True)
        for cause in (None, *procedure.causes)
        for full in (False, True)
    ]


def sample_facts(procedure: Procedure, language: str, variant: Variant) -> dict[str, Any]:
    facts = dict(SAMPLE_FULL if variant.full else SAMPLE_REQUIRED)
    facts.update(procedure=procedure.id, language=language)
    if variant.cause:
        facts["cause"] = variant.cause
    return facts


def sample_handout(procedure: Procedure, language: str, variant: Variant, config: Config, catalog: Catalog) -> Handout:
    """The sample handout of a variant; with all fields, facility lines missing from the config are filled in."""
    from ..facts import build_handout

    handout = build_handout(sample_facts(procedure, language, variant), config=config, catalog=catalog)
    if variant.full:
        facility = handout.facility
        filled = facility._replace(
            name=facility.name or SAMPLE_FACILITY.name,
            phone=facility.phone or SAMPLE_FACILITY.phone,
            phone_24h=facility.phone_24h or SAMPLE_FACILITY.phone_24h,
        )
        handout = handout._replace(facility=filled)
    return handout


def scan_catalog(extra_dir: Path | None) -> tuple[Catalog, dict[str, TemplateError]]:
    """Like :func:`~.catalog.load_catalog`, but a broken procedure is set aside, not fatal."""
    folders = ((extra_dir,) if extra_dir else ()) + (SHIPPED_TEMPLATES,)
    procedures: dict[str, Procedure] = {}
    broken: dict[str, TemplateError] = {}
    for folder in reversed(folders):  # the facility's folder last, so that it overrides
        if not folder.is_dir():
            raise TemplateError("templates directory does not exist", str(folder))
        for meta in sorted(folder.glob("*/procedure.toml")):
            name = meta.parent.name
            try:
                procedures[name] = load_procedure(meta.parent)
                broken.pop(name, None)
            except TemplateError as exc:
                broken[name] = exc
                procedures.pop(name, None)
    return Catalog(folders, procedures), broken


def check_templates(
    config: Config,
    templates_dir: Path | None = None,
    procedures: Sequence[str] = (),
    *,
    today: date | None = None,
) -> CheckReport:
    """Check the named procedures (all when none are named) in every language and variant."""
    catalog, broken = scan_catalog(templates_dir or config.templates_dir)
    known = sorted({*catalog.procedures, *broken})
    for name in procedures:
        if name not in known:
            raise InputError("procedure", f"unknown procedure {name!r} (known: {', '.join(known) or 'none'})")
    wanted = list(procedures) or known
    pdf_text = _pdf_text_reader()
    results: list[TemplateResult] = []
    for name in wanted:
        if name in broken:
            exc = broken[name]
            code = "source" if "has no source" in exc.message else "metadata"
            results.append(TemplateResult(name, None, exc.file or name, findings=[_finding("error", code, exc)]))
            continue
        procedure = catalog.procedures[name]
        for language in procedure.languages:
            results.append(_check_template(procedure, language, config, catalog, pdf_text, today or date.today()))
    return CheckReport(results, exact_pages=pdf_text is not None)


def _finding(level: str, code: str, exc: TemplateError) -> Finding:
    return Finding(level, code, exc.message, exc.file, exc.line)


def _check_template(procedure: Procedure, language: str, config: Config, catalog: Catalog,
                    pdf_text: Any, today: date) -> TemplateResult:
    from ..layout.render import document_tree, render

    file = str(procedure.folder / f"{language}.xml.j2")
    result = TemplateResult(procedure.id, language, file, procedure.version, procedure.reviewed)
    meta = str(procedure.folder / "procedure.toml")
    if Duration(REVIEW_MONTHS, "m").after(procedure.reviewed) < today:
        result.findings.append(Finding(
            "warning", "review",
            f"last reviewed {procedure.reviewed.isoformat()}, more than {REVIEW_MONTHS} months ago", meta))
    if not any(sign.get("tier") == "911" for sign in procedure.warning_signs.values()):
        result.findings.append(Finding("fail", "metadata", "no warning sign in the 911 tier", meta))
    seen_errors: set[tuple[str, str | None, int | None]] = set()
    for variant in variants(procedure):
        outcome = VariantResult(variant)
        result.variants.append(outcome)
        options = RenderOptions(large_print=variant.large_print)
        try:
            handout = sample_handout(procedure, language, variant, config, catalog)
            tree, source = document_tree(handout, procedure, catalog, options)
            pdf = render(handout, procedure, catalog, options)
        except DischargeError as exc:
            finding = (_finding("error", "template", exc) if isinstance(exc, TemplateError)
                       else Finding("error", "template", str(exc), file))
            key = (finding.message, finding.file, finding.line)
            if key not in seen_errors:  # the same error in many variants is reported once
                seen_errors.add(key)
                outcome.findings.append(finding)
            else:
                outcome.findings.append(dataclasses.replace(finding, level="error", code="repeat"))
            continue
        _measure(outcome, tree, source, pdf, pdf_text)
    return result


def _measure(outcome: VariantResult, tree: Node, source: str, pdf: bytes, pdf_text: Any) -> None:
    from .readability import measure, word_count

    variant = outcome.variant
    reading = measure(text_blocks(tree))
    outcome.grade, outcome.smog = reading.grade, reading.smog
    outcome.longest = reading.longest
    outcome.long_sentences = reading.over(MAX_SENTENCE_WORDS)
    if reading.grade > MAX_GRADE:
        outcome.findings.append(Finding(
            "fail", "grade", f"Flesch-Kincaid grade {reading.grade:.1f} is above {MAX_GRADE:.1f}", source))
    for sentence in outcome.long_sentences:
        outcome.findings.append(Finding(
            "fail", "sentence", f"sentence of {word_count(sentence)} words (over {MAX_SENTENCE_WORDS}): {sentence!r}", source))
    for ul in tree.iter("ul"):
        if len(ul.children) > MAX_LIST_ITEMS:
            outcome.long_lists.append(len(ul.children))
            outcome.findings.append(Finding(
                "fail", "list", f"list of {len(ul.children)} items (over {MAX_LIST_ITEMS})", source, ul.line))
    pages = pdf_text(pdf) if pdf_text else None
    outcome.pages = len(pages) if pages is not None else count_pages(pdf)
    if not variant.large_print and outcome.pages > MAX_PAGES:
        outcome.findings.append(Finding(
            "fail", "pages", f"{outcome.pages} pages at normal size (at most {MAX_PAGES})", source))
    _check_911(outcome, tree, source, pages)


def _check_911(outcome: VariantResult, tree: Node, source: str, pages: list[str] | None) -> None:
    alerts = [n for n in tree.iter("alert") if n.attrs.get("tier") == "911"]
    if not alerts:
        outcome.findings.append(Finding("fail", "alert-911", "no Call 911 box (<alert tier=\"911\">)", source))
        return
    alert = alerts[0]
    for node in tree.iter():
        if node is alert:
            break
        if node.tag == "section" or (node.tag == "alert" and node.attrs.get("tier") != "911"):
            what = f"<{node.tag}> {node.attrs.get('title', '')!r}".rstrip()
            outcome.findings.append(Finding(
                "fail", "alert-911", f"the Call 911 box must come first; {what} is before it", source, alert.line))
            return
    if pages is None:  # without pypdf: first in the handout, so on page 1 unless the title runs over
        outcome.alert_911_page = 1
        return
    needle = _squash(alert.attrs.get("title") or alert.text())[:40]
    outcome.alert_911_page = next((i for i, text in enumerate(pages, 1) if needle in _squash(text)), None)
    if outcome.alert_911_page != 1:
        where = f"page {outcome.alert_911_page}" if outcome.alert_911_page else "no page"
        outcome.findings.append(Finding("fail", "alert-911", f"the Call 911 box is on {where}, not page 1", source, alert.line))


def text_blocks(tree: Node) -> list[str]:
    """The handout's text in reading order, one block per heading, paragraph or item."""
    blocks: list[str] = []

    def walk(node: Node) -> None:
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


def count_pages(pdf: bytes) -> int:
    """The number of page objects in a PDF (ReportLab writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def _pdf_text_reader() -> Any:
    """A function from PDF bytes to the text of each page, or None when pypdf is not installed."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None

    def pages(pdf: bytes) -> list[str]:
        return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]

    return pages


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


# ---- the readable table ---------------------------------------------------------------------

def format_table(report: CheckReport) -> str:
    """The report as a table with one row per variant, then every finding with its place."""
    header = ("PROCEDURE", "LANG", "VARIANT", "PAGES", "GRADE", "SMOG", "LONGEST", "911", "RESULT")
    rows: list[tuple[str, ...]] = []
    for result in report.results:
        if not result.variants:
            rows.append((result.procedure, result.language or "-", "-", "-", "-", "-", "-", "-", _verdict(result.findings)))
        for v in result.variants:
            from .readability import word_count

            rows.append((
                result.procedure, result.language or "-", v.variant.name,
                _cell(v.pages), _cell(v.grade, "{:.1f}"), _cell(v.smog, "{:.1f}"),
                _cell(word_count(v.longest) if v.longest else None),
                f"p{v.alert_911_page}" if v.alert_911_page else "-",
                _verdict([*result.findings, *v.findings] if v is result.variants[0] else v.findings),
            ))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in (header, *rows)]
    notes = list(_notes(report))
    if notes:
        lines += ["", *notes]
    failed = sum(1 for r in report.results if not r.ok)
    warnings = sum(1 for r in report.results for f in r.all_findings() if f.level == "warning")
    lines += ["", f"{len(report.results)} template(s) checked: {failed} failed, {warnings} warning(s)."]
    if not report.exact_pages:
        lines.append("pypdf is not installed: the Call 911 box's page is judged by its place in the handout.")
    return "\n".join(lines)


def _notes(report: CheckReport) -> Iterable[str]:
    for result in report.results:
        printed: set[tuple[str, str, str]] = set()
        for finding in result.findings:
            yield _note(result, None, finding)
        for v in result.variants:
            for finding in v.findings:
                if finding.code == "repeat":
                    continue
                key = (finding.code, finding.message, finding.where())
                if key in printed:
                    continue
                printed.add(key)
                yield _note(result, v.variant.name, finding)


def _note(result: TemplateResult, variant: str | None, finding: Finding) -> str:
    label = {"error": "ERROR", "fail": "FAIL", "warning": "WARNING"}[finding.level]
    scope = result.procedure + (f"/{result.language}" if result.language else "")
    if variant:
        scope += f" [{variant}]"
    where = f" ({finding.where()})" if finding.where() else ""
    return f"{label} {scope}: {finding.message}{where}"


def _verdict(findings: Sequence[Finding]) -> str:
    levels = {f.level for f in findings}
    if "error" in levels:
        return "ERROR"
    if "fail" in levels:
        return "FAIL"
    return "ok (warning)" if "warning" in levels else "ok"


def _cell(value: object, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def report_json(report: CheckReport) -> Mapping[str, Any]:
    return report.as_dict()
