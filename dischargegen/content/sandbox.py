"""The sandbox that procedure templates render in: Jinja2's immutable sandbox with budgets.

A facility's template is treated as hostile. On top of Jinja2's own sandbox (no attributes
starting with ``_``, no changing of lists or dicts), a template here:

- sees no globals and may not name ``self``, ``range``, ``lipsum``, ``cycler``, ``joiner``,
  ``namespace`` or ``caller``; filters that turn data into markup (``safe``) or pick at
  random are gone;
- builds no text longer than :data:`MAX_TEXT` characters and no list longer than
  :data:`MAX_ITEMS` (``~``, ``+``, ``*``, ``%``, ``format``, ``center``, ``indent``,
  ``replace``, ``join``…, each checked before it allocates where its size is known ahead);
  ``str.format``, ``center``, ``ljust``, ``rjust``, ``zfill`` and ``expandtabs`` are not
  callable on strings, and ``**`` takes no exponent over :data:`MAX_EXPONENT`;
- runs for at most :data:`MAX_SECONDS` of CPU time (checked at every loop step, call, filter and
  operator), writes at most :data:`MAX_OUTPUT` characters, and may grow the process by at most
  :data:`MAX_MEMORY` bytes (an address-space limit held while it renders, on Linux).

Exceeding a budget raises :class:`~jinja2.exceptions.SecurityError`, which the caller reports
as a template error with file and line.
"""

from __future__ import annotations

import re
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import wraps
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from ..errors import TemplateError

MAX_TEXT = 100_000  # characters in any one string a template builds
MAX_ITEMS = 10_000  # items in any one list a template builds, and loop steps in one loop
MAX_EXPONENT = 100
MAX_INT_BITS = 4096
MAX_OUTPUT = 1_000_000  # characters a template may write
MAX_SECONDS = 2.0  # CPU time for one render
MAX_WIDTH = 200  # the widest field a format may pad to
MAX_MEMORY = 512 * 1024 * 1024  # bytes a render may add to the process

# Names a template may not use even though Jinja2 would provide them: ``self`` (the template
# object itself) and the usual globals, which are removed from the environment as well.
FORBIDDEN_NAMES = frozenset({"self", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "caller"})
REMOVED_FILTERS = ("safe", "random", "forceescape", "pprint", "xmlattr", "urlize")
UNSAFE_STR_METHODS = frozenset({"format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs", "encode"})
_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")

_deadline: ContextVar[float | None] = ContextVar("template_deadline", default=None)


def _tick() -> None:
    """Raise when the render in progress has used its CPU time."""
    deadline = _deadline.get()
    if deadline is not None and time.process_time() > deadline:
        raise SecurityError(f"the template ran for more than {MAX_SECONDS:g} s")


def _bounded(value: Any) -> Any:
    """``value`` when it is within the size budget (strings and lists); else an error."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise SecurityError(f"the template built a text longer than {MAX_TEXT} characters")
    if isinstance(value, (list, tuple)) and len(value) > MAX_ITEMS:
        raise SecurityError(f"the template built a list longer than {MAX_ITEMS} items")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise SecurityError("the template built a number that is too large")
    return value


def _check_percent(spec: str) -> None:
    """A printf-style format (``'%5s' % x``) may pad to at most :data:`MAX_WIDTH`."""
    for width, precision in _PERCENT_WIDTH.findall(spec):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_WIDTH):
                raise SecurityError(f"a format wider than {MAX_WIDTH} characters")


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that checks the budget before it runs and the size of what it returns."""

    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        _tick()
        passed = (jinja2.runtime.Context, jinja2.nodes.EvalContext, jinja2.Environment)
        values = [a for a in args if not isinstance(a, passed)]
        widths = [v for v in [*values[1:], *kwargs.values()] if isinstance(v, int)]
        if name in ("center", "indent", "truncate", "wordwrap") and any(w > MAX_WIDTH * 10 for w in widths):
            raise SecurityError(f"the width given to '{name}' is too large")
        if name == "format" and values:
            _check_percent(str(values[0]))
        if name == "replace" and len(values) >= 3:
            text, old, new = (str(v) for v in values[:3])
            if old and len(new) > len(old) and len(text) // len(old) * (len(new) - len(old)) + len(text) > MAX_TEXT:
                raise SecurityError("the result of 'replace' would be too long")
        joined = values[0] if name == "join" and values and isinstance(values[0], (list, tuple)) else ()
        if sum(len(str(v)) for v in joined) > MAX_TEXT:
            raise SecurityError("the result of 'join' would be too long")
        result = function(*args, **kwargs)
        return result if isinstance(result, (Iterator, map, filter)) else _bounded(result)

    return run


