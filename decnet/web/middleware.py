"""Security headers on every HTTP response (a plain ASGI middleware: it also covers streamed bodies)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Headers of every response.
COMMON_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: Extra headers of API responses (JSON only: nothing to cache, render or frame).
API_HEADERS: dict[str, str] = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


def security_headers(path: str) -> dict[str, str]:
    """The security headers of a response to ``path``."""
    return {**COMMON_HEADERS, **API_HEADERS} if path == "/api" or path.startswith("/api/") else COMMON_HEADERS


class SecurityHeadersMiddleware:
    """Sets :func:`security_headers` on every response, replacing what a route set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
