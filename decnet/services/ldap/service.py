"""The ldap service: an Active Directory domain controller or an OpenLDAP slapd, per persona.

Binds are where credentials come from: simple binds give a DN and a plaintext password,
SASL PLAIN a plaintext password, and NTLM (SASL GSS-SPNEGO / NTLM, or Microsoft's "Sicily"
bind that ldap3 and Windows tools use) a hashcat NTLMv2 line. Every bind fails the way the
product fails (AD: ``80090308 ... data 52e``); anonymous binds succeed and may read the
rootDSE, which names the directory the way a scanner expects.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Any, ClassVar

from decnet.fleet.catalog.distros import DISTROS
from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.http.parser import Closed
from decnet.services.https.cert import ensure_certificate
from decnet.services.ldap import codec as c
from decnet.services.ldap.config import LDAPConfig
from decnet.services.ldap.directory import (
    AD_INVALID_CREDENTIALS,
    AD_NEEDS_BIND,
    AD_SASL_INVALID,
    AD_UNSUPPORTED_MECH,
    Directory,
    dn_of,
    select,
)
from decnet.services.ntlm import ber, spnego
from decnet.services.ntlm.capture import auth_fields
from decnet.services.ntlm.identity import DEFAULT_SERVER_DOMAIN, dns_domain, identity_for
from decnet.services.ntlm.ntlmssp import AUTHENTICATE, NEGOTIATE, NTLMError, NTLMServer, message_type
from decnet.services.ntlm.stream import read_element
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

#: Most LDAP operations answered on one connection.
MAX_OPERATIONS = 1000
STARTTLS_OID = "1.3.6.1.4.1.1466.20037"
WHOAMI_OID = "1.3.6.1.4.1.4203.1.11.3"
#: TLS 1.2 suites both Windows Server (SChannel) and GnuTLS's NORMAL still offer, CBC-SHA included.
TLS_CIPHERS = (
    "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:DHE+AES:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"
)
_OPENLDAP_NO_SECRET = "SASL(-13): user not found: no secret in database"  # noqa: S105 (an error text)


@dataclass(slots=True)
class _Conn:
    """Per-connection LDAP state."""

    ntlm: NTLMServer | None = None
    ntlm_method: str = ""
    spnego: bool = False
    tls: bool = False


def default_base_dn(persona: Any, domain: str, flavour: str) -> str:
    """The naming context a fresh install would have."""
    if flavour == "ad":
        return dn_of(domain, upper=True)
    distro = DISTROS.get(persona.distro)
    lineage = f"{distro.os_id} {distro.id_like}" if distro is not None else ""
    if "rhel" in lineage or "fedora" in lineage:
        return "dc=my-domain,dc=com"  # the openldap-servers package's default suffix
    return dn_of(domain, upper=False) if domain else "dc=nodomain"


class LDAPService(StreamService):
    """LDAP on 389 and LDAPS on 636 (StartTLS on 389)."""

    slug = "ldap"
    default_ports = (389, 636)
    config_model: ClassVar[type[ServiceConfig]] = LDAPConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, LDAPConfig)
        self.cfg: LDAPConfig = self.config
        flavour = self.cfg.flavour or ("ad" if self.persona.os_family == "windows" else "openldap")
        domain = dns_domain(self.persona, self.cfg.domain)
        if flavour == "ad" and not domain:
            domain = DEFAULT_SERVER_DOMAIN
        self.identity = identity_for(self.persona, domain=domain)
        base = self.cfg.base_dn or default_base_dn(self.persona, domain, flavour)
        self.directory = Directory(flavour, self.persona, domain, base, starttls=self.cfg.starttls)
        self._ssl: ssl.SSLContext | None = None

    # -- TLS ------------------------------------------------------------------------------

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
        """Make (or load) the certificate when a TLS port or StartTLS is on."""
        if self.cfg.starttls or self._tls_ports():
            self._context()

    def _tls_ports(self) -> list[int]:
        return [port for port in self.ports if port in self.cfg.tls_ports]

    def tls_context(self, port: int) -> ssl.SSLContext | None:
        """TLS from the first byte on the ldaps port(s)."""
        index = self.port_index(port)
        configured = self.ports[index] if index < len(self.ports) else port
        return self._context() if configured in self.cfg.tls_ports else None

    # -- framing ----------------------------------------------------------------------------

    async def _read_message(self, s: Session) -> bytes:
        return await read_element(s, self.cfg.max_message_bytes)

    # -- session ----------------------------------------------------------------------------

    async def session(self, s: Session) -> None:
        """Answer LDAP operations until unbind, EOF or a malformed message."""
        conn = _Conn(tls=self.tls_context(s.local_port) is not None)
        while s.actions < MAX_OPERATIONS:
            data = await self._read_message(s)
            try:
                msg = c.parse_message(data)
            except ber.BERError as exc:
                self.event(s, "request", {"error": clip(str(exc), 128), "bytes": str(len(data))})
                raise Closed("protocol") from None
            s.actions += 1
            try:
                if not await self._dispatch(s, conn, msg):
                    return
            except (ber.BERError, NTLMError) as exc:
                op = c.OP_NAMES.get(msg.op, f"op{msg.op}")
                self.event(s, "request", {"operation": op, "error": clip(str(exc), 128)})
                if msg.op in c.RESPONSE_OF or msg.op in (c.BIND, c.SEARCH):
                    tag = {c.BIND: c.BIND_RESP, c.SEARCH: c.SEARCH_DONE}.get(msg.op) or c.RESPONSE_OF[msg.op]
                    await s.send(c.message(msg.msg_id, c.result(tag, c.PROTOCOL_ERROR, "decoding error")))
                raise Closed("protocol") from None

    async def _dispatch(self, s: Session, conn: _Conn, msg: c.Message) -> bool:
        if msg.op == c.BIND:
            await self._bind(s, conn, msg)
        elif msg.op == c.SEARCH:
            await self._search(s, msg)
        elif msg.op == c.UNBIND:
            self.event(s, "unbind", {})
            return False
        elif msg.op == c.ABANDON:
            self.event(s, "request", {"operation": "abandon"})
        elif msg.op == c.EXTENDED:
            return await self._extended(s, conn, msg)
        elif msg.op in c.RESPONSE_OF:
            await self._refuse(s, msg)
        else:
            self.event(s, "request", {"operation": f"op{msg.op}"})
            raise Closed("protocol")
        return True

    async def _send_result(
        self, s: Session, msg_id: int, tag: int, code: int, text: str = "", **kw: Any
    ) -> None:
        await s.send(c.message(msg_id, c.result(tag, code, text, **kw)))

    # -- bind ----------------------------------------------------------------------------------

    async def _bind(self, s: Session, conn: _Conn, msg: c.Message) -> None:
        req = c.parse_bind(msg.body)
        ad = self.directory.is_ad
        base_fields = {"version": str(req.version), "dn": clip(req.name, 512), "method": req.method}
        if req.version not in (2, 3) or (req.version == 2 and not ad):
            text = (
                "historical protocol version requested, use LDAPv3 instead"
                if req.version == 2
                else "requested protocol version not allowed"
            )
            self.event(s, "bind", {**base_fields, "result": str(c.PROTOCOL_ERROR)})
            await self._send_result(s, msg.msg_id, c.BIND_RESP, c.PROTOCOL_ERROR, text)
            return
        if req.method == "simple":
            await self._simple_bind(s, msg.msg_id, req, base_fields)
        elif req.method == "sasl":
            await self._sasl_bind(s, conn, msg.msg_id, req, base_fields)
        elif req.method.startswith("sicily") and ad:
            await self._sicily_bind(s, conn, msg.msg_id, req, base_fields)
        else:
            self.event(s, "bind", {**base_fields, "result": str(c.AUTH_METHOD_NOT_SUPPORTED)})
            text = AD_UNSUPPORTED_MECH if ad else ""
            await self._send_result(s, msg.msg_id, c.BIND_RESP, c.AUTH_METHOD_NOT_SUPPORTED, text)

    async def _simple_bind(self, s: Session, msg_id: int, req: c.BindRequest, fields: dict[str, str]) -> None:
        ad = self.directory.is_ad
        if not req.password:
            if req.name and not ad:
                code, text = c.UNWILLING_TO_PERFORM, "unauthenticated bind (DN with no password) disallowed"
            else:
                code, text = c.SUCCESS, ""
            self.event(s, "bind", {**fields, "anonymous": "true", "result": str(code)})
            await self._send_result(s, msg_id, c.BIND_RESP, code, text)
            return
        auth = credential_fields(req.name, req.password, ok=False, method="simple", version=fields["version"])
        self.event(s, "auth", auth)
        await self._send_result(
            s, msg_id, c.BIND_RESP, c.INVALID_CREDENTIALS, AD_INVALID_CREDENTIALS if ad else ""
        )

    async def _sasl_bind(
        self, s: Session, conn: _Conn, msg_id: int, req: c.BindRequest, fields: dict[str, str]
    ) -> None:
        ad = self.directory.is_ad
        mech = req.mechanism.upper()
        fields = {**fields, "mechanism": clip(req.mechanism, 64)}
        fail_text = AD_SASL_INVALID if ad else _OPENLDAP_NO_SECRET
        if mech == "PLAIN" and req.credentials is not None:
            parts = req.credentials.split(b"\x00")
            if len(parts) == 3:
                auth = credential_fields(
                    parts[1], parts[2], ok=False, method="sasl_plain", authzid=clip(parts[0], 256)
                )
                self.event(s, "auth", auth)
            else:
                self.event(s, "bind", {**fields, "result": str(c.PROTOCOL_ERROR)})
            code = c.AUTH_METHOD_NOT_SUPPORTED
            await self._send_result(s, msg_id, c.BIND_RESP, code, AD_UNSUPPORTED_MECH if ad else _no_mech())
            return
        ntlm_mechs = ("GSS-SPNEGO", "NTLM") if ad else ("NTLM",)
        if mech in ntlm_mechs:
            token = b"" if req.credentials is None else req.credentials
            await self._ntlm_step(s, conn, msg_id, token, fields, f"sasl_{mech.lower()}", fail_text)
            return
        code = c.AUTH_METHOD_NOT_SUPPORTED
        self.event(s, "bind", {**fields, "result": str(code)})
        await self._send_result(s, msg_id, c.BIND_RESP, code, AD_UNSUPPORTED_MECH if ad else _no_mech())

    async def _ntlm_step(
        self,
        s: Session,
        conn: _Conn,
        msg_id: int,
        blob: bytes,
        fields: dict[str, str],
        method: str,
        fail_text: str,
    ) -> None:
        """One step of an NTLM bind inside SASL (raw or SPNEGO)."""
        try:
            token = spnego.unwrap(blob) if blob else None
        except ber.BERError:
            token = None
        ntlm = token.ntlm if token is not None else None
        kind = message_type(ntlm) if ntlm is not None else None
        if kind == NEGOTIATE and ntlm is not None:
            conn.ntlm, conn.ntlm_method = NTLMServer(self.identity), method
            conn.spnego = bool(token and token.spnego)
            challenge = conn.ntlm.challenge(ntlm)
            creds = spnego.response(spnego.ACCEPT_INCOMPLETE, challenge) if conn.spnego else challenge
            self.event(
                s, "bind", {**fields, "stage": "ntlm_negotiate", "result": str(c.SASL_BIND_IN_PROGRESS)}
            )
            extra = ber.tlv(0x87, creds)
            await self._send_result(s, msg_id, c.BIND_RESP, c.SASL_BIND_IN_PROGRESS, extra=extra)
            return
        if kind == AUTHENTICATE and ntlm is not None and conn.ntlm is not None:
            auth = conn.ntlm.authenticate(ntlm)
            if auth.kind == "anonymous":
                self.event(s, "bind", {**fields, "stage": "ntlm_authenticate", "anonymous": "true"})
            else:
                self.event(s, "auth", auth_fields(auth, conn.ntlm.server_challenge, method=method))
            conn.ntlm = None
            await self._send_result(s, msg_id, c.BIND_RESP, c.INVALID_CREDENTIALS, fail_text)
            return
        if token is not None and token.spnego and ntlm is None:
            # Kerberos offered first: steer the client to NTLMSSP, as a DC does when it must.
            self.event(s, "bind", {**fields, "stage": "other_mech", "mechs": ",".join(token.mechs[:8])})
            extra = ber.tlv(0x87, spnego.response(spnego.ACCEPT_INCOMPLETE, None))
            await self._send_result(s, msg_id, c.BIND_RESP, c.SASL_BIND_IN_PROGRESS, extra=extra)
            return
        self.event(s, "bind", {**fields, "stage": "invalid", "result": str(c.INVALID_CREDENTIALS)})
        await self._send_result(s, msg_id, c.BIND_RESP, c.INVALID_CREDENTIALS, fail_text)

    async def _sicily_bind(
        self, s: Session, conn: _Conn, msg_id: int, req: c.BindRequest, fields: dict[str, str]
    ) -> None:
        """Microsoft's NTLM bind: discovery, negotiate (challenge in matchedDN), response."""
        if req.method == "sicily_discovery":
            self.event(s, "bind", {**fields, "result": "0"})
            await self._send_result(s, msg_id, c.BIND_RESP, c.SUCCESS, matched="NTLM")
            return
        if req.method == "sicily_negotiate" and message_type(req.password) == NEGOTIATE:
            conn.ntlm, conn.ntlm_method = NTLMServer(self.identity), "sicily"
            challenge = conn.ntlm.challenge(req.password)
            self.event(s, "bind", {**fields, "stage": "ntlm_negotiate", "result": "0"})
            await self._send_result(s, msg_id, c.BIND_RESP, c.SUCCESS, matched=challenge)
            return
        if (
            req.method == "sicily_response"
            and conn.ntlm is not None
            and message_type(req.password) == AUTHENTICATE
        ):
            auth = conn.ntlm.authenticate(req.password)
            if auth.kind != "anonymous":
                self.event(s, "auth", auth_fields(auth, conn.ntlm.server_challenge, method="sicily"))
            else:
                self.event(s, "bind", {**fields, "stage": "ntlm_authenticate", "anonymous": "true"})
            conn.ntlm = None
            await self._send_result(s, msg_id, c.BIND_RESP, c.INVALID_CREDENTIALS, AD_INVALID_CREDENTIALS)
            return
        self.event(s, "bind", {**fields, "stage": "invalid", "result": str(c.PROTOCOL_ERROR)})
        await self._send_result(s, msg_id, c.BIND_RESP, c.PROTOCOL_ERROR, "")

    # -- search ----------------------------------------------------------------------------------

    async def _search(self, s: Session, msg: c.Message) -> None:
        req = c.parse_search(msg.body)
        d = self.directory
        base = req.base.decode("utf-8", "replace").strip()
        entries: list[bytes] = []
        code, text = c.SUCCESS, ""
        if not base and req.scope == 0:
            attrs, operational = d.root_dse()
            chosen = select(attrs, operational, req.attributes, all_by_default=d.is_ad)
            if req.types_only:
                chosen = [(name, []) for name, _ in chosen]
            entries.append(c.entry("", chosen))
        elif d.is_ad:
            code, text = c.OPERATIONS_ERROR, AD_NEEDS_BIND
        else:
            lowered = base.lower().replace(", ", ",")
            suffix = d.base_dn.lower()
            if lowered == suffix:
                if req.scope in (0, 2) and "objectclass" in req.filter.lower():
                    dn, attrs = d.base_entry()
                    entries.append(c.entry(dn, select(attrs, [], req.attributes, all_by_default=False)))
            elif not lowered.endswith("," + suffix):
                code = c.NO_SUCH_OBJECT
        for item in entries:
            await s.send(c.message(msg.msg_id, item))
        await self._send_result(s, msg.msg_id, c.SEARCH_DONE, code, text)
        self.event(
            s,
            "search",
            {
                "base": clip(req.base, 512),
                "scope": {0: "base", 1: "one", 2: "sub"}.get(req.scope, str(req.scope)),
                "filter": clip(req.filter, 1024),
                "attributes": clip(",".join(req.attributes), 1024),
                "entries": str(len(entries)),
                "result": str(code),
            },
        )

    # -- the rest -----------------------------------------------------------------------------------

    async def _extended(self, s: Session, conn: _Conn, msg: c.Message) -> bool:
        req = c.parse_extended(msg.body)
        self.event(s, "extended", {"oid": clip(req.name, 128)})
        if req.name == STARTTLS_OID and self.cfg.starttls and not conn.tls:
            name = ber.tlv(0x8A, STARTTLS_OID.encode())
            if s.stream.buf:
                raise Closed("protocol")
            # The ClientHello follows the response at once: leave it in the socket for TLS.
            _pause_reading(s)
            await self._send_result(s, msg.msg_id, 24, c.SUCCESS, extra=name)
            await s.writer.start_tls(self._context(), ssl_handshake_timeout=min(s.idle_timeout, 30.0))
            conn.tls = True
            sslobj: Any = s.writer.get_extra_info("ssl_object")
            if sslobj is not None:
                s.extra = {"tls_version": clip(str(sslobj.version() or ""), 32)}
            return True
        if req.name == WHOAMI_OID:
            await self._send_result(s, msg.msg_id, 24, c.SUCCESS, extra=ber.tlv(0x8B, b""))
            return True
        text = "unsupported extended operation" if not self.directory.is_ad else _ad_unsupported_ext()
        await self._send_result(s, msg.msg_id, 24, c.PROTOCOL_ERROR, text)
        return True

    async def _refuse(self, s: Session, msg: c.Message) -> None:
        op = c.OP_NAMES.get(msg.op, f"op{msg.op}")
        dn = c.target_dn(msg.body)
        self.event(s, "request", {"operation": op, "dn": clip(dn, 512)})
        if self.directory.is_ad:
            code, text = c.OPERATIONS_ERROR, AD_NEEDS_BIND
        elif msg.op == c.COMPARE:
            code, text = c.INSUFFICIENT_ACCESS, ""
        else:
            code, text = c.STRONG_AUTH_REQUIRED, "modifications require authentication"
        await self._send_result(s, msg.msg_id, c.RESPONSE_OF[msg.op], code, text)


def _no_mech() -> str:
    return "SASL(-4): no mechanism available: "


def _ad_unsupported_ext() -> str:
    return "0000203D: LdapErr: DSID-0C091056, comment: Unknown extended request OID, data 0, v4563\x00"


def _pause_reading(s: Session) -> None:
    """Stop reading from the socket (TLS resumes it) so no TLS bytes land in the stream reader."""
    transport = s.writer.transport
    if isinstance(transport, asyncio.ReadTransport):
        transport.pause_reading()
