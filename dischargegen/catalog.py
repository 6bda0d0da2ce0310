"""The procedures that can be made: their templates per language and their metadata.

A procedure is a folder ``templates/<id>/`` holding ``procedure.toml`` (version, review date,
codes, default values with their sources) and one ``<lang>.xml.j2`` template per language; each
translation has a ``<lang>.toml`` beside it (the procedure's name in that language, who
translated it, its review status).
A facility's templates directory is searched first, so it can add or override procedures.
A procedure whose metadata is broken is kept aside with its error: asking for it raises that
error, and ``templates check`` reports it.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .dates import Duration, parse_duration
from .errors import InputError, TemplateError, TemplateProblem
from .languages import SOURCE_LANGUAGE
from .model import Cause, Tier, Weight

SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "templates"
if not SHIPPED_TEMPLATES.is_dir():  # running from a source checkout
    SHIPPED_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

TEMPLATE_SUFFIX = ".xml.j2"
MAX_TEMPLATE_BYTES = 256 * 1024  # a template or metadata file larger than this is refused


def read_inside(root: Path, path: Path) -> str:
    """The UTF-8 text of ``path``, a regular file whose real path is inside the folder ``root``.

    Templates and metadata are read only through here: a symbolic link (or a linked folder)
    that leads out of the templates folder, a device or FIFO, or a file over
    :data:`MAX_TEMPLATE_BYTES` is a :class:`TemplateError`, so no other file can be read.
    ``FileNotFoundError`` passes through for the caller to report.
    """
    where = str(path)
    try:
        real = path.resolve(strict=True)
    except RuntimeError:  # a loop of symbolic links
        raise TemplateError("is a loop of symbolic links; not read", where) from None
    if not real.is_relative_to(root.resolve()):
        raise TemplateError("leads outside the templates folder (a symbolic link?); not read", where)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise TemplateError(f"cannot read: {exc.strerror}", where) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TemplateError("is not a regular file; not read", where)
        data = handle.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"is larger than {MAX_TEMPLATE_BYTES // 1024} kB", where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateError("is not UTF-8 text", where) from None


class RestrictionDefault(NamedTuple):
    kind: str
    duration: Duration
    source: str
    limit: Weight | None = None


class TimelineDefault(NamedTuple):
    key: str
    duration: Duration
    source: str


class Translation(NamedTuple):
    """A language other than English: the procedure's name in it, who translated the content,
    and whether a qualified medical translator has reviewed it (``draft`` until one has)."""

    language: str
    title: str
    source_version: str  # the version of the English content it translates
    status: str  # "draft" or "reviewed"
    translated_by: str
    reviewer_role: str | None = None  # e.g. "ATA-certified medical translator"
    reviewed: date | None = None

    @property
    def draft(self) -> bool:
        return self.status != "reviewed"


TRANSLATION_STATUSES = ("draft", "reviewed")


class Procedure(NamedTuple):
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
    values: dict[str, dict[str, object]]  # other defaults, with sources
    warning_signs: dict[str, dict[str, str]]  # key -> tier, source
    causes: tuple[Cause, ...] = tuple(Cause)
    translations: dict[str, Translation] = {}  # noqa: RUF012  (a NamedTuple default, never changed)

    def title_in(self, language: str) -> str:
        """The procedure's name in ``language``: the translation's title, else the English one."""
        found = self.translations.get(language)
        return found.title if found else self.title

    def template_name(self, language: str) -> str:
        """The template's name for the Jinja2 loader: ``kyphoplasty/en.xml.j2``."""
        return f"{self.id}/{language}{TEMPLATE_SUFFIX}"

    def template_file(self, language: str) -> Path:
        return self.folder / f"{language}{TEMPLATE_SUFFIX}"

    @property
    def shipped(self) -> bool:
        """Whether the procedure comes with dischargegen (else from a facility's folder)."""
        return self.folder.parent == SHIPPED_TEMPLATES


