"""The fake shell: expands and runs command lines against the persona's fake system.

Nothing is ever executed for real and nothing is fetched. Every line the attacker enters
becomes a ``command`` event; download tools produce ``download`` events. Work per line is
bounded: commands run, output produced, substitution depth and script length.
"""

from __future__ import annotations

import ast
import fnmatch
import posixpath
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from decnet.services.ssh.fakefs import FakeFS, FSError
from decnet.services.ssh.parse import (
    ARITH,
    LIT,
    TILDE,
    VAR,
    CommandList,
    ParseError,
    Pipeline,
    Simple,
    Word,
    parse,
)
from decnet.services.ssh.system import Account, System, unavailable

Writer = Callable[[str], Awaitable[None]]
EmitFn = Callable[[str, dict[str, str]], None]
SecretReader = Callable[[str], Awaitable[str | None]]

MAX_LINE = 4096
MAX_OUTPUT_PER_LINE = 1 << 20
MAX_COMMANDS_PER_LINE = 64
MAX_SUBST_DEPTH = 3
MAX_SCRIPT_BYTES = 64 * 1024
MAX_HISTORY = 1000
MAX_GLOB_RESULTS = 256
MAX_FIELD = 4096
#: Most ``command``/``download`` events one shell emits (a pasted script cannot flood the collector).
MAX_EVENTS = 2000

_DEBIAN_ALIASES = {
    "ls": "ls --color=auto",
    "grep": "grep --color=auto",
    "egrep": "egrep --color=auto",
    "fgrep": "fgrep --color=auto",
    "ll": "ls -alF",
    "la": "ls -A",
    "l": "ls -CF",
}
_ALIASES: dict[str, dict[str, str]] = {
    "ubuntu": _DEBIAN_ALIASES,
    "debian": _DEBIAN_ALIASES,
    "kali": _DEBIAN_ALIASES,
    "rhel": {
        "ls": "ls --color=auto",
        "ll": "ls -l --color=auto",
        "l.": "ls -d .* --color=auto",
        "grep": "grep --color=auto",
        "which": "(alias; declare -f) | /usr/bin/which --tty-only --read-alias "
        "--read-functions --show-tilde --show-dot",
        "egrep": "egrep --color=auto",
    },
    "arch": {"ls": "ls --color=auto", "grep": "grep --color=auto"},
    "freebsd": {"h": "fc -l", "j": "jobs", "ll": "ls -laFo", "l": "ls -l", "g": "egrep -i"},
}

_FREEBSD_MOTD = """FreeBSD {version}

Welcome to FreeBSD!

Release Notes, Errata: https://www.FreeBSD.org/releases/
Security Advisories:   https://www.FreeBSD.org/security/
FreeBSD Handbook:      https://www.FreeBSD.org/handbook/
FreeBSD FAQ:           https://www.FreeBSD.org/faq/
Questions List:        https://www.FreeBSD.org/lists/questions/
FreeBSD Forums:        https://forums.FreeBSD.org/

Documents installed with the system are in the /usr/local/share/doc/freebsd/
directory, or can be installed later with:  pkg install en-freebsd-doc
For other languages, replace "en" with a language code like de or fr.

Show the version of FreeBSD installed:  freebsd-version ; uname -a
Please include that output and any error messages when posting questions.
Introduction to manual pages:  man man
FreeBSD directory layout:      man hier

To change this login announcement, see motd(5).
"""

#: Names that start a shell (``bash -c``, ``sh script``, ``curl ... | sh``).
SHELL_NAMES = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "busybox sh"})


def clip(text: str, limit: int = MAX_FIELD) -> str:
    """``text`` cut to ``limit`` characters, control characters shown as ``\\xNN``."""
    text = text[:limit]
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else "?" for ch in text)


_ARITH_OPS: dict[type[ast.AST], Callable[[int, int], int]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Div: lambda a, b: int(a / b),
    ast.Mod: lambda a, b: a % b,
}
_ARITH_LIMIT = 1 << 63


