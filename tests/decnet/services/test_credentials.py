"""The shared credential shape: printable, lossless when needed, plaintext mirrored as password."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decnet.services.credentials import MAX_SECRET, credential_fields


def test_plaintext_shape() -> None:
    fields = credential_fields("root", "toor", method="password")
    assert fields == {
        "username": "root",
        "secret_kind": "plaintext",
        "secret": "toor",
        "password": "toor",
        "result": "failure",
        "method": "password",
    }


def test_hash_kind_has_no_password_field() -> None:
    fields = credential_fields(b"sa", b"\x01\x02", "mysql_native_password", ok=True)
    assert "password" not in fields and fields["result"] == "success"
    assert fields["secret"] == "\\x01\\x02"
    assert base64.b64decode(fields["secret_b64"]) == b"\x01\x02"


def test_printable_utf8_needs_no_b64() -> None:
    fields = credential_fields("josé", "pässwörd")
    assert "secret_b64" not in fields and "username_b64" not in fields


def test_oversize_secret_is_cut_and_kept_in_b64() -> None:
    fields = credential_fields("u", "x" * (MAX_SECRET + 10))
    assert len(fields["secret"]) == MAX_SECRET
    assert len(base64.b64decode(fields["secret_b64"])) == MAX_SECRET + 10


@pytest.mark.parametrize("kind", ["", "a b", "x" * 33, "<script>"])
def test_bad_kind_rejected(kind: str) -> None:
    with pytest.raises(ValueError):
        credential_fields("u", "p", kind)


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_any_bytes_round_trip(user: bytes, secret: bytes) -> None:
    fields = credential_fields(user, secret, "md5")
    for name, raw in (("username", user), ("secret", secret)):
        restored = (
            base64.b64decode(fields[f"{name}_b64"]) if f"{name}_b64" in fields else fields[name].encode()
        )
        assert restored == raw
        assert fields[name].isprintable()
