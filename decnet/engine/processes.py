"""Starting and stopping the detached processes that run deckies."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

#: Environment variable that tags a process with the decky it belongs to.
MARKER_ENV = "DECNET_DECKY_MARKER"
#: Set, with an ``LD_PRELOAD`` entry, in Ray processes under the bind guard (``cluster/bindguard.py``).
BIND_GUARD_ENV = "DECNET_BIND_GUARD_ADDR"
BIND_GUARD_LIBRARY = "libdecnet_bindguard"


def without_bind_guard(env: dict[str, str]) -> dict[str, str]:
    """``env`` without Ray's bind guard: a decky binds its own addresses, never the management one."""
    out = dict(env)
    out.pop(BIND_GUARD_ENV, None)
    preload = [item for item in out.pop("LD_PRELOAD", "").split() if BIND_GUARD_LIBRARY not in item]
    if preload:
        out["LD_PRELOAD"] = " ".join(preload)
    return out


def start_detached(command: Sequence[str], log_file: Path, marker: str | None = None) -> int:
    """Start ``command`` in its own session with output appended to ``log_file``; return its pid.

    ``marker`` tags the process (in its environment) so :func:`marked_processes` finds it even
    if whoever started it died before writing its pid down.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = without_bind_guard(dict(os.environ))
    if marker is not None:
        env[MARKER_ENV] = marker
    with log_file.open("ab") as log:
        proc = subprocess.Popen(  # noqa: S603 - argument list, no shell
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    return proc.pid


def marked_processes(marker: str) -> list[int]:
    """PIDs of live processes tagged with ``marker`` (see :func:`start_detached`)."""
    needle = f"{MARKER_ENV}={marker}".encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes() + b"\0"
        except OSError:
            continue
        if needle in environ and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie child is reaped and counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
    return True


def stop_processes(pids: list[int], timeout: float) -> None:
    """SIGTERM, wait up to ``timeout``, then SIGKILL what is left (and reap our children)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
