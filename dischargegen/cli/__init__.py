"""The ``dischargegen`` command: a thin Click layer over :mod:`dischargegen.api`.

Only Click is imported at start; each command imports the library when it runs.
"""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dischargegen")
def main() -> None:
    """Make personal, printable discharge handouts (PDF) for a patient."""


from . import make as _make  # noqa: E402,F401  (registers the commands)
