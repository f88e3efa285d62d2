"""The dashboard's session cookie and CSRF tokens.

The dashboard keeps the API token (the same JWT) in an ``HttpOnly``, ``SameSite=Strict``
cookie (``Secure`` when served over TLS). Every state-changing request authenticated by that
cookie must also carry a CSRF token: a keyed digest of the token id (``jti``), rendered into
forms as the ``csrf`` field and read by scripts from ``<meta name="csrf-token">`` to send as
the ``X-CSRF-Token`` header (synchronizer pattern without server-side state). The login form,
before any session exists, uses a double-submit token: a random cookie echoed by the form.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from decnet.web.auth import AuthService

#: Cookie holding the session's JWT.
SESSION_COOKIE = "decnet_session"
#: Cookie of the login form's double-submit token.
LOGIN_CSRF_COOKIE = "decnet_login_csrf"
#: Header carrying the CSRF token on script requests.
CSRF_HEADER = "X-CSRF-Token"
#: Form field carrying the CSRF token.
CSRF_FIELD = "csrf"
#: Methods that change nothing (no CSRF token needed).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(auth: AuthService, jti: str) -> str:
    """The CSRF token of the session whose token id is ``jti``."""
    return auth.signer.mac(b"csrf\x00" + jti.encode("utf-8"))


def csrf_ok(auth: AuthService, jti: str, presented: str | None) -> bool:
    """True if ``presented`` is the CSRF token of session ``jti`` (constant-time)."""
    if not presented or len(presented) > 128:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "replace"), csrf_token(auth, jti).encode("ascii"))


def is_tls(request: Request) -> bool:
    """True if the request reached us over TLS (proxy headers are not trusted)."""
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    """Store ``token`` in the session cookie for ``max_age`` seconds."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_tls(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    """Remove the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=is_tls(request))


def new_login_csrf() -> str:
    """A fresh double-submit token for the login form."""
    return secrets.token_urlsafe(24)


def set_login_csrf_cookie(response: Response, request: Request, token: str) -> None:
    """Set the login form's double-submit ``token`` as its cookie."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_tls(request),
    )


def login_csrf_ok(request: Request, presented: str | None) -> bool:
    """True if the login form's token matches its cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not presented or len(presented) > 128:
        return False
    return hmac.compare_digest(cookie.encode("utf-8", "replace"), presented.encode("utf-8", "replace"))