class _Meta:
    """The metadata file's path and text, to name the file and line of each defect."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = str(path)
        self.lines = text.splitlines()

    def line(self, dotted: str) -> int | None:
        """The line of the table ``[a.b]`` (or, failing that, of its parent table)."""
        parts = dotted.split(".")
        while parts:
            pattern = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(rf'"?{re.escape(p)}"?' for p in parts) + r"\s*\]")
            for number, text in enumerate(self.lines, start=1):
                if pattern.match(text):
                    return number
            parts.pop()
        return None

    def error(
        self, message: str, table: str | None = None, code: TemplateProblem = TemplateProblem.METADATA
    ) -> TemplateError:
        return TemplateError(message, self.path, self.line(table) if table else None, code)


def _require(table: dict[str, Any], key: str, meta: _Meta, kind: type, where: str = "procedure") -> object:
    value = table.get(key)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise meta.error(f"{where}.{key} is missing or not a {_KIND_WORDS.get(kind, kind.__name__)}", where)
    return value


_KIND_WORDS = {str: "text", date: "date (YYYY-MM-DD, unquoted)"}


def load_procedure(folder: Path, root: Path | None = None) -> Procedure:
    """Read and check one procedure's metadata; any defect is a TemplateError naming the file."""
    meta_path = folder / "procedure.toml"
    where = str(meta_path)
    try:
        text = read_inside(root or folder.parent, meta_path)
    except FileNotFoundError:
        raise TemplateError("procedure metadata file is missing", where, code=TemplateProblem.METADATA) from None
    except OSError as exc:
        raise TemplateError(f"cannot read the metadata: {exc.strerror}", where, code=TemplateProblem.METADATA) from None
    except TemplateError as exc:
        raise TemplateError(exc.message, exc.file, code=TemplateProblem.METADATA) from None
    try:
        meta = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "syntax error"
        raise TemplateError(
            f"not valid TOML: {message}", where, int(found.group(1)) if found else None, TemplateProblem.METADATA
        ) from None
    m = _Meta(meta_path, text)
    head = meta.get("procedure")
    if not isinstance(head, dict):
        raise m.error("the [procedure] table is missing")
    reviewed = _require(head, "reviewed", m, date)
    if isinstance(reviewed, datetime):
        raise m.error("procedure.reviewed must be a date without a time", "procedure")
    causes = head.get("causes", list(Cause))
    if not isinstance(causes, list) or not all(isinstance(c, str) and c.strip().lower() in set(Cause) for c in causes):
        raise m.error(f"procedure.causes must be a list of causes from: {', '.join(Cause)}", "procedure")
    for section in ("restrictions", "timeline", "values", "warning_signs", "codes"):
        if not isinstance(meta.get(section, {}), dict):
            raise m.error(f"{section} must be a table of tables", section)
    restrictions: dict[str, RestrictionDefault] = {}
    for kind, spec in (meta.get("restrictions") or {}).items():
        name = f"restrictions.{kind}"
        restrictions[kind] = RestrictionDefault(
            kind=kind,
            duration=_meta_duration(spec, name, m),
            source=_source(spec, name, m),
            limit=_meta_limit(spec, name, m),
        )
    timeline = {
        key: TimelineDefault(key, _meta_duration(spec, f"timeline.{key}", m), _source(spec, f"timeline.{key}", m))
        for key, spec in (meta.get("timeline") or {}).items()
    }
    for key, spec in (meta.get("values") or {}).items():
        _source(spec, f"values.{key}", m)
    values = {key: dict(spec) for key, spec in (meta.get("values") or {}).items()}
    signs: dict[str, dict[str, str]] = {}
    for key, spec in (meta.get("warning_signs") or {}).items():
        _source(spec, f"warning_signs.{key}", m)
        if spec.get("tier") not in tuple(Tier):
            raise m.error(f"warning_signs.{key}: tier must be '911' or 'doctor'", f"warning_signs.{key}")
        signs[key] = dict(spec)
    codes: dict[str, tuple[str, ...]] = {}
    for system, values_ in (meta.get("codes") or {}).items():
        if not isinstance(values_, list):
            raise m.error(f"codes.{system} must be a list of codes", "codes")
        codes[system] = tuple(str(c) for c in values_)
    languages = tuple(sorted(p.name[: -len(TEMPLATE_SUFFIX)] for p in folder.glob(f"*{TEMPLATE_SUFFIX}")))
    if not languages:
        raise m.error(f"no template (<lang>{TEMPLATE_SUFFIX}) beside the metadata")
    translations = _translations(folder, root or folder.parent, languages)
    return Procedure(
        id=folder.name,
        title=str(_require(head, "title", m, str)),
        version=str(_require(head, "version", m, str)),
        reviewed=reviewed,  # type: ignore[arg-type]
        reviewed_by=str(_require(head, "reviewed_by", m, str)),
        folder=folder,
        languages=languages,
        codes=codes,
        restrictions=restrictions,
        timeline=timeline,
        values=values,
        warning_signs=signs,
        causes=tuple(Cause(c.strip().lower()) for c in causes),
        translations=translations,
    )


