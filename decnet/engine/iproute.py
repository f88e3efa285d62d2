"""Thin, shell-free wrappers around iproute2 and sysctl for the netns backend."""

from __future__ import annotations

import shutil
import subprocess

from decnet.engine.base import BackendError


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command (argument list, no shell); raise :class:`BackendError` with its stderr."""
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    if check and proc.returncode != 0:
        raise BackendError(f"{' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def have_ip() -> bool:
    """True if the ``ip`` command is available."""
    return shutil.which("ip") is not None


def ip_binary() -> str:
    """Absolute path of ``ip``."""
    path = shutil.which("ip")
    if path is None:
        raise BackendError("iproute2 ('ip') is not installed")
    return path


def link_exists(name: str, netns: str | None = None) -> bool:
    """True if the interface exists (in ``netns`` when given)."""
    prefix = ("ip", "-n", netns) if netns else ("ip",)
    return run(*prefix, "link", "show", "dev", name, check=False).returncode == 0


def netns_list() -> list[str]:
    """Names of the network namespaces ip-netns knows."""
    out = run("ip", "netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def netns_pids(netns: str) -> list[int]:
    """PIDs of the processes inside ``netns``."""
    out = run("ip", "netns", "pids", netns, check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]
