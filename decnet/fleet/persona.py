"""The decky persona: one object that every service of a decky reads, so all its banners agree.

A persona is derived from a per-decky seed (see :func:`decnet.fleet.personas.derive_persona`),
so it is stable across restarts and distinct across deckies.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Persona:
    """Who a decky pretends to be."""

    decky: str  #: decky name (the events' HOSTNAME)
    seed: bytes  #: 32 bytes; everything random about the decky derives from it
    hostname: str  #: e.g. "SRV-ATLAS-07" or "web03.localdomain"
    ip: str  #: the decky's address
    mac: str  #: "00:50:56:xx:xx:xx" with a plausible vendor prefix
    os_profile: str  #: "linux" | "windows" | "windows_server" | "bsd" | "embedded" | "cisco"
    os_family: str  #: "linux" | "windows" | "bsd" | "embedded" | "cisco"
    distro: str  #: distro slug ("debian", "ubuntu22", ...); for windows personas the closest base
    distro_name: str  #: PRETTY_NAME of /etc/os-release, e.g. "Ubuntu 22.04.4 LTS"
    kernel: str  #: `uname -r`, e.g. "5.15.0-91-generic"
    arch: str  #: `uname -m`, e.g. "x86_64"
    ssh_banner: str  #: identification string, e.g. "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10"
    ssh_auth_fail_delay_s: float  #: delay of a failed password, as that sshd/PAM does it
    http_server: str  #: Server header, e.g. "nginx/1.18.0 (Ubuntu)", "Apache/2.4.57 (Debian)"
    http_flavour: str  #: "nginx" | "apache" | "iis"
    booted_at: datetime  #: aware UTC; uptime = now - booted_at
    cpu_model: str  #: /proc/cpuinfo "model name"
    cpu_count: int
    mem_total_kb: int
    #: Versions of other products as shipped on that distro, by product
    #: (e.g. {"mysql": "8.0.36-0ubuntu0.22.04.1", "redis": "6.0.16", "vsftpd": "3.0.5"}).
    versions: tuple[tuple[str, str], ...] = ()

    def version_of(self, product: str, default: str = "") -> str:
        """The version of ``product`` on this persona's distro."""
        return dict(self.versions).get(product, default)


_FIELDS = tuple(f.name for f in fields(Persona))


def persona_to_dict(persona: Persona) -> dict[str, Any]:
    """A JSON-safe dict of ``persona`` (seed as hex, ``booted_at`` ISO 8601, versions an object)."""
    out: dict[str, Any] = {name: getattr(persona, name) for name in _FIELDS}
    out["seed"] = persona.seed.hex()
    out["booted_at"] = persona.booted_at.isoformat()
    out["versions"] = dict(persona.versions)
    return out


def persona_from_dict(data: dict[str, Any]) -> Persona:
    """The persona :func:`persona_to_dict` made; ``ValueError`` on missing, unknown or mistyped fields."""
    missing = [name for name in _FIELDS if name not in data and name != "versions"]
    unknown = sorted(set(data) - set(_FIELDS))
    if missing or unknown:
        raise ValueError(f"persona dict: missing {missing}, unknown {unknown}")
    values = dict(data)
    try:
        values["seed"] = bytes.fromhex(str(data["seed"]))
        booted = datetime.fromisoformat(str(data["booted_at"]))
    except ValueError as exc:
        raise ValueError(f"persona dict: {exc}") from None
    if booted.tzinfo is None:
        raise ValueError("persona dict: booted_at has no time zone")
    values["booted_at"] = booted.astimezone(UTC)
    versions = data.get("versions", {})
    if not isinstance(versions, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in versions.items()
    ):
        raise ValueError("persona dict: versions must map product names to version strings")
    values["versions"] = tuple(versions.items())
    for name, kind in (("cpu_count", int), ("mem_total_kb", int), ("ssh_auth_fail_delay_s", (int, float))):
        if isinstance(values[name], bool) or not isinstance(values[name], kind):
            raise ValueError(f"persona dict: {name} must be a number")
    values["ssh_auth_fail_delay_s"] = float(values["ssh_auth_fail_delay_s"])
    special = {"seed", "booted_at", "versions", "cpu_count", "mem_total_kb", "ssh_auth_fail_delay_s"}
    for name in set(_FIELDS) - special:
        if not isinstance(values[name], str):
            raise ValueError(f"persona dict: {name} must be a string")
    return Persona(**values)
