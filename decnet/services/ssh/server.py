"""The ssh service: an asyncssh server that looks like the persona's sshd.

Every password and public-key attempt becomes an ``auth`` event; failed passwords are delayed
like PAM does and the connection is dropped after ``max_auth_tries`` failures with sshd's
message. Configured accounts get the fake shell. Connections are capped (``max_connections``,
sshd-style ``max_startups``) and unauthenticated ones live at most ``login_grace_time``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from datetime import UTC, datetime

import asyncssh

from decnet.services.base import Service, ServiceConfig, ServiceContext
from decnet.services.ssh.algorithms import AlgorithmSet, algorithms_for, server_version
from decnet.services.ssh.config import SSHConfig
from decnet.services.ssh.hostkeys import host_keypairs, load_or_create_host_keys
from decnet.services.ssh.session import ShellSession
from decnet.services.ssh.shell import clip

#: sshd's message when MaxAuthTries is exceeded.
TOO_MANY_FAILURES = "Too many authentication failures"
_MAX_MISC_EVENTS = 64
_WATCHDOG_S = 5.0
_VERSION_WAIT_S = 2.0


def pam_delay(base: float, rng: random.Random) -> float:
    """A failed-password delay around ``base``, jittered by up to 25% as Linux-PAM does."""
    spread = (rng.random() + rng.random() + rng.random()) / 3.0 - 0.5
    return max(0.0, base * (1.0 + spread / 2.0))


def _key_label(key: asyncssh.SSHKey) -> str:
    algorithm = key.get_algorithm()
    for prefix, label in (
        ("ssh-ed25519", "ED25519"),
        ("ecdsa", "ECDSA"),
        ("ssh-rsa", "RSA"),
        ("rsa", "RSA"),
        ("ssh-dss", "DSA"),
        ("sk-ssh-ed25519", "ED25519-SK"),
        ("sk-ecdsa", "ECDSA-SK"),
    ):
        if algorithm.startswith(prefix):
            return label
    return algorithm.upper()


class _Connection(asyncssh.SSHServer):
    """One client connection (asyncssh calls these methods)."""

    def __init__(self, service: SSHService) -> None:
        self.service = service
        self.sid = secrets.token_hex(8)
        self.conn: asyncssh.SSHServerConnection | None = None
        self.src_ip = ""
        self.src_port = 0
        self.local_port = 0
        self.opened = time.monotonic()
        self.opened_at = datetime.now(UTC)
        self.failures = 0
        self.authenticated = False
        self.username = ""
        self.close_reason: str | None = None
        self.sessions: set[ShellSession] = set()
        self._connect_sent = False
        self._misc_events = 0
        self._watch: asyncio.Task[None] | None = None
        self._idle: asyncio.Task[None] | None = None
        self.activity = time.monotonic()
        self._rng = random.Random()

    # ------------------------------------------------------------------ events

    def client_version(self) -> str:
        """The client's identification string, once received."""
        if self.conn is None:
            return ""
        return clip(str(self.conn.get_extra_info("client_version", "") or ""), 255)

    def emit(self, event_type: str, fields: dict[str, str], message: str = "") -> None:
        """Emit an event of this connection (never raises)."""
        try:
            self.service.emit(
                event_type,
                src_ip=self.src_ip or None,
                src_port=self.src_port or None,
                sid=self.sid,
                fields=fields,
                message=message,
            )
        except Exception:
            self.service.log.exception("could not emit %s event", event_type)

    def _emit_misc(self, event_type: str, fields: dict[str, str]) -> None:
        if self._misc_events < _MAX_MISC_EVENTS:
            self._misc_events += 1
            self.emit(event_type, fields)

    def emit_connect(self) -> None:
        """Emit ``connect`` once (with the client version if it arrived)."""
        if self._connect_sent:
            return
        self._connect_sent = True
        fields = {"dst_port": str(self.local_port)}
        version = self.client_version()
        if version:
            fields["client_version"] = version
        local = self.service.ctx.bind_host
        self.emit(
            "connect",
            fields,
            f"Connection from {self.src_ip} port {self.src_port} on {local} port {self.local_port}",
        )

    async def _await_version(self) -> None:
        # asyncssh has no callback for the client's identification string: poll briefly for it.
        for _ in range(int(_VERSION_WAIT_S / 0.05)):
            if self.client_version() or self.conn is None:
                break
            await asyncio.sleep(0.05)
        self.emit_connect()

    # ------------------------------------------------------------------ connection

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("", 0)
        sock = conn.get_extra_info("sockname") or ("", 0)
        self.src_ip, self.src_port = str(peer[0])[:45], int(peer[1])
        self.local_port = int(sock[1])
        refusal = self.service.admit(self)
        if refusal is not None:
            self.close_reason = refusal
            self.emit_connect()
            conn.abort()
            return
        self.service.connections.add(self)
        self._watch = asyncio.get_running_loop().create_task(self._await_version())

    def connection_lost(self, exc: Exception | None) -> None:
        self.service.connections.discard(self)
        for task in (self._watch, self._idle):
            if task is not None and not task.done():
                task.cancel()
        self.emit_connect()
        reason = self.close_reason or self._reason(exc)
        fields = {"duration": f"{time.monotonic() - self.opened:.3f}", "reason": reason}
        version = self.client_version()
        if version:
            fields["client_version"] = version
        if self.authenticated:
            fields["username"] = self.username
            self.service.last_logins[self.username] = (self.opened_at, self.src_ip)
        self.emit("disconnect", fields, f"Disconnected from {self.src_ip} port {self.src_port}")
        self.conn = None

    @staticmethod
    def _reason(exc: Exception | None) -> str:
        if exc is None:
            return "closed"
        if isinstance(exc, asyncssh.ConnectionLost):
            text = str(exc.reason if isinstance(exc, asyncssh.DisconnectError) else exc)
            if "Login timeout" in text:
                return "login grace time exceeded"
            return "connection lost" if text in {"Connection lost", ""} else clip(text, 200)
        if isinstance(exc, asyncssh.DisconnectError):
            return clip(f"disconnect: {exc.reason}", 200)
        return clip(f"error: {type(exc).__name__}: {exc}", 200)

    # ------------------------------------------------------------------ authentication

    def begin_auth(self, username: str) -> bool:
        self.emit_connect()
        return True

    def auth_completed(self) -> None:
        self.activity = time.monotonic()
        if self.service.settings.idle_timeout > 0:
            self._idle = asyncio.get_running_loop().create_task(self._idle_watch())

    async def _idle_watch(self) -> None:
        """Drop a logged-in connection with no input or output for ``idle_timeout`` seconds."""
        limit = self.service.settings.idle_timeout
        while self.conn is not None:
            await asyncio.sleep(min(limit / 4, 30.0))
            last = max([self.activity, *(s.last_activity for s in self.sessions)])
            if time.monotonic() - last >= limit:
                self.abort("idle timeout")
                return

    def _session_closed(self, session: ShellSession) -> None:
        self.sessions.discard(session)
        self.activity = time.monotonic()

    def password_auth_supported(self) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def kbdint_auth_supported(self) -> bool:
        return False

    def host_based_auth_supported(self) -> bool:
        return False

    def _auth_event(self, username: str, method: str, ok: bool, extra: dict[str, str]) -> None:
        fields = {
            "username": clip(username, 256),
            "method": method,
            "result": "success" if ok else "failure",
            "client_version": self.client_version(),
            **extra,
        }
        valid = username in self.service.settings.users or username == "root"
        verb = "Accepted" if ok else "Failed"
        who = username if valid or ok else f"invalid user {username}"
        detail = ""
        if method == "publickey":
            detail = f": {extra.get('key_label', '')} {extra.get('key_fingerprint', '')}"
            fields.pop("key_label", None)
        message = f"{verb} {method} for {clip(who, 256)} from {self.src_ip} port {self.src_port} ssh2{detail}"
        self.emit("auth", fields, message)

    def _failed(self) -> None:
        self.failures += 1
        if self.failures >= self.service.settings.max_auth_tries:
            self.close_reason = "too many authentication failures"
            raise asyncssh.ProtocolError(TOO_MANY_FAILURES)

    async def validate_password(self, username: str, password: str) -> bool:
        ok = self.service.settings.check_password(username, password)
        self._auth_event(username, "password", ok, {"password": clip(password, 1024)})
        if ok:
            self.authenticated = True
            self.username = username
            return True
        await asyncio.sleep(pam_delay(self.service.persona.ssh_auth_fail_delay_s, self._rng))
        self._failed()
        return False

    async def change_password(self, username: str, old_password: str, new_password: str) -> bool:
        self._auth_event(
            username,
            "password",
            False,
            {"password": clip(old_password, 1024), "new_password": clip(new_password, 1024)},
        )
        await asyncio.sleep(pam_delay(self.service.persona.ssh_auth_fail_delay_s, self._rng))
        self._failed()
        return False

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        extra = {
            "key_type": key.get_algorithm(),
            "key_fingerprint": key.get_fingerprint("sha256"),
            "key_label": _key_label(key),
        }
        self._auth_event(username, "publickey", False, extra)
        self._failed()
        return False

    def validate_ca_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        extra = {
            "key_type": "cert:" + key.get_algorithm(),
            "key_fingerprint": key.get_fingerprint("sha256"),
            "key_label": _key_label(key) + "-CERT",
        }
        self._auth_event(username, "publickey", False, extra)
        self._failed()
        return False

    # ------------------------------------------------------------------ channels

    def session_requested(self) -> ShellSession:
        if not self.authenticated:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed")
        if len(self.sessions) >= self.service.settings.max_sessions:
            self._emit_misc(
                "session", {"kind": "refused", "reason": "max_sessions", "username": self.username}
            )
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed")
        session = ShellSession(
            persona=self.service.persona,
            login=self.username,
            usernames=list(self.service.settings.users),
            emit=lambda event_type, fields: self.emit(event_type, fields),
            src_ip=self.src_ip,
            src_port=self.src_port,
            idle_timeout=self.service.settings.idle_timeout,
            last_login=self.service.last_logins.get(self.username),
            on_close=self._session_closed,
            drop_connection=self.abort,
        )
        self.sessions.add(session)
        return session

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        self._emit_misc(
            "forward",
            {
                "direction": "local",
                "dest_host": clip(dest_host, 255),
                "dest_port": str(dest_port),
                "orig_host": clip(orig_host, 255),
                "orig_port": str(orig_port),
                "result": "refused",
            },
        )
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self._emit_misc(
            "forward",
            {
                "direction": "remote",
                "listen_host": clip(listen_host, 255),
                "listen_port": str(listen_port),
                "result": "refused",
            },
        )
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        self._emit_misc(
            "forward", {"direction": "local-unix", "dest_path": clip(dest_path, 255), "result": "refused"}
        )
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        self._emit_misc(
            "forward",
            {"direction": "remote-unix", "listen_path": clip(listen_path, 255), "result": "refused"},
        )
        return False

    def abort(self, reason: str | None = None) -> None:
        """Drop the connection at once."""
        if reason and self.close_reason is None:
            self.close_reason = reason
        if self.conn is not None:
            self.conn.abort()


