"""The root ``decnet`` Typer app: global options and the registry of command groups.

A command group lives in its own module ``decnet/cli/<group>_cmd.py`` exposing a
``typer.Typer`` named ``app``; register it in :func:`_register`. Keep module-level imports
light: import Ray, SQLAlchemy and the like inside command functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decnet import __version__
from decnet.cli.common import EXIT_CONFIG, CliState, stderr
from decnet.config.errors import ConfigError

app = typer.Typer(
    name="decnet",
    help="DECNET: a honeypot deception network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"decnet {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="PATH",
            help="Host INI file to read instead of $DECNET_CONFIG or /etc/decnet/decnet.ini.",
            dir_okay=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    """DECNET: a honeypot deception network. Settings come from DECNET_* env, the host INI, defaults."""
    ctx.obj = CliState(config_path=config)


def _register() -> None:
    from decnet.cli import cluster_cmd, config_cmd, fleet_cmd, mutate_cmd

    app.add_typer(config_cmd.app, name="config")
    fleet_cmd.register(app)
    cluster_cmd.register(app)
    mutate_cmd.register(app)


_register()


def main() -> None:
    """Console-script entry point (``decnet``)."""
    try:
        app()
    except ConfigError as exc:  # a command that loaded settings itself
        from rich.text import Text

        stderr().print(Text(f"error: {exc}", style="bold red"))
        raise SystemExit(EXIT_CONFIG) from None
