"""SMB wire formats (MS-SMB2, MS-SMB): the messages the smb service reads and writes.

Pure functions over bytes; every parser checks sizes, offsets and counts against the message
and raises :class:`SMBError` on anything malformed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SMB1_MAGIC = b"\xffSMB"
SMB2_MAGIC = b"\xfeSMB"
SMB2_TRANSFORM = b"\xfdSMB"
SMB2_HEADER = 64

NEGOTIATE, SESSION_SETUP, LOGOFF, TREE_CONNECT, ECHO = 0x00, 0x01, 0x02, 0x03, 0x0D
COMMANDS = {
    0x00: "NEGOTIATE",
    0x01: "SESSION_SETUP",
    0x02: "LOGOFF",
    0x03: "TREE_CONNECT",
    0x04: "TREE_DISCONNECT",
    0x05: "CREATE",
    0x06: "CLOSE",
    0x07: "FLUSH",
    0x08: "READ",
    0x09: "WRITE",
    0x0A: "LOCK",
    0x0B: "IOCTL",
    0x0C: "CANCEL",
    0x0D: "ECHO",
    0x0E: "QUERY_DIRECTORY",
    0x0F: "CHANGE_NOTIFY",
    0x10: "QUERY_INFO",
    0x11: "SET_INFO",
    0x12: "OPLOCK_BREAK",
}

STATUS_SUCCESS = 0x00000000
STATUS_MORE_PROCESSING_REQUIRED = 0xC0000016
STATUS_INVALID_PARAMETER = 0xC000000D
STATUS_ACCESS_DENIED = 0xC0000022
STATUS_LOGON_FAILURE = 0xC000006D
STATUS_NOT_SUPPORTED = 0xC00000BB
STATUS_USER_SESSION_DELETED = 0xC0000203

#: Dialect revisions by their usual names.
DIALECTS: dict[str, int] = {"2.0.2": 0x0202, "2.1": 0x0210, "3.0": 0x0300, "3.0.2": 0x0302, "3.1.1": 0x0311}
DIALECT_NAMES = {v: k for k, v in DIALECTS.items()} | {0x02FF: "2.???"}
WILDCARD = 0x02FF

#: Most dialects / negotiate contexts / SMB1 dialect strings read from a client.
MAX_DIALECTS = 64
MAX_CONTEXTS = 32

CTX_PREAUTH, CTX_ENCRYPTION, CTX_COMPRESSION, CTX_NETNAME, CTX_SIGNING = (
    0x0001,
    0x0002,
    0x0003,
    0x0005,
    0x0008,
)
CIPHERS = {1: "AES-128-CCM", 2: "AES-128-GCM", 3: "AES-256-CCM", 4: "AES-256-GCM"}
SIGNING = {0: "HMAC-SHA256", 1: "AES-CMAC", 2: "AES-GMAC"}


class SMBError(ValueError):
    """A malformed SMB message."""


# -- SMB1 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SMB1Negotiate:
    """An SMB1 NEGOTIATE request: its dialect strings and the header fields a reply echoes."""

    dialects: tuple[str, ...]
    tid: bytes
    pid: bytes
    uid: bytes
    mid: bytes
    flags2: int


def parse_smb1_negotiate(msg: bytes) -> SMB1Negotiate:
    """Read an SMB1 NEGOTIATE (command 0x72)."""
    if len(msg) < 35 or not msg.startswith(SMB1_MAGIC) or msg[4] != 0x72:
        raise SMBError("not an SMB1 NEGOTIATE")
    flags2 = int.from_bytes(msg[10:12], "little")
    words = msg[32]
    at = 33 + 2 * words
    if at + 2 > len(msg):
        raise SMBError("truncated SMB1 NEGOTIATE")
    count = int.from_bytes(msg[at : at + 2], "little")
    data = msg[at + 2 : at + 2 + count]
    dialects: list[str] = []
    for part in data.split(b"\x00"):
        if not part:
            continue
        if len(dialects) >= MAX_DIALECTS:
            break
        dialects.append(part.lstrip(b"\x02").decode("latin-1")[:64])
    return SMB1Negotiate(tuple(dialects), msg[24:26], msg[26:28], msg[28:30], msg[30:32], flags2)


def smb1_no_dialect(req: SMB1Negotiate) -> bytes:
    """Samba's answer when no SMB1 dialect is acceptable: dialect index 0xFFFF."""
    header = (
        SMB1_MAGIC
        + b"\x72"
        + bytes(4)
        + b"\x88"
        + struct.pack("<H", 0xC001 & 0xFFFF)
        + bytes(12)
        + req.tid
        + req.pid
        + req.uid
        + req.mid
    )
    return header + b"\x01\xff\xff\x00\x00"