def arithmetic(expr: str, env: Mapping[str, str]) -> str:
    """Evaluate a ``$((...))`` expression (integers, + - * / %, variables); ``0`` when unsupported."""
    text = expr.replace("$", "").strip()[:256]

    def value(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return int(node.value)
        if isinstance(node, ast.Name):
            raw = env.get(node.id, "0").strip()
            return int(raw) if raw.lstrip("-").isdigit() and len(raw) < 20 else 0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITH_OPS:
            result = _ARITH_OPS[type(node.op)](value(node.left), value(node.right))
            if abs(result) >= _ARITH_LIMIT:
                raise OverflowError
            return result
        raise ValueError

    try:
        return str(value(ast.parse(text.replace("/", "//") if "//" not in text else text, mode="eval").body))
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, RecursionError):
        return "0"


class BoundedEvents:
    """Shell events, at most :data:`MAX_EVENTS` per shell (an attacker cannot flood the collector)."""

    emit_fn: EmitFn | None
    events: int

    def emit(self, event_type: str, fields: dict[str, str]) -> None:
        """Emit an event (bounded per shell)."""
        if self.emit_fn is None or self.events >= MAX_EVENTS:
            return
        self.events += 1
        self.emit_fn(event_type, fields)


class Interpreter(Protocol):
    """What a session needs from a shell (Linux-like, Windows cmd.exe or Cisco IOS)."""

    history: list[str]
    exited: bool
    exit_status: int
    status: int
    dropped: bool
    width: int
    cwd: str

    def prompt(self) -> str: ...

    def banner(self) -> str: ...

    def emit(self, event_type: str, fields: dict[str, str]) -> None: ...

    async def run_line(
        self,
        line: str,
        write: Writer,
        *,
        write_err: Writer | None = None,
        exec_request: bool = False,
        source: str = "",
    ) -> int: ...


class Output:
    """Where a command writes: a sink (the terminal) or a bounded in-memory capture."""

    def __init__(self, sink: Writer | None = None, limit: int = MAX_OUTPUT_PER_LINE) -> None:
        self._sink = sink
        self._parts: list[str] = []
        self._size = 0
        self._limit = limit

    @property
    def captured(self) -> bool:
        """True if this output is captured rather than written through."""
        return self._sink is None

    async def write(self, text: str) -> None:
        """Write ``text`` (silently dropped past the limit)."""
        if not text:
            return
        if self._sink is not None:
            await self._sink(text)
            return
        room = self._limit - self._size
        if room > 0:
            piece = text[:room]
            self._parts.append(piece)
            self._size += len(piece)

    def text(self) -> str:
        """What was captured."""
        return "".join(self._parts)


@dataclass(slots=True)
class Invocation:
    """One command being run: its arguments, input and outputs."""

    shell: Shell
    name: str
    args: list[str]
    stdin: str | None
    out: Output
    err: Output
    depth: int = 0

    async def error(self, message: str) -> None:
        """Write ``name: message`` to stderr."""
        await self.err.write(f"{self.name}: {message}\n")

    @property
    def fs(self) -> FakeFS:
        """The session filesystem."""
        return self.shell.fs

    @property
    def user(self) -> Account:
        """The effective user."""
        return self.shell.user

    @property
    def system(self) -> System:
        """The persona's system."""
        return self.shell.system


CommandFn = Callable[[Invocation], Awaitable[int]]


class _Budget(Exception):
    """The per-line command budget ran out."""


