"""nmap -sV names the dns service ISC BIND with the persona's version, on UDP and TCP."""

from __future__ import annotations

import asyncio

from decnet.services.dns import DNSService

from .support import nmap, running

#: A loopback address of its own, so the well-known port is free whatever else runs here.
HOST = "127.0.53.53"


async def test_nmap_sees_isc_bind() -> None:
    async with running(DNSService, host=HOST, ports=(53,)) as (_, events):
        udp, tcp = await asyncio.gather(
            nmap(53, udp=True, host=HOST, extra=("--version-intensity", "0")),
            nmap(53, host=HOST, extra=("--version-intensity", "0")),
        )
    for out in (udp, tcp):
        assert "ISC BIND 9.18.24-1 (Debian Linux)" in out, out
        assert "python" not in out.lower() and "honeypot" not in out.lower()
    assert events.of("query")
