"""Server side of SCRAM-SHA-1 / SCRAM-SHA-256 as MongoDB runs it (RFC 5802 / 7677)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

ITERATIONS = {"SCRAM-SHA-1": 10000, "SCRAM-SHA-256": 15000}
_HASH = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256"}


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

    mechanism: str
    user: str
    client_first_bare: str
    server_first: str
    salt: bytes
    iterations: int
    nonce: str
    auth_message: str = ""
    proof: bytes = b""
    salted: bytes = b""


def start(mechanism: str, payload: bytes, salt_key: bytes) -> Conversation:
    """Parse ``n,,n=user,r=nonce`` and make the server-first message (salt stable per user)."""
    if mechanism not in ITERATIONS:
        raise ScramError(f"unsupported mechanism {mechanism}")
    text = payload.decode("utf-8", "replace")
    if not text.startswith(("n,", "y,", "p=")):
        raise ScramError("bad GS2 header")
    bare = text.split(",", 2)[2] if text.count(",") >= 2 else ""
    attrs = _attrs(bare)
    if "n" not in attrs or "r" not in attrs:
        raise ScramError("missing user or nonce")
    user = attrs["n"].replace("=2C", ",").replace("=3D", "=")
    salt = hmac.new(salt_key, f"{mechanism}:{user}".encode(), "sha256").digest()[
        : 28 if "256" in mechanism else 16
    ]
    nonce = attrs["r"] + base64.b64encode(os.urandom(24)).decode()
    iterations = ITERATIONS[mechanism]
    first = f"r={nonce},s={base64.b64encode(salt).decode()},i={iterations}"
    return Conversation(mechanism, user, bare, first, salt, iterations, nonce)


def finish(conv: Conversation, payload: bytes) -> None:
    """Parse the client-final message into ``auth_message`` and ``proof``."""
    text = payload.decode("utf-8", "replace")
    without_proof, sep, proof = text.rpartition(",p=")
    attrs = _attrs(without_proof)
    if not sep or attrs.get("r") != conv.nonce:
        raise ScramError("bad client-final message")
    try:
        conv.proof = base64.b64decode(proof[:200], validate=True)
    except ValueError:
        raise ScramError("bad proof encoding") from None
    conv.auth_message = f"{conv.client_first_bare},{conv.server_first},{without_proof}"


def verify(conv: Conversation, password: str) -> str | None:
    """The server-final ``v=…`` if the proof is ``password``'s, else None."""
    name = _HASH[conv.mechanism]
    secret = password
    if conv.mechanism == "SCRAM-SHA-1":
        secret = hashlib.md5(f"{conv.user}:mongo:{password}".encode()).hexdigest()  # noqa: S324 - MongoDB's
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
    """A self-describing crackable form: ``$<mech>$<iterations>$<salt>$<auth message>$<proof>`` (base64)."""
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