class Shell(BoundedEvents):
    """One interactive (or exec) shell of a logged-in attacker."""

    def __init__(
        self,
        system: System,
        fs: FakeFS,
        login: str,
        *,
        commands: Mapping[str, CommandFn],
        src_ip: str = "",
        src_port: int = 0,
        tty: str = "pts/0",
        term: str = "xterm",
        width: int = 80,
        interactive: bool = True,
        emit: EmitFn | None = None,
        read_secret: SecretReader | None = None,
        last_login: tuple[datetime, str] | None = None,
    ) -> None:
        self.system = system
        self.fs = fs
        self.commands = commands
        self.login = system.account(login)
        self.users: list[Account] = [self.login]
        self.src_ip = src_ip
        self.src_port = src_port
        self.tty = tty
        self.term = term
        self.width = width
        self.interactive = interactive
        self.emit_fn = emit
        self.read_secret = read_secret
        self.last_login = last_login
        self.flavour = {"alpine": "ash", "kali": "zsh", "freebsd": "sh", "busybox": "sh"}.get(
            system.family, "bash"
        )
        self.missing = unavailable(system.family)
        self.history: list[str] = []
        self.status = 0
        self.exited = False
        self.exit_status = 0
        self.events = 0
        self.started = system.now()
        self.rng = random.Random()
        self.pid = system.pid_base + 3000 + self.rng.randint(0, 20000)
        home = self.login.home
        self.cwd = home if self._is_dir(home) else "/"
        self.oldpwd = ""
        self.env: dict[str, str] = {}
        self._reset_env()
        self._budget = 0
        self.aliases: dict[str, str] = dict(_ALIASES.get(system.family, {}))
        self.crontabs: dict[str, str] = {}
        #: Set by ``reboot``: the session should drop the connection like a rebooting host.
        self.dropped = False

    # ------------------------------------------------------------------ state

    @property
    def user(self) -> Account:
        """The effective user (root after ``sudo -i``)."""
        return self.users[-1]

    def _path(self, account: Account) -> str:
        family = self.system.family
        if family == "freebsd":
            return f"/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin:{account.home}/bin"
        if family == "busybox":
            return "/usr/sbin:/usr/bin:/sbin:/bin"
        if family == "rhel":
            base = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
            return f"{account.home}/.local/bin:{account.home}/bin:{base}"
        if family == "alpine":
            return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        if account.uid == 0:
            return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" + (
                ":/snap/bin" if family == "ubuntu" else ""
            )
        return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games" + (
            ":/snap/bin" if family == "ubuntu" else ""
        )

    def _reset_env(self) -> None:
        user = self.user
        server_ip = str(self.system.interface().ip)
        self.env = {
            "SHELL": user.shell,
            "PWD": self.cwd,
            "LOGNAME": user.name,
            "HOME": user.home,
            "LANG": "en_US.UTF-8" if self.system.family == "rhel" else "C.UTF-8",
            "TERM": self.term,
            "USER": user.name,
            "SHLVL": "1",
            "PATH": self._path(user),
            "MAIL": f"/var/mail/{user.name}",
            "SSH_CLIENT": f"{self.src_ip} {self.src_port} 22",
            "SSH_CONNECTION": f"{self.src_ip} {self.src_port} {server_ip} 22",
            "_": "/usr/bin/env",
        }
        if self.tty != "?":
            self.env["SSH_TTY"] = f"/dev/{self.tty}"
        if self.system.family in {"freebsd", "busybox"}:
            del self.env["LANG"], self.env["MAIL"]
            if self.system.family == "freebsd":
                self.env.update(BLOCKSIZE="K", PAGER="less", EDITOR="vi", ENV=f"{user.home}/.shrc")
        elif self.system.family != "alpine":
            self.env["XDG_SESSION_ID"] = str(self.system.pid_base // 10 + 3)
            self.env["XDG_RUNTIME_DIR"] = f"/run/user/{user.uid}"

    def home_of(self, name: str) -> str | None:
        """Home directory of account ``name`` (for ``~name``)."""
        account = self.system.accounts.get(name)
        return account.home if account else None

    def _is_dir(self, path: str) -> bool:
        try:
            node = self.fs.lookup(path, "/")
        except FSError:
            return False
        return node is not None and node.kind == "d"

    def become(self, account: Account, login: bool = True) -> None:
        """Start a nested shell as ``account`` (``sudo -i``, ``su``)."""
        if len(self.users) >= 16:
            return
        self.users.append(account)
        if login:
            self.oldpwd, self.cwd = self.cwd, account.home if self._is_dir(account.home) else "/"
        self._reset_env()

    def exit_shell(self, status: int) -> None:
        """Leave the innermost shell; the session ends when the login shell exits."""
        if len(self.users) > 1:
            self.users.pop()
            if not self._is_dir(self.cwd):
                self.cwd = self.user.home
            self._reset_env()
            return
        self.exited = True
        self.exit_status = status

    def set_cwd(self, path: str) -> None:
        """Change the working directory (already checked)."""
        self.oldpwd, self.cwd = self.cwd, path
        self.env["OLDPWD"] = self.oldpwd
        self.env["PWD"] = path

    # ------------------------------------------------------------------ presentation

    def display_path(self, path: str, basename_only: bool = False) -> str:
        """``path`` as a prompt shows it (``~`` for home)."""
        home = self.user.home
        if path == home:
            return "~"
        if basename_only:
            return posixpath.basename(path) or "/"
        if home != "/" and path.startswith(home + "/"):
            return "~" + path[len(home) :]
        return path

    @property
    def color(self) -> bool:
        """Whether the terminal gets colours (Debian-style .bashrc logic)."""
        return self.interactive and (self.term == "xterm-color" or self.term.endswith("-256color"))

    def prompt(self) -> str:
        """The prompt for the current user, host and directory."""
        user = self.user
        host = self.system.short_hostname
        sym = "#" if user.uid == 0 else "$"
        family = self.system.family
        if family in {"rhel", "arch"}:
            return f"[{user.name}@{host} {self.display_path(self.cwd, basename_only=True)}]{sym} "
        if family == "alpine":
            return f"{host}:{self.display_path(self.cwd)}{sym} "
        if family == "freebsd":
            return f"{user.name}@{host}:{self.display_path(self.cwd)} {sym} "
        if family == "busybox":
            return f"{user.name}@{host}:{self.display_path(self.cwd)}{sym} "
        if family == "kali":
            return f"┌──({user.name}㉿{host})-[{self.display_path(self.cwd)}]\n└─{sym} "
        where = self.display_path(self.cwd)
        if self.color and (family == "ubuntu" or user.uid != 0):
            return f"\x1b[01;32m{user.name}@{host}\x1b[00m:\x1b[01;34m{where}\x1b[00m{sym} "
        return f"{user.name}@{host}:{where}{sym} "

    def shell_name(self) -> str:
        """Name used in the shell's own error messages."""
        name = {"ash": "ash", "zsh": "zsh", "sh": "sh"}.get(self.flavour, "bash")
        return f"-{name}" if self.interactive else name

    def not_found(self, name: str) -> str:
        """The 'command not found' message of this shell."""
        if self.flavour == "zsh":
            return f"zsh: command not found: {name}\n"
        if self.flavour in {"ash", "sh"}:
            return f"{self.shell_name()}: {name}: not found\n"
        if not self.interactive and self.system.family != "rhel" and self.system.persona.distro != "ubuntu20":
            return f"bash: line 1: {name}: command not found\n"
        return f"{self.shell_name()}: {name}: command not found\n"

    # ------------------------------------------------------------------ events

    def record_download(self, url: str, tool: str, command: str = "") -> None:
        """Record a download attempt (the URL is never fetched)."""
        fields = {"url": clip(url, 2048), "tool": tool, "cwd": clip(self.cwd), "username": self.login.name}
        if command:
            fields["command"] = clip(command)
        self.emit("download", fields)

    # ------------------------------------------------------------------ running

    async def run_line(
        self,
        line: str,
        write: Writer,
        *,
        write_err: Writer | None = None,
        exec_request: bool = False,
        source: str = "",
    ) -> int:
        """Run one entered line: log it as a ``command`` event, then execute it.

        ``write_err`` receives stderr separately (exec and pty-less sessions); on a pty both
        streams go to ``write``, as they do on a terminal.
        """
        line = line[:MAX_LINE] if not exec_request else line[: MAX_LINE * 4]
        text = line.strip()
        if not text:
            return self.status
        if self.interactive and not exec_request and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-MAX_HISTORY]
        fields = {
            "command": clip(text),
            "cwd": clip(self.cwd),
            "username": self.login.name,
            "exec": "true" if exec_request else "false",
        }
        if self.user is not self.login:
            fields["euser"] = self.user.name
        if source:
            fields["source"] = source
        self.emit("command", fields)
        written = 0

        def bounded(sink: Writer) -> Writer:
            async def write_bounded(chunk: str) -> None:
                nonlocal written
                if written < MAX_OUTPUT_PER_LINE:
                    chunk = chunk[: MAX_OUTPUT_PER_LINE - written]
                    written += len(chunk)
                    await sink(chunk)

            return write_bounded

        out = Output(bounded(write))
        err = Output(bounded(write_err)) if write_err is not None else out
        self._budget = MAX_COMMANDS_PER_LINE
        return await self.execute(text, out, err)

    async def execute(
        self, text: str, out: Output, err: Output, *, depth: int = 0, stdin: str | None = None
    ) -> int:
        """Parse and run ``text``; return its exit status."""
        try:
            commands = parse(text)
        except ParseError as exc:
            prefix = self.shell_name() if self.interactive else f"{self.shell_name()}: line 1"
            await err.write(f"{prefix}: {exc}\n")
            self.status = 2
            return 2
        try:
            return await self._run_list(commands, out, err, depth, stdin)
        except _Budget:
            return self.status

    async def run_script(self, text: str, out: Output, err: Output, depth: int, source: str) -> int:
        """Run a script's lines (``sh file``, ``curl ... | sh``) as this shell."""
        if depth > MAX_SUBST_DEPTH:
            return 0
        status = 0
        for raw in text[:MAX_SCRIPT_BYTES].splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = {
                "command": clip(line),
                "cwd": clip(self.cwd),
                "username": self.login.name,
                "exec": "false",
                "source": source,
            }
            self.emit("command", fields)
            status = await self.execute(line, out, err, depth=depth + 1)
            if self.exited:
                break
        return status

    async def _run_list(
        self, commands: CommandList, out: Output, err: Output, depth: int, stdin: str | None
    ) -> int:
        status = self.status
        skip_next = False
        for pipeline, op in commands:
            if not skip_next:
                if op == "&":
                    await err.write(f"[1] {self.pid + self.rng.randint(5, 400)}\n")
                status = await self._run_pipeline(pipeline, out, err, depth, stdin)
                self.status = status
                if self.exited:
                    break
            if op == "&&":
                skip_next = skip_next or status != 0
            elif op == "||":
                skip_next = skip_next or status == 0
            else:
                skip_next = False
        return status

    async def _run_pipeline(
        self, pipeline: Pipeline, out: Output, err: Output, depth: int, stdin: str | None
    ) -> int:
        data = stdin
        status = 0
        last = len(pipeline.commands) - 1
        for index, simple in enumerate(pipeline.commands):
            stage_out = out if index == last else Output()
            status = await self._run_simple(simple, stage_out, err, depth, data)
            data = stage_out.text() if index != last else None
            if self.exited:
                break
        return status

    # ------------------------------------------------------------------ expansion

    async def _var(self, name: str, depth: int) -> str:
        if ":-" in name or (len(name) > 1 and "-" in name and name.split("-", 1)[0].isidentifier()):
            key, _, default = name.partition(":-") if ":-" in name else name.partition("-")
            return self.env.get(key) or default
        if name.startswith("#") and len(name) > 1:
            return str(len(await self._var(name[1:], depth)))
        special = {
            "?": str(self.status),
            "$": str(self.pid),
            "#": "0",
            "!": "",
            "@": "",
            "*": "",
            "-": "himBHs" if self.interactive else "hBc",
            "0": self.shell_name(),
            "RANDOM": str(self.rng.randint(0, 32767)),
            "UID": str(self.user.uid),
            "EUID": str(self.user.uid),
            "PPID": str(self.pid - 1),
            "HOSTNAME": self.system.persona.hostname,
            "BASH_VERSION": "5.1.16(1)-release",
            "SECONDS": str(int((self.system.now() - self.started).total_seconds())),
        }
        if name in special:
            return special[name]
        if name.isdigit():
            return ""
        return self.env.get(name, "")

    async def _subst(self, source: str, depth: int) -> str:
        if depth >= MAX_SUBST_DEPTH:
            return ""
        capture = Output(limit=64 * 1024)
        saved = self.status
        await self.execute(source, capture, Output(limit=0), depth=depth + 1)
        self.status = saved
        return capture.text().rstrip("\n")

    async def expand(self, word: Word, depth: int) -> list[str]:
        """Expand ``word`` into fields (variables, substitutions, tilde, splitting, globbing)."""
        fields = [""]
        keep_empty = False
        magic = False
        for part in word.parts:
            if part.kind == LIT:
                fields[-1] += part.text
                keep_empty = keep_empty or part.quoted
                magic = magic or (not part.quoted and any(c in part.text for c in "*?["))
                continue
            if part.kind == TILDE:
                home = self.user.home if not part.text else self.home_of(part.text)
                fields[-1] += home if home is not None else "~" + part.text
                continue
            if part.kind == VAR:
                value = await self._var(part.text, depth)
            elif part.kind == ARITH:
                value = arithmetic(part.text, self.env)
            else:
                value = await self._subst(part.text, depth)
            if part.quoted:
                fields[-1] += value
                keep_empty = True
                continue
            pieces = value.split()
            if not pieces:
                continue
            if value[0].isspace() and fields[-1]:
                fields.append("")
            fields[-1] += pieces[0]
            fields.extend(pieces[1:])
            if value[-1].isspace():
                fields.append("")
        result = [f for f in fields if f] or ([""] if keep_empty else [])
        if magic:
            globbed: list[str] = []
            for field in result:
                globbed.extend(self.glob(field))
            result = globbed
        return [f[: MAX_LINE * 4] for f in result]

    def glob(self, pattern: str) -> list[str]:
        """Pathname expansion against the fake filesystem (the pattern itself if nothing matches)."""
        absolute = pattern.startswith("/")
        parts = [p for p in pattern.split("/") if p]
        matches = [("/" if absolute else "", "/" if absolute else self.cwd)]
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            nxt: list[tuple[str, str]] = []
            for shown, real in matches:
                if any(c in part for c in "*?["):
                    try:
                        entries = self.fs.listdir(real, "/", self.user)
                    except FSError:
                        continue
                    for name, _node in entries:
                        if name.startswith(".") and not part.startswith("."):
                            continue
                        if fnmatch.fnmatchcase(name, part):
                            nxt.append(
                                (posixpath.join(shown, name) if shown else name, posixpath.join(real, name))
                            )
                else:
                    target = posixpath.join(real, part)
                    if last or self._exists(target):
                        nxt.append((posixpath.join(shown, part) if shown else part, target))
                if len(nxt) > MAX_GLOB_RESULTS:
                    break
            matches = nxt[:MAX_GLOB_RESULTS]
            if not matches:
                return [pattern]
        found = sorted(shown for shown, real in matches if self._exists(real))
        return found or [pattern]

    def _exists(self, path: str) -> bool:
        try:
            return self.fs.lookup(path, "/") is not None
        except FSError:
            return False

    # ------------------------------------------------------------------ simple commands

    async def _run_simple(
        self, simple: Simple, out: Output, err: Output, depth: int, stdin: str | None
    ) -> int:
        if self._budget <= 0:
            raise _Budget
        self._budget -= 1
        argv: list[str] = []
        for word in simple.words:
            argv.extend(await self.expand(word, depth))
        # assignments before the command name
        assignments: list[tuple[str, str]] = []
        while argv and "=" in argv[0] and argv[0].split("=", 1)[0].isidentifier():
            key, _, value = argv.pop(0).partition("=")
            assignments.append((key, value))
        if not argv:
            for key, value in assignments:
                self.env[key] = value
            if not simple.redirects:
                return 0
        # redirections
        stdout, stderr = out, err
        files: list[tuple[str, bool, Output]] = []
        for redirect in simple.redirects:
            target = (await self.expand(redirect.target, depth) or [""])[0] if redirect.target else ""
            op = redirect.op
            if op in {">&1", "<&1"} and redirect.fd == 2:
                stderr = stdout
                continue
            if op == ">&2":
                stdout = stderr
                continue
            if op.endswith("&-"):
                continue
            if op in {"<", "<>"}:
                try:
                    stdin = self.fs.read(target, self.cwd, self.user)
                except FSError as exc:
                    await err.write(f"{self.shell_name()}: {target}: {exc}\n")
                    return 1
                continue
            if op == "<<<":
                stdin = target + "\n"
                continue
            if op == "<<":
                stdin = ""
                continue
            append = op in {">>", "&>>"}
            if target == "/dev/null":
                sink = Output(limit=0)
            else:
                try:
                    if not append:
                        self.fs.write(target, self.cwd, self.user, "")
                    else:
                        self.fs.write(target, self.cwd, self.user, "", append=True)
                except FSError as exc:
                    await err.write(f"{self.shell_name()}: {target}: {exc}\n")
                    return 1
                sink = Output(limit=256 * 1024)
                files.append((target, True, sink))
            if op.startswith("&"):
                stdout = stderr = sink
            elif redirect.fd == 2:
                stderr = sink
            else:
                stdout = sink
        status = 0
        if argv:
            status = await self.run_argv(argv, stdout, stderr, depth, stdin)
        for target, _append, sink in files:
            try:
                self.fs.write(target, self.cwd, self.user, sink.text(), append=True)
            except FSError as exc:
                await err.write(f"{self.shell_name()}: {target}: {exc}\n")
        return status

    async def run_argv(self, argv: list[str], out: Output, err: Output, depth: int, stdin: str | None) -> int:
        """Run one command given its expanded arguments."""
        name = argv[0]
        alias = self.aliases.get(name) if self.interactive else None
        if alias is not None and not alias.startswith("("):
            argv = [*alias.split(), *argv[1:]]
            name = argv[0]
        if "/" in name:
            return await self._run_path(argv, out, err, depth, stdin)
        if name in {"{", "}", "then", "do", "else", "fi", "done", "esac", "if", "while", "until", "!"}:
            if len(argv) == 1 or name in {"fi", "done", "esac", "}"}:
                return 0
            return await self.run_argv(argv[1:], out, err, depth, stdin)
        if name in {"for", "case", "function", "select"}:
            return 0
        command = self.commands.get(name) if name not in self.missing else None
        if command is None:
            await err.write(self.not_found(name))
            return 127
        return await command(Invocation(self, name, argv[1:], stdin, out, err, depth))

    async def _run_path(
        self, argv: list[str], out: Output, err: Output, depth: int, stdin: str | None
    ) -> int:
        path = argv[0]
        prefix = self.shell_name() if self.interactive else f"{self.shell_name()}: line 1"
        try:
            node = self.fs.stat(path, self.cwd, self.user)
        except FSError as exc:
            await err.write(f"{prefix}: {path}: {exc}\n")
            return 127 if "No such file" in str(exc) else 126
        if node.kind == "d":
            await err.write(f"{prefix}: {path}: Is a directory\n")
            return 126
        if not self.fs.allowed(self.user, node, "x"):
            await err.write(f"{prefix}: {path}: Permission denied\n")
            return 126
        base = posixpath.basename(path)
        if node.content is None and base in self.commands and base not in self.missing:
            return await self.commands[base](Invocation(self, base, argv[1:], stdin, out, err, depth))
        text = node.text()
        if text.startswith("\x7fELF") or "\x00" in text[:512]:
            await err.write(f"{prefix}: {path}: cannot execute binary file: Exec format error\n")
            return 126
        return await self.run_script(text, out, err, depth, f"script:{self.fs.normalize(path, self.cwd)}")

    # ------------------------------------------------------------------ login banner

    def banner(self) -> str:
        """What the terminal shows after login (motd and the last-login line)."""
        system = self.system
        persona = system.persona
        family = system.family
        now = system.now()
        parts: list[str] = []
        if family == "ubuntu":
            mem = system.mem_kb()
            root = next(fs for fs in system.filesystems() if fs[4] == "/")
            usage = 100.0 * root[3] / root[2]
            size_gb = root[2] / 1024 / 1024
            load = system.loadavg()[0]
            procs = 100 + system.pid_base % 60
            mem_pct = round(100 * mem["Used"] / mem["MemTotal"])
            addr = str(system.interface().ip)
            pro = "https://ubuntu.com/pro" if persona.distro != "ubuntu20" else "https://ubuntu.com/advantage"
            parts.append(
                f"Welcome to {persona.distro_name} (GNU/Linux {persona.kernel} {persona.arch})\n\n"
                " * Documentation:  https://help.ubuntu.com\n"
                " * Management:     https://landscape.canonical.com\n"
                f" * Support:        {pro}\n\n"
                f"  System information as of {now:%a %b %e %H:%M:%S UTC %Y}\n\n"
                f"  System load:  {load:<18.2f} Processes:             {procs}\n"
                f"  Usage of /:   {f'{usage:.1f}% of {size_gb:.2f}GB':<18} Users logged in:       0\n"
                f"  Memory usage: {f'{mem_pct}%':<18} IPv4 address for eth0: {addr}\n"
                "  Swap usage:   0%\n\n\n"
                "Expanded Security Maintenance for Applications is not enabled.\n\n"
                "0 updates can be applied immediately.\n\n"
                "Enable ESM Apps to receive additional future security updates.\n"
                "See https://ubuntu.com/esm or run: sudo pro status\n\n\n"
            )
        elif family in {"debian", "kali"}:
            name = "Debian GNU/Linux" if family == "debian" else "Kali GNU/Linux"
            parts.append(
                f"{system.uname('snrvm')}\n\n"
                f"The programs included with the {name} system are free software;\n"
                "the exact distribution terms for each program are described in the\n"
                "individual files in /usr/share/doc/*/copyright.\n\n"
                f"{name} comes with ABSOLUTELY NO WARRANTY, to the extent\npermitted by applicable law.\n"
            )
        elif family == "alpine":
            parts.append(
                "Welcome to Alpine!\n\n"
                "The Alpine Wiki contains a large amount of how-to guides and general\n"
                "information about administrating Alpine systems.\nSee <https://wiki.alpinelinux.org/>.\n\n"
                "You can setup the system with the command: setup-alpine\n\n"
                "You may change this message by editing /etc/motd.\n\n"
            )
        elif family == "rhel" and not persona.distro.startswith("centos"):
            parts.append("Activate the web console with: systemctl enable --now cockpit.socket\n\n")
        elif family == "busybox":
            version = persona.version_of("busybox", "1.31.1")
            return f"\n\nBusyBox v{version} () built-in shell (ash)\n\n"
        elif family == "freebsd":
            when, source = self.last_login or (system.last_login_at, system.last_login_from)
            return f"Last login: {when:%a %b %e %H:%M:%S %Y} from {source}\n" + _FREEBSD_MOTD.format(
                version=f"{persona.kernel} GENERIC"
            )
        if family != "alpine":
            when, source = self.last_login or (system.last_login_at, system.last_login_from)
            parts.append(f"Last login: {when:%a %b %e %H:%M:%S %Y} from {source}\n")
        return "".join(parts)
