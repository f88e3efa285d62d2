"""NTLMSSP messages (MS-NLMP): read NEGOTIATE, answer with a CHALLENGE, read AUTHENTICATE.

The server side of an NTLM exchange as SMB, RDP (CredSSP) and LDAP use it. Nothing is
verified: the AUTHENTICATE message is turned into the crackable string hashcat reads
(mode 5600 for NTLMv2, 5500 for NTLMv1). Every field offset and length is checked against
the message and bounded.
"""

from __future__ import annotations

import secrets
import struct
import time
from dataclasses import dataclass

SIGNATURE = b"NTLMSSP\x00"
NEGOTIATE, CHALLENGE, AUTHENTICATE = 1, 2, 3

#: Largest NTLMSSP message accepted (real ones are well under 2 KiB).
MAX_MESSAGE = 16384
#: Longest user, domain or workstation name kept (bytes on the wire).
MAX_NAME = 1024

NEGOTIATE_UNICODE = 0x00000001
NEGOTIATE_OEM = 0x00000002
REQUEST_TARGET = 0x00000004
NEGOTIATE_SIGN = 0x00000010
NEGOTIATE_SEAL = 0x00000020
NEGOTIATE_NTLM = 0x00000200
NEGOTIATE_ALWAYS_SIGN = 0x00008000
TARGET_TYPE_DOMAIN = 0x00010000
TARGET_TYPE_SERVER = 0x00020000
NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
NEGOTIATE_TARGET_INFO = 0x00800000
NEGOTIATE_VERSION = 0x02000000
NEGOTIATE_128 = 0x20000000
NEGOTIATE_KEY_EXCH = 0x40000000
NEGOTIATE_56 = 0x80000000

#: Flags a server echoes when the client asks for them.
_ECHOED = (
    NEGOTIATE_SIGN
    | NEGOTIATE_SEAL
    | NEGOTIATE_EXTENDED_SESSIONSECURITY
    | NEGOTIATE_128
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_56
)

AV_EOL, AV_NB_COMPUTER, AV_NB_DOMAIN, AV_DNS_COMPUTER, AV_DNS_DOMAIN, AV_DNS_TREE = 0, 1, 2, 3, 4, 5
AV_TIMESTAMP = 7

#: Seconds between 1601-01-01 and 1970-01-01 (FILETIME epoch).
_EPOCH_DELTA = 11644473600


class NTLMError(ValueError):
    """A malformed NTLMSSP message."""


def filetime(now: float | None = None) -> int:
    """A Windows FILETIME (100 ns ticks since 1601) for ``now`` (default: the current time)."""
    return int(((time.time() if now is None else now) + _EPOCH_DELTA) * 10_000_000)


def message_type(data: bytes) -> int | None:
    """1, 2 or 3 for an NTLMSSP message, None for anything else."""
    if len(data) < 12 or not data.startswith(SIGNATURE):
        return None
    kind = int.from_bytes(data[8:12], "little")
    return kind if kind in (NEGOTIATE, CHALLENGE, AUTHENTICATE) else None


def _field(data: bytes, at: int, limit: int) -> bytes:
    """The payload a (length, max length, offset) field at ``at`` points to."""
    if at + 8 > len(data):
        return b""
    size, _, offset = struct.unpack_from("<HHI", data, at)
    if size == 0:
        return b""
    if size > limit or offset + size > len(data):
        raise NTLMError("field outside the message")
    return data[offset : offset + size]


def _text(raw: bytes, unicode: bool) -> str:
    return raw.decode("utf-16-le", "replace") if unicode else raw.decode("latin-1")


def _version(data: bytes, at: int) -> str:
    """``major.minor.build`` of a VERSION structure at ``at``, '' if absent."""
    if at + 8 > len(data):
        return ""
    major, minor, build = data[at], data[at + 1], int.from_bytes(data[at + 2 : at + 4], "little")
    return f"{major}.{minor}.{build}" if major else ""


@dataclass(frozen=True, slots=True)
class Negotiate:
    """What an NTLMSSP NEGOTIATE says about the client."""

    flags: int
    domain: str
    workstation: str
    version: str  #: client OS version "10.0.19041" ('' if not sent)