# -- SMB2 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """The fields of an SMB2 request header a response needs."""

    command: int
    credit_charge: int
    credits: int
    flags: int
    next_command: int
    message_id: int
    process_id: int
    tree_id: int
    session_id: int


def parse_header(msg: bytes) -> Header:
    """Read the 64-byte SMB2 sync header."""
    if len(msg) < SMB2_HEADER or not msg.startswith(SMB2_MAGIC):
        raise SMBError("not an SMB2 message")
    size, charge, _status, command, credits, flags, nxt, mid, pid, tid, sess = struct.unpack_from(
        "<HHIHHIIQIIQ", msg, 4
    )
    if size != 64:
        raise SMBError("bad SMB2 header size")
    return Header(command, charge, credits, flags, nxt, mid, pid, tid, sess)


def response_header(
    req: Header, status: int, *, credits: int, session_id: int | None = None, command: int | None = None
) -> bytes:
    """An SMB2 response header for ``req`` (SERVER_TO_REDIR set)."""
    return (
        SMB2_MAGIC
        + struct.pack(
            "<HHIHHIIQIIQ",
            64,
            req.credit_charge,
            status,
            req.command if command is None else command,
            credits,
            0x00000001,
            0,
            req.message_id,
            req.process_id,
            req.tree_id,
            req.session_id if session_id is None else session_id,
        )
        + bytes(16)
    )


def error_body() -> bytes:
    """The SMB2 ERROR response body (no error data)."""
    return struct.pack("<HBBI", 9, 0, 0, 0) + b"\x00"


@dataclass(slots=True)
class NegotiateRequest:
    """An SMB2 NEGOTIATE request."""

    dialects: list[int]
    security_mode: int
    capabilities: int
    client_guid: bytes
    contexts: dict[int, bytes] = field(default_factory=dict)


def parse_negotiate(msg: bytes) -> NegotiateRequest:
    """Read an SMB2 NEGOTIATE request body (after the header) with its negotiate contexts."""
    body = msg[SMB2_HEADER:]
    if len(body) < 36:
        raise SMBError("truncated NEGOTIATE")
    size, count, mode, _, caps = struct.unpack_from("<HHHHI", body, 0)
    if size != 36 or count == 0 or count > MAX_DIALECTS or 36 + 2 * count > len(body):
        raise SMBError("bad NEGOTIATE")
    guid = body[12:28]
    dialects = list(struct.unpack_from(f"<{count}H", body, 36))
    req = NegotiateRequest(dialects, mode, caps, guid)
    if 0x0311 in dialects:
        ctx_offset, ctx_count = struct.unpack_from("<IH", body, 28)
        pos = ctx_offset - SMB2_HEADER if ctx_offset else len(body)
        for _ in range(min(ctx_count, MAX_CONTEXTS)):
            pos = (pos + 7) & ~7
            if pos < 0 or pos + 8 > len(body):
                break
            ctype, clen = struct.unpack_from("<HH", body, pos)
            data = body[pos + 8 : pos + 8 + clen]
            if len(data) < clen:
                raise SMBError("truncated negotiate context")
            req.contexts.setdefault(ctype, data)
            pos += 8 + clen
    return req


def _context(ctype: int, data: bytes) -> bytes:
    return struct.pack("<HHI", ctype, len(data), 0) + data


