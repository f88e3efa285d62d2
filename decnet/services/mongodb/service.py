"""The mongodb service: commands over OP_MSG/OP_QUERY, answered as the persona's mongod."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.http.parser import Closed
from decnet.services.mongodb import bson, persona_info, scram, wire
from decnet.services.mongodb.config import MongoConfig
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

HTTP_REPLY = (
    b"HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 84\r\n\r\n"
    b"It looks like you are trying to access MongoDB over HTTP on the native driver port.\n"
)
#: Commands that need no login even with authorization on.
_OPEN = {
    "hello", "ismaster", "isMaster", "buildinfo", "buildInfo", "ping", "saslStart", "saslContinue",
    "logout", "endSessions", "whatsmyuri", "connectionStatus", "getnonce", "getLastError", "authenticate",
}  # fmt: skip
_MAX_LOG_DOC = 2048
_MAX_AUTH_TRIES = 16

Handler = Callable[["MongoService", "State", wire.Command], dict[str, Any]]


class State:
    """Per-connection state."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id
        self.user: str | None = None
        self.conversations: dict[int, scram.Conversation] = {}
        self.auth_tries = 0


def _summary(value: Any, depth: int = 0) -> Any:
    """A JSON-like, bounded rendering of a decoded document for the logs."""
    if depth > 4:
        return "…"
    if isinstance(value, dict):
        return {str(k)[:64]: _summary(v, depth + 1) for k, v in list(value.items())[:32]}
    if isinstance(value, list):
        return [_summary(v, depth + 1) for v in value[:16]]
    if isinstance(value, bson.Binary):
        return f"<binary {len(value.data)} bytes>"
    if isinstance(value, bson.ObjectId):
        return f"ObjectId({value.raw.hex()})"
    if isinstance(value, bson.Int64):
        return value.value
    if isinstance(value, str):
        return value[:256]
    return value


def _error(code: int, name: str, message: str) -> dict[str, Any]:
    return {"ok": 0.0, "errmsg": message, "code": code, "codeName": name}


