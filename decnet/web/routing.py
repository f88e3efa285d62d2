"""The app's routes as a flat list (FastAPI nests included routers; tests and pages need them all)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One route: its path template, HTTP methods (empty for mounts) and whether OpenAPI shows it."""

    path: str
    methods: frozenset[str]
    in_schema: bool


def flat_routes(app: FastAPI) -> list[RouteInfo]:
    """Every route of ``app``, included routers expanded."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: routes are already flat
        contexts: list[object] = list(app.routes)
    else:
        contexts = list(iter_route_contexts(app.routes))
    out = []
    for route in contexts:
        path = getattr(route, "path", None)
        if not isinstance(path, str):
            continue
        methods = getattr(route, "methods", None) or set()
        in_schema = bool(getattr(route, "include_in_schema", False))
        out.append(RouteInfo(path, frozenset(methods), in_schema))
    return out


def has_route(app: FastAPI, path: str, method: str) -> bool:
    """True if ``app`` serves ``method`` on path template ``path``."""
    return any(r.path == path and method in r.methods for r in flat_routes(app))
