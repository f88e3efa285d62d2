"""The redis service: commands answered as the persona's Redis version does, each one an event."""

from __future__ import annotations

import fnmatch
import hmac
import time
from collections.abc import Callable
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.redis import info, resp
from decnet.services.redis.config import RedisConfig
from decnet.services.streambase import Session, StreamService
from decnet.services.text import clip

#: Read time for the rest of a command once its first byte came.
_COMMAND_TIMEOUT = 30.0
_MAX_LOG_ARGS = 1024
_MAX_KEYS = 10_000
_CONFIG_OVERRIDES = 64

Handler = Callable[["RedisService", "ClientState", list[bytes]], bytes]


class ClientState:
    """Per-connection Redis state."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.authed = False
        self.db = 0
        self.name = b""
        self.quit = False


class RedisService(StreamService):
    """RESP2 Redis: AUTH, INFO, CONFIG, KEYS and the usual commands; anything else logged."""

    slug = "redis"
    default_ports = (6379,)
    config_model: ClassVar[type[ServiceConfig]] = RedisConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, RedisConfig)
        self.cfg: RedisConfig = self.config
        fallback = info.WINDOWS_VERSION if self.persona.os_family == "windows" else "7.0.15"
        self.version = self.cfg.version or self.persona.version_of("redis") or fallback
        self.major, self.minor = (int(p) for p in self.version.split(".")[:2])
        self.store: dict[bytes, bytes] = {}
        for item in self.cfg.keys:
            name, _, value = item.partition("=")
            self.store[name.encode()] = value.encode()
        self._stored_bytes = 0
        self.config_overrides: dict[str, str] = {}
        self.commands_seen = 0

    # -- session --------------------------------------------------------------------------

    async def session(self, s: Session) -> None:
        """Read and answer commands until QUIT, a protocol error or a timeout."""
        state = ClientState(s)
        state.authed = self.cfg.requirepass is None
        loop_time = s.deadline
        while not state.quit:
            try:
                args = await resp.read_command(
                    s.stream,
                    loop_time(),
                    loop_time(_COMMAND_TIMEOUT),
                    max_args=self.cfg.max_args,
                    max_bulk=self.cfg.max_bulk_bytes,
                )
            except resp.ProtocolError as err:
                self.event(s, "protocol_error", {"error": str(err)})
                await s.send(resp.error(f"ERR Protocol error: {err}"))
                s.close_reason = "protocol_error"
                return
            if not args:
                continue
            s.actions += 1
            self.commands_seen += 1
            await s.send(self.execute(state, args))

    def execute(self, state: ClientState, args: list[bytes]) -> bytes:
        """The reply to one command (and its events)."""
        name = args[0].decode("latin-1").lower()
        self._log_command(state.session, args)
        if name == "auth":
            return self._auth(state, args)
        if name == "hello" and self.major >= 6:
            return self._hello(state, args)
        if name == "quit":
            state.quit = True
            return resp.simple("OK")
        if not state.authed:
            return resp.error("NOAUTH Authentication required.")
        spec = _COMMANDS.get(name)
        if spec is None:
            return self._unknown(args)
        handler, arity = spec
        if (arity > 0 and len(args) != arity) or (arity < 0 and len(args) < -arity):
            return resp.error(f"ERR wrong number of arguments for '{name}' command")
        return handler(self, state, args)

    # -- events ---------------------------------------------------------------------------

    def _log_command(self, s: Session, args: list[bytes]) -> None:
        shown = " ".join(clip(a, 256) for a in args[:32])
        self.event(
            s,
            "command",
            {
                "command": clip(args[0], 64).upper(),
                "args": clip(shown, _MAX_LOG_ARGS),
                "argc": str(len(args) - 1),
            },
        )

    # -- replies --------------------------------------------------------------------------

    def _unknown(self, args: list[bytes]) -> bytes:
        name = clip(args[0], 128)
        rest = [clip(a, 128) for a in args[1:]]
        if (self.major, self.minor) >= (6, 2):
            shown = "".join(f"'{a}' " for a in rest)
            return resp.error(f"ERR unknown command '{name}', with args beginning with: {shown}")
        shown = "".join(f"`{a}`, " for a in rest)
        return resp.error(f"ERR unknown command `{name}`, with args beginning with: {shown}")

    def _auth(self, state: ClientState, args: list[bytes]) -> bytes:
        s = state.session
        if len(args) not in (2, 3) or (len(args) == 3 and self.major < 6):
            return resp.error("ERR wrong number of arguments for 'auth' command")
        user, password = (args[1], args[2]) if len(args) == 3 else (b"default", args[1])
        expected = self.cfg.requirepass
        ok = (
            expected is not None
            and user == b"default"
            and hmac.compare_digest(password, expected.encode("utf-8", "surrogateescape"))
        )
        if expected is None and len(args) == 2:
            self.event(
                s, "auth", credential_fields(user, password, ok=False, method="AUTH", note="no_password_set")
            )
            if self.major >= 6:
                return resp.error(
                    "ERR AUTH <password> called without any password configured for the default user. "
                    "Are you sure your configuration is correct?"
                )
            return resp.error("ERR Client sent AUTH, but no password is set")
        self.event(s, "auth", credential_fields(user, password, ok=ok, method="AUTH"))
        if ok:
            state.authed = True
            return resp.simple("OK")
        if self.major >= 6:
            return resp.error("WRONGPASS invalid username-password pair or user is disabled.")
        return resp.error("ERR invalid password")

    def _hello(self, state: ClientState, args: list[bytes]) -> bytes:
        rest = args[1:]
        if rest:
            proto = rest[0]
            if proto not in (b"2", b"3"):
                if not proto.isdigit():
                    return resp.error("ERR Protocol version is not an integer or out of range")
                return resp.error("NOPROTO unsupported protocol version")
            if proto == b"3":
                return resp.error("NOPROTO unsupported protocol version")
            rest = rest[1:]
        if len(rest) >= 3 and rest[0].lower() == b"auth":
            reply = self._auth(state, [b"auth", rest[1], rest[2]])
            if not state.authed:
                return reply
        if not state.authed:
            return resp.error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
                "select the RESP protocol version at the same time"
            )
        fields = [
            resp.bulk("server"),
            resp.bulk("redis"),
            resp.bulk("version"),
            resp.bulk(self.version),
            resp.bulk("proto"),
            resp.integer(2),
            resp.bulk("id"),
            resp.integer(self.commands_seen + 3),
            resp.bulk("mode"),
            resp.bulk("standalone"),
            resp.bulk("role"),
            resp.bulk("master"),
            resp.bulk("modules"),
            resp.raw_array([]),
        ]
        return resp.raw_array(fields)

    def info_text(self, state: ClientState, section: str) -> str:
        """The INFO reply text."""
        return info.render(
            self.persona,
            self.version,
            state.session.local_port,
            clients=len(self._tasks),
            keys=len(self.store),
            commands=self.commands_seen,
            section=section,
        )

    def config_values(self, state: ClientState) -> dict[str, str]:
        """CONFIG GET's table (after CONFIG SET changes)."""
        values = {
            "dir": "/var/lib/redis",
            "dbfilename": "dump.rdb",
            "requirepass": self.cfg.requirepass or "",
            "masterauth": "",
            "bind": "* -::*",
            "protected-mode": "no",
            "port": str(state.session.local_port),
            "timeout": "0",
            "databases": "16",
            "maxmemory": "0",
            "maxmemory-policy": "noeviction",
            "save": "3600 1 300 100 60 10000" if self.major >= 7 else "900 1 300 10 60 10000",
            "appendonly": "no",
            "appendfilename": "appendonly.aof",
            "daemonize": "yes",
            "supervised": "systemd",
            "logfile": "/var/log/redis/redis-server.log",
            "loglevel": "notice",
            "slaveof": "",
            "replicaof": "",
        }
        values.update(self.config_overrides)
        return values

    def set_key(self, key: bytes, value: bytes) -> bool:
        """Store ``key`` within the memory bound; False when it is full (OOM)."""
        old = self.store.get(key)
        grow = len(key) + len(value) - (len(key) + len(old) if old is not None else 0)
        if self._stored_bytes + grow > self.cfg.max_store_bytes or (
            old is None and len(self.store) >= _MAX_KEYS
        ):
            return False
        self.store[key] = value
        self._stored_bytes += grow
        return True


