"""The findings of a template check and the report it prints: a table, or JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from . import (
    MAX_GRADE,
    MAX_LIST_ITEMS,
    MAX_PAGES,
    MAX_PAGES_LARGE,
    MAX_PAGES_LARGE_TRANSLATED,
    MAX_SENTENCE_WORDS,
    REVIEW_MONTHS,
)
from .reading_levels import Reading
from .samples import Variant


class Level(StrEnum):
    ERROR = "error"  # the template or its metadata is broken
    FAIL = "fail"  # a content gate failed
    WARNING = "warning"  # reported; does not fail the check


FAILING = (Level.ERROR, Level.FAIL)


@dataclass(frozen=True)
class Finding:
    level: Level
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


@dataclass
class VariantResult:
    variant: Variant
    pages: int | None = None
    grade: float | None = None
    smog: float | None = None
    reading: Reading | None = None  # the language's measure
    longest: str = ""
    long_sentences: list[str] = field(default_factory=list)
    long_lists: list[int] = field(default_factory=list)
    alert_911_page: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.level in FAILING for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant.name,
            "cause": self.variant.cause,
            "optional_fields": self.variant.full,
            "large_print": self.variant.large_print,
            "pages": self.pages,
            "grade": self.grade,
            "smog": self.smog,
            "reading": {"measure": self.reading.name, "value": self.reading.value, "limit": self.reading.limit}
            if self.reading
            else None,
            "longest_sentence": {self.reading.unit: self.reading.length(self.longest), "text": self.longest}
            if self.longest and self.reading
            else None,
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
    status: str | None = None  # source (English), draft or reviewed
    findings: list[Finding] = field(default_factory=list)  # about the template or metadata as a whole
    variants: list[VariantResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.level in FAILING for f in self.all_findings())

    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for v in self.variants for f in v.findings)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "language": self.language,
            "file": self.file,
            "version": self.version,
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "status": self.status,
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
            "variants": [v.as_dict() for v in self.variants],
        }


@dataclass
class CheckReport:
    results: list[TemplateResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "limits": {
                "grade": MAX_GRADE,
                "pages": MAX_PAGES,
                "pages_large_print": MAX_PAGES_LARGE,
                "pages_large_print_translated": MAX_PAGES_LARGE_TRANSLATED,
                "sentence_words": MAX_SENTENCE_WORDS,
                "list_items": MAX_LIST_ITEMS,
                "review_months": REVIEW_MONTHS,
            },
            "templates": [r.as_dict() for r in self.results],
        }


def format_table(report: CheckReport) -> str:
    """The report as a table with one row per template (a procedure in a language): its review
    status, its most pages at normal size and in large print, its reading measure at the hardest
    variant, its longest sentence and the Call 911 box's page; then every finding with its place."""
    header = ("PROCEDURE", "LANG", "STATUS", "PAGES", "LARGE", "READING", "LONGEST", "911", "RESULT")
    rows: list[tuple[str, ...]] = []
    for result in report.results:
        normal = [v for v in result.variants if not v.variant.large_print]
        large = [v for v in result.variants if v.variant.large_print]
        rows.append(
            (
                result.procedure,
                result.language or "-",
                result.status or "-",
                _most(v.pages for v in normal),
                _most(v.pages for v in large),
                _hardest(result.variants),
                _longest(result.variants),
                _pages_911(result.variants),
                _verdict(result.all_findings()),
            )
        )
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in (header, *rows)]
    notes = list(_notes(report))
    if notes:
        lines += ["", *notes]
    failed = sum(1 for r in report.results if not r.ok)
    warnings = sum(1 for r in report.results for f in r.all_findings() if f.level == Level.WARNING)
    lines += ["", f"{len(report.results)} template(s) checked: {failed} failed, {warnings} warning(s)."]
    return "\n".join(lines)


def _most(values: Iterable[int | None]) -> str:
    known = [v for v in values if v is not None]
    return str(max(known)) if known else "-"


def _hardest(variants: Sequence[VariantResult]) -> str:
    """The reading measure at the hardest variant: "FK 2.6", "FH 78.1", "ch 21.0"."""
    readings = [v.reading for v in variants if v.reading is not None and v.reading.value is not None]
    if not readings:
        return "-"
    first = readings[0]
    worst = (min if first.higher_is_easier else max)(readings, key=lambda r: r.value or 0.0)
    return f"{worst.short} {worst.value:.1f}"


def _longest(variants: Sequence[VariantResult]) -> str:
    lengths = [v.reading.length(v.longest) for v in variants if v.reading is not None and v.longest]
    unit = next((v.reading.unit for v in variants if v.reading is not None), "words")
    return f"{max(lengths)}{' ch' if unit == 'characters' else ''}" if lengths else "-"


def _pages_911(variants: Sequence[VariantResult]) -> str:
    pages = {v.alert_911_page for v in variants}
    if pages == {1}:
        return "p1"
    return ",".join(f"p{p}" if p else "none" for p in sorted(pages, key=lambda p: p or 99)) if pages else "-"


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
    label = finding.level.upper()
    scope = result.procedure + (f"/{result.language}" if result.language else "")
    if variant:
        scope += f" [{variant}]"
    where = f" ({finding.where()})" if finding.where() else ""
    return f"{label} {scope}: {finding.message}{where}"


def _verdict(findings: Sequence[Finding]) -> str:
    levels = {f.level for f in findings}
    if Level.ERROR in levels:
        return "ERROR"
    if Level.FAIL in levels:
        return "FAIL"
    return "ok (warning)" if Level.WARNING in levels else "ok"


def _cell(value: object, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)
