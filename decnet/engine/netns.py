"""The ``netns`` backend: one network namespace per decky with a macvlan interface.

Each decky gets namespace ``decnet-<name>`` holding ``eth0`` (a macvlan on the parent
interface, carrying the persona's MAC and the decky's IP), its OS profile's sysctls, and
the decky runtime process started inside it. The host reaches its deckies through a
macvlan "hairpin" interface on the same parent (a host cannot talk to its own macvlan
children through the parent itself). Needs root and iproute2; no Docker.

Deploy is all-or-nothing: a failure part-way removes what was created. Teardown removes
exactly what deploy created: the runtime's processes, the namespace (and with it the
interface inside) and the state file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from decnet.engine.base import BackendError, BackendUnavailable, DeckyNetwork, DeckyStatus, check_decky_name
from decnet.engine.hairpin import check_link_kind, link_args
from decnet.engine.iproute import have_ip, ip_binary, link_exists, netns_list, netns_pids, run
from decnet.engine.processes import start_detached, stop_processes

NETNS_PREFIX = "decnet-"


def netns_name(decky: str) -> str:
    """The namespace of a decky."""
    return NETNS_PREFIX + check_decky_name(decky)


def _short(label: str, prefix: str) -> str:
    """An interface name under the kernel's 15-character limit, stable for ``label``."""
    return prefix + hashlib.sha256(label.encode()).hexdigest()[: 15 - len(prefix)]


class NetnsBackend:
    """Deckies as network namespaces on a macvlan parent (root only)."""

    name = "netns"

    def __init__(
        self, parent: str, state_dir: Path, python: str = sys.executable, link_kind: str = "macvlan"
    ) -> None:
        self.parent = parent
        self.link_kind = link_kind
        self.state_dir = state_dir
        self.python = python

    # -- preflight ------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`BackendUnavailable` with a hint if this host cannot run the backend."""
        if os.geteuid() != 0:
            raise BackendUnavailable(
                "the netns backend needs root (network namespaces and macvlan); "
                "run as root or use --backend local"
            )
        if not have_ip():
            raise BackendUnavailable("the netns backend needs iproute2 ('ip'); apt-get install iproute2")
        if not link_exists(self.parent):
            raise BackendUnavailable(f"interface {self.parent!r} does not exist (pass -i/--interface)")
        check_link_kind(self.parent, self.link_kind)

    # -- deploy / teardown ----------------------------------------------------------------

    def _state_file(self, decky: str) -> Path:
        return self.state_dir / f"{check_decky_name(decky)}.json"

    def runtime_command(self, runtime_config: Path) -> list[str]:
        """The decky runtime's command line for ``runtime_config``."""
        return [self.python, "-m", "decnet.decky", "--config", str(runtime_config)]

    def deploy(self, net: DeckyNetwork, command: Sequence[str], log_file: Path) -> DeckyStatus:
        """Create the decky's namespace and interface, apply sysctls, start ``command`` inside.

        ``command`` is normally :meth:`runtime_command`.
        """
        ns = netns_name(net.name)
        if ns in netns_list():
            raise BackendError(f"decky {net.name!r} is already deployed (namespace {ns} exists)")
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp_link = _short(net.name, "dnm")
        try:
            run("ip", "netns", "add", ns)
            run("ip", "link", "add", "link", self.parent, "name", tmp_link, *link_args(self.link_kind))
            run("ip", "link", "set", tmp_link, "netns", ns)
            run("ip", "-n", ns, "link", "set", tmp_link, "name", "eth0")
            if self.link_kind == "macvlan":  # ipvlan children share the parent's MAC
                run("ip", "-n", ns, "link", "set", "eth0", "address", net.mac)
            run("ip", "-n", ns, "addr", "add", f"{net.ip}/{net.prefix_len}", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")
            if net.gateway:
                run("ip", "-n", ns, "route", "add", "default", "via", net.gateway)
            if net.sysctls:
                assignments = [f"{key}={value}" for key, value in sorted(net.sysctls.items())]
                run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", *assignments)
            pid = self._start(ns, command, log_file)
        except BaseException:
            self._destroy(net.name)
            if link_exists(tmp_link):
                run("ip", "link", "del", tmp_link, check=False)
            raise
        state = {"netns": ns, "pid": pid, "ip": net.ip, "log": str(log_file), "command": list(command)}
        self._state_file(net.name).write_text(json.dumps(state))
        return DeckyStatus(net.name, self.name, "running", ip=net.ip, pid=pid, log_file=log_file)

    def _start(self, ns: str, command: Sequence[str], log_file: Path) -> int:
        return start_detached([ip_binary(), "netns", "exec", ns, *command], log_file)

    def teardown(self, decky: str, timeout: float = 5.0) -> None:
        """Stop the runtime (SIGTERM, then SIGKILL after ``timeout``) and remove the namespace."""
        self._destroy(decky, timeout)

    def _destroy(self, decky: str, timeout: float = 5.0) -> None:
        ns = netns_name(decky)
        if ns in netns_list():
            stop_processes(netns_pids(ns), timeout)
            run("ip", "netns", "del", ns)
        state = self._state_file(decky)
        if state.exists():
            with contextlib.suppress(ValueError, OSError, KeyError):
                pid = int(json.loads(state.read_text())["pid"])
                stop_processes([pid], timeout)
            state.unlink()

    # -- status -------------------------------------------------------------------------

    def deployed(self) -> list[str]:
        """Names of the deckies this backend has state for."""
        if not self.state_dir.exists():
            return []
        return sorted(path.stem for path in self.state_dir.glob("*.json"))

    def status(self, decky: str) -> DeckyStatus:
        """Running if its namespace exists and holds a live runtime process."""
        state_path = self._state_file(decky)
        if not state_path.exists():
            return DeckyStatus(decky, self.name, "missing")
        state = json.loads(state_path.read_text())
        ns = netns_name(decky)
        if ns not in netns_list():
            gone = f"namespace {ns} is gone"
            return DeckyStatus(decky, self.name, "missing", ip=state.get("ip"), detail=gone)
        pids = netns_pids(ns)
        running = "running" if pids else "stopped"
        return DeckyStatus(
            decky,
            self.name,
            running,
            ip=state.get("ip"),
            pid=pids[0] if pids else None,
            log_file=Path(state["log"]) if state.get("log") else None,
        )