# -- commands ---------------------------------------------------------------------------


def _ping(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    if len(args) > 2:
        return resp.error("ERR wrong number of arguments for 'ping' command")
    return resp.bulk(args[1]) if len(args) == 2 else resp.simple("PONG")


def _echo(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.bulk(args[1])


def _info(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    section = args[1].decode("latin-1") if len(args) > 1 else "default"
    return resp.bulk(svc.info_text(state, section))


def _select(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    try:
        index = int(args[1])
    except ValueError:
        return resp.error("ERR value is not an integer or out of range")
    if not 0 <= index < 16:
        return resp.error("ERR DB index is out of range")
    state.db = index
    return resp.simple("OK")


def _config(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    sub = args[1].decode("latin-1").lower()
    if sub == "get" and len(args) >= 3:
        values = svc.config_values(state)
        out: list[str] = []
        for pattern in args[2:8]:
            pat_text = pattern.decode("latin-1").lower()
            for key, value in values.items():
                if fnmatch.fnmatchcase(key, pat_text) and key not in out[::2]:
                    out += [key, value]
        return resp.array(out)
    if sub == "set" and len(args) >= 4 and len(args) % 2 == 0:
        for opt, setting in zip(args[2::2], args[3::2], strict=True):
            name = opt.decode("latin-1").lower()
            if name not in svc.config_values(state):
                return resp.error(
                    f"ERR Unknown option or number of arguments for CONFIG SET - '{clip(opt, 64)}'"
                )
            if len(svc.config_overrides) < _CONFIG_OVERRIDES or name in svc.config_overrides:
                svc.config_overrides[name] = clip(setting, 512)
        return resp.simple("OK")
    if sub in ("resetstat", "rewrite") and len(args) == 2:
        return resp.simple("OK")
    if sub == "help":
        return resp.array(
            ["CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET <pattern>"]
        )
    return resp.error(
        f"ERR {'unknown' if svc.major >= 6 else 'Unknown'} subcommand or wrong number of arguments "
        f"for '{clip(args[1], 64)}'. Try CONFIG HELP."
    )


def _match(svc: RedisService, pattern: bytes) -> list[bytes]:
    pat = pattern.decode("latin-1")
    return [k for k in list(svc.store)[:_MAX_KEYS] if fnmatch.fnmatchcase(k.decode("latin-1"), pat)]


def _keys(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.array(_match(svc, args[1]) if state.db == 0 else [])


def _scan(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    pattern = b"*"
    for i in range(2, len(args) - 1):
        if args[i].lower() == b"match":
            pattern = args[i + 1]
    found = _match(svc, pattern) if state.db == 0 else []
    return resp.raw_array([resp.bulk("0"), resp.array(found)])


def _dbsize(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.integer(len(svc.store) if state.db == 0 else 0)


def _get(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.bulk(svc.store.get(args[1]) if state.db == 0 else None)


def _set(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    if not svc.set_key(args[1], args[2]):
        return resp.error("OOM command not allowed when used memory > 'maxmemory'.")
    return resp.simple("OK")


def _del(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.integer(sum(1 for key in args[1:] if svc.store.pop(key, None) is not None))


def _exists(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.integer(sum(1 for key in args[1:] if key in svc.store))


def _type(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.simple("string" if args[1] in svc.store else "none")


def _ttl(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.integer(-1 if args[1] in svc.store else -2)


def _ok(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.simple("OK")


def _bgsave(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.simple("Background saving started")


def _replicaof(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    if args[1].lower() == b"no" and args[2].lower() == b"one":
        return resp.simple("OK")
    return resp.simple("OK")


def _module(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    if args[1].lower() == b"list":
        return resp.raw_array([])
    if args[1].lower() == b"load":
        return resp.error("ERR Error loading the extension. Please check the server logs.")
    return resp.error(f"ERR unknown subcommand '{clip(args[1], 64)}'. Try MODULE HELP.")


def _client(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    sub = args[1].lower()
    s = state.session
    if sub == b"setname" and len(args) == 3:
        state.name = args[2][:256]
        return resp.simple("OK")
    if sub == b"getname":
        return resp.bulk(state.name or None)
    if sub == b"id":
        return resp.integer(svc.commands_seen + 3)
    if sub in (b"list", b"info"):
        line = (
            f"id={svc.commands_seen + 3} addr={s.src_ip}:{s.src_port} "
            f"laddr={svc.ctx.bind_host}:{s.local_port} fd=8 name={clip(state.name, 64)} "
            f"age={int(time.monotonic() - s.started)} idle=0 flags=N db={state.db} sub=0 psub=0 multi=-1 "
            f"qbuf=26 qbuf-free=20448 obl=0 oll=0 omem=0 events=r cmd=client|{sub.decode('latin-1')}\n"
        )
        return resp.bulk(line)
    return resp.simple("OK") if sub in (b"kill", b"setinfo", b"no-evict", b"reply") else _unknown_sub(args)


def _unknown_sub(args: list[bytes]) -> bytes:
    return resp.error(f"ERR unknown subcommand '{clip(args[1], 64)}'. Try {clip(args[0], 32).upper()} HELP.")


def _command(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    if len(args) > 1 and args[1].lower() == b"count":
        return resp.integer(240 if svc.major >= 7 else 224)
    return resp.raw_array([])


def _time(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    now = time.time()
    return resp.array([str(int(now)), str(int((now % 1) * 1_000_000))])


def _lastsave(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.integer(int(info.started_at(svc.persona)))


def _role(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.raw_array([resp.bulk("master"), resp.integer(0), resp.raw_array([])])


def _empty(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.raw_array([])


def _nil(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.bulk(None)


def _shutdown(svc: RedisService, state: ClientState, args: list[bytes]) -> bytes:
    return resp.error("ERR Errors trying to SHUTDOWN. Check logs.")


#: name -> (handler, arity as Redis counts it: n exact, -n at least n, command name included)
_COMMANDS: dict[str, tuple[Handler, int]] = {
    "ping": (_ping, -1),
    "echo": (_echo, 2),
    "info": (_info, -1),
    "select": (_select, 2),
    "config": (_config, -2),
    "keys": (_keys, 2),
    "scan": (_scan, -2),
    "dbsize": (_dbsize, 1),
    "get": (_get, 2),
    "set": (_set, -3),
    "del": (_del, -2),
    "unlink": (_del, -2),
    "exists": (_exists, -2),
    "type": (_type, 2),
    "ttl": (_ttl, 2),
    "flushall": (_ok, -1),
    "flushdb": (_ok, -1),
    "save": (_ok, -1),
    "bgsave": (_bgsave, -1),
    "slaveof": (_replicaof, 3),
    "replicaof": (_replicaof, 3),
    "module": (_module, -2),
    "client": (_client, -2),
    "command": (_command, -1),
    "time": (_time, 1),
    "lastsave": (_lastsave, 1),
    "role": (_role, 1),
    "hgetall": (_empty, 2),
    "lrange": (_empty, 4),
    "smembers": (_empty, 2),
    "eval": (_nil, -3),
    "evalsha": (_nil, -3),
    "monitor": (_ok, 1),
    "shutdown": (_shutdown, -1),
}
