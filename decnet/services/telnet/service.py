"""The telnet service: the persona's telnetd negotiation, a login dialogue, then the ssh service's fake shell.

Every login attempt is an ``auth`` event in the shared shape; after a successful login the
shell emits its ``command`` (and ``download``) events exactly as it does over ssh.
"""

from __future__ import annotations

import asyncio
import collections
from typing import ClassVar

from pydantic import Field

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.smtp.accounts import check
from decnet.services.smtp.config import Users
from decnet.services.smtp.lines import Closed
from decnet.services.smtp.linesvc import LineConfig, LineService, Session
from decnet.services.ssh.shell import Interpreter, Writer
from decnet.services.ssh.terminal import Action, Echo, EndOfFile, Interrupt, Line, LineEditor, Redraw
from decnet.services.telnet.protocol import TelnetDecoder, negotiation
from decnet.services.telnet.shell import failure_text, login_banner, login_prompt, make_shell
from decnet.services.text import clip

_CHUNK = 4096
#: How long telnetd waits for the client's answers to its first options before going on.
NEGOTIATION_WAIT = 10.0
_MAX_LOGIN_FIELD = 256


class TelnetConfig(LineConfig):
    """Options of the telnet service; unknown keys are rejected."""

    users: Users = Field(
        default_factory=dict,
        description="Accounts that log in to the fake shell: 'user:password, ...' ('*' = any).",
    )
    max_auth_tries: int = Field(3, ge=1, le=100, description="Failed logins before the connection is closed.")
    login_timeout: float = Field(
        60.0, gt=0, le=3600, description="Seconds to complete the login (login's LOGIN_TIMEOUT)."
    )
    banner: str | None = Field(
        None,
        max_length=2000,
        description="Text shown before the first login prompt (default: /etc/issue.net).",
    )


class _Terminal:
    """The attacker's side of one connection: telnet-decoded input turned into editor actions."""

    def __init__(self, service: TelnetService, sess: Session) -> None:
        self.service = service
        self.sess = sess
        self.decoder = TelnetDecoder()
        self.pending = bytearray()
        self.actions: collections.deque[Action] = collections.deque()

    async def read_raw(self, timeout: float) -> None:
        """Read one chunk (decoded into :attr:`pending`); answer the options it carried."""
        try:
            chunk = await asyncio.wait_for(self.sess.reader.read(_CHUNK), timeout)
        except TimeoutError:
            raise Closed("timeout") from None
        except (ConnectionError, OSError):
            raise Closed("reset") from None
        if not chunk:
            raise Closed("eof")
        self.sess.lines.bytes_in += len(chunk)
        self.pending += self.decoder.feed(chunk)
        replies = self.decoder.take_replies()
        if replies:
            await self.service.send(self.sess, replies)

    async def next_action(self, editor: LineEditor, deadline: float) -> Action:
        """The next editor action, reading input until ``deadline`` (loop time)."""
        loop = asyncio.get_running_loop()
        while not self.actions:
            if self.pending:
                data = bytes(self.pending)
                self.pending.clear()
                self.actions.extend(editor.feed(data))
                continue
            await self.read_raw(deadline - loop.time())
        return self.actions.popleft()

    async def read_line(self, *, echo: bool, timeout: float) -> str | None:
        """One line (echoed or not); None on Ctrl-C / Ctrl-D."""
        editor = LineEditor()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            action = await self.next_action(editor, deadline)
            if isinstance(action, Echo):
                if echo:
                    await self.service.send(self.sess, action.text)
            elif isinstance(action, Line):
                if not echo:
                    await self.service.send(self.sess, "\r\n")
                return action.text
            elif isinstance(action, EndOfFile | Interrupt):
                return None


