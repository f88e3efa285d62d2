"""The commands of the fake shell: builtins, file and text tools.

System information commands live in :mod:`decnet.services.ssh.sysinfo`, download and network
tools in :mod:`decnet.services.ssh.netcmds`; importing this module registers all of them.
Outputs follow the GNU/procps/iproute2 formats of the persona's distro closely enough for
scripts that parse them (``grep``, ``awk '{print $2}'``, ``wc -l``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fnmatch
import hashlib
import posixpath
import re
from datetime import timedelta

from decnet.services.ssh.cmdutil import LQ, RQ, columns, command, getopt, safe_regex
from decnet.services.ssh.fakefs import EISDIR, FSError, Node
from decnet.services.ssh.shell import Invocation

MAX_SLEEP_S = 30.0
_COLOR_END = "\x1b[0m"
_COLOR_FAMILIES = frozenset({"ubuntu", "debian", "kali", "rhel", "arch"})


def _not_found(inv: Invocation, path: str, what: str = "cannot access") -> str:
    return f"{inv.name}: {what} '{path}': No such file or directory\n"


async def _read_inputs(inv: Invocation, paths: list[str]) -> list[tuple[str, str]]:
    """(name, text) of each path (``-`` or none = stdin); errors are reported."""
    if not paths:
        return [("-", inv.stdin or "")]
    result = []
    for path in paths:
        if path == "-":
            result.append(("-", inv.stdin or ""))
            continue
        try:
            result.append((path, inv.fs.read(path, inv.shell.cwd, inv.user)))
        except FSError as exc:
            await inv.error(f"{path}: {exc}")
    return result


# ---------------------------------------------------------------------- builtins


@command("cd")
async def cmd_cd(inv: Invocation) -> int:
    shell = inv.shell
    args = [a for a in inv.args if a not in {"-L", "-P"}]
    if len(args) > 1:
        await inv.err.write(f"{shell.shell_name()}: cd: too many arguments\n")
        return 1
    target = args[0] if args else shell.user.home
    if target == "-":
        if not shell.oldpwd:
            await inv.err.write(f"{shell.shell_name()}: cd: OLDPWD not set\n")
            return 1
        target = shell.oldpwd
        await inv.out.write(target + "\n")
    try:
        node = inv.fs.stat(target, shell.cwd, inv.user)
    except FSError as exc:
        await inv.err.write(f"{shell.shell_name()}: cd: {target}: {exc}\n")
        return 1
    if node.kind != "d":
        await inv.err.write(f"{shell.shell_name()}: cd: {target}: Not a directory\n")
        return 1
    if not inv.fs.allowed(inv.user, node, "x"):
        await inv.err.write(f"{shell.shell_name()}: cd: {target}: Permission denied\n")
        return 1
    shell.set_cwd(inv.fs.normalize(target, shell.cwd))
    return 0


@command("pwd")
async def cmd_pwd(inv: Invocation) -> int:
    cwd = inv.shell.cwd
    await inv.out.write((inv.fs.realpath(cwd, "/") if "-P" in inv.args else cwd) + "\n")
    return 0


def _echo_escapes(text: str) -> tuple[str, bool]:
    """Interpret echo -e escapes; the flag is False after ``\\c``."""
    out = []
    i = 0
    table = {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "a": "\a",
        "b": "\b",
        "f": "\f",
        "v": "\v",
        "\\": "\\",
        "e": "\x1b",
        "E": "\x1b",
    }
    while i < len(text):
        ch = text[i]
        if ch != "\\" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in table:
            out.append(table[nxt])
            i += 2
        elif nxt == "c":
            return "".join(out), False
        elif nxt == "x":
            match = re.match(r"[0-9a-fA-F]{1,2}", text[i + 2 :])
            if match:
                out.append(chr(int(match.group(0), 16)))
                i += 2 + len(match.group(0))
            else:
                out.append("\\x")
                i += 2
        elif nxt == "0":
            match = re.match(r"[0-7]{0,3}", text[i + 2 :])
            digits = match.group(0) if match else ""
            out.append(chr(int(digits or "0", 8) & 0xFF))
            i += 2 + len(digits)
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out), True


@command("echo")
async def cmd_echo(inv: Invocation) -> int:
    args = list(inv.args)
    newline = True
    escapes = inv.shell.flavour != "bash"
    while args and re.fullmatch(r"-[neE]+", args[0]):
        flags = args.pop(0)[1:]
        newline = newline and "n" not in flags
        if "e" in flags:
            escapes = True
        if "E" in flags:
            escapes = False
    text = " ".join(args)
    if escapes:
        text, go_on = _echo_escapes(text)
        newline = newline and go_on
    await inv.out.write(text + ("\n" if newline else ""))
    return 0


@command("printf")
async def cmd_printf(inv: Invocation) -> int:
    if not inv.args:
        await inv.err.write("printf: usage: printf [-v var] format [arguments]\n")
        return 2
    fmt, args = inv.args[0], list(inv.args[1:])
    fmt, _ = _echo_escapes(fmt)
    out: list[str] = []
    for _round in range(64):
        consumed = 0
        current = args

        def repl(match: re.Match[str], current: list[str] = current) -> str:
            nonlocal consumed
            spec = match.group(0)
            if spec == "%%":
                return "%"
            value = current[consumed] if consumed < len(current) else ""
            consumed += 1
            conv = spec[-1]
            try:
                if conv in "di":
                    return (spec[:-1] + "d") % int(value or "0", 0)
                if conv in "xXo":
                    return spec % int(value or "0", 0)
                if conv in "feg":
                    return spec % float(value or "0")
                if conv == "c":
                    return value[:1]
                if conv == "b":
                    return _echo_escapes(value)[0]
                return (spec[:-1] + "s") % value
            except (ValueError, TypeError):
                return value

        out.append(re.sub(r"%[-+ #0]*\d*(?:\.\d+)?[diouxXfegcsb%]", repl, fmt))
        args = args[consumed:]
        if not args or not consumed:
            break
    await inv.out.write("".join(out))
    return 0


@command("export", "declare", "typeset", "readonly", "local")
async def cmd_export(inv: Invocation) -> int:
    env = inv.shell.env
    names = [a for a in inv.args if not a.startswith("-")]
    if not names:
        for key in sorted(env):
            value = env[key].replace("\\", "\\\\").replace('"', '\\"')
            await inv.out.write(f'declare -x {key}="{value}"\n')
        return 0
    status = 0
    for item in names:
        key, eq, value = item.partition("=")
        if not key.isidentifier():
            await inv.err.write(f"{inv.shell.shell_name()}: {inv.name}: `{item}': not a valid identifier\n")
            status = 1
            continue
        if eq:
            env[key] = value
        else:
            env.setdefault(key, "")
    return status


@command("unset")
async def cmd_unset(inv: Invocation) -> int:
    for name in inv.args:
        if not name.startswith("-"):
            inv.shell.env.pop(name, None)
    return 0


@command("env", "printenv")
async def cmd_env(inv: Invocation) -> int:
    env = dict(inv.shell.env)
    args = list(inv.args)
    while args and ("=" in args[0] or args[0].startswith("-")):
        item = args.pop(0)
        if "=" in item:
            key, _, value = item.partition("=")
            env[key] = value
    if args and inv.name == "env":
        return await inv.shell.run_argv(args, inv.out, inv.err, inv.depth, inv.stdin)
    if args:
        values = [env[a] for a in args if a in env]
        await inv.out.write("".join(v + "\n" for v in values))
        return 0 if len(values) == len(args) else 1
    await inv.out.write("".join(f"{k}={v}\n" for k, v in env.items()))
    return 0


@command("set")
async def cmd_set(inv: Invocation) -> int:
    if inv.args:
        return 0
    env = inv.shell.env
    await inv.out.write("".join(f"{k}={v}\n" for k, v in sorted(env.items())))
    return 0


@command("alias")
async def cmd_alias(inv: Invocation) -> int:
    aliases = inv.shell.aliases
    if not inv.args:
        await inv.out.write("".join(f"alias {k}='{v}'\n" for k, v in sorted(aliases.items())))
        return 0
    status = 0
    for item in inv.args:
        key, eq, value = item.partition("=")
        if eq:
            aliases[key] = value
        elif key in aliases:
            await inv.out.write(f"alias {key}='{aliases[key]}'\n")
        else:
            await inv.err.write(f"{inv.shell.shell_name()}: alias: {key}: not found\n")
            status = 1
    return status


@command("unalias")
async def cmd_unalias(inv: Invocation) -> int:
    for name in inv.args:
        if name == "-a":
            inv.shell.aliases.clear()
        inv.shell.aliases.pop(name, None)
    return 0


BUILTINS = frozenset(
    {
        "cd",
        "pwd",
        "echo",
        "printf",
        "export",
        "unset",
        "set",
        "alias",
        "unalias",
        "history",
        "exit",
        "logout",
        "true",
        "false",
        ":",
        "source",
        ".",
        "exec",
        "type",
        "kill",
        "read",
        "umask",
        "ulimit",
        "jobs",
        "wait",
        "test",
        "[",
        "declare",
        "typeset",
        "local",
        "readonly",
        "command",
        "builtin",
        "eval",
        "hash",
        "shopt",
        "trap",
        "times",
        "help",
    }
)


@command("type")
async def cmd_type(inv: Invocation) -> int:
    status = 0
    for name in [a for a in inv.args if not a.startswith("-")]:
        if name in inv.shell.aliases:
            await inv.out.write(f"{name} is aliased to `{inv.shell.aliases[name]}'\n")
        elif name in BUILTINS:
            await inv.out.write(f"{name} is a shell builtin\n")
        elif (path := which(inv, name)) is not None:
            await inv.out.write(f"{name} is {path}\n")
        else:
            await inv.err.write(f"{inv.shell.shell_name()}: type: {name}: not found\n")
            status = 1
    return status


def which(inv: Invocation, name: str) -> str | None:
    """Where ``name`` is found on PATH in the fake filesystem."""
    for directory in inv.shell.env.get("PATH", "").split(":"):
        if not directory:
            continue
        candidate = posixpath.join(directory, name)
        try:
            node = inv.fs.lookup(candidate, "/")
        except FSError:
            continue
        if node is not None and node.kind == "f" and node.mode & 0o111:
            return candidate
    return None


@command("which")
async def cmd_which(inv: Invocation) -> int:
    status = 0
    for name in [a for a in inv.args if not a.startswith("-")]:
        path = which(inv, name)
        if path:
            await inv.out.write(path + "\n")
        else:
            status = 1
            if inv.system.family == "rhel":
                await inv.err.write(f"/usr/bin/which: no {name} in ({inv.shell.env.get('PATH', '')})\n")
    return status


@command("whereis")
async def cmd_whereis(inv: Invocation) -> int:
    for name in inv.args:
        path = which(inv, name)
        await inv.out.write(f"{name}: {path or ''}".rstrip() + "\n")
    return 0


@command("history")
async def cmd_history(inv: Invocation) -> int:
    shell = inv.shell
    if "-c" in inv.args:
        shell.history.clear()
        return 0
    entries = shell.history
    start = max(0, len(entries) - int(inv.args[0])) if inv.args and inv.args[0].isdigit() else 0
    await inv.out.write("".join(f"{i + 1:5d}  {line}\n" for i, line in enumerate(entries) if i >= start))
    return 0


@command("exit", "logout")
async def cmd_exit(inv: Invocation) -> int:
    shell = inv.shell
    status = shell.status
    if inv.args:
        try:
            status = int(inv.args[0]) & 0xFF
        except ValueError:
            await inv.err.write(f"{shell.shell_name()}: exit: {inv.args[0]}: numeric argument required\n")
            status = 2
    if shell.interactive and len(shell.users) == 1:
        await inv.err.write("logout\n")
    elif shell.interactive:
        await inv.err.write("logout\n" if shell.user.uid == 0 else "exit\n")
    shell.exit_shell(status)
    return status


@command(
    "true",
    ":",
    "umask",
    "ulimit",
    "jobs",
    "wait",
    "hash",
    "shopt",
    "trap",
    "sync",
    "ln",
    "chattr",
    "renice",
    "disown",
    "bg",
    "fg",
    "modprobe",
    "ldconfig",
    "setenforce",
    "swapoff",
    "swapon",
    "tput",
    "stty",
)
async def cmd_true(inv: Invocation) -> int:
    return 0


@command("false")
async def cmd_false(inv: Invocation) -> int:
    return 1


@command("clear", "reset")
async def cmd_clear(inv: Invocation) -> int:
    await inv.out.write("\x1b[H\x1b[2J\x1b[3J")
    return 0


@command("sleep")
async def cmd_sleep(inv: Invocation) -> int:
    total = 0.0
    for arg in inv.args:
        match = re.fullmatch(r"(\d+(?:\.\d*)?)([smhd]?)", arg)
        if not match:
            await inv.err.write(
                f"sleep: invalid time interval {LQ}{arg}{RQ}\nTry 'sleep --help' for more information.\n"
            )
            return 1
        total += float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
    if not inv.args:
        await inv.err.write("sleep: missing operand\nTry 'sleep --help' for more information.\n")
        return 1
    await asyncio.sleep(min(total, MAX_SLEEP_S))
    return 0


@command("source", ".")
async def cmd_source(inv: Invocation) -> int:
    if not inv.args:
        await inv.err.write(f"{inv.shell.shell_name()}: {inv.name}: filename argument required\n")
        return 2
    try:
        text = inv.fs.read(inv.args[0], inv.shell.cwd, inv.user)
    except FSError as exc:
        await inv.err.write(f"{inv.shell.shell_name()}: {inv.args[0]}: {exc}\n")
        return 1
    source = f"script:{inv.fs.normalize(inv.args[0], inv.shell.cwd)}"
    return await inv.shell.run_script(text, inv.out, inv.err, inv.depth, source)


@command("eval")
async def cmd_eval(inv: Invocation) -> int:
    return await inv.shell.execute(" ".join(inv.args), inv.out, inv.err, depth=inv.depth + 1, stdin=inv.stdin)


@command("exec")
async def cmd_exec(inv: Invocation) -> int:
    if not inv.args:
        return 0
    status = await inv.shell.run_argv(list(inv.args), inv.out, inv.err, inv.depth, inv.stdin)
    inv.shell.exit_shell(status)
    return status


@command("command", "builtin", "nohup", "nice", "ionice", "setsid", "stdbuf", "time", "timeout", "sudo_")
async def cmd_wrapper(inv: Invocation) -> int:
    args = list(inv.args)
    while args and args[0].startswith("-"):
        flag = args.pop(0)
        if inv.name in {"nice", "ionice"} and flag in {"-n", "-c"} and args:
            args.pop(0)
        if inv.name == "command" and flag == "-v" and args:
            path = which(inv, args[0]) or (args[0] if args[0] in BUILTINS else None)
            if path:
                await inv.out.write(path + "\n")
            return 0 if path else 1
    if inv.name == "timeout" and args:
        args.pop(0)
    if not args:
        return 0
    if inv.name == "nohup" and not inv.out.captured and inv.shell.interactive:
        await inv.err.write("nohup: ignoring input and appending output to 'nohup.out'\n")
    return await inv.shell.run_argv(args, inv.out, inv.err, inv.depth, inv.stdin)


@command("read")
async def cmd_read(inv: Invocation) -> int:
    names = [a for a in inv.args if not a.startswith("-")] or ["REPLY"]
    if inv.stdin is None:
        return 1
    line = inv.stdin.split("\n", 1)[0]
    values = line.split(maxsplit=len(names) - 1)
    for index, name in enumerate(names):
        if name.isidentifier():
            inv.shell.env[name] = values[index] if index < len(values) else ""
    return 0 if inv.stdin else 1


@command("test", "[")
async def cmd_test(inv: Invocation) -> int:
    args = list(inv.args)
    if inv.name == "[":
        if not args or args[-1] != "]":
            await inv.err.write(f"{inv.shell.shell_name()}: [: missing `]'\n")
            return 2
        args.pop()
    negate = bool(args) and args[0] == "!"
    if negate:
        args.pop(0)
    result = False
    if len(args) == 1:
        result = bool(args[0])
    elif len(args) == 2 and args[0] in {"-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h"}:
        try:
            node = inv.fs.stat(args[1], inv.shell.cwd, inv.user, follow=args[0] not in {"-L", "-h"})
        except FSError:
            node = None
        op = args[0]
        result = node is not None and (
            op == "-e"
            or (op == "-f" and node.kind == "f")
            or (op == "-d" and node.kind == "d")
            or (op in {"-L", "-h"} and node.kind == "l")
            or (op == "-s" and node.length() > 0)
            or (op in {"-r", "-w", "-x"} and inv.fs.allowed(inv.user, node, op[1]))
        )
    elif len(args) == 2 and args[0] in {"-z", "-n"}:
        result = (args[1] == "") == (args[0] == "-z")
    elif len(args) == 3:
        left, op, right = args
        if op in {"=", "=="}:
            result = left == right
        elif op == "!=":
            result = left != right
        elif op in {"-eq", "-ne", "-lt", "-le", "-gt", "-ge"}:
            try:
                a, b = int(left), int(right)
            except ValueError:
                await inv.err.write(
                    f"{inv.shell.shell_name()}: {inv.name}: {left}: integer expression expected\n"
                )
                return 2
            result = {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b, "-gt": a > b, "-ge": a >= b}[
                op
            ]
    return 0 if result != negate else 1


@command("kill")
async def cmd_kill(inv: Invocation) -> int:
    pids = [a for a in inv.args if not a.startswith("-")]
    if not pids:
        await inv.err.write(
            "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n"
        )
        return 2
    shell = inv.shell
    known = {
        proc.pid: proc for proc in inv.system.processes(shell.login.name, shell.tty, shell.pid, shell.src_ip)
    }
    status = 0
    for pid in pids:
        if not pid.isdigit():
            await inv.err.write(f"{shell.shell_name()}: kill: {pid}: arguments must be process or job IDs\n")
            status = 1
        elif int(pid) not in known:
            await inv.err.write(f"{shell.shell_name()}: kill: ({pid}) - No such process\n")
            status = 1
        elif inv.user.uid != 0 and known[int(pid)].user != inv.user.name:
            await inv.err.write(f"{shell.shell_name()}: kill: ({pid}) - Operation not permitted\n")
            status = 1
    return status


@command("pkill", "killall")
async def cmd_pkill(inv: Invocation) -> int:
    names = [a for a in inv.args if not a.startswith("-")]
    if inv.name == "killall":
        for name in names:
            await inv.err.write(f"{name}: no process found\n")
    return 1


# ---------------------------------------------------------------------- files


def _mode_string(node: Node) -> str:
    kind = {"d": "d", "l": "l"}.get(node.kind, "-")
    mode = node.mode
    chars = []
    for shift, special, flag in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        bits = (mode >> shift) & 7
        r = "r" if bits & 4 else "-"
        w = "w" if bits & 2 else "-"
        x = "x" if bits & 1 else "-"
        if mode & special:
            x = flag if bits & 1 else flag.upper()
        chars.append(r + w + x)
    return kind + "".join(chars)


def _color(inv: Invocation, name: str, node: Node) -> str:
    if not inv.shell.color or inv.out.captured or inv.system.family not in _COLOR_FAMILIES:
        return name
    if node.kind == "l":
        code = "01;36"
    elif node.kind == "d":
        code = "30;42" if node.mode & 0o1002 == 0o1002 else "01;34"
    elif node.mode & 0o4000:
        code = "37;41"
    elif node.mode & 0o111:
        code = "01;32"
    else:
        return name
    return f"\x1b[{code}m{name}{_COLOR_END}"


def _when(inv: Invocation, node: Node) -> str:
    mtime = node.mtime or inv.system.persona.booted_at
    now = inv.system.now()
    if now - mtime > timedelta(days=182) or mtime > now:
        return f"{mtime:%b} {mtime.day:2d}  {mtime.year}"
    return f"{mtime:%b} {mtime.day:2d} {mtime:%H:%M}"


def _owner_names(inv: Invocation, node: Node) -> tuple[str, str]:
    user = next((a.name for a in inv.system.accounts.values() if a.uid == node.uid), str(node.uid))
    group = next((n for a in inv.system.accounts.values() for g, n in a.groups if g == node.gid), None)
    if group is None:
        group = next((a.name for a in inv.system.accounts.values() if a.gid == node.gid), str(node.gid))
    return user, group


@command("ls", "dir", "ll", "la", "l")
async def cmd_ls(inv: Invocation) -> int:
    opts, paths = getopt(inv.args, known="alhAFdtrRS1ChiLn", long_values=())
    if inv.name == "ll":
        opts.flags |= {"a", "l", "F"}
    elif inv.name == "la":
        opts.flags.add("A")
    elif inv.name == "l":
        opts.flags |= {"C", "F"}
    if opts.bad:
        await inv.err.write(f"ls: invalid option -- '{opts.bad}'\nTry 'ls --help' for more information.\n")
        return 2
    show_all = "a" in opts or "all" in opts
    almost = "A" in opts
    long = "l" in opts or "n" in opts
    classify = "F" in opts
    human = "h" in opts
    paths = paths or ["."]
    status = 0
    files: list[tuple[str, Node]] = []
    dirs: list[tuple[str, Node]] = []
    for path in paths:
        try:
            node = inv.fs.stat(path, inv.shell.cwd, inv.user, follow=not long or path.endswith("/"))
        except FSError as exc:
            text = str(exc)
            await inv.err.write(f"ls: cannot access '{path}': {text}\n")
            status = 2
            continue
        if node.kind == "l" and not long:
            node = inv.fs.stat(path, inv.shell.cwd, inv.user)
        (dirs if node.kind == "d" and "d" not in opts else files).append((path, node))

    def suffix(node: Node) -> str:
        if not classify:
            return ""
        if node.kind == "d":
            return "/"
        if node.kind == "l":
            return "@"
        return "*" if node.mode & 0o111 else ""

    async def emit(entries: list[tuple[str, Node]], parent: str | None) -> None:
        if long:
            rows = []
            total = 0
            for name, node in entries:
                user, group = _owner_names(inv, node)
                if "n" in opts:
                    user, group = str(node.uid), str(node.gid)
                size = node.length()
                total += 4 if node.kind == "d" else -(-size // 4096) * 4
                size_text = _human_size(size) if human else str(size)
                label = _color(inv, name, node) + suffix(node)
                if node.kind == "l":
                    label += f" -> {node.target}"
                links = (
                    str(2 + sum(1 for c in node.children.values() if c.kind == "d"))
                    if node.kind == "d"
                    else "1"
                )
                rows.append((_mode_string(node), links, user, group, size_text, _when(inv, node), label))
            if parent is not None:
                await inv.out.write(f"total {total}\n")
            widths = [max(len(r[i]) for r in rows) for i in range(6)] if rows else []
            lines = []
            for row in rows:
                lines.append(
                    f"{row[0]} {row[1].rjust(widths[1])} {row[2].ljust(widths[2])} "
                    f"{row[3].ljust(widths[3])} {row[4].rjust(widths[4])} {row[5]} {row[6]}\n"
                )
            await inv.out.write("".join(lines))
            return
        names = [name + suffix(node) for name, node in entries]
        shown = [_color(inv, name, node) + suffix(node) for name, node in entries]
        if inv.out.captured or "1" in opts or not inv.shell.interactive:
            await inv.out.write("".join(n + "\n" for n in shown))
        else:
            await inv.out.write(columns(names, inv.shell.width, shown))

    if files:
        await emit(sorted(files, key=lambda item: item[0]), None)
    for index, (path, node) in enumerate(sorted(dirs, key=lambda item: item[0])):
        try:
            entries = inv.fs.listdir(path, inv.shell.cwd, inv.user)
        except FSError as exc:
            await inv.err.write(f"ls: cannot open directory '{path}': {exc}\n")
            status = 2
            continue
        if not (show_all or almost):
            entries = [(n, c) for n, c in entries if not n.startswith(".")]
        if show_all:
            parent = (
                inv.fs.lookup(posixpath.dirname(inv.fs.realpath(path, inv.shell.cwd)) or "/", "/") or node
            )
            entries = [(".", node), ("..", parent), *entries]
        if "t" in opts:
            entries.sort(key=lambda item: item[1].mtime or inv.system.persona.booted_at, reverse=True)
        if "S" in opts:
            entries.sort(key=lambda item: item[1].length(), reverse=True)
        if "r" in opts:
            entries.reverse()
        if len(paths) > 1 or files:
            await inv.out.write(("\n" if index or files else "") + f"{path}:\n")
        await emit(entries, path)
    return status


def _human_size(size: int) -> str:
    if size < 1024:
        return str(size)
    value = float(size)
    for unit in "KMGT":
        value /= 1024
        if value < 1024:
            return f"{value:.1f}{unit}" if value < 10 else f"{round(value)}{unit}"
    return f"{value:.0f}P"


@command("cat", "more", "less", "zcat", "tac")
async def cmd_cat(inv: Invocation) -> int:
    opts, paths = getopt(inv.args)
    status = 0
    if not paths and inv.stdin is None:
        return 0
    for path in paths or ["-"]:
        if path == "-":
            text = inv.stdin or ""
        else:
            try:
                text = inv.fs.read(path, inv.shell.cwd, inv.user)
            except FSError as exc:
                await inv.err.write(f"{inv.name}: {path}: {exc}\n")
                status = 1
                continue
        if inv.name == "tac":
            lines = text.splitlines()
            text = "".join(line + "\n" for line in reversed(lines))
        if "n" in opts:
            text = "".join(f"{i + 1:6d}\t{line}\n" for i, line in enumerate(text.splitlines()))
        await inv.out.write(text)
    return status


def _count_arg(inv: Invocation, default: int = 10) -> tuple[int, list[str], bool]:
    """-n N / -N / -nN for head and tail; returns (count, paths, from_start)."""
    count = default
    paths = []
    from_start = False
    args = list(inv.args)
    while args:
        arg = args.pop(0)
        if arg in {"-n", "--lines"} and args:
            value = args.pop(0)
            from_start = value.startswith("+")
            count = int(value.lstrip("+-")) if value.lstrip("+-").isdigit() else default
        elif arg.startswith("-n") and arg[2:].lstrip("+").isdigit():
            from_start = arg[2:].startswith("+")
            count = int(arg[2:].lstrip("+"))
        elif re.fullmatch(r"-\d+", arg):
            count = int(arg[1:])
        elif arg in {"-f", "-F", "-q", "-v"}:
            continue
        else:
            paths.append(arg)
    return count, paths, from_start


@command("head", "tail")
async def cmd_head_tail(inv: Invocation) -> int:
    count, paths, from_start = _count_arg(inv)
    inputs = await _read_inputs(inv, paths)
    for index, (name, text) in enumerate(inputs):
        lines = text.splitlines(keepends=True)
        if inv.name == "head":
            chosen = lines[:count]
        elif from_start:
            chosen = lines[max(0, count - 1) :]
        else:
            chosen = lines[-count:] if count else []
        if len(inputs) > 1:
            await inv.out.write(("\n" if index else "") + f"==> {name} <==\n")
        await inv.out.write("".join(chosen))
    return 0 if len(inputs) == max(1, len(paths)) else 1


@command("wc")
async def cmd_wc(inv: Invocation) -> int:
    opts, paths = getopt(inv.args)
    which_counts = [c for c in "lwc" if c in opts] or ["l", "w", "c"]
    if "m" in opts:
        which_counts = [*which_counts, "c"]
    inputs = await _read_inputs(inv, paths)
    rows = []
    for name, text in inputs:
        counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
        rows.append(([counts[c] for c in which_counts], name))
    if len(rows) > 1:
        rows.append(([sum(r[0][i] for r in rows) for i in range(len(which_counts))], "total"))
    width = (
        1
        if len(which_counts) == 1 and not paths
        else 7
        if not paths
        else max(len(str(v)) for r in rows for v in r[0])
    )
    for values, name in rows:
        numbers = " ".join(str(v).rjust(width) for v in values)
        await inv.out.write(numbers + (f" {name}" if name != "-" else "") + "\n")
    return 0 if len(inputs) == max(1, len(paths)) else 1


@command("grep", "egrep", "fgrep")
async def cmd_grep(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="efmABC", long_values=("color", "colour"))
    pattern = opts.get("e")
    if pattern is None:
        if not rest:
            await inv.err.write(
                "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
            )
            return 2
        pattern, rest = rest[0], rest[1:]
    regex = safe_regex(
        pattern,
        extended="E" in opts or inv.name == "egrep",
        fixed="F" in opts or inv.name == "fgrep",
        ignore_case="i" in opts,
        word="w" in opts,
    )
    invert = "v" in opts
    max_count = int(opts.get("m") or 0) if (opts.get("m") or "").isdigit() else 0
    paths = rest
    if "r" in opts or "R" in opts:
        expanded: list[str] = []
        for path in paths or ["."]:
            try:
                expanded.extend(
                    p for p, n in inv.fs.walk(path, inv.shell.cwd, inv.user, limit=500) if n.kind == "f"
                )
            except FSError as exc:
                await inv.err.write(f"grep: {path}: {exc}\n")
        paths = expanded
    inputs = await _read_inputs(inv, paths)
    show_names = (len(paths) > 1 or "r" in opts or "R" in opts) and "h" not in opts
    found = False
    for name, text in inputs:
        count = 0
        out = []
        for number, line in enumerate(text.splitlines(), 1):
            match = regex.search(line[:8192]) is not None
            if match == invert:
                continue
            count += 1
            found = True
            if "q" in opts:
                return 0
            if "o" in opts and not invert:
                pieces = [m.group(0) for m in regex.finditer(line[:8192])][:100]
            else:
                pieces = [line]
            for piece in pieces:
                prefix = (f"{name}:" if show_names else "") + (f"{number}:" if "n" in opts else "")
                out.append(prefix + piece + "\n")
            if max_count and count >= max_count:
                break
        if "l" in opts:
            if count:
                await inv.out.write(f"{name if name != '-' else '(standard input)'}\n")
        elif "c" in opts:
            await inv.out.write((f"{name}:" if show_names else "") + f"{count}\n")
        else:
            await inv.out.write("".join(out))
    if "q" in opts:
        return 1
    return 0 if found else 1


@command("sort")
async def cmd_sort(inv: Invocation) -> int:
    opts, paths = getopt(inv.args, takes_value="ktT")
    lines = [line for _, text in await _read_inputs(inv, paths) for line in text.splitlines()]

    def numeric(line: str) -> float:
        match = re.match(r"\s*-?\d+(?:\.\d+)?", line)
        return float(match.group(0)) if match else 0.0

    if "n" in opts or "h" in opts:
        lines.sort(key=numeric)
    else:
        lines.sort(key=lambda s: s.lower() if "f" in opts else s)
    if "r" in opts:
        lines.reverse()
    if "u" in opts:
        seen: set[str] = set()
        lines = [line for line in lines if not (line in seen or seen.add(line))]  # type: ignore[func-returns-value]
    await inv.out.write("".join(line + "\n" for line in lines))
    return 0


@command("uniq")
async def cmd_uniq(inv: Invocation) -> int:
    opts, paths = getopt(inv.args)
    lines = [line for _, text in await _read_inputs(inv, paths[:1]) for line in text.splitlines()]
    groups: list[tuple[str, int]] = []
    for line in lines:
        if groups and groups[-1][0] == line:
            groups[-1] = (line, groups[-1][1] + 1)
        else:
            groups.append((line, 1))
    out = []
    for line, count in groups:
        if ("d" in opts and count < 2) or ("u" in opts and count > 1):
            continue
        out.append(f"{count:7d} {line}\n" if "c" in opts else line + "\n")
    await inv.out.write("".join(out))
    return 0


def _ranges(spec: str) -> list[tuple[int, int]]:
    ranges = []
    for part in spec.split(","):
        start, dash, end = part.partition("-")
        try:
            lo = int(start) if start else 1
            hi = int(end) if end else (10**6 if dash else lo)
        except ValueError:
            continue
        ranges.append((lo, hi))
    return ranges


@command("cut")
async def cmd_cut(inv: Invocation) -> int:
    opts, paths = getopt(inv.args, takes_value="dfcb")
    delim = opts.get("d", "\t") or "\t"
    spec = opts.get("f") or opts.get("c") or opts.get("b")
    if spec is None:
        await inv.err.write("cut: you must specify a list of bytes, characters, or fields\n")
        return 1
    ranges = _ranges(spec)
    out = []
    for _, text in await _read_inputs(inv, paths):
        for line in text.splitlines():
            if "f" in opts:
                if delim[0] not in line:
                    out.append(line + "\n")
                    continue
                fields = line.split(delim[0])
                picked = [f for i, f in enumerate(fields, 1) if any(lo <= i <= hi for lo, hi in ranges)]
                out.append(delim[0].join(picked) + "\n")
            else:
                out.append(
                    "".join(c for i, c in enumerate(line, 1) if any(lo <= i <= hi for lo, hi in ranges))
                    + "\n"
                )
    await inv.out.write("".join(out))
    return 0


def _tr_set(spec: str) -> str:
    classes = {
        "[:lower:]": "abcdefghijklmnopqrstuvwxyz",
        "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "[:digit:]": "0123456789",
        "[:space:]": " \t\n\r\f\v",
        "[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    }
    for name, chars in classes.items():
        spec = spec.replace(name, chars)
    spec, _ = _echo_escapes(spec)
    out: list[str] = []
    i = 0
    while i < len(spec) and len(out) < 4096:
        if i + 2 < len(spec) and spec[i + 1] == "-" and ord(spec[i + 2]) - ord(spec[i]) < 4096:
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


@command("tr")
async def cmd_tr(inv: Invocation) -> int:
    opts, sets = getopt(inv.args)
    text = inv.stdin or ""
    if not sets:
        await inv.err.write("tr: missing operand\nTry 'tr --help' for more information.\n")
        return 1
    first = _tr_set(sets[0])
    if "d" in opts:
        await inv.out.write("".join(c for c in text if c not in first))
        return 0
    if len(sets) < 2:
        if "s" in opts:
            await inv.out.write(re.sub("([" + re.escape(first) + "])\\1+", r"\1", text))
            return 0
        await inv.err.write(f"tr: missing operand after {LQ}{sets[0]}{RQ}\n")
        return 1
    second = _tr_set(sets[1])
    if second:
        second = second + second[-1] * max(0, len(first) - len(second))
        table = str.maketrans(first, second[: len(first)])
        text = text.translate(table)
    await inv.out.write(text)
    return 0


@command("tee")
async def cmd_tee(inv: Invocation) -> int:
    opts, paths = getopt(inv.args)
    text = inv.stdin or ""
    status = 0
    for path in paths:
        try:
            inv.fs.write(path, inv.shell.cwd, inv.user, text, append="a" in opts)
        except FSError as exc:
            await inv.err.write(f"tee: {path}: {exc}\n")
            status = 1
    await inv.out.write(text)
    return status


@command("base64")
async def cmd_base64(inv: Invocation) -> int:
    opts, paths = getopt(inv.args, takes_value="w")
    inputs = await _read_inputs(inv, paths[:1])
    text = inputs[0][1] if inputs else ""
    if "d" in opts or "decode" in opts:
        try:
            raw = base64.b64decode("".join(text.split()) + "==", validate=False)
        except (binascii.Error, ValueError):
            await inv.err.write("base64: invalid input\n")
            return 1
        await inv.out.write(raw.decode("utf-8", errors="replace"))
        return 0
    encoded = base64.b64encode(text.encode()).decode()
    await inv.out.write("".join(encoded[i : i + 76] + "\n" for i in range(0, len(encoded), 76)) or "\n")
    return 0


@command("md5sum", "sha1sum", "sha256sum", "sha512sum")
async def cmd_hashsum(inv: Invocation) -> int:
    algorithm = inv.name.removesuffix("sum")
    _, paths = getopt(inv.args)
    inputs = await _read_inputs(inv, paths)
    for name, text in inputs:
        digest = hashlib.new(algorithm, text.encode("utf-8", errors="replace")).hexdigest()
        await inv.out.write(f"{digest}  {name}\n")
    return 0 if len(inputs) == max(1, len(paths)) else 1


_AWK_ACTION = re.compile(
    r"^\s*(?:(?P<pat>/(?:[^/\\]|\\.)*/|NR\s*==\s*\d+|NR\s*>\s*\d+|\$\d+\s*[=!]=\s*\"[^\"]*\")\s*)?"
    r"(?:\{\s*print\s*(?P<items>[^}]*)\}\s*)?$"
)


@command("awk", "gawk", "mawk")
async def cmd_awk(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="Fv")
    if not rest:
        await inv.err.write("usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n")
        return 2
    program, paths = rest[0], rest[1:]
    sep = opts.get("F")
    if sep == "\\t":
        sep = "\t"
    match = _AWK_ACTION.match(program)
    if match is None or (match.group("pat") is None and match.group("items") is None):
        return 0
    pat = match.group("pat")
    items = (match.group("items") or "$0").strip() or "$0"
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\$\(?NF\)?|\$\d+|NR|NF|,', items)
    regex = safe_regex(pat[1:-1], extended=True) if pat and pat.startswith("/") else None
    out = []
    number = 0
    for _, text in await _read_inputs(inv, paths):
        for line in text.splitlines():
            number += 1
            fields = line.split(sep) if sep else line.split()
            if regex is not None and not regex.search(line):
                continue
            if pat and pat.startswith("NR"):
                value = int(re.sub(r"\D", "", pat))
                if ("==" in pat and number != value) or (">" in pat and number <= value):
                    continue
            if pat and pat.startswith("$"):
                field_no = int(re.match(r"\$(\d+)", pat).group(1))  # type: ignore[union-attr]
                expected = pat.split('"')[1]
                actual = line if field_no == 0 else (fields[field_no - 1] if field_no <= len(fields) else "")
                if (actual == expected) != ("==" in pat):
                    continue
            pieces: list[str] = []
            pending_sep = ""
            for item in tokens:
                if item == ",":
                    pending_sep = " "
                    continue
                if item.startswith('"'):
                    value_text = _echo_escapes(item[1:-1])[0]
                elif item in {"NR"}:
                    value_text = str(number)
                elif item == "NF":
                    value_text = str(len(fields))
                elif "NF" in item:
                    value_text = fields[-1] if fields else ""
                else:
                    index = int(item[1:])
                    value_text = line if index == 0 else (fields[index - 1] if index <= len(fields) else "")
                pieces.append(pending_sep + value_text)
                pending_sep = ""
            out.append("".join(pieces) + "\n")
    await inv.out.write("".join(out))
    return 0


_SED_SUBST = re.compile(r"^s(.)(.*?)(?<!\\)\1(.*?)(?<!\\)\1([gip0-9]*)$", re.S)


@command("sed")
async def cmd_sed(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="e", long_values=())
    script = opts.get("e")
    if script is None:
        if not rest:
            await inv.err.write("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n")
            return 1
        script, rest = rest[0], rest[1:]
    quiet = "n" in opts
    inputs = await _read_inputs(inv, rest)
    match = _SED_SUBST.match(script.strip())
    print_line = re.fullmatch(r"(\d+)p", script.strip())
    delete_line = re.fullmatch(r"(\d+)d", script.strip())
    for name, text in inputs:
        lines = text.splitlines(keepends=True)
        out: list[str] = []
        for number, line in enumerate(lines, 1):
            if match:
                regex = safe_regex(
                    match.group(2), extended="E" in opts or "r" in opts, ignore_case="i" in match.group(4)
                )
                replacement = re.sub(r"\\(\d)", r"\\g<\1>", match.group(3).replace("&", r"\g<0>"))
                try:
                    new = regex.sub(replacement, line, count=0 if "g" in match.group(4) else 1)
                except (re.error, IndexError):
                    new = line
                if not quiet or ("p" in match.group(4) and new != line):
                    out.append(new)
            elif print_line:
                if not quiet:
                    out.append(line)
                if number == int(print_line.group(1)):
                    out.append(line)
            elif delete_line:
                if number != int(delete_line.group(1)):
                    out.append(line)
            elif not quiet:
                out.append(line)
        result = "".join(out)
        if "i" in opts and name != "-":
            try:
                inv.fs.write(name, inv.shell.cwd, inv.user, result)
            except FSError as exc:
                await inv.err.write(f"sed: couldn't open file {name}: {exc}\n")
                return 4
        else:
            await inv.out.write(result)
    return 0


@command("xargs")
async def cmd_xargs(inv: Invocation) -> int:
    _, rest = getopt(inv.args, takes_value="InPd")
    words = (inv.stdin or "").split()[:256]
    argv = (rest or ["echo"]) + words
    return await inv.shell.run_argv(argv, inv.out, inv.err, inv.depth, None)


@command("touch")
async def cmd_touch(inv: Invocation) -> int:
    _, paths = getopt(inv.args, takes_value="dtr")
    status = 0
    for path in paths:
        try:
            existing = inv.fs.lookup(path, inv.shell.cwd)
            if existing is None:
                inv.fs.write(path, inv.shell.cwd, inv.user, "")
            else:
                existing.mtime = inv.system.now()
        except FSError as exc:
            await inv.err.write(f"touch: cannot touch '{path}': {exc}\n")
            status = 1
    return status


@command("mkdir")
async def cmd_mkdir(inv: Invocation) -> int:
    opts, paths = getopt(inv.args, takes_value="m")
    if not paths:
        await inv.err.write("mkdir: missing operand\nTry 'mkdir --help' for more information.\n")
        return 1
    status = 0
    for path in paths:
        try:
            inv.fs.mkdir(path, inv.shell.cwd, inv.user, parents="p" in opts)
        except FSError as exc:
            await inv.err.write(f"mkdir: cannot create directory {LQ}{path}{RQ}: {exc}\n")
            status = 1
    return status


@command("rm", "rmdir", "unlink", "shred")
async def cmd_rm(inv: Invocation) -> int:
    opts, paths = getopt(inv.args)
    recursive = "r" in opts or "R" in opts or inv.name == "rmdir"
    status = 0
    for path in paths:
        try:
            if inv.name == "rmdir":
                node = inv.fs.stat(path, inv.shell.cwd, inv.user)
                if node.kind != "d":
                    raise FSError("Not a directory")
                if node.children:
                    raise FSError("Directory not empty")
            inv.fs.remove(path, inv.shell.cwd, inv.user, recursive=recursive)
        except FSError as exc:
            if "f" in opts and str(exc) == "No such file or directory":
                continue
            if str(exc) == EISDIR:
                await inv.err.write(f"rm: cannot remove '{path}': Is a directory\n")
            elif inv.name == "rmdir":
                await inv.err.write(f"rmdir: failed to remove '{path}': {exc}\n")
            else:
                await inv.err.write(f"{inv.name}: cannot remove '{path}': {exc}\n")
            status = 1
    return status


@command("cp", "mv", "install")
async def cmd_cp(inv: Invocation) -> int:
    _, paths = getopt(inv.args, takes_value="mtS")
    if len(paths) < 2:
        await inv.err.write(
            f"{inv.name}: missing destination file operand after '{paths[0] if paths else ''}'\n"
        )
        return 1
    *sources, target = paths
    status = 0
    for source in sources:
        try:
            if inv.name == "mv":
                inv.fs.move(source, target, inv.shell.cwd, inv.user)
            else:
                node = inv.fs.stat(source, inv.shell.cwd, inv.user)
                if node.kind == "d":
                    await inv.err.write(f"cp: -r not specified; omitting directory '{source}'\n")
                    status = 1
                    continue
                inv.fs.copy(source, target, inv.shell.cwd, inv.user)
        except FSError as exc:
            verb = "cannot stat" if "No such file" in str(exc) else "cannot create regular file"
            shown = source if verb == "cannot stat" else target
            await inv.err.write(f"{inv.name}: {verb} '{shown}': {exc}\n")
            status = 1
    return status


def _parse_mode(spec: str, current: int) -> int | None:
    if re.fullmatch(r"[0-7]{1,4}", spec):
        return int(spec, 8)
    mode = current
    for clause in spec.split(","):
        match = re.fullmatch(r"([ugoa]*)([+=-])([rwxXst]*)", clause)
        if not match:
            return None
        who = match.group(1) or "a"
        bits = 0
        for perm in match.group(3):
            value = {"r": 4, "w": 2, "x": 1, "X": 1}.get(perm, 0)
            for target, shift in (("u", 6), ("g", 3), ("o", 0)):
                if target in who or "a" in who:
                    bits |= value << shift
            if perm == "s":
                bits |= (0o4000 if "u" in who or "a" in who else 0) | (
                    0o2000 if "g" in who or "a" in who else 0
                )
            if perm == "t":
                bits |= 0o1000
        if match.group(2) == "+":
            mode |= bits
        elif match.group(2) == "-":
            mode &= ~bits
        else:
            mask = sum(7 << s for t, s in (("u", 6), ("g", 3), ("o", 0)) if t in who or "a" in who)
            mode = (mode & ~mask) | bits
    return mode


@command("chmod")
async def cmd_chmod(inv: Invocation) -> int:
    args = [a for a in inv.args if a not in {"-R", "-f", "-v", "--recursive"}]
    if len(args) < 2:
        await inv.err.write("chmod: missing operand\nTry 'chmod --help' for more information.\n")
        return 1
    spec, paths = args[0], args[1:]
    status = 0
    for path in paths:
        try:
            node = inv.fs.stat(path, inv.shell.cwd, inv.user)
            mode = _parse_mode(spec, node.mode)
            if mode is None:
                await inv.err.write(f"chmod: invalid mode: {LQ}{spec}{RQ}\n")
                return 1
            inv.fs.chmod(path, inv.shell.cwd, inv.user, mode)
        except FSError as exc:
            what = "cannot access" if "No such" in str(exc) else "changing permissions of"
            await inv.err.write(f"chmod: {what} '{path}': {exc}\n")
            status = 1
    return status


@command("chown", "chgrp")
async def cmd_chown(inv: Invocation) -> int:
    args = [a for a in inv.args if not a.startswith("-")]
    if len(args) < 2:
        await inv.err.write(f"{inv.name}: missing operand\n")
        return 1
    status = 0
    for path in args[1:]:
        try:
            inv.fs.stat(path, inv.shell.cwd, inv.user)
            if inv.user.uid != 0:
                raise FSError("Operation not permitted")
        except FSError as exc:
            what = "cannot access" if "No such" in str(exc) else "changing ownership of"
            await inv.err.write(f"{inv.name}: {what} '{path}': {exc}\n")
            status = 1
    return status


_SUID = (
    "/usr/bin/sudo",
    "/usr/bin/passwd",
    "/usr/bin/su",
    "/usr/bin/mount",
    "/usr/bin/chsh",
    "/usr/bin/newgrp",
    "/usr/bin/gpasswd",
    "/usr/bin/umount",
    "/usr/bin/chfn",
)


@command("find")
async def cmd_find(inv: Invocation) -> int:
    args = list(inv.args)
    paths = []
    while args and not args[0].startswith(("-", "(", "!")):
        paths.append(args.pop(0))
    name_pat = type_want = perm = None
    icase = False
    maxdepth = 64
    while args:
        arg = args.pop(0)
        value = (
            args.pop(0)
            if args
            and arg
            in {
                "-name",
                "-iname",
                "-type",
                "-perm",
                "-maxdepth",
                "-user",
                "-size",
                "-mtime",
                "-newer",
                "-path",
                "-exec",
            }
            else None
        )
        if arg in {"-name", "-iname"} and value is not None:
            name_pat, icase = value, arg == "-iname"
        elif arg == "-type" and value is not None:
            type_want = value
        elif arg == "-perm" and value is not None:
            perm = value
        elif arg == "-maxdepth" and value is not None and value.isdigit():
            maxdepth = int(value)
        elif arg == "-exec":
            while args and args[0] not in {";", "+", "\\;"}:
                args.pop(0)
            if args:
                args.pop(0)
    status = 0
    out = []
    for start in paths or ["."]:
        try:
            for path, node in inv.fs.walk(start, inv.shell.cwd, inv.user, limit=3000):
                shown = (
                    path
                    if start.startswith("/")
                    else posixpath.join(
                        start, posixpath.relpath(path, inv.fs.normalize(start, inv.shell.cwd))
                    )
                    if path != inv.fs.normalize(start, inv.shell.cwd)
                    else start
                )
                shown = posixpath.normpath(shown) if shown not in {".", start} else shown
                depth = path.count("/") - inv.fs.normalize(start, inv.shell.cwd).rstrip("/").count("/")
                if depth > maxdepth:
                    continue
                if node.kind == "d" and not inv.fs.allowed(inv.user, node, "r") and path != "/":
                    await inv.err.write(f"find: {LQ}{shown}{RQ}: Permission denied\n")
                    status = 1
                if type_want and {"d": "d", "f": "f", "l": "l"}.get(type_want) != node.kind:
                    continue
                base = posixpath.basename(path) or path
                if name_pat and not fnmatch.fnmatchcase(
                    base.lower() if icase else base, name_pat.lower() if icase else name_pat
                ):
                    continue
                if perm and ("4000" in perm or "u=s" in perm) and not (node.mode & 0o4000 or path in _SUID):
                    continue
                out.append(shown + "\n")
        except FSError as exc:
            await inv.err.write(f"find: {LQ}{start}{RQ}: {exc}\n")
            status = 1
    await inv.out.write("".join(out))
    return status


@command("file")
async def cmd_file(inv: Invocation) -> int:
    for path in inv.args:
        if path.startswith("-"):
            continue
        try:
            node = inv.fs.stat(path, inv.shell.cwd, inv.user)
        except FSError:
            await inv.out.write(f"{path}: cannot open `{path}' (No such file or directory)\n")
            continue
        if node.kind == "d":
            kind = "directory"
        elif node.content is None:
            kind = (
                "ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, interpreter "
                "/lib64/ld-linux-x86-64.so.2, for GNU/Linux 3.2.0, stripped"
            )
        elif not node.text():
            kind = "empty"
        elif node.text().startswith("#!"):
            kind = "POSIX shell script, ASCII text executable"
        else:
            kind = "ASCII text"
        await inv.out.write(f"{path}: {kind}\n")
    return 0


@command("stat")
async def cmd_stat(inv: Invocation) -> int:
    status = 0
    for path in [a for a in inv.args if not a.startswith("-")]:
        try:
            node = inv.fs.stat(path, inv.shell.cwd, inv.user)
        except FSError as exc:
            await inv.err.write(f"stat: cannot statx '{path}': {exc}\n")
            status = 1
            continue
        user, group = _owner_names(inv, node)
        when = node.mtime or inv.system.persona.booted_at
        kind = {"d": "directory", "l": "symbolic link"}.get(node.kind, "regular file")
        await inv.out.write(
            f"  File: {path}\n  Size: {node.length():<15} Blocks: {-(-node.length() // 512):<10} "
            f"IO Block: 4096   {kind}\nAccess: ({node.mode & 0o7777:04o}/{_mode_string(node)})  "
            f"Uid: ({node.uid:5d}/{user:>8})   Gid: ({node.gid:5d}/{group:>8})\n"
            f"Modify: {when:%Y-%m-%d %H:%M:%S}.000000000 +0000\n"
        )
    return status


@command("basename")
async def cmd_basename(inv: Invocation) -> int:
    if not inv.args:
        await inv.err.write("basename: missing operand\n")
        return 1
    name = posixpath.basename(inv.args[0].rstrip("/")) or "/"
    if len(inv.args) > 1 and name.endswith(inv.args[1]) and name != inv.args[1]:
        name = name[: -len(inv.args[1])]
    await inv.out.write(name + "\n")
    return 0


@command("dirname")
async def cmd_dirname(inv: Invocation) -> int:
    for path in inv.args or ["."]:
        await inv.out.write((posixpath.dirname(path.rstrip("/")) or ".") + "\n")
    return 0


@command("readlink", "realpath")
async def cmd_readlink(inv: Invocation) -> int:
    opts, paths = getopt(inv.args)
    status = 0
    for path in paths:
        if inv.name == "realpath" or "f" in opts or "e" in opts or "m" in opts:
            await inv.out.write(inv.fs.realpath(path, inv.shell.cwd) + "\n")
            continue
        try:
            node = inv.fs.stat(path, inv.shell.cwd, inv.user, follow=False)
        except FSError:
            status = 1
            continue
        if node.kind == "l":
            await inv.out.write(node.target + "\n")
        else:
            status = 1
    return status


@command("du")
async def cmd_du(inv: Invocation) -> int:
    opts, paths = getopt(inv.args, takes_value="d")
    status = 0
    for path in paths or ["."]:
        try:
            total = sum(
                -(-n.length() // 4096) * 4 for _, n in inv.fs.walk(path, inv.shell.cwd, inv.user, 3000)
            )
        except FSError as exc:
            await inv.err.write(f"du: cannot access '{path}': {exc}\n")
            status = 1
            continue
        size = _human_size(total * 1024) if "h" in opts else str(total)
        await inv.out.write(f"{size}\t{path}\n")
    return status


@command("tar", "gzip", "gunzip", "unzip", "bzip2", "xz", "7z")
async def cmd_archive(inv: Invocation) -> int:
    _, paths = getopt(inv.args, takes_value="fCxzvjJ" if inv.name == "tar" else "d")
    opts, _ = getopt(inv.args, takes_value="fC")
    target = opts.get("f") if inv.name == "tar" else (paths[0] if paths else None)
    if not target:
        if inv.name == "tar":
            await inv.err.write(
                "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' "
                "options\nTry 'tar --help' or 'tar --usage' for more information.\n"
            )
        else:
            await inv.err.write(
                f"{inv.name}: compressed data not read from a terminal. Use -f to force decompression.\n"
            )
        return 2
    try:
        inv.fs.stat(target, inv.shell.cwd, inv.user)
    except FSError as exc:
        if inv.name == "tar":
            await inv.err.write(
                f"tar: {target}: Cannot open: {exc}\ntar: Error is not recoverable: exiting now\n"
            )
        else:
            await inv.err.write(f"{inv.name}: {target}: {exc}\n")
        return 2
    await inv.err.write(
        f"{inv.name}: {target}: not in {'gzip' if inv.name != 'unzip' else 'zipfile'} format\n"
    )
    return 1


@command("vi", "vim", "nano", "emacs", "vim.tiny", "view")
async def cmd_editor(inv: Invocation) -> int:
    if inv.out.captured or not inv.shell.interactive:
        await inv.err.write(
            "Vim: Warning: Output is not to a terminal\n" if inv.name.startswith("vi") else ""
        )
        return 1
    await inv.out.write("\x1b[?1049h\x1b[H\x1b[2J\x1b[?1049l")
    return 0


@command("sh", "bash", "dash", "ash", "zsh", "ksh")
async def cmd_sh(inv: Invocation) -> int:
    opts, rest = getopt(inv.args, takes_value="co", known=None)
    shell = inv.shell
    if "c" in opts:
        script = opts.get("c") or ""
        return await shell.execute(script, inv.out, inv.err, depth=inv.depth + 1, stdin=inv.stdin)
    if rest:
        try:
            text = inv.fs.read(rest[0], shell.cwd, inv.user)
        except FSError as exc:
            await inv.err.write(
                f"{inv.name}: {rest[0]}: {exc}\n" if inv.name != "bash" else f"bash: {rest[0]}: {exc}\n"
            )
            return 127
        return await shell.run_script(
            text, inv.out, inv.err, inv.depth, f"script:{inv.fs.normalize(rest[0], shell.cwd)}"
        )
    if inv.stdin:
        return await shell.run_script(inv.stdin, inv.out, inv.err, inv.depth, "stdin")
    return 0
