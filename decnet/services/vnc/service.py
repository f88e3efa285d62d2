"""The vnc service: an RFB server that asks for the VNC password and records the DES response.

The client gets the persona's server (TigerVNC or x11vnc on Linux, TightVNC on Windows), the
RFB 3.8 handshake (3.7 and 3.3 for older clients), security type 2 (VNC authentication) and a
fresh 16-byte challenge. Its 16-byte answer (the challenge DES-encrypted with the password)
is captured as ``$vnc$*challenge*response`` and always refused with that server's reason.
Addresses that keep failing are locked out with "Too many security failures", as TigerVNC does.
"""

from __future__ import annotations

import secrets
import struct
import time
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.http.parser import Closed
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip
from decnet.services.vnc import rfb
from decnet.services.vnc.config import VNCConfig

#: Most addresses remembered by the lock-out list.
MAX_BLACKLIST = 4096


class VNCService(StreamService):
    """VNC authentication on 5900."""

    slug = "vnc"
    default_ports = (5900,)
    config_model: ClassVar[type[ServiceConfig]] = VNCConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, VNCConfig)
        self.cfg: VNCConfig = self.config
        default = "tightvnc" if self.persona.os_family == "windows" else "tigervnc"
        self.flavour = rfb.FLAVOURS[self.cfg.server or default]
        #: address -> (failures, locked until (monotonic), current lock-out seconds)
        self._failures: dict[str, tuple[int, float, float]] = {}

    # -- lock-out ---------------------------------------------------------------------------

    def _locked(self, ip: str | None) -> bool:
        if ip is None or not self.cfg.blacklist_threshold:
            return False
        _, until, _ = self._failures.get(ip, (0, 0.0, 0.0))
        return time.monotonic() < until

    def _record_failure(self, ip: str | None) -> None:
        if ip is None or not self.cfg.blacklist_threshold:
            return
        count, until, span = self._failures.get(ip, (0, 0.0, self.cfg.blacklist_timeout / 2))
        count += 1
        if count >= self.cfg.blacklist_threshold:
            span = min(span * 2, 86400.0)
            until, count = time.monotonic() + span, 0
        if ip not in self._failures and len(self._failures) >= MAX_BLACKLIST:
            now = time.monotonic()
            stale = [k for k, (_, end, _) in self._failures.items() if end < now]
            for key in stale[: len(stale) // 2 + 1] or list(self._failures)[:1]:
                del self._failures[key]
        self._failures[ip] = (count, until, span)

    # -- session ----------------------------------------------------------------------------

    async def session(self, s: Session) -> None:
        """The handshake up to the security result."""
        await s.send(self.flavour.version)
        raw = await s.read_exactly(12)
        version = rfb.parse_version(raw)
        if version is None:
            self.event(s, "handshake", {"error": "bad_version", "raw": clip(raw, 64)})
            raise Closed("protocol")
        minor = rfb.effective_minor(*version)
        s.actions += 1
        fields = {"client_version": f"{version[0]}.{version[1]}", "protocol": f"3.{minor}"}
        if self._locked(s.src_ip):
            self.event(s, "handshake", {**fields, "locked_out": "true"})
            if minor == 3:
                await s.send(struct.pack(">I", 0) + rfb.reason(rfb.TOO_MANY))
            else:
                await s.send(b"\x00" + rfb.reason(rfb.TOO_MANY))
            return
        if minor == 3:
            await s.send(struct.pack(">I", rfb.VNC_AUTH))
        else:
            await s.send(bytes([1, rfb.VNC_AUTH]))
            chosen = (await s.read_exactly(1))[0]
            fields["security_type"] = str(chosen)
            if chosen != rfb.VNC_AUTH:
                self.event(s, "handshake", {**fields, "error": "unsupported_security_type"})
                failure = struct.pack(">I", 1)
                await s.send(failure + (rfb.reason("Security type not supported") if minor == 8 else b""))
                return
        self.event(s, "handshake", fields)
        challenge = secrets.token_bytes(16)
        await s.send(challenge)
        response = await s.read_exactly(16)
        s.actions += 1
        self.event(
            s,
            "auth",
            credential_fields(
                "",
                rfb.vnc_hash(challenge, response),
                "vnc_des",
                ok=False,
                method="vnc",
                protocol=f"3.{minor}",
            ),
        )
        self._record_failure(s.src_ip)
        result = struct.pack(">I", 1)
        await s.send(result + (rfb.reason(self.flavour.failure) if minor == 8 else b""))
