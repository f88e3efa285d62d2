"""The imap service: IMAP4rev1 as Dovecot (or Exchange on Windows personas) with a bait mailbox.

Not-authenticated state: CAPABILITY, NOOP, LOGOUT, STARTTLS, ID, LOGIN, AUTHENTICATE PLAIN.
Every login is an ``auth`` event in the shared shape. Configured accounts reach the
authenticated and selected states: LIST/LSUB/STATUS/SELECT/EXAMINE, FETCH (flags, sizes,
envelope, body structure, whole messages and sections), SEARCH, STORE, APPEND (captured),
IDLE and the rest answered as Dovecot does. Every command is a ``command`` event.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
from dataclasses import dataclass, field
from email.utils import getaddresses, parsedate_to_datetime
from typing import ClassVar

from pydantic import Field

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.imap.dovecot import dovecot_tag
from decnet.services.imap.mailbox import Message, bait_mailbox
from decnet.services.imap.parser import (
    IMAPParseError,
    LiteralTooLarge,
    Token,
    read_command,
    sequence_set,
    tokenize,
)
from decnet.services.smtp.accounts import check
from decnet.services.smtp.config import BANNER, Users
from decnet.services.smtp.lines import Closed
from decnet.services.smtp.linesvc import LineConfig, LineService, Session
from decnet.services.text import clip, printable

MAX_BAD_COMMANDS = 10
FOLDERS = ("INBOX", "Drafts", "Sent", "Junk", "Trash")
_SPECIAL = {"Drafts": "\\Drafts", "Sent": "\\Sent", "Junk": "\\Junk", "Trash": "\\Trash"}
_PRE_CAPS = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+"
_POST_CAPS = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
    "LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ "
    "NOTIFY SPECIAL-USE"
)
_EXCHANGE_CAPS = (
    "IMAP4 IMAP4rev1 AUTH=NTLM AUTH=GSSAPI AUTH=PLAIN UIDPLUS MOVE ID CHILDREN IDLE NAMESPACE LITERAL+"
)
_TIMES = "(0.001 + 0.000 secs)."


class IMAPConfig(LineConfig):
    """Options of the imap service; unknown keys are rejected."""

    banner: str | None = Field(
        None, pattern=BANNER, description="Greeting text after '* OK ' (default: Dovecot's)."
    )
    users: Users = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...' ('*' = any)."
    )
    starttls: bool = Field(True, description="Offer STARTTLS with the decky's certificate.")
    domain: str | None = Field(None, max_length=253, description="Mail domain of the bait messages.")
    max_literal_bytes: int = Field(
        1024 * 1024, ge=1024, le=16 * 1024 * 1024, description="Largest literal (APPEND message) accepted."
    )
    log_message_bytes: int = Field(
        8192, ge=0, le=65536, description="Characters of an APPENDed message logged."
    )


@dataclass(slots=True)
class IMAPState:
    """Per-connection state."""

    user: str | None = None
    messages: list[Message] = field(default_factory=list)
    flags: dict[int, set[str]] = field(default_factory=dict)  #: uid -> flags
    selected: str | None = None
    read_only: bool = False
    bad: int = 0


class IMAPService(LineService):
    """IMAP4rev1 (RFC 3501) as Dovecot 2.3 answers it."""

    slug = "imap"
    default_ports = (143, 993)
    implicit_tls = (993,)
    config_model: ClassVar[type[ServiceConfig]] = IMAPConfig
    max_line = 8192
    default_auth_fail_delay = 2.0  # Dovecot's auth_failure_delay

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, IMAPConfig)
        self.imap: IMAPConfig = self.config
        self.exchange = self.persona.os_family == "windows"

    # -- texts ------------------------------------------------------------------------------

    def _caps(self, sess: Session, state: IMAPState) -> str:
        if self.exchange:
            return _EXCHANGE_CAPS if sess.tls or not self.imap.starttls else _EXCHANGE_CAPS + " STARTTLS"
        if state.user is not None:
            return _POST_CAPS
        tls = " STARTTLS" if self.imap.starttls and not sess.tls else ""
        return f"{_PRE_CAPS}{tls} AUTH=PLAIN"

    def _greeting(self, sess: Session, state: IMAPState) -> str:
        if self.imap.banner:
            return f"* OK {self.imap.banner}\r\n"
        if self.exchange:
            return "* OK The Microsoft Exchange IMAP4 service is ready.\r\n"
        tag = dovecot_tag(self.persona.distro)
        return f"* OK [CAPABILITY {self._caps(sess, state)}] Dovecot{tag} ready.\r\n"

    def _unknown(self, verb: str) -> str:
        return (
            "BAD Command Error. 10"
            if self.exchange
            else f"BAD Error in IMAP command {verb}: Unknown command."
        )

    # -- loop -------------------------------------------------------------------------------

    async def serve(self, sess: Session) -> None:
        state = IMAPState()
        await self.send(sess, self._greeting(sess, state))

        async def go_ahead() -> None:
            await self.send(sess, "+ OK\r\n")

        while True:
            try:
                raw = await read_command(
                    sess.lines,
                    self.cfg.idle_timeout,
                    max_literal=self.imap.max_literal_bytes,
                    go_ahead=go_ahead,
                )
            except LiteralTooLarge as big:
                self.event(sess, "command", {"verb": "", "error": "literal_too_large", "size": str(big.size)})
                if not big.synchronizing:
                    await self.send(sess, "* BYE Literal too large\r\n")
                    raise Closed("literal_too_large") from None
                await self._bad(sess, state, "* BAD Literal too large\r\n")
                continue
            sess.commands += 1
            if sess.commands > self.cfg.max_commands:
                raise Closed("max_commands")
            if raw.too_long:
                self.event(sess, "command", {"verb": "", "error": "line_too_long"})
                await self._bad(
                    sess, state, "* BAD Error in IMAP command received by server: line too long.\r\n"
                )
                continue
            first = raw.items[0] if isinstance(raw.items[0], str) else ""
            tag, _, rest = first.partition(" ")
            verb = rest.split(" ", 1)[0].upper() if rest else ""
            if not tag or not verb or not all(c.isalnum() or c in ".-_+:" for c in tag) or len(tag) > 64:
                self.event(
                    sess, "command", {"verb": clip(verb, 32), "raw": clip(first, 256), "error": "bad_tag"}
                )
                await self._bad(sess, state, "* BAD Error in IMAP command received by server.\r\n")
                continue
            raw.items[0] = rest[len(verb) :]
            try:
                args = tokenize(raw.items)
            except IMAPParseError:
                self.event(sess, "command", {"tag": clip(tag, 64), "verb": clip(verb, 32), "error": "parse"})
                await self._bad(
                    sess, state, f"{tag} BAD Error in IMAP command {verb}: Invalid arguments.\r\n"
                )
                continue
            if verb not in {"LOGIN", "AUTHENTICATE", "APPEND"}:
                fields = {"tag": clip(tag, 64), "verb": clip(verb, 32), "args": clip(_show(args), 1024)}
                if state.user is not None:
                    fields["username"] = clip(state.user, 256)
                self.event(sess, "command", fields)
            if await self._dispatch(sess, state, tag, verb, args) is False:
                return

    async def _bad(self, sess: Session, state: IMAPState, reply: str) -> None:
        await self.send(sess, reply)
        state.bad += 1
        if state.user is None and state.bad >= MAX_BAD_COMMANDS:
            await self.send(sess, "* BYE Too many invalid IMAP commands.\r\n")
            raise Closed("too_many_errors")

    async def _dispatch(
        self, sess: Session, state: IMAPState, tag: str, verb: str, args: list[Token]
    ) -> bool | None:
        if verb == "CAPABILITY":
            note = (
                "Pre-login capabilities listed, post-login capabilities have more."
                if state.user is None
                else "Capability completed."
            )
            await self.send(sess, f"* CAPABILITY {self._caps(sess, state)}\r\n{tag} OK {note}\r\n")
        elif verb == "NOOP":
            await self.send(sess, f"{tag} OK NOOP completed.\r\n")
        elif verb == "LOGOUT":
            done = f"Logout completed {_TIMES}" if state.user else "Logout completed."
            await self.send(sess, f"* BYE Logging out\r\n{tag} OK {done}\r\n")
            sess.close_reason = "logout"
            return False
        elif verb == "ID":
            await self.send(sess, f'* ID ("name" "Dovecot")\r\n{tag} OK ID completed.\r\n')
        elif verb == "STARTTLS":
            if sess.tls or not self.imap.starttls:
                await self._bad(
                    sess,
                    state,
                    f"{tag} BAD TLS is already active.\r\n"
                    if sess.tls
                    else f"{tag} {self._unknown(verb)}\r\n",
                )
            elif not await self.starttls(sess, f"{tag} OK Begin TLS negotiation now.\r\n"):
                return False
        elif verb == "ENABLE":
            await self.send(sess, f"* ENABLED\r\n{tag} OK Enabled.\r\n")
        elif state.user is None:
            if verb == "LOGIN":
                await self._login(sess, state, tag, args)
            elif verb == "AUTHENTICATE":
                await self._authenticate(sess, state, tag, args)
            else:
                await self._bad(sess, state, f"{tag} {self._unknown(verb)}\r\n")
        elif verb in {"LOGIN", "AUTHENTICATE"}:
            await self.send(sess, f"{tag} BAD Error in IMAP command {verb}: Unknown command.\r\n")
        else:
            await self._authenticated(sess, state, tag, verb, args)
        return None

    # -- login --------------------------------------------------------------------------------

    async def _login(self, sess: Session, state: IMAPState, tag: str, args: list[Token]) -> None:
        if len(args) != 2 or isinstance(args[0], list) or isinstance(args[1], list):
            await self._bad(sess, state, f"{tag} BAD Error in IMAP command LOGIN: Invalid arguments.\r\n")
            return
        await self._check(sess, state, tag, _str(args[0]), _str(args[1]), "login")

    async def _authenticate(self, sess: Session, state: IMAPState, tag: str, args: list[Token]) -> None:
        mech = _str(args[0]).upper() if args and not isinstance(args[0], list) else ""
        if mech != "PLAIN":
            self.event(
                sess, "command", {"tag": clip(tag, 64), "verb": "AUTHENTICATE", "args": clip(mech, 64)}
            )
            await self.send(sess, f"{tag} NO Unsupported authentication mechanism.\r\n")
            return
        if len(args) > 1 and isinstance(args[1], str):
            text = args[1]
        else:
            await self.send(sess, "+ \r\n")
            text = (await self.command(sess)).text.strip()
            if text == "*":
                await self.send(sess, f"{tag} BAD Authentication aborted by client.\r\n")
                return
        try:
            parts = base64.b64decode(("" if text == "=" else text).encode("ascii"), validate=True).split(
                b"\0"
            )
        except (binascii.Error, ValueError, UnicodeEncodeError):
            parts = []
        if len(parts) != 3:
            await self.send(sess, f"{tag} BAD Invalid base64 data in continued response\r\n")
            return
        user, password = (p.decode("utf-8", "surrogateescape") for p in parts[1:])
        await self._check(sess, state, tag, user, password, "plain")

    async def _check(
        self, sess: Session, state: IMAPState, tag: str, user: str, password: str, method: str
    ) -> None:
        ok = check(self.imap.users, user, password)
        self.event(sess, "auth", credential_fields(user, password, ok=ok, method=method))
        if not ok:
            await self.fail_delay()
            text = "NO LOGIN failed." if self.exchange else "NO [AUTHENTICATIONFAILED] Authentication failed."
            await self.send(sess, f"{tag} {text}\r\n")
            return
        state.user = user
        state.messages = bait_mailbox(self.persona, user, self.imap.domain)
        state.flags = {m.uid: ({"\\Seen"} if m.seen else set()) for m in state.messages}
        caps = "" if self.exchange else f"[CAPABILITY {_POST_CAPS}] "
        await self.send(sess, f"{tag} OK {caps}Logged in\r\n")

    # -- authenticated state ----------------------------------------------------------------------

    def _folder(self, token: Token | None) -> str | None:
        name = _str(token) if token is not None and not isinstance(token, list) else ""
        if name.upper() == "INBOX":
            return "INBOX"
        return name if name in FOLDERS else None

    async def _authenticated(
        self, sess: Session, state: IMAPState, tag: str, verb: str, args: list[Token]
    ) -> None:
        if verb in {"SELECT", "EXAMINE"}:
            await self._select(sess, state, tag, verb, args)
        elif verb in {"LIST", "LSUB", "XLIST"}:
            await self._list(sess, tag, verb, args)
        elif verb == "STATUS":
            await self._status(sess, state, tag, args)
        elif verb == "NAMESPACE":
            await self.send(sess, f'* NAMESPACE (("" "/")) NIL NIL\r\n{tag} OK Namespace completed.\r\n')
        elif verb in {"CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE"}:
            await self.send(sess, f"{tag} OK {verb.capitalize()} completed.\r\n")
        elif verb == "APPEND":
            await self._append(sess, state, tag, args)
        elif verb == "IDLE":
            await self.send(sess, "+ idling\r\n")
            line = await self.command(sess)
            done = line.text.strip().upper() == "DONE"
            await self.send(
                sess, f"{tag} OK Idle completed {_TIMES}\r\n" if done else f"{tag} BAD Expected DONE.\r\n"
            )
        elif verb == "CHECK" and state.selected:
            await self.send(sess, f"{tag} OK Check completed {_TIMES}\r\n")
        elif verb in {"CLOSE", "UNSELECT"} and state.selected:
            state.selected = None
            await self.send(sess, f"{tag} OK {verb.capitalize()} completed.\r\n")
        elif verb in {
            "FETCH",
            "SEARCH",
            "STORE",
            "COPY",
            "MOVE",
            "EXPUNGE",
            "UID",
            "CHECK",
            "CLOSE",
            "UNSELECT",
        }:
            if state.selected is None:
                await self.send(sess, f"{tag} BAD No mailbox selected.\r\n")
                return
            uid = verb == "UID"
            if uid:
                verb = _str(args[0]).upper() if args and isinstance(args[0], str) else ""
                args = args[1:]
            await self._selected(sess, state, tag, verb, args, uid)
        else:
            await self.send(sess, f"{tag} {self._unknown(verb)}\r\n")

    def _visible(self, state: IMAPState) -> list[Message]:
        return state.messages if state.selected == "INBOX" else []

    async def _select(self, sess: Session, state: IMAPState, tag: str, verb: str, args: list[Token]) -> None:
        folder = self._folder(args[0] if args else None)
        if folder is None:
            state.selected = None
            name = clip(_str(args[0]), 200) if args and not isinstance(args[0], list) else ""
            await self.send(sess, f"{tag} NO Mailbox doesn't exist: {name}\r\n")
            return
        state.selected, state.read_only = folder, verb == "EXAMINE"
        msgs = self._visible(state)
        validity = msgs[0].uidvalidity if msgs else (state.messages[0].uidvalidity if state.messages else 1)
        out = [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.",
            f"* {len(msgs)} EXISTS",
            "* 0 RECENT",
        ]
        unseen = [n for n, m in enumerate(msgs, 1) if "\\Seen" not in state.flags.get(m.uid, set())]
        if unseen:
            out.append(f"* OK [UNSEEN {unseen[0]}] First unseen.")
        out += [
            f"* OK [UIDVALIDITY {validity}] UIDs valid",
            f"* OK [UIDNEXT {len(msgs) + 1}] Predicted next UID",
            "* OK [HIGHESTMODSEQ 1] Highest",
            f"{tag} OK [{'READ-ONLY' if state.read_only else 'READ-WRITE'}] "
            f"{'Examine' if state.read_only else 'Select'} completed {_TIMES}",
        ]
        await self.send(sess, "".join(f"{line}\r\n" for line in out))

    async def _list(self, sess: Session, tag: str, verb: str, args: list[Token]) -> None:
        if len(args) < 2:
            await self.send(sess, f"{tag} BAD Error in IMAP command {verb}: Invalid arguments.\r\n")
            return
        pattern = _str(args[1]) if not isinstance(args[1], list) else "*"
        rows = []
        if pattern == "":
            rows.append(f'* {verb} (\\Noselect) "/" ""')
        else:
            glob = pattern.replace("%", "*")
            for folder in FOLDERS:
                if fnmatch.fnmatchcase(folder, glob) or (
                    folder == "INBOX" and fnmatch.fnmatchcase("inbox", glob.lower())
                ):
                    flags = "\\HasNoChildren" + (f" {_SPECIAL[folder]}" if folder in _SPECIAL else "")
                    rows.append(f'* {verb} ({flags}) "/" {folder}')
        await self.send(
            sess, "".join(f"{r}\r\n" for r in rows) + f"{tag} OK {verb.capitalize()} completed {_TIMES}\r\n"
        )

    async def _status(self, sess: Session, state: IMAPState, tag: str, args: list[Token]) -> None:
        folder = self._folder(args[0] if args else None)
        if folder is None or len(args) < 2 or not isinstance(args[1], list):
            await self.send(
                sess,
                f"{tag} NO Mailbox doesn't exist: {clip(_str(args[0] if args else None), 200)}\r\n",
            )
            return
        msgs = state.messages if folder == "INBOX" else []
        values = {
            "MESSAGES": len(msgs),
            "RECENT": 0,
            "UIDNEXT": len(msgs) + 1,
            "UIDVALIDITY": msgs[0].uidvalidity if msgs else 1,
            "UNSEEN": sum(1 for m in msgs if "\\Seen" not in state.flags.get(m.uid, set())),
            "SIZE": sum(m.size for m in msgs),
        }
        items = [
            f"{_str(i).upper()} {values[_str(i).upper()]}"
            for i in args[1]
            if isinstance(i, str) and i.upper() in values
        ]
        await self.send(
            sess, f"* STATUS {folder} ({' '.join(items)})\r\n{tag} OK Status completed {_TIMES}\r\n"
        )

    async def _append(self, sess: Session, state: IMAPState, tag: str, args: list[Token]) -> None:
        folder = self._folder(args[0] if args else None)
        message = next((a for a in reversed(args) if isinstance(a, bytes)), None)
        if message is None:
            self.event(
                sess, "command", {"tag": clip(tag, 64), "verb": "APPEND", "args": clip(_show(args), 512)}
            )
            await self.send(sess, f"{tag} BAD Error in IMAP command APPEND: Invalid arguments.\r\n")
            return
        body, cut = printable(message, self.imap.log_message_bytes)
        fields = {
            "tag": clip(tag, 64),
            "verb": "APPEND",
            "mailbox": clip(_str(args[0]) if args and not isinstance(args[0], list) else "", 200),
            "size": str(len(message)),
            "sha256": hashlib.sha256(message).hexdigest(),
            "message": body,
            "username": clip(state.user or "", 256),
        }
        if cut:
            fields["truncated"] = "true"
        self.event(sess, "append", fields)
        if folder is None:
            await self.send(sess, f"{tag} NO [TRYCREATE] Mailbox doesn't exist: {fields['mailbox']}\r\n")
            return
        validity = state.messages[0].uidvalidity if state.messages else 1
        await self.send(
            sess, f"{tag} OK [APPENDUID {validity} {len(state.messages) + 1}] Append completed {_TIMES}\r\n"
        )

    # -- selected state ---------------------------------------------------------------------------

    async def _selected(
        self, sess: Session, state: IMAPState, tag: str, verb: str, args: list[Token], uid: bool
    ) -> None:
        msgs = self._visible(state)
        prefix = "UID " if uid else ""
        if verb == "SEARCH":
            hits = [m.uid if uid else n for n, m in enumerate(msgs, 1) if _matches(args, state, m)]
            await self.send(
                sess,
                f"* SEARCH{''.join(f' {h}' for h in hits)}\r\n"
                f"{tag} OK {prefix.title()}Search completed {_TIMES}\r\n",
            )
            return
        if verb == "EXPUNGE":
            await self.send(sess, f"{tag} OK Expunge completed {_TIMES}\r\n")
            return
        if verb in {"CHECK", "CLOSE", "UNSELECT"}:
            await self.send(sess, f"{tag} OK {verb.capitalize()} completed.\r\n")
            return
        if verb not in {"FETCH", "STORE", "COPY", "MOVE"} or len(args) < 2 or not isinstance(args[0], str):
            await self.send(sess, f"{tag} BAD Error in IMAP command {prefix}{verb}: Invalid arguments.\r\n")
            return
        largest = max((m.uid for m in msgs), default=0) if uid else len(msgs)
        numbers = sequence_set(args[0], largest)
        if numbers is None:
            await self.send(sess, f"{tag} BAD Error in IMAP command {prefix}{verb}: Invalid messageset\r\n")
            return
        chosen = [(n, m) for n, m in enumerate(msgs, 1) if (m.uid if uid else n) in numbers]
        if verb in {"COPY", "MOVE"}:
            await self.send(sess, f"{tag} OK {verb.capitalize()} completed.\r\n")
            return
        if verb == "STORE":
            await self._store(sess, state, tag, chosen, args[1:], prefix)
            return
        items = _fetch_items(args[1])
        out = bytearray()
        for n, m in chosen:
            out += f"* {n} FETCH (".encode() + self._fetch_one(state, m, items, uid) + b")\r\n"
        out += f"{tag} OK {prefix.title()}Fetch completed {_TIMES}\r\n".encode()
        await self.send(sess, bytes(out))

    async def _store(
        self,
        sess: Session,
        state: IMAPState,
        tag: str,
        chosen: list[tuple[int, Message]],
        args: list[Token],
        prefix: str,
    ) -> None:
        if len(args) < 2 or not isinstance(args[0], str):
            await self.send(sess, f"{tag} BAD Error in IMAP command {prefix}STORE: Invalid arguments.\r\n")
            return
        op = args[0].upper()
        values = args[1] if isinstance(args[1], list) else args[1:]
        flags = {_str(v) for v in values if isinstance(v, str)}
        out = []
        for n, m in chosen:
            current = state.flags.setdefault(m.uid, set())
            if op.startswith("+"):
                current |= flags
            elif op.startswith("-"):
                current -= flags
            else:
                current.clear()
                current |= flags
            if not op.endswith(".SILENT"):
                uid_part = f"UID {m.uid} " if prefix else ""
                out.append(f"* {n} FETCH ({uid_part}FLAGS ({' '.join(sorted(current))}))\r\n")
        await self.send(sess, "".join(out) + f"{tag} OK {prefix.title()}Store completed {_TIMES}\r\n")

    def _fetch_one(self, state: IMAPState, msg: Message, items: list[str], uid: bool) -> bytes:
        parts: list[bytes] = []
        if uid and "UID" not in items:
            items = ["UID", *items]
        for item in items[:32]:
            name = item.upper()
            if name == "UID":
                parts.append(f"UID {msg.uid}".encode())
            elif name == "FLAGS":
                parts.append(f"FLAGS ({' '.join(sorted(state.flags.get(msg.uid, set())))})".encode())
            elif name == "INTERNALDATE":
                parts.append(f'INTERNALDATE "{msg.date.strftime("%d-%b-%Y %H:%M:%S +0000")}"'.encode())
            elif name == "RFC822.SIZE":
                parts.append(f"RFC822.SIZE {msg.size}".encode())
            elif name == "ENVELOPE":
                parts.append(b"ENVELOPE " + _envelope(msg).encode())
            elif name in {"BODYSTRUCTURE", "BODY"}:
                lines = msg.body.count(b"\r\n")
                ext = " NIL NIL NIL NIL" if name == "BODYSTRUCTURE" else ""
                parts.append(
                    f'{name} ("text" "plain" ("charset" "UTF-8") NIL NIL "7bit" '
                    f"{len(msg.body)} {lines}{ext})".encode()
                )
            elif name in {"RFC822", "RFC822.HEADER", "RFC822.TEXT"}:
                data = {"RFC822": msg.raw, "RFC822.HEADER": msg.header, "RFC822.TEXT": msg.body}[name]
                parts.append(f"{name} {{{len(data)}}}\r\n".encode() + data)
                if name != "RFC822.HEADER":
                    state.flags.setdefault(msg.uid, set()).add("\\Seen")
            elif name.startswith(("BODY[", "BODY.PEEK[", "BINARY[", "BINARY.PEEK[")):
                label, data = _section(msg, item)
                parts.append(f"{label} {{{len(data)}}}\r\n".encode() + data)
        return b" ".join(parts)


def _str(token: Token | None) -> str:
    if isinstance(token, bytes):
        return token.decode("utf-8", "surrogateescape")
    return token if isinstance(token, str) else ""


def _show(tokens: list[Token], depth: int = 0) -> str:
    """Arguments for a log line (literals summarised by size)."""
    out = []
    for token in tokens[:64]:
        if isinstance(token, list):
            out.append("(" + (_show(token, depth + 1) if depth < 4 else "...") + ")")
        elif isinstance(token, bytes):
            out.append(f"{{{len(token)} bytes}}")
        else:
            out.append(token)
    return " ".join(out)


_MACROS = {
    "ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
    "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
    "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
}


def _fetch_items(token: Token) -> list[str]:
    if isinstance(token, list):
        return [t for t in token if isinstance(t, str)][:32]
    name = _str(token)
    return _MACROS.get(name.upper(), [name])


def _section(msg: Message, item: str) -> tuple[str, bytes]:
    """The label and data of ``BODY[...]<a.b>`` (PEEK dropped from the label as servers do)."""
    head, _, rest = item.partition("[")
    spec, _, partial = rest.partition("]")
    label = f"{head.upper().replace('.PEEK', '')}[{spec}]"
    upper = spec.upper()
    if upper in {"", "0"}:
        data = msg.raw
    elif upper in {"HEADER", "0.HEADER"}:
        data = msg.header
    elif upper in {"TEXT", "1", "1.TEXT"}:
        data = msg.body
    elif upper.startswith(("HEADER.FIELDS.NOT", "HEADER.FIELDS")):
        names = {w.strip("()").lower() for w in spec.split("(", 1)[-1].split()}
        keep_not = upper.startswith("HEADER.FIELDS.NOT")
        kept = [
            line
            for line in msg.header.split(b"\r\n")
            if line and (line.split(b":", 1)[0].decode("latin-1").lower() in names) != keep_not
        ]
        data = b"".join(line + b"\r\n" for line in kept) + b"\r\n"
    elif upper == "MIME":
        data = b"Content-Type: text/plain; charset=UTF-8\r\n\r\n"
    else:
        data = b""
    if partial.startswith("<") and partial.endswith(">"):
        start, _, count = partial[1:-1].partition(".")
        if start.isdigit() and len(start) < 10 and (not count or (count.isdigit() and len(count) < 10)):
            offset = int(start)
            data = data[offset : offset + int(count)] if count else data[offset:]
            label += f"<{offset}>"
    return label, data


def _quote(text: str) -> str:
    if not text:
        return "NIL"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _addresses(value: str) -> str:
    if not value:
        return "NIL"
    parts = []
    for name, addr in getaddresses([value])[:16]:
        local, _, domain = addr.partition("@")
        parts.append(f"({_quote(name)} NIL {_quote(local)} {_quote(domain)})")
    return "(" + "".join(parts) + ")" if parts else "NIL"


def _envelope(msg: Message) -> str:
    sender = _addresses(msg.header_value("From"))
    return (
        f"({_quote(msg.header_value('Date'))} {_quote(msg.header_value('Subject'))} "
        f"{sender} {sender} {sender} "
        f"{_addresses(msg.header_value('To'))} NIL NIL NIL {_quote(msg.header_value('Message-ID'))})"
    )


def _matches(args: list[Token], state: IMAPState, msg: Message) -> bool:
    """A small SEARCH: ALL, SEEN/UNSEEN, FROM/SUBJECT/TO text, SINCE; anything else matches."""
    keys = [_str(a).upper() if not isinstance(a, list) else "" for a in args]
    flags = state.flags.get(msg.uid, set())
    for index, key in enumerate(keys):
        arg = _str(args[index + 1]) if index + 1 < len(args) else ""
        if (key == "UNSEEN" and "\\Seen" in flags) or (key == "SEEN" and "\\Seen" not in flags):
            return False
        if key in {"FROM", "SUBJECT", "TO"} and arg.lower() not in msg.header_value(key.title()).lower():
            return False
        if key == "SINCE":
            try:
                if msg.date < parsedate_to_datetime(f"{arg} 00:00:00 +0000".replace("-", " ")):
                    return False
            except (TypeError, ValueError, IndexError):
                pass
    return True
