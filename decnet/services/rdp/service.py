"""The rdp service: Windows Remote Desktop up to Network Level Authentication.

The client's X.224 Connection Request (``Cookie: mstshash=<user>``, requested protocols) is
answered with the Connection Confirm a current Windows sends; with NLA (the default) the
connection goes to TLS with the decky's certificate and then CredSSP, where the client's NTLM
AUTHENTICATE is captured as a hashcat NTLMv2 line and refused with STATUS_LOGON_FAILURE.
Without NLA, the TLS session's MCS Connect Initial is read for the client's name and build.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.http.parser import Closed
from decnet.services.https.cert import ensure_certificate
from decnet.services.ntlm import ber, spnego
from decnet.services.ntlm.capture import auth_fields
from decnet.services.ntlm.identity import identity_for
from decnet.services.ntlm.ntlmssp import AUTHENTICATE, NEGOTIATE, NTLMError, NTLMServer, message_type
from decnet.services.ntlm.stream import read_element
from decnet.services.rdp import protocol as p
from decnet.services.rdp.config import RDPConfig
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

#: TLS 1.2 suites SChannel on Windows 10 / Server 2019 still offers, CBC-SHA included.
TLS_CIPHERS = "ECDHE+AESGCM:ECDHE+AES:AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA"
#: CredSSP round trips allowed before the connection is dropped.
MAX_CREDSSP_STEPS = 4


class RDPService(StreamService):
    """RDP on 3389."""

    slug = "rdp"
    default_ports = (3389,)
    config_model: ClassVar[type[ServiceConfig]] = RDPConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, RDPConfig)
        self.cfg: RDPConfig = self.config
        self.identity = identity_for(self.persona, domain=self.cfg.domain)
        self._ssl: ssl.SSLContext | None = None

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            cert, key = ensure_certificate(self.ctx.state_dir, self.persona)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers(TLS_CIPHERS)
            context.load_cert_chain(cert, key)
            self._ssl = context
        return self._ssl

    async def prepare(self) -> None:
        """Make (or load) the TLS certificate before listening."""
        self._context()

    # -- framing --------------------------------------------------------------------------------

    async def _read_tpkt(self, s: Session) -> bytes:
        head = await s.read_exactly(4)
        try:
            size = p.tpkt_length(head)
        except p.RDPError:
            self.event(s, "connection_request", {"error": "not_tpkt", "raw": clip(head, 16)})
            raise Closed("protocol") from None
        if size > self.cfg.max_message_bytes:
            raise Closed("oversize")
        return head + await s.read_exactly(size - 4)

    # -- session ----------------------------------------------------------------------------------

    async def session(self, s: Session) -> None:
        """Connection request, confirm, then TLS and CredSSP (or the MCS connect)."""
        tpkt = await self._read_tpkt(s)
        try:
            req = p.parse_connection_request(tpkt)
        except p.RDPError as exc:
            self.event(s, "connection_request", {"error": clip(str(exc), 64)})
            raise Closed("protocol") from None
        s.actions += 1
        selected, failure = self._select(req)
        fields = {
            "cookie": clip(req.cookie, 512),
            "username": clip(req.mstshash, 256),
            "requested": p.requested_names(req.protocols) if req.has_negotiation else "none",
            "requested_flags": f"0x{req.protocols:08x}",
            "selected": p.requested_names(selected) if selected is not None else "failure",
        }
        if req.correlation_id:
            fields["correlation_id"] = req.correlation_id.hex()
        self.event(s, "connection_request", fields)
        if selected is not None:
            # The client's ClientHello follows the confirm at once: keep it in the socket until
            # TLS takes over the transport, or the stream reader would swallow it.
            _pause_reading(s)
        await s.send(p.connection_confirm(selected, failure))
        if selected is None:
            return
        if not await self._tls(s):
            return
        if selected == p.PROTOCOL_HYBRID:
            await self._credssp(s)
        else:
            await self._mcs(s)

    def _select(self, req: p.ConnectionRequest) -> tuple[int | None, int | None]:
        """(selected protocol, failure code) for a request, as Windows decides."""
        wanted = req.protocols if req.has_negotiation else 0
        if self.cfg.nla:
            if wanted & (p.PROTOCOL_HYBRID | p.PROTOCOL_HYBRID_EX):
                return p.PROTOCOL_HYBRID, None
            return None, p.HYBRID_REQUIRED_BY_SERVER
        if wanted & p.PROTOCOL_SSL or wanted & (p.PROTOCOL_HYBRID | p.PROTOCOL_HYBRID_EX):
            return p.PROTOCOL_SSL, None
        return None, p.SSL_REQUIRED_BY_SERVER

    async def _tls(self, s: Session) -> bool:
        if s.stream.buf:
            raise Closed("protocol")
        try:
            await s.writer.start_tls(self._context(), ssl_handshake_timeout=min(s.idle_timeout, 30.0))
        except (ssl.SSLError, ConnectionError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            self.event(s, "tls_error", {"reason": clip(str(reason), 200)})
            s.close_reason = "tls"
            return False
        sslobj: Any = s.writer.get_extra_info("ssl_object")
        if sslobj is not None:
            cipher = sslobj.cipher()
            s.extra = {
                "tls_version": clip(str(sslobj.version() or ""), 32),
                "cipher": clip(str(cipher[0]) if cipher else "", 64),
            }
        return True

    async def _credssp(self, s: Session) -> None:
        ntlm: NTLMServer | None = None
        wrapped = False
        for _ in range(MAX_CREDSSP_STEPS):
            data = await read_element(s, self.cfg.max_message_bytes)
            s.actions += 1
            try:
                req = p.parse_ts_request(data)
                token = spnego.unwrap(req.token) if req.token else None
            except (p.RDPError, ber.BERError) as exc:
                self.event(s, "credssp", {"error": clip(str(exc), 128)})
                return
            inner = token.ntlm if token is not None else None
            kind = message_type(inner) if inner is not None else None
            try:
                if kind == NEGOTIATE and inner is not None and token is not None:
                    ntlm, wrapped = NTLMServer(self.identity), token.spnego
                    challenge = ntlm.challenge(inner)
                    neg = ntlm.negotiate
                    assert neg is not None
                    self.event(
                        s,
                        "credssp",
                        {
                            "stage": "negotiate",
                            "version": str(req.version),
                            "client_version": neg.version,
                            "client_domain": clip(neg.domain, 256),
                            "client_workstation": clip(neg.workstation, 256),
                        },
                    )
                    reply = spnego.response(spnego.ACCEPT_INCOMPLETE, challenge) if wrapped else challenge
                    await s.send(p.ts_request(token=reply, version=p.CREDSSP_VERSION))
                    continue
                if kind == AUTHENTICATE and inner is not None and ntlm is not None:
                    auth = ntlm.authenticate(inner)
                    if auth.kind == "anonymous":
                        self.event(s, "credssp", {"stage": "authenticate", "anonymous": "true"})
                    else:
                        self.event(s, "auth", auth_fields(auth, ntlm.server_challenge, method="credssp"))
                    await s.send(p.ts_request(error_code=p.STATUS_LOGON_FAILURE))
                    return
            except NTLMError as exc:
                self.event(s, "credssp", {"error": clip(str(exc), 128)})
                return
            self.event(s, "credssp", {"stage": "unexpected", "version": str(req.version)})
            await s.send(p.ts_request(error_code=p.STATUS_LOGON_FAILURE))
            return

    async def _mcs(self, s: Session) -> None:
        data = await self._read_tpkt(s)
        s.actions += 1
        core = p.parse_client_core(data)
        fields = {"bytes": str(len(data))}
        if core is not None:
            fields.update(
                client_name=clip(core.name, 64),
                client_build=str(core.build),
                keyboard_layout=f"0x{core.keyboard:08x}",
                desktop=f"{core.width}x{core.height}",
            )
        self.event(s, "mcs_connect", fields)


def _pause_reading(s: Session) -> None:
    """Stop reading from the socket (TLS resumes it) so no TLS bytes land in the stream reader."""
    transport = s.writer.transport
    if isinstance(transport, asyncio.ReadTransport):
        transport.pause_reading()
