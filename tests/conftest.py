"""Shared fixtures: the real settings, and helpers that read a PDF the way a person would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dischargegen.api import Settings

EXAMPLE = {
    "name": "Raeann O'Kon",
    "date": "2026-11-24",
    "dob": "1948-03-02",
    "mrn": "0012345",
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own facility config; each test runs in its own folder."""
    monkeypatch.delenv("DISCHARGEGEN_CONFIG", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The shipped templates with no facility config."""
    from dischargegen.catalog import load_catalog
    from dischargegen.config import Config

    return Settings(Config(), load_catalog(None))


@pytest.fixture
def render(settings: Settings) -> Callable[..., bytes]:
    """Make and render a handout from facts, as the library API does."""
    from dischargegen.api import make_handout, render_pdf
    from dischargegen.model import RenderOptions

    def _render(facts: dict | None = None, **options: object) -> bytes:
        handout = make_handout({**EXAMPLE, **(facts or {})}, settings)
        return render_pdf(handout, settings, RenderOptions(**options))  # type: ignore[arg-type]

    return _render
