"""What every decky backend (netns, local, docker) realises, and how it reports errors."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path

_DECKY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")


class BackendError(RuntimeError):
    """A backend operation failed; the message says what and why."""


class BackendUnavailable(BackendError):
    """The backend cannot run on this host (no root, no engine, missing interface, ...)."""


def check_decky_name(name: str) -> str:
    """Return ``name`` if it is safe as a namespace/container/interface label, else raise."""
    if not _DECKY_NAME.fullmatch(name):
        raise BackendError(f"bad decky name {name!r}: letters, digits and '-', at most 63 characters")
    return name


@dataclass(frozen=True, slots=True)
class DeckyNetwork:
    """A decky's network identity as a backend must realise it."""

    name: str
    ip: str
    prefix_len: int
    gateway: str | None
    mac: str
    sysctls: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_decky_name(self.name)
        ipaddress.IPv4Address(self.ip)
        if self.gateway is not None:
            ipaddress.IPv4Address(self.gateway)
        if not 1 <= self.prefix_len <= 32:
            raise BackendError(f"bad prefix length {self.prefix_len}")
        if not re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", self.mac):
            raise BackendError(f"bad MAC {self.mac!r} (expected lower-case aa:bb:cc:dd:ee:ff)")
        for key in self.sysctls:
            if not re.fullmatch(r"net\.ipv[46]\.[a-z0-9_.]+", key):
                raise BackendError(f"refusing sysctl {key!r}: only net.ipv4/net.ipv6 keys are per-namespace")


@dataclass(frozen=True, slots=True)
class DeckyStatus:
    """What a backend knows about one of its deckies."""

    name: str
    backend: str
    state: str  #: "running" | "stopped" | "missing"
    ip: str | None = None
    pid: int | None = None
    detail: str = ""
    log_file: Path | None = None
