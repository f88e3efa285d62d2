"""The server-rendered dashboard: Jinja2 pages under ``/``, static scripts and styles under ``/static``.

See docs/dashboard.md. Pages authenticate with the session cookie (decnet.web.session);
every form that changes something carries the session's CSRF token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def mount_dashboard(app: FastAPI) -> None:
    """Add the dashboard's pages and static files to ``app``."""
    from decnet.web.dashboard.auth import Redirect
    from decnet.web.dashboard.pages import redirect_handler, router

    app.include_router(router)
    app.add_exception_handler(Redirect, redirect_handler)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
