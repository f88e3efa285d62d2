"""SCRAM-SHA-1 / SCRAM-SHA-256 as MongoDB runs them (on the shared SCRAM core)."""

from __future__ import annotations

import hashlib
import hmac

from decnet.services.streambase import scram
from decnet.services.streambase.scram import Conversation, ScramError, crackable, finish

ITERATIONS = {"SCRAM-SHA-1": 10000, "SCRAM-SHA-256": 15000}
_SALT_BYTES = {"SCRAM-SHA-1": 16, "SCRAM-SHA-256": 28}

__all__ = ["ITERATIONS", "Conversation", "ScramError", "crackable", "finish", "start", "verify"]


def start(mechanism: str, payload: bytes, salt_key: bytes) -> Conversation:
    """The server-first step; the salt is stable per user (mongod fakes one for unknown users too)."""
    if mechanism not in ITERATIONS:
        raise ScramError(f"unsupported mechanism {mechanism}")
    user = scram.client_user(payload)
    salt = hmac.new(salt_key, f"{mechanism}:{user}".encode(), "sha256").digest()[: _SALT_BYTES[mechanism]]
    return scram.start(mechanism, payload, salt, ITERATIONS[mechanism])


def verify(conv: Conversation, password: str) -> str | None:
    """The server-final message if the proof is ``password``'s (SCRAM-SHA-1 hashes it MongoDB's way)."""
    secret = password
    if conv.mechanism == "SCRAM-SHA-1":
        secret = hashlib.md5(f"{conv.user}:mongo:{password}".encode()).hexdigest()  # noqa: S324 - MongoDB's
    return scram.verify(conv, secret)
