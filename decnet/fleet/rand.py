"""Deterministic randomness from seeds.

Every random choice about a decky is ``HMAC-SHA256(seed, label)``: each choice has its own
label, so adding a new choice never shifts the others, and results do not depend on the
Python version. Only shuffles and samples use :class:`random.Random`, seeded the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

SEED_BYTES = 32
_HEX_SEED = re.compile(r"^[0-9a-fA-F]{64}$")


def new_seed() -> bytes:
    """A fresh random 32-byte seed."""
    return secrets.token_bytes(SEED_BYTES)


def parse_seed(value: str | bytes) -> bytes:
    """A 32-byte seed from 32 raw bytes, 64 hex digits, or any other text (hashed, e.g. ``--seed lab1``)."""
    if isinstance(value, bytes):
        if len(value) == SEED_BYTES:
            return value
        return hashlib.sha256(b"decnet.seed\0" + value).digest()
    text = value.strip()
    if _HEX_SEED.match(text):
        return bytes.fromhex(text)
    if not text:
        raise ValueError("empty seed")
    return hashlib.sha256(b"decnet.seed\0" + text.encode("utf-8")).digest()


def derive_bytes(seed: bytes, label: str) -> bytes:
    """32 bytes that depend only on ``seed`` and ``label``."""
    return hmac.new(seed, label.encode("utf-8"), hashlib.sha256).digest()


def derive_int(seed: bytes, label: str, bound: int) -> int:
    """An integer in ``[0, bound)`` from ``seed`` and ``label``."""
    if bound <= 0:
        raise ValueError("bound must be positive")
    return int.from_bytes(derive_bytes(seed, label), "big") % bound


def derive_float(seed: bytes, label: str) -> float:
    """A float in ``[0, 1)`` from ``seed`` and ``label``."""
    return int.from_bytes(derive_bytes(seed, label)[:7], "big") / float(1 << 56)


def derive_choice(seed: bytes, label: str, options: Sequence[T]) -> T:
    """One of ``options``, chosen by ``seed`` and ``label``."""
    if not options:
        raise ValueError(f"nothing to choose from for {label!r}")
    return options[derive_int(seed, label, len(options))]


def derive_rng(seed: bytes, label: str) -> random.Random:
    """A :class:`random.Random` seeded from ``seed`` and ``label`` (for shuffles and samples)."""
    return random.Random(int.from_bytes(derive_bytes(seed, label), "big"))


def decky_seed(fleet_seed: bytes, name: str) -> bytes:
    """The seed of decky ``name`` in a fleet seeded with ``fleet_seed``."""
    return derive_bytes(fleet_seed, "decnet.decky\0" + name.lower())
