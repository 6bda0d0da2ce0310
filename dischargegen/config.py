"""The facility configuration: a TOML file with the facility's settings and content overrides.

Looked for at ``--config PATH``, else ``$DISCHARGEGEN_CONFIG``, else
``$XDG_CONFIG_HOME/dischargegen/config.toml`` (``~/.config/dischargegen/config.toml``).
Without a file every facility line is left out of the handout.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .catalog import Catalog
from .dates import Duration, parse_duration
from .errors import ConfigError, InputError
from .model import Barcodes, Facility, NameCase, PageSize, PdfProfile, Units, Weight
from .phones import format_phone, known_region

_FACILITY_KEYS = {
    "name", "phone", "phone_24h", "units", "page_size", "logo", "clinic", "phone_24h_reaches", "booking_phone",
    "region", "timezone", "name_case", "pdf_profile",
}  # fmt: skip
# The fields a [barcode] code128 format may use: never the patient's name.
BARCODE_FIELDS = ("mrn", "encounter", "document_type")


class Override(NamedTuple):
    """A facility's change to one of a procedure's defaults, with the source it follows."""

    limit: Weight | None = None
    duration: Duration | None = None
    source: str | None = None


class ProcedureOverrides(NamedTuple):
    """``[procedures.<id>.restrictions.<kind>]`` and ``[procedures.<id>.timeline.<key>]``."""

    restrictions: Mapping[str, Override] = MappingProxyType({})
    timeline: Mapping[str, Override] = MappingProxyType({})


class LanguagePolicy(NamedTuple):
    """``[languages]``: whether a draft translation may be printed (else English, with a
    warning), and whether the English handout follows a draft translation."""

    require_reviewed: bool = False
    english_copy: bool = True


class Config(NamedTuple):
    facility: Facility = Facility()
    procedures: Mapping[str, ProcedureOverrides] = MappingProxyType({})
    # code system -> code -> procedure id (added to the codes in each procedure's metadata)
    codes: Mapping[str, dict[str, str]] = MappingProxyType({})
    templates_dir: Path | None = None
    path: Path | None = None
    languages: LanguagePolicy = LanguagePolicy()

    def overrides(self, procedure_id: str) -> ProcedureOverrides:
        return self.procedures.get(procedure_id, ProcedureOverrides())


def default_config_path() -> Path:
    env = os.environ.get("DISCHARGEGEN_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dischargegen" / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config at ``path`` (which must exist) or at the default location (optional)."""
    explicit = path is not None or "DISCHARGEGEN_CONFIG" in os.environ
    target = path if path is not None else default_config_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{target}: config file not found") from None
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{target}: cannot read config: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: not valid TOML: {exc}") from None
    return _parse(data, target)


def _parse(data: dict[str, Any], path: Path) -> Config:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{path}: {key}: {message}")

    unknown = set(data) - {"facility", "procedures", "codes", "templates_dir", "languages", "barcode"}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown setting")
    raw = data.get("facility", {})
    if not isinstance(raw, dict):
        raise fail("facility", "must be a table")
    for key in raw:
        if key not in _FACILITY_KEYS:
            raise fail(f"facility.{key}", "unknown setting")
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise fail(f"facility.{key}", "must be a non-empty string")
    units = raw.get("units", "lb").lower()
    if units not in set(Units):
        raise fail("facility.units", f"{units!r} is not 'lb' or 'kg'")
    page_size = raw.get("page_size", "letter").lower()
    if page_size not in set(PageSize):
        raise fail("facility.page_size", f"{page_size!r} is not 'Letter' or 'A4'")
    region = raw.get("region", "US").upper()
    if not known_region(region):
        raise fail("facility.region", f"{region!r} is not a region code such as US or GB")
    for key in ("phone", "phone_24h", "booking_phone"):
        if key in raw:
            try:
                format_phone(raw[key], region, key)
            except InputError as exc:
                raise fail(f"facility.{key}", exc.message) from None
    timezone = raw.get("timezone")
    if timezone is not None and not _known_zone(timezone):
        raise fail("facility.timezone", f"{timezone!r} is not an IANA time zone such as America/New_York")
    name_case = raw.get("name_case", "as-given").lower()
    if name_case not in set(NameCase):
        raise fail("facility.name_case", f"{name_case!r} is not 'as-given' or 'title'")
    pdf_profile = raw.get("pdf_profile", PdfProfile.ARCHIVAL).lower()
    if pdf_profile not in set(PdfProfile):
        raise fail("facility.pdf_profile", f"{pdf_profile!r} is not one of {', '.join(PdfProfile)}")
    logo = raw.get("logo")
    if logo is not None:
        logo_path = (path.parent / logo).resolve()
        if not logo_path.is_file():
            raise fail("facility.logo", f"{logo_path} does not exist")
        if not _is_image(logo_path):
            raise fail("facility.logo", f"{logo_path} is not a PNG or JPEG image")
        logo = str(logo_path)
    facility = Facility(
        name=raw.get("name"),
        phone=raw.get("phone"),
        phone_24h=raw.get("phone_24h"),
        units=Units(units),
        page_size=PageSize(page_size),
        logo=logo,
        clinic=raw.get("clinic"),
        phone_24h_reaches=raw.get("phone_24h_reaches"),
        booking_phone=raw.get("booking_phone"),
        region=region,
        timezone=timezone,
        name_case=NameCase(name_case),
        pdf_profile=PdfProfile(pdf_profile),
        barcodes=_barcodes(data.get("barcode", {}), fail),
    )
    procedures = data.get("procedures", {})
    if not isinstance(procedures, dict) or not all(isinstance(v, dict) for v in procedures.values()):
        raise fail("procedures", "must be a table of procedure tables")
    codes = data.get("codes", {})
    if not isinstance(codes, dict) or not all(isinstance(v, dict) for v in codes.values()):
        raise fail("codes", "must be a table of code systems, each mapping codes to procedures")
    templates_dir = data.get("templates_dir")
    if templates_dir is not None:
        templates_dir = (path.parent / str(templates_dir)).resolve()
        if not templates_dir.is_dir():
            raise fail("templates_dir", f"{templates_dir} is not a directory")
    languages = data.get("languages", {})
    if not isinstance(languages, dict):
        raise fail("languages", "must be a table")
    for key, value in languages.items():
        if key not in LanguagePolicy._fields:
            raise fail(f"languages.{key}", "unknown setting")
        if not isinstance(value, bool):
            raise fail(f"languages.{key}", "must be true or false")
    return Config(
        facility=facility,
        languages=LanguagePolicy(**languages),
        procedures={
            name: _procedure_overrides(table, f"procedures.{name}", fail) for name, table in procedures.items()
        },
        codes={system: {str(k): str(v) for k, v in table.items()} for system, table in codes.items()},
        templates_dir=templates_dir,
        path=path,
    )


