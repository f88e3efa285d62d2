"""Database URL helpers."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

#: What a masked secret looks like.
MASK = "***"

#: Query parameters whose value is a secret.
SECRET_PARAMS = frozenset({"password", "passwd", "pwd", "secret", "token", "ssl_key_password"})

_PLACEHOLDER = "decnetmaskedsecret"
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:" + "|".join(sorted(SECRET_PARAMS)) + r"))=[^&;#]*", re.IGNORECASE
)


def mask_url(url: str | URL) -> str:
    """Return ``url`` as text with its password (and secret query parameters) replaced by ``***``.

    Accepts SQLAlchemy URLs and text that does not even parse as one; never returns the password.
    """
    if isinstance(url, URL):
        return _mask_parsed(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return _mask_text(url)
    return _mask_parsed(parsed)


def url_password(url: str | URL) -> str | None:
    """Return the password of ``url`` (for scrubbing messages), or None."""
    try:
        return make_url(url).password if isinstance(url, str) else url.password
    except (ArgumentError, ValueError):
        return None


def _mask_parsed(url: URL) -> str:
    if url.host is not None and "@" in url.host:
        # an unescaped "@" in the password: SQLAlchemy splits it wrongly, mask the text instead
        return _mask_text(url.render_as_string(hide_password=False))
    if any(key.lower() in SECRET_PARAMS for key in url.query):
        url = url.set(
            query={
                key: (_PLACEHOLDER if key.lower() in SECRET_PARAMS else value)
                for key, value in url.query.items()
            }
        )
    return url.render_as_string(hide_password=True).replace(_PLACEHOLDER, MASK)


def _mask_text(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if not sep:  # no scheme: read it as "user:secret@host..." all the same
        scheme, rest = "", text
    end = min((pos for pos in (rest.find(c) for c in "/?#") if pos != -1), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, at, hostport = authority.rpartition("@")
    if at:
        user, colon, _ = userinfo.partition(":")
        if colon:
            authority = f"{user}:{MASK}@{hostport}"
    text = f"{scheme}{sep}{authority}{tail}"
    return _QUERY_SECRET.sub(lambda m: f"{m.group('key')}={MASK}", text)
