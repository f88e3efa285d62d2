"""A bounded parser for the part of POSIX shell syntax attackers type.

Lists (``;``, ``&&``, ``||``, ``&``), pipelines, redirections, single/double quotes,
backslashes, ``$VAR``/``${VAR}``/``$?``, ``$(...)`` and backticks, ``~`` and comments.
Grouping (``( )``, ``{ }``) and compound commands are flattened so each part still runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Parts of a word: literal text, a variable, a command substitution or a tilde prefix.
LIT, VAR, CMD, TILDE, ARITH = "lit", "var", "cmd", "tilde", "arith"

_OPERATORS = ("&&", "||", ";;", "|&", ";", "&", "|", "(", ")", "\n")
_REDIRECTS = ("&>>", "&>", ">>", ">&", ">|", "<<<", "<<", "<>", ">", "<")
_MAX_TOKENS = 2048


class ParseError(ValueError):
    """A syntax error; ``token`` is the unexpected token as bash names it."""

    def __init__(self, token: str) -> None:
        super().__init__(f"syntax error near unexpected token `{token}'")
        self.token = token


@dataclass(slots=True)
class Part:
    """One piece of a word."""

    kind: str
    text: str
    quoted: bool = False


@dataclass(slots=True)
class Word:
    """A word before expansion."""

    parts: list[Part] = field(default_factory=list)

    def literal(self) -> str:
        """The word's text with expansions shown as written (for messages)."""
        out = []
        for part in self.parts:
            if part.kind == VAR:
                out.append("$" + part.text)
            elif part.kind == CMD:
                out.append(f"$({part.text})")
            elif part.kind == TILDE:
                out.append("~" + part.text)
            else:
                out.append(part.text)
        return "".join(out)


@dataclass(slots=True)
class Redirect:
    """``fd op target``; ``target`` is ``None`` for ``2>&1``-style duplications."""

    fd: int
    op: str
    target: Word | None


@dataclass(slots=True)
class Simple:
    """One command: its words and redirections."""

    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)


@dataclass(slots=True)
class Pipeline:
    """Commands joined by ``|``."""

    commands: list[Simple] = field(default_factory=list)


#: A command list: each pipeline with the operator that follows it (``;``, ``&&``, ``||``, ``&``).
CommandList = list[tuple[Pipeline, str]]


