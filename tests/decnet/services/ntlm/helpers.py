"""Test helpers shared by the smb, rdp, vnc and ldap tests: personas, a running service, an NTLM client."""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from decnet.fleet.persona import Persona
from decnet.services.base import Service, ServiceContext
from tests.decnet.services.http.conftest import Events, make_persona

__all__ = ["Events", "linux_persona", "running", "windows_persona"]


def windows_persona(hostname: str = "SRV-ATLAS-07", *, profile: str = "windows_server") -> Persona:
    """A Windows Server 2019 persona (build 17763)."""
    return replace(
        make_persona("iis", hostname=hostname),
        os_profile=profile,
        distro_name="Windows Server 2019 Standard",
        kernel="10.0.17763.5206",
        arch="AMD64",
        versions=(
            ("windows_version", "10.0"),
            ("windows_build", "17763"),
            ("windows_ubr", "5206"),
            ("smb_dialect", "3.1.1"),
        ),
    )


def linux_persona(hostname: str = "files-03") -> Persona:
    """A Debian 12 persona with Samba 4.17 and OpenLDAP 2.5."""
    return replace(
        make_persona("apache", hostname=hostname),
        versions=(("samba", "4.17.12-Debian"), ("openldap", "2.5.13")),
    )


@asynccontextmanager
async def running(
    cls: type[Service], persona: Persona, state_dir: Path | None = None, **config: Any
) -> AsyncIterator[tuple[Any, list[int], Events]]:
    """``cls`` on 127.0.0.1, ephemeral port(s): (service, bound ports, events)."""
    events = Events()
    ctx = ServiceContext(persona, "127.0.0.1", events, state_dir or Path("/nonexistent"))
    config.setdefault("ports", (0,))
    svc = cls(ctx, cls.config_model.model_validate(config))
    await svc.start()
    try:
        yield svc, list(svc.bound_ports), events
    finally:
        await svc.stop()


# -- NTLM, computed here independently of the service --------------------------------------


def _lrot(x: int, n: int) -> int:
    x &= 0xFFFFFFFF
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def md4(data: bytes) -> bytes:
    """MD4 (RFC 1320); OpenSSL 3 no longer provides it."""
    msg = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for chunk in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[chunk : chunk + 64])
        a, b, c, d = h
        for i in range(16):
            k, s = i, (3, 7, 11, 19)[i % 4]
            a, b, c, d = d, _lrot(a + ((b & c) | (~b & d)) + x[k], s), b, c
        for i in range(16):
            k, s = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            a, b, c, d = d, _lrot(a + ((b & c) | (b & d) | (c & d)) + x[k] + 0x5A827999, s), b, c
        for i in range(16):
            k = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i]
            s = (3, 9, 11, 15)[i % 4]
            a, b, c, d = d, _lrot(a + (b ^ c ^ d) + x[k] + 0x6ED9EBA1, s), b, c
        h = [(v + n) & 0xFFFFFFFF for v, n in zip(h, (a, b, c, d), strict=True)]
    return struct.pack("<4I", *h)


def nt_hash(password: str) -> bytes:
    return md4(password.encode("utf-16-le"))


def ntproof(password: str, user: str, domain: str, server_challenge: bytes, blob: bytes) -> bytes:
    """NTProofStr = HMAC-MD5(NTOWFv2, server challenge + blob)."""
    key = hmac.new(nt_hash(password), (user.upper() + domain).encode("utf-16-le"), hashlib.md5).digest()
    return hmac.new(key, server_challenge + blob, hashlib.md5).digest()


def verify_hashcat_5600(line: str, password: str) -> bool:
    """Whether hashcat line ``user::domain:chal:proof:blob`` is the NTLMv2 response of ``password``."""
    user, _, domain, chal, proof, blob = line.split(":")
    return ntproof(password, user, domain, bytes.fromhex(chal), bytes.fromhex(blob)).hex() == proof


def ntlm_negotiate() -> bytes:
    """A NEGOTIATE like Windows sends (unicode, NTLM, ESS, 128/56, key exchange, version)."""
    flags = 0xE2088297
    return (
        b"NTLMSSP\x00"
        + struct.pack("<II", 1, flags)
        + bytes(16)
        + bytes([10, 0])
        + struct.pack("<H", 19041)
        + b"\x00\x00\x00\x0f"
    )


