"""The package reads as its pipeline: no module imports a later stage, and the command line
goes through the one door, :mod:`dischargegen.api`. Imports inside functions count too; one is
allowed only where it is deferred for start-up speed, and its line says so.

A stage may import the shared vocabulary, the model, its own stage and the stage just before
it: the layout knows the document tree but nothing of FHIR; a writer knows the model and the
record, not the readers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dischargegen"
if not (PACKAGE / "api.py").is_file():  # the tests run against the installed package
    import dischargegen

    PACKAGE = Path(dischargegen.__file__).resolve().parent

# Each module's stage; a module may import its own stage and earlier ones. The vocabulary
# (errors, dates, the record of an EHR input) is shared by every stage; the entry points sit
# above the pipeline and use it.
VOCABULARY, SOURCES, MODEL, CONTENT, LAYOUT, ARCHIVE, SINKS, ENTRY = range(8)
STAGES = {
    "errors": VOCABULARY,
    "dates": VOCABULARY,
    "record": VOCABULARY,
    "languages": VOCABULARY,
    "sources": SOURCES,
    "model": MODEL,
    "config": MODEL,
    "catalog": MODEL,
    "facts": MODEL,
    "phones": MODEL,
    "names": MODEL,
    "identifiers": MODEL,
    "content": CONTENT,
    "layout": LAYOUT,
    "archive": ARCHIVE,
    "sinks": SINKS,
    "api": ENTRY,
    "ehr": ENTRY,
    "batch": ENTRY,
    "processes": ENTRY,
    "qa": ENTRY,
    "cli": ENTRY,
    "service": ENTRY,
    "__main__": ENTRY,
    "__init__": ENTRY,
}
STAGE_NAMES = ["vocabulary", "sources", "model", "content", "layout", "post-processing", "sinks", "entry points"]


def modules() -> list[tuple[str, Path]]:
    return sorted((".".join(p.relative_to(PACKAGE).with_suffix("").parts), p) for p in PACKAGE.rglob("*.py"))


def stage(module: str) -> int:
    return STAGES[module.split(".")[0]]


def imports(module: str, path: Path) -> list[tuple[int, str, bool]]:
    """(line, imported package module or third-party top name, inside a function) for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - child.level + 1]
                    target = ".".join(["dischargegen", *base, *([child.module] if child.module else [])])
                    if not child.module:  # from . import api
                        found.extend(
                            (
                                child.lineno,
                                f"{target}.{alias.name}".replace("dischargegen..", "dischargegen."),
                                in_function,
                            )
                            for alias in child.names
                        )
                        continue
                else:
                    target = child.module or ""
                found.append((child.lineno, target, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def internal(name: str) -> str | None:
    """``dischargegen.sources.fhir`` -> ``sources.fhir``; None for other packages."""
    if name == "dischargegen":
        return "__init__"
    return name.removeprefix("dischargegen.") if name.startswith("dischargegen.") else None


def violations(module: str, path: Path) -> list[str]:
    own = stage(module)
    if own == ENTRY:
        return []
    allowed = {VOCABULARY, MODEL, own, own - 1}
    found = []
    for line, name, _ in imports(module, path):
        target = internal(name)
        if target is not None and (stage(target) > own or stage(target) not in allowed):
            found.append(
                f"{path.name}:{line}: the {STAGE_NAMES[own]} stage imports {target} ({STAGE_NAMES[stage(target)]})"
            )
    return found


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_no_module_imports_a_later_stage(module: str, path: Path) -> None:
    assert violations(module, path) == []


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in modules() if m.startswith("cli")],
    ids=[m for m, _ in modules() if m.startswith("cli")],
)
def test_the_command_line_goes_through_the_api(module: str, path: Path) -> None:
    import sys

    for line, name, _ in imports(module, path):
        target = internal(name)
        if target is None:
            top = name.split(".")[0]
            assert top == "click" or top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name}:{line}: imports {name}"
            )
        else:
            assert target in ("api", "errors", "__init__") or target.startswith("cli"), (
                f"{path.name}:{line}: imports {target}"
            )


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in modules() if m.startswith("service")],
    ids=[m for m, _ in modules() if m.startswith("service")],
)
def test_the_service_goes_through_the_api(module: str, path: Path) -> None:
    for line, name, _ in imports(module, path):
        target = internal(name)
        if target is not None:
            assert target in ("api", "errors", "__init__", "__version__") or target.startswith("service"), (
                f"{path.name}:{line}: imports {target}"
            )


def test_imports_in_functions_are_only_deferred_for_start_up_speed() -> None:
    hidden = []
    for module, path in modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, name, in_function in imports(module, path):
            if in_function and "start-up speed" not in lines[line - 1]:
                hidden.append(f"{path.relative_to(PACKAGE)}:{line}: {name}")
    assert hidden == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The rules can fail: a writer that calls the api, a layout that reads FHIR, a hidden import."""
    bad = tmp_path / "bad.py"
    bad.write_text("from ..api import render_pdf\n\ndef f():\n    from ..sources.fhir import read_bundle\n")
    assert violations("sinks.bad", bad) == [
        "bad.py:1: the sinks stage imports api (entry points)",
        "bad.py:4: the sinks stage imports sources.fhir (sources)",
    ]
    assert violations("layout.bad", bad)[1] == "bad.py:4: the layout stage imports sources.fhir (sources)"
    assert imports("layout.bad", bad)[1] == (4, "dischargegen.sources.fhir", True)
