"""The library API that every entry point calls: facts in, a Handout, PDF bytes out.

    from dischargegen.api import load_settings, make_handout, render_pdf
    settings = load_settings()                       # facility config + procedure catalog
    handout = make_handout({"name": "Ann Lee", "date": "2026-11-24"}, settings)
    pdf = render_pdf(handout, settings, RenderOptions(large_print=True))
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from .config import Config, load_config
from .content.catalog import Catalog, load_catalog
from .model import Handout, RenderOptions

__all__ = ["Settings", "load_settings", "make_handout", "render_pdf", "RenderOptions", "Handout"]


class Settings(NamedTuple):
    """The facility configuration and the procedures it can make, loaded once per process."""

    config: Config
    catalog: Catalog


def load_settings(config_path: Path | None = None, templates_dir: Path | None = None) -> Settings:
    """Read the facility config (``config_path`` or the default location) and the templates.

    ``templates_dir`` (the ``--templates-dir`` option) wins over the config's ``templates_dir``.
    """
    config = load_config(config_path)
    return Settings(config, load_catalog(templates_dir or config.templates_dir))


def make_handout(facts: Mapping[str, Any], settings: Settings, *, today: date | None = None) -> Handout:
    """Validate one patient's facts (keys are the long option names) into a Handout."""
    from .facts import build_handout

    return build_handout(facts, config=settings.config, catalog=settings.catalog, today=today)


def render_pdf(handout: Handout, settings: Settings, options: RenderOptions | None = None) -> bytes:
    """Render the handout to PDF bytes."""
    from .layout.render import render

    return render(handout, settings.catalog.get(handout.procedure), settings.catalog, options or RenderOptions())
