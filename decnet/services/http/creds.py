"""Credentials in a request: Authorization headers, login forms and JSON logins."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl

from decnet.services.http.parser import Request
from decnet.services.http.text import clip, clip_wire

#: Longest username / secret kept in an event.
MAX_CRED = 512
_MAX_FORM_FIELDS = 200

_USER_KEYS = ("log", "pma_username", "username", "user", "login", "email", "user_login", "uname", "usr")
_PASS_KEYS = ("pwd", "pma_password", "password", "pass", "passwd", "user_pass", "passwort", "pw")


@dataclass(frozen=True, slots=True)
class Credential:
    """One login attempt; every text is already escaped and bounded for logging."""

    method: str  #: "basic" | "bearer" | "form" | "json" | "xmlrpc" | another auth scheme, lower case
    username: str = ""
    password: str = ""
    token: str = ""

    def fields(self) -> dict[str, str]:
        """Event fields of this attempt."""
        out = {"method": self.method, "username": self.username, "result": "failure"}
        if self.password or not self.token:
            out["password"] = self.password
        if self.token:
            out["token"] = self.token
        return out


def from_headers(request: Request) -> list[Credential]:
    """Credentials in ``Authorization`` / ``Proxy-Authorization`` headers."""
    found: list[Credential] = []
    for value in request.header_all("authorization")[:4] + request.header_all("proxy-authorization")[:4]:
        scheme, _, param = value.strip().partition(" ")
        scheme_l, param = scheme.lower(), param.strip()
        if scheme_l == "basic":
            found.append(_basic(param))
        elif scheme_l == "bearer":
            found.append(Credential("bearer", token=clip_wire(param, MAX_CRED)))
        elif scheme_l == "digest":
            found.append(Credential("digest", username=_digest_user(param), token=clip_wire(param, MAX_CRED)))
        elif scheme_l.isalnum() and len(scheme_l) <= 32:
            found.append(Credential(scheme_l, token=clip_wire(param, MAX_CRED)))
    return found


def _basic(param: str) -> Credential:
    try:
        raw = base64.b64decode(param[: 4 * MAX_CRED], validate=True)
    except (binascii.Error, ValueError):
        return Credential("basic", token=clip_wire(param, MAX_CRED))
    user, sep, password = raw.partition(b":")
    if not sep:
        return Credential("basic", username=clip(user, MAX_CRED))
    return Credential("basic", username=clip(user, MAX_CRED), password=clip(password, MAX_CRED))


def _digest_user(param: str) -> str:
    for part in param[:4096].split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "username":
            return clip_wire(value.strip().strip('"'), MAX_CRED)
    return ""


def form_fields(request: Request) -> list[tuple[str, str]]:
    """Fields of a url-encoded body (bounded count) as latin-1 text (see :func:`clip_wire`), or []."""
    ctype = (request.header("content-type") or "").split(";", 1)[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded" or not request.body:
        return []
    try:
        return parse_qsl(  # latin-1 both ways keeps the bytes; clip_wire reads them as UTF-8
            request.body.decode("latin-1"),
            keep_blank_values=True,
            max_num_fields=_MAX_FORM_FIELDS,
            encoding="latin-1",
        )
    except ValueError:
        return []


def _pick(pairs: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if key in pairs:
            return pairs[key]
    return None


def from_body(request: Request) -> list[Credential]:
    """A login in a url-encoded form or a flat JSON object."""
    fields: dict[str, str] = {}
    method = "form"
    pairs = form_fields(request)
    if pairs:
        for key, value in pairs:
            fields.setdefault(key.lower(), value)
    elif request.body[:1] == b"{" and "json" in (request.header("content-type") or "").lower():
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            method = "json"
            for key, value in list(data.items())[:_MAX_FORM_FIELDS]:
                if isinstance(key, str) and isinstance(value, str | int):
                    fields.setdefault(key.lower(), str(value))
    user, password = _pick(fields, _USER_KEYS), _pick(fields, _PASS_KEYS)
    if user is None and password is None:
        return []
    text = clip_wire if method == "form" else clip
    return [Credential(method, username=text(user or "", MAX_CRED), password=text(password or "", MAX_CRED))]


def extract(request: Request) -> list[Credential]:
    """Every credential a request carries."""
    return from_headers(request) + from_body(request)
