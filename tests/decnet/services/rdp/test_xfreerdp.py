"""The rdp service against FreeRDP's xfreerdp (in a virtual X server): NLA capture and TLS-only."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from decnet.services.rdp import RDPService
from tests.decnet.services.ntlm.helpers import running, verify_hashcat_5600, windows_persona


@pytest.fixture
async def display() -> AsyncIterator[str]:
    """A private Xvfb display for xfreerdp (which opens one even with +auth-only)."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb missing: run scripts/ensure-test-deps.sh"
    read_fd, write_fd = os.pipe()
    proc = await asyncio.create_subprocess_exec(
        xvfb, "-displayfd", str(write_fd), "-nolisten", "tcp", "-screen", "0", "800x600x24",
        pass_fds=(write_fd,), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_fd)
    try:
        number = await asyncio.wait_for(asyncio.to_thread(os.read, read_fd, 16), 10)
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_fd)
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


async def xfreerdp(display: str, port: int, *args: str) -> str:
    client = shutil.which("xfreerdp")
    assert client, "xfreerdp missing: run scripts/ensure-test-deps.sh"
    proc = await asyncio.create_subprocess_exec(
        client, f"/v:127.0.0.1:{port}", "/cert:ignore", "/timeout:8000", *args,
        env={**os.environ, "DISPLAY": display, "HOME": os.environ.get("HOME", "/tmp")},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 20)
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
        raise AssertionError(f"xfreerdp hung: {out.decode(errors='replace')[-2000:]}") from None
    return out.decode(errors="replace")


async def test_xfreerdp_nla_logon_failure_and_ntlmv2(display: str, tmp_path: Path) -> None:
    async with running(RDPService, windows_persona(), tmp_path) as (_, ports, events):
        out = await xfreerdp(display, ports[0], "/u:Administrator", "/p:P@ssw0rd", "/d:CORP", "+auth-only")
        assert "ERRCONNECT_LOGON_FAILURE" in out
        (auth,) = await events.wait("auth")
        assert auth.fields["username"] == "Administrator" and auth.fields["domain"] == "CORP"
        assert verify_hashcat_5600(auth.fields["secret"], "P@ssw0rd")
        request = events.of("connection_request")[0].fields
        assert request["username"] == "Administrator" and request["selected"] == "hybrid"


async def test_xfreerdp_tls_only_client_name(display: str, tmp_path: Path) -> None:
    async with running(RDPService, windows_persona(), tmp_path, nla=False) as (_, ports, events):
        await xfreerdp(display, ports[0], "/u:bob", "/p:pw", "/sec:tls", "/client-hostname:ATTACKER-PC")
        mcs = (await events.wait("mcs_connect"))[0]
        assert mcs.fields["client_name"] == "ATTACKER-PC"
        assert events.of("connection_request")[0].fields["selected"] == "ssl"
