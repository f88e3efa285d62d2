"""The ssh service over the network, driven by asyncssh and raw sockets."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import asyncssh
import pytest

from decnet.services.registry import get_service
from decnet.services.ssh import SSHService, netcmds, server
from decnet.services.ssh.cmdutil import REGISTRY
from decnet.services.ssh.shell import MAX_LINE

from .conftest import BANNER, client_options, free_port, login, make_persona

PROMPT = "ubuntu@SRV-ATLAS-07:~$ "


@pytest.fixture(autouse=True)
def _fast_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netcmds, "CONNECT_DELAY_S", 0.05)
    monkeypatch.setattr(netcmds, "DNS_DELAY_S", 0.05)


async def read_until(proc: asyncssh.SSHClientProcess[str], marker: str, timeout: float = 5.0) -> str:
    """Read a process's stdout until ``marker`` appears."""
    buf = ""
    deadline = time.monotonic() + timeout
    while marker not in buf:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{marker!r} not seen in {buf[-500:]!r}")
        chunk = await asyncio.wait_for(proc.stdout.read(4096), timeout=remaining)
        if not chunk:
            raise AssertionError(f"EOF before {marker!r} in {buf[-500:]!r}")
        buf += chunk
    return buf


async def raw_banner(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await asyncio.wait_for(reader.readline(), timeout=3)
    finally:
        writer.close()


def test_the_service_is_registered() -> None:
    import decnet.services.builtin  # noqa: F401

    assert get_service("ssh") is SSHService


async def test_identification_string_is_the_persona_banner(serve: Any) -> None:
    async with serve() as (_svc, port, _sink):
        assert await raw_banner(port) == BANNER.encode() + b"\r\n"
        async with await login(port) as conn:
            assert conn.get_extra_info("server_version") == BANNER


async def test_failed_password_is_an_auth_event_after_the_persona_delay(serve: Any) -> None:
    async with serve() as (_svc, port, sink):
        started = time.monotonic()
        with pytest.raises(asyncssh.PermissionDenied):
            await login(port, "root", "letmein")
        elapsed = time.monotonic() - started
        assert 0.4 * 0.75 <= elapsed <= 0.4 * 1.25 + 0.5, elapsed
        await asyncio.sleep(0.1)
    auth = sink.of("auth")
    assert len(auth) == 1
    event = auth[0]
    assert event.fields == {
        "username": "root",
        "password": "letmein",
        "method": "password",
        "result": "failure",
        "client_version": f"SSH-2.0-AsyncSSH_{asyncssh.__version__}",
    }
    assert event.src_ip == "127.0.0.1" and event.src_port and event.sid
    assert event.message == f"Failed password for root from 127.0.0.1 port {event.src_port} ssh2"
    connect, disconnect = sink.of("connect")[0], sink.of("disconnect")[0]
    assert connect.sid == event.sid == disconnect.sid
    assert connect.fields["client_version"].startswith("SSH-2.0-AsyncSSH_")
    assert float(disconnect.fields["duration"]) > 0.3 and disconnect.fields["reason"]


async def test_other_connections_are_not_held_up_by_a_delay(serve: Any) -> None:
    async with serve(persona=make_persona(ssh_auth_fail_delay_s=1.5)) as (_svc, port, _sink):
        slow = asyncio.create_task(login(port, "root", "wrong"))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        async with await login(port) as conn:
            result = await conn.run("whoami")
        assert result.stdout == "ubuntu\n" and time.monotonic() - started < 1.0
        with pytest.raises(asyncssh.PermissionDenied):
            await slow


class _Guesser(asyncssh.SSHClient):
    tries = 0

    def password_auth_requested(self) -> str:
        _Guesser.tries += 1
        return f"guess{_Guesser.tries}"


async def test_max_auth_tries_disconnects_with_sshds_message(serve: Any) -> None:
    async with serve(persona=make_persona(ssh_auth_fail_delay_s=0.01)) as (_svc, port, sink):
        _Guesser.tries = 0
        with pytest.raises(asyncssh.DisconnectError) as info:
            await asyncssh.connect(
                "127.0.0.1", port, username="admin", client_factory=_Guesser, **client_options()
            )
        assert info.value.code == asyncssh.DISC_PROTOCOL_ERROR
        assert info.value.reason == "Too many authentication failures"
        await asyncio.sleep(0.1)
    auth = sink.of("auth")
    assert [e.fields["password"] for e in auth] == [f"guess{i}" for i in range(1, 7)]
    assert auth[0].message.startswith("Failed password for invalid user admin from 127.0.0.1")
    assert sink.of("disconnect")[-1].fields["reason"] == "too many authentication failures"


async def test_public_keys_are_recorded_with_their_fingerprint(serve: Any) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    async with serve() as (_svc, port, sink):
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect(
                "127.0.0.1",
                port,
                username="root",
                **client_options(client_keys=[key], preferred_auth="publickey"),
            )
        await asyncio.sleep(0.1)
    auth = sink.of("auth")
    assert auth and all(e.fields["method"] == "publickey" for e in auth)
    assert auth[0].fields["key_type"] == "ssh-ed25519"
    assert auth[0].fields["key_fingerprint"] == key.get_fingerprint("sha256")
    assert "password" not in auth[0].fields


async def test_a_configured_account_gets_the_interactive_shell(serve: Any) -> None:
    persona = make_persona()
    async with serve(persona=persona) as (_svc, port, sink):
        async with await login(port) as conn:
            proc = await conn.create_process(term_type="xterm", term_size=(120, 40))
            banner = await read_until(proc, PROMPT)
            assert banner.startswith(f"Welcome to {persona.distro_name} (GNU/Linux {persona.kernel} x86_64)")
            proc.stdin.write("uname -a\r")
            out = await read_until(proc, PROMPT)
            assert f"Linux SRV-ATLAS-07 {persona.kernel} #" in out
            proc.stdin.write("cat /etc/os-release\n")
            out = await read_until(proc, PROMPT)
            assert f'PRETTY_NAME="{persona.distro_name}"' in out
            proc.stdin.write("ech\x7fho typed\r")
            out = await read_until(proc, PROMPT)
            assert "ech\b \bho typed\r\ntyped\r\n" in out
            proc.stdin.write("sleep 20\r")
            await asyncio.sleep(0.3)
            proc.stdin.write("\x03")
            assert "^C\r\n" + PROMPT in await read_until(proc, PROMPT)
            proc.stdin.write("nosuchcommand\r")
            assert "-bash: nosuchcommand: command not found\r\n" in await read_until(proc, PROMPT)
            proc.stdin.write("exit\r")
            assert "logout" in await read_until(proc, "logout")
            await asyncio.wait_for(proc.wait_closed(), 5)
        await asyncio.sleep(0.1)
    commands = sink.of("command")
    assert [c.fields["command"] for c in commands] == [
        "uname -a",
        "cat /etc/os-release",
        "echo typed",
        "sleep 20",
        "nosuchcommand",
        "exit",
    ]
    assert all(c.fields["username"] == "ubuntu" and c.fields["cwd"] == "/home/ubuntu" for c in commands)
    assert all(c.fields["exec"] == "false" for c in commands)
    assert len({c.sid for c in sink.events}) == 1


async def test_exec_requests_are_logged_and_answered(serve: Any) -> None:
    async with serve() as (_svc, port, sink):
        async with await login(port, "root", "toor") as conn:
            result = await conn.run("hostname; id -un")
            assert result.stdout == "SRV-ATLAS-07\nroot\n" and result.exit_status == 0
            result = await conn.run("bogus")
            assert result.exit_status == 127 and result.stderr == "bash: line 1: bogus: command not found\n"
            script = await conn.run("sh -s", input="id -u\nhostname\n")
            assert script.stdout == "0\nSRV-ATLAS-07\n"
        await asyncio.sleep(0.1)
    commands = [(c.fields["command"], c.fields["exec"]) for c in sink.of("command")]
    assert commands == [
        ("hostname; id -un", "true"),
        ("bogus", "true"),
        ("sh -s", "true"),
        ("id -u", "false"),
        ("hostname", "false"),
    ]


async def test_downloads_are_recorded_and_never_fetched(serve: Any) -> None:
    hits: list[bytes] = []

    async def trap(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hits.append(await reader.read(100))
        writer.close()

    trap_server = await asyncio.start_server(trap, "127.0.0.1", 0)
    trap_port = trap_server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{trap_port}/payload.sh"
    try:
        async with serve(fetch_payloads=True) as (_svc, port, sink):
            async with await login(port, "root", "toor") as conn:
                result = await conn.run(f"cd /tmp; wget {url}; curl -sS {url} | sh")
                assert f"Connecting to 127.0.0.1:{trap_port}... failed: Connection refused." in result.stderr
                assert f"curl: (7) Failed to connect to 127.0.0.1 port {trap_port}" in result.stderr
            await asyncio.sleep(0.2)
    finally:
        trap_server.close()
    assert hits == []
    downloads = sink.of("download")
    assert [(d.fields["tool"], d.fields["url"]) for d in downloads] == [("wget", url), ("curl", url)]
    assert downloads[0].fields["cwd"] == "/tmp" and downloads[0].sid == sink.of("command")[0].sid


async def test_sftp_scp_and_forwarding_are_refused_and_logged(serve: Any) -> None:
    async with serve() as (_svc, port, sink):
        async with await login(port) as conn:
            with pytest.raises(asyncssh.Error):
                await conn.start_sftp_client()
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.create_connection(asyncssh.SSHTCPSession, "10.9.8.7", 3306)
            with pytest.raises((asyncssh.Error, asyncssh.ChannelListenError)):
                await conn.forward_remote_port("0.0.0.0", 8080, "127.0.0.1", 22)
            scp = await conn.run("scp -t /tmp/x")
            assert scp.exit_status == 1
        await asyncio.sleep(0.1)
    assert sink.of("subsystem")[0].fields == {"name": "sftp", "result": "refused", "username": "ubuntu"}
    forwards = [e.fields for e in sink.of("forward")]
    assert {"direction": "local", "dest_host": "10.9.8.7", "dest_port": "3306"}.items() <= forwards[0].items()
    assert forwards[1]["direction"] == "remote" and forwards[1]["listen_port"] == "8080"
    assert sink.of("command")[-1].fields["command"] == "scp -t /tmp/x"


async def test_host_key_persists_across_restarts_and_differs_between_deckies(
    serve: Any, tmp_path: Any
) -> None:
    async def key_of(port: int) -> str:
        key = await asyncssh.get_server_host_key("127.0.0.1", port, server_host_key_algs=["ssh-ed25519"])
        assert key is not None
        return key.get_fingerprint("sha256")

    state_a, state_b = tmp_path / "a", tmp_path / "b"
    async with serve(state_dir=state_a, fresh_keys=True) as (_svc, port, _sink):
        first = await key_of(port)
    async with serve(state_dir=state_a) as (_svc, port, _sink):
        assert await key_of(port) == first
    async with serve(persona=make_persona(decky="decky-02"), state_dir=state_b, fresh_keys=True) as (
        _s,
        port,
        _k,
    ):
        assert await key_of(port) != first
    assert {p.name for p in state_a.iterdir()} == {
        "ssh_host_rsa_key",
        "ssh_host_ecdsa_key",
        "ssh_host_ed25519_key",
    }


async def test_misbehaving_clients_do_not_break_the_service(serve: Any) -> None:
    async with serve(login_grace_time=1.0, max_startups="4:100:4") as (svc, port, sink):
        # garbage instead of a banner
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"\x00\xff GET / HTTP/1.1\r\n" * 4)
        await reader.readline()
        assert await asyncio.wait_for(reader.read(), 3) == b""
        writer.close()
        # invalid UTF-8 in the version line
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"SSH-2.0-\xff\xfe\r\n")
        await reader.readline()
        await asyncio.wait_for(reader.read(), 3)
        writer.close()
        # a huge packet after the version
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"SSH-2.0-Flood\r\n" + b"\x7f\xff\xff\xff" + b"A" * 65536)
        await reader.readline()
        data = b""
        while chunk := await asyncio.wait_for(reader.read(65536), 3):
            data += chunk
        writer.close()
        # a slow drip is cut off after the login grace time
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        started = time.monotonic()
        await reader.readline()
        closed = False
        for byte in b"SSH-2.0-Drip" * 10:
            writer.write(bytes([byte]))
            try:
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            if reader.at_eof() or time.monotonic() - started > 3:
                closed = reader.at_eof()
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        assert closed or reader.at_eof() or await asyncio.wait_for(reader.read(), 1) == b""
        assert time.monotonic() - started < 2.5
        writer.close()
        # many idle connections: past max_startups they are dropped without a banner
        for _ in range(100):
            if not svc.connections:
                break
            await asyncio.sleep(0.02)
        sockets = [await asyncio.open_connection("127.0.0.1", port) for _ in range(10)]
        banners = [await asyncio.wait_for(r.read(100), 3) for r, _w in sockets]
        assert sum(1 for b in banners if b.startswith(b"SSH-2.0-")) == 4
        assert sum(1 for b in banners if b == b"") == 6
        for _r, w in sockets:
            w.close()
        await asyncio.sleep(0.2)
        # and a normal client is still served
        async with await login(port) as conn:
            assert (await conn.run("echo alive")).stdout == "alive\n"
        await asyncio.sleep(0.1)
        assert svc.connections == set()
    reasons = [e.fields["reason"] for e in sink.of("disconnect")]
    assert "login grace time exceeded" in reasons and reasons.count("max_startups") == 6
    assert len(sink.of("connect")) == len(sink.of("disconnect"))