def _pick(offered: bytes, count_fmt: str, supported: tuple[int, ...]) -> int | None:
    """The first of the client's choices (a count then 16-bit ids) that is in ``supported``."""
    if len(offered) < 2:
        return None
    (count,) = struct.unpack_from(count_fmt, offered, 0)
    start = 2 if count_fmt == "<H" else 0
    ids = [
        int.from_bytes(offered[start + 2 * i : start + 2 * i + 2], "little")
        for i in range(min(count, 16))
        if start + 2 * i + 2 <= len(offered)
    ]
    return next((i for i in ids if i in supported), None)


def negotiate_contexts(req: NegotiateRequest, salt: bytes) -> list[bytes]:
    """Response contexts for a 3.1.1 NEGOTIATE: preauth integrity, and the cipher/signing chosen."""
    out = [_context(CTX_PREAUTH, struct.pack("<HHH", 1, len(salt), 1) + salt)]
    if CTX_ENCRYPTION in req.contexts:
        cipher = _pick(req.contexts[CTX_ENCRYPTION], "<H", (2, 1, 4, 3))
        out.append(_context(CTX_ENCRYPTION, struct.pack("<HH", 1, cipher or 0)))
    if CTX_SIGNING in req.contexts:
        algo = _pick(req.contexts[CTX_SIGNING], "<H", (2, 1, 0))
        out.append(_context(CTX_SIGNING, struct.pack("<HH", 1, 1 if algo is None else algo)))
    return out


def negotiate_response(
    *,
    dialect: int,
    security_mode: int,
    server_guid: bytes,
    capabilities: int,
    system_time: int,
    security_blob: bytes,
    contexts: list[bytes],
    max_size: int = 8388608,
) -> bytes:
    """An SMB2 NEGOTIATE response body (without the header)."""
    blob_offset = SMB2_HEADER + 64
    fixed = struct.pack(
        "<HHHH16sIIIIQQHHI",
        65,
        security_mode,
        dialect,
        len(contexts) if dialect == 0x0311 else 0,
        server_guid,
        capabilities,
        max_size,
        max_size,
        max_size,
        system_time,
        0,
        blob_offset,
        len(security_blob),
        0,
    )
    body = bytearray(fixed + security_blob)
    if dialect == 0x0311 and contexts:
        while (SMB2_HEADER + len(body)) % 8:
            body.append(0)
        struct.pack_into("<I", body, 60, SMB2_HEADER + len(body))
        for index, ctx in enumerate(contexts):
            body += ctx
            if index < len(contexts) - 1:
                while (SMB2_HEADER + len(body)) % 8:
                    body.append(0)
    return bytes(body)


@dataclass(frozen=True, slots=True)
class SessionSetup:
    """An SMB2 SESSION_SETUP request."""

    flags: int
    security_mode: int
    capabilities: int
    previous_session: int
    blob: bytes


def parse_session_setup(msg: bytes) -> SessionSetup:
    """Read an SMB2 SESSION_SETUP request body."""
    body = msg[SMB2_HEADER:]
    if len(body) < 24:
        raise SMBError("truncated SESSION_SETUP")
    size, flags, mode, caps, _channel, offset, length, previous = struct.unpack_from("<HBBIIHHQ", body, 0)
    if size != 25:
        raise SMBError("bad SESSION_SETUP")
    start = offset - SMB2_HEADER
    if length and (start < 24 or start + length > len(body)):
        raise SMBError("security buffer outside the message")
    return SessionSetup(flags, mode, caps, previous, body[start : start + length] if length else b"")


def session_setup_response(blob: bytes, session_flags: int = 0) -> bytes:
    """An SMB2 SESSION_SETUP response body carrying ``blob``."""
    return struct.pack("<HHHH", 9, session_flags, SMB2_HEADER + 8, len(blob)) + blob


def tree_connect_path(msg: bytes) -> str:
    """The UNC path of a TREE_CONNECT request (bounded; '' if malformed)."""
    body = msg[SMB2_HEADER:]
    if len(body) < 8:
        return ""
    offset, length = struct.unpack_from("<HH", body, 4)
    start = offset - SMB2_HEADER
    if start < 8 or start + length > len(body):
        return ""
    return body[start : start + min(length, 1024)].decode("utf-16-le", "replace")


# -- what a share listing needs (tree connect to IPC$, the srvsvc pipe) -----------------------

