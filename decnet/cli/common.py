"""What every command group shares: the global options, settings loading, error output."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.text import Text

from decnet.config.errors import ConfigError
from decnet.config.loader import load_settings, reset_settings
from decnet.config.settings import Settings

#: Exit status of a configuration (or usage) problem.
EXIT_CONFIG = 2


@dataclass
class CliState:
    """Global options, kept on ``ctx.obj`` by the root callback."""

    config_path: Path | None = None
    settings: Settings | None = None


def state(ctx: typer.Context) -> CliState:
    """The :class:`CliState` of this invocation (created if a command runs without the root callback)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def stdout() -> Console:
    """Console for results (stdout)."""
    # Not a terminal (pipes, CI logs): wide enough that tables do not wrap every cell.
    return Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def stderr() -> Console:
    """Console for errors (stderr)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` in red on one line of stderr and exit with ``code`` (no traceback)."""
    stderr().print(Text(f"error: {message}", style="bold red"))
    raise typer.Exit(code)


def load_cli_settings(ctx: typer.Context) -> Settings:
    """Load the settings for this invocation (``--config`` honoured) once; exit 2 on a ``ConfigError``.

    The loaded settings also become the process-wide ones (``get_settings()``), so library code
    called by the command sees the same ``--config``.
    """
    cli = state(ctx)
    if cli.settings is None:
        try:
            cli.settings = load_settings(cli.config_path)
        except ConfigError as exc:
            fail(str(exc), EXIT_CONFIG)
        reset_settings(cli.settings)
    return cli.settings
