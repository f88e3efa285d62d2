"""The postgres service: the backend's startup and authentication dialogue, errors as PostgreSQL's."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import struct
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.postgres import messages as msg
from decnet.services.postgres.config import PostgresConfig
from decnet.services.streambase import Session, StreamService, scram
from decnet.services.text import clip

DEFAULT_VERSION = "15.5 (Debian 15.5-0+deb12u1)"
_MAX_PASSWORD_MSG = 1024
_MAX_QUERY_MSG = 1 << 20
_MAX_LOG_QUERY = 4096
#: postmaster.c line of ProcessStartupPacket's "unsupported frontend protocol" per major
#: (what nmap's fingerprints key on).
_STARTUP_LINE = {9: 1755, 10: 2099, 11: 2050, 12: 2119, 13: 2133, 14: 2138, 15: 2194, 16: 2194}
_AUTH_LINE = {9: 285, 10: 316, 11: 333, 12: 333, 13: 337, 14: 335, 15: 343, 16: 323}
_GCC = {
    "debian": "gcc (Debian 12.2.0-14) 12.2.0",
    "ubuntu22": "gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0",
    "ubuntu20": "gcc (Ubuntu 9.4.0-1ubuntu1~20.04.2) 9.4.0",
    "rocky9": "gcc (GCC) 11.4.1 20230605 (Red Hat 11.4.1-2)",
    "centos7": "gcc (GCC) 4.8.5 20150623 (Red Hat 4.8.5-44)",
    "alpine": "gcc (Alpine 13.2.1_git20231014) 13.2.1 20231014",
    "fedora": "gcc (GCC) 13.2.1 20231205 (Red Hat 13.2.1-6)",
    "kali": "gcc (Debian 13.2.0-25) 13.2.0",
    "arch": "gcc (GCC) 13.2.1 20240210",
}


def md5_response(user: str, password: str, salt: bytes) -> str:
    """The ``md5…`` string a client sends for ``password``."""
    inner = hashlib.md5((password + user).encode()).hexdigest()  # noqa: S324 - the protocol's hash
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()  # noqa: S324


class PostgresService(StreamService):
    """PostgreSQL as the persona's distro ships it."""

    slug = "postgres"
    default_ports = (5432,)
    config_model: ClassVar[type[ServiceConfig]] = PostgresConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, PostgresConfig)
        self.cfg: PostgresConfig = self.config
        fallback = "16.3" if self.persona.os_family == "windows" else DEFAULT_VERSION
        self.version = self.cfg.version or self.persona.version_of("postgresql") or fallback
        head = self.version.split(".", 1)[0]
        self.major = int(head) if head.isdigit() else 15
        self._salt_key = hashlib.sha256(self.persona.seed + b"pg-scram").digest()
        self._pid = (
            1000 + int.from_bytes(hashlib.sha256(self.persona.seed + b"pg").digest()[:2], "big") % 30000
        )

    def version_text(self) -> str:
        """``SELECT version()`` as that platform's build prints it."""
        if self.persona.os_family == "windows":
            return f"PostgreSQL {self.version}, compiled by Visual C++ build 1938, 64-bit"
        if self.persona.os_family == "bsd":
            release = self.persona.kernel.split("-", 1)[0]
            return (
                f"PostgreSQL {self.version} on amd64-portbld-freebsd{release}, compiled by FreeBSD clang "
                "version 16.0.6 (https://github.com/llvm/llvm-project.git "
                "llvmorg-16.0.6-0-g7cbf1a259152), 64-bit"
            )
        build = _GCC.get(self.persona.distro, "gcc (GCC) 12.2.0")
        return f"PostgreSQL {self.version} on x86_64-pc-linux-gnu, compiled by {build}, 64-bit"

    def _fatal(self, code: str, text: str, file: str, line: int, routine: str) -> bytes:
        fields = [("S", "FATAL")]
        if self.major >= 10 or self.version.startswith("9.6"):
            fields.append(("V", "FATAL"))
        return msg.error([*fields, ("C", code), ("M", text), ("F", file), ("L", str(line)), ("R", routine)])

    def _error(self, code: str, text: str, routine: str = "exec_simple_query") -> bytes:
        return msg.error(
            [
                ("S", "ERROR"),
                ("V", "ERROR"),
                ("C", code),
                ("M", text),
                ("F", "aclchk.c"),
                ("L", "2843"),
                ("R", routine),
            ]
        )

    async def session(self, s: Session) -> None:
        """Startup (SSL refused), authentication, then simple queries if a user logged in."""
        params: dict[str, str] | None = None
        for _ in range(4):
            head = await s.read_exactly(4)
            length = struct.unpack("!I", head)[0]
            if not 8 <= length <= msg.MAX_STARTUP:
                self.event(s, "protocol_error", {"error": "invalid length of startup packet"})
                return
            body = await s.read_exactly(length - 4, 30.0)
            code = struct.unpack("!I", body[:4])[0]
            if code in (msg.SSL_REQUEST, msg.GSSENC_REQUEST):
                self.event(s, "negotiate", {"request": "ssl" if code == msg.SSL_REQUEST else "gssenc"})
                await s.send(b"N")
                continue
            if code == msg.CANCEL_REQUEST:
                self.event(s, "command", {"command": "cancel"})
                return
            if code >> 16 != 3:
                oldest = "3.0" if self.major >= 10 else "1.0"
                asked = f"{code >> 16}.{code & 0xFFFF}"
                text = f"unsupported frontend protocol {asked}: server supports {oldest} to 3.0"
                self.event(s, "protocol_error", {"error": clip(text, 200)})
                line = _STARTUP_LINE.get(self.major, 2194)
                await s.send(self._fatal("0A000", text, "postmaster.c", line, "ProcessStartupPacket"))
                return
            try:
                params = msg.parse_params(body[4:])
            except msg.StartupError as exc:
                self.event(s, "protocol_error", {"error": str(exc)})
                return
            break
        if params is None:
            return
        user = params.get("user", "")
        database = params.get("database", user)
        s.extra["username"] = clip(user, 64)
        self.event(
            s,
            "startup",
            {
                "username": clip(user, 128),
                "database": clip(database, 128),
                "application_name": clip(params.get("application_name", ""), 128),
                "params": clip(", ".join(f"{k}={v}" for k, v in params.items()), 1024),
            },
        )
        if not user:
            await s.send(
                self._fatal(
                    "28000",
                    "no PostgreSQL user name specified in startup packet",
                    "postmaster.c",
                    2257,
                    "ProcessStartupPacket",
                )
            )
            return
        if await self._authenticate(s, user, database, params.get("application_name", "")):
            await self._queries(s, user, database)

    async def _password_message(self, s: Session) -> bytes | None:
        """The body of the client's next PasswordMessage ('p'); None after answering anything else."""
        kind = await s.read_exactly(1)
        length = struct.unpack("!I", await s.read_exactly(4, 30.0))[0]
        if kind != b"p" or not 4 < length <= _MAX_PASSWORD_MSG:
            text = f"expected password response, got message type {kind[0]}"
            self.event(s, "protocol_error", {"error": text})
            await s.send(self._fatal("08P01", text, "auth.c", 700, "recv_password_packet"))
            return None
        return await s.read_exactly(length - 4, 30.0)

    async def _authenticate(self, s: Session, user: str, database: str, application_name: str) -> bool:
        password = self.cfg.users.get(user)
        method = self.cfg.auth_method
        final = b""
        if method == "scram-sha-256":
            result = await self._scram(s, user, database, password)
            if result is None:
                return False
            ok, final = result
        else:
            salt = os.urandom(4)
            await s.send(msg.auth_request(5, salt) if method == "md5" else msg.auth_request(3))
            body = await self._password_message(s)
            if body is None:
                return False
            secret = body.split(b"\x00", 1)[0]
            where = clip(database, 128)
            if method == "md5":
                expected = md5_response(user, password, salt).encode() if password is not None else b""
                ok = password is not None and hmac.compare_digest(secret, expected)
                fields = credential_fields(
                    user, secret, "md5", ok=ok, method="md5", salt=salt.hex(), database=where
                )
            else:
                ok = password is not None and hmac.compare_digest(secret, password.encode())
                fields = credential_fields(user, secret, ok=ok, method="password", database=where)
            self.event(s, "auth", fields)
        if not ok:
            text = f'password authentication failed for user "{user[:63]}"'
            await s.send(self._fatal("28P01", text, "auth.c", _AUTH_LINE.get(self.major, 326), "auth_failed"))
            return False
        await s.send(
            (msg.auth_request(12, final) if final else b"")
            + msg.auth_request(0)
            + self._startup_params(user, application_name)
            + msg.message(b"K", struct.pack("!II", self._pid, int.from_bytes(os.urandom(4), "big")))
            + msg.ready()
        )
        return True

    async def _scram(
        self, s: Session, user: str, database: str, password: str | None
    ) -> tuple[bool, bytes] | None:
        """SCRAM-SHA-256 (PostgreSQL 10+; the default from 14): (ok, server-final), or None if broken."""
        await s.send(msg.auth_request(10, b"SCRAM-SHA-256\x00\x00"))
        body = await self._password_message(s)
        if body is None:
            return None
        mechanism, _, rest = body.partition(b"\x00")
        if mechanism != b"SCRAM-SHA-256" or len(rest) < 4:
            text = "client selected an invalid SASL authentication mechanism"
            await s.send(self._fatal("08P01", text, "auth.c", 1000, "CheckSASLAuth"))
            return None
        size = struct.unpack("!i", rest[:4])[0]
        salt = hmac.new(self._salt_key, user.encode("utf-8", "surrogateescape"), "sha256").digest()[:16]
        try:
            conv = scram.start("SCRAM-SHA-256", rest[4 : 4 + max(size, 0)], salt, 4096)
            await s.send(msg.auth_request(11, conv.server_first.encode()))
            final = await self._password_message(s)
            if final is None:
                return None
            scram.finish(conv, final)
        except scram.ScramError:
            await s.send(
                self._fatal(
                    "08P01", "malformed SCRAM message", "auth-scram.c", 1000, "read_client_final_message"
                )
            )
            return None
        server_final = scram.verify(conv, password) if password is not None else None
        fields = credential_fields(
            user,
            scram.crackable(conv),
            "scram_sha_256",
            ok=server_final is not None,
            method="scram-sha-256",
            database=clip(database, 128),
        )
        self.event(s, "auth", fields)
        return server_final is not None, (server_final or "").encode()

    def _startup_params(self, user: str, application_name: str) -> bytes:
        values = [
            ("application_name", application_name[:63]),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("default_transaction_read_only", "off"),
            *([("in_hot_standby", "off")] if self.major >= 14 else []),
            ("integer_datetimes", "on"),
            ("IntervalStyle", "postgres"),
            ("is_superuser", "off"),
            ("server_encoding", "UTF8"),
            ("server_version", self.version),
            ("session_authorization", user[:63]),
            ("standard_conforming_strings", "on"),
            ("TimeZone", "Etc/UTC"),
        ]
        return b"".join(msg.parameter_status(k, v) for k, v in values)

    async def _queries(self, s: Session, user: str, database: str) -> None:
        failed_extended = False
        while True:
            kind = await s.read_exactly(1)
            length = struct.unpack("!I", await s.read_exactly(4, 30.0))[0]
            if not 4 <= length <= _MAX_QUERY_MSG:
                self.event(s, "protocol_error", {"error": f"invalid message length {length}"})
                return
            body = await s.read_exactly(length - 4, 30.0)
            if kind == b"X":
                return
            s.actions += 1
            if kind == b"Q":
                query = body.rstrip(b"\x00")
                self.event(
                    s, "query", {"query": clip(query, _MAX_LOG_QUERY), "database": clip(database, 128)}
                )
                await s.send(self._answer(query.decode("utf-8", "replace"), user, database) + msg.ready())
            elif kind == b"P":
                query = body.split(b"\x00", 2)[1] if body.count(b"\x00") >= 2 else b""
                self.event(
                    s,
                    "query",
                    {
                        "query": clip(query, _MAX_LOG_QUERY),
                        "database": clip(database, 128),
                        "protocol": "extended",
                    },
                )
                failed_extended = True
            elif kind == b"S":
                if failed_extended:
                    await s.send(self._error("42501", "permission denied for schema public"))
                    failed_extended = False
                await s.send(msg.ready())
            elif kind not in (b"B", b"D", b"E", b"C", b"H", b"F"):
                self.event(s, "protocol_error", {"error": f"invalid frontend message type {kind[0]}"})
                await s.send(
                    self._fatal(
                        "08P01",
                        f"invalid frontend message type {kind[0]}",
                        "postgres.c",
                        4729,
                        "SocketBackend",
                    )
                )
                return

    def _answer(self, query: str, user: str, database: str) -> bytes:
        q = re.sub(r"\s+", " ", query.strip().rstrip(";").strip()).lower()
        if not q:
            return msg.message(b"I", b"")
        if q in ("select version()", "select pg_catalog.version()"):
            text = self.version_text()
            return msg.rows(["version"], [[text]])
        if q in ("select current_user", "select user", "select current_user()", "select session_user"):
            return msg.rows([q.split(" ", 1)[1].rstrip("()")], [[user]])
        if q == "select current_database()":
            return msg.rows(["current_database"], [[database]])
        if "pg_catalog.pg_database" in q or q.startswith("select datname from pg_database"):
            names = ["postgres", *self.cfg.databases, "template0", "template1"]
            return msg.rows(["Name", "Owner", "Encoding"], [[n, "postgres", "UTF8"] for n in names])
        if q.startswith(("set ", "begin", "commit", "rollback", "start transaction")):
            return msg.complete(q.split(" ", 1)[0].upper())
        if q.startswith("show "):
            name = q[5:].strip()
            value = {"server_version": self.version, "data_directory": None}.get(name, "")
            if value is None:
                return self._error(
                    "42501",
                    "must be superuser or have privileges of pg_read_all_settings "
                    'to examine "data_directory"',
                )
            return msg.rows([name], [[value]])
        if "from program" in q or "to program" in q:
            return self._error(
                "42501",
                "must be superuser or have privileges of the pg_execute_server_program role "
                "to COPY to or from an external program",
                "DoCopy",
            )
        literal = re.fullmatch(r"select (\d{1,18}|'[^']{0,200}')", q)
        if literal:
            return msg.rows(["?column?"], [[literal.group(1).strip("'")]])
        match = re.search(r"\b(?:from|into|update|table|on)\s+\"?([\w.]+)", q)
        if match and q.split(" ", 1)[0] in (
            "select",
            "insert",
            "update",
            "delete",
            "truncate",
            "drop",
            "alter",
            "copy",
        ):
            return self._error(
                "42501", f"permission denied for table {match.group(1).rsplit('.', 1)[-1][:63]}"
            )
        if q.startswith(("create", "grant", "drop", "alter")):
            return self._error("42501", "permission denied for schema public")
        token = query.strip().split()[0][:63] if query.strip() else ""
        return msg.error(
            [
                ("S", "ERROR"),
                ("V", "ERROR"),
                ("C", "42601"),
                ("M", f'syntax error at or near "{token}"'),
                ("P", "1"),
                ("F", "scan.l"),
                ("L", "1188"),
                ("R", "scanner_yyerror"),
            ]
        )
