"""The Jinja2 environment that renders procedure templates, and its error reporting.

Every template, shipped or a facility's, renders in the sandbox of :mod:`.sandbox` with
autoescaping on and ``StrictUndefined``: a field value can never become markup or template
code, a missing value is an error rather than a blank, and a template that reaches outside the
documented context or its budgets fails with a :class:`~dischargegen.errors.TemplateError`
naming its file and line. An error message never quotes a value from the patient's facts.
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
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path

from ..catalog import TEMPLATE_SUFFIX, read_inside
from ..errors import TemplateError
from ..languages import babel_locale
from .document import ELEMENTS
from .locale_data import date_locale, private_cache
from .sandbox import HandoutEnvironment, render_bounded
from .typography import day_written, time_pattern

_TAG = re.compile(r"<\s*/?\s*([A-Za-z_][\w:.-]*)")
_QUOTED = re.compile(r"'([^']*)'")
_TYPE_NAME = re.compile(r"[\w.]+ object")  # how Jinja2 names a value's type: 'dict object'


class CheckedLoader(jinja2.BaseLoader):
    """Loads ``*.xml.j2`` templates from the template folders, facility folder first.

    Only regular files whose real path is inside one of the folders are read (``include`` and
    ``extends`` included): never a procedure's metadata, a file a symbolic link leads to
    outside the folder, or any other file. Unknown elements in the source are an error with
    the line.
    """

    def __init__(self, folders: tuple[Path, ...]) -> None:
        self.folders = folders

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if not template.endswith(TEMPLATE_SUFFIX):
            raise jinja2.TemplateNotFound(template, f"only {TEMPLATE_SUFFIX} templates can be loaded")
        pieces = split_template_path(template)  # refuses ".." and absolute names
        for folder in self.folders:
            path = folder.joinpath(*pieces)
            try:
                source = read_inside(folder, path)
            except FileNotFoundError:
                continue
            _check_elements(source, str(path))
            return source, str(path), lambda: True
        raise jinja2.TemplateNotFound(template)


def _check_elements(source: str, filename: str) -> None:
    scan = _without_comments(source)
    for match in _TAG.finditer(scan):
        if match.group(1) not in ELEMENTS:
            line = scan.count("\n", 0, match.start()) + 1
            raise TemplateError(f"unknown element <{match.group(1)}>", filename, line)


def _without_comments(source: str) -> str:
    """The source with each Jinja2 comment blanked out (its line breaks kept), in linear time."""
    out: list[str] = []
    position = 0
    while (start := source.find("{#", position)) >= 0:
        end = source.find("#}", start + 2)
        end = len(source) if end < 0 else end + 2
        out += [source[position:start], "\n" * source.count("\n", start, end)]
        position = end
    out.append(source[position:])
    return "".join(out)


@jinja2.pass_context
def longdate(context: jinja2.runtime.Context, value: date | datetime) -> str:
    """Weekday and full date in the handout's language: ``Tuesday, January 5, 2027``."""
    return _date(value, "full", context["language"])


@jinja2.pass_context
def plain_date(context: jinja2.runtime.Context, value: date | datetime) -> str:
    """The date without its weekday, in the handout's language: ``January 5, 2027``."""
    return _date(value, "long", context["language"])


def _date(value: date | datetime, width: str, language: str) -> str:
    return day_written(str(format_date(value, width, locale=date_locale(babel_locale(language)))), value, language)


@jinja2.pass_context
def time_of_day(context: jinja2.runtime.Context, value: datetime) -> str:
    """Time of day in the language's short form: ``10:30 AM`` (French: ``10 h 30``)."""
    language = context["language"]
    return str(format_time(value, time_pattern(language), locale=date_locale(babel_locale(language))))


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept in the user's private cache folder, so a cold start skips compiling.

    The cache holds template code only, never patient data. It is used only in a folder that
    this user owns and no one else can write (see :func:`.locale_data.private_cache`).
    """
    folder = private_cache("jinja")
    if folder is None:
        return None
    # The pattern names the sandbox rules' version: code compiled under older rules is not reused.
    return jinja2.FileSystemBytecodeCache(str(folder), pattern="__dischargegen_s3_%s.cache")


@lru_cache(maxsize=8)
def environment(folders: tuple[Path, ...]) -> HandoutEnvironment:
    """One compiled environment per set of template folders (facility folder first)."""
    env = HandoutEnvironment(
        bytecode_cache=_bytecode_cache(),
        loader=CheckedLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.add_filters(longdate=longdate, date=plain_date, time=time_of_day)
    return env


def render_template(folders: tuple[Path, ...], name: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """Render template ``name``; returns the XML text and the template's file path."""
    env = environment(folders)
    try:
        template = env.get_template(name)
        return render_bounded(template, dict(context)), template.filename or name
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.filename or exc.name or name, exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        file, line = _template_frame(exc)  # an include or extends names the file that asked
        detail = exc.message if exc.message and exc.message != exc.name else f"template {exc.name!r} not found"
        raise TemplateError(detail, file or name, line) from None
    except RecursionError:
        raise TemplateError("not allowed in a template: calls nested too deeply", name) from None
    except Exception as exc:  # undefined names, sandbox violations, errors raised in filters
        file, line = _template_frame(exc)
        raise TemplateError(_describe(exc, file), file or name, line) from None


def _describe(exc: Exception, file: str | None) -> str:
    """What went wrong, quoting only names that are written in the template itself."""
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {_from_source(str(exc), file)}"
    if isinstance(exc, jinja2.UndefinedError):
        return f"undefined: {_from_source(exc.message or 'a value is undefined', file)}"
    return f"{type(exc).__name__} raised while rendering (details left out: they may hold patient data)"


def _from_source(message: str, file: str | None) -> str:
    """``message`` with every quoted part hidden that is neither in the template's source text
    nor a type's name."""
    try:
        source = Path(file).read_text(encoding="utf-8") if file else ""
    except (OSError, UnicodeDecodeError):
        source = ""

    def keep(match: re.Match[str]) -> str:
        text = match.group(1)
        return match.group(0) if text and (text in source or _TYPE_NAME.fullmatch(text)) else "'…'"

    return _QUOTED.sub(keep, message)


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
