"""Mask secrets embedded in URLs before they are shown or logged."""

from __future__ import annotations

import re
from urllib.parse import unquote

#: What every masked secret is replaced with.
MASK = "********"

# scheme "://" then the authority; the userinfo is whatever precedes the last "@" of it.
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<rest>.*)$", re.DOTALL)
# Query parameters whose value is a secret (asyncmy/psycopg style ``?password=...``).
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pwd|secret|token|api_key|apikey)=)(?P<value>[^&;#]*)",
    re.IGNORECASE,
)


def _split_userinfo(rest: str) -> tuple[str, str] | None:
    """Split ``user:pass@host/...`` into (userinfo, remainder-starting-with-@); None if no userinfo.

    The standard parse takes the last ``@`` before the first ``/``, ``?`` or ``#``. A password
    holding a raw ``/``, ``?`` or ``#`` (invalid, but seen in the wild) would hide its ``@``;
    then, if the text before the first such delimiter holds a ``:``, the last ``@`` of the whole
    string is used instead, so the function errs on the side of masking too much.
    """
    end = next((i for i, ch in enumerate(rest) if ch in "/?#"), len(rest))
    at = rest.rfind("@", 0, end)
    if at == -1:
        at = rest.rfind("@")
        if at == -1 or ":" not in rest[:end]:
            return None
    return rest[:at], rest[at:]


def url_password(url: str) -> str | None:
    """Return the (percent-decoded) password of a URL with userinfo, or None if it has none."""
    m = _SCHEME.match(url)
    if m is None:
        return None
    split = _split_userinfo(m.group("rest"))
    if split is None:
        return None
    userinfo = split[0]
    if ":" not in userinfo:
        return None
    password = userinfo.split(":", 1)[1]
    return unquote(password) if password else None


def mask_url(url: str) -> str:
    """Return ``url`` with the password of its userinfo (and secret query values) masked.

    ``mysql+asyncmy://decnet:s3cret@db:3306/decnet`` becomes
    ``mysql+asyncmy://decnet:********@db:3306/decnet``. Strings that are not URLs, and URLs
    without a password, come back unchanged.
    """
    m = _SCHEME.match(url)
    if m is None:
        return url
    scheme, rest = m.group("scheme"), m.group("rest")
    split = _split_userinfo(rest)
    if split is not None:
        userinfo, remainder = split
        if ":" in userinfo:
            user, password = userinfo.split(":", 1)
            if password:
                rest = f"{user}:{MASK}{remainder}"
    rest = _SECRET_PARAM.sub(lambda p: p.group("key") + (MASK if p.group("value") else ""), rest)
    return scheme + rest
