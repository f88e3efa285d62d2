"""The host's way to its deckies: a macvlan "hairpin" interface on the decoy LAN's parent.

Linux does not pass traffic between a parent interface and its own macvlan children, so the
host gets a macvlan child of its own (bridge mode) with an address in the decoy subnet. Used
by the netns and docker backends alike.
"""

from __future__ import annotations

import hashlib

from decnet.engine.base import BackendUnavailable
from decnet.engine.iproute import link_exists, run

LinkKind = str  # "macvlan" | "ipvlan"


def link_args(kind: LinkKind) -> tuple[str, ...]:
    """``ip link add`` arguments of a child interface of the decoy parent."""
    return ("type", "macvlan", "mode", "bridge") if kind == "macvlan" else ("type", "ipvlan", "mode", "l2")


def check_link_kind(parent: str, kind: LinkKind) -> None:
    """Raise :class:`BackendUnavailable` if this kernel cannot make ``kind`` children of ``parent``."""
    probe = "dnprobe" + hashlib.sha256(parent.encode()).hexdigest()[:8]
    result = run("ip", "link", "add", "link", parent, "name", probe, *link_args(kind), check=False)
    if result.returncode != 0:
        hint = "; drop --ipvlan to use macvlan" if kind == "ipvlan" else ""
        raise BackendUnavailable(
            f"cannot create a {kind} interface on {parent}: {result.stderr.strip()}{hint}"
        )
    run("ip", "link", "del", probe, check=False)


def hairpin_name(parent: str) -> str:
    """Name of the host's hairpin on ``parent`` (under the 15-character limit, stable)."""
    return "dnhp" + hashlib.sha256(parent.encode()).hexdigest()[:11]


def ensure_hairpin(parent: str, host_ip: str, prefix_len: int, kind: LinkKind = "macvlan") -> str:
    """Create (once) the hairpin with ``host_ip``; return its name."""
    name = hairpin_name(parent)
    if not link_exists(name):
        run("ip", "link", "add", "link", parent, "name", name, *link_args(kind))
    addrs = run("ip", "-o", "-4", "addr", "show", "dev", name).stdout
    if f" {host_ip}/" not in addrs:
        run("ip", "addr", "add", f"{host_ip}/{prefix_len}", "dev", name)
    run("ip", "link", "set", name, "up")
    return name


def remove_hairpin(parent: str) -> None:
    """Remove the hairpin on ``parent`` if there is one."""
    name = hairpin_name(parent)
    if link_exists(name):
        run("ip", "link", "del", name)
