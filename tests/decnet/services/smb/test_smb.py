"""The smb service against smbclient and raw SMB/NetBIOS clients; parser fuzzing."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.smb import SMBConfig, SMBService, smb1, srvsvc
from decnet.services.smb import protocol as p
from decnet.services.smb.service import decode_netbios_name
from tests.decnet.services.ntlm.helpers import (
    blast,
    drip,
    garbage,
    linux_persona,
    running,
    verify_hashcat_5600,
    windows_persona,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


async def smbclient(port: int, user: str, password: str) -> tuple[int, str]:
    path = shutil.which("smbclient")
    assert path is not None, "smbclient missing: run scripts/ensure-test-deps.sh"
    proc = await asyncio.create_subprocess_exec(
        path,
        "-L",
        "//127.0.0.1",
        "-p",
        str(port),
        "-U",
        f"{user}%{password}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(errors="replace")


@pytest.mark.parametrize("windows", [True, False])
async def test_smbclient_ntlmv2_captured_and_crackable(windows: bool) -> None:
    persona = windows_persona() if windows else linux_persona()
    async with running(SMBService, persona) as (_, ports, events):
        code, out = await smbclient(ports[0], "alice", "Summer2025!")
        assert code != 0 and "NT_STATUS_LOGON_FAILURE" in out
        (auth,) = await events.wait("auth")
        fields = auth.fields
        assert fields["username"] == "alice" and fields["secret_kind"] == "ntlmv2"
        assert fields["result"] == "failure" and fields["method"] == "ntlmssp"
        assert verify_hashcat_5600(fields["secret"], "Summer2025!")
        assert not verify_hashcat_5600(fields["secret"], "Summer2025")
        (neg,) = events.of("negotiate")
        assert neg.fields["dialect"] == "3.1.1" and "3.1.1" in neg.fields["dialects"]
        assert [e.event_type for e in events.of("session_setup")] == ["session_setup"]
        await events.wait("disconnect")
        assert events.items[0].event_type == "connect"


async def test_dialect_cap_and_signing() -> None:
    async with running(SMBService, windows_persona(), max_dialect="2.1", signing_required=True) as (
        _,
        ports,
        ev,
    ):
        _code, out = await smbclient(ports[0], "bob", "x")
        assert "NT_STATUS_LOGON_FAILURE" in out
        assert ev.of("negotiate")[0].fields["dialect"] == "2.1"
        assert ev.of("auth")[0].fields["dialect"] == "2.1"


async def _exchange(port: int, data: bytes, *, timeout: float = 3.0) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    out = b""
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                break
            out += chunk
    except TimeoutError:
        pass
    finally:
        writer.close()
    return out


def _smb1_negotiate(*dialects: bytes) -> bytes:
    body = b"".join(b"\x02" + d + b"\x00" for d in dialects)
    header = b"\xffSMBr" + bytes(4) + b"\x18" + struct.pack("<H", 0xC853) + bytes(12) + b"\x00\x00\x40\x06"
    header += b"\x00\x00\x01\x00"
    msg = header + b"\x00" + struct.pack("<H", len(body)) + body
    return struct.pack(">I", len(msg)) + msg


#: nmap's SMBProgNeg probe, byte for byte.
NMAP_PROBE = (
    b"\x00\x00\x00\xa4\xff\x53\x4d\x42\x72\x00\x00\x00\x00\x08\x01\x40\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x40\x06\x00\x00\x01\x00\x00\x81\x00\x02PC NETWORK PROGRAM 1.0\x00"
    b"\x02MICROSOFT NETWORKS 1.03\x00\x02MICROSOFT NETWORKS 3.0\x00\x02LANMAN1.0\x00\x02LM1.2X002\x00"
    b"\x02Samba\x00\x02NT LANMAN 1.0\x00\x02NT LM 0.12\x00"
)


async def test_smb1_only_negotiate_refused_like_the_real_servers() -> None:
    async with running(SMBService, linux_persona()) as (_, ports, events):
        reply = await _exchange(ports[0], NMAP_PROBE)
        assert reply[4:9] == b"\xffSMBr" and reply[-5:] == b"\x01\xff\xff\x00\x00"  # dialect index 0xFFFF
        assert reply[30:32] == b"\x40\x06"  # PID echoed
        assert events.of("negotiate")[0].fields["smb1_only"] == "true"
    async with running(SMBService, windows_persona()) as (_, ports, events):
        assert await _exchange(ports[0], NMAP_PROBE) == b""  # SMB1 disabled: connection closed
        assert events.of("negotiate")[0].fields["dialect"] == "none"


async def test_smb1_negotiate_with_smb2_dialects_upgrades() -> None:
    async with running(SMBService, windows_persona()) as (_, ports, _events):
        reply = await _exchange(
            ports[0], _smb1_negotiate(b"NT LM 0.12", b"SMB 2.002", b"SMB 2.???"), timeout=1
        )
        msg = reply[4:]
        assert msg[:4] == b"\xfeSMB" and struct.unpack_from("<I", msg, 8)[0] == 0
        assert struct.unpack_from("<H", msg, 64 + 4)[0] == 0x02FF


async def test_netbios_port() -> None:
    called = b"".join(bytes([0x41 + (c >> 4), 0x41 + (c & 15)]) for c in b"*SMBSERVER      ")
    calling = b"".join(bytes([0x41 + (c >> 4), 0x41 + (c & 15)]) for c in b"KALI           \x00")
    request = b"\x20" + called + b"\x00\x20" + calling + b"\x00"
    async with running(SMBService, windows_persona(), netbios_ports=(0,)) as (_, ports, events):
        reply = await _exchange(
            ports[0], b"\x81\x00" + struct.pack(">H", len(request)) + request, timeout=0.5
        )
        assert reply == b"\x82\x00\x00\x00"
        assert events.of("netbios_session")[0].fields["called"] == "*SMBSERVER<20>"
        # Without a session request, Windows answers "unspecified error".
        assert await _exchange(ports[0], NMAP_PROBE) == b"\x83\x00\x00\x01\x8f"
    assert decode_netbios_name(calling) == "KALI"


async def test_oversize_and_garbage_close_quickly() -> None:
    async with running(SMBService, windows_persona()) as (_, ports, events):
        assert await _exchange(ports[0], b"\x00\xff\xff\xff" + b"A" * 100) == b""
        assert await _exchange(ports[0], b"GET / HTTP/1.0\r\n\r\n") == b""
        await events.wait("disconnect", 2)
        reasons = sorted(e.fields["reason"] for e in events.of("disconnect"))
        assert reasons == ["oversize", "protocol"]


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_smb_parsers(data: bytes) -> None:
    for msg in (data, b"\xfeSMB\x40\x00" + data, b"\xffSMBr" + data):
        for parse in (p.parse_header, p.parse_negotiate, p.parse_session_setup, p.parse_smb1_negotiate):
            with contextlib.suppress(p.SMBError):
                parse(msg)
        p.tree_connect_path(msg)
        decode_netbios_name(msg[:32])


async def test_hostile_input_does_not_hurt_the_service() -> None:
    prefixes = (
        b"\x00\x00\x00\x44\xfeSMB@\x00",
        b"\x00\x00\x01\x00\xffSMBr",
        b"\x81\x00\x00\x44",
        b"\x00\x00\x00",
    )
    inputs = garbage(7, 60, prefixes)
    async with running(SMBService, windows_persona(), idle_timeout=0.5, guest=True) as (_, ports, events):
        await blast(ports[0], inputs)
        await events.wait("disconnect", len(inputs), timeout=10)
        assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
        _code, out = await smbclient(ports[0], "eve", "pw")
        assert "NT_STATUS_LOGON_FAILURE" in out


def test_config_from_ini_strings() -> None:
    cfg = parse_config(
        "smb", SMBConfig, {"ports": "445, 139", "netbios_ports": "139", "max_dialect": "3.0.2"}
    )
    assert isinstance(cfg, SMBConfig) and cfg.ports == (445, 139) and cfg.max_dialect == "3.0.2"
    for bad in (
        {"shares": "a/b"},
        {"folders": "x"},
        {"max_dialect": "1.0"},
        {"domain": "bad domain"},
        {"ports": "445, x"},
    ):
        with pytest.raises(ServiceConfigError):
            parse_config("smb", SMBConfig, bad)


async def test_slow_drip_is_cut_off_by_the_idle_timeout() -> None:
    async with running(SMBService, windows_persona(), idle_timeout=0.6) as (_, ports, events):
        took = await drip(ports[0], b"\x00\x00\x00\x44" + bytes(60), 0.2)
        assert took < 2.0
        (gone,) = await events.wait("disconnect")
        assert gone.fields["reason"] == "timeout"


async def smbclient_anonymous(port: int, *args: str) -> tuple[int, str]:
    path = shutil.which("smbclient")
    assert path is not None, "smbclient missing: run scripts/ensure-test-deps.sh"
    proc = await asyncio.create_subprocess_exec(
        path, *args, "-p", str(port), "-N",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(errors="replace")


@pytest.mark.parametrize("windows", [True, False])
async def test_guest_share_listing_shows_bait_shares(windows: bool) -> None:
    persona = windows_persona() if windows else linux_persona()
    config = {"guest": True, "shares": ("Finance=Finance dept", "Backups")}
    async with running(SMBService, persona, **config) as (_, ports, events):
        code, out = await smbclient_anonymous(ports[0], "-L", "//127.0.0.1")
        assert code == 0 and "Anonymous login successful" in out, out
        assert "Finance         Disk      Finance dept" in out and "Backups         Disk" in out
        if windows:
            assert (
                "ADMIN$          Disk      Remote Admin" in out
                and "IPC$            IPC       Remote IPC" in out
            )
        else:
            assert "IPC$            IPC       IPC Service (Samba 4.17.12-Debian)" in out and "print$" in out
        rpc = [e.fields for e in events.of("rpc")]
        assert rpc[0]["operation"] == "bind" and rpc[1]["operation"] == "NetrShareEnumAll"
        assert events.of("pipe_open")[0].fields["name"] == "srvsvc"
        # smbclient first offers its user name without a password: recorded as an empty password.
        empty = [a.fields for a in events.of("auth")]
        assert empty and empty[0]["secret_kind"] == "plaintext" and empty[0]["password"] == ""
        # The bait share exists but anonymous users may not open it.
        code, out = await smbclient_anonymous(ports[0], "//127.0.0.1/Finance", "-c", "ls")
        assert code != 0 and "NT_STATUS_ACCESS_DENIED" in out
        code, out = await smbclient_anonymous(ports[0], "//127.0.0.1/nothere", "-c", "ls")
        assert "NT_STATUS_BAD_NETWORK_NAME" in out
        results = {e.fields["share"]: e.fields["result"] for e in events.of("tree_connect")}
        assert results == {"IPC$": "success", "Finance": "denied", "nothere": "no_such_share"}


async def test_without_guest_anonymous_is_refused() -> None:
    async with running(SMBService, linux_persona()) as (_, ports, events):
        code, out = await smbclient_anonymous(ports[0], "-L", "//127.0.0.1")
        assert code != 0 and "NT_STATUS_LOGON_FAILURE" in out
        assert not events.of("rpc")


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_srvsvc(data: bytes) -> None:
    shares = [srvsvc.Share("IPC$", srvsvc.STYPE_IPC, "x")]
    for blob in (
        data,
        b"\x05\x00\x0b\x03\x10\x00\x00\x00" + data,
        b"\x05\x00\x00\x03\x10\x00\x00\x00" + data,
    ):
        with contextlib.suppress(srvsvc.RPCError):
            if srvsvc.pdu_length(blob) is not None:
                pdu = srvsvc.parse_pdu(blob)
                srvsvc.bind_ack(pdu, 1)
                srvsvc.call(pdu, shares)
    for parse in (p.create_name, p.write_data, p.read_request, p.ioctl_request):
        with contextlib.suppress(p.SMBError):
            parse(b"\xfeSMB" + bytes(60) + data)


def _classic_session_setup(account: bytes, lm: bytes, nt: bytes) -> bytes:
    header = b"\xffSMBs" + bytes(4) + b"\x18" + struct.pack("<H", 0x4001) + bytes(12) + b"\x00\x00\x40\x06"
    header += b"\x00\x00\x02\x00"
    words = struct.pack("<BBBHHHHIHHII", 13, 0xFF, 0, 0, 4356, 50, 0, 0, len(lm), len(nt), 0, 0x50)
    data = lm + nt + account + b"\x00" + b"WORKGROUP\x00" + b"Unix\x00" + b"Samba\x00"
    msg = header + words + struct.pack("<H", len(data)) + data
    return struct.pack(">I", len(msg)) + msg


async def test_smb1_on_windows_when_enabled() -> None:
    async with running(SMBService, windows_persona(), smb1=True) as (_, ports, events):
        reply = await _exchange(ports[0], NMAP_PROBE, timeout=0.5)
        # What nmap's "Microsoft Windows 7 - 10 microsoft-ds" line requires.
        assert reply[4:13] == b"\xffSMBr\x00\x00\x00\x00" and reply[13:16] == b"\x88\x01\x40"
        assert reply[36:40] == b"\x11\x07\x00\x03" and reply[40:42] == b"2\x00"  # NT LM 0.12 = index 7
        assert reply[44:60] == b"\x04\x11\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\xfc\xe3\x01\x00"
        assert reply.endswith("CORP\x00SRV-ATLAS-07\x00".encode("utf-16-le"))
        # The classic logon: LM/NT responses captured against the negotiate's challenge.
        challenge = reply[73:81]
        lm, nt = bytes(range(24)), bytes(range(100, 124))
        both = await _exchange(ports[0], NMAP_PROBE + _classic_session_setup(b"admin", lm, nt), timeout=0.5)
        setup = both[len(reply) :]
        assert struct.unpack_from("<I", setup, 9)[0] == p.STATUS_LOGON_FAILURE
        auths = [a.fields for a in events.of("auth")]
        assert auths[-1]["secret"] == f"admin::WORKGROUP:{lm.hex()}:{nt.hex()}:" + both[73:81].hex()
        assert auths[-1]["method"] == "smb1" and auths[-1]["secret_kind"] == "ntlmv1"
        # A null session is accepted and names the OS in OEM strings (what smb-os-discovery reads).
        both = await _exchange(ports[0], NMAP_PROBE + _classic_session_setup(b"", b"", b""), timeout=0.5)
        setup = both[len(reply) :]
        assert struct.unpack_from("<I", setup, 9)[0] == 0
        assert setup.endswith(
            b"Windows Server 2019 Standard 17763\x00Windows Server 2019 Standard 6.3\x00CORP\x00"
        )
        assert challenge != both[73:81]  # a fresh challenge per connection


async def test_smbclient_over_smb1_ntlmv2() -> None:
    async with running(SMBService, windows_persona(), smb1=True) as (_, ports, events):
        path = shutil.which("smbclient")
        assert path is not None
        proc = await asyncio.create_subprocess_exec(
            path, "-L", "//127.0.0.1", "-p", str(ports[0]), "-U", "dave%Pass1", "-m", "NT1",
            "--option=client min protocol=NT1",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
        assert b"NT_STATUS_LOGON_FAILURE" in out
        auth = next(a.fields for a in events.of("auth") if a.fields["secret_kind"] == "ntlmv2")
        assert auth["method"] == "smb1_ntlmssp" and verify_hashcat_5600(auth["secret"], "Pass1")
        assert events.of("negotiate")[0].fields["dialect"] == "NT LM 0.12"


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_smb1_session_setup(data: bytes) -> None:
    for words in (12, 13, 3):
        blob = b"\xffSMBs" + bytes(5) + b"\x01\x80" + bytes(20) + bytes([words]) + data
        with contextlib.suppress(p.SMBError):
            smb1.parse_session_setup(blob)
