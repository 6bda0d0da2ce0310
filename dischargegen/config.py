"""The facility configuration: a TOML file with the facility's settings and content overrides.

Looked for at ``--config PATH``, else ``$DISCHARGEGEN_CONFIG``, else
``$XDG_CONFIG_HOME/dischargegen/config.toml`` (``~/.config/dischargegen/config.toml``).
Without a file every facility line is left out of the handout.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .catalog import Catalog
from .dates import Duration, parse_duration
from .errors import ConfigError, InputError, TemplateError
from .languages import normalize, well_formed
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


class CdsIssuer(NamedTuple):
    """A CDS Hooks client allowed to call: its JWT issuer and the PEM public key it signs with."""

    issuer: str
    key_pem: str


class ServiceSettings(NamedTuple):
    """``[service]``: how ``dischargegen serve`` guards and delivers (see the README's *Service*)."""

    tokens: tuple[str, ...] = ()  # SHA-256 hex of each accepted bearer token
    max_request_bytes: int = 5 * 1024 * 1024
    rate_per_minute: int = 120  # requests per client (token or address) per minute
    render_timeout: float = 30.0  # seconds a handout may take before the request fails (503)
    printers: tuple[str, ...] = ()  # CUPS queues the form offers (default: lpstat's list)
    outbox: Path | None = None  # MLLP: folder for each handout's PDF and MDM^T02
    forward: tuple[str, int] | None = None  # MLLP: downstream host and port for the MDM^T02
    public_url: str | None = None  # the service's own URL: CDS Hooks links and JWT audience
    cds_issuers: tuple[CdsIssuer, ...] = ()
    audit_key: str = ""  # keys the MRN hash in the audit log (HMAC-SHA256); `serve` needs one
    session_secret: str = ""  # keys the form's sessions, CSRF tokens and CDS prefill links
    max_connections: int = 100  # open HTTP connections; beyond them: 503
    body_timeout: float = 15.0  # seconds to send a whole request body or MLLP frame, from its first byte
    mllp_peers: tuple[str, ...] = ()  # addresses or networks allowed to send MLLP (else loopback only)
    mllp_max_bytes: int = 1024 * 1024  # an MLLP frame over this is refused (AR) and its connection closed
    mllp_connections: int = 16  # open MLLP connections, from all peers


_SECRET_LENGTH = 32  # characters of session_secret and audit_key, at least
# The README's example of session_secret and audit_key: it loads (the example is a valid config),
# and serve refuses it (a secret everyone has read).
SECRET_PLACEHOLDER = "paste the output of: openssl rand -hex 32"
SECRET_ADVICE = f"set it to at least {_SECRET_LENGTH} random characters: openssl rand -hex 32"
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class Config(NamedTuple):
    facility: Facility = Facility()
    procedures: Mapping[str, ProcedureOverrides] = MappingProxyType({})
    # code system -> code -> procedure id (added to the codes in each procedure's metadata)
    codes: Mapping[str, dict[str, str]] = MappingProxyType({})
    templates_dir: Path | None = None
    path: Path | None = None
    languages: LanguagePolicy = LanguagePolicy()
    service: ServiceSettings = ServiceSettings()

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

    unknown = set(data) - {"facility", "procedures", "codes", "templates_dir", "languages", "service", "barcode"}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown setting")
    raw = data.get("facility", {})
    if not isinstance(raw, dict):
        raise fail("facility", "must be a table")
    raw = dict(raw)
    translations = _facility_translations(raw.pop("translations", {}), raw, fail)
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
        translations=translations,
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
        service=_service(data.get("service", {}), path, fail),
    )


_TRANSLATED_KEYS = ("name", "clinic", "phone_24h_reaches")  # the facility's phrases printed in sentences


def _facility_translations(
    table: Any, facility: dict[str, Any], fail: Callable[[str, str], ConfigError]
) -> Mapping[str, Mapping[str, str]]:
    """``[facility.translations.<language>]``: each language's wording of the facility's phrases,
    keyed by the English phrase it stands for (which must be set)."""
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise fail("facility.translations", "must be a table of language tables, e.g. [facility.translations.es]")
    out: dict[str, Mapping[str, str]] = {}
    for tag, phrases in table.items():
        key = f"facility.translations.{tag}"
        if not well_formed(tag):
            raise fail(key, "is not a language code such as es or zh-Hant")
        wording: dict[str, str] = {}
        for name, value in phrases.items():
            if name not in _TRANSLATED_KEYS:
                raise fail(f"{key}.{name}", f"unknown setting (one of: {', '.join(_TRANSLATED_KEYS)})")
            if not isinstance(value, str) or not value.strip():
                raise fail(f"{key}.{name}", "must be a non-empty string")
            english = facility.get(name)
            if not isinstance(english, str) or not english.strip():
                raise fail(f"{key}.{name}", f"translates facility.{name}, which is not set")
            wording[english] = value
        out[normalize(tag)] = MappingProxyType(wording)
    return MappingProxyType(out)