class TelnetService(LineService):
    """Telnet as the persona's telnetd (netkit/inetutils, BusyBox, Windows Telnet Server, Cisco IOS)."""

    slug = "telnet"
    default_ports = (23,)
    config_model: ClassVar[type[ServiceConfig]] = TelnetConfig
    default_auth_fail_delay = 3.0  # login(1)'s FAIL_DELAY

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, TelnetConfig)
        self.telnet: TelnetConfig = self.config

    async def serve(self, sess: Session) -> None:
        term = _Terminal(self, sess)
        first, later = negotiation(self.persona.os_family)
        await self.send(sess, first)
        if later:
            try:
                await term.read_raw(min(NEGOTIATION_WAIT, self.cfg.idle_timeout))
            except Closed as closed:
                if closed.reason != "timeout":
                    raise
            await self.send(sess, later + term.decoder.take_replies())
        login = await self._login(sess, term)
        if login is None:
            return
        await self._shell(sess, term, login)

    async def _login(self, sess: Session, term: _Terminal) -> str | None:
        """The login dialogue; the account name once one succeeds, None when the client is dropped."""
        persona = self.persona
        banner = (
            self.telnet.banner.replace("\n", "\r\n") + "\r\n" if self.telnet.banner else login_banner(persona)
        )
        await self.send(sess, banner)
        failures = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.telnet.login_timeout
        while True:
            await self.send(sess, login_prompt(persona))
            user = await term.read_line(echo=True, timeout=max(0.01, deadline - loop.time()))
            if user is None:
                await self.send(sess, "\r\n")
                continue
            user = user.strip()[:_MAX_LOGIN_FIELD]
            if not user:
                continue
            prompt = "password: " if persona.os_family == "windows" else "Password: "
            await self.send(sess, prompt)
            password = await term.read_line(echo=False, timeout=max(0.01, deadline - loop.time()))
            password = (password or "")[:_MAX_LOGIN_FIELD]
            ok = check(self.telnet.users, user, password)
            self.event(sess, "auth", credential_fields(user, password, ok=ok, method="password"))
            if ok:
                return user
            await self.fail_delay()
            await self.send(sess, failure_text(persona))
            failures += 1
            if failures >= self.telnet.max_auth_tries:
                sess.close_reason = "too_many_failures"
                return None

    async def _shell(self, sess: Session, term: _Terminal, login: str) -> None:
        width = term.decoder.width or 80
        terminal = term.decoder.terminal or "xterm"

        async def read_secret(prompt: str) -> str | None:
            await write(prompt)
            return await term.read_line(echo=False, timeout=self.cfg.idle_timeout)

        async def write(text: str) -> None:
            await self.send(sess, text.replace("\r\n", "\n").replace("\n", "\r\n"))

        shell: Interpreter = make_shell(
            self.persona,
            login,
            list(self.telnet.users),
            emit=lambda event_type, fields: self.event(sess, event_type, fields),
            src_ip=sess.src_ip or "",
            src_port=sess.src_port or 0,
            term=clip(terminal, 64),
            width=width,
            read_secret=read_secret,
        )
        self.event(
            sess, "session", {"kind": "shell", "username": clip(login, 256), "term": clip(terminal, 64)}
        )
        editor = LineEditor(shell.history)
        await write(shell.banner())
        await write(shell.prompt())
        loop = asyncio.get_running_loop()
        while not shell.exited:
            action = await term.next_action(editor, loop.time() + self.cfg.idle_timeout)
            if isinstance(action, Echo):
                await self.send(sess, action.text)
            elif isinstance(action, Redraw):
                await write(shell.prompt())
                await self.send(sess, editor.redraw())
            elif isinstance(action, Interrupt):
                shell.status = 130
                await write(shell.prompt())
            elif isinstance(action, EndOfFile):
                await self.send(sess, "logout\r\n")
                break
            elif isinstance(action, Line):
                sess.commands += 1
                if sess.commands > self.cfg.max_commands:
                    raise Closed("max_commands")
                if await self._run(term, shell, action.text, write):
                    editor = LineEditor(shell.history)  # Ctrl-C: the typed-ahead line is gone
                if shell.exited or shell.dropped:
                    break
                await write(shell.prompt())
        sess.close_reason = "logout"

    async def _run(self, term: _Terminal, shell: Interpreter, line: str, write: Writer) -> bool:
        """Run one command line; Ctrl-C (or IAC IP) typed meanwhile cancels it. True if interrupted."""
        loop = asyncio.get_running_loop()
        run = loop.create_task(shell.run_line(line, write))
        interrupted = False
        queued = [i for i, action in enumerate(term.actions) if isinstance(action, Interrupt)]
        if queued:  # Ctrl-C typed ahead, in the same packet as the command
            for _ in range(queued[-1] + 1):
                term.actions.popleft()
            await asyncio.sleep(0)  # let the line start (and be logged) before it is interrupted
            interrupted = run.cancel()
            await asyncio.wait({run})
        try:
            while not run.done():
                reading = loop.create_task(term.read_raw(self.cfg.idle_timeout))
                await asyncio.wait({run, reading}, return_when=asyncio.FIRST_COMPLETED)
                if not reading.done():
                    reading.cancel()
                    await asyncio.wait({reading})
                    continue
                reading.result()  # Closed ends the session (the command with it)
                cut = term.pending.rfind(b"\x03")
                if cut >= 0:
                    del term.pending[: cut + 1]
                    run.cancel()
                    await asyncio.wait({run})
                    interrupted = True
        finally:
            if not run.done():
                run.cancel()
                await asyncio.wait({run})
        if interrupted:
            shell.status = 130
            await self.send(term.sess, "^C\r\n")
            return True
        exc = run.exception()
        if isinstance(exc, Closed):
            raise exc
        if exc is not None:  # one broken command never ends the session
            self.log.debug("telnet shell command failed: %r", line[:200], exc_info=exc)
            shell.status = 1
        return False