class MongoService(StreamService):
    """mongod as an unauthenticated client (or a logged-in bait user) sees it."""

    slug = "mongodb"
    default_ports = (27017,)
    config_model: ClassVar[type[ServiceConfig]] = MongoConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, MongoConfig)
        self.cfg: MongoConfig = self.config
        self.version = self.cfg.version or persona_info.version_for(self.persona)
        self.started = self.persona.booted_at.timestamp() + 20
        self.process_id = bson.ObjectId(hashlib.sha256(self.persona.seed + b"mongod").digest()[:12])
        self._connections = 3 + self.persona.seed[0]
        self._request_ids = 1000
        self._salt_key = hashlib.sha256(self.persona.seed + b"scram").digest()

    async def session(self, s: Session) -> None:
        """Read messages and answer each command until the client closes."""
        self._connections += 1
        state = State(s, self._connections)
        first = True
        while True:
            head = await s.read_exactly(16)
            if first and head.startswith((b"GET ", b"POST", b"HEAD")):
                self.event(s, "http_probe", {"request": clip(head, 64)})
                await s.send(HTTP_REPLY)
                return
            first = False
            length, request_id, _, opcode = wire.HEADER.unpack(head)
            if not 16 < length <= self.cfg.max_message_bytes:
                self.event(s, "protocol_error", {"error": f"message length {length}"})
                return
            body = await s.read_exactly(length - 16, 30.0)
            try:
                command = wire.parse(request_id, opcode, body)
            except wire.WireError as exc:
                self.event(s, "protocol_error", {"error": clip(str(exc), 200), "opcode": str(opcode)})
                return
            s.actions += 1
            answer = self.execute(state, command)
            wait = command.doc.get("maxAwaitTimeMS")
            if "topologyVersion" in command.doc and isinstance(wait, int) and answer.get("ok") == 1.0:
                await asyncio.sleep(min(max(wait, 0), 10_000) / 1000)  # awaitable hello: nothing changed
            if not command.more_to_come:
                self._request_ids += 1
                await s.send(wire.reply(command, answer, self._request_ids))
            if state.auth_tries > _MAX_AUTH_TRIES:
                raise Closed("auth_limit")

    def execute(self, state: State, command: wire.Command) -> dict[str, Any]:
        """The reply document of one command (and its event)."""
        name = command.name
        shown = {k: v for k, v in command.doc.items() if k not in ("payload", "speculativeAuthenticate")}
        self.event(
            state.session,
            "command",
            {
                "command": clip(name, 64),
                "database": clip(command.db, 64),
                "opcode": "OP_MSG" if command.opcode == wire.OP_MSG else "OP_QUERY",
                "document": clip(repr(_summary(shown)), _MAX_LOG_DOC),
            },
        )
        if command.opcode == wire.OP_QUERY and not command.collection.endswith(".$cmd"):
            return _error(352, "UnsupportedOpQueryCommand", "Unsupported OP_QUERY command: find")
        handler = _COMMANDS.get(name) or _COMMANDS.get(name.lower())
        if handler is None:
            return _error(59, "CommandNotFound", f"no such command: '{name[:128]}'")
        if self.cfg.require_auth and state.user is None and name not in _OPEN:
            return _error(13, "Unauthorized", f"command {name[:128]} requires authentication")
        return handler(self, state, command)

    # -- documents ---------------------------------------------------------------------

    def hello(self, state: State, command: wire.Command) -> dict[str, Any]:
        """hello / isMaster."""
        doc: dict[str, Any] = {}
        if command.doc.get("helloOk") is True:
            doc["helloOk"] = True
        if command.name == "hello":
            doc["isWritablePrimary"] = True
        else:
            doc["ismaster"] = True
        doc.update(
            topologyVersion={"processId": self.process_id, "counter": bson.Int64(0)},
            maxBsonObjectSize=16777216,
            maxMessageSizeBytes=48000000,
            maxWriteBatchSize=100000,
            localTime=datetime.now(UTC),
            logicalSessionTimeoutMinutes=30,
            connectionId=state.connection_id,
            minWireVersion=0,
            maxWireVersion=persona_info.wire_version(self.version),
            readOnly=False,
        )
        mechs = command.doc.get("saslSupportedMechs")
        if isinstance(mechs, str):
            doc["saslSupportedMechs"] = ["SCRAM-SHA-1", "SCRAM-SHA-256"]
        speculative = command.doc.get("speculativeAuthenticate")
        if isinstance(speculative, dict) and "saslStart" in speculative:  # 4.4+: auth folded into hello
            db = speculative.get("db")
            start = wire.Command(
                command.request_id, command.opcode, speculative, db if isinstance(db, str) else "admin"
            )
            first = self.sasl_start(state, start)
            if first.get("ok") == 1.0:
                doc["speculativeAuthenticate"] = {k: v for k, v in first.items() if k != "ok"}
        doc["ok"] = 1.0
        return doc

    def build_info(self) -> dict[str, Any]:
        """buildInfo."""
        numbers = [int(p) for p in self.version.split(".")]
        return {
            "version": self.version,
            "gitVersion": persona_info.git_version(self.persona, self.version),
            "modules": [],
            "allocator": "tcmalloc",
            "javascriptEngine": "mozjs",
            "sysInfo": "deprecated",
            "versionArray": [*numbers, 0],
            "openssl": {
                "running": persona_info.openssl(self.persona),
                "compiled": persona_info.openssl(self.persona),
            },
            "buildEnvironment": {
                "distmod": persona_info.distmod(self.persona),
                "distarch": "x86_64",
                "cc": "/opt/mongodbtoolchain/v4/bin/gcc: gcc (GCC) 11.3.0",
                "target_arch": "x86_64",
                "target_os": persona_info.target_os(self.persona),
            },
            "bits": 64,
            "debug": False,
            "maxBsonObjectSize": 16777216,
            "storageEngines": ["devnull", "wiredTiger"],
            "ok": 1.0,
        }

    def server_status(self, state: State) -> dict[str, Any]:
        """serverStatus (the first fields)."""
        uptime = max(1.0, time.time() - self.started)
        return {
            "host": self.persona.hostname,
            "version": self.version,
            "process": "mongod",
            "pid": bson.Int64(700 + self.persona.seed[1] * 3),
            "uptime": float(int(uptime)),
            "uptimeMillis": bson.Int64(int(uptime * 1000)),
            "uptimeEstimate": bson.Int64(int(uptime)),
            "localTime": datetime.now(UTC),
            "connections": {
                "current": len(self._tasks),
                "available": 838860,
                "totalCreated": self._connections,
            },
            "ok": 1.0,
        }

    def databases(self) -> list[dict[str, Any]]:
        """listDatabases entries."""
        names = ["admin", "config", "local", *self.cfg.databases]
        out = []
        for name in sorted(names):
            size = (
                40960
                + int.from_bytes(hashlib.sha256(self.persona.seed + name.encode()).digest()[:3], "big") * 8
            )
            out.append({"name": name, "sizeOnDisk": bson.Int64(size), "empty": False})
        return out

    # -- authentication ----------------------------------------------------------------

    def sasl_start(self, state: State, command: wire.Command) -> dict[str, Any]:
        """saslStart: the server-first message (salt stable per user, as mongod's fake one is)."""
        mechanism = command.doc.get("mechanism")
        payload = command.doc.get("payload")
        raw = payload.data if isinstance(payload, bson.Binary) else str(payload or "").encode()
        state.auth_tries += 1
        if not isinstance(mechanism, str) or mechanism not in scram.ITERATIONS:
            self.event(
                state.session,
                "auth",
                credential_fields("", raw, "token", ok=False, method=str(mechanism)[:32]),
            )
            return _error(
                2,
                "BadValue",
                f"Received authentication for mechanism {str(mechanism)[:64]} "
                "which is unknown or not enabled",
            )
        try:
            conv = scram.start(mechanism, raw[:4096], self._salt_key)
        except scram.ScramError:
            return _error(17, "ProtocolError", "Invalid SCRAM client first message")
        conv_id = len(state.conversations) + 1
        if len(state.conversations) < 8:
            state.conversations[conv_id] = conv
        return {
            "conversationId": conv_id,
            "done": False,
            "payload": bson.Binary(conv.server_first.encode()),
            "ok": 1.0,
        }

    def sasl_continue(self, state: State, command: wire.Command) -> dict[str, Any]:
        """saslContinue: capture the proof; verify it for configured users."""
        conv_id = command.doc.get("conversationId")
        conv = state.conversations.get(conv_id) if isinstance(conv_id, int) else None
        payload = command.doc.get("payload")
        raw = payload.data if isinstance(payload, bson.Binary) else b""
        if conv is None:
            return _error(17, "ProtocolError", "No SASL session state found")
        if conv.proof:  # the client's empty last step after a success
            state.conversations.pop(conv_id, None)  # type: ignore[arg-type]
            return {"conversationId": conv_id, "done": True, "payload": bson.Binary(b""), "ok": 1.0}
        try:
            scram.finish(conv, raw[:4096])
        except scram.ScramError:
            state.conversations.pop(conv_id, None)  # type: ignore[arg-type]
            return _error(18, "AuthenticationFailed", "Authentication failed.")
        password = self.cfg.users.get(conv.user)
        server_final = scram.verify(conv, password) if password is not None else None
        kind = conv.mechanism.lower().replace("-", "_")
        fields = credential_fields(
            conv.user,
            scram.crackable(conv),
            kind,
            ok=server_final is not None,
            method=conv.mechanism,
            database=clip(command.db, 64),
        )
        self.event(state.session, "auth", fields)
        if server_final is None:
            state.conversations.pop(conv_id, None)  # type: ignore[arg-type]
            return _error(18, "AuthenticationFailed", "Authentication failed.")
        state.user = conv.user
        state.session.extra["username"] = clip(conv.user, 64)
        return {
            "conversationId": conv_id,
            "done": False,
            "payload": bson.Binary(server_final.encode()),
            "ok": 1.0,
        }