def _barcodes(table: object, fail: Any) -> Barcodes:
    """``[barcode]``: ``code128`` a format over :data:`BARCODE_FIELDS` (``"{mrn}"``), ``qr`` true
    or false. Checked here: a format that names another field (the patient's name) is refused."""
    import string  # deferred for start-up speed: only a config with barcodes needs it

    if not isinstance(table, dict):
        raise fail("barcode", "must be a table")
    for key in set(table) - {"code128", "qr"}:
        raise fail(f"barcode.{key}", "unknown setting (code128 or qr)")
    qr = table.get("qr", False)
    if not isinstance(qr, bool):
        raise fail("barcode.qr", "must be true or false")
    code128 = table.get("code128")
    if code128 is None:
        return Barcodes(None, qr)
    if not isinstance(code128, str) or not code128.strip():
        raise fail("barcode.code128", 'must be a non-empty format such as "{mrn}"')
    try:
        parts = list(string.Formatter().parse(code128))
    except ValueError as exc:
        raise fail("barcode.code128", f"not a valid format: {exc}") from None
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in BARCODE_FIELDS:
            raise fail("barcode.code128", f"{{{field}}} is not one of {', '.join(f'{{{f}}}' for f in BARCODE_FIELDS)}")
        if spec or conversion:
            raise fail("barcode.code128", f"{{{field}}} takes no format spec or conversion")
    if any(ord(char) > 126 or ord(char) < 32 for char in code128):
        raise fail("barcode.code128", "Code 128 carries printable ASCII only")
    return Barcodes(code128, qr)


def _known_zone(name: str) -> bool:
    import zoneinfo  # deferred for start-up speed: only a config that names a zone needs it

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _is_image(path: Path) -> bool:
    """Whether the file starts as a PNG or a JPEG does (the logo formats a handout prints)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))


def _procedure_overrides(table: dict[str, Any], key: str, fail: Any) -> ProcedureOverrides:
    unknown = set(table) - {"restrictions", "timeline"}
    if unknown:
        raise fail(f"{key}.{sorted(unknown)[0]}", "unknown setting (restrictions or timeline)")
    parts: dict[str, dict[str, Override]] = {}
    for section, allowed in (("restrictions", {"limit", "duration", "source"}), ("timeline", {"duration", "source"})):
        entries = table.get(section, {})
        if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
            raise fail(f"{key}.{section}", "must be a table of tables")
        parts[section] = {}
        for name, spec in entries.items():
            where = f"{key}.{section}.{name}"
            unknown = set(spec) - allowed
            if unknown:
                raise fail(f"{where}.{sorted(unknown)[0]}", "unknown setting")
            try:
                limit = Weight.parse(spec["limit"], where) if "limit" in spec else None
                duration = parse_duration(spec["duration"], where) if "duration" in spec else None
            except InputError as exc:
                raise fail(where, exc.message) from None
            source = spec.get("source")
            if source is not None and (not isinstance(source, str) or not source.strip()):
                raise fail(f"{where}.source", "must be a non-empty string")
            parts[section][name] = Override(limit, duration, source)
    return ProcedureOverrides(parts["restrictions"], parts["timeline"])


def check_overrides(config: Config, catalog: Catalog) -> None:
    """The config's changes to procedure defaults must name procedures and defaults that exist."""
    where = config.path or "config"
    for name, overrides in config.procedures.items():
        if name in catalog.broken:
            continue  # reported as the template error when the procedure is used or checked
        if name not in catalog.procedures:
            raise ConfigError(f"{where}: procedures.{name}: no such procedure (known: {', '.join(catalog.names())})")
        procedure = catalog.procedures[name]
        for kind, override in overrides.restrictions.items():
            key = f"procedures.{name}.restrictions.{kind}"
            if kind not in procedure.restrictions:
                raise ConfigError(
                    f"{where}: {key}: unknown restriction kind (known: {', '.join(procedure.restrictions)})"
                )
            if override.limit is not None and procedure.restrictions[kind].limit is None:
                raise ConfigError(f"{where}: {key}.limit: this restriction takes no weight limit, only a duration")
        for entry in overrides.timeline:
            if entry not in procedure.timeline:
                known = ", ".join(procedure.timeline)
                raise ConfigError(
                    f"{where}: procedures.{name}.timeline.{entry}: unknown timeline entry (known: {known})"
                )
