"""The errors a user can see: each one line, naming the field, file or path at fault.

A message never quotes a value that came from a patient record; it names where the value is.
The library phrases no command-line options: an error that more facts would resolve lists
them in ``needs`` (fact keys), and each entry point turns that into its own hint (the CLI says
"give --procedure and --date").
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class DischargeError(Exception):
    """Base class for every error that is reported to the user as one line."""

    exit_code = 2

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InputError(DischargeError):
    """A discharge fact is missing or invalid. ``field`` names it as the user knows it.

    ``needs`` are the facts that, given explicitly, would resolve the error; ``alternatives``
    are other groups of facts or options that would; ``config_hint`` says what in the facility
    config would resolve it instead ("add the code to the config's [codes]").
    """

    def __init__(
        self,
        field: str,
        message: str,
        *,
        needs: tuple[str, ...] = (),
        alternatives: tuple[tuple[str, ...], ...] = (),
        config_hint: str | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.needs = needs
        self.alternatives = alternatives
        self.config_hint = config_hint


class SourceError(InputError):
    """The input record is unreadable or lacks what the handout needs; ``field`` is the FHIR
    path (``Bundle.entry[3].resource(Procedure).performedDateTime``) or HL7 field (``PID-5``)."""


class ConfigError(DischargeError):
    """The facility configuration file is unreadable or holds an invalid value."""


class TemplateProblem(StrEnum):
    """What kind of defect a :class:`TemplateError` is, for reports that sort them."""

    TEMPLATE = "template"  # the template does not render or renders to a broken document
    METADATA = "metadata"  # procedure.toml is missing, malformed or incomplete
    SOURCE = "source"  # a default in procedure.toml names no source


class TemplateError(DischargeError):
    """A procedure template or its metadata is broken; names the file and line when known."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        code: TemplateProblem = TemplateProblem.TEMPLATE,
    ) -> None:
        where = file or "template"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.message = message
        self.code = code


class RenderError(DischargeError):
    """The handout cannot be laid out (for example a character that no bundled font has)."""


class OutputError(DischargeError):
    """The PDF could not be written or printed."""

    exit_code = 1


def key_name(key: object) -> str:
    """A key from input as a message may show it: a short plain word, else a placeholder (a key
    is input too, and may hold anything)."""
    text = str(key)
    if len(text) <= 30 and text.isascii() and text.replace("_", "").replace("-", "").isalnum():
        return text
    return "(a key that is not a plain word)"


def describe(exc: DischargeError, names: Mapping[str, str]) -> str:
    """The error's one line, with what would resolve it in an entry point's own words.

    ``names`` maps the facts and options an entry point takes to how its user names them
    (``{"procedure": "--procedure"}``); a remedy that needs anything it does not take is left out.
    """
    if not isinstance(exc, InputError):
        return str(exc)
    remedies = []
    for group in (exc.needs, *exc.alternatives):
        if group and all(key in names for key in group):
            remedies.append(" and ".join(names[key] for key in group))
    if remedies:
        remedies[0] = "give " + remedies[0]
    if exc.config_hint:
        remedies.append(exc.config_hint)
    return f"{exc}: {', or '.join(remedies)}" if remedies else str(exc)
