"""The sip service: an Asterisk (chan_pjsip) registrar that challenges every REGISTER and INVITE."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from email.utils import formatdate
from typing import ClassVar

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.dns.transport import (
    SourceLimiter,
    TcpConn,
    TcpListeners,
    UdpListener,
    open_udp_and_tcp,
    read_exact,
)
from decnet.services.sip import message as sm
from decnet.services.sip.config import SIPConfig
from decnet.services.text import clip

#: Asterisk versions by distro where the persona names none (what a source or distro build reports).
ASTERISK_FALLBACK = {
    "debian": "20.5.2",
    "rocky9": "18.20.0",
    "centos7": "16.30.0",
    "fedora": "20.5.2",
    "alpine": "20.5.2",
    "arch": "21.1.0",
}
ALLOW = (
    "OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER"
)
ACCEPT = (
    "application/sdp, application/simple-message-summary, application/pidf+xml, application/xpidf+xml, "
    "application/dialog-info+xml, application/cpim-pidf+xml, message/sipfrag;version=2.0"
)
SUPPORTED = "100rel, timer, replaces, norefersub, histinfo"
CHALLENGED = {"REGISTER", "INVITE", "SUBSCRIBE", "MESSAGE", "PUBLISH", "REFER", "NOTIFY", "UPDATE", "INFO"}
NO_DIALOG = {"BYE", "CANCEL", "PRACK"}
NONCE_LIFETIME = 32  # seconds, pjsip's default
#: User-Agent substrings of SIP scanners and brute forcers, by tool.
SCANNERS = {
    "friendly-scanner": "sipvicious",
    "sipvicious": "sipvicious",
    "sipcli": "sipcli",
    "sip-scan": "sip-scan",
    "sipsak": "sipsak",
    "vaxsipuseragent": "vaxsip",
    "pplsip": "pplsip",
    "sundayddr": "sundayddr",
    "iwar": "iwar",
    "nmap nse": "nmap",
}
MAX_LOG = 512


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()


def hashcat_sip(server: str, client: str, method: str, params: dict[str, str]) -> str:
    """A SIP digest as hashcat mode 11400 / john's ``sip`` format read it."""
    uri = params.get("uri", "")
    prefix, _, rest = uri.partition(":")
    resource, _, suffix = rest.partition(";")
    fields = [
        server,
        client,
        params.get("username", ""),
        params.get("realm", ""),
        method,
        prefix,
        resource,
        suffix,
        params.get("nonce", ""),
        params.get("cnonce", ""),
        params.get("nc", ""),
        params.get("qop", ""),
        "MD5",
        params.get("response", "").lower(),
    ]
    return "$sip$*" + "*".join(f.replace("*", "") for f in fields)