async def test_flooded_shell_stays_bounded(serve: Any) -> None:
    async with serve() as (svc, port, sink):
        async with await login(port) as conn:
            proc = await conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
            while PROMPT.encode() not in await proc.stdout.read(65536):
                pass
            chunk = b"A" * 65536
            for _ in range(32):  # 2 MiB without a newline
                proc.stdin.write(chunk)
            await proc.stdin.drain()
            session = next(iter(next(iter(svc.connections)).sessions))
            await asyncio.sleep(0.5)
            assert len(session._inbuf) <= 64 * 1024 + 65536
            assert session._editor is not None and len(session._editor.line) <= MAX_LINE
            proc.stdin.write(b"\x15echo done\r")
            seen = b""
            while b"done\r\n" not in seen:
                seen = (seen + await asyncio.wait_for(proc.stdout.read(65536), 10))[-200_000:]
            proc.close()
        await asyncio.sleep(0.1)
    assert all(len(c.fields["command"]) <= MAX_LINE for c in sink.of("command"))


async def test_an_exception_in_one_connection_never_stops_the_listener(
    serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(_inv: Any) -> int:
        raise RuntimeError("bug in a fake command")

    original = server._Connection.validate_password

    async def explode(self: Any, username: str, password: str) -> bool:
        if username == "crash":
            raise RuntimeError("bug in auth")
        return await original(self, username, password)

    monkeypatch.setitem(REGISTRY, "uname", broken)
    monkeypatch.setattr(server._Connection, "validate_password", explode)
    async with serve() as (_svc, port, _sink):
        with pytest.raises((asyncssh.Error, ConnectionError, OSError)):
            await login(port, "crash", "x")
        async with await login(port) as conn:
            result = await conn.run("uname; echo still-here")
            assert result.stdout in {"still-here\n", ""}
            assert (await conn.run("echo ok")).stdout == "ok\n"


async def test_stop_closes_listeners_and_connections(serve: Any) -> None:
    async with serve() as (svc, port, sink):
        conn = await login(port)
        await svc.stop()
        await asyncio.wait_for(conn.wait_closed(), 3)
        with pytest.raises(OSError):
            await asyncio.open_connection("127.0.0.1", port)
    assert sink.of("disconnect")[-1].fields["reason"] == "service stopped"


async def test_two_ports(tmp_path: Any, shared_keys: Any) -> None:
    import shutil

    from decnet.services.base import ServiceContext
    from decnet.services.ssh import SSHConfig

    from .conftest import Sink

    ports = (free_port(), free_port())
    shutil.copytree(shared_keys, tmp_path / "k")
    service = SSHService(
        ServiceContext(make_persona(), "127.0.0.1", Sink(), tmp_path / "k"), SSHConfig(ports=ports)
    )
    await service.start()
    try:
        for port in ports:
            assert re.match(rb"SSH-2\.0-OpenSSH_8\.9p1", await raw_banner(port))
    finally:
        await service.stop()


async def test_idle_logged_in_connections_are_dropped(serve: Any) -> None:
    async with serve(idle_timeout=0.6) as (_svc, port, sink):
        conn = await login(port)
        chan, _session = await conn.create_session(asyncssh.SSHClientSession)  # a channel that never starts
        await asyncio.wait_for(conn.wait_closed(), 3)
        chan.close()
        await asyncio.sleep(0.1)
    assert sink.of("disconnect")[-1].fields["reason"] == "idle timeout"
