"""The Jinja2 environment that renders procedure templates, and its error reporting.

Every template, shipped or a facility's, renders in Jinja2's sandbox with autoescaping on and
``StrictUndefined``: a field value can never become markup or template code, a missing value
is an error rather than a blank, and a template that reaches outside the documented context
fails with a :class:`~dischargegen.errors.TemplateError` naming its file and line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TemplateError
from .document import ELEMENTS

_TAG = re.compile(r"<\s*/?\s*([A-Za-z_][\w:.-]*)")
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


class CheckedLoader(jinja2.FileSystemLoader):
    """A file loader that rejects unknown elements in the template source, with the line."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        scan = _JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
        for match in _TAG.finditer(scan):
            if match.group(1) not in ELEMENTS:
                line = scan.count("\n", 0, match.start()) + 1
                raise TemplateError(f"unknown element <{match.group(1)}>", filename, line)
        return source, filename, uptodate


@jinja2.pass_context
def longdate(context: jinja2.runtime.Context, value: date | datetime) -> str:
    """Weekday and full date in the handout's language: ``Tuesday, January 5, 2027``."""
    from babel.dates import format_date

    return format_date(value, "full", locale=context["language"])


@jinja2.pass_context
def time_of_day(context: jinja2.runtime.Context, value: datetime) -> str:
    """Time of day in the language's short form: ``10:30 AM``."""
    from babel.dates import format_time

    return format_time(value, "short", locale=context["language"])


@lru_cache(maxsize=8)
def environment(folders: tuple[Path, ...]) -> SandboxedEnvironment:
    """One compiled environment per set of template folders (facility folder first)."""
    env = SandboxedEnvironment(
        loader=CheckedLoader([str(f) for f in folders]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.globals.clear()  # no range(), dict(), lipsum() or cycler(): only the documented context
    env.filters.update(longdate=longdate, time=time_of_day)
    return env


def render_template(folders: tuple[Path, ...], name: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render template ``name``; returns the XML text and the template's file path."""
    env = environment(folders)
    try:
        template = env.get_template(name)
        return template.render(context), template.filename or name
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.filename or exc.name or name, exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found", name) from None
    except Exception as exc:  # undefined names, sandbox violations, errors raised in filters
        file, line = _template_frame(exc)
        raise TemplateError(_describe(exc), file or name, line) from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in the traceback (Jinja2 rewrites its frames)."""
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__ or sys.exc_info()[2]
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