STATUS_BUFFER_OVERFLOW = 0x80000005
STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034
STATUS_BAD_NETWORK_NAME = 0xC00000CC
STATUS_FILE_CLOSED = 0xC0000128
STATUS_PIPE_EMPTY = 0xC00000D9
FSCTL_PIPE_TRANSCEIVE = 0x0011C017
CREATE, CLOSE, READ, WRITE, IOCTL, TREE_DISCONNECT = 0x05, 0x06, 0x08, 0x09, 0x0B, 0x04


def _slice(body: bytes, offset: int, length: int, fixed: int) -> bytes:
    start = offset - SMB2_HEADER
    if length == 0:
        return b""
    if start < fixed or start + length > len(body):
        raise SMBError("buffer outside the message")
    return body[start : start + length]


def tree_connect_response(share_type: int) -> bytes:
    """A TREE_CONNECT response (share type 1 disk, 2 pipe), full access."""
    return struct.pack("<HBBIII", 16, share_type, 0, 0x30 if share_type == 2 else 0, 0, 0x001F01FF)


def create_name(msg: bytes) -> str:
    """The file name of a CREATE request."""
    body = msg[SMB2_HEADER:]
    if len(body) < 56:
        raise SMBError("truncated CREATE")
    offset, length = struct.unpack_from("<HH", body, 44)
    return _slice(body, offset, min(length, 1024), 56).decode("utf-16-le", "replace")


def create_response(file_id: bytes) -> bytes:
    """A CREATE response for an opened pipe."""
    return (
        struct.pack("<HBBI", 89, 0, 0, 1)
        + bytes(32)
        + struct.pack("<QQII", 4096, 0, 0x80, 0)
        + file_id
        + struct.pack("<II", 0, 0)
        + b"\x00"
    )


def file_id_at(msg: bytes, at: int) -> bytes:
    """The 16-byte FileId at body offset ``at``."""
    body = msg[SMB2_HEADER:]
    if len(body) < at + 16:
        raise SMBError("truncated request")
    return body[at : at + 16]


def write_data(msg: bytes) -> tuple[bytes, bytes]:
    """(FileId, data) of a WRITE request."""
    body = msg[SMB2_HEADER:]
    if len(body) < 48:
        raise SMBError("truncated WRITE")
    offset, length = struct.unpack_from("<HI", body, 2)
    return body[16:32], _slice(body, offset, length, 48)


def write_response(count: int) -> bytes:
    """A WRITE response."""
    return struct.pack("<HHIIHH", 17, 0, count, 0, 0, 0) + b"\x00"


def read_request(msg: bytes) -> tuple[bytes, int]:
    """(FileId, length) of a READ request."""
    body = msg[SMB2_HEADER:]
    if len(body) < 48:
        raise SMBError("truncated READ")
    return body[16:32], int.from_bytes(body[4:8], "little")


def read_response(data: bytes) -> bytes:
    """A READ response carrying ``data``."""
    return struct.pack("<HBBIII", 17, SMB2_HEADER + 16, 0, len(data), 0, 0) + data


def ioctl_request(msg: bytes) -> tuple[int, bytes, bytes, int]:
    """(control code, FileId, input, max output) of an IOCTL request."""
    body = msg[SMB2_HEADER:]
    if len(body) < 56:
        raise SMBError("truncated IOCTL")
    code = int.from_bytes(body[4:8], "little")
    in_offset, in_count, _, _, _, max_out = struct.unpack_from("<IIIIII", body, 24)
    return code, body[8:24], _slice(body, in_offset, in_count, 56), max_out


def ioctl_response(code: int, file_id: bytes, output: bytes) -> bytes:
    """An IOCTL response with ``output``."""
    out_offset = SMB2_HEADER + 48
    return (
        struct.pack("<HHI", 49, 0, code)
        + file_id
        + struct.pack("<IIIIII", out_offset, 0, out_offset, len(output), 0, 0)
        + output
    )


def close_response() -> bytes:
    """A CLOSE response (no attributes)."""
    return struct.pack("<HH", 60, 0) + bytes(56)


def empty_response() -> bytes:
    """A 4-byte response body (TREE_DISCONNECT, LOGOFF, ECHO)."""
    return struct.pack("<HH", 4, 0)