def _service(raw: object, path: Path, fail: Callable[[str, str], ConfigError]) -> ServiceSettings:
    """``[service]``, checked here so that ``serve`` refuses a bad value before it binds."""
    import ipaddress  # deferred for start-up speed: only a config with [service] needs it

    if not isinstance(raw, dict):
        raise fail("service", "must be a table")
    for key in raw:
        if key not in ServiceSettings._fields:
            raise fail(f"service.{key}", "unknown setting")
    values: dict[str, Any] = {}
    tokens = raw.get("tokens", [])
    if not isinstance(tokens, list) or not all(isinstance(t, str) and _SHA256_HEX.match(t.lower()) for t in tokens):
        raise fail("service.tokens", "must be a list of SHA-256 hex digests (64 hex digits) of the tokens")
    values["tokens"] = tuple(t.lower() for t in tokens)
    whole = (
        ("max_request_bytes", 1024, 64 * 1024 * 1024),
        ("rate_per_minute", 1, 1_000_000),
        ("max_connections", 2, 100_000),
        ("mllp_max_bytes", 1024, 64 * 1024 * 1024),
        ("mllp_connections", 1, 10_000),
    )
    for key, low, high in whole:
        if key in raw:
            if not isinstance(raw[key], int) or isinstance(raw[key], bool) or not low <= raw[key] <= high:
                raise fail(f"service.{key}", f"must be a whole number from {low} to {high}")
            values[key] = raw[key]
    for key, high in (("render_timeout", 600), ("body_timeout", 300)):
        if key in raw:
            seconds = raw[key]
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 1 <= seconds <= high:
                raise fail(f"service.{key}", f"must be a number of seconds from 1 to {high}")
            values[key] = float(seconds)
    for key in ("public_url", "audit_key", "session_secret"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise fail(f"service.{key}", "must be a non-empty string")
            values[key] = raw[key].strip()
    for key in ("audit_key", "session_secret"):
        if key in values and len(values[key]) < _SECRET_LENGTH:
            raise fail(f"service.{key}", SECRET_ADVICE)
    if "public_url" in values and not values["public_url"].startswith(("https://", "http://")):
        raise fail("service.public_url", "must be an http(s) URL")
    peers = raw.get("mllp_peers", [])
    if not isinstance(peers, list) or not all(isinstance(p, str) for p in peers):
        raise fail("service.mllp_peers", "must be a list of addresses or networks, such as 10.1.2.0/24")
    try:
        values["mllp_peers"] = tuple(str(ipaddress.ip_network(p.strip(), strict=False)) for p in peers)
    except ValueError:
        raise fail("service.mllp_peers", "must be a list of addresses or networks, such as 10.1.2.0/24") from None
    printers = raw.get("printers", [])
    if not isinstance(printers, list) or not all(isinstance(p, str) and p.strip() for p in printers):
        raise fail("service.printers", "must be a list of CUPS printer names")
    values["printers"] = tuple(p.strip() for p in printers)
    if "outbox" in raw:
        if not isinstance(raw["outbox"], str) or not raw["outbox"].strip():
            raise fail("service.outbox", "must be a folder")
        outbox = (path.parent / raw["outbox"]).resolve()
        if not outbox.is_dir():
            raise fail("service.outbox", f"{outbox} is not a directory")
        values["outbox"] = outbox
    if "forward" in raw:
        host, _, port = str(raw["forward"]).rpartition(":")
        if not isinstance(raw["forward"], str) or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise fail("service.forward", "must be HOST:PORT of the downstream MLLP listener")
        values["forward"] = (host.strip("[]"), int(port))
    issuers = raw.get("cds_issuers", {})
    if not isinstance(issuers, dict) or not all(isinstance(v, str) for v in issuers.values()):
        raise fail("service.cds_issuers", "must be a table of issuer = PEM public key file")
    found = []
    for issuer, key_file in issuers.items():
        key_path = (path.parent / key_file).resolve()
        try:
            pem = key_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            raise fail(f"service.cds_issuers.{issuer}", f"{key_path}: cannot read the public key") from None
        if "PUBLIC KEY-----" not in pem:
            raise fail(f"service.cds_issuers.{issuer}", f"{key_path}: not a PEM public key")
        found.append(CdsIssuer(issuer, pem))
    values["cds_issuers"] = tuple(found)
    if found and "public_url" not in values:
        raise fail("service.public_url", "is needed with cds_issuers (the JWT audience and the cards' links)")
    return ServiceSettings(**values)


def _barcodes(table: object, fail: Callable[[str, str], ConfigError]) -> Barcodes:
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


def _procedure_overrides(
    table: dict[str, Any], key: str, fail: Callable[[str, str], ConfigError]
) -> ProcedureOverrides:
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
        if name not in catalog.names():
            raise ConfigError(f"{where}: procedures.{name}: no such procedure (known: {', '.join(catalog.names())})")
        try:
            procedure = catalog.get(name)  # this one only: the other procedures' metadata stays unread
        except TemplateError:
            continue  # reported as the template error when the procedure is used or checked
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
