"""MongoDB versions and build details per distro (the persona catalog has no MongoDB)."""

from __future__ import annotations

import hashlib

from decnet.fleet.persona import Persona

#: mongodb-org releases the official repository carries for each distro.
_VERSIONS = {
    "debian": ("7.0.12", "7.0.14"),
    "ubuntu22": ("6.0.16", "7.0.12", "7.0.14"),
    "ubuntu20": ("5.0.28", "6.0.16"),
    "rocky9": ("7.0.12", "7.0.14"),
    "centos7": ("4.4.29", "5.0.28"),
    "fedora": ("7.0.14",),
    "alpine": ("6.0.16",),
    "kali": ("7.0.14",),
    "arch": ("7.0.14",),
}
_DISTMOD = {
    "debian": "debian12",
    "ubuntu22": "ubuntu2204",
    "ubuntu20": "ubuntu2004",
    "rocky9": "rhel90",
    "centos7": "rhel70",
    "fedora": "rhel90",
}
_OPENSSL = {
    "debian": "OpenSSL 3.0.11 19 Sep 2023",
    "ubuntu22": "OpenSSL 3.0.2 15 Mar 2022",
    "ubuntu20": "OpenSSL 1.1.1f  31 Mar 2020",
    "rocky9": "OpenSSL 3.0.7 1 Nov 2022",
    "centos7": "OpenSSL 1.0.1e-fips 11 Feb 2013",
}
#: maxWireVersion by major.minor.
_WIRE = {"4.4": 9, "5.0": 13, "6.0": 17, "7.0": 21, "8.0": 25}


def _pick(persona: Persona, label: str, choices: tuple[str, ...]) -> str:
    digest = hashlib.sha256(persona.seed + label.encode()).digest()
    return choices[digest[0] % len(choices)]


def version_for(persona: Persona) -> str:
    """The MongoDB version of this persona."""
    return persona.version_of("mongodb") or _pick(
        persona, "mongodb", _VERSIONS.get(persona.distro, ("7.0.14",))
    )


def wire_version(version: str) -> int:
    """maxWireVersion of ``version``."""
    return _WIRE.get(".".join(version.split(".")[:2]), 21)


def distmod(persona: Persona) -> str:
    """buildEnvironment.distmod."""
    if persona.os_family != "linux":
        return "windows" if persona.os_family == "windows" else ""
    return _DISTMOD.get(persona.distro, "ubuntu2204")


def target_os(persona: Persona) -> str:
    """buildEnvironment.target_os."""
    return {"windows": "windows", "bsd": "freebsd"}.get(persona.os_family, "linux")


def openssl(persona: Persona) -> str:
    """buildInfo.openssl.running (Windows builds use SChannel)."""
    if persona.os_family == "windows":
        return "Windows SChannel"
    return _OPENSSL.get(persona.distro, "OpenSSL 3.0.2 15 Mar 2022")


def git_version(persona: Persona, version: str) -> str:
    """A stable 40-hex gitVersion for ``version``."""
    return hashlib.sha1(b"mongo-" + version.encode()).hexdigest()  # noqa: S324 - an identifier
