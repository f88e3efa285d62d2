"""The ldap service against ldapsearch and raw LDAP clients (simple, SASL and Sicily NTLM binds); fuzzing."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.ldap import LDAPConfig, LDAPService
from decnet.services.ldap import codec as c
from decnet.services.ntlm import ber, spnego
from tests.decnet.services.ntlm.helpers import (
    blast,
    drip,
    exchange,
    garbage,
    linux_persona,
    ntlm_authenticate,
    ntlm_negotiate,
    parse_challenge,
    running,
    verify_hashcat_5600,
    windows_persona,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AD_52E = "80090308: LdapErr: DSID-0C090447, comment: AcceptSecurityContext error, data 52e, v3839"


async def ldapsearch(*args: str) -> tuple[int, str]:
    path = shutil.which("ldapsearch")
    assert path is not None, "ldapsearch missing: run scripts/ensure-test-deps.sh"
    env = {**os.environ, "LDAPTLS_REQCERT": "never"}
    proc = await asyncio.create_subprocess_exec(
        path,
        "-x",
        "-o",
        "nettimeout=10",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(errors="replace")


async def test_ad_rootdse_and_simple_bind(tmp_path: Path) -> None:
    async with running(LDAPService, windows_persona(), tmp_path, ports=(0,), tls_ports=()) as (_, ports, ev):
        url = f"ldap://127.0.0.1:{ports[0]}"
        code, out = await ldapsearch(
            "-H",
            url,
            "-b",
            "",
            "-s",
            "base",
            "namingContexts",
            "defaultNamingContext",
            "dnsHostName",
            "supportedLDAPVersion",
            "supportedSASLMechanisms",
        )
        assert code == 0, out
        assert "defaultNamingContext: DC=corp,DC=local" in out
        assert "dnsHostName: SRV-ATLAS-07.corp.local" in out
        assert "supportedSASLMechanisms: GSS-SPNEGO" in out and "supportedLDAPVersion: 2" in out
        assert "namingContexts: CN=Configuration,DC=corp,DC=local" in out
        code, out = await ldapsearch(
            "-H", url, "-D", "CORP\\alice", "-w", "Passw0rd!", "-b", "", "-s", "base"
        )
        assert code == 49 and AD_52E in out
        (auth,) = await ev.wait("auth")
        assert auth.fields["username"] == "CORP\\\\alice"  # printable form escapes the backslash
        assert base64.b64decode(auth.fields["username_b64"]) == b"CORP\\alice"
        assert auth.fields["password"] == "Passw0rd!"
        assert auth.fields["secret_kind"] == "plaintext" and auth.fields["method"] == "simple"
        search = ev.of("search")[0].fields
        assert (
            search["scope"] == "base" and search["filter"] == "(objectclass=*)" and search["entries"] == "1"
        )
        # Anything but the rootDSE needs a bind on AD.
        code, out = await ldapsearch("-H", url, "-b", "DC=corp,DC=local", "(sAMAccountName=admin*)")
        assert code == 1 and "000004DC" in out
        assert ev.of("search")[-1].fields["filter"] == "(sAMAccountName=admin*)"


async def test_openldap_rootdse_search_bind_and_starttls(tmp_path: Path) -> None:
    async with running(LDAPService, linux_persona(), tmp_path, ports=(0,), tls_ports=()) as (_, ports, ev):
        plain = ports[0]
        url = f"ldap://127.0.0.1:{plain}"
        code, out = await ldapsearch("-H", url, "-b", "", "-s", "base", "+")
        assert code == 0 and "namingContexts: dc=nodomain" in out and "OpenLDAProotDSE" in out
        assert "supportedExtension: 1.3.6.1.4.1.1466.20037" in out
        code, out = await ldapsearch("-H", url, "-b", "dc=nodomain", "-s", "base")
        assert code == 0 and "dn: dc=nodomain" in out and "objectClass: dcObject" in out
        code, out = await ldapsearch("-H", url, "-b", "dc=other,dc=org")
        assert code == 32
        code, out = await ldapsearch("-H", url, "-D", "cn=admin,dc=nodomain", "-w", "admin")
        assert code == 49 and "additional info" not in out
        code, out = await ldapsearch("-ZZ", "-H", url, "-D", "cn=admin,dc=nodomain", "-w", "s3cret")
        assert code == 49
        creds = [e.fields["password"] for e in ev.of("auth")]
        assert creds == ["admin", "s3cret"]
        assert ev.of("auth")[1].fields["tls_version"].startswith("TLS")
        code, out = await ldapsearch("-H", url, "-D", "cn=admin,dc=nodomain", "-w", "")
        assert code == 53 and "unauthenticated bind" in out


async def test_ldaps_port(tmp_path: Path) -> None:
    async with running(LDAPService, windows_persona(), tmp_path, ports=(0,), tls_ports=(0,)) as (
        _,
        ports,
        ev,
    ):
        code, out = await ldapsearch(
            "-H", f"ldaps://127.0.0.1:{ports[0]}", "-D", "bob@corp.local", "-w", "pw"
        )
        assert code == 49 and AD_52E in out
        (auth,) = await ev.wait("auth")
        assert auth.fields["username"] == "bob@corp.local" and auth.fields["tls_version"].startswith("TLS")


async def _conversation(port: int, messages: list[bytes]) -> list[c.Message]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    replies: list[c.Message] = []
    try:
        for data in messages:
            writer.write(data)
            await writer.drain()
            head = await asyncio.wait_for(reader.readexactly(6), 5)
            body = await reader.readexactly(int.from_bytes(head[2:6], "big"))
            replies.append(c.parse_message(head + body))
    finally:
        writer.close()
    return replies


def _bind(msg_id: int, name: bytes, auth: bytes) -> bytes:
    return c.message(msg_id, ber.sequence(ber.integer(3), ber.octets(name), auth, identifier=0x60))


def _result(msg: c.Message) -> tuple[int, bytes, bytes, list[ber.TLV]]:
    parts = ber.children(msg.body)
    return ber.to_int(parts[0]), parts[1].value, parts[2].value, parts[3:]


async def test_sicily_ntlm_bind_captures_ntlmv2() -> None:
    async with running(LDAPService, windows_persona()) as (_, ports, ev):
        (first,) = await _conversation(ports[0], [_bind(1, b"", ber.tlv(0x89, b""))])
        assert _result(first)[:2] == (0, b"NTLM")
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
        writer.write(_bind(2, b"alice", ber.tlv(0x8A, ntlm_negotiate())))
        head = await reader.readexactly(6)
        reply = c.parse_message(head + await reader.readexactly(int.from_bytes(head[2:6], "big")))
        code, challenge, _, _ = _result(reply)
        assert code == 0 and parse_challenge(challenge)[1]
        writer.write(
            _bind(3, b"alice", ber.tlv(0x8B, ntlm_authenticate(challenge, "alice", "Autumn#1", "CORP")))
        )
        head = await reader.readexactly(6)
        reply = c.parse_message(head + await reader.readexactly(int.from_bytes(head[2:6], "big")))
        writer.close()
        code, _, text, _ = _result(reply)
        assert code == 49 and text.startswith(AD_52E.encode())
        (auth,) = await ev.wait("auth")
        assert auth.fields["secret_kind"] == "ntlmv2" and auth.fields["method"] == "sicily"
        assert verify_hashcat_5600(auth.fields["secret"], "Autumn#1")


async def test_sasl_gss_spnego_ntlm_bind() -> None:
    init = ber.sequence(
        ber.oid(spnego.SPNEGO_OID),
        ber.sequence(
            ber.sequence(
                ber.sequence(ber.sequence(ber.oid(spnego.NTLMSSP_OID)), identifier=0xA0),
                ber.sequence(ber.octets(ntlm_negotiate()), identifier=0xA2),
            ),
            identifier=0xA0,
        ),
        identifier=0x60,
    )
    sasl = ber.sequence(ber.octets("GSS-SPNEGO"), ber.octets(init), identifier=0xA3)
    async with running(LDAPService, windows_persona()) as (_, ports, ev):
        reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
        writer.write(_bind(1, b"", sasl))
        head = await reader.readexactly(6)
        reply = c.parse_message(head + await reader.readexactly(int.from_bytes(head[2:6], "big")))
        code, _, _, rest = _result(reply)
        assert code == 14 and rest and rest[0].is_(ber.CONTEXT, 7)
        challenge = spnego.unwrap(rest[0].value).ntlm
        assert challenge is not None
        answer = spnego.response(
            spnego.ACCEPT_INCOMPLETE, ntlm_authenticate(challenge, "svc_sql", "Sql!2019"), None
        )
        writer.write(
            _bind(2, b"", ber.sequence(ber.octets("GSS-SPNEGO"), ber.octets(answer), identifier=0xA3))
        )
        head = await reader.readexactly(6)
        reply = c.parse_message(head + await reader.readexactly(int.from_bytes(head[2:6], "big")))
        writer.close()
        assert _result(reply)[0] == 49
        (auth,) = await ev.wait("auth")
        assert auth.fields["method"] == "sasl_gss-spnego" and verify_hashcat_5600(
            auth.fields["secret"], "Sql!2019"
        )


async def test_nmap_ldapv2_probe_gets_openldaps_answer() -> None:
    probe = b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x02\x04\x00\x80\x00"
    async with running(LDAPService, linux_persona()) as (_, ports, _ev):
        reply = await exchange(ports[0], probe, timeout=0.5)
    text = b"historical protocol version requested, use LDAPv3 instead"
    assert reply == b"0\x84\x00\x00\x00I\x02\x01\x01a\x84\x00\x00\x00@\n\x01\x02\x04\x00\x049" + text


def test_filter_rendering() -> None:
    filt = ber.sequence(
        ber.sequence(ber.octets("objectClass"), ber.octets("user"), identifier=0xA3),
        ber.sequence(
            ber.octets("cn"), ber.sequence(ber.octets("adm", 0x80), ber.octets("n", 0x82)), identifier=0xA4
        ),
        ber.tlv(0xA2, ber.octets("x", 0x87)),
        identifier=0xA0,
    )
    assert c.render_filter(ber.decode(filt), 0)[0] == "(&(objectClass=user)(cn=adm*n)(!(x=*)))"
    deep = ber.octets("a", 0x87)
    for _ in range(40):
        deep = ber.tlv(0xA2, deep)
    with pytest.raises(ber.BERError):
        c.render_filter(ber.decode(deep), 0)


async def test_hostile_input_does_not_hurt_the_service() -> None:
    prefixes = (
        b"\x30\x84\x00\x00\x00\x20\x02\x01\x01\x63",
        b"\x30\x82\x01\x00\x02\x01\x01\x60",
        b"\x30\x84\xff\xff\xff\xff",
    )
    inputs = garbage(11, 60, prefixes)
    async with running(LDAPService, windows_persona(), idle_timeout=0.5) as (_, ports, ev):
        await blast(ports[0], inputs)
        await ev.wait("disconnect", len(inputs), timeout=10)
        assert not [e for e in ev.of("disconnect") if e.fields["reason"] == "error"]
        code, out = await ldapsearch(
            "-H", f"ldap://127.0.0.1:{ports[0]}", "-b", "", "-s", "base", "dnsHostName"
        )
        assert code == 0 and "SRV-ATLAS-07" in out


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_ldap_parsers(data: bytes) -> None:
    for blob in (data, b"\x30" + bytes([min(len(data), 127)]) + data):
        with contextlib.suppress(ber.BERError):
            msg = c.parse_message(blob)
            for parse in (c.parse_bind, c.parse_search, c.parse_extended, c.target_dn):
                with contextlib.suppress(ber.BERError):
                    parse(msg.body)
    with contextlib.suppress(ber.BERError):
        c.render_filter(ber.decode(data), 0)


def test_config_from_ini_strings() -> None:
    cfg = parse_config("ldap", LDAPConfig, {"ports": "389, 636", "tls_ports": "636", "starttls": "false"})
    assert isinstance(cfg, LDAPConfig) and cfg.ports == (389, 636) and cfg.starttls is False
    for bad in ({"flavour": "novell"}, {"base_dn": "not a dn"}, {"unknown": "1"}):
        with pytest.raises(ServiceConfigError):
            parse_config("ldap", LDAPConfig, bad)


async def test_slow_drip_is_cut_off_by_the_idle_timeout() -> None:
    async with running(LDAPService, linux_persona(), idle_timeout=0.6) as (_, ports, events):
        took = await drip(ports[0], b"\x30\x0c\x02\x01\x01\x60\x07\x02\x01\x03\x04\x00\x80\x00", 0.2)
        assert took < 2.0
        (gone,) = await events.wait("disconnect")
        assert gone.fields["reason"] == "timeout"
