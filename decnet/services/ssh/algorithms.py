"""The algorithm lists a given sshd offers, in its order, limited to what asyncssh implements.

The identification string (``persona.ssh_banner``) names the server; its KEXINIT must then
look like that server's: OpenSSH defaults change between releases, RHEL-family distros apply
their system crypto policy, and dropbear has its own lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from asyncssh.compression import get_compression_algs
from asyncssh.encryption import get_encryption_algs
from asyncssh.kex import get_kex_algs
from asyncssh.mac import get_mac_algs

from decnet.fleet.persona import Persona

_OPENSSH = re.compile(r"OpenSSH_(?:for_Windows_)?(\d+)\.(\d+)")
_RHEL_POLICY_DISTROS = frozenset({"rocky9", "rocky", "fedora", "rhel9", "alma9", "centos9"})

_MAC_ETM = (
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
)
_CIPHERS_CTR_FIRST = (
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
)
_CIPHERS_GCM_FIRST = (
    "chacha20-poly1305@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
)
_ECDH = ("ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521")
_C25519 = ("curve25519-sha256", "curve25519-sha256@libssh.org")
_DH_MODERN = (
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
)
_HOSTKEYS_SHA2 = ("rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519")
_HOSTKEYS_WITH_SSH_RSA = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519")
_COMPRESSION = ("none", "zlib@openssh.com")


@dataclass(frozen=True, slots=True)
class AlgorithmSet:
    """One server's KEXINIT lists (names, most preferred first)."""

    kex: tuple[str, ...]
    host_key: tuple[str, ...]
    ciphers: tuple[str, ...]
    macs: tuple[str, ...]
    compression: tuple[str, ...]


def openssh_version(banner: str) -> tuple[int, int] | None:
    """``(major, minor)`` of an OpenSSH identification string, else ``None``."""
    match = _OPENSSH.search(banner)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _openssh(version: tuple[int, int]) -> AlgorithmSet:
    kex: tuple[str, ...]
    if version >= (10, 0):
        kex = (
            "mlkem768x25519-sha256",
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com",
            *_C25519,
            *_ECDH,
        )
    elif version >= (9, 9):
        kex = (
            "sntrup761x25519-sha512",
            "sntrup761x25519-sha512@openssh.com",
            "mlkem768x25519-sha256",
            *_C25519,
            *_ECDH,
            *_DH_MODERN,
        )
    elif version >= (9, 0):
        kex = ("sntrup761x25519-sha512@openssh.com", *_C25519, *_ECDH, *_DH_MODERN)
    elif version >= (8, 5):
        kex = (*_C25519, *_ECDH, "sntrup761x25519-sha512@openssh.com", *_DH_MODERN)
    elif version >= (8, 2):
        kex = (*_C25519, *_ECDH, *_DH_MODERN)
    else:
        kex = (
            *_C25519,
            *_ECDH,
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group-exchange-sha1",
            "diffie-hellman-group14-sha256",
            "diffie-hellman-group14-sha1",
        )
    return AlgorithmSet(
        kex=kex,
        host_key=_HOSTKEYS_SHA2 if version >= (8, 8) else _HOSTKEYS_WITH_SSH_RSA,
        ciphers=_CIPHERS_GCM_FIRST if version >= (10, 0) else _CIPHERS_CTR_FIRST,
        macs=_MAC_ETM,
        compression=_COMPRESSION,
    )


#: RHEL 9 / Fedora "DEFAULT" system crypto policy, as its sshd applies it.
_RHEL_POLICY = AlgorithmSet(
    kex=(
        *_C25519,
        *_ECDH,
        "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group14-sha256",
        "diffie-hellman-group16-sha512",
        "diffie-hellman-group18-sha512",
    ),
    host_key=_HOSTKEYS_SHA2,
    ciphers=(
        "aes256-gcm@openssh.com",
        "chacha20-poly1305@openssh.com",
        "aes256-ctr",
        "aes128-gcm@openssh.com",
        "aes128-ctr",
    ),
    macs=(
        "hmac-sha2-256-etm@openssh.com",
        "hmac-sha1-etm@openssh.com",
        "umac-128-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com",
        "hmac-sha2-256",
        "hmac-sha1",
        "umac-128@openssh.com",
        "hmac-sha2-512",
    ),
    compression=_COMPRESSION,
)

#: Cisco IOS 15.x sshd ("SSH-2.0-Cisco-1.25"): SHA-1 key exchange and ssh-rsa only, as on the real
#: device (modern clients need ``-o KexAlgorithms=+diffie-hellman-group14-sha1``
#: ``-o HostKeyAlgorithms=+ssh-rsa``).
_CISCO = AlgorithmSet(
    kex=("diffie-hellman-group-exchange-sha1", "diffie-hellman-group14-sha1"),
    host_key=("ssh-rsa",),
    ciphers=("aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "3des-cbc", "aes192-cbc", "aes256-cbc"),
    macs=("hmac-sha2-256", "hmac-sha2-512", "hmac-sha1", "hmac-sha1-96"),
    compression=("none",),
)

_DROPBEAR = AlgorithmSet(
    kex=(
        *_C25519,
        "ecdh-sha2-nistp521",
        "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp256",
        "diffie-hellman-group14-sha256",
        "diffie-hellman-group14-sha1",
    ),
    host_key=("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-256", "ssh-rsa"),
    ciphers=("chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-ctr"),
    macs=("hmac-sha1", "hmac-sha2-256"),
    compression=("none",),
)


@cache
def _supported() -> tuple[frozenset[str], ...]:
    return tuple(
        frozenset(alg.decode("ascii") for alg in algs)
        for algs in (get_kex_algs(), get_encryption_algs(), get_mac_algs(), get_compression_algs())
    )


def _keep(names: tuple[str, ...], supported: frozenset[str]) -> tuple[str, ...]:
    return tuple(name for name in names if name in supported)


def algorithms_for(persona: Persona) -> AlgorithmSet:
    """The lists the server named by ``persona.ssh_banner`` offers, restricted to asyncssh's."""
    banner = persona.ssh_banner
    version = openssh_version(banner)
    if version is None and "dropbear" in banner.lower():
        wanted = _DROPBEAR
    elif version is None and "cisco" in banner.lower():
        wanted = _CISCO
    elif persona.distro in _RHEL_POLICY_DISTROS:
        wanted = _RHEL_POLICY
    else:
        wanted = _openssh(version or (8, 9))
    kex, ciphers, macs, compression = _supported()
    return AlgorithmSet(
        kex=_keep(wanted.kex, kex),
        host_key=wanted.host_key,
        ciphers=_keep(wanted.ciphers, ciphers),
        macs=_keep(wanted.macs, macs),
        compression=_keep(wanted.compression, compression),
    )


def server_version(banner: str) -> str:
    """The part of an identification string asyncssh sends after ``SSH-2.0-``."""
    text = banner.strip()
    for prefix in ("SSH-2.0-", "SSH-1.99-"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    text = "".join(ch for ch in text if " " <= ch <= "~")[:200]
    return text or "OpenSSH_8.9p1"
