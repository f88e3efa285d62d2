"""The six services of this group in one real decky runtime process, driven by their clients."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from decnet.events.receiver import EventReceiver
from tests.decnet.decky.helpers import runtime_dict, write_runtime
from tests.decnet.events.helpers import MemorySink, wait_for

from .support import run

ROOT = Path(__file__).resolve().parents[4]
HOST = "127.0.77.1"  # a loopback address of its own: the well-known ports are free on it


async def wait_tcp(port: int, proc: asyncio.subprocess.Process, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        assert proc.returncode is None, (await proc.communicate())[1].decode()[-2000:]
        try:
            _, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise AssertionError("the runtime did not listen in time")


async def test_all_six_in_one_decky(tmp_path: Path) -> None:
    sink = MemorySink()
    receiver = EventReceiver(sink, flush_interval=0.01)
    await receiver.start_unix(tmp_path / "ingest.sock")
    services = {
        "dns": {},
        "llmnr": {"multicast": False, "bait_interval": 0},
        "snmp": {"community": "public"},
        "sip": {},
        "mqtt": {},
        "ics": {},
    }
    data = runtime_dict(tmp_path, services, bind_host=HOST)
    data["persona"]["ip"] = HOST
    config = write_runtime(tmp_path, data)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DECNET_CONFIG": str(tmp_path / "no-host.ini")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "decnet.decky", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await wait_tcp(102, proc)
        results = await asyncio.gather(
            run("dig", "-p", "53", f"@{HOST}", "+time=2", "+tries=1", "version.bind", "CH", "TXT"),
            run(
                "snmpget",
                "-v2c",
                "-c",
                "public",
                "-t",
                "1",
                "-r",
                "0",
                "-On",
                f"{HOST}:161",
                "1.3.6.1.2.1.1.5.0",
            ),
            run("mosquitto_sub", "-h", HOST, "-p", "1883", "-t", "$SYS/broker/version", "-C", "1", "-W", "3"),
            run("dig", "-p", "5355", f"@{HOST}", "+time=2", "+tries=1", "+norecurse", "SRV-ATLAS-07", "A"),
        )
        assert '"9.18' in results[0][1], results[0]
        assert 'STRING: "SRV-ATLAS-07"' in results[1][1], results[1]
        assert results[2][1].startswith("mosquitto version"), results[2]
        assert f"A\t{HOST}" in results[3][1], results[3]
        for port in (5060, 502):
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(
                b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
                b"To: <sip:x@h>\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
                if port == 5060
                else b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x01"
            )
            assert await asyncio.wait_for(reader.read(4096), 3)
            writer.close()

        def seen() -> set[str]:
            return {e.service for e in sink.events.values() if e.event_type not in ("connect", "disconnect")}

        await wait_for(
            lambda: seen() >= {"dns", "llmnr", "snmp", "sip", "mqtt", "ics"}, 10, "events of all six"
        )
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 15) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await receiver.stop()
    auth = [e for e in sink.events.values() if e.event_type == "auth"]
    assert any(e.service == "snmp" and e.fields["secret_kind"] == "community" for e in auth)