def _av_pairs(info: bytes) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    pos = 0
    while pos + 4 <= len(info):
        av_id, size = struct.unpack_from("<HH", info, pos)
        out[av_id] = info[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if av_id == 0:
            break
    return out


def parse_challenge(msg: bytes) -> tuple[bytes, dict[int, bytes], int, bytes]:
    """(server challenge, AV pairs, flags, version bytes) of a CHALLENGE."""
    assert msg[:8] == b"NTLMSSP\x00" and struct.unpack_from("<I", msg, 8)[0] == 2
    flags = struct.unpack_from("<I", msg, 20)[0]
    size, _, offset = struct.unpack_from("<HHI", msg, 40)
    return msg[24:32], _av_pairs(msg[offset : offset + size]), flags, msg[48:56]


def ntlm_authenticate(
    challenge_msg: bytes, user: str, password: str, domain: str = "WORKGROUP", workstation: str = "KALI"
) -> bytes:
    """An NTLMv2 AUTHENTICATE answering ``challenge_msg``."""
    server_challenge, _, _, _ = parse_challenge(challenge_msg)
    size, _, offset = struct.unpack_from("<HHI", challenge_msg, 40)
    info = challenge_msg[offset : offset + size]
    blob = b"\x01\x01" + bytes(6) + struct.pack("<Q", 133_000_000_000_000_000) + b"CLIENTNO" + bytes(4)
    blob += info + bytes(4)
    proof = ntproof(password, user, domain, server_challenge, blob)
    nt = proof + blob
    lm = bytes(24)
    fields = [lm, nt, domain.encode("utf-16-le"), user.encode("utf-16-le"), workstation.encode("utf-16-le")]
    offset = 64 + 8
    header = b"NTLMSSP\x00" + struct.pack("<I", 3)
    payload = b""
    descriptors = b""
    for value in fields:
        descriptors += struct.pack("<HHI", len(value), len(value), offset + len(payload))
        payload += value
    descriptors += struct.pack("<HHI", 0, 0, offset + len(payload))
    flags = struct.pack("<I", 0xE2088215)
    version = bytes([10, 0]) + struct.pack("<H", 19041) + b"\x00\x00\x00\x0f"
    return header + descriptors + flags + version + payload


async def exchange(port: int, data: bytes, *, timeout: float = 3.0, tls: bool = False) -> bytes:
    """Send ``data``, read until the server closes or ``timeout`` passes."""
    import asyncio
    import ssl

    context = None
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    out = b""
    try:
        writer.write(data)
        await writer.drain()
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), timeout)
            if not chunk:
                break
            out += chunk
    except (TimeoutError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()
    return out


def garbage(seed: int, count: int, prefixes: tuple[bytes, ...]) -> list[bytes]:
    """``count`` reproducible hostile inputs: random bytes, each prefix followed by random or cut data."""
    import random

    rng = random.Random(seed)
    out: list[bytes] = []
    for index in range(count):
        body = rng.randbytes(rng.randint(0, 400))
        prefix = prefixes[index % len(prefixes)] if prefixes else b""
        out.append(prefix + body if index % 3 else body)
        if index % 5 == 0:
            out[-1] = out[-1][: rng.randint(0, len(out[-1]))]
    return out


async def blast(port: int, inputs: list[bytes], *, timeout: float = 1.0, tls: bool = False) -> None:
    """Send every input on its own connection, all at once."""
    import asyncio

    await asyncio.gather(*(exchange(port, data, timeout=timeout, tls=tls) for data in inputs))


async def drip(port: int, data: bytes, interval: float) -> float:
    """Send ``data`` one byte every ``interval`` s; return the seconds until the server hung up."""
    import asyncio
    import time

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    try:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                if not await asyncio.wait_for(reader.read(65536), interval):
                    break
            except TimeoutError:
                continue
    except ConnectionError:
        pass
    finally:
        writer.close()
    return time.monotonic() - started
