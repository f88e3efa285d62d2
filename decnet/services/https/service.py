"""The https service: the http service behind TLS with the decky's own certificate."""

from __future__ import annotations

import contextlib
import ssl
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.http.config import HTTPConfig
from decnet.services.http.service import Connection, HTTPService
from decnet.services.http.text import clip
from decnet.services.https.cert import ensure_certificate

#: nginx's default ssl_ciphers.
_CIPHERS = "HIGH:!aNULL:!MD5"


class HTTPSConfig(HTTPConfig):
    """The http options; the certificate is made per decky under its state directory."""


class HTTPSService(HTTPService):
    """HTTP over TLS; handshake failures are events too (scanners, wrong protocols)."""

    slug = "https"
    default_ports = (443,)
    config_model: ClassVar[type[ServiceConfig]] = HTTPSConfig
    scheme: ClassVar[str] = "https"

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        self._ssl: ssl.SSLContext | None = None

    def tls_context(self) -> ssl.SSLContext:
        """The server context (certificate made on first use)."""
        if self._ssl is None:
            cert, key = ensure_certificate(self.ctx.state_dir, self.persona)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers(_CIPHERS)
            context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
            context.set_alpn_protocols(["http/1.1"])
            context.sni_callback = _remember_sni
            context.load_cert_chain(cert, key)
            self._ssl = context
        return self._ssl

    async def start(self) -> None:
        """Make (or load) the certificate, then listen."""
        self.tls_context()
        await super().start()

    async def secure(self, conn: Connection) -> bool:
        """TLS handshake; a failure is logged as a ``tls_error`` event and closes the connection."""
        try:
            await conn.writer.start_tls(self.tls_context(), ssl_handshake_timeout=self.cfg.header_timeout)
        except (ssl.SSLError, ConnectionError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            self._emit(conn, "tls_error", {"reason": clip(str(reason), 200)})
            conn.close_reason = "tls"
            return False
        sslobj: Any = conn.writer.get_extra_info("ssl_object")
        if sslobj is not None:
            cipher = sslobj.cipher()
            conn.extra = {
                "tls_version": clip(str(sslobj.version() or ""), 32),
                "cipher": clip(str(cipher[0]) if cipher else "", 64),
                "sni": clip(str(getattr(sslobj, "decnet_sni", "") or ""), 255),
            }
        return True


def _remember_sni(sslobj: Any, server_name: str | None, context: ssl.SSLContext) -> None:
    """Keep the client's SNI name on its SSL object for the events."""
    with contextlib.suppress(AttributeError):
        sslobj.decnet_sni = server_name or ""
