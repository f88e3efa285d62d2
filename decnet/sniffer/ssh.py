"""SSH client identification banner and HASSH from the start of a client's byte stream.

HASSH is ``md5("kex;encryption;mac;compression")`` over the client-to-server name-lists of
the client's first SSH_MSG_KEXINIT (the packet is cleartext: it precedes key exchange).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from decnet.sniffer.text import printable

#: Longest identification line (RFC 4253: 255 bytes including CR LF).
MAX_BANNER = 255
#: Largest KEXINIT packet accepted.
MAX_KEXINIT = 8192
MSG_KEXINIT = 20


class NeedMore(Exception):
    """The bytes so far are a valid but incomplete start of an SSH client stream."""


@dataclass(frozen=True, slots=True)
class SshClient:
    """The banner and, once the KEXINIT arrived, its algorithm lists."""

    banner: str
    kex: str = ""
    host_keys: str = ""
    encryption: str = ""
    mac: str = ""
    compression: str = ""

    @property
    def hassh_algorithms(self) -> str:
        """The HASSH input string."""
        return f"{self.kex};{self.encryption};{self.mac};{self.compression}"

    @property
    def hassh(self) -> str:
        """HASSH: md5 of :attr:`hassh_algorithms`."""
        return hashlib.md5(self.hassh_algorithms.encode(), usedforsecurity=False).hexdigest()


def is_ssh_start(stream: bytes) -> bool:
    """True if the stream could be an SSH client's (starts with ``SSH-`` or a prefix of it)."""
    return stream[:4] == b"SSH-"[: len(stream[:4])]


def banner_of(stream: bytes) -> tuple[str, int] | None:
    """(banner, bytes consumed) of the identification line; None if not SSH.

    Raises :class:`NeedMore` if the line has not ended yet.
    """
    if not is_ssh_start(stream):
        return None
    end = stream.find(b"\n", 0, MAX_BANNER + 1)
    if end < 0:
        if len(stream) > MAX_BANNER:
            return None
        raise NeedMore
    line = stream[:end].rstrip(b"\r")
    return printable(line, MAX_BANNER), end + 1


def _name_lists(payload: bytes, count: int) -> list[str] | None:
    lists: list[str] = []
    pos = 17  # message type and 16-byte cookie
    for _ in range(count):
        if pos + 4 > len(payload):
            return None
        size = int.from_bytes(payload[pos : pos + 4], "big")
        pos += 4
        if pos + size > len(payload):
            return None
        lists.append(printable(payload[pos : pos + size], MAX_KEXINIT))
        pos += size
    return lists


def parse_client(stream: bytes) -> SshClient | None:
    """Banner and KEXINIT of a client stream; None if not SSH (or the KEXINIT is malformed).

    Raises :class:`NeedMore` while the banner or the first packet is incomplete.
    """
    found = banner_of(stream)
    if found is None:
        return None
    banner, pos = found
    if len(stream) - pos < 6:
        raise NeedMore
    length = int.from_bytes(stream[pos : pos + 4], "big")
    if length < 12 or length > MAX_KEXINIT:
        return SshClient(banner)
    if len(stream) - pos - 4 < length:
        raise NeedMore
    padding = stream[pos + 4]
    payload = stream[pos + 5 : pos + 4 + length - padding] if padding < length else b""
    if not payload or payload[0] != MSG_KEXINIT:
        return SshClient(banner)
    lists = _name_lists(payload, 10)
    if lists is None:
        return SshClient(banner)
    kex, host_keys, enc, _enc_s2c, mac, _mac_s2c, comp, _comp_s2c, _lang1, _lang2 = lists
    return SshClient(banner, kex, host_keys, enc, mac, comp)
