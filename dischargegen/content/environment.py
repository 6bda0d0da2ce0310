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
from babel.dates import format_date, format_time
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

from ..catalog import TEMPLATE_SUFFIX
from ..errors import TemplateError
from .document import ELEMENTS
from .locale_data import cache_folder, date_locale

_TAG = re.compile(r"<\s*/?\s*([A-Za-z_][\w:.-]*)")
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


# Names a template may not use even though Jinja2 would provide them: ``self`` (the template
# object itself) and the usual globals, which are removed from the environment as well.
FORBIDDEN_NAMES = frozenset({"self", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "caller"})
# The longest string or list that ``*`` may build, and the largest exponent of ``**``.
MAX_REPEAT = 10_000
MAX_EXPONENT = 100


class CheckedLoader(jinja2.FileSystemLoader):
    """A file loader that rejects unknown elements in the template source, with the line.

    Only ``*.xml.j2`` files in the template folders can be loaded (``include`` and
    ``extends`` included): never a procedure's metadata or any other file.
    """

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if not template.endswith(TEMPLATE_SUFFIX):
            raise jinja2.TemplateNotFound(template, f"only {TEMPLATE_SUFFIX} templates can be loaded, not {template!r}")
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
    return format_date(value, "full", locale=date_locale(context["language"]))


@jinja2.pass_context
def time_of_day(context: jinja2.runtime.Context, value: datetime) -> str:
    """Time of day in the language's short form: ``10:30 AM``."""
    return format_time(value, "short", locale=date_locale(context["language"]))


class HandoutEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, plus: no ``self``, no globals, and bounded ``*`` and ``**``."""

    intercepted_binops = frozenset({"*", "**"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all(nodes.Name):
            if node.name in FORBIDDEN_NAMES and node.ctx == "load":
                raise TemplateError(f"not allowed in a template: {node.name!r}", filename or name, node.lineno)
        return tree

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponent {right!r} is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_REPEAT:
                    raise SecurityError("the result of '*' is too long")
        return super().call_binop(context, operator, left, right)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's cache folder, so a cold start skips compiling.

    The cache holds template code only, never patient data; without a writable folder it is off.
    """
    folder = cache_folder("jinja")
    if folder is None:
        return None
    # The pattern names the sandbox rules' version: code compiled under older rules is not reused.
    return jinja2.FileSystemBytecodeCache(folder, pattern="__dischargegen_s2_%s.cache")


@lru_cache(maxsize=8)
def environment(folders: tuple[Path, ...]) -> SandboxedEnvironment:
    """One compiled environment per set of template folders (facility folder first)."""
    env = HandoutEnvironment(
        bytecode_cache=_bytecode_cache(),
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
        file, line = _template_frame(exc)  # an include or extends names the file that asked
        detail = exc.message if exc.message and exc.message != exc.name else f"template {exc.name!r} not found"
        raise TemplateError(detail, file or name, line) from None
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
