"""Translation parity: every language of a procedure says what English says, no more, no less.

Two checks, each finding naming the translation's file and line:

- **Template variables** (from the template sources, with the shared base each extends): the
  same context names and attributes (``values.fever.fahrenheit``, ``contacts.booking``), the same
  filters (but those that only change letter case), the same string constants compared against
  (``item.kind == "lifting"``, ``cause == "trauma"``: the same restrictions and causes) and the
  same blocks as the English template.
- **Structure**, twice. In the sources, file by file (the procedure's template, then its base):
  the same elements in the same order, with the same icons, tiers, kinds and dates, and the same
  Jinja statements (``{% if cause == "trauma" %}``...), so a missing or extra warning sign or
  list item is named with its exact line. Then in the rendered document of each variant: the
  same blocks, list items, dates, calendar marks, table cells and write-in lines as English
  renders for the same patient (its line there is the nearest template line with that element).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from jinja2 import nodes

from ..catalog import Procedure
from ..content.build import NOTICE_ROLE
from ..content.document import Node
from ..content.environment import environment

# Attributes that must be the same in every language (the rest are words, translated).
SAME_ATTRIBUTES = ("tier", "icon", "kind", "date")
# Filters that change only how words are written (a language capitalises as it needs): not compared.
WORDING_FILTERS = frozenset({"lower", "upper", "capitalize", "title", "trim"})
_EXTENDS = re.compile(r"""\{%-?\s*extends\s+["']([^"']+)["']""")
_TOKEN = re.compile(r"\{#.*?#\}|\{%-?\s*(.*?)\s*-?%\}|<(/?)([A-Za-z]+)((?:[^>\"]|\"[^\"]*\")*)>", re.DOTALL)
_ATTRIBUTE = re.compile(r'([a-z_]+)="([^"]*)"')


class Difference(NamedTuple):
    message: str
    file: str
    line: int | None


class Use(NamedTuple):
    """Something a template uses (a name, a filter, a constant, a block) and where, first."""

    what: str
    file: str
    line: int


class Source(NamedTuple):
    """A template file and its text."""

    file: str
    text: str


def template_chain(procedure: Procedure, language: str, folders: tuple[Path, ...]) -> list[Source]:
    """A language's template and the bases it extends."""
    env = environment(folders)
    assert env.loader is not None
    chain: list[Source] = []
    name: str | None = procedure.template_name(language)
    while name and len(chain) < 8:
        text, file, _ = env.loader.get_source(env, name)
        chain.append(Source(file or name, text))
        found = _EXTENDS.search(text)
        name = found.group(1) if found else None
    return chain


def template_uses(chain: list[Source], folders: tuple[Path, ...]) -> dict[str, Use]:
    """What a template chain uses, each with the first file and line that uses it."""
    env = environment(folders)
    uses: dict[str, Use] = {}
    for source in chain:
        for what, line in _uses(env.parse(source.text)):
            uses.setdefault(what, Use(what, source.file, line))
    return uses


def _uses(tree: nodes.Template) -> Iterator[tuple[str, int]]:
    for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Filter, nodes.Compare, nodes.Block)):
        if isinstance(node, nodes.Getattr):
            path = _dotted(node)
            if path:
                yield f"name {path}", node.lineno
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            yield f"name {node.name}", node.lineno
        elif isinstance(node, nodes.Filter) and node.name not in WORDING_FILTERS:
            yield f"filter {node.name}", node.lineno
        elif isinstance(node, nodes.Compare):
            for const in node.find_all(nodes.Const):
                if isinstance(const.value, str):
                    yield f"constant {const.value!r}", node.lineno
        elif isinstance(node, nodes.Block):
            yield f"block {node.name}", node.lineno