class _Budgets(NodeTransformer):
    """Rewrites a parsed template so that concatenations and loops report to the budget."""

    def __init__(self, environment: jinja2.Environment) -> None:
        self.environment = environment

    def _wrap(self, attribute: str, node: nodes.Node) -> nodes.Expr:
        call = nodes.Call(nodes.EnvironmentAttribute(attribute), [node], [], None, None, lineno=node.lineno)
        call.set_environment(self.environment)
        return call

    def visit_Concat(self, node: nodes.Concat) -> nodes.Expr:  # noqa: N802 - Jinja2's visitor names
        return self._wrap("bounded", self.generic_visit(node))

    def visit_For(self, node: nodes.For) -> nodes.For:  # noqa: N802
        visited = self.generic_visit(node)
        assert isinstance(visited, nodes.For)
        visited.iter = self._wrap("steps", visited.iter)
        return visited


class HandoutEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox with the limits above."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.clear()  # no range(), dict(), lipsum() or cycler(): only the documented context
        for name in REMOVED_FILTERS:
            self.filters.pop(name, None)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.tests = {name: _bounded_filter(name, test) for name, test in self.tests.items()}  # type: ignore[arg-type]  # Jinja2 types its tests as bare functions

    def add_filters(self, **filters: Callable[..., Any]) -> None:
        self.filters.update({name: _bounded_filter(name, f) for name, f in filters.items()})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all(nodes.Name):
            if node.name in FORBIDDEN_NAMES and node.ctx == "load":
                raise TemplateError(f"not allowed in a template: {node.name!r}", filename or name, node.lineno)
        rewritten = _Budgets(self).visit(tree)
        assert isinstance(rewritten, nodes.Template)
        return rewritten

    def bounded(self, value: Any) -> Any:
        _tick()
        return _bounded(value)

    def steps(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """The items of a loop, counted and timed."""
        for count, item in enumerate(iterable):
            if count >= MAX_ITEMS:
                raise SecurityError(f"a loop ran more than {MAX_ITEMS} times")
            _tick()
            yield item

    def wrap_str_format(self, value: Any) -> None:
        return None  # str.format and format_map are refused in is_safe_attribute instead

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in UNSAFE_STR_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _tick()
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "**" and isinstance(right, (int, float)):
            if abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent over {MAX_EXPONENT}")
            if isinstance(left, int) and left.bit_length() * abs(right) > MAX_INT_BITS:
                raise SecurityError("the template built a number that is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_ITEMS:
                    raise SecurityError("the result of '*' is too long")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() + right.bit_length() > MAX_INT_BITS
            ):
                raise SecurityError("the template built a number that is too large")
        if operator == "%" and isinstance(left, str):
            _check_percent(left)
        return _bounded(super().call_binop(context, operator, left, right))


def render_bounded(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render ``template`` within the CPU-time, output and memory budgets."""
    token = _deadline.set(time.process_time() + MAX_SECONDS)
    limit = _limit_memory()
    try:
        parts: list[str] = []
        size = 0
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise SecurityError(f"the template wrote more than {MAX_OUTPUT} characters")
            parts.append(chunk)
        return "".join(parts)
    except MemoryError:
        parts = []
        raise SecurityError(f"the template used more than {MAX_MEMORY // (1024 * 1024)} MB of memory") from None
    finally:
        _deadline.reset(token)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, limit)


def _limit_memory() -> tuple[int, int] | None:
    """Cap the address space at its current size plus :data:`MAX_MEMORY`; returns the old limits."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            in_use = int(statm.read().split()[0]) * resource.getpagesize()
        old = resource.getrlimit(resource.RLIMIT_AS)
        cap = in_use + MAX_MEMORY
        if old[0] != resource.RLIM_INFINITY and old[0] <= cap:
            return None  # already limited at least as tightly
        resource.setrlimit(resource.RLIMIT_AS, (cap, old[1]))
        return old
    except (OSError, ValueError):
        return None  # no /proc or no permission: the other budgets still hold
