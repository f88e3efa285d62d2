"""SMB1 (MS-CIFS/MS-SMB) as a Windows server with SMB1 enabled: NT LM 0.12 and session setup.

Only what a logon needs: the NEGOTIATE response (extended security with SPNEGO, or the classic
form with an 8-byte challenge and the domain and server names) and SESSION_SETUP_ANDX in both
forms, whose responses are captured. Offsets and lengths are checked against the message.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from decnet.services.ntlm.ntlmssp import NEGOTIATE_UNICODE, Authenticate
from decnet.services.smb.protocol import SMB1_MAGIC, SMB1Negotiate, SMBError

SESSION_SETUP_ANDX = 0x73
FLAGS2_EXTENDED_SECURITY = 0x0800
FLAGS2_UNICODE = 0x8000
#: Capabilities of Windows 7 - Server 2019 with SMB1 on (nmap: "Microsoft Windows 7 - 10").
CAPABILITIES = 0x0001E3FC
CAP_EXTENDED_SECURITY = 0x80000000


def reply_flags2(request_flags2: int, extended: bool) -> int:
    """FLAGS2 of a reply: the client's unicode bit, NT status codes, long names, extended security."""
    return (request_flags2 & FLAGS2_UNICODE) | 0x4001 | (FLAGS2_EXTENDED_SECURITY if extended else 0)


def header(command: int, status: int, flags2: int, req: bytes, uid: int = 0) -> bytes:
    """An SMB1 response header (flags 0x88) echoing the request's TID, PID and MID."""
    tid, pid, mid = req[24:26], req[26:28], req[30:32]
    return (
        SMB1_MAGIC
        + bytes([command])
        + struct.pack("<IBH", status, 0x88, flags2)
        + bytes(12)
        + tid
        + pid
        + struct.pack("<H", uid)
        + mid
    )


def negotiate_response(
    req: SMB1Negotiate,
    raw: bytes,
    *,
    index: int,
    system_time: int,
    challenge: bytes,
    domain: str,
    server: str,
    server_guid: bytes,
    blob: bytes,
) -> bytes:
    """The NT LM 0.12 NEGOTIATE response (extended security when the client asked for it)."""
    extended = bool(req.flags2 & FLAGS2_EXTENDED_SECURITY)
    flags2 = reply_flags2(req.flags2, extended)
    caps = CAPABILITIES | (CAP_EXTENDED_SECURITY if extended else 0)
    words = struct.pack(
        "<BHBHHIIII",
        17,
        index,
        0x03,
        50,
        1,
        0x00001104,
        0x00010000,
        0,
        caps,
    ) + struct.pack("<QhB", system_time, 0, 0 if extended else 8)
    if extended:
        data = server_guid + blob
    else:
        data = challenge + (domain + "\x00").encode("utf-16-le") + (server + "\x00").encode("utf-16-le")
    return header(0x72, 0, flags2, raw) + words + struct.pack("<H", len(data)) + data


@dataclass(frozen=True, slots=True)
class SessionSetup:
    """A SESSION_SETUP_ANDX request: the security blob (extended) or the classic responses."""

    extended: bool
    blob: bytes
    lm: bytes
    nt: bytes
    account: str
    domain: str
    native_os: str


def _strings(data: bytes, unicode: bool, count: int) -> list[str]:
    out: list[str] = []
    if unicode:
        pos = 0
        for _ in range(count):
            end = pos
            while end + 1 < len(data) and data[end : end + 2] != b"\x00\x00":
                end += 2
            out.append(data[pos:end][:512].decode("utf-16-le", "replace"))
            pos = end + 2
    else:
        parts = data.split(b"\x00")
        out = [part[:256].decode("latin-1") for part in parts[:count]]
    return out + [""] * (count - len(out))


def parse_session_setup(msg: bytes) -> SessionSetup:
    """Read a SESSION_SETUP_ANDX request (12 words: extended security; 13: classic)."""
    if len(msg) < 35 or not msg.startswith(SMB1_MAGIC) or msg[4] != SESSION_SETUP_ANDX:
        raise SMBError("not an SMB1 SESSION_SETUP_ANDX")
    flags2 = int.from_bytes(msg[10:12], "little")
    unicode = bool(flags2 & FLAGS2_UNICODE)
    words = msg[32]
    params = msg[33 : 33 + 2 * words]
    at = 33 + 2 * words
    if len(params) != 2 * words or at + 2 > len(msg):
        raise SMBError("truncated SESSION_SETUP_ANDX")
    count = int.from_bytes(msg[at : at + 2], "little")
    data = msg[at + 2 : at + 2 + count]
    if words == 12:
        blob_len = int.from_bytes(params[14:16], "little")
        if blob_len > len(data):
            raise SMBError("security blob outside the message")
        native = data[blob_len:]
        if unicode and (at + 2 + blob_len) % 2:
            native = native[1:]
        return SessionSetup(True, data[:blob_len], b"", b"", "", "", _strings(native, unicode, 1)[0])
    if words == 13:
        lm_len, nt_len = struct.unpack_from("<HH", params, 14)
        if lm_len + nt_len > len(data) or lm_len > 1024 or nt_len > 4096:
            raise SMBError("passwords outside the message")
        lm, nt = data[:lm_len], data[lm_len : lm_len + nt_len]
        rest = data[lm_len + nt_len :]
        if unicode and (at + 2 + lm_len + nt_len) % 2:
            rest = rest[1:]
        account, domain, native_os = _strings(rest, unicode, 3)
        return SessionSetup(False, b"", lm, nt, account, domain, native_os)
    raise SMBError("unknown SESSION_SETUP_ANDX form")


def classic_authenticate(req: SessionSetup) -> Authenticate:
    """The classic session setup's responses in the shape of an NTLM AUTHENTICATE."""
    return Authenticate(NEGOTIATE_UNICODE, req.account, req.domain, "", req.lm, req.nt, "")


def session_setup_response(
    status: int,
    raw: bytes,
    uid: int,
    *,
    blob: bytes | None,
    native_os: str,
    native_lanman: str,
    domain: str = "",
) -> bytes:
    """A SESSION_SETUP_ANDX response; an error status carries no words or bytes.

    The strings are UTF-16 (after a pad byte that aligns them) when the client set the unicode
    flag, else OEM; the classic (non-extended) form also names the primary domain.
    """
    request_flags2 = int.from_bytes(raw[10:12], "little")
    unicode = bool(request_flags2 & FLAGS2_UNICODE)
    head = header(SESSION_SETUP_ANDX, status, reply_flags2(request_flags2, blob is not None), raw, uid)
    if status not in (0, 0xC0000016):
        return head + b"\x00\x00\x00"
    names = [native_os, native_lanman] + ([domain] if blob is None else [])
    if unicode:
        strings = b"".join((name + "\x00").encode("utf-16-le") for name in names)
    else:
        strings = b"".join((name + "\x00").encode("latin-1", "replace") for name in names)
    if blob is not None:
        words = struct.pack("<BBBHHH", 4, 0xFF, 0, 0, 0, len(blob))
        odd = (32 + len(words) + 2 + len(blob)) % 2
        data = blob + (b"\x00" if unicode and odd else b"") + strings
    else:
        words = struct.pack("<BBBHH", 3, 0xFF, 0, 0, 0)
        data = (b"\x00" if unicode else b"") + strings
    return head + words + struct.pack("<H", len(data)) + data
