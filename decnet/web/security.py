"""Password hashing (scrypt) and API tokens (JWT, HS256), with the standard library only.

Passwords: ``hashlib.scrypt`` with a random 16-byte salt per hash, stored as the versioned
string ``$scrypt$v=1$n=16384,r=8,p=5$<salt>$<key>`` (unpadded base64url), so the cost can
grow without invalidating stored hashes. Verification recomputes with the stored parameters
and compares in constant time.

Tokens: compact JWS with the algorithm fixed to HS256 (any other ``alg``, ``none`` included,
is refused before the signature is even looked at), signature compared in constant time, and
``exp``/``nbf``/``iat``/``iss`` checked. The signing key is ``settings.jwt_secret`` or, when
unset, a random key created once in ``<data_dir>/jwt.secret`` (mode 0600).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("decnet.web")

#: Shortest password accepted when a password is changed.
PASSWORD_MIN_LENGTH = 12
#: Longest password accepted anywhere (scrypt cost does not depend on it, but requests must be bounded).
PASSWORD_MAX_LENGTH = 1024

#: scrypt cost of new hashes: 16 MiB and about 0.15 s on one core (OWASP's N=2^14, r=8, p=5).
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 5
_SCRYPT_SALT_BYTES = 16
_SCRYPT_KEY_BYTES = 32
#: Bounds on parameters read back from storage, so a corrupt row cannot exhaust memory or CPU.
_SCRYPT_MAX_N = 2**20
_SCRYPT_MAX_R = 32
_SCRYPT_MAX_P = 16
_SCRYPT_HASH = re.compile(
    r"\$scrypt\$v=1\$n=(?P<n>[0-9]{1,8}),r=(?P<r>[0-9]{1,3}),p=(?P<p>[0-9]{1,3})"
    r"\$(?P<salt>[A-Za-z0-9_-]{16,64})\$(?P<key>[A-Za-z0-9_-]{16,128})"
)

#: File of the generated signing key, inside ``data_dir``.
JWT_SECRET_FILE = "jwt.secret"  # noqa: S105 (a file name)
#: The one accepted signature algorithm.
JWT_ALG = "HS256"
#: Issuer written into and required from every token.
JWT_ISSUER = "decnet"
#: Longest token accepted (ours are about 300 characters).
_MAX_TOKEN_LEN = 4096
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


# --- base64url ---------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ``ValueError`` on any other character or a bad length."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


# --- passwords ---------------------------------------------------------------------------


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = _SCRYPT_KEY_BYTES) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * r * n + 2 * 1024 * 1024,
        dklen=dklen,
    )


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password`` in the versioned format (slow: run it off the event loop)."""
    salt = secrets.token_bytes(_SCRYPT_SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"$scrypt$v=1$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${b64url_encode(salt)}${b64url_encode(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True if ``password`` matches hash ``encoded``; False for a wrong password or an unusable hash."""
    match = _SCRYPT_HASH.fullmatch(encoded)
    if match is None:
        return False
    n, r, p = int(match["n"]), int(match["r"]), int(match["p"])
    if not (
        2 <= n <= _SCRYPT_MAX_N and n & (n - 1) == 0 and 1 <= r <= _SCRYPT_MAX_R and 1 <= p <= _SCRYPT_MAX_P
    ):
        return False
    try:
        salt, expected = b64url_decode(match["salt"]), b64url_decode(match["key"])
    except ValueError:
        return False
    actual = _scrypt(password, salt, n, r, p, len(expected))
    return hmac.compare_digest(actual, expected)


# --- signing key -------------------------------------------------------------------------


def load_or_create_secret(data_dir: Path) -> bytes:
    """The signing key in ``data_dir/jwt.secret``, created (random, mode 0600) if missing.

    Creation is atomic (written to a private temporary file, then hard-linked into place), so
    processes starting together agree on one key.
    """
    path = data_dir / JWT_SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = data_dir / f".{JWT_SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)
                log.info("created the API token signing key %s", path)
            except FileExistsError:
                pass  # another process won the race: use its key
        finally:
            tmp.unlink(missing_ok=True)
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning("%s is readable by other users (mode %o); expected 0600", path, mode & 0o777)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise ValueError(f"{path}: expected a signing key of at least 32 characters")
    return secret.encode("ascii")


# --- tokens ------------------------------------------------------------------------------


class TokenError(Exception):
    """A token that is malformed, wrongly signed, expired or not yet valid."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified claims of an API token."""

    sub: str
    jti: str
    iat: int
    nbf: int
    exp: int
    extra: Mapping[str, Any]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment), object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as error:
        raise TokenError("malformed token") from error
    if not isinstance(value, dict):
        raise TokenError("malformed token")
    return value


