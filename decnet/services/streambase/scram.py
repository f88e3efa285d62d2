"""Server side of SCRAM (RFC 5802 / 7677), shared by the mongodb and postgres services.

Only parsing and verification live here; each service picks its salt, iteration count and
what the hashed "password" is (MongoDB's SCRAM-SHA-1 hashes ``user:mongo:password`` first).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

_HASH = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}
MAX_MESSAGE = 4096


class ScramError(ValueError):
    """A SCRAM message that does not parse."""


def _attrs(message: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in message.split(",")[:16]:
        key, sep, value = part.partition("=")
        if sep and len(key) == 1:
            out.setdefault(key, value)
    return out


@dataclass(slots=True)
class Conversation:
    """One SCRAM exchange."""

    mechanism: str  #: "SCRAM-SHA-1" or "SCRAM-SHA-256"
    user: str  #: the ``n=`` attribute (may be empty, as libpq sends it)
    client_first_bare: str
    server_first: str
    salt: bytes
    iterations: int
    nonce: str
    auth_message: str = ""
    proof: bytes = b""


def client_user(payload: bytes) -> str:
    """The user name of a client-first message ('' if absent)."""
    text = payload[:MAX_MESSAGE].decode("utf-8", "replace")
    bare = text.split(",", 2)[2] if text.count(",") >= 2 else ""
    return _attrs(bare).get("n", "").replace("=2C", ",").replace("=3D", "=")


def start(mechanism: str, payload: bytes, salt: bytes, iterations: int) -> Conversation:
    """Parse ``n,,n=user,r=nonce`` and make the server-first message."""
    if mechanism not in _HASH:
        raise ScramError(f"unsupported mechanism {mechanism}")
    text = payload[:MAX_MESSAGE].decode("utf-8", "replace")
    if not text.startswith(("n,", "y,", "p=")):
        raise ScramError("bad GS2 header")
    bare = text.split(",", 2)[2] if text.count(",") >= 2 else ""
    attrs = _attrs(bare)
    if "n" not in attrs or "r" not in attrs or not attrs["r"]:
        raise ScramError("missing user or nonce")
    nonce = attrs["r"] + base64.b64encode(os.urandom(18)).decode()
    first = f"r={nonce},s={base64.b64encode(salt).decode()},i={iterations}"
    return Conversation(mechanism, client_user(payload), bare, first, salt, iterations, nonce)


def finish(conv: Conversation, payload: bytes) -> None:
    """Parse the client-final message into ``auth_message`` and ``proof``."""
    text = payload[:MAX_MESSAGE].decode("utf-8", "replace")
    without_proof, sep, proof = text.rpartition(",p=")
    attrs = _attrs(without_proof)
    if not sep or attrs.get("r") != conv.nonce:
        raise ScramError("bad client-final message")
    try:
        conv.proof = base64.b64decode(proof[:200], validate=True)
    except ValueError:
        raise ScramError("bad proof encoding") from None
    conv.auth_message = f"{conv.client_first_bare},{conv.server_first},{without_proof}"


def verify(conv: Conversation, secret: str) -> str | None:
    """The server-final ``v=…`` if the proof was made from ``secret``, else None."""
    name = _HASH[conv.mechanism]
    salted = hashlib.pbkdf2_hmac(name, secret.encode(), conv.salt, conv.iterations)
    client_key = hmac.new(salted, b"Client Key", name).digest()
    stored = hashlib.new(name, client_key).digest()
    signature = hmac.new(stored, conv.auth_message.encode(), name).digest()
    expected = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    if not hmac.compare_digest(expected, conv.proof):
        return None
    server_key = hmac.new(salted, b"Server Key", name).digest()
    return "v=" + base64.b64encode(hmac.new(server_key, conv.auth_message.encode(), name).digest()).decode()


def crackable(conv: Conversation) -> str:
    """``$<mech>$<iterations>$<salt>$<auth message>$<proof>`` (base64 fields): enough to test guesses."""
    return "$".join(
        [
            "",
            conv.mechanism.lower(),
            str(conv.iterations),
            base64.b64encode(conv.salt).decode(),
            base64.b64encode(conv.auth_message.encode()).decode(),
            base64.b64encode(conv.proof).decode(),
        ]
    )
