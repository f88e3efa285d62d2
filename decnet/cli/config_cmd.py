"""``decnet config``: inspect the effective settings."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from decnet.cli.common import load_cli_settings, stdout
from decnet.config.report import describe_settings

app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)

_SOURCE_STYLE = {"env": "green", "ini": "cyan", "init": "magenta", "default": "dim"}


@app.command("show")
def show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print every setting: name, env var, effective value (secrets masked) and its source."""
    settings = load_cli_settings(ctx)
    rows = describe_settings(settings)
    config_file = str(settings.config_file) if settings.config_file is not None else None
    if as_json:
        doc = {
            "config_file": config_file,
            "settings": {
                row.name: {"env_var": row.env_var, "value": row.value, "source": row.source} for row in rows
            },
        }
        typer.echo(json.dumps(doc, indent=2))
        return
    table = Table(title=f"DECNET settings (host INI: {config_file or 'none'})", title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("env var", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("source", no_wrap=True)
    for row in rows:
        value = Text("-", style="dim") if row.value is None else Text(str(row.value))
        table.add_row(row.name, row.env_var, value, Text(row.source, style=_SOURCE_STYLE[row.source]))
    stdout().print(table)
