"""MySQL packet parsing: known shapes and fuzzing (no crash beyond PacketError)."""

from __future__ import annotations

import contextlib
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.mysql import packets as pk


def _response(user: bytes, auth: bytes, db: bytes = b"", plugin: bytes = b"mysql_native_password") -> bytes:
    caps = (
        pk.CLIENT_PROTOCOL_41
        | pk.CLIENT_SECURE_CONNECTION
        | pk.CLIENT_PLUGIN_AUTH
        | pk.CLIENT_CONNECT_ATTRS
        | (pk.CLIENT_CONNECT_WITH_DB if db else 0)
    )
    attrs = pk.lenenc_str(b"_client_name") + pk.lenenc_str(b"libmariadb")
    return (
        struct.pack("<IIB", caps, 1 << 24, 45)
        + b"\x00" * 23
        + user
        + b"\x00"
        + bytes([len(auth)])
        + auth
        + (db + b"\x00" if db else b"")
        + plugin
        + b"\x00"
        + pk.lenenc_str(attrs)
    )


def test_parse_handshake_response() -> None:
    hello = pk.parse_handshake_response(_response(b"root", b"\x01" * 20, b"shop"))
    assert (hello.username, hello.auth, hello.database, hello.plugin) == (
        b"root",
        b"\x01" * 20,
        b"shop",
        b"mysql_native_password",
    )
    assert hello.attrs == {b"_client_name": b"libmariadb"}


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_handshake_response(data: bytes) -> None:
    try:
        hello = pk.parse_handshake_response(data)
    except pk.PacketError:
        return
    assert len(hello.attrs) <= pk.MAX_ATTRS and len(hello.auth) <= len(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.binary(max_size=255), st.binary(max_size=64))
def test_fuzz_mutated_valid_response(user: bytes, auth: bytes, db: bytes) -> None:
    data = _response(user.replace(b"\x00", b""), auth, db.replace(b"\x00", b""))
    for cut in (len(data), len(data) // 2, 40):
        with contextlib.suppress(pk.PacketError):
            pk.parse_handshake_response(data[:cut])
