"""``python -m decnet.decky`` as a real process: events to a real receiver, exit codes, signals."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from decnet.events.receiver import EventReceiver
from tests.decnet.events.helpers import MemorySink, wait_for

from .helpers import free_port, runtime_dict, write_runtime

ROOT = Path(__file__).resolve().parents[3]


async def _spawn(config: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DECNET_CONFIG": str(config.parent / "no-host.ini")}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "decnet.decky",
        "--config",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _wait_listening(port: int, proc: asyncio.subprocess.Process, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if proc.returncode is not None:
            raise AssertionError(f"runtime exited early with {proc.returncode}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise AssertionError("runtime did not listen in time")


@pytest.fixture
def curl_path() -> str:
    path = shutil.which("curl")
    if path is None:
        pytest.skip("curl is not installed (make services installs it)")
    return path


async def test_curl_request_arrives_and_sigterm_exits_cleanly(tmp_path: Path, curl_path: str) -> None:
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(tmp_path / "ingest.sock")
    port = free_port()
    config = write_runtime(
        tmp_path, runtime_dict(tmp_path, {"http": {"ports": [port], "fake_app": "wordpress"}})
    )
    proc = await _spawn(config)
    try:
        await _wait_listening(port, proc)
        curl = await asyncio.create_subprocess_exec(
            curl_path,
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-A",
            "sqlmap/1.7",
            f"http://127.0.0.1:{port}/wp-login.php",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await curl.communicate()
        assert out == b"200"

        def requests() -> list[Any]:
            return [
                e for e in sink.events.values() if e.event_type == "request" and e.fields.get("user_agent")
            ]

        await wait_for(lambda: len(requests()) == 1, 10, "the request event")
        event = requests()[0]
        assert (event.decky, event.service, event.fields["path"]) == ("decky-07", "http", "/wp-login.php")
        assert event.fields["user_agent"] == "sqlmap/1.7" and event.src_ip == "127.0.0.1"
        loop = asyncio.get_running_loop()
        start = loop.time()
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 10)
        assert code == 0 and loop.time() - start < 5
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await receiver.stop()
    assert any(e.event_type == "disconnect" for e in sink.events.values())


async def test_invalid_service_key_exits_2_and_starts_nothing(tmp_path: Path) -> None:
    port = free_port()
    config = write_runtime(
        tmp_path, runtime_dict(tmp_path, {"http": {"ports": [port], "server_hedaer": "x"}})
    )
    proc = await _spawn(config)
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert b"services.http: unknown key 'server_hedaer'" in err
    assert not (tmp_path / "spool").exists()


async def test_cannot_bind_exits_nonzero(tmp_path: Path) -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    config = write_runtime(tmp_path, runtime_dict(tmp_path, {"http": {"ports": [port]}}))
    try:
        proc = await _spawn(config)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        blocker.close()
    assert proc.returncode == 1
    assert b"cannot start http" in err


async def test_unreachable_collector_spills_to_the_spool_and_resends(tmp_path: Path) -> None:
    port = free_port()
    config = write_runtime(tmp_path, runtime_dict(tmp_path, {"http": {"ports": [port]}}, flush_timeout=0.5))
    proc = await _spawn(config)  # nobody listens on ingest.sock yet
    try:
        await _wait_listening(port, proc)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /.env HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert (await reader.read(-1)).startswith(b"HTTP/1.1 404 ")
        writer.close()
        await asyncio.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert list((tmp_path / "spool").glob("seg-*.spool"))
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(tmp_path / "ingest.sock")
    proc = await _spawn(config)
    try:
        await wait_for(
            lambda: any(e.fields.get("path") == "/.env" for e in sink.events.values()),
            15,
            "the spooled request",
        )
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await receiver.stop()
