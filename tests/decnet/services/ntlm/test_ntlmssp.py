"""NTLMSSP, SPNEGO and BER: messages against an independent NTLM client, and fuzzing."""

from __future__ import annotations

import contextlib
import struct
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.ntlm import ber, spnego
from decnet.services.ntlm.capture import auth_fields
from decnet.services.ntlm.identity import identity_for
from decnet.services.ntlm.ntlmssp import (
    AV_DNS_COMPUTER,
    AV_DNS_DOMAIN,
    AV_DNS_TREE,
    AV_NB_COMPUTER,
    AV_NB_DOMAIN,
    AV_TIMESTAMP,
    NTLMError,
    NTLMServer,
    parse_authenticate,
    parse_negotiate,
)
from tests.decnet.services.ntlm.helpers import (
    linux_persona,
    ntlm_authenticate,
    ntlm_negotiate,
    parse_challenge,
    verify_hashcat_5600,
    windows_persona,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _names(avs: dict[int, bytes]) -> dict[int, str]:
    return {k: v.decode("utf-16-le") for k, v in avs.items() if k not in (0, AV_TIMESTAMP)}


def test_windows_member_server_challenge_names_domain_and_build() -> None:
    server = NTLMServer(identity_for(windows_persona("SRV-ATLAS-07")))
    challenge, avs, flags, version = parse_challenge(server.challenge(ntlm_negotiate()))
    assert challenge == server.server_challenge and len(challenge) == 8
    assert _names(avs) == {
        AV_NB_DOMAIN: "CORP",
        AV_NB_COMPUTER: "SRV-ATLAS-07",
        AV_DNS_DOMAIN: "corp.local",
        AV_DNS_COMPUTER: "SRV-ATLAS-07.corp.local",
        AV_DNS_TREE: "corp.local",
    }
    assert len(avs[AV_TIMESTAMP]) == 8
    assert version[:4] == bytes([10, 0]) + struct.pack("<H", 17763) and version[7] == 15
    assert flags & 0x00010000 and flags & 0x00000001 and flags & 0x00080000  # domain, unicode, ESS


def test_workstation_is_standalone_and_samba_says_6_1() -> None:
    ws = identity_for(replace(windows_persona("DESKTOP-7QK2M1P"), os_profile="windows"))
    assert (ws.nb_domain, ws.dns_domain, ws.domain_joined) == ("DESKTOP-7QK2M1P", "DESKTOP-7QK2M1P", False)
    samba = identity_for(replace(linux_persona(), hostname="files-03.example.org"))
    assert samba.nb_computer == "FILES-03" and samba.dns_computer == "files-03.example.org"
    assert samba.version == (6, 1, 0)
    _, _, flags, version = parse_challenge(NTLMServer(samba).challenge(ntlm_negotiate()))
    assert flags & 0x00020000 and version[:2] == bytes([6, 1])  # target type server


def test_ntlmv2_capture_is_crackable_hashcat_5600() -> None:
    server = NTLMServer(identity_for(windows_persona()))
    challenge = server.challenge(ntlm_negotiate())
    auth = server.authenticate(ntlm_authenticate(challenge, "alice", "Winter2024!", domain="CORP"))
    assert (auth.user, auth.domain, auth.workstation, auth.kind) == ("alice", "CORP", "KALI", "ntlmv2")
    line = auth.hashcat(server.server_challenge)
    assert line.startswith(f"alice::CORP:{server.server_challenge.hex()}:")
    assert verify_hashcat_5600(line, "Winter2024!") and not verify_hashcat_5600(line, "winter2024!")
    fields = auth_fields(auth, server.server_challenge, method="ntlmssp")
    assert fields["secret_kind"] == "ntlmv2" and fields["secret"] == line and fields["username"] == "alice"
    assert fields["client_version"] == "10.0.19041" and fields["result"] == "failure"


def test_ntlmv1_and_anonymous() -> None:
    lm, nt = bytes(range(24)), bytes(range(24, 48))
    user = "bob".encode("utf-16-le")
    offset = 72
    msg = b"NTLMSSP\x00" + struct.pack("<I", 3)
    payload = [lm, nt, b"", user, b""]
    body = b""
    for value in payload:
        msg += struct.pack("<HHI", len(value), len(value), offset + len(body))
        body += value
    msg += struct.pack("<HHI", 0, 0, 0) + struct.pack("<I", 0x00000201) + bytes(8) + body
    auth = parse_authenticate(msg)
    assert auth.kind == "ntlmv1"
    assert auth.hashcat(b"\x11" * 8) == f"bob:::{lm.hex()}:{nt.hex()}:{'11' * 8}"
    anon = b"NTLMSSP\x00" + struct.pack("<I", 3) + struct.pack("<HHI", 1, 1, 72) + bytes(40)
    anon += struct.pack("<I", 0x00000A01) + bytes(8) + b"\x00"
    assert parse_authenticate(anon).kind == "anonymous"


def test_fields_pointing_outside_are_refused() -> None:
    bad = b"NTLMSSP\x00" + struct.pack("<I", 3) + struct.pack("<HHI", 24, 24, 5000) + bytes(52)
    with pytest.raises(NTLMError):
        parse_authenticate(bad)
    with pytest.raises(NTLMError):
        parse_negotiate(b"NTLMSSP\x00\x03\x00\x00\x00")


def test_spnego_round_trip() -> None:
    negotiate = ntlm_negotiate()
    init = ber.sequence(
        ber.oid(spnego.SPNEGO_OID),
        ber.sequence(
            ber.sequence(
                ber.sequence(ber.sequence(ber.oid(spnego.NTLMSSP_OID)), identifier=0xA0),
                ber.sequence(ber.octets(negotiate), identifier=0xA2),
            ),
            identifier=0xA0,
        ),
        identifier=0x60,
    )
    token = spnego.unwrap(init)
    assert token.spnego and token.mechs == (spnego.NTLMSSP_OID,) and token.ntlm == negotiate
    resp = spnego.unwrap(spnego.response(spnego.ACCEPT_INCOMPLETE, b"NTLMSSP\x00\x02\x00\x00\x00"))
    assert resp.ntlm == b"NTLMSSP\x00\x02\x00\x00\x00"
    assert spnego.unwrap(negotiate).spnego is False
    hint = ber.decode(spnego.server_hint())
    assert hint.is_(ber.APPLICATION, 0) and b"not_defined_in_RFC4178@please_ignore" in hint.value


def test_ber_encoding() -> None:
    assert ber.integer(0) == b"\x02\x01\x00" and ber.integer(128) == b"\x02\x02\x00\x80"
    assert ber.integer(-1) == b"\x02\x01\xff"
    assert ber.to_int(ber.decode(ber.integer(-1073741715))) == -1073741715
    assert ber.to_oid(ber.decode(ber.oid("1.2.840.113554.1.2.2"))) == "1.2.840.113554.1.2.2"
    assert ber.sequence(b"", long4=True) == b"\x30\x84\x00\x00\x00\x00"
    assert ber.encode_length(300) == b"\x82\x01\x2c"
    with pytest.raises(ber.BERError):
        ber.decode(b"\x30\x80\x00\x00")  # indefinite length
    with pytest.raises(ber.BERError):
        ber.decode(b"\x30\x85\x00\x00\x00\x00\x01")  # 5-byte length
    with pytest.raises(ber.BERError):
        ber.decode(b"\x04\x84\xff\xff\xff\xffab")  # longer than the data
    assert ber.frame_size(b"\x30\x84\x00\x00", 100) is None
    with pytest.raises(ber.BERError):
        ber.frame_size(b"\x30\x84\x7f\xff\xff\xff", 1 << 20)


def _walk(tlv: ber.TLV, depth: int = 0) -> int:
    if not tlv.constructed or depth > 8:
        return 1
    return 1 + sum(_walk(child, depth + 1) for child in ber.children(tlv, 64))


@FUZZ
@given(st.binary(max_size=512))
def test_fuzz_ber(data: bytes) -> None:
    with contextlib.suppress(ber.BERError):
        _walk(ber.decode(data))


@FUZZ
@given(st.binary(max_size=600))
def test_fuzz_ntlm_and_spnego(data: bytes) -> None:
    for blob in (data, b"NTLMSSP\x00\x01\x00\x00\x00" + data, b"NTLMSSP\x00\x03\x00\x00\x00" + data):
        for parse in (parse_negotiate, parse_authenticate):
            with contextlib.suppress(NTLMError):
                parse(blob)
        with contextlib.suppress(ber.BERError):
            spnego.unwrap(blob)