def _int_claim(payload: Mapping[str, Any], name: str) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TokenError(f"token lacks an integer {name!r} claim")
    return value


def _str_claim(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise TokenError(f"token lacks a {name!r} claim")
    return value


class TokenSigner:
    """Issues and verifies HS256 tokens with one key."""

    _HEADER = b64url_encode(json.dumps({"alg": JWT_ALG, "typ": "JWT"}, separators=(",", ":")).encode())

    def __init__(self, key: bytes, *, issuer: str = JWT_ISSUER, leeway_s: int = 30) -> None:
        if len(key) < 32:
            raise ValueError("expected a signing key of at least 32 bytes")
        self._key = key
        self.issuer = issuer
        #: Allowed clock skew for ``nbf`` and ``iat`` (tokens issued by another replica); not for ``exp``.
        self.leeway_s = leeway_s

    def _sign(self, signing_input: bytes) -> bytes:
        return hmac.new(self._key, signing_input, hashlib.sha256).digest()

    def mac(self, data: bytes) -> str:
        """A short keyed digest of ``data`` (binds tokens to a password hash without revealing it)."""
        return b64url_encode(hmac.new(self._key, b"decnet-pwv\x00" + data, hashlib.sha256).digest()[:12])

    def issue(self, sub: str, ttl_s: int, extra: Mapping[str, Any] | None = None) -> tuple[str, TokenClaims]:
        """A token for ``sub`` valid ``ttl_s`` seconds from now, with a fresh ``jti``."""
        now = int(time.time())
        claims = TokenClaims(sub, secrets.token_urlsafe(16), now, now, now + ttl_s, dict(extra or {}))
        payload = {
            **claims.extra,
            "iss": self.issuer,
            "sub": sub,
            "jti": claims.jti,
            "iat": claims.iat,
            "nbf": claims.nbf,
            "exp": claims.exp,
        }
        body = b64url_encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
        signing_input = f"{self._HEADER}.{body}"
        signature = b64url_encode(self._sign(signing_input.encode("ascii")))
        return f"{signing_input}.{signature}", claims

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid token; :class:`TokenError` otherwise."""
        if len(token) > _MAX_TOKEN_LEN or not token.isascii():
            raise TokenError("malformed token")
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError("malformed token")
        header_b64, payload_b64, signature_b64 = parts
        header = _json_object(header_b64)
        if header.get("alg") != JWT_ALG or "crit" in header or header.get("typ", "JWT") != "JWT":
            raise TokenError("unsupported token algorithm or header")
        try:
            signature = b64url_decode(signature_b64)
        except ValueError as error:
            raise TokenError("malformed token") from error
        expected = self._sign(f"{header_b64}.{payload_b64}".encode("ascii"))
        if not hmac.compare_digest(signature, expected):
            raise TokenError("bad token signature")
        payload = _json_object(payload_b64)
        if payload.get("iss") != self.issuer:
            raise TokenError("token from another issuer")
        exp, iat, nbf = _int_claim(payload, "exp"), _int_claim(payload, "iat"), _int_claim(payload, "nbf")
        now = time.time()
        if now >= exp:
            raise TokenError("token expired")
        if nbf > now + self.leeway_s or iat > now + self.leeway_s:
            raise TokenError("token not yet valid")
        sub, jti = _str_claim(payload, "sub"), _str_claim(payload, "jti")
        reserved = {"iss", "sub", "jti", "iat", "nbf", "exp"}
        return TokenClaims(sub, jti, iat, nbf, exp, {k: v for k, v in payload.items() if k not in reserved})
