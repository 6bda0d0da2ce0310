"""The procedures that can be made: their templates per language and their metadata.

A procedure is a folder ``templates/<id>/`` holding ``procedure.toml`` (version, review date,
codes, default values with their sources) and one ``<lang>.xml.j2`` template per language.
A facility's templates directory is searched first, so it can add or override procedures.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..dates import Duration, parse_duration
from ..errors import InputError, TemplateError
from ..model import Weight

SHIPPED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
if not SHIPPED_TEMPLATES.is_dir():  # running from a source checkout
    SHIPPED_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

TEMPLATE_SUFFIX = ".xml.j2"


@dataclass(frozen=True)
class RestrictionDefault:
    kind: str
    duration: Duration
    source: str
    limit: Weight | None = None


@dataclass(frozen=True)
class TimelineDefault:
    key: str
    duration: Duration
    source: str


@dataclass(frozen=True)
class Procedure:
    id: str
    title: str
    version: str
    reviewed: date
    reviewed_by: str
    folder: Path
    languages: tuple[str, ...]
    codes: dict[str, tuple[str, ...]]
    restrictions: dict[str, RestrictionDefault]
    timeline: dict[str, TimelineDefault]
    values: dict[str, dict[str, object]] = field(default_factory=dict)  # other defaults, with sources
    warning_signs: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> tier, source
    causes: tuple[str, ...] = ("osteoporosis", "cancer", "trauma")

    def template_name(self, language: str) -> str:
        return f"{self.id}/{language}{TEMPLATE_SUFFIX}"


def _require(table: dict, key: str, where: str, kind: type) -> object:
    value = table.get(key)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise TemplateError(f"'{key}' is missing or not a {kind.__name__}", where)
    return value


def load_procedure(folder: Path) -> Procedure:
    """Read and check one procedure's metadata; any defect is a TemplateError naming the file."""
    meta_path = folder / "procedure.toml"
    where = str(meta_path)
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError("procedure metadata file is missing", where) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TemplateError(f"not valid TOML: {exc}", where) from None
    head = meta.get("procedure")
    if not isinstance(head, dict):
        raise TemplateError("the [procedure] table is missing", where)
    reviewed = _require(head, "reviewed", where, date)
    restrictions: dict[str, RestrictionDefault] = {}
    for kind, spec in (meta.get("restrictions") or {}).items():
        restrictions[kind] = RestrictionDefault(
            kind=kind,
            duration=_meta_duration(spec, f"restrictions.{kind}", where),
            source=_source(spec, f"restrictions.{kind}", where),
            limit=_meta_limit(spec, f"restrictions.{kind}", where),
        )
    timeline = {
        key: TimelineDefault(key, _meta_duration(spec, f"timeline.{key}", where), _source(spec, f"timeline.{key}", where))
        for key, spec in (meta.get("timeline") or {}).items()
    }
    values = {key: dict(spec) for key, spec in (meta.get("values") or {}).items()}
    for key, spec in values.items():
        _source(spec, f"values.{key}", where)
    signs = {key: dict(spec) for key, spec in (meta.get("warning_signs") or {}).items()}
    for key, spec in signs.items():
        _source(spec, f"warning_signs.{key}", where)
        if spec.get("tier") not in ("911", "doctor"):
            raise TemplateError(f"warning_signs.{key}: tier must be '911' or 'doctor'", where)
    codes = {system: tuple(str(c) for c in values_) for system, values_ in (meta.get("codes") or {}).items()}
    languages = tuple(sorted(p.name[: -len(TEMPLATE_SUFFIX)] for p in folder.glob(f"*{TEMPLATE_SUFFIX}")))
    if not languages:
        raise TemplateError(f"no template (<lang>{TEMPLATE_SUFFIX}) beside the metadata", where)
    return Procedure(
        id=folder.name,
        title=str(_require(head, "title", where, str)),
        version=str(_require(head, "version", where, str)),
        reviewed=reviewed,  # type: ignore[arg-type]
        reviewed_by=str(_require(head, "reviewed_by", where, str)),
        folder=folder,
        languages=languages,
        codes=codes,
        restrictions=restrictions,
        timeline=timeline,
        values=values,
        warning_signs=signs,
        causes=tuple(head.get("causes", ("osteoporosis", "cancer", "trauma"))),
    )


def _source(spec: object, name: str, where: str) -> str:
    if not isinstance(spec, dict):
        raise TemplateError(f"{name} must be a table", where)
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        raise TemplateError(f"{name} has no source for its default value", where)
    return source


def _meta_duration(spec: object, name: str, where: str) -> Duration:
    if not isinstance(spec, dict):
        raise TemplateError(f"{name} must be a table", where)
    try:
        return parse_duration(spec.get("duration"), name)
    except InputError as exc:
        raise TemplateError(str(exc), where) from None


def _meta_limit(spec: dict, name: str, where: str) -> Weight | None:
    if "limit" not in spec:
        return None
    try:
        return Weight.parse(spec["limit"], name)
    except InputError as exc:
        raise TemplateError(str(exc), where) from None


@dataclass(frozen=True)
class Catalog:
    """The procedures found in the template folders, facility folder first."""

    folders: tuple[Path, ...]
    procedures: dict[str, Procedure]

    def get(self, procedure_id: str) -> Procedure:
        try:
            return self.procedures[procedure_id]
        except KeyError:
            known = ", ".join(sorted(self.procedures)) or "none"
            raise InputError("procedure", f"unknown procedure {procedure_id!r} (known: {known})") from None


@lru_cache(maxsize=8)
def load_catalog(extra_dir: Path | None = None) -> Catalog:
    """Every procedure in the shipped templates, plus or overridden by ``extra_dir``'s."""
    folders = ((extra_dir,) if extra_dir else ()) + (SHIPPED_TEMPLATES,)
    procedures: dict[str, Procedure] = {}
    for folder in reversed(folders):  # the facility's folder last, so that it overrides
        if not folder.is_dir():
            raise TemplateError("templates directory does not exist", str(folder))
        for meta in sorted(folder.glob("*/procedure.toml")):
            procedures[meta.parent.name] = load_procedure(meta.parent)
    return Catalog(folders, procedures)