def _matching_paren(s: str, start: int) -> int:
    """Index of the ``)`` closing the ``(`` before ``start`` (quotes respected), or -1."""
    depth = 1
    i = start
    quote = ""
    while i < len(s):
        c = s[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c == "\\":
            i += 2
            continue
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


@dataclass(frozen=True, slots=True)
class _Redir:
    fd: int  # -1 when not given
    op: str


class _Lexer:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.tokens: list[Word | str | _Redir] = []
        self.word: Word | None = None

    def _lit(self, text: str, quoted: bool = False) -> None:
        if self.word is None:
            self.word = Word()
        parts = self.word.parts
        if parts and parts[-1].kind == LIT and parts[-1].quoted == quoted:
            parts[-1].text += text
        else:
            parts.append(Part(LIT, text, quoted))

    def _part(self, kind: str, text: str, quoted: bool) -> None:
        if self.word is None:
            self.word = Word()
        self.word.parts.append(Part(kind, text, quoted))

    def _end_word(self) -> None:
        if self.word is not None:
            self._emit(self.word)
            self.word = None

    def _emit(self, token: Word | str | _Redir) -> None:
        if len(self.tokens) >= _MAX_TOKENS:
            raise ParseError("newline")
        self.tokens.append(token)

    def _dollar(self, quoted: bool) -> None:
        s, i = self.s, self.i + 1
        if i >= len(s):
            self._lit("$", quoted)
            self.i = i
            return
        c = s[i]
        if s.startswith("((", i):
            end = _matching_paren(s, i + 2)
            close = _matching_paren(s, end + 1) if end >= 0 else -1
            self._part(ARITH, s[i + 2 : end] if end >= 0 else "", quoted)
            self.i = len(s) if close < 0 else close + 1
        elif c == "(":
            end = _matching_paren(s, i + 1)
            if end < 0:
                self._part(CMD, s[i + 1 :], quoted)
                self.i = len(s)
            else:
                self._part(CMD, s[i + 1 : end], quoted)
                self.i = end + 1
        elif c == "{":
            end = s.find("}", i)
            if end < 0:
                raise ParseError("newline")
            self._part(VAR, s[i + 1 : end], quoted)
            self.i = end + 1
        elif c.isalpha() or c == "_":
            j = i
            while j < len(s) and (s[j].isalnum() or s[j] == "_"):
                j += 1
            self._part(VAR, s[i:j], quoted)
            self.i = j
        elif c.isdigit() or c in "?$#!@*-":
            self._part(VAR, c, quoted)
            self.i = i + 1
        else:
            self._lit("$", quoted)
            self.i = i

    def _backtick(self, quoted: bool) -> None:
        end = self.s.find("`", self.i + 1)
        end = len(self.s) if end < 0 else end
        self._part(CMD, self.s[self.i + 1 : end], quoted)
        self.i = end + 1

    def _double(self) -> None:
        s = self.s
        self.i += 1
        self._lit("", True)
        while self.i < len(s):
            c = s[self.i]
            if c == '"':
                self.i += 1
                return
            if c == "\\" and self.i + 1 < len(s) and s[self.i + 1] in '"\\$`\n':
                if s[self.i + 1] != "\n":
                    self._lit(s[self.i + 1], True)
                self.i += 2
            elif c == "$":
                self._dollar(True)
            elif c == "`":
                self._backtick(True)
            else:
                self._lit(c, True)
                self.i += 1

    def run(self) -> list[Word | str | _Redir]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r":
                self._end_word()
                self.i += 1
            elif c == "#" and self.word is None:
                nl = s.find("\n", self.i)
                self.i = len(s) if nl < 0 else nl
            elif c == "\\":
                if self.i + 1 < len(s) and s[self.i + 1] != "\n":
                    self._lit(s[self.i + 1], True)
                self.i += 2
            elif c == "'":
                end = s.find("'", self.i + 1)
                end = len(s) if end < 0 else end
                self._lit(s[self.i + 1 : end], True)
                self.i = end + 1
            elif c == '"':
                self._double()
            elif c == "$":
                self._dollar(False)
            elif c == "`":
                self._backtick(False)
            elif c == "~" and self.word is None:
                j = self.i + 1
                while j < len(s) and (s[j].isalnum() or s[j] in "_.-+"):
                    j += 1
                if j < len(s) and s[j] not in "/ \t\n;|&)":
                    self._lit("~")
                    self.i += 1
                else:
                    self._part(TILDE, s[self.i + 1 : j], False)
                    self.i = j
            elif c in "<>" or (c == "&" and s.startswith(("&>", "&>>"), self.i)):
                self._redirect()
            elif c in ";&|()\n":
                self._end_word()
                op = next(o for o in _OPERATORS if s.startswith(o, self.i))
                self._emit(op)
                self.i += len(op)
            else:
                self._lit(c)
                self.i += 1
        self._end_word()
        return self.tokens

    def _redirect(self) -> None:
        fd = -1
        word = self.word
        if (
            word is not None
            and len(word.parts) == 1
            and word.parts[0].kind == LIT
            and not word.parts[0].quoted
            and word.parts[0].text in {"0", "1", "2"}
        ):
            fd = int(word.parts[0].text)
            self.word = None
        else:
            self._end_word()
        op = next(o for o in _REDIRECTS if self.s.startswith(o, self.i))
        self.i += len(op)
        self._emit(_Redir(fd, op))


def _default_fd(op: str) -> int:
    return 0 if op.startswith("<") else 1


def parse(text: str) -> CommandList:
    """Parse one command line; raises :class:`ParseError`."""
    tokens = _Lexer(text).run()
    result: CommandList = []
    pipeline = Pipeline()
    simple = Simple()
    index = 0

    def finish_simple(op: str) -> None:
        nonlocal simple
        if not simple.words and not simple.redirects:
            raise ParseError(op)
        pipeline.commands.append(simple)
        simple = Simple()

    while index < len(tokens):
        item = tokens[index]
        index += 1
        if isinstance(item, Word):
            simple.words.append(item)
            continue
        if item in {"(", ")"}:
            continue  # grouping is flattened
        if isinstance(item, _Redir):
            op = item.op
            fd = item.fd if item.fd >= 0 else (-1 if op.startswith("&") else _default_fd(op))
            nxt = tokens[index] if index < len(tokens) else None
            if op in {">&", "<&"} and isinstance(nxt, Word) and nxt.literal() in {"1", "2", "-"}:
                index += 1
                simple.redirects.append(Redirect(fd, op + nxt.literal(), None))
                continue
            if not isinstance(nxt, Word):
                raise ParseError(nxt if isinstance(nxt, str) and nxt != "\n" else "newline")
            index += 1
            simple.redirects.append(Redirect(fd, op, nxt))
            continue
        if item in {"|", "|&"}:
            finish_simple(item)
            continue
        # list operators
        if not simple.words and not simple.redirects:
            if item in {";", "\n"} and not pipeline.commands:
                if item == ";" and not result and not pipeline.commands:
                    raise ParseError(";")
                continue
            raise ParseError(item if item != "\n" else "newline")
        finish_simple(item)
        result.append((pipeline, ";" if item in {"\n", ";;"} else item))
        pipeline = Pipeline()
    if simple.words or simple.redirects:
        pipeline.commands.append(simple)
    elif pipeline.commands:
        raise ParseError("newline")
    if pipeline.commands:
        result.append((pipeline, ";"))
    return result