def _dotted(node: nodes.Expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    return ".".join([node.name, *reversed(parts)])


def variable_differences(english: dict[str, Use], translated: dict[str, Use], file: str) -> list[Difference]:
    """What the translation uses that English does not, and what English uses that it lacks."""
    out = [
        Difference(f"uses {what}, which English does not", use.file, use.line)
        for what, use in sorted(translated.items())
        if what not in english
    ]
    out += [
        Difference(f"does not use {what} (English: {use.file}:{use.line})", file, None)
        for what, use in sorted(english.items())
        if what not in translated
    ]
    return out


def source_outline(text: str) -> list[tuple[str, int]]:
    """A template source's elements (with the attributes that are the same in every language)
    and Jinja statements, in order, each with its line; comments and ``extends`` left out."""
    out: list[tuple[str, int]] = []
    for match in _TOKEN.finditer(text):
        statement, close, tag, attributes = match.groups()
        line = text.count("\n", 0, match.start()) + 1
        if statement is not None:
            if not statement.startswith("extends"):
                out.append((f"{{% {' '.join(statement.split())} %}}", line))
        elif tag is not None:
            same = " ".join(f'{k}="{v}"' for k, v in _ATTRIBUTE.findall(attributes or "") if k in SAME_ATTRIBUTES)
            out.append((f"<{close}{tag}{' ' + same if same else ''}>", line))
    return out


def source_difference(english: Source, translated: Source) -> Difference | None:
    """The first element or statement where a translation's file differs from English's."""
    ours, theirs = source_outline(english.text), source_outline(translated.text)
    found = first_difference(ours, theirs)
    if found is None:
        return None
    message, index, english_index = found
    line = theirs[min(index, len(theirs) - 1)][1] if theirs else None
    english_line = ours[min(english_index, len(ours) - 1)][1] if ours else None
    return Difference(f"{message} (English: {english.file}:{english_line})", translated.file, line)


def first_difference(ours: list[tuple[str, int]], theirs: list[tuple[str, int]]) -> tuple[str, int, int] | None:
    """What the first difference between two outlines is, and where: (message, index in the
    translation's outline, index in English's); None when they are the same."""
    matcher = difflib.SequenceMatcher(a=[t for t, _ in ours], b=[t for t, _ in theirs], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        want = " ".join(t for t, _ in ours[i1:i2][:3])
        got = " ".join(t for t, _ in theirs[j1:j2][:3])
        if op == "delete":
            return f"lacks {want}, which English has here", j1, i1
        if op == "insert":
            return f"has {got}, which English does not", j1, i1
        return f"has {got} where English has {want}", j1, i1
    return None


def outline(tree: Node) -> list[tuple[str, int]]:
    """The document's blocks in order, each with what must match English: its tag, the
    attributes that are the same in every language, and its write-in lines; with its line."""
    out: list[tuple[str, int]] = []
    for node in tree.iter():
        if node.attrs.get("role") == NOTICE_ROLE:  # the engine's draft notice: not the template's
            continue
        same = " ".join(f'{a}="{node.attrs[a]}"' for a in SAME_ATTRIBUTES if a in node.attrs)
        blanks = sum(1 for run in node.runs if run.blank)
        out.append(
            (
                f"<{node.tag}{' ' + same if same else ''}>{' with ' + str(blanks) + ' write-in' if blanks else ''}",
                node.line,
            )
        )
    return out


def structure_difference(english: Node, translated: Node, sources: list[Source]) -> Difference | None:
    """The first place where the translation's document differs from English's, or None; its
    line is the nearest template line that holds such a block (statements that print nothing
    shift the rendered lines, so the rendered line is a guide, not the answer)."""
    ours, theirs = outline(english), outline(translated)
    found = first_difference(ours, theirs)
    if found is None:
        return None
    message, index, english_index = found
    block, line = theirs[index] if index < len(theirs) else ours[min(english_index, len(ours) - 1)]
    return _at(message, sources, block, line)


def _at(message: str, sources: list[Source], block: str, rendered_line: int) -> Difference:
    tag = block[1:].split(">", 1)[0].split(" ", 1)[0]
    candidates = [
        (abs(n - rendered_line), source.file, n)
        for source in sources
        for n, text in enumerate(source.text.splitlines(), start=1)
        if f"<{tag}" in text
    ]
    if not candidates:
        return Difference(message, sources[-1].file, None)
    _, file, line = min(candidates)
    return Difference(message, file, line)
