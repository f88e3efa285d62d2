"""The mysql service: greeting, login (hash captured, 1045 as the real server), a few queries."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import ssl
from pathlib import Path
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.https.cert import ensure_certificate
from decnet.services.mysql import packets as pk
from decnet.services.mysql.config import MySQLConfig
from decnet.services.mysql.flavour import Flavour, flavour_for
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

NATIVE = "mysql_native_password"
SHA2 = "caching_sha2_password"
_HANDSHAKE_MAX = 65536
_MAX_LOG_QUERY = 4096
_SYSTEM_DBS = ("information_schema", "mysql", "performance_schema", "sys")


def _scramble_salt() -> bytes:
    """20 printable, non-NUL salt bytes, as mysqld makes them."""
    return bytes(33 + b % 94 for b in os.urandom(20))


def native_ok(password: str, salt: bytes, response: bytes) -> bool:
    """Whether ``response`` is the mysql_native_password scramble of ``password``."""
    stage1 = hashlib.sha1(password.encode()).digest()  # noqa: S324 - the protocol's hash
    stage2 = hashlib.sha1(stage1).digest()  # noqa: S324
    mix = hashlib.sha1(salt + stage2).digest()  # noqa: S324
    expected = bytes(a ^ b for a, b in zip(stage1, mix, strict=True))
    return hmac.compare_digest(expected, response)


def sha2_ok(password: str, salt: bytes, response: bytes) -> bool:
    """Whether ``response`` is the caching_sha2_password scramble of ``password``."""
    one = hashlib.sha256(password.encode()).digest()
    two = hashlib.sha256(hashlib.sha256(one).digest() + salt).digest()
    expected = bytes(a ^ b for a, b in zip(one, two, strict=True))
    return hmac.compare_digest(expected, response)


def _other_kind(plugin: str, auth: bytes) -> tuple[str, bytes | str, bool]:
    """(secret kind, secret, ok) of a login that is neither a native nor a SHA-2 scramble."""
    if plugin == "mysql_clear_password" or not auth:
        return "plaintext", auth.rstrip(b"\x00"), False
    name = re.sub(r"[^A-Za-z0-9_]", "_", plugin)[:32] or "mysql_old_password"
    return name, auth.hex(), False


class MySQLService(StreamService):
    """MySQL 5.x/8.0 or MariaDB as the persona's distro ships it."""

    slug = "mysql"
    default_ports = (3306,)
    config_model: ClassVar[type[ServiceConfig]] = MySQLConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, MySQLConfig)
        self.cfg: MySQLConfig = self.config
        self.flavour: Flavour = flavour_for(self.persona, self.cfg.version)
        self.plugin = self.cfg.auth_plugin or self.flavour.default_plugin
        self._ssl: ssl.SSLContext | None = None
        self._next_id = 8 + int.from_bytes(hashlib.sha256(self.persona.seed + b"mysql").digest()[:2], "big")

    @property
    def tls(self) -> bool:
        """Whether the greeting offers SSL (MySQL 5.7+/8.0 make certificates at install)."""
        if self.cfg.tls is not None:
            return self.cfg.tls
        return (
            not self.flavour.mariadb
            and self.flavour.major >= 5
            and not self.flavour.version.startswith("5.5")
        )

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            cert, key = ensure_certificate(Path(self.ctx.state_dir), self.persona)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(cert, key)
            self._ssl = context
        return self._ssl

    async def prepare(self) -> None:
        """Make the certificate when SSL is offered."""
        if self.tls:
            self._tls_context()

    async def session(self, s: Session) -> None:
        """Greeting, optional TLS, login, then commands if an account logged in."""
        self._next_id += 1
        salt = _scramble_salt()
        caps = pk.SERVER_CAPS | (pk.CLIENT_SSL if self.tls else 0)
        greeting = pk.greeting(
            self.flavour.wire_version, self._next_id, salt, self.plugin, self.flavour.charset, caps
        )
        await s.send(pk.frame(0, greeting))
        try:
            seq, payload = await pk.read_packet(s, _HANDSHAKE_MAX)
            hello = pk.parse_handshake_response(payload)
            if hello.ssl_request and self.tls:
                await s.writer.start_tls(self._tls_context(), ssl_handshake_timeout=min(s.idle_timeout, 30.0))
                sslobj: Any = s.writer.get_extra_info("ssl_object")
                s.extra["tls_version"] = clip(str(sslobj.version() if sslobj else ""), 32)
                seq, payload = await pk.read_packet(s, _HANDSHAKE_MAX)
                hello = pk.parse_handshake_response(payload)
        except pk.PacketError as exc:
            self.event(s, "protocol_error", {"error": str(exc)})
            await s.send(pk.err(2, 1043, "08S01", "Bad handshake"))
            return
        except (ssl.SSLError, ConnectionError, OSError) as exc:
            self.event(
                s, "tls_error", {"reason": clip(str(getattr(exc, "reason", None) or type(exc).__name__), 200)}
            )
            return
        if hello.ssl_request or (not hello.username and not hello.auth):
            self.event(s, "protocol_error", {"error": "ssl_request" if hello.ssl_request else "empty_login"})
            await s.send(pk.err(seq + 1, 1043, "08S01", "Bad handshake"))
            return
        user, ok = await self._login(s, hello, salt, seq + 1, "tls_version" in s.extra)
        if not ok:
            return
        s.extra["username"] = clip(user, 64)
        await self._commands(s, user, hello.database.decode("utf-8", "replace")[:64])

    async def _login(
        self, s: Session, hello: pk.HandshakeResponse, salt: bytes, seq: int, secure: bool
    ) -> tuple[str, bool]:
        plugin = hello.plugin.decode("latin-1") or (
            NATIVE if hello.caps & pk.CLIENT_SECURE_CONNECTION else ""
        )
        auth, first = hello.auth, plugin
        try:
            if plugin == SHA2 and secure and len(auth) == 32 and hello.caps & pk.CLIENT_PLUGIN_AUTH:
                # A cache miss over TLS: the server asks for the password itself (full authentication).
                await s.send(pk.frame(seq, b"\x01\x04"))
                got, auth = await pk.read_packet(s, _HANDSHAKE_MAX)
                plugin, seq, auth = "mysql_clear_password", got + 1, auth.rstrip(b"\x00")
            elif plugin != NATIVE and hello.caps & pk.CLIENT_PLUGIN_AUTH and hello.auth:
                await s.send(pk.frame(seq, b"\xfe" + NATIVE.encode() + b"\x00" + salt + b"\x00"))
                got, auth = await pk.read_packet(s, _HANDSHAKE_MAX)
                plugin, seq = NATIVE, got + 1
        except pk.PacketError as exc:
            self.event(s, "protocol_error", {"error": str(exc)})
            return "", False
        user = hello.username.decode("utf-8", "replace")
        password = self.cfg.users.get(user)
        secret: bytes | str
        if plugin == NATIVE and len(auth) == 20:
            kind, secret = NATIVE, f"$mysqlna${salt.hex()}*{auth.hex()}"
            ok = password is not None and native_ok(password, salt, auth)
        elif plugin == SHA2 and len(auth) == 32:
            kind, secret = SHA2, f"$mysql-sha2${salt.hex()}*{auth.hex()}"
            ok = password is not None and sha2_ok(password, salt, auth)
        elif plugin == "mysql_clear_password":
            kind, secret = "plaintext", auth
            ok = password is not None and hmac.compare_digest(auth, password.encode())
        else:
            kind, secret, ok = _other_kind(plugin, auth)
        fields = credential_fields(
            hello.username,
            secret,
            kind,
            ok=ok,
            method=(first if plugin == "mysql_clear_password" else plugin) or "old",
        )
        fields["client_plugin"] = clip(first, 64)
        fields["database"] = clip(hello.database, 64)
        if hello.attrs:
            fields["client_attrs"] = clip(
                ", ".join(f"{clip(k, 64)}={clip(v, 128)}" for k, v in hello.attrs.items()), 1024
            )
        self.event(s, "auth", fields)
        host = s.src_ip or "localhost"
        if ok:
            await s.send(pk.ok(seq))
            return user, True
        using = "YES" if auth else "NO"
        denied = f"Access denied for user '{clip(user, 64)}'@'{host}' (using password: {using})"
        await s.send(pk.err(seq, 1045, "28000", denied))
        return user, False

    async def _commands(self, s: Session, user: str, database: str) -> None:
        while True:
            try:
                _, payload = await pk.read_packet(s, self.cfg.max_packet)
            except pk.PacketError as exc:
                self.event(s, "protocol_error", {"error": str(exc)})
                await s.send(pk.err(1, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes"))
                return
            if not payload:
                continue
            s.actions += 1
            command, body = payload[0], payload[1:]
            if command == 0x01:  # COM_QUIT
                self.event(s, "command", {"command": "COM_QUIT"})
                return
            if command == 0x03:
                query = body.decode("utf-8", "replace")
                self.event(s, "query", {"query": clip(body, _MAX_LOG_QUERY), "database": clip(database, 64)})
                reply, database = self._query(s, user, database, query)
                await s.send(reply)
            elif command == 0x02:
                name = body.decode("utf-8", "replace")[:64]
                self.event(s, "command", {"command": "COM_INIT_DB", "database": clip(body, 64)})
                if name in _SYSTEM_DBS or name in self.cfg.databases:
                    database = name
                    await s.send(pk.ok(1))
                else:
                    await s.send(pk.err(1, 1049, "42000", f"Unknown database '{clip(name, 64)}'"))
            elif command == 0x0E:
                self.event(s, "command", {"command": "COM_PING"})
                await s.send(pk.ok(1))
            elif command == 0x09:
                self.event(s, "command", {"command": "COM_STATISTICS"})
                await s.send(
                    pk.frame(
                        1,
                        b"Uptime: 864231  Threads: 2  Questions: 5817  Slow queries: 0  Opens: 171  "
                        b"Open tables: 164  Queries per second avg: 0.006",
                    )
                )
            else:
                self.event(s, "command", {"command": f"0x{command:02x}", "data": clip(body, 256)})
                await s.send(pk.err(1, 1047, "08S01", "Unknown command"))

    def _query(self, s: Session, user: str, database: str, query: str) -> tuple[bytes, str]:
        q = re.sub(r"\s+", " ", query.strip().rstrip(";").strip()).lower()
        who = f"{user}@{s.src_ip or 'localhost'}"
        if q.startswith("select @@version_comment"):
            return pk.result_set(
                1, ["@@version_comment"], [[self.flavour.comment(self.persona.distro)]]
            ), database
        if q in ("select version()", "select @@version"):
            return pk.result_set(
                1, [query.strip().rstrip(";")[7:].strip()], [[self.flavour.version]]
            ), database
        if q in ("select user()", "select current_user()", "select current_user"):
            return pk.result_set(1, [query.strip().rstrip(";")[7:].strip()], [[who]]), database
        if q == "select database()":
            return pk.result_set(1, ["database()"], [[database or None]]), database
        literal = re.fullmatch(r"select (\d{1,18}|'[^']{0,200}'|\"[^\"]{0,200}\")", q)
        if literal:
            value = query.strip().rstrip(";").strip()[7:].strip().strip("'\"")
            return pk.result_set(1, [value], [[value]]), database
        if q in ("show databases", "show schemas"):
            names = [*_SYSTEM_DBS[:2], *self.cfg.databases, *_SYSTEM_DBS[2:]]
            return pk.result_set(1, ["Database"], [[n] for n in names]), database
        if q.startswith("use "):
            name = q[4:].strip("` ")
            if name in _SYSTEM_DBS or name in self.cfg.databases:
                return pk.ok(1), name
            return pk.err(1, 1049, "42000", f"Unknown database '{clip(name, 64)}'"), database
        if q.startswith(("set ", "begin", "commit", "rollback", "start transaction")):
            return pk.ok(1), database
        if q == "show tables":
            if not database:
                return pk.err(1, 1046, "3D000", "No database selected"), database
            return pk.result_set(
                1, [f"Tables_in_{database}"], [["users"], ["settings"], ["sessions"]]
            ), database
        match = re.search(r"\b(?:from|into|update|table)\s+`?([\w.]+)", q)
        verb = q.split(" ", 1)[0].upper() if q else ""
        if match and verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE"):
            schema, _, table = match.group(1).rpartition(".")
            schema = schema or database
            if not schema:
                return pk.err(1, 1046, "3D000", "No database selected"), database
            return pk.err(
                1,
                1142,
                "42000",
                f"{verb} command denied to user '{clip(user, 64)}'@'{s.src_ip or 'localhost'}' "
                f"for table `{clip(schema, 64)}`.`{clip(table, 64)}`",
            ), database
        near = clip(query.strip()[:80], 80)
        return pk.err(
            1,
            1064,
            "42000",
            "You have an error in your SQL syntax; check the manual that corresponds to your "
            f"{'MariaDB' if self.flavour.mariadb else 'MySQL'} server version for the right syntax "
            f"to use near '{near}' at line 1",
        ), database
