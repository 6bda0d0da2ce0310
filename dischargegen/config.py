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
from typing import NamedTuple

from .errors import ConfigError
from .model import PAGE_SIZES, Facility

_FACILITY_KEYS = {"name", "phone", "phone_24h", "units", "page_size", "logo"}


class Config(NamedTuple):
    facility: Facility = Facility()
    # procedure id -> {"restrictions": {kind: {...}}, "timeline": {key: {...}}}
    procedures: Mapping[str, dict[str, dict[str, dict[str, str]]]] = MappingProxyType({})
    # code system -> code -> procedure id (added to the codes in each procedure's metadata)
    codes: Mapping[str, dict[str, str]] = MappingProxyType({})
    templates_dir: Path | None = None
    path: Path | None = None


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


def _parse(data: dict, path: Path) -> Config:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{path}: {key}: {message}")

    unknown = set(data) - {"facility", "procedures", "codes", "templates_dir"}
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
    if units not in ("lb", "kg"):
        raise fail("facility.units", f"{units!r} is not 'lb' or 'kg'")
    page_size = raw.get("page_size", "letter").lower()
    if page_size not in PAGE_SIZES:
        raise fail("facility.page_size", f"{page_size!r} is not 'Letter' or 'A4'")
    logo = raw.get("logo")
    if logo is not None:
        logo_path = (path.parent / logo).resolve()
        if not logo_path.is_file():
            raise fail("facility.logo", f"{logo_path} does not exist")
        logo = str(logo_path)
    facility = Facility(
        name=raw.get("name"),
        phone=raw.get("phone"),
        phone_24h=raw.get("phone_24h"),
        units=units,
        page_size=page_size,
        logo=logo,
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
    return Config(
        facility=facility,
        procedures=procedures,
        codes={system: {str(k): str(v) for k, v in table.items()} for system, table in codes.items()},
        templates_dir=templates_dir,
        path=path,
    )