class SSHService(Service):
    """SSH honeypot: persona banner and algorithms, credential capture, fake shell."""

    slug = "ssh"
    default_ports = (22,)
    config_model = SSHConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        if config is not None and not isinstance(config, SSHConfig):
            config = SSHConfig.model_validate(config.model_dump())
        super().__init__(ctx, config)
        assert isinstance(self.config, SSHConfig)
        self.settings: SSHConfig = self.config
        self.algorithms: AlgorithmSet = algorithms_for(self.persona)
        self.connections: set[_Connection] = set()
        #: user -> (when, from where) of the previous login, for the "Last login" line.
        self.last_logins: dict[str, tuple[datetime, str]] = {}
        self._acceptors: list[asyncssh.SSHAcceptor] = []
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False

    def admit(self, connection: _Connection) -> str | None:
        """``None`` to accept a new connection, else why it is dropped."""
        if self._stopping:
            return "service stopping"
        if len(self.connections) >= self.settings.max_connections:
            return "max_connections"
        start, rate, full = self.settings.startups
        pending = sum(1 for c in self.connections if not c.authenticated)
        if pending >= full:
            return "max_startups"
        if pending >= start:
            chance = rate + (100 - rate) * (pending - start) / max(1, full - start)
            if random.random() * 100 < chance:
                return "max_startups"
        return None

    async def start(self) -> None:
        """Load (or create) the host keys and listen on every port."""
        self._stopping = False
        keys = await asyncio.to_thread(load_or_create_host_keys, self.ctx.state_dir)
        algs = self.algorithms
        keypairs = host_keypairs(keys, algs.host_key)
        if self.settings.fetch_payloads:
            self.log.warning("fetch_payloads is not implemented: download URLs are recorded, never fetched")
        options = asyncssh.SSHServerConnectionOptions(
            server_factory=lambda: _Connection(self),
            server_version=server_version(self.persona.ssh_banner),
            server_host_keys=keypairs,
            kex_algs=list(algs.kex),
            encryption_algs=list(algs.ciphers),
            mac_algs=list(algs.macs),
            compression_algs=list(algs.compression),
            login_timeout=self.settings.login_grace_time,
            keepalive_interval=0,
            gss_host=None,
            gss_kex=False,
            gss_auth=False,
            host_based_auth=False,
            kbdint_auth=False,
            public_key_auth=True,
            password_auth=True,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            allow_pty=True,
            line_editor=False,
            encoding=None,
            rdns_lookup=False,
        )
        try:
            for port in self.ports:
                acceptor = await asyncssh.listen(
                    self.ctx.bind_host, port, options=options, reuse_address=True, backlog=128
                )
                self._acceptors.append(acceptor)
        except BaseException:
            await self._close_acceptors()
            raise
        self._watchdog = asyncio.get_running_loop().create_task(self._watch())
        self.log.info(
            "ssh listening on %s ports %s as %r",
            self.ctx.bind_host,
            list(self.ports),
            self.persona.ssh_banner,
        )

    async def _watch(self) -> None:
        while not self._stopping:
            await asyncio.sleep(_WATCHDOG_S)
            if not self._stopping and any(not acceptor.is_serving() for acceptor in self._acceptors):
                self.fail(RuntimeError("ssh listener stopped serving"))
                return

    async def _close_acceptors(self) -> None:
        acceptors, self._acceptors = self._acceptors, []
        for acceptor in acceptors:
            acceptor.close()
        for acceptor in acceptors:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(acceptor.wait_closed(), timeout=5)

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watchdog
            self._watchdog = None
        await self._close_acceptors()
        for connection in list(self.connections):
            connection.abort("service stopped")
        for _ in range(50):
            if not self.connections:
                break
            await asyncio.sleep(0.02)
