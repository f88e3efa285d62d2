"""The ftp service: the control dialogue of vsftpd, ProFTPD or Microsoft's FTP service, passive data.

Logins are ``auth`` events in the shared shape; every command is a ``command`` event;
downloads (``retr``) and uploads (``stor``, captured with a sha256) have their own events.
Logged-in users see the persona's fake filesystem (the one the ssh shell shows); anonymous
users are chrooted to ``/srv/ftp``. Active mode (PORT/EPRT) is acknowledged but the server
never connects out, so it cannot be used to bounce traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.ftp.config import FTPConfig
from decnet.services.ftp.texts import FEATURES, TEXTS, VSFTPD_HELP
from decnet.services.smtp.accounts import check
from decnet.services.smtp.capture import Capture
from decnet.services.smtp.lines import Closed
from decnet.services.smtp.linesvc import LineService, Session
from decnet.services.ssh.fakefs import FakeFS, FSError, Node
from decnet.services.ssh.system import Account, System
from decnet.services.text import clip

_ANON_NAMES = frozenset({"anonymous", "ftp"})
_ANON_ROOT = "/srv/ftp"
_PROFTPD_NAMES = {"debian": "Debian", "ubuntu20": "Debian", "ubuntu22": "Debian", "ubuntu24": "Debian"}
_CHUNK = 65536
_MAX_LISTING = 2000


@dataclass(slots=True)
class DataChannel:
    """A passive-mode listener and the connection it accepted."""

    server: asyncio.Server
    accepted: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
    port: int

    def close(self) -> None:
        """Stop listening and drop any accepted connection."""
        self.server.close()
        if self.accepted.done() and not self.accepted.cancelled() and self.accepted.exception() is None:
            self.accepted.result()[1].transport.abort()
        elif not self.accepted.done():
            self.accepted.cancel()


@dataclass(slots=True)
class FTPState:
    """Per-connection state."""

    pending_user: str | None = None
    user: str | None = None
    anonymous: bool = False
    failures: int = 0
    fs: FakeFS | None = None
    account: Account | None = None
    chroot: str = ""
    cwd: str = "/"
    binary: bool = False
    data: DataChannel | None = None
    active: bool = False
    rnfr: str | None = None
    rest: int = 0


class FTPService(LineService):
    """FTP (RFC 959, 2389, 2428, 3659 SIZE/MDTM) as the persona's FTP server answers it."""

    slug = "ftp"
    default_ports = (21,)
    config_model: ClassVar[type[ServiceConfig]] = FTPConfig
    max_line = 4096
    default_auth_fail_delay = 1.0  # vsftpd's delay_failed_login

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, FTPConfig)
        self.ftp: FTPConfig = self.config
        self.product = self._product()
        self.texts = TEXTS[self.product]

    def _product(self) -> str:
        if self.ftp.server != "auto":
            return self.ftp.server
        if self.persona.os_family == "windows":
            return "microsoft"
        if not self.persona.version_of("vsftpd") and self.persona.version_of("proftpd"):
            return "proftpd"
        return "vsftpd"

    def greeting(self, sess: Session) -> str:
        """The 220 line."""
        if self.ftp.banner:
            return f"220 {self.ftp.banner}\r\n"
        if self.product == "microsoft":
            return "220 Microsoft FTP Service\r\n"
        if self.product == "proftpd":
            version = self.persona.version_of("proftpd", "1.3.8")
            name = _PROFTPD_NAMES.get(self.persona.distro, "ProFTPD Default Installation")
            local = sess.writer.get_extra_info("sockname")
            addr = str(local[0]) if isinstance(local, tuple) and local else self.persona.ip
            return f"220 ProFTPD {version} Server ({name}) [{'::ffff:' + addr if '.' in addr else addr}]\r\n"
        return f"220 (vsFTPd {self.persona.version_of('vsftpd', '3.0.3')})\r\n"

    def reply(self, key: str, **values: object) -> str:
        """Reply ``key`` with CRLF (placeholders filled, attacker text clipped)."""
        clean = {k: clip(str(v), 256) for k, v in values.items()}
        for name in ("arg", "user", "verb", "pasv", "port", "size"):
            clean.setdefault(name, "")
        return self.texts[key].format(**clean) + "\r\n"

    # -- control connection -------------------------------------------------------------------

    async def serve(self, sess: Session) -> None:
        state = FTPState()
        try:
            await self.send(sess, self.greeting(sess))
            while True:
                try:
                    line = await self.command(sess)
                except Closed as closed:
                    if closed.reason == "timeout":
                        with contextlib.suppress(Closed):
                            await self.send(sess, self.reply("timeout"))
                    raise
                verb, _, arg = line.text.strip().partition(" ")
                verb = verb.upper()
                if verb.startswith("X") and verb in {"XPWD", "XCWD", "XCUP", "XMKD", "XRMD"}:
                    verb = verb[1:] if verb != "XCUP" else "CDUP"
                if verb != "PASS":
                    fields = {"verb": clip(verb, 32), "arg": clip(arg, 1024)}
                    if state.user:
                        fields["username"] = clip(state.user, 256)
                    self.event(sess, "command", fields)
                if line.too_long:
                    await self.send(sess, self.reply("too_long"))
                    continue
                if await self._dispatch(sess, state, verb, arg) is False:
                    return
        finally:
            if state.data is not None:
                state.data.close()

    async def _dispatch(self, sess: Session, state: FTPState, verb: str, arg: str) -> bool | None:
        if verb == "QUIT":
            await self.send(sess, self.reply("quit"))
            sess.close_reason = "quit"
            return False
        if verb == "USER":
            if state.user is not None:
                await self.send(
                    sess, self.reply("already") if self.product == "vsftpd" else self.reply("need_login")
                )
                return None
            state.pending_user = arg
            anon = arg.lower() in _ANON_NAMES
            await self.send(sess, self.reply("anon_user_ok" if anon else "user_ok", user=arg))
            return None
        if verb == "PASS":
            return await self._pass(sess, state, arg)
        if verb == "FEAT":
            feats = "".join(f" {f}\r\n" for f in FEATURES[self.product])
            await self.send(sess, f"211-Features:\r\n{feats}211 End\r\n")
            return None
        if verb == "OPTS":
            await self.send(sess, self.reply("opts_utf8" if arg.upper().startswith("UTF8") else "opts_bad"))
            return None
        if verb == "NOOP":
            await self.send(sess, self.reply("noop"))
            return None
        if verb in {"AUTH", "PBSZ", "PROT"} and state.user is None:
            await self.send(sess, self.reply("auth_tls"))
            return None
        if state.user is None:
            await self.send(sess, self.reply("need_login"))
            return None
        handler = _COMMANDS.get(verb)
        if handler is None:
            await self.send(sess, self.reply("unknown", verb=verb))
            return None
        await handler(self, sess, state, arg)
        return None

    async def _pass(self, sess: Session, state: FTPState, password: str) -> bool | None:
        if state.user is not None:
            await self.send(sess, self.reply("already"))
            return None
        user = state.pending_user
        if user is None:
            await self.send(sess, self.reply("need_user"))
            return None
        state.pending_user = None
        anon = user.lower() in _ANON_NAMES
        ok = (anon and self.ftp.anonymous) or (not anon and check(self.ftp.users, user, password))
        fields = credential_fields(user, password, ok=ok, method="anonymous" if anon else "password")
        self.event(sess, "auth", fields)
        if not ok:
            await self.fail_delay()
            await self.send(sess, self.reply("login_bad"))
            state.failures += 1
            if state.failures >= self.ftp.max_login_failures:
                raise Closed("too_many_failures")
            return None
        state.user, state.anonymous = user, anon
        system = System(self.persona, [] if anon else [user])
        state.fs = FakeFS(system)
        if anon:
            state.account = system.account("ftp")
            state.chroot = _ANON_ROOT
            state.fs.add_dir(f"{_ANON_ROOT}/pub")
            state.fs.add_file(
                f"{_ANON_ROOT}/pub/README",
                f"{self.persona.hostname} public FTP archive.\nMirrors are updated nightly.\n",
            )
        else:
            state.account = system.account(user)
            state.cwd = state.account.home if state.fs.lookup(state.account.home, "/") else "/"
        await self.send(sess, self.reply("anon_login_ok" if anon else "login_ok", user=user))
        return None

    # -- paths ------------------------------------------------------------------------------------

    def _virtual(self, state: FTPState, arg: str) -> str:
        path = posixpath.normpath(posixpath.join(state.cwd, arg or "."))
        return "/" + path.lstrip("/")

    def _real(self, state: FTPState, virtual: str) -> str:
        return (state.chroot + virtual).rstrip("/") or "/" if state.chroot else virtual

    def _node(self, state: FTPState, arg: str) -> Node | None:
        assert state.fs is not None and state.account is not None
        try:
            return state.fs.stat(self._real(state, self._virtual(state, arg)), "/", state.account)
        except FSError:
            return None

    # -- commands -------------------------------------------------------------------------------------

    async def _syst(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, self.reply("syst"))

    async def _pwd(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, self.reply("pwd", arg=state.cwd))

    async def _cwd(self, sess: Session, state: FTPState, arg: str) -> None:
        target = self._virtual(state, arg or "/")
        node = self._node(state, target)
        assert state.fs is not None and state.account is not None
        if node is None or node.kind != "d" or not state.fs.allowed(state.account, node, "x"):
            await self.send(sess, self.reply("cwd_bad", arg=arg))
            return
        state.cwd = target
        await self.send(sess, self.reply("cwd_ok"))

    async def _cdup(self, sess: Session, state: FTPState, arg: str) -> None:
        await self._cwd(sess, state, "..")

    async def _type(self, sess: Session, state: FTPState, arg: str) -> None:
        kind = arg.strip().upper()[:1]
        if kind not in {"A", "I", "L"}:
            await self.send(sess, self.reply("type_bad", arg=arg))
            return
        state.binary = kind != "A"
        await self.send(sess, self.reply("type_a" if kind == "A" else "type_i"))

    async def _mode(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, self.reply("mode_ok" if arg.upper() == "S" else "bad_arg"))

    async def _stru(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, self.reply("stru_ok" if arg.upper() == "F" else "bad_arg"))

    async def _pasv(self, sess: Session, state: FTPState, arg: str, *, extended: bool = False) -> None:
        if state.data is not None:
            state.data.close()
            state.data = None
        state.active = False
        loop = asyncio.get_running_loop()
        accepted: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = loop.create_future()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("peername")
            if accepted.done() or not isinstance(peer, tuple) or str(peer[0]) != sess.src_ip:
                writer.transport.abort()  # vsftpd: "Security: Bad IP connecting."
                return
            accepted.set_result((reader, writer))

        local = sess.writer.get_extra_info("sockname")
        host = str(local[0]) if isinstance(local, tuple) and local else self.ctx.bind_host
        server = await asyncio.start_server(on_connect, host, 0, backlog=1)
        port = int(server.sockets[0].getsockname()[1])
        state.data = DataChannel(server, accepted, port)
        if extended:
            await self.send(sess, self.reply("epsv", port=port))
        else:
            quad = host.split(".") if host.count(".") == 3 else ["127", "0", "0", "1"]
            await self.send(
                sess, self.reply("pasv", pasv=",".join([*quad, str(port >> 8), str(port & 0xFF)]))
            )

    async def _epsv(self, sess: Session, state: FTPState, arg: str) -> None:
        await self._pasv(sess, state, arg, extended=True)

    async def _port(self, sess: Session, state: FTPState, arg: str) -> None:
        parts = arg.split(",")
        ok = len(parts) == 6 and all(p.strip().isdigit() and int(p) < 256 for p in parts)
        if not ok or ".".join(p.strip() for p in parts[:4]) != sess.src_ip:
            await self.send(sess, self.reply("port_bad"))
            return
        if state.data is not None:
            state.data.close()
            state.data = None
        state.active = True
        await self.send(sess, self.reply("port_ok"))

    async def _eprt(self, sess: Session, state: FTPState, arg: str) -> None:
        fields = arg.split(arg[:1]) if arg else []
        if len(fields) < 4 or fields[2] != sess.src_ip:
            await self.send(sess, self.reply("port_bad"))
            return
        state.active = True
        await self.send(sess, self.reply("eprt_ok"))

    async def _open_data(
        self, sess: Session, state: FTPState
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The data connection (passive only); answers the error itself when there is none."""
        if state.active:
            state.active = False
            await self.send(sess, self.reply("data_failed"))
            return None
        channel = state.data
        if channel is None:
            await self.send(sess, self.reply("no_data"))
            return None
        state.data = None
        try:
            pair = await asyncio.wait_for(asyncio.shield(channel.accepted), self.ftp.data_timeout)
        except (TimeoutError, asyncio.CancelledError):
            channel.close()
            await self.send(sess, self.reply("data_failed"))
            return None
        channel.server.close()
        return pair

    async def _send_data(self, writer: asyncio.StreamWriter, data: bytes) -> bool:
        try:
            for start in range(0, len(data), _CHUNK):
                writer.write(data[start : start + _CHUNK])
                await asyncio.wait_for(writer.drain(), self.ftp.data_timeout)
            return True
        except (TimeoutError, ConnectionError, OSError):
            return False
        finally:
            writer.transport.abort() if writer.transport.is_closing() else writer.close()

    async def _list(self, sess: Session, state: FTPState, arg: str, *, names_only: bool = False) -> None:
        words = [w for w in arg.split() if not w.startswith("-")]
        target = words[0] if words else ""
        assert state.fs is not None and state.account is not None
        real = self._real(state, self._virtual(state, target))
        try:
            node = state.fs.stat(real, "/", state.account)
            entries = (
                state.fs.listdir(real, "/", state.account)
                if node.kind == "d"
                else [(posixpath.basename(real), node)]
            )
        except FSError:
            entries = []
        if names_only:
            text = "".join(f"{name}\r\n" for name, _ in entries[:_MAX_LISTING])
        else:
            text = "".join(self._list_line(name, node) for name, node in entries[:_MAX_LISTING])
        pair = await self._open_data(sess, state)
        if pair is None:
            return
        await self.send(sess, self.reply("list_start"))
        await self._send_data(pair[1], text.encode("utf-8", "surrogateescape"))
        await self.send(sess, self.reply("list_done"))

    async def _nlst(self, sess: Session, state: FTPState, arg: str) -> None:
        await self._list(sess, state, arg, names_only=True)

    def _list_line(self, name: str, node: Node) -> str:
        when = node.mtime or datetime.now(UTC)
        if self.product == "microsoft":
            size = "<DIR>         " if node.kind == "d" else f"{node.length():>14}"
            return f"{when.strftime('%m-%d-%y  %I:%M%p')} {size} {name}\r\n"
        kind = {"d": "d", "l": "l"}.get(node.kind, "-")
        mode = "".join(
            ch if node.mode & bit else "-"
            for ch, bit in zip("rwxrwxrwx", (256, 128, 64, 32, 16, 8, 4, 2, 1), strict=True)
        )
        links = 2 + sum(1 for c in node.children.values() if c.kind == "d") if node.kind == "d" else 1
        recent = datetime.now(UTC) - when < timedelta(days=180)
        stamp = when.strftime("%b %d %H:%M") if recent else when.strftime("%b %d  %Y")
        target = f" -> {node.target}" if node.kind == "l" else ""
        owner = f"{node.uid:<8} {node.gid:<8}"
        return f"{kind}{mode} {links:>4} {owner} {node.length():>8} {stamp} {name}{target}\r\n"

    async def _retr(self, sess: Session, state: FTPState, arg: str) -> None:
        assert state.fs is not None and state.account is not None
        virtual = self._virtual(state, arg)
        try:
            data = state.fs.read(self._real(state, virtual), "/", state.account).encode(
                "utf-8", "surrogateescape"
            )
        except FSError as exc:
            self.event(sess, "retr", {"path": clip(virtual, 1024), "result": "failed", "error": str(exc)})
            await self.send(sess, self.reply("retr_bad", arg=arg))
            return
        data = data[state.rest :]
        state.rest = 0
        pair = await self._open_data(sess, state)
        if pair is None:
            self.event(sess, "retr", {"path": clip(virtual, 1024), "result": "no_data_connection"})
            return
        await self.send(sess, self.reply("retr_start", arg=arg, size=len(data)))
        ok = await self._send_data(pair[1], data)
        self.event(
            sess,
            "retr",
            {"path": clip(virtual, 1024), "result": "sent" if ok else "aborted", "size": str(len(data))},
        )
        await self.send(sess, self.reply("transfer_done" if ok else "data_failed"))

    async def _stor(self, sess: Session, state: FTPState, arg: str) -> None:
        assert state.fs is not None and state.account is not None
        virtual = self._virtual(state, arg)
        real = self._real(state, virtual)
        try:
            if not self.ftp.uploads or not arg:
                raise FSError("Permission denied")
            state.fs.write(real, "/", state.account, "")
        except FSError as exc:
            self.event(sess, "stor", {"path": clip(virtual, 1024), "result": "denied", "error": str(exc)})
            await self.send(sess, self.reply("denied", arg=arg))
            return
        pair = await self._open_data(sess, state)
        if pair is None:
            self.event(sess, "stor", {"path": clip(virtual, 1024), "result": "no_data_connection"})
            return
        await self.send(sess, self.reply("stor_start", arg=arg))
        folder = Path(self.ctx.state_dir) / "ftp-uploads" if self.ftp.store_uploads else None
        capture = Capture(folder, self.ftp.max_upload_bytes)
        try:
            complete = await self._receive(capture, *pair)
            fields = {
                "path": clip(virtual, 1024),
                "size": str(capture.size),
                "sha256": capture.sha256,
                "result": "received" if complete else "aborted",
            }
            if capture.truncated:
                fields["truncated"] = "true"
            stored = capture.keep(".bin", self.ftp.max_stored_uploads) if capture.size else ""
            if stored:
                fields["stored"] = stored
        finally:
            capture.discard()
        with contextlib.suppress(FSError):
            state.fs.write(real, "/", state.account, capture.head.decode("latin-1"))
        self.event(sess, "stor", fields)
        await self.send(sess, self.reply("transfer_done" if complete else "data_failed"))

    async def _receive(
        self, capture: Capture, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Read an upload to EOF into ``capture``; True if it completed."""
        complete = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.cfg.max_session_seconds
        try:
            while loop.time() < deadline:
                chunk = await asyncio.wait_for(reader.read(_CHUNK), self.ftp.data_timeout)
                if not chunk:
                    complete = True
                    break
                capture.add(chunk)
        except (TimeoutError, ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()
        return complete

    async def _size(self, sess: Session, state: FTPState, arg: str) -> None:
        node = self._node(state, arg)
        if node is None or node.kind != "f":
            await self.send(sess, self.reply("size_bad", arg=arg))
            return
        await self.send(sess, self.reply("size", size=node.length()))

    async def _mdtm(self, sess: Session, state: FTPState, arg: str) -> None:
        node = self._node(state, arg)
        if node is None or node.kind != "f" or node.mtime is None:
            await self.send(sess, self.reply("mdtm_bad", arg=arg))
            return
        await self.send(sess, self.reply("mdtm", arg=node.mtime.strftime("%Y%m%d%H%M%S")))

    async def _mkd(self, sess: Session, state: FTPState, arg: str) -> None:
        assert state.fs is not None and state.account is not None
        virtual = self._virtual(state, arg)
        try:
            if not self.ftp.uploads or not arg:
                raise FSError("Permission denied")
            state.fs.mkdir(self._real(state, virtual), "/", state.account)
        except FSError:
            await self.send(sess, self.reply("mkd_bad", arg=arg))
            return
        await self.send(sess, self.reply("mkd_ok", arg=virtual))

    async def _dele(self, sess: Session, state: FTPState, arg: str, *, directory: bool = False) -> None:
        assert state.fs is not None and state.account is not None
        real = self._real(state, self._virtual(state, arg))
        node = self._node(state, arg)
        try:
            if not self.ftp.uploads or node is None or (node.kind == "d") != directory:
                raise FSError("No such file or directory")
            state.fs.remove(real, "/", state.account, recursive=False)
        except FSError:
            await self.send(sess, self.reply("dele_bad" if not directory else "denied", arg=arg))
            return
        await self.send(sess, self.reply("rmd_ok" if directory else "dele_ok"))

    async def _rmd(self, sess: Session, state: FTPState, arg: str) -> None:
        await self._dele(sess, state, arg, directory=True)

    async def _rnfr(self, sess: Session, state: FTPState, arg: str) -> None:
        if self._node(state, arg) is None:
            await self.send(sess, self.reply("retr_bad", arg=arg))
            return
        state.rnfr = self._virtual(state, arg)
        await self.send(sess, self.reply("rnfr_ok"))

    async def _rnto(self, sess: Session, state: FTPState, arg: str) -> None:
        assert state.fs is not None and state.account is not None
        source, state.rnfr = state.rnfr, None
        if source is None:
            await self.send(sess, self.reply("rnto_need"))
            return
        try:
            if not self.ftp.uploads:
                raise FSError("Permission denied")
            state.fs.move(
                self._real(state, source), self._real(state, self._virtual(state, arg)), "/", state.account
            )
        except FSError:
            await self.send(sess, self.reply("denied", arg=arg))
            return
        await self.send(sess, self.reply("rnto_ok"))

    async def _rest(self, sess: Session, state: FTPState, arg: str) -> None:
        state.rest = int(arg) if arg.isdigit() and len(arg) < 12 else 0
        await self.send(sess, self.reply("rest", arg=state.rest))

    async def _abor(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, self.reply("abor"))

    async def _help(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, VSFTPD_HELP if self.product == "vsftpd" else "214 Help OK.\r\n")

    async def _site(self, sess: Session, state: FTPState, arg: str) -> None:
        await self.send(sess, self.reply("site", verb="SITE", arg=arg))

    async def _stat(self, sess: Session, state: FTPState, arg: str) -> None:
        if self.product != "vsftpd":
            await self.send(sess, "211 End of status.\r\n")
            return
        ip = sess.src_ip or ""
        version = self.persona.version_of("vsftpd", "3.0.3")
        lines = [
            "FTP server status:",
            f"     Connected to {ip}",
            f"     Logged in as {clip(state.user or '', 64)}",
            f"     TYPE: {'BINARY' if state.binary else 'ASCII'}",
            "     No session bandwidth limit",
            f"     Session timeout in seconds is {int(self.cfg.idle_timeout)}",
            "     Control connection is plain text",
            "     Data connections will be plain text",
            "     At session startup, client count was 1",
            f"     vsFTPd {version} - secure, fast, stable",
        ]
        await self.send(sess, "211-" + "\r\n".join(lines) + "\r\n211 End of status\r\n")


_COMMANDS: dict[str, Callable[[FTPService, Session, FTPState, str], Awaitable[None]]] = {
    "SYST": FTPService._syst,
    "PWD": FTPService._pwd,
    "CWD": FTPService._cwd,
    "CDUP": FTPService._cdup,
    "TYPE": FTPService._type,
    "MODE": FTPService._mode,
    "STRU": FTPService._stru,
    "PASV": FTPService._pasv,
    "EPSV": FTPService._epsv,
    "PORT": FTPService._port,
    "EPRT": FTPService._eprt,
    "LIST": FTPService._list,
    "NLST": FTPService._nlst,
    "RETR": FTPService._retr,
    "STOR": FTPService._stor,
    "APPE": FTPService._stor,
    "SIZE": FTPService._size,
    "MDTM": FTPService._mdtm,
    "MKD": FTPService._mkd,
    "DELE": FTPService._dele,
    "RMD": FTPService._rmd,
    "RNFR": FTPService._rnfr,
    "RNTO": FTPService._rnto,
    "REST": FTPService._rest,
    "ABOR": FTPService._abor,
    "HELP": FTPService._help,
    "SITE": FTPService._site,
    "STAT": FTPService._stat,
}
