"""The smb service: SMB2 negotiate and NTLM session setup, as Windows or Samba per the persona.

The attacker's client negotiates a dialect, offers NTLMSSP inside SPNEGO, gets a CHALLENGE
naming the decky (its NetBIOS/DNS names and OS build) and sends its AUTHENTICATE, which is
captured as a hashcat NTLMv2 line; the answer is ``STATUS_LOGON_FAILURE``. An SMB1-only
NEGOTIATE is refused as modern servers do (Samba: dialect index 0xFFFF; Windows: connection
closed), and one offering ``SMB 2.???`` is upgraded to SMB2.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.http.parser import Closed
from decnet.services.ntlm import ber, spnego
from decnet.services.ntlm.capture import auth_fields
from decnet.services.ntlm.identity import identity_for
from decnet.services.ntlm.ntlmssp import (
    AUTHENTICATE,
    NEGOTIATE,
    NTLMError,
    NTLMServer,
    filetime,
    message_type,
)
from decnet.services.smb import protocol as p
from decnet.services.smb import smb1, srvsvc
from decnet.services.smb.config import SMBConfig
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

#: NetBIOS session service packet types.
NB_MESSAGE, NB_REQUEST, NB_POSITIVE, NB_NEGATIVE, NB_KEEPALIVE = 0x00, 0x81, 0x82, 0x83, 0x85
#: Most SMB requests answered on one connection.
MAX_REQUESTS = 256
#: Most bytes buffered per pipe (written, or waiting to be read), trees and open pipes per connection.
MAX_PIPE_BYTES = 65536
MAX_TREES = 16
MAX_PIPES = 16

_CAPS_WINDOWS = 0x0000002F  # DFS, leasing, large MTU, multi-channel, directory leasing
_CAPS_SAMBA = 0x00000007  # DFS, leasing, large MTU


@dataclass(slots=True)
class _Pipe:
    """An open ``srvsvc`` pipe: bytes written and not yet a whole PDU, answers not yet read."""

    inbox: bytearray = field(default_factory=bytearray)
    outbox: bytearray = field(default_factory=bytearray)
    bound: bool = False


@dataclass(slots=True)
class _State:
    """Per-connection SMB state."""

    dialect: int = 0
    session_id: int = 0
    ntlm: NTLMServer | None = None
    logged_in: bool = False  #: an anonymous session was accepted (``guest``)
    smb1_challenge: bytes = b""  #: the classic SMB1 challenge sent in the NT LM 0.12 negotiate
    smb1_uid: int = 0
    trees: dict[int, str] = field(default_factory=dict)  #: tree id -> share name
    pipes: dict[bytes, _Pipe] = field(default_factory=dict)  #: FileId -> open srvsvc pipe


def decode_netbios_name(encoded: bytes) -> str:
    """A first-level-encoded NetBIOS name (32 letters A-P) as text; '' if malformed."""
    if len(encoded) != 32 or any(not 0x41 <= c <= 0x50 for c in encoded):
        return ""
    raw = bytes(((encoded[i] - 0x41) << 4) | (encoded[i + 1] - 0x41) for i in range(0, 32, 2))
    return raw[:15].decode("latin-1").rstrip() + (f"<{raw[15]:02x}>" if raw[15] else "")


class SMBService(StreamService):
    """SMB on 445 (direct TCP) and 139 (NetBIOS session service)."""

    slug = "smb"
    default_ports = (445, 139)
    config_model: ClassVar[type[ServiceConfig]] = SMBConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, SMBConfig)
        self.cfg: SMBConfig = self.config
        self.identity = identity_for(self.persona, domain=self.cfg.domain)
        self.samba = self.persona.os_family != "windows"
        top = self.cfg.max_dialect or self.persona.version_of("smb_dialect", "3.1.1")
        self.max_dialect = p.DIALECTS.get(top, 0x0311)
        self.server_guid = hashlib.sha256(self.persona.seed + b"smb:server-guid").digest()[:16]
        self.shares = self._share_list()

    def _share_list(self) -> list[srvsvc.Share]:
        """What NetShareEnumAll lists: the product's default shares and the configured bait."""
        bait = []
        for item in self.cfg.shares:
            name, _, remark = item.partition("=")
            bait.append(srvsvc.Share(name.strip(), srvsvc.STYPE_DISKTREE, remark.strip()))
        special = srvsvc.STYPE_SPECIAL
        if self.samba:
            version = self.persona.version_of("samba", "4.17.12-Debian")
            return [
                srvsvc.Share("print$", srvsvc.STYPE_DISKTREE, "Printer Drivers"),
                *bait,
                srvsvc.Share("IPC$", srvsvc.STYPE_IPC, f"IPC Service (Samba {version})"),
            ]
        return [
            srvsvc.Share("ADMIN$", special, "Remote Admin"),
            srvsvc.Share("C$", special, "Default share"),
            srvsvc.Share("IPC$", special | srvsvc.STYPE_IPC, "Remote IPC"),
            *bait,
        ]

    # -- framing ----------------------------------------------------------------------

    def _netbios(self, s: Session) -> bool:
        index = self.port_index(s.local_port)
        configured = self.ports[index] if index < len(self.ports) else s.local_port
        return configured in self.cfg.netbios_ports or s.local_port in self.cfg.netbios_ports

    async def _read(self, s: Session) -> tuple[int, bytes]:
        head = await s.read_exactly(4)
        kind = head[0]
        if kind == NB_MESSAGE:
            size = int.from_bytes(head[1:4], "big")
        elif kind in (NB_REQUEST, NB_KEEPALIVE):
            size = ((head[1] & 1) << 16) | int.from_bytes(head[2:4], "big")
        else:
            raise Closed("protocol")
        if size > self.cfg.max_message_bytes:
            raise Closed("oversize")
        return kind, await s.read_exactly(size) if size else b""

    @staticmethod
    async def _send(s: Session, payload: bytes) -> None:
        await s.send(len(payload).to_bytes(4, "big") + payload)

    # -- session ----------------------------------------------------------------------

    async def session(self, s: Session) -> None:
        """Serve one client until it leaves, misbehaves or runs out of requests."""
        state = _State()
        netbios = self._netbios(s)
        first = True
        while s.actions < MAX_REQUESTS:
            kind, msg = await self._read(s)
            if kind == NB_KEEPALIVE:
                continue
            if kind == NB_REQUEST:
                if not (netbios and first):
                    raise Closed("protocol")
                first = False
                await self._netbios_request(s, msg)
                continue
            if netbios and first and not self.samba:
                # Windows answers a message without a session request with "unspecified error".
                s.actions += 1
                self.event(s, "netbios_session", {"called": "", "result": "negative", "error": "0x8f"})
                await s.send(bytes([NB_NEGATIVE, 0, 0, 1, 0x8F]))
                return
            first = False
            s.actions += 1
            if msg.startswith(p.SMB1_MAGIC):
                if not await self._smb1(s, state, msg):
                    return
            elif msg.startswith(p.SMB2_MAGIC):
                await self._smb2(s, state, msg)
            else:
                self.event(s, "request", {"error": "not_smb", "raw": clip(msg[:64], 256)})
                raise Closed("protocol")

    async def _netbios_request(self, s: Session, msg: bytes) -> None:
        called = decode_netbios_name(msg[1:33]) if len(msg) >= 34 and msg[0] == 0x20 else ""
        calling = decode_netbios_name(msg[35:67]) if len(msg) >= 68 and msg[34] == 0x20 else ""
        s.actions += 1
        self.event(
            s,
            "netbios_session",
            {"called": clip(called, 32), "calling": clip(calling, 32), "result": "positive"},
        )
        await s.send(bytes([NB_POSITIVE, 0, 0, 0]))

    # -- SMB1 -------------------------------------------------------------------------

    async def _smb1(self, s: Session, state: _State, msg: bytes) -> bool:
        """Answer an SMB1 message; False ends the connection."""
        if len(msg) > 4 and msg[4] == smb1.SESSION_SETUP_ANDX and state.ntlm is not None and state.smb1_uid:
            return await self._smb1_session_setup(s, state, msg)
        try:
            req = p.parse_smb1_negotiate(msg)
        except p.SMBError:
            self.event(
                s, "request", {"protocol": "smb1", "command": f"0x{msg[4]:02x}" if len(msg) > 4 else ""}
            )
            return False
        smb2 = [d for d in req.dialects if d.startswith("SMB 2.")]
        fields = {
            "protocol": "smb1",
            "dialects": clip(",".join(req.dialects), 1024),
            "smb1_only": "true" if not smb2 else "false",
        }
        if "SMB 2.???" in req.dialects and self.max_dialect >= 0x0210:
            fields["dialect"] = "2.???"
            self.event(s, "negotiate", fields)
            await self._send(s, self._negotiate_reply_smb1(p.WILDCARD))
            return True
        if "SMB 2.002" in req.dialects:
            fields["dialect"] = "2.0.2"
            self.event(s, "negotiate", fields)
            state.dialect = 0x0202
            await self._send(s, self._negotiate_reply_smb1(0x0202))
            return True
        if self.cfg.smb1 and not self.samba and "NT LM 0.12" in req.dialects:
            fields["dialect"] = "NT LM 0.12"
            self.event(s, "negotiate", fields)
            state.ntlm = NTLMServer(self.identity)
            state.smb1_challenge = state.ntlm.server_challenge
            state.smb1_uid = 0x0800 + secrets.randbelow(0x7000)
            await self._send(
                s,
                smb1.negotiate_response(
                    req,
                    msg,
                    index=req.dialects.index("NT LM 0.12"),
                    system_time=filetime(),
                    challenge=state.smb1_challenge,
                    domain=self.identity.nb_domain,
                    server=self.identity.nb_computer,
                    server_guid=self.server_guid,
                    blob=spnego.server_hint(),
                ),
            )
            return True
        fields["dialect"] = "none"
        self.event(s, "negotiate", fields)
        if self.samba:
            await self._send(s, p.smb1_no_dialect(req))
        return False

    async def _smb1_session_setup(self, s: Session, state: _State, msg: bytes) -> bool:
        """SMB1 logon: NTLMSSP in SPNEGO (extended security) or the classic challenge responses."""
        assert state.ntlm is not None
        native = (f"{self.persona.distro_name} {self.identity.version[2]}", f"{self.persona.distro_name} 6.3")
        try:
            req = smb1.parse_session_setup(msg)
        except p.SMBError as exc:
            self.event(
                s, "session_setup", {"protocol": "smb1", "stage": "invalid", "error": clip(str(exc), 128)}
            )
            return False
        client_os = {"client_os": clip(req.native_os, 256)} if req.native_os else {}
        if not req.extended:
            auth = smb1.classic_authenticate(req)
            if auth.kind == "anonymous":
                # Windows with SMB1 accepts a null session (naming its OS); nothing follows it here.
                self.event(
                    s, "session_setup", {"protocol": "smb1", "stage": "authenticate", "anonymous": "true"}
                )
                reply = smb1.session_setup_response(
                    p.STATUS_SUCCESS,
                    msg,
                    state.smb1_uid,
                    blob=None,
                    native_os=native[0],
                    native_lanman=native[1],
                    domain=self.identity.nb_domain,
                )
                await self._send(s, reply)
                return True
            else:
                fields = auth_fields(auth, state.smb1_challenge, method="smb1")
                self.event(s, "auth", {**fields, **client_os, "dialect": "NT LM 0.12"})
            reply = smb1.session_setup_response(
                p.STATUS_LOGON_FAILURE, msg, 0, blob=None, native_os=native[0], native_lanman=native[1]
            )
            await self._send(s, reply)
            return True
        try:
            token = spnego.unwrap(req.blob)
            kind = message_type(token.ntlm) if token.ntlm is not None else None
            if kind == NEGOTIATE and token.ntlm is not None:
                state.ntlm = NTLMServer(self.identity)  # a fresh challenge for every NTLM exchange
                challenge = state.ntlm.challenge(token.ntlm)
                self.event(s, "session_setup", {"protocol": "smb1", "stage": "negotiate", **client_os})
                blob = spnego.response(spnego.ACCEPT_INCOMPLETE, challenge) if token.spnego else challenge
                reply = smb1.session_setup_response(
                    p.STATUS_MORE_PROCESSING_REQUIRED,
                    msg,
                    state.smb1_uid,
                    blob=blob,
                    native_os=native[0],
                    native_lanman=native[1],
                )
                await self._send(s, reply)
                return True
            if kind == AUTHENTICATE and token.ntlm is not None:
                auth = state.ntlm.authenticate(token.ntlm)
                if auth.kind == "anonymous":
                    self.event(
                        s, "session_setup", {"protocol": "smb1", "stage": "authenticate", "anonymous": "true"}
                    )
                else:
                    fields = auth_fields(auth, state.ntlm.server_challenge, method="smb1_ntlmssp")
                    self.event(s, "auth", {**fields, "dialect": "NT LM 0.12"})
                reply = smb1.session_setup_response(
                    p.STATUS_LOGON_FAILURE, msg, 0, blob=b"", native_os=native[0], native_lanman=native[1]
                )
                await self._send(s, reply)
                return True
        except (ber.BERError, NTLMError) as exc:
            self.event(
                s, "session_setup", {"protocol": "smb1", "stage": "invalid", "error": clip(str(exc), 128)}
            )
            return False
        self.event(s, "session_setup", {"protocol": "smb1", "stage": "other_mech"})
        return False

    def _negotiate_reply_smb1(self, dialect: int) -> bytes:
        header = p.Header(p.NEGOTIATE, 0, 1, 0, 0, 0, 0xFEFF, 0, 0)
        return p.response_header(header, p.STATUS_SUCCESS, credits=1) + self._negotiate_body(
            dialect, p.NegotiateRequest([dialect], 0, 0, bytes(16))
        )

    # -- SMB2 -------------------------------------------------------------------------

    def _negotiate_body(self, dialect: int, req: p.NegotiateRequest) -> bytes:
        contexts = p.negotiate_contexts(req, secrets.token_bytes(32)) if dialect == 0x0311 else []
        caps = _CAPS_SAMBA if self.samba else _CAPS_WINDOWS
        if dialect < 0x0300:
            caps &= 0x7  # multi-channel and directory leasing are SMB 3 capabilities
        elif dialect in (0x0300, 0x0302) and req.capabilities & 0x40:
            caps |= 0x40  # encryption
        return p.negotiate_response(
            dialect=dialect,
            security_mode=0x03 if self.cfg.signing_required else 0x01,
            server_guid=self.server_guid,
            capabilities=caps,
            system_time=filetime(),
            security_blob=spnego.server_hint(),
            contexts=contexts,
        )

    async def _reply(
        self, s: Session, h: p.Header, status: int, body: bytes, *, credits: int | None = None
    ) -> None:
        granted = credits if credits is not None else max(1, min(h.credits, 64))
        sess = h.session_id if h.command != p.NEGOTIATE else 0
        header = p.response_header(h, status, credits=granted, session_id=sess)
        await self._send(s, header + body)

    async def _smb2(self, s: Session, state: _State, msg: bytes) -> None:
        try:
            h = p.parse_header(msg)
        except p.SMBError:
            self.event(s, "request", {"protocol": "smb2", "error": "bad_header"})
            raise Closed("protocol") from None
        name = p.COMMANDS.get(h.command, f"0x{h.command:04x}")
        try:
            if h.command == p.NEGOTIATE:
                await self._negotiate(s, state, h, msg)
            elif h.command == p.SESSION_SETUP:
                await self._session_setup(s, state, h, msg)
            elif h.command == p.ECHO:
                self.event(s, "request", {"command": name})
                await self._reply(s, h, p.STATUS_SUCCESS, p.empty_response())
            elif not state.logged_in or h.session_id != state.session_id:
                if h.command == p.TREE_CONNECT:
                    path = p.tree_connect_path(msg)
                    self.event(s, "tree_connect", {"path": clip(path, 512), "result": "no_session"})
                else:
                    self.event(s, "request", {"command": name})
                await self._reply(s, h, p.STATUS_USER_SESSION_DELETED, p.error_body())
            elif h.command in _SESSION_COMMANDS:
                await _SESSION_COMMANDS[h.command](self, s, state, h, msg)
            else:
                self.event(s, "request", {"command": name})
                await self._reply(s, h, p.STATUS_USER_SESSION_DELETED, p.error_body())
        except p.SMBError as exc:
            self.event(s, "request", {"command": name, "error": clip(str(exc), 128)})
            await self._reply(s, h, p.STATUS_INVALID_PARAMETER, p.error_body())

    async def _negotiate(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        req = p.parse_negotiate(msg)
        usable = [
            d for d in req.dialects if d in p.DIALECT_NAMES and d != p.WILDCARD and d <= self.max_dialect
        ]
        dialect = max(usable) if usable else 0
        fields = {
            "protocol": "smb2",
            "dialects": ",".join(p.DIALECT_NAMES.get(d, f"0x{d:04x}") for d in req.dialects),
            "dialect": p.DIALECT_NAMES.get(dialect, "none"),
            "client_guid": req.client_guid.hex(),
            "capabilities": f"0x{req.capabilities:08x}",
            "security_mode": f"0x{req.security_mode:04x}",
        }
        if p.CTX_ENCRYPTION in req.contexts:
            fields["ciphers"] = _id_list(req.contexts[p.CTX_ENCRYPTION], p.CIPHERS)
        if p.CTX_NETNAME in req.contexts:
            fields["netname"] = clip(req.contexts[p.CTX_NETNAME].decode("utf-16-le", "replace"), 256)
        self.event(s, "negotiate", fields)
        if not dialect:
            await self._reply(s, h, p.STATUS_NOT_SUPPORTED, p.error_body(), credits=1)
            raise Closed("protocol")
        state.dialect = dialect
        await self._reply(s, h, p.STATUS_SUCCESS, self._negotiate_body(dialect, req), credits=1)

    async def _session_setup(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        req = p.parse_session_setup(msg)
        try:
            token = spnego.unwrap(req.blob)
        except ber.BERError:
            self.event(s, "session_setup", {"stage": "invalid", "blob_bytes": str(len(req.blob))})
            await self._reply(s, h, p.STATUS_INVALID_PARAMETER, p.error_body())
            return
        kind = message_type(token.ntlm) if token.ntlm is not None else None
        if not state.session_id:
            state.session_id = secrets.randbits(64) | 1
        reply_h = p.Header(
            h.command,
            h.credit_charge,
            h.credits,
            h.flags,
            0,
            h.message_id,
            h.process_id,
            h.tree_id,
            state.session_id,
        )
        if kind == NEGOTIATE and token.ntlm is not None:
            state.ntlm = NTLMServer(self.identity)
            try:
                challenge = state.ntlm.challenge(token.ntlm)
            except NTLMError as exc:
                self.event(s, "session_setup", {"stage": "invalid", "error": clip(str(exc), 128)})
                await self._reply(s, reply_h, p.STATUS_INVALID_PARAMETER, p.error_body())
                return
            neg = state.ntlm.negotiate
            assert neg is not None
            self.event(
                s,
                "session_setup",
                {
                    "stage": "negotiate",
                    "mechs": ",".join(token.mechs[:8]),
                    "client_domain": clip(neg.domain, 256),
                    "client_workstation": clip(neg.workstation, 256),
                    "client_version": neg.version,
                    "ntlm_flags": f"0x{neg.flags:08x}",
                },
            )
            blob = spnego.response(spnego.ACCEPT_INCOMPLETE, challenge) if token.spnego else challenge
            await self._reply(s, reply_h, p.STATUS_MORE_PROCESSING_REQUIRED, p.session_setup_response(blob))
            return
        if kind == AUTHENTICATE and token.ntlm is not None and state.ntlm is not None:
            try:
                auth = state.ntlm.authenticate(token.ntlm)
            except NTLMError as exc:
                self.event(s, "session_setup", {"stage": "invalid", "error": clip(str(exc), 128)})
                await self._reply(s, reply_h, p.STATUS_INVALID_PARAMETER, p.error_body())
                return
            if auth.kind == "anonymous":
                self.event(
                    s,
                    "session_setup",
                    {
                        "stage": "authenticate",
                        "anonymous": "true",
                        "result": "success" if self.cfg.guest else "failure",
                    },
                )
                if self.cfg.guest:
                    state.ntlm, state.logged_in = None, True
                    blob = spnego.response(spnego.ACCEPT_COMPLETED, None, None) if token.spnego else b""
                    await self._reply(s, reply_h, p.STATUS_SUCCESS, p.session_setup_response(blob, 0x0002))
                    return
            else:
                fields = auth_fields(auth, state.ntlm.server_challenge, method="ntlmssp")
                fields["dialect"] = p.DIALECT_NAMES.get(state.dialect, "none")
                self.event(s, "auth", fields)
            state.ntlm = None
            state.session_id = 0
            await self._reply(s, reply_h, p.STATUS_LOGON_FAILURE, p.error_body())
            return
        # Another mechanism (e.g. an optimistic Kerberos token): point the client at NTLMSSP.
        self.event(
            s,
            "session_setup",
            {"stage": "other_mech", "mechs": ",".join(token.mechs[:8]), "blob_bytes": str(len(req.blob))},
        )
        if token.spnego and not token.ntlm:
            blob = spnego.response(spnego.ACCEPT_INCOMPLETE, None)
            await self._reply(s, reply_h, p.STATUS_MORE_PROCESSING_REQUIRED, p.session_setup_response(blob))
            return
        await self._reply(s, reply_h, p.STATUS_INVALID_PARAMETER, p.error_body())

    # -- after an anonymous session: IPC$ and the srvsvc pipe ------------------------------

    async def _logoff(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        self.event(s, "request", {"command": "LOGOFF"})
        state.logged_in, state.trees, state.pipes = False, {}, {}
        await self._reply(s, h, p.STATUS_SUCCESS, p.empty_response())

    async def _tree_connect(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        path = p.tree_connect_path(msg)
        share = path.rsplit("\\", 1)[-1]
        known = {item.name.upper(): item for item in self.shares}
        fields = {"path": clip(path, 512), "share": clip(share, 128)}
        if share.upper() == "IPC$" and len(state.trees) < MAX_TREES:
            tree_id = max(state.trees, default=0) + 1
            state.trees[tree_id] = "IPC$"
            self.event(s, "tree_connect", {**fields, "result": "success"})
            header = p.response_header(h, p.STATUS_SUCCESS, credits=max(1, min(h.credits, 64)))
            header = header[:36] + tree_id.to_bytes(4, "little") + header[40:]
            await self._send(s, header + p.tree_connect_response(2))
            return
        status = p.STATUS_ACCESS_DENIED if share.upper() in known else p.STATUS_BAD_NETWORK_NAME
        self.event(
            s, "tree_connect", {**fields, "result": "denied" if share.upper() in known else "no_such_share"}
        )
        await self._reply(s, h, status, p.error_body())

    async def _tree_disconnect(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        state.trees.pop(h.tree_id, None)
        await self._reply(s, h, p.STATUS_SUCCESS, p.empty_response())

    async def _create(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        name = p.create_name(msg)
        pipe = name.strip("\\").lower()
        ok = h.tree_id in state.trees and pipe == "srvsvc" and len(state.pipes) < MAX_PIPES
        self.event(s, "pipe_open", {"name": clip(name, 256), "result": "success" if ok else "not_found"})
        if not ok:
            await self._reply(s, h, p.STATUS_OBJECT_NAME_NOT_FOUND, p.error_body())
            return
        file_id = secrets.token_bytes(16)
        state.pipes[file_id] = _Pipe()
        await self._reply(s, h, p.STATUS_SUCCESS, p.create_response(file_id))

    async def _close(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        file_id = p.file_id_at(msg, 8)
        gone = state.pipes.pop(file_id, None)
        status = p.STATUS_SUCCESS if gone is not None else p.STATUS_FILE_CLOSED
        await self._reply(s, h, status, p.close_response() if gone is not None else p.error_body())

    async def _write_pipe(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        file_id, data = p.write_data(msg)
        pipe = state.pipes.get(file_id)
        if pipe is None:
            await self._reply(s, h, p.STATUS_FILE_CLOSED, p.error_body())
            return
        self._feed(s, pipe, data)
        await self._reply(s, h, p.STATUS_SUCCESS, p.write_response(len(data)))

    async def _read_pipe(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        file_id, length = p.read_request(msg)
        pipe = state.pipes.get(file_id)
        if pipe is None:
            await self._reply(s, h, p.STATUS_FILE_CLOSED, p.error_body())
            return
        if not pipe.outbox:
            await self._reply(s, h, p.STATUS_PIPE_EMPTY, p.error_body())
            return
        data = bytes(pipe.outbox[: max(0, length)])
        del pipe.outbox[: len(data)]
        status = p.STATUS_BUFFER_OVERFLOW if pipe.outbox else p.STATUS_SUCCESS
        await self._reply(s, h, status, p.read_response(data))

    async def _ioctl(self, s: Session, state: _State, h: p.Header, msg: bytes) -> None:
        code, file_id, data, max_out = p.ioctl_request(msg)
        pipe = state.pipes.get(file_id)
        if code != p.FSCTL_PIPE_TRANSCEIVE or pipe is None:
            self.event(s, "request", {"command": "IOCTL", "ctl_code": f"0x{code:08x}"})
            await self._reply(s, h, p.STATUS_NOT_SUPPORTED, p.error_body())
            return
        self._feed(s, pipe, data)
        out = bytes(pipe.outbox[: max(0, max_out)])
        del pipe.outbox[: len(out)]
        status = p.STATUS_BUFFER_OVERFLOW if pipe.outbox else p.STATUS_SUCCESS
        await self._reply(s, h, status, p.ioctl_response(code, file_id, out))

    def _feed(self, s: Session, pipe: _Pipe, data: bytes) -> None:
        """Take bytes written to the pipe; answer each complete DCE/RPC PDU into its outbox."""
        if len(pipe.inbox) + len(data) > MAX_PIPE_BYTES or len(pipe.outbox) > MAX_PIPE_BYTES:
            raise Closed("oversize")
        pipe.inbox += data
        while True:
            try:
                size = srvsvc.pdu_length(bytes(pipe.inbox[:16]))
                if size is None or len(pipe.inbox) < size:
                    return
                pdu = srvsvc.parse_pdu(bytes(pipe.inbox[:size]))
                del pipe.inbox[:size]
                if pdu.ptype == srvsvc.BIND:
                    answer, pipe.bound = srvsvc.bind_ack(pdu, 0x1000 + secrets.randbelow(0xF000))
                    self.event(
                        s,
                        "rpc",
                        {"interface": "srvsvc", "operation": "bind", "result": str(pipe.bound).lower()},
                    )
                elif pdu.ptype == srvsvc.REQUEST and pipe.bound:
                    answer, opnum, server = srvsvc.call(pdu, self.shares)
                    fields = {"interface": "srvsvc", "opnum": str(opnum), "server": clip(server, 256)}
                    if opnum == srvsvc.OPNUM_SHARE_ENUM_ALL:
                        fields.update(operation="NetrShareEnumAll", shares=str(len(self.shares)))
                    self.event(s, "rpc", fields)
                else:
                    raise srvsvc.RPCError(f"unexpected PDU type {pdu.ptype}")
            except srvsvc.RPCError as exc:
                self.event(s, "rpc", {"interface": "srvsvc", "error": clip(str(exc), 128)})
                raise Closed("protocol") from None
            pipe.outbox += answer


_Handler = Callable[[SMBService, Session, _State, p.Header, bytes], Awaitable[None]]
_SESSION_COMMANDS: dict[int, _Handler] = {
    p.LOGOFF: SMBService._logoff,
    p.TREE_CONNECT: SMBService._tree_connect,
    p.TREE_DISCONNECT: SMBService._tree_disconnect,
    p.CREATE: SMBService._create,
    p.CLOSE: SMBService._close,
    p.WRITE: SMBService._write_pipe,
    p.READ: SMBService._read_pipe,
    p.IOCTL: SMBService._ioctl,
}


def _id_list(data: bytes, names: dict[int, str]) -> str:
    if len(data) < 2:
        return ""
    count = min(int.from_bytes(data[:2], "little"), 16)
    ids = [
        int.from_bytes(data[2 + 2 * i : 4 + 2 * i], "little") for i in range(count) if 4 + 2 * i <= len(data)
    ]
    return ",".join(names.get(i, f"0x{i:04x}") for i in ids)
