"""Password hashing, HS256 tokens and the signing-key file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import threading
import time
from pathlib import Path

import pytest

from decnet.web import security
from decnet.web.security import (
    TokenError,
    TokenSigner,
    b64url_decode,
    b64url_encode,
    hash_password,
    load_or_create_secret,
    verify_password,
)

KEY = b"k" * 32


# --- passwords -----------------------------------------------------------------------------


def test_hash_round_trip_and_versioned_format() -> None:
    encoded = hash_password("correct horse battery")
    assert encoded.startswith("$scrypt$v=1$n=1024,r=8,p=1$")
    assert verify_password("correct horse battery", encoded)
    assert not verify_password("correct horse batterx", encoded)
    assert not verify_password("", encoded)


def test_default_cost_is_the_documented_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the conftest lowered it
    assert (security.SCRYPT_N, security.SCRYPT_R, security.SCRYPT_P) == (2**14, 8, 5)


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password("same password!"), hash_password("same password!")
    assert first != second
    assert verify_password("same password!", first) and verify_password("same password!", second)


def test_hash_matches_hashlib_scrypt() -> None:
    encoded = hash_password("pässwörd €")
    _, _, _, params, salt, key = encoded.split("$")
    n, r, p = (int(part.split("=")[1]) for part in params.split(","))
    expected = hashlib.scrypt("pässwörd €".encode(), salt=b64url_decode(salt), n=n, r=r, p=p, dklen=32)
    assert b64url_decode(key) == expected


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plaintext",
        "$2b$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
        "$scrypt$v=2$n=1024,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$v=1$n=1000,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$v=1$n=4194304,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$v=1$n=1024,r=64,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$v=1$n=1024,r=8,p=1$AAAA=AAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_unusable_hashes_never_verify(encoded: str) -> None:
    assert not verify_password("anything", encoded)


# --- tokens --------------------------------------------------------------------------------


def _forge(header: dict[str, object], payload: dict[str, object], key: bytes = KEY) -> str:
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    sig = b64url_encode(hmac.new(key, f"{h}.{p}".encode(), hashlib.sha256).digest())
    return f"{h}.{p}.{sig}"


def _claims(**over: object) -> dict[str, object]:
    now = int(time.time())
    return {"iss": "decnet", "sub": "alice", "jti": "j1", "iat": now, "nbf": now, "exp": now + 60, **over}


def test_issue_and_verify() -> None:
    signer = TokenSigner(KEY)
    token, claims = signer.issue("alice", 60, {"pwv": "abc"})
    verified = signer.verify(token)
    assert verified == claims
    assert verified.sub == "alice" and verified.exp - verified.iat == 60
    assert verified.extra == {"pwv": "abc"}
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert signer.issue("alice", 60)[1].jti != claims.jti


def test_rfc7515_hs256_example_signature() -> None:
    """RFC 7515 appendix A.1: our HMAC over the signing input matches the published signature."""
    key = b64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
    )
    token = (
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
        ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    )
    signer = TokenSigner(key, issuer="joe")
    with pytest.raises(TokenError) as accepted:  # signature accepted, then the claims (no iat) refused
        signer.verify(token)
    assert "signature" not in str(accepted.value)
    tampered = token[:-1] + ("Y" if token[-1] != "Y" else "Z")
    with pytest.raises(TokenError, match="signature"):
        signer.verify(tampered)


def test_forged_token_with_the_right_key_verifies() -> None:
    assert TokenSigner(KEY).verify(_forge({"alg": "HS256", "typ": "JWT"}, _claims())).sub == "alice"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "HS512"},
        {"alg": "RS256"},
        {"alg": "hs256"},
        {"typ": "JWT"},
        {"alg": "HS256", "crit": ["exp"]},
        {"alg": "HS256", "typ": "JOSE+JSON"},
    ],
)
def test_other_algorithms_and_headers_are_refused(header: dict[str, object]) -> None:
    with pytest.raises(TokenError):
        TokenSigner(KEY).verify(_forge(header, _claims()))


def test_alg_none_without_signature_is_refused() -> None:
    h = b64url_encode(b'{"alg":"none","typ":"JWT"}')
    p = b64url_encode(json.dumps(_claims()).encode())
    for token in (f"{h}.{p}.", f"{h}.{p}"):
        with pytest.raises(TokenError):
            TokenSigner(KEY).verify(token)


def test_wrong_key_and_tampered_payload_are_refused() -> None:
    signer = TokenSigner(KEY)
    with pytest.raises(TokenError, match="signature"):
        signer.verify(_forge({"alg": "HS256"}, _claims(), key=b"x" * 32))
    token, _ = signer.issue("alice", 60)
    h, _p, s = token.split(".")
    evil = b64url_encode(json.dumps(_claims(sub="admin")).encode())
    with pytest.raises(TokenError, match="signature"):
        signer.verify(f"{h}.{evil}.{s}")


@pytest.mark.parametrize(
    "payload",
    [
        _claims(exp=int(time.time()) - 1),
        _claims(nbf=int(time.time()) + 3600),
        _claims(iat=int(time.time()) + 3600),
        _claims(iss="someone-else"),
        _claims(exp="tomorrow"),
        _claims(exp=True),
        _claims(sub=""),
        {k: v for k, v in _claims().items() if k != "jti"},
        {k: v for k, v in _claims().items() if k != "exp"},
    ],
)
def test_bad_claims_are_refused(payload: dict[str, object]) -> None:
    with pytest.raises(TokenError):
        TokenSigner(KEY).verify(_forge({"alg": "HS256"}, payload))


def test_small_clock_skew_on_nbf_is_tolerated() -> None:
    payload = _claims(nbf=int(time.time()) + 5, iat=int(time.time()) + 5)
    assert TokenSigner(KEY).verify(_forge({"alg": "HS256"}, payload)).sub == "alice"


@pytest.mark.parametrize(
    "token",
    ["", "a", "a.b", "a.b.c.d", "!!!.###.$$$", "é.é.é", "x" * 5000, "e30.e30.", "W10.e30.AAAA"],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        TokenSigner(KEY).verify(token)


def test_duplicate_claims_are_refused() -> None:
    h = b64url_encode(b'{"alg":"HS256"}')
    body = json.dumps(_claims())[:-1] + ', "sub": "admin"}'
    p = b64url_encode(body.encode())
    sig = b64url_encode(hmac.new(KEY, f"{h}.{p}".encode(), hashlib.sha256).digest())
    with pytest.raises(TokenError):
        TokenSigner(KEY).verify(f"{h}.{p}.{sig}")


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        TokenSigner(b"short")


def test_b64url_is_strict() -> None:
    assert b64url_decode(b64url_encode(b"\xff\xfe")) == b"\xff\xfe"
    assert "=" not in b64url_encode(b"a")
    for bad in ("a", "ab+c", "ab/c", "ab=="):
        with pytest.raises(ValueError):
            b64url_decode(bad)
    assert base64.urlsafe_b64encode(b"\xfb\xff").decode().rstrip("=") == b64url_encode(b"\xfb\xff")


# --- signing key file ----------------------------------------------------------------------


def test_secret_file_is_created_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "state"
    key = load_or_create_secret(data_dir)
    path = data_dir / "jwt.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert load_or_create_secret(data_dir) == key
    assert [p.name for p in data_dir.iterdir()] == ["jwt.secret"]


def test_concurrent_creation_agrees_on_one_key(tmp_path: Path) -> None:
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(load_or_create_secret(tmp_path))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jwt.secret"]


def test_a_too_short_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "jwt.secret").write_text("short\n")
    with pytest.raises(ValueError, match="at least 32"):
        load_or_create_secret(tmp_path)
