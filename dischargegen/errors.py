"""The errors a user can see: each one line, naming the field, file or path at fault."""

from __future__ import annotations


class DischargeError(Exception):
    """Base class for every error that is reported to the user as one line."""

    exit_code = 2

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.args[0] if self.args else self.__class__.__name__


class InputError(DischargeError):
    """A discharge fact is missing or invalid. ``field`` names it as the user knows it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ConfigError(DischargeError):
    """The facility configuration file is unreadable or holds an invalid value."""


class TemplateError(DischargeError):
    """A procedure template or its metadata is broken; names the file and line when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        where = file or "template"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line
        self.message = message


class RenderError(DischargeError):
    """The handout cannot be laid out (for example a character that no bundled font has)."""


class OutputError(DischargeError):
    """The PDF could not be written or printed."""

    exit_code = 1
