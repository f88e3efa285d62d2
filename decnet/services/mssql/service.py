"""The mssql service: pre-login as the persona's SQL Server, LOGIN7 credentials, error 18456."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.https.cert import ensure_certificate
from decnet.services.mssql import tds, tls
from decnet.services.mssql.config import MSSQLConfig
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

#: SQL Server on Linux per distro (the persona's catalog only has it for Windows platforms).
_LINUX_VERSIONS = {
    "ubuntu20": "15.0.4345.5",
    "ubuntu22": "16.0.4105.2",
    "rocky9": "16.0.4105.2",
    "centos7": "15.0.4335.1",
}
DEFAULT_VERSION = "15.0.4335.1"


def parse_version(text: str) -> tuple[int, int, int, int]:
    """``15.0.2000.5`` -> (15, 0, 2000, 5)."""
    parts = [int(p) for p in text.split(".")] + [0, 0, 0]
    return parts[0] & 0xFF, parts[1] & 0xFF, parts[2] & 0xFFFF, parts[3] & 0xFFFF


class MSSQLService(StreamService):
    """Microsoft SQL Server as far as an unauthenticated client sees it."""

    slug = "mssql"
    default_ports = (1433,)
    config_model: ClassVar[type[ServiceConfig]] = MSSQLConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, MSSQLConfig)
        self.cfg: MSSQLConfig = self.config
        text = (
            self.cfg.version
            or self.persona.version_of("mssql")
            or _LINUX_VERSIONS.get(self.persona.distro, DEFAULT_VERSION)
        )
        self.version = parse_version(text)
        self.server_name = self.cfg.server_name or self.persona.hostname.split(".", 1)[0].upper()
        self._ssl: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            cert, key = ensure_certificate(Path(self.ctx.state_dir), self.persona)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.maximum_version = ssl.TLSVersion.TLSv1_2  # TDS 7.x: SQL Server negotiates TLS 1.2
            context.options |= ssl.OP_NO_TICKET
            context.load_cert_chain(cert, key)
            self._ssl = context
        return self._ssl

    async def prepare(self) -> None:
        """Make the certificate when encryption is offered."""
        if self.cfg.encryption == "off":
            self._tls_context()

    async def session(self, s: Session) -> None:
        """Pre-login (and the TLS handshake it negotiates), then LOGIN7; every login fails."""
        channel: tls.Channel | None = None
        full = False
        for _ in range(4):
            try:
                kind, payload = await (channel.read_message(s) if channel else tds.read_message(s))
            except tds.TDSError as exc:
                self.event(s, "protocol_error", {"error": clip(str(exc), 200)})
                return
            s.actions += 1
            if kind == tds.PRELOGIN and channel is None:
                answer = await self._prelogin(s, payload)
                if answer is None:
                    return
                if answer in (tds.ENCRYPT_OFF, tds.ENCRYPT_ON):
                    channel = tls.Channel(self._tls_context())
                    try:
                        await channel.handshake(s)
                    except tds.TDSError as exc:
                        self.event(s, "tls_error", {"reason": clip(str(exc), 200)})
                        return
                    s.extra["tls_version"] = channel.version
                    full = answer == tds.ENCRYPT_ON
            elif kind == tds.LOGIN7:
                reply = await self._login(s, payload)
                await s.send(channel.wrap(reply) if channel is not None and full else reply)
                return
            else:
                self.event(s, "protocol_error", {"error": f"unexpected packet type 0x{kind:02x}"})
                return

    async def _prelogin(self, s: Session, payload: bytes) -> int | None:
        """Answer PRELOGIN; the encryption value agreed (None if the packet was bad)."""
        try:
            options = tds.parse_prelogin(payload)
        except tds.TDSError as exc:
            self.event(s, "protocol_error", {"error": str(exc)})
            return None
        asked = options.get(1, b"\x02")[:1] or b"\x02"
        if self.cfg.encryption == "off":
            answer = {0: tds.ENCRYPT_OFF, 1: tds.ENCRYPT_ON, 3: tds.ENCRYPT_ON}.get(
                asked[0], tds.ENCRYPT_NOT_SUP
            )
        else:
            answer = tds.ENCRYPT_NOT_SUP
        fields = {
            "encryption": asked.hex(),
            "instance": clip(options.get(2, b"").rstrip(b"\x00"), 64),
        }
        if len(options.get(0, b"")) >= 6:
            raw = options[0]
            fields["client_version"] = f"{raw[0]}.{raw[1]}.{int.from_bytes(raw[2:4], 'big')}"
        self.event(s, "prelogin", fields)
        await s.send(tds.prelogin_reply(self.version, answer))
        return answer

    async def _login(self, s: Session, payload: bytes) -> bytes:
        """Log the LOGIN7 attempt; the (failure) answer to send."""
        try:
            login = tds.parse_login7(payload)
        except tds.TDSError as exc:
            self.event(s, "protocol_error", {"error": str(exc)})
            return b""
        extra = {
            "method": "sspi" if login.sspi and not login.username else "sql",
            "client_host": clip(login.hostname, 128),
            "app_name": clip(login.app_name, 128),
            "server_name": clip(login.server_name, 128),
            "library": clip(login.library, 64),
            "database": clip(login.database, 128),
            "tds_version": f"0x{login.tds_version:08x}",
        }
        if login.sspi and not login.username:
            self.event(s, "auth", {**extra, "result": "failure", "sspi": clip(login.sspi[:64].hex(), 128)})
            text = (
                "Login failed. The login is from an untrusted domain and cannot be used "
                "with Integrated authentication."
            )
            return tds.error_reply(18452, 1, 14, text, self.server_name)
        secret: bytes | str = login.password
        try:
            text_password = login.password.decode("utf-16-le")
        except UnicodeDecodeError:
            text_password = ""
        if text_password.encode("utf-16-le") == login.password:
            secret = text_password
        self.event(s, "auth", credential_fields(login.username, secret, ok=False, **extra))
        text = f"Login failed for user '{login.username[:128]}'."
        return tds.error_reply(18456, 1, 14, text, self.server_name)
