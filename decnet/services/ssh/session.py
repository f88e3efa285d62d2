"""One SSH channel of a logged-in attacker: a pty shell, a non-pty shell or an exec request.

The channel carries bytes; a pty session gets server-side line editing (the client's terminal
is raw), a session without a pty reads plain lines. Commands run one at a time; Ctrl-C
cancels the running one. Input is paused while too much is queued, output waits for the
client's window, and both are bounded, so a flooding client costs bounded memory.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import shlex
import time
from collections.abc import Callable, Sequence
from datetime import datetime

import asyncssh

from decnet.fleet.persona import Persona
from decnet.services.ssh import commands as _commands  # noqa: F401  (registers the commands)
from decnet.services.ssh import netcmds as _netcmds  # noqa: F401
from decnet.services.ssh import sysinfo as _sysinfo  # noqa: F401
from decnet.services.ssh.ciscoshell import CiscoShell
from decnet.services.ssh.cmdutil import REGISTRY
from decnet.services.ssh.fakefs import FakeFS
from decnet.services.ssh.shell import MAX_LINE, SHELL_NAMES, Interpreter, Shell, clip
from decnet.services.ssh.system import System, persona_family
from decnet.services.ssh.terminal import Action, Echo, EndOfFile, Interrupt, Line, LineEditor, Redraw
from decnet.services.ssh.winshell import WindowsShell

log = logging.getLogger("decnet.services.ssh")

EmitFn = Callable[[str, dict[str, str]], None]

#: Input bytes queued before the channel stops reading (the client's window then fills up).
MAX_PENDING_INPUT = 64 * 1024
#: Output one session may produce in total before it is closed.
MAX_SESSION_OUTPUT = 16 * 1024 * 1024
_WRITE_HIGH_WATER = 256 * 1024
_SHELL_FLAGS = frozenset({"-s", "-i", "-l", "--login", "-", "--norc", "--noprofile"})


class _IdleTimeout(Exception):
    """No input for the idle timeout."""


class _LineSplitter:
    """Lines of a session without a pty (no echo, no editing), each at most ``MAX_LINE``."""

    def __init__(self) -> None:
        self._partial = bytearray()

    def feed(self, data: bytes) -> list[Action]:
        actions: list[Action] = []
        start = 0
        while True:
            nl = data.find(b"\n", start)
            chunk = data[start:] if nl < 0 else data[start:nl]
            room = MAX_LINE - len(self._partial)
            self._partial += chunk[: max(0, room)]
            if nl < 0:
                break
            actions.append(Line(self._take()))
            start = nl + 1
        return actions

    def _take(self) -> str:
        text = self._partial.decode("utf-8", errors="replace").rstrip("\r")
        self._partial.clear()
        return text

    def flush(self) -> list[Action]:
        return [Line(self._take())] if self._partial else []


class ShellSession(asyncssh.SSHServerSession[bytes]):
    """An SSH session channel answered by the fake shell."""

    def __init__(
        self,
        *,
        persona: Persona,
        login: str,
        usernames: Sequence[str],
        emit: EmitFn,
        src_ip: str,
        src_port: int,
        idle_timeout: float,
        last_login: tuple[datetime, str] | None,
        on_close: Callable[[ShellSession], None],
        drop_connection: Callable[[], None],
    ) -> None:
        self._persona = persona
        self._login = login
        self._usernames = usernames
        self._emit = emit
        self._src_ip = src_ip
        self._src_port = src_port
        self._idle_timeout = idle_timeout
        self._last_login = last_login
        self._on_close = on_close
        self._drop_connection = drop_connection
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._pty = False
        self._term = "xterm"
        self._width = 80
        self._height = 24
        self._command: str | None = None
        self._kind = "shell"
        self._inbuf = bytearray()
        self._actions: collections.deque[Action] = collections.deque()
        self._wake = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._eof = False
        self._closed = False
        self._reading_paused = False
        self._echo = True
        self._written = 0
        self._editor: LineEditor | None = None
        self._splitter = _LineSplitter()
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Task[int] | None = None
        #: monotonic time of the last input or output (the connection's idle watchdog reads it)
        self.last_activity = time.monotonic()
        self.shell: Interpreter | None = None

    # ------------------------------------------------------------------ asyncssh callbacks

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan
        chan.set_write_buffer_limits(high=_WRITE_HIGH_WATER)

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int], term_modes: object) -> bool:
        self._pty = True
        self._term = clip(term_type or "xterm", 64)
        self._resize(term_size[0], term_size[1])
        return True

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self._resize(width, height)

    def _resize(self, width: int, height: int) -> None:
        self._width = width if 10 <= width <= 1000 else 80
        self._height = height if 2 <= height <= 1000 else 24
        if self.shell is not None:
            self.shell.width = self._width

    def shell_requested(self) -> bool:
        self._kind = "shell"
        return True

    def exec_requested(self, command: str) -> bool:
        self._kind = "exec"
        self._command = command[: MAX_LINE * 4]
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self._emit("subsystem", {"name": clip(subsystem, 64), "result": "refused", "username": self._login})
        return False

    def session_started(self) -> None:
        self._emit(
            "session",
            {
                "kind": self._kind,
                "pty": "true" if self._pty else "false",
                "term": self._term if self._pty else "",
                "username": self._login,
                "size": f"{self._width}x{self._height}" if self._pty else "",
            },
        )
        self._task = asyncio.get_running_loop().create_task(self._main())

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        if self._closed or datatype is not None:
            return
        self.last_activity = time.monotonic()
        running = self._running
        if self._pty and running is not None and not running.done() and b"\x03" in data:
            data = data[data.rindex(b"\x03") + 1 :]
            self._inbuf.clear()
            self._actions.clear()
            running.cancel()
        self._inbuf += data
        if len(self._inbuf) > MAX_PENDING_INPUT and self._chan is not None and not self._reading_paused:
            self._reading_paused = True
            self._chan.pause_reading()
        self._wake.set()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake.set()
        return True

    def break_received(self, msec: int) -> bool:
        return True

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._writable.set()
        self._wake.set()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._on_close(self)

    # ------------------------------------------------------------------ output

    async def _write_raw(self, text: str, datatype: asyncssh.DataType = None) -> None:
        chan = self._chan
        if self._closed or chan is None:
            raise asyncio.CancelledError
        data = text.encode("utf-8", errors="replace")
        self.last_activity = time.monotonic()
        self._written += len(data)
        if self._written > MAX_SESSION_OUTPUT:
            raise _IdleTimeout("output budget")
        try:
            chan.write(data, datatype)
        except (BrokenPipeError, OSError, asyncssh.Error):
            self._closed = True
            raise asyncio.CancelledError from None
        if not self._writable.is_set():
            await self._writable.wait()

    async def _write_text(self, text: str) -> None:
        """Write command output (LF becomes CRLF on a pty, as the tty's onlcr does)."""
        if self._pty:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        await self._write_raw(text)

    async def _write_stderr(self, text: str) -> None:
        """Write to the stderr stream (sessions without a pty)."""
        await self._write_raw(text, asyncssh.EXTENDED_DATA_STDERR)

    # ------------------------------------------------------------------ input

    async def _next_action(self, idle: bool = False) -> Action | None:
        """The next editor action; ``None`` at end of input."""
        while not self._actions:
            if self._inbuf:
                chunk = bytes(self._inbuf)
                self._inbuf.clear()
                if self._reading_paused and self._chan is not None:
                    self._reading_paused = False
                    self._chan.resume_reading()
                if self._editor is not None:
                    self._actions.extend(self._editor.feed(chunk))
                else:
                    self._actions.extend(self._splitter.feed(chunk))
                continue
            if self._eof or self._closed:
                if self._editor is None:
                    self._actions.extend(self._splitter.flush())
                    if self._actions:
                        continue
                return None
            self._wake.clear()
            if idle and self._idle_timeout > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_timeout)
                except TimeoutError:
                    raise _IdleTimeout from None
            else:
                await self._wake.wait()
        return self._actions.popleft()

    async def _read_secret(self, prompt: str) -> str | None:
        """Prompt and read a line without echo (sudo, su, passwd)."""
        await self._write_text(prompt)
        while True:
            action = await self._next_action()
            if action is None or isinstance(action, EndOfFile | Interrupt):
                await self._write_raw("\r\n")
                return None
            if isinstance(action, Line):
                await self._write_raw("\r\n")
                return action.text

    # ------------------------------------------------------------------ running

    def _make_shell(self, interactive: bool) -> Interpreter:
        system = System(self._persona, self._usernames)
        read_secret = self._read_secret if self._pty else None
        if system.family == "windows":
            return WindowsShell(
                system,
                self._login,
                src_ip=self._src_ip,
                src_port=self._src_port,
                interactive=interactive,
                emit=self._emit,
                width=self._width,
                last_login=self._last_login,
            )
        if system.family == "cisco":
            return CiscoShell(
                system,
                self._login,
                src_ip=self._src_ip,
                interactive=interactive,
                emit=self._emit,
                read_secret=read_secret,
                width=self._width,
            )
        return Shell(
            system,
            FakeFS(system),
            self._login,
            commands=REGISTRY,
            src_ip=self._src_ip,
            src_port=self._src_port,
            tty="pts/0" if self._pty else "?",
            term=self._term,
            width=self._width,
            interactive=interactive,
            emit=self._emit,
            read_secret=read_secret,
            last_login=self._last_login,
        )

    async def _run(self, shell: Interpreter, line: str, exec_request: bool = False) -> int:
        write_err = None if self._pty else self._write_stderr
        task = asyncio.get_running_loop().create_task(
            shell.run_line(line, self._write_text, write_err=write_err, exec_request=exec_request)
        )
        self._running = task
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self._running = None
        if task.cancelled():
            if self._closed:
                raise asyncio.CancelledError
            if self._pty:
                await self._write_raw("^C\r\n")
            shell.status = 130
            return 130
        exc = task.exception()
        if isinstance(exc, _IdleTimeout):
            raise exc
        if exc is not None:
            log.debug("fake shell command failed: %r", line[:200], exc_info=exc)
            shell.status = 1
            return 1
        return task.result()

    async def _main(self) -> None:
        status = 0
        try:
            command = self._command
            posix = persona_family(self._persona) not in {"windows", "cisco"}
            if command is not None and not (posix and self._is_shell(command)):
                status = await self._exec(command)
            else:
                status = await self._interactive(command)
        except asyncio.CancelledError:
            return
        except _IdleTimeout:
            status = 0
        except Exception:  # one broken session never takes the service down
            log.exception("ssh session failed")
            status = 1
        if self.shell is not None and self.shell.dropped:
            self._drop_connection()
            return
        self._finish(status)

    def _finish(self, status: int) -> None:
        chan = self._chan
        if chan is None or self._closed:
            return
        try:
            chan.exit(status)
        except (OSError, asyncssh.Error):
            chan.close()

    @staticmethod
    def _is_shell(command: str) -> bool:
        try:
            words = shlex.split(command)
        except ValueError:
            return False
        return (
            bool(words)
            and words[0].rsplit("/", 1)[-1] in SHELL_NAMES
            and all(w in _SHELL_FLAGS for w in words[1:])
        )

    async def _exec(self, command: str) -> int:
        self.shell = shell = self._make_shell(interactive=False)
        words = command.split()
        if words and words[0].rsplit("/", 1)[-1] == "scp" and ("-t" in words or "-f" in words):
            shell.emit(
                "command",
                {"command": clip(command), "cwd": shell.cwd, "username": self._login, "exec": "true"},
            )
            target = words[-1] if len(words) > 1 else "."
            await self._write_raw(f"\x01scp: {target}: Permission denied\n")
            return 1
        return await self._run(shell, command, exec_request=True)

    async def _interactive(self, exec_command: str | None) -> int:
        self.shell = shell = self._make_shell(interactive=self._pty)
        if exec_command is not None:
            shell.emit(
                "command",
                {"command": clip(exec_command), "cwd": shell.cwd, "username": self._login, "exec": "true"},
            )
        if self._pty:
            self._editor = LineEditor(shell.history)
            await self._write_text(shell.banner())
            await self._write_text(shell.prompt())
        while not shell.exited:
            action = await self._next_action(idle=True)
            if action is None:
                break
            if isinstance(action, Echo):
                await self._write_raw(action.text)
            elif isinstance(action, Redraw):
                assert self._editor is not None
                await self._write_text(shell.prompt())
                await self._write_raw(self._editor.redraw())
            elif isinstance(action, Interrupt):
                shell.status = 130
                await self._write_text(shell.prompt())
            elif isinstance(action, EndOfFile):
                if self._pty:
                    await self._write_raw("logout\r\n")
                break
            elif isinstance(action, Line):
                await self._run(shell, action.text)
                if shell.exited:
                    break
                if self._pty:
                    await self._write_text(shell.prompt())
        return shell.exit_status if shell.exited else shell.status
