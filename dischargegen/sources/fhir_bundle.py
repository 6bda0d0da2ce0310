"""A FHIR R4 Bundle's entries, indexed for reference resolution and validated on demand.

The Bundle is read with :mod:`json` and indexed by ``fullUrl`` and ``Type/id``. Only the
resources a reader uses are validated, each once, with the ``fhir.resources.R4B`` models.
Every problem is a :class:`~dischargegen.errors.SourceError` whose field is the FHIR path.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

from ..errors import SourceError
from .json_input import load_json

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


@dataclass(frozen=True)
class Entry:
    """One resource of the Bundle, with its place in it."""

    index: int
    type: str
    resource: dict[str, Any]
    full_url: str | None

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}].resource({self.type})"

    @property
    def reference(self) -> str | None:
        rid = self.resource.get("id")
        if isinstance(rid, str) and rid:
            return f"{self.type}/{rid}"
        return self.full_url


def load_bundle_json(data: bytes) -> Any:
    """The JSON of a Bundle's bytes, read strictly (see :func:`.json_input.load_json`)."""
    return load_json(data, "Bundle", SourceError)


def type_and_id(text: str) -> str | None:
    """``Patient/123`` at the end of a reference or URL (``http://x/fhir/Patient/123``), else None.

    The resource type is the run of ASCII letters before the last ``/``; the id is everything
    after it. Scanned by hand, in time linear in the text (no backtracking pattern).
    """
    head, slash, rid = text.rpartition("/")
    if not slash or not _ID.fullmatch(rid):
        return None
    start = len(head)
    while start > 0 and head[start - 1].isascii() and head[start - 1].isalpha():
        start -= 1
    return f"{head[start:]}/{rid}" if start < len(head) else None


def codings(concept: Any) -> list[tuple[str | None, str]]:
    """The ``(system, code)`` pairs of a CodeableConcept (a coding whose system or code is not a
    string is left out: the resource has not been validated yet)."""
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    return [
        (c.get("system"), c["code"])
        for c in concept["coding"]
        if isinstance(c, dict) and isinstance(c.get("code"), str) and isinstance(c.get("system"), str | None)
    ]


def odd_codings(concept: Any) -> bool:
    """Whether a CodeableConcept has a coding that is not an object, or whose system or code is
    not a string (its resource's validation names it)."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    return isinstance(found, list) and any(
        not isinstance(c, dict) or not all(isinstance(c.get(key, ""), str) for key in ("system", "code")) for c in found
    )


class Bundle:
    """The entries of one Bundle, indexed for reference resolution."""

    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise SourceError("Bundle", f"the JSON is a {type(data).__name__}, not a FHIR resource")
        kind = data.get("resourceType")
        if kind != "Bundle":
            shown = (
                repr(kind) if isinstance(kind, str) and kind.isalpha() and len(kind) <= 40 else "missing or not a type"
            )
            raise SourceError("Bundle.resourceType", f"is {shown}, not 'Bundle'")
        raw = data.get("entry", [])
        if not isinstance(raw, list):
            raise SourceError("Bundle.entry", "must be a list")
        self.entries: list[Entry] = []
        self.index: dict[str, Entry] = {}
        self._validated: set[int] = set()
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                raise SourceError(f"Bundle.entry[{i}]", "must be an object")
            resource = item.get("resource")
            if resource is None:  # a DELETE or GET request entry
                continue
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise SourceError(f"Bundle.entry[{i}].resource", "is not a FHIR resource (no resourceType)")
            full_url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else None
            entry = Entry(i, resource["resourceType"], resource, full_url)
            for key in _keys(entry):
                first = self.index.get(key)
                if first is not None and first.resource != resource:
                    raise SourceError(
                        entry.path,
                        f"has the same fullUrl or type and id as {first.path} but other content: "
                        "which one to use is a guess; a Bundle must not hold two such entries",
                    )
                self.index.setdefault(key, entry)
            if not any(self.index[key] is not entry for key in _keys(entry)) or not _keys(entry):
                self.entries.append(entry)

    def of_type(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.type == kind]

    def resolve(self, entry: Entry, key: str, types: tuple[str, ...], value: Any = None) -> Entry | None:
        """The entry that ``entry.resource[key]`` (or ``value``) refers to; dangling is an error."""
        ref = value if value is not None else entry.resource.get(key)
        where = f"{entry.path}.{key}"
        if ref is None:
            return None
        if not isinstance(ref, dict):
            raise SourceError(where, "must be a Reference object")
        text = ref.get("reference")
        if not isinstance(text, str) or not text:
            return None
        target = self.lookup(text)
        if target is None:
            raise SourceError(
                f"{where}.reference", "dangling reference: no entry in the Bundle has that fullUrl or Type/id"
            )
        if target.type not in types:
            raise SourceError(f"{where}.reference", f"refers to a {target.type}, expected {' or '.join(types)}")
        return target

    def lookup(self, text: str) -> Entry | None:
        text = text.split("/_history/")[0]
        if text in self.index:
            return self.index[text]
        key = type_and_id(text)
        return self.index.get(key) if key else None

    def validate(self, entry: Entry) -> None:
        """Validate one resource with its ``fhir.resources.R4B`` model, once."""
        if entry.index in self._validated:
            return
        try:
            model(entry.type).model_validate(entry.resource)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise SourceError(*_first_error(entry.path, exc)) from None
        self._validated.add(entry.index)


def _keys(entry: Entry) -> list[str]:
    keys = []
    if entry.full_url:
        keys.append(entry.full_url)
        key = type_and_id(entry.full_url)
        if key and key.startswith(entry.type + "/"):
            keys.append(key)
    rid = entry.resource.get("id")
    if isinstance(rid, str) and rid:
        keys.append(f"{entry.type}/{rid}")
    return keys


_MODELS: dict[str, Any] = {}
# The resource types a Bundle is read with, and the write-back's DocumentReference.
USED = ("Patient", "Procedure", "Encounter", "Organization", "Practitioner", "DocumentReference")


def model(kind: str) -> Any:
    """The ``fhir.resources.R4B`` model class of a resource type, imported once."""
    if kind not in _MODELS:
        module = importlib.import_module(f"fhir.resources.R4B.{kind.lower()}")
        _MODELS[kind] = getattr(module, kind)
    return _MODELS[kind]


def load_models() -> None:
    """Import every model in :data:`USED` now (a worker's start) rather than with a first record."""
    for kind in USED:
        model(kind)


def _first_error(path: str, exc: ValueError) -> tuple[str, str]:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError):
            first = None
        if first:
            loc = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first.get("loc", ()))
            message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
            return f"{path}{loc}", f"invalid under FHIR R4: {message}"
    return path, "invalid under FHIR R4"
