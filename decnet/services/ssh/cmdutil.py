"""Helpers shared by the fake commands: option parsing, sizes, tables, safe regexes."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from decnet.services.ssh.shell import CommandFn

#: The quotes GNU tools put around names in a UTF-8 locale.
LQ, RQ = "\u2018", "\u2019"

#: name -> implementation, filled by the ``@command`` decorators of the command modules.
REGISTRY: dict[str, CommandFn] = {}


def command(*names: str) -> Callable[[CommandFn], CommandFn]:
    """Register the decorated coroutine under ``names``."""

    def register(fn: CommandFn) -> CommandFn:
        for name in names:
            REGISTRY[name] = fn
        return fn

    return register


class Opts:
    """Parsed options: ``flags`` (short letters and long names) and ``values``."""

    def __init__(self) -> None:
        self.flags: set[str] = set()
        self.values: dict[str, str] = {}
        self.bad: str | None = None

    def __contains__(self, name: object) -> bool:
        return name in self.flags or name in self.values

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of option ``name``."""
        return self.values.get(name, default)


def getopt(
    args: Sequence[str], takes_value: str = "", long_values: Sequence[str] = (), known: str | None = None
) -> tuple[Opts, list[str]]:
    """Split ``args`` into options and operands (GNU style, options may follow operands)."""
    opts = Opts()
    operands: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            operands.extend(args[index:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if eq:
                opts.values[name] = value
            elif name in long_values and index < len(args):
                opts.values[name] = args[index]
                index += 1
            else:
                opts.flags.add(name)
            continue
        if arg.startswith("-") and len(arg) > 1:
            chars = arg[1:]
            for pos, ch in enumerate(chars):
                if ch in takes_value:
                    rest = chars[pos + 1 :]
                    if rest:
                        opts.values[ch] = rest
                    elif index < len(args):
                        opts.values[ch] = args[index]
                        index += 1
                    else:
                        opts.values[ch] = ""
                    break
                if known is not None and ch not in known and opts.bad is None:
                    opts.bad = ch
                opts.flags.add(ch)
            continue
        operands.append(arg)
    return opts, operands


def human(num_bytes: float, suffix: str = "", si: bool = False) -> str:
    """GNU-style human size: ``0``, ``512``, ``4.0K``, ``29G`` (``suffix`` e.g. ``i`` for free)."""
    base = 1000.0 if si else 1024.0
    value = float(num_bytes)
    if value < base:
        return f"{int(value)}{'B' if suffix else ''}"
    for unit in "KMGTPE":
        value /= base
        if value < base or unit == "E":
            if value < 10:
                return f"{value:.1f}{unit}{suffix}"
            return f"{round(value):d}{unit}{suffix}"
    return f"{value:.0f}"


def table(rows: Sequence[Sequence[str]], right: Sequence[bool], last_free: bool = True) -> str:
    """Align ``rows`` in columns (``right[i]``: right-align column i; the last column is free)."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if last_free and i == len(row) - 1:
                cells.append(cell)
            elif right[i]:
                cells.append(cell.rjust(widths[i]))
            else:
                cells.append(cell.ljust(widths[i]))
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


_NESTED_REPEAT = re.compile(r"\)[*+?{]|[*+?}]\{|\\[1-9]")


def safe_regex(
    pattern: str, extended: bool = False, fixed: bool = False, ignore_case: bool = False, word: bool = False
) -> re.Pattern[str]:
    """Compile a grep-style pattern without catastrophic backtracking (risky ones match literally)."""
    flags = re.IGNORECASE if ignore_case else 0
    pattern = pattern[:1024]
    if fixed:
        source = re.escape(pattern)
    elif extended:
        source = re.escape(pattern) if _NESTED_REPEAT.search(pattern) else pattern
    else:
        # basic regular expressions: + ? | ( ) { } are literal unless escaped
        out = []
        i = 0
        while i < len(pattern):
            ch = pattern[i]
            if ch == "\\" and i + 1 < len(pattern):
                nxt = pattern[i + 1]
                out.append(nxt if nxt in "+?|(){}" else "\\" + nxt)
                i += 2
                continue
            out.append("\\" + ch if ch in "+?|(){}" else ch)
            i += 1
        source = "".join(out)
        if _NESTED_REPEAT.search(source):
            source = re.escape(pattern)
    if word:
        source = rf"\b(?:{source})\b"
    try:
        return re.compile(source, flags)
    except re.error:
        return re.compile(re.escape(pattern), flags)


def columns(names: Sequence[str], width: int, shown: Sequence[str] | None = None) -> str:
    """Names in column-major order fitting ``width`` (as `ls` on a terminal)."""
    if not names:
        return ""
    shown = shown if shown is not None else names
    count = len(names)
    for ncols in range(min(count, max(1, width // 3)), 0, -1):
        nrows = -(-count // ncols)
        col_widths = []
        for col in range(ncols):
            chunk = names[col * nrows : (col + 1) * nrows]
            if chunk:
                col_widths.append(max(len(n) for n in chunk) + 2)
        if sum(col_widths) - 2 <= width or ncols == 1:
            lines = []
            for row in range(nrows):
                cells = []
                for col in range(ncols):
                    idx = col * nrows + row
                    if idx < count:
                        pad = col_widths[col] - len(names[idx]) if idx + nrows < count else 0
                        cells.append(shown[idx] + " " * pad)
                lines.append("".join(cells).rstrip())
            return "\n".join(lines) + "\n"
    return "\n".join(shown) + "\n"