# -- commands ---------------------------------------------------------------------------


def _hello(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return svc.hello(state, command)


def _build_info(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return svc.build_info()


def _ok(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return {"ok": 1.0}


def _server_status(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return svc.server_status(state)


def _list_databases(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    if command.db != "admin":
        return _error(13, "Unauthorized", "listDatabases may only be run against the admin database.")
    dbs = svc.databases()
    if command.doc.get("nameOnly") is True:
        dbs = [{"name": d["name"]} for d in dbs]
    total = sum(d["sizeOnDisk"].value for d in svc.databases())
    return {
        "databases": dbs,
        "totalSize": bson.Int64(total),
        "totalSizeMb": bson.Int64(total >> 20),
        "ok": 1.0,
    }


def _list_collections(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    names = {"admin": ["system.version"], "config": ["system.sessions"], "local": ["startup_log"]}.get(
        command.db, ["users", "orders", "sessions"] if command.db in svc.cfg.databases else []
    )
    batch = [{"name": n, "type": "collection", "options": {}, "info": {"readOnly": False}} for n in names]
    return {
        "cursor": {"id": bson.Int64(0), "ns": f"{command.db}.$cmd.listCollections", "firstBatch": batch},
        "ok": 1.0,
    }


def _find(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    target = command.doc.get(command.name)
    ns = f"{command.db}.{target if isinstance(target, str) else ''}"
    return {"cursor": {"firstBatch": [], "id": bson.Int64(0), "ns": ns[:256]}, "ok": 1.0}


def _count(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return {"n": 0, "ok": 1.0}


def _write(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    docs = command.doc.get("documents") or command.doc.get("updates") or command.doc.get("deletes") or []
    count = len(docs) if isinstance(docs, list) else 0
    count += sum(len(v) for v in command.sequences.values())
    return {"n": count, "ok": 1.0}


def _whatsmyuri(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return {"you": f"{state.session.src_ip}:{state.session.src_port}", "ok": 1.0}


def _connection_status(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    users = [{"user": state.user, "db": "admin"}] if state.user else []
    return {"authInfo": {"authenticatedUsers": users, "authenticatedUserRoles": []}, "ok": 1.0}


def _host_info(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    p = svc.persona
    return {
        "system": {
            "currentTime": datetime.now(UTC),
            "hostname": p.hostname,
            "cpuAddrSize": 64,
            "memSizeMB": bson.Int64(p.mem_total_kb // 1024),
            "numCores": p.cpu_count,
            "cpuArch": "x86_64",
            "numaEnabled": False,
        },
        "os": {
            "type": {"windows": "Windows", "bsd": "BSD"}.get(p.os_family, "Linux"),
            "name": p.distro_name,
            "version": p.kernel if p.os_family != "linux" else f"Kernel {p.kernel}",
        },
        "extra": {
            "versionString": f"{'Linux' if p.os_family == 'linux' else p.distro_name} version {p.kernel}",
            "cpuFrequencyMHz": "2400.000",
            "cpuString": p.cpu_model,
        },
        "ok": 1.0,
    }


def _cmdline(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return {
        "argv": ["/usr/bin/mongod", "--config", "/etc/mongod.conf"],
        "parsed": {
            "config": "/etc/mongod.conf",
            "net": {"bindIp": "0.0.0.0", "port": 27017},  # noqa: S104 - text shown, not a bind
            "processManagement": {"timeZoneInfo": "/usr/share/zoneinfo"},
            "storage": {"dbPath": "/var/lib/mongodb"},
            "systemLog": {"destination": "file", "logAppend": True, "path": "/var/log/mongodb/mongod.log"},
        },
        "ok": 1.0,
    }


def _sasl_start(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return svc.sasl_start(state, command)


def _sasl_continue(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    return svc.sasl_continue(state, command)


def _authenticate(svc: MongoService, state: State, command: wire.Command) -> dict[str, Any]:
    user = command.doc.get("user")
    mechanism = command.doc.get("mechanism")
    svc.event(
        state.session,
        "auth",
        credential_fields(str(user or "")[:512], b"", "token", ok=False, method=str(mechanism)[:32]),
    )
    return _error(18, "AuthenticationFailed", "Authentication failed.")


_COMMANDS: dict[str, Handler] = {
    "hello": _hello,
    "ismaster": _hello,
    "isMaster": _hello,
    "buildinfo": _build_info,
    "buildInfo": _build_info,
    "ping": _ok,
    "logout": _ok,
    "endSessions": _ok,
    "killCursors": _ok,
    "getLastError": _ok,
    "serverStatus": _server_status,
    "listDatabases": _list_databases,
    "listCollections": _list_collections,
    "find": _find,
    "aggregate": _find,
    "count": _count,
    "insert": _write,
    "update": _write,
    "delete": _write,
    "drop": _ok,
    "dropDatabase": _ok,
    "whatsmyuri": _whatsmyuri,
    "connectionStatus": _connection_status,
    "hostInfo": _host_info,
    "getCmdLineOpts": _cmdline,
    "saslStart": _sasl_start,
    "saslContinue": _sasl_continue,
    "authenticate": _authenticate,
}
