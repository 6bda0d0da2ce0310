"""``dischargegen serve``."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from .options import settings_options


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (beyond loopback only with [service] tokens).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="HTTP port (0: any free port)."
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="uvicorn worker processes.")
@click.option(
    "--mllp-port", type=click.IntRange(0, 65535), help="Also take HL7 v2 ADT^A03 messages over MLLP on this port."
)
@settings_options
def serve(
    host: str, port: int, workers: int, mllp_port: int | None, config_path: Path | None, templates_dir: Path | None
) -> None:
    """Run the web form, the HTTP API, the MLLP listener and CDS Hooks.

    \b
    dischargegen serve --config facility.toml
    dischargegen serve --host 0.0.0.0 --port 8080 --mllp-port 2575 --config facility.toml
    """
    api.serve(
        host=host, port=port, workers=workers, config_path=config_path, templates_dir=templates_dir, mllp_port=mllp_port
    )