class SIPService(Service):
    """SIP over UDP and TCP: OPTIONS answered, REGISTER/INVITE challenged, digests captured."""

    slug = "sip"
    default_ports = (5060,)
    config_model: ClassVar[type[ServiceConfig]] = SIPConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        if not isinstance(self.config, SIPConfig):
            self.config = SIPConfig.model_validate(self.config.model_dump(exclude_unset=True))
        assert isinstance(self.config, SIPConfig)
        self.cfg: SIPConfig = self.config
        version = self.persona.version_of("asterisk") or ASTERISK_FALLBACK.get(self.persona.distro, "18.20.0")
        self.server = self.cfg.server or f"Asterisk PBX {version}"
        self.users = dict(item.split(":", 1) for item in self.cfg.users)
        self._secret = secrets.token_bytes(16)
        self.udp: list[UdpListener] = []
        self.tcp = TcpListeners(
            self, self._tcp_client, max_connections=self.cfg.max_connections, on_error=self._bug
        )
        self.bound_ports: list[int] = []

    async def start(self) -> None:
        """UDP and TCP on every port (TCP on the port UDP got, when 0 was asked)."""
        try:
            for port in self.ports:
                udp = UdpListener(
                    self, self._datagram, SourceLimiter(self.cfg.rate, self.cfg.burst), self._bug
                )
                self.udp.append(udp)
                bound = await open_udp_and_tcp(udp, self.tcp, self.ctx.bind_host, port)
                self.bound_ports.append(bound)
        except OSError:
            await self.stop()
            raise
        self.log.info("sip listening on %s ports %s as %s", self.ctx.bind_host, self.bound_ports, self.server)

    async def stop(self) -> None:
        for udp in self.udp:
            udp.close()
        self.udp.clear()
        await self.tcp.close()
        self.bound_ports.clear()

    def _bug(self, exc: BaseException) -> None:
        self.log.error("sip handler failed: %r", exc, exc_info=exc)

    # -- transports ----------------------------------------------------------------------

    def _datagram(
        self, data: bytes, src_ip: str, src_port: int, transport: asyncio.DatagramTransport, port: int
    ) -> None:
        if not data.strip(b"\r\n"):
            return  # keep-alive
        try:
            req = sm.parse(data)
        except sm.SipError as err:
            self._malformed(err, data, src_ip, src_port, None, "udp")
            return
        for reply in self.handle(req, src_ip, src_port, None, "udp", port):
            transport.sendto(reply, (src_ip, src_port))

    async def _tcp_client(self, conn: TcpConn) -> None:
        buf = b""
        loop = asyncio.get_running_loop()
        while conn.actions < self.cfg.max_requests_per_connection:
            deadline = loop.time() + self.cfg.idle_timeout
            split = sm.split_head(buf)
            while split is None:
                if len(buf) > sm.MAX_HEAD:
                    self._malformed(
                        sm.SipError("head too long"), buf, conn.src_ip, conn.src_port, conn.sid, "tcp"
                    )
                    conn.close_reason = "error"
                    return
                try:
                    chunk = await asyncio.wait_for(conn.reader.read(4096), max(0.01, deadline - loop.time()))
                except TimeoutError:
                    conn.close_reason = "timeout"
                    return
                except (ConnectionError, OSError):
                    conn.close_reason = "reset"
                    return
                if not chunk:
                    conn.close_reason = "eof"
                    return
                buf += chunk
                split = sm.split_head(buf)
            head, buf = split
            if not head.strip():
                continue
            conn.actions += 1
            try:
                req = sm.parse_head(head)
                length = sm.content_length(req) or 0
            except sm.SipError as err:
                self._malformed(err, head, conn.src_ip, conn.src_port, conn.sid, "tcp")
                await conn.send(self._bare(400, "Bad Request"))
                conn.close_reason = "error"
                return
            if length > sm.MAX_BODY:
                await conn.send(self._bare(413, "Request Entity Too Large"))
                conn.close_reason = "error"
                return
            if len(buf) < length:
                more = await read_exact(conn, length - len(buf), self.cfg.idle_timeout)
                if more is None:
                    return
                buf += more
            req.body, buf = buf[:length], buf[length:]
            for reply in self.handle(req, conn.src_ip, conn.src_port, conn.sid, "tcp", conn.local_port):
                if not await conn.send(reply):
                    return
        conn.close_reason = "limit"

    # -- the registrar ---------------------------------------------------------------------

    def _malformed(
        self,
        err: Exception,
        data: bytes,
        src_ip: str | None,
        src_port: int | None,
        sid: str | None,
        transport: str,
    ) -> None:
        self.emit(
            "malformed",
            src_ip=src_ip,
            src_port=src_port,
            sid=sid,
            fields={
                "reason": str(err),
                "transport": transport,
                "size": str(len(data)),
                "head": clip(data[:128], 256),
            },
        )

    def nonce(self) -> str:
        stamp = str(int(time.time()))
        return f"{stamp}/{hmac.new(self._secret, stamp.encode(), hashlib.md5).hexdigest()}"

    def nonce_fresh(self, nonce: str) -> bool:
        stamp, _, mac = nonce.partition("/")
        good = hmac.new(self._secret, stamp.encode(), hashlib.md5).hexdigest()
        return (
            stamp.isdigit() and hmac.compare_digest(mac, good) and time.time() - int(stamp) < NONCE_LIFETIME
        )

    def handle(
        self,
        req: sm.Request,
        src_ip: str | None,
        src_port: int | None,
        sid: str | None,
        transport: str,
        port: int,
    ) -> list[bytes]:
        """The responses to one request, emitting its events."""
        fields = {
            "method": clip(req.method, 32),
            "uri": clip(req.uri, MAX_LOG),
            "from": clip(req.header("from") or "", MAX_LOG),
            "to": clip(req.header("to") or "", MAX_LOG),
            "call_id": clip(req.header("call-id") or "", 256),
            "user_agent": clip(req.header("user-agent") or "", 256),
            "contact": clip(req.header("contact") or "", MAX_LOG),
            "transport": transport,
        }
        agent = fields["user_agent"].lower()
        tool = next((name for marker, name in SCANNERS.items() if marker in agent), None)
        if tool is not None:
            fields["scanner"] = tool
        if req.body:
            fields["body"] = clip(req.body, 1024)
        replies: list[bytes] = []
        status = 0
        missing = [h for h in ("via", "from", "to", "call-id", "cseq") if req.header(h) is None]
        if missing:
            status = 400
            replies.append(self._response(req, 400, "Bad Request", src_ip, src_port, port, transport))
        elif req.method == "OPTIONS":
            status = 200
            replies.append(self._response(req, 200, "OK", src_ip, src_port, port, transport, options=True))
        elif req.method == "ACK":
            status = 0
        elif req.method in NO_DIALOG:
            status = 481
            replies.append(
                self._response(req, 481, "Call/Transaction Does Not Exist", src_ip, src_port, port, transport)
            )
        elif req.method in CHALLENGED:
            status, replies = self._challenged(req, src_ip, src_port, sid, port, transport)
        else:
            status = 501
            replies.append(self._response(req, 501, "Not Implemented", src_ip, src_port, port, transport))
        fields["status"] = str(status) if status else "-"
        self.emit("request", src_ip=src_ip, src_port=src_port, sid=sid, fields=fields)
        return replies

    def _challenged(
        self,
        req: sm.Request,
        src_ip: str | None,
        src_port: int | None,
        sid: str | None,
        port: int,
        transport: str,
    ) -> tuple[int, list[bytes]]:
        auth = req.header("authorization") or req.header("proxy-authorization")
        params = sm.digest_params(auth) if auth else None
        ok = False
        if params is not None and params.get("username") is not None:
            ok = self._verify(req.method, params)
            stale = params.get("nonce") is not None and not self.nonce_fresh(params["nonce"])
            secret = hashcat_sip(self.persona.ip, src_ip or "", req.method, params)
            cred = credential_fields(
                params.get("username", ""),
                secret,
                "sip_digest",
                ok=ok,
                method=req.method,
                realm=clip(params.get("realm", ""), 128),
                uri=clip(params.get("uri", ""), MAX_LOG),
                nonce=clip(params.get("nonce", ""), 128),
                response=clip(params.get("response", ""), 64),
                stale="1" if stale else "0",
            )
            self.emit("auth", src_ip=src_ip, src_port=src_port, sid=sid, fields=cred)
        elif auth:
            self.emit(
                "auth",
                src_ip=src_ip,
                src_port=src_port,
                sid=sid,
                fields=credential_fields("", auth, "sip_authorization", ok=False, method=req.method),
            )
        if not ok:
            challenge = (
                f'Digest realm="{self.cfg.realm}",nonce="{self.nonce()}",opaque="{secrets.token_hex(8)}",'
                'algorithm=md5,qop="auth"'
            )
            return 401, [
                self._response(
                    req,
                    401,
                    "Unauthorized",
                    src_ip,
                    src_port,
                    port,
                    transport,
                    extra=[("WWW-Authenticate", challenge)],
                )
            ]
        if req.method == "REGISTER":
            expires = req.header("expires") or "3600"
            extra = [("Expires", expires if expires.isdigit() else "3600"), ("Date", formatdate(usegmt=True))]
            contact = req.header("contact")
            if contact:
                extra.insert(0, ("Contact", f"{contact[:256]};expires={extra[0][1]}"))
            return 200, [self._response(req, 200, "OK", src_ip, src_port, port, transport, extra=extra)]
        if req.method == "INVITE":
            trying = self._response(req, 100, "Trying", src_ip, src_port, port, transport)
            return 486, [trying, self._response(req, 486, "Busy Here", src_ip, src_port, port, transport)]
        return 200, [self._response(req, 200, "OK", src_ip, src_port, port, transport)]

    def _verify(self, method: str, params: dict[str, str]) -> bool:
        password = self.users.get(params.get("username", ""))
        if (
            password is None
            or params.get("realm") != self.cfg.realm
            or not self.nonce_fresh(params.get("nonce", ""))
        ):
            return False
        ha1 = _md5(f"{params['username']}:{self.cfg.realm}:{password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        if params.get("qop"):
            nc, cnonce = params.get("nc", ""), params.get("cnonce", "")
            want = _md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:{params['qop']}:{ha2}")
        else:
            want = _md5(f"{ha1}:{params['nonce']}:{ha2}")
        return hmac.compare_digest(want, params.get("response", "").lower())

    def _bare(self, code: int, reason: str) -> bytes:
        return f"SIP/2.0 {code} {reason}\r\nServer: {self.server}\r\nContent-Length:  0\r\n\r\n".encode()

    def _response(
        self,
        req: sm.Request,
        code: int,
        reason: str,
        src_ip: str | None,
        src_port: int | None,
        port: int,
        transport: str,
        *,
        options: bool = False,
        extra: list[tuple[str, str]] | None = None,
    ) -> bytes:
        lines = [f"SIP/2.0 {code} {reason}"]
        for i, via in enumerate(req.all("via")[:16]):
            if i == 0 and src_ip is not None:
                if ";rport" in via and not any(p.startswith("rport=") for p in via.split(";")):
                    via = via.replace(";rport", f";rport={src_port}", 1)
                via = f"{via};received={src_ip}"
            lines.append(f"Via: {via}")
        call_id = req.header("call-id")
        if call_id is not None:
            lines.append(f"Call-ID: {call_id}")
        if (value := req.header("from")) is not None:
            lines.append(f"From: {value}")
        if (value := req.header("to")) is not None:
            if code > 100 and sm.tag_of(value) is None:
                value = f"{value};tag={secrets.token_hex(16)}"
            lines.append(f"To: {value}")
        if (value := req.header("cseq")) is not None:
            lines.append(f"CSeq: {value}")
        for name, value in extra or []:
            lines.append(f"{name}: {value}")
        if options:
            lines += [
                f"Contact: <sip:{self.persona.ip}:{port}{';transport=tcp' if transport == 'tcp' else ''}>",
                f"Accept: {ACCEPT}",
                f"Allow: {ALLOW}",
                f"Supported: {SUPPORTED}",
                "Accept-Encoding: text/plain",
                "Accept-Language: en",
            ]
        elif code in (401, 200, 486):
            lines += [f"Allow: {ALLOW}"] if code != 401 else []
        lines += [f"Server: {self.server}", "Content-Length:  0", "", ""]
        return "\r\n".join(lines).encode("utf-8", "replace")
