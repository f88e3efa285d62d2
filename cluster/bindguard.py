"""Keep Ray's listening sockets on the node's management address (loopback by default).

Ray 2.60 listens on the wildcard address for its GCS, raylet and agents even with
``--node-ip-address``. The bind guard is a tiny ``LD_PRELOAD`` library (``bindguard.c``, built
once with the system C compiler) that rewrites those wildcard binds to one address. Every Ray
process DECNET starts (``ray start`` and the ``decnet`` driver itself) runs with it; Ray passes
the environment on to its workers, so actors and Serve replicas inherit it. Decky processes
never do (:func:`without_guard` strips it before a decky starts).

Run any command under the guard: ``python -m cluster.bindguard --addr 10.10.0.1 -- ray start ...``.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import os
import shutil
import subprocess
import sys
from pathlib import Path

from decnet.engine.processes import BIND_GUARD_ENV as ADDR_ENV
from decnet.engine.processes import without_bind_guard as without_guard

__all__ = ["ADDR_ENV", "BindGuardError", "guard_env", "is_guarded", "library_path", "main", "without_guard"]


SOURCE = Path(__file__).with_name("bindguard.c")


class BindGuardError(RuntimeError):
    """The guard library cannot be built or the address is unusable."""


def default_cache_dir() -> Path:
    """Where the built library is kept (``$XDG_CACHE_HOME/decnet`` or ``~/.cache/decnet``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "decnet"


def library_path(cache_dir: Path | None = None) -> Path:
    """The guard library for the current source, built with ``cc`` if it is not there yet."""
    source = SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    target = (cache_dir or default_cache_dir()) / f"libdecnet_bindguard-{digest}.so"
    if target.exists():
        return target
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        raise BindGuardError(
            "building the Ray bind guard needs a C compiler (apt-get install gcc), "
            "or set DECNET_RAY_BIND_GUARD=false and firewall Ray's ports yourself"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    proc = subprocess.run(  # noqa: S603
        [compiler, "-shared", "-fPIC", "-O2", "-Wall", "-o", str(partial), str(SOURCE), "-ldl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BindGuardError(f"building the Ray bind guard failed: {proc.stderr.strip()[-500:]}")
    partial.replace(target)
    return target


def check_address(addr: str) -> str:
    """``addr`` if it is a specific IPv4 address (the guard maps wildcards to it)."""
    try:
        parsed = ipaddress.IPv4Address(addr)
    except ValueError:
        raise BindGuardError(f"bind guard address {addr!r} is not an IPv4 address") from None
    if parsed.is_unspecified or parsed.is_multicast:
        raise BindGuardError(f"bind guard address {addr!r} must be one interface's address")
    return addr


def guard_env(addr: str, env: dict[str, str] | None = None, cache_dir: Path | None = None) -> dict[str, str]:
    """A copy of ``env`` (default: ours) under which new processes bind wildcards to ``addr``."""
    out = dict(os.environ if env is None else env)
    library = str(library_path(cache_dir))
    preload = [item for item in out.get("LD_PRELOAD", "").split() if "libdecnet_bindguard" not in item]
    out["LD_PRELOAD"] = " ".join([library, *preload])
    out[ADDR_ENV] = check_address(addr)
    return out


def is_guarded(addr: str) -> bool:
    """Whether this process runs under the guard for ``addr``."""
    return os.environ.get(ADDR_ENV) == addr and "libdecnet_bindguard" in os.environ.get("LD_PRELOAD", "")


def main(argv: list[str] | None = None) -> int:
    """``python -m cluster.bindguard --addr ADDR -- COMMAND...``: run COMMAND under the guard."""
    parser = argparse.ArgumentParser(prog="python -m cluster.bindguard", description=main.__doc__)
    parser.add_argument("--addr", required=True, help="address Ray's wildcard binds are pinned to")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    try:
        env = guard_env(args.addr)
    except BindGuardError as exc:
        print(f"bindguard: {exc}", file=sys.stderr)
        return 2
    os.execvpe(command[0], command, env)  # noqa: S606


if __name__ == "__main__":
    raise SystemExit(main())
