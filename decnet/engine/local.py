"""The ``local`` backend: each decky's runtime on its own 127.x.y.z address.

No root, no MAC or OS spoofing: for development and demos. Linux routes all of
127.0.0.0/8 to the loopback interface, so a decky can bind any address in it.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from pathlib import Path

from decnet.engine.base import BackendError, DeckyStatus, check_decky_name
from decnet.engine.processes import alive, marked_processes, start_detached, stop_processes

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


class LocalBackend:
    """Deckies as plain processes bound to loopback addresses."""

    name = "local"

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def check(self) -> None:
        """Always available."""

    def _state_file(self, decky: str) -> Path:
        return self.state_dir / f"{check_decky_name(decky)}.json"

    def deploy(self, decky: str, ip: str, command: Sequence[str], log_file: Path) -> DeckyStatus:
        """Start ``command`` (the runtime, bound to ``ip``) as a detached process."""
        if ipaddress.IPv4Address(ip) not in LOOPBACK or ip in ("127.0.0.0", "127.255.255.255"):
            raise BackendError(f"the local backend binds deckies to 127.0.0.0/8 addresses, not {ip}")
        state_path = self._state_file(decky)
        if state_path.exists() and self.status(decky).state == "running":
            raise BackendError(f"decky {decky!r} is already deployed")
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        stop_processes(marked_processes(self._marker(decky)), 5.0)  # left by an interrupted deploy
        pid = start_detached(command, log_file, self._marker(decky))
        state = {"pid": pid, "ip": ip, "log": str(log_file), "command": list(command)}
        state_path.write_text(json.dumps(state))
        return DeckyStatus(decky, self.name, "running", ip=ip, pid=pid, log_file=log_file)

    def _marker(self, decky: str) -> str:
        return f"{self.state_dir.resolve()}/{check_decky_name(decky)}"

    def teardown(self, decky: str, timeout: float = 5.0) -> None:
        """Stop the decky's processes (also any an interrupted deploy left untracked) and forget it."""
        state_path = self._state_file(decky)
        pids = set(marked_processes(self._marker(decky)))
        if state_path.exists():
            pids.add(int(json.loads(state_path.read_text())["pid"]))
        stop_processes(sorted(pids), timeout)
        state_path.unlink(missing_ok=True)

    def deployed(self) -> list[str]:
        """Names of the deckies this backend has state for."""
        if not self.state_dir.exists():
            return []
        return sorted(path.stem for path in self.state_dir.glob("*.json"))

    def status(self, decky: str) -> DeckyStatus:
        """Running while its process lives."""
        state_path = self._state_file(decky)
        if not state_path.exists():
            return DeckyStatus(decky, self.name, "missing")
        state = json.loads(state_path.read_text())
        pid = int(state["pid"])
        running = alive(pid)
        return DeckyStatus(
            decky,
            self.name,
            "running" if running else "stopped",
            ip=state.get("ip"),
            pid=pid if running else None,
            log_file=Path(state["log"]),
        )