def _translations(folder: Path, root: Path, languages: tuple[str, ...]) -> dict[str, Translation]:
    """Each translation's ``<lang>.toml`` beside its template: a draft claims no review; a
    reviewed translation names the reviewer's role and the date."""
    out: dict[str, Translation] = {}
    for language in languages:
        if language == SOURCE_LANGUAGE:
            continue
        path = folder / f"{language}.toml"
        try:
            text = read_inside(root, path)
        except FileNotFoundError:
            raise TemplateError(
                f"{language}{TEMPLATE_SUFFIX} has no {path.name} (title, status, translated_by)",
                str(path),
                code=TemplateProblem.METADATA,
            ) from None
        try:
            spec = tomllib.loads(text).get("translation")
        except tomllib.TOMLDecodeError:
            raise TemplateError("not valid TOML", str(path), code=TemplateProblem.METADATA) from None
        m = _Meta(path, text)
        if not isinstance(spec, dict):
            raise m.error("the [translation] table is missing")
        status = spec.get("status")
        if status not in TRANSLATION_STATUSES:
            raise m.error(f"translation.status must be one of: {', '.join(TRANSLATION_STATUSES)}", "translation")
        reviewed, role = spec.get("reviewed"), spec.get("reviewer_role")
        if status == "reviewed" and not (isinstance(role, str) and role.strip() and type(reviewed) is date):
            raise m.error("a reviewed translation needs reviewer_role and reviewed (a date)", "translation")
        if status == "draft" and (reviewed is not None or role is not None):
            raise m.error("a draft has no reviewer_role or reviewed date: no review happened", "translation")
        title, version, by = (
            _require(spec, key, m, str, "translation") for key in ("title", "source_version", "translated_by")
        )
        out[language] = Translation(language, str(title), str(version), status, str(by), role, reviewed)
    return out


def _source(spec: object, name: str, meta: _Meta) -> str:
    if not isinstance(spec, dict):
        raise meta.error(f"{name} must be a table", name)
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        raise meta.error(f"{name} has no source for its default value", name, TemplateProblem.SOURCE)
    return source


def _meta_duration(spec: object, name: str, meta: _Meta) -> Duration:
    if not isinstance(spec, dict):
        raise meta.error(f"{name} must be a table", name)
    try:
        return parse_duration(spec.get("duration"), name)
    except InputError as exc:
        raise meta.error(str(exc), name) from None


def _meta_limit(spec: dict[str, Any], name: str, meta: _Meta) -> Weight | None:
    if "limit" not in spec:
        return None
    try:
        return Weight.parse(spec["limit"], name)
    except InputError as exc:
        raise meta.error(str(exc), name) from None


class Catalog:
    """The procedures found in the template folders, facility folder first. A procedure's
    metadata is read and checked when it is first asked for (a handout needs one of them);
    :attr:`procedures` and :attr:`broken` read them all."""

    def __init__(self, folders: tuple[Path, ...], found: dict[str, Path]) -> None:
        self.folders = folders
        self._found = found  # procedure id -> its folder, the facility's over the shipped one
        self._read: dict[str, Procedure | TemplateError] = {}

    def _load(self, procedure_id: str) -> Procedure | TemplateError:
        if procedure_id not in self._read:
            try:
                self._read[procedure_id] = load_procedure(self._found[procedure_id])
            except TemplateError as exc:
                self._read[procedure_id] = exc
        return self._read[procedure_id]

    def get(self, procedure_id: str) -> Procedure:
        if procedure_id not in self._found:
            known = ", ".join(sorted(self.procedures)) or "none"
            raise InputError("procedure", f"not a procedure that can be made (known: {known})")
        loaded = self._load(procedure_id)
        if isinstance(loaded, TemplateError):
            raise loaded
        return loaded

    @property
    def procedures(self) -> dict[str, Procedure]:
        """Every procedure whose metadata can be used, by id."""
        loaded = {name: self._load(name) for name in sorted(self._found)}
        return {name: p for name, p in loaded.items() if isinstance(p, Procedure)}

    @property
    def broken(self) -> dict[str, TemplateError]:
        """Every procedure whose metadata cannot be used, by id, with why."""
        loaded = {name: self._load(name) for name in sorted(self._found)}
        return {name: p for name, p in loaded.items() if isinstance(p, TemplateError)}

    def names(self) -> list[str]:
        """Every procedure id, usable or broken, sorted."""
        return sorted(self._found)


@lru_cache(maxsize=8)
def load_catalog(extra_dir: Path | None = None) -> Catalog:
    """Every procedure in the shipped templates, plus or overridden by ``extra_dir``'s."""
    folders = ((extra_dir,) if extra_dir else ()) + (SHIPPED_TEMPLATES,)
    found: dict[str, Path] = {}
    for folder in reversed(folders):  # the facility's folder last, so that it overrides
        if not folder.is_dir():
            raise TemplateError("templates directory does not exist", str(folder))
        for meta in sorted(folder.glob("*/procedure.toml")):
            found[meta.parent.name] = meta.parent
    return Catalog(folders, found)