def parse_negotiate(data: bytes) -> Negotiate:
    """Read a NEGOTIATE message (:class:`NTLMError` if it is not one)."""
    if message_type(data) != NEGOTIATE or len(data) < 16 or len(data) > MAX_MESSAGE:
        raise NTLMError("not an NTLMSSP NEGOTIATE")
    flags = int.from_bytes(data[12:16], "little")
    domain = _field(data, 16, MAX_NAME) if len(data) >= 32 else b""
    workstation = _field(data, 24, MAX_NAME) if len(data) >= 32 else b""
    version = _version(data, 32) if flags & NEGOTIATE_VERSION else ""
    return Negotiate(flags, _text(domain, False), _text(workstation, False), version)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the server says it is in a CHALLENGE: names and OS version."""

    nb_computer: str  #: NetBIOS computer name, upper case, at most 15 characters
    nb_domain: str  #: NetBIOS domain (the computer name again on a standalone host)
    dns_computer: str
    dns_domain: str
    dns_tree: str  #: forest name ('' outside a domain)
    version: tuple[int, int, int]  #: OS major, minor, build
    domain_joined: bool

    @property
    def target_name(self) -> str:
        """TargetName of the CHALLENGE: the domain, or the computer for a standalone host."""
        return self.nb_domain


def _av(av_id: int, value: bytes) -> bytes:
    return struct.pack("<HH", av_id, len(value)) + value


def target_info(identity: Identity, timestamp: int | None = None) -> bytes:
    """The AV_PAIR list of a CHALLENGE, in the order Windows sends it."""
    pairs = [
        _av(AV_NB_DOMAIN, identity.nb_domain.encode("utf-16-le")),
        _av(AV_NB_COMPUTER, identity.nb_computer.encode("utf-16-le")),
        _av(AV_DNS_DOMAIN, identity.dns_domain.encode("utf-16-le")),
        _av(AV_DNS_COMPUTER, identity.dns_computer.encode("utf-16-le")),
    ]
    if identity.dns_tree:
        pairs.append(_av(AV_DNS_TREE, identity.dns_tree.encode("utf-16-le")))
    pairs.append(_av(AV_TIMESTAMP, struct.pack("<Q", filetime() if timestamp is None else timestamp)))
    pairs.append(_av(AV_EOL, b""))
    return b"".join(pairs)


def challenge_flags(client_flags: int, identity: Identity) -> int:
    """The flags a Windows server answers ``client_flags`` with."""
    flags = REQUEST_TARGET | NEGOTIATE_NTLM | NEGOTIATE_ALWAYS_SIGN | NEGOTIATE_TARGET_INFO
    flags |= NEGOTIATE_VERSION
    flags |= NEGOTIATE_UNICODE if client_flags & NEGOTIATE_UNICODE or not client_flags else NEGOTIATE_OEM
    flags |= TARGET_TYPE_DOMAIN if identity.domain_joined else TARGET_TYPE_SERVER
    return flags | (client_flags & _ECHOED)


def build_challenge(
    identity: Identity, client_flags: int, server_challenge: bytes, *, timestamp: int | None = None
) -> bytes:
    """A CHALLENGE message for a client that sent ``client_flags``."""
    if len(server_challenge) != 8:
        raise ValueError("server challenge must be 8 bytes")
    flags = challenge_flags(client_flags, identity)
    unicode = bool(flags & NEGOTIATE_UNICODE)
    name = identity.target_name.encode("utf-16-le" if unicode else "latin-1", "replace")
    info = target_info(identity, timestamp)
    major, minor, build = identity.version
    version = struct.pack("<BBH3xB", major, minor, build, 15)
    header = 56
    return (
        SIGNATURE
        + struct.pack("<I", CHALLENGE)
        + struct.pack("<HHI", len(name), len(name), header)
        + struct.pack("<I", flags)
        + server_challenge
        + bytes(8)
        + struct.pack("<HHI", len(info), len(info), header + len(name))
        + version
        + name
        + info
    )


@dataclass(frozen=True, slots=True)
class Authenticate:
    """What a client proved in AUTHENTICATE: names and its challenge responses."""

    flags: int
    user: str
    domain: str
    workstation: str
    lm: bytes
    nt: bytes
    version: str

    @property
    def kind(self) -> str:
        """``ntlmv2``, ``ntlmv1``, ``anonymous`` or ``no_password`` (a user name, no responses)."""
        if len(self.nt) == 0 and len(self.lm) <= 1:
            return "no_password" if self.user else "anonymous"
        if len(self.nt) > 24:
            return "ntlmv2"
        return "ntlmv1"

    def hashcat(self, server_challenge: bytes) -> str:
        """The crackable line: hashcat 5600 (NTLMv2) or 5500 (NTLMv1)."""
        if self.kind == "ntlmv2":
            return (
                f"{self.user}::{self.domain}:{server_challenge.hex()}:"
                f"{self.nt[:16].hex()}:{self.nt[16:].hex()}"
            )
        return f"{self.user}::{self.domain}:{self.lm.hex()}:{self.nt.hex()}:{server_challenge.hex()}"


def parse_authenticate(data: bytes) -> Authenticate:
    """Read an AUTHENTICATE message (:class:`NTLMError` if it is not one)."""
    if message_type(data) != AUTHENTICATE or len(data) < 52 or len(data) > MAX_MESSAGE:
        raise NTLMError("not an NTLMSSP AUTHENTICATE")
    flags = int.from_bytes(data[60:64], "little") if len(data) >= 64 else NEGOTIATE_UNICODE
    unicode = bool(flags & NEGOTIATE_UNICODE)
    lm = _field(data, 12, MAX_MESSAGE)
    nt = _field(data, 20, MAX_MESSAGE)
    domain = _text(_field(data, 28, MAX_NAME), unicode)
    user = _text(_field(data, 36, MAX_NAME), unicode)
    workstation = _text(_field(data, 44, MAX_NAME), unicode)
    if nt and len(nt) < 24:
        raise NTLMError("NT response too short")
    version = _version(data, 64) if flags & NEGOTIATE_VERSION else ""
    return Authenticate(flags, user, domain, workstation, lm, nt, version)


class NTLMServer:
    """One server side of an NTLM exchange: remembers the challenge it sent."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.server_challenge = secrets.token_bytes(8)
        self.negotiate: Negotiate | None = None

    def challenge(self, negotiate_message: bytes) -> bytes:
        """Read the client's NEGOTIATE and return the CHALLENGE to send."""
        self.negotiate = parse_negotiate(negotiate_message)
        return build_challenge(self.identity, self.negotiate.flags, self.server_challenge)

    def authenticate(self, message: bytes) -> Authenticate:
        """Read the client's AUTHENTICATE."""
        return parse_authenticate(message)
