"""TLS inside TDS: the handshake travels in PRELOGIN packets, then TLS records flow directly.

With ENCRYPT_OFF the client encrypts only its LOGIN7 (the answer comes back in clear text);
with ENCRYPT_ON the whole connection stays encrypted. SQL Server speaks TLS 1.2 for TDS 7.x.
"""

from __future__ import annotations

import ssl

from decnet.services.mssql import tds
from decnet.services.streambase import Session

MAX_HANDSHAKE_ROUNDS = 8
MAX_RECORD = 18432  #: TLS record limit (16 KiB plaintext plus expansion)


class Channel:
    """A server-side TLS session over a TDS connection, driven through memory BIOs."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._tls = context.wrap_bio(self._in, self._out, server_side=True)
        self._plain = bytearray()

    async def handshake(self, s: Session) -> None:
        """Run the handshake carried in PRELOGIN packets; ``tds.TDSError`` if it fails."""
        for _ in range(MAX_HANDSHAKE_ROUNDS):
            kind, payload = await tds.read_message(s)
            if kind != tds.PRELOGIN:
                raise tds.TDSError(f"TLS handshake: unexpected packet type 0x{kind:02x}")
            self._in.write(payload)
            try:
                self._tls.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                done = False
            except ssl.SSLError as exc:
                raise tds.TDSError(f"TLS handshake failed: {exc.reason or exc}") from None
            out = self._out.read()
            if out:
                await s.send(tds.packet(tds.PRELOGIN, out))
            if done:
                return
        raise tds.TDSError("TLS handshake too long")

    @property
    def version(self) -> str:
        """The negotiated protocol version."""
        return str(self._tls.version() or "")

    async def read_message(self, s: Session) -> tuple[int, bytes]:
        """One TDS message read from TLS records (bounded like a clear one)."""
        for _ in range(tds.MAX_PARTS * 4):
            found = tds.split_message(bytes(self._plain))
            if found is not None:
                kind, payload, used = found
                del self._plain[:used]
                return kind, payload
            head = await s.read_exactly(5)
            length = int.from_bytes(head[3:5], "big")
            if head[0] not in (20, 21, 22, 23) or length > MAX_RECORD:
                raise tds.TDSError("not a TLS record")
            self._in.write(head + await s.read_exactly(length, 30.0))
            try:
                while True:
                    chunk = self._tls.read(65536)
                    if not chunk:
                        break
                    self._plain += chunk
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                raise tds.TDSError(f"TLS record: {exc.reason or exc}") from None
            if len(self._plain) > tds.MAX_MESSAGE + 8 * tds.MAX_PARTS:
                raise tds.TDSError("message too big")
        raise tds.TDSError("too many TLS records")

    def wrap(self, data: bytes) -> bytes:
        """``data`` as TLS records."""
        self._tls.write(data)
        return self._out.read()
