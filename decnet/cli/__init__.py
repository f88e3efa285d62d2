"""The ``decnet`` command line (Typer). Entry point: :func:`main`."""

from decnet.cli.app import app, main

__all__ = ["app", "main"]
