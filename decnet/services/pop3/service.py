"""The pop3 service: Dovecot's pop3 (or Exchange's on Windows personas) with USER/PASS, AUTH PLAIN and STLS.

Logins are ``auth`` events in the shared credential shape; configured accounts reach the
bait mailbox (STAT, LIST, UIDL, RETR, TOP, DELE, RSET), whose commands are ``command`` events.
"""

from __future__ import annotations

import base64
import binascii
from typing import ClassVar

from pydantic import Field

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.imap.dovecot import dovecot_tag
from decnet.services.imap.mailbox import Message, bait_mailbox
from decnet.services.smtp.accounts import check
from decnet.services.smtp.config import BANNER, Users
from decnet.services.smtp.lines import Closed
from decnet.services.smtp.linesvc import LineConfig, LineService, Session
from decnet.services.text import clip

#: Dovecot's pop3-login drops a client after this many bad commands.
MAX_BAD_COMMANDS = 10


class POP3Config(LineConfig):
    """Options of the pop3 service; unknown keys are rejected."""

    banner: str | None = Field(
        None, pattern=BANNER, description="Greeting text after '+OK ' (default: the product's)."
    )
    users: Users = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...' ('*' = any)."
    )
    starttls: bool = Field(True, description="Offer STLS with the decky's certificate.")
    domain: str | None = Field(None, max_length=253, description="Mail domain of the bait messages.")


class POP3Service(LineService):
    """POP3 (RFC 1939, 2449, 2595, 5034) as Dovecot answers it."""

    slug = "pop3"
    default_ports = (110, 995)
    implicit_tls = (995,)
    config_model: ClassVar[type[ServiceConfig]] = POP3Config
    max_line = 1024
    default_auth_fail_delay = 2.0  # Dovecot's auth_failure_delay

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, POP3Config)
        self.pop: POP3Config = self.config
        self.exchange = self.persona.os_family == "windows"
        if self.pop.banner:
            self.greeting = self.pop.banner
        elif self.exchange:
            self.greeting = "The Microsoft Exchange POP3 service is ready."
        else:
            self.greeting = f"Dovecot{dovecot_tag(self.persona.distro)} ready."

    def _fail_text(self) -> str:
        if self.exchange:
            return "-ERR Logon failure: unknown user name or bad password.\r\n"
        return "-ERR [AUTH] Authentication failed.\r\n"

    async def serve(self, sess: Session) -> None:
        await self.send(sess, f"+OK {self.greeting}\r\n")
        user: str | None = None
        bad = 0
        while True:
            line = await self.command(sess)
            verb, _, arg = line.text.partition(" ")
            verb = verb.upper()
            if verb not in {"PASS", "AUTH"}:
                self.event(sess, "command", {"verb": clip(verb, 32), "arg": clip(arg, 512), "state": "auth"})
            if line.too_long:
                reply = "-ERR Input line too long.\r\n"
            elif verb == "QUIT":
                await self.send(sess, "+OK Logging out\r\n")
                sess.close_reason = "quit"
                return
            elif verb == "CAPA":
                reply = self._capa(sess, logged_in=False)
            elif verb == "NOOP":
                reply = "+OK\r\n"
            elif verb == "USER":
                user = arg
                reply = "+OK\r\n"
            elif verb == "PASS":
                if user is None:
                    reply = "-ERR No username given.\r\n"
                elif await self._login(sess, user, arg, "user"):
                    await self.transaction(sess, user)
                    return
                else:
                    reply, user = self._fail_text(), None
            elif verb == "AUTH":
                result = await self._auth(sess, arg)
                if result is None:
                    continue
                if isinstance(result, str):
                    await self.transaction(sess, result)
                    return
                reply = self._fail_text()
            elif verb == "STLS" and self.pop.starttls and not sess.tls:
                if not await self.starttls(sess, "+OK Begin TLS negotiation now.\r\n"):
                    return
                continue
            elif verb == "STLS":
                reply = "-ERR TLS is already active.\r\n" if sess.tls else "-ERR Unknown command.\r\n"
            else:
                reply = "-ERR Unknown command.\r\n"
            if reply.startswith("-ERR") and verb not in {"PASS", "AUTH"}:
                bad += 1
                if bad >= MAX_BAD_COMMANDS:
                    await self.send(sess, "-ERR Too many bad commands.\r\n")
                    raise Closed("too_many_errors")
            await self.send(sess, reply)

    def _capa(self, sess: Session, *, logged_in: bool) -> str:
        caps = ["CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"]
        if not logged_in:
            if self.pop.starttls and not sess.tls:
                caps.append("STLS")
            caps += ["USER", "SASL PLAIN"]
        return "+OK\r\n" + "".join(f"{c}\r\n" for c in caps) + ".\r\n"

    async def _login(self, sess: Session, user: str, password: str, method: str) -> bool:
        ok = check(self.pop.users, user, password)
        self.event(sess, "auth", credential_fields(user, password, ok=ok, method=method))
        if ok:
            await self.send(sess, "+OK Logged in.\r\n")
        else:
            await self.fail_delay()
        return ok

    async def _auth(self, sess: Session, arg: str) -> str | bool | None:
        """AUTH PLAIN: the user name on success, False on failure, None after another answer."""
        mech, _, initial = arg.partition(" ")
        if not mech:
            await self.send(sess, "+OK\r\nPLAIN\r\n.\r\n")
            return None
        if mech.upper() != "PLAIN":
            self.event(sess, "command", {"verb": "AUTH", "arg": clip(mech, 64), "result": "unsupported"})
            await self.send(sess, "-ERR [AUTH] Unsupported authentication mechanism.\r\n")
            return None
        text = initial.strip()
        if not text:
            await self.send(sess, "+ \r\n")
            text = (await self.command(sess)).text.strip()
            if text == "*":
                await self.send(sess, "-ERR Authentication aborted by client.\r\n")
                return None
        try:
            parts = base64.b64decode(text.encode("ascii"), validate=True).split(b"\0")
        except (binascii.Error, ValueError, UnicodeEncodeError):
            parts = []
        if len(parts) != 3:
            await self.send(sess, "-ERR Invalid base64 data in continued response\r\n")
            return None
        user, password = (p.decode("utf-8", "surrogateescape") for p in parts[1:])
        if await self._login(sess, user, password, "plain"):
            return user
        return False

    async def transaction(self, sess: Session, user: str) -> None:
        """The TRANSACTION state on the bait mailbox."""
        messages: list[Message] = bait_mailbox(self.persona, user, self.pop.domain)
        deleted: set[int] = set()
        while True:
            line = await self.command(sess)
            verb, _, arg = line.text.partition(" ")
            verb = verb.upper()
            self.event(
                sess,
                "command",
                {
                    "verb": clip(verb, 32),
                    "arg": clip(arg, 512),
                    "state": "transaction",
                    "username": clip(user, 256),
                },
            )
            live = [(n, m) for n, m in enumerate(messages, 1) if n not in deleted]
            if line.too_long:
                reply = "-ERR Input line too long.\r\n"
            elif verb == "QUIT":
                done = "Logging out, messages deleted." if deleted else "Logging out."
                await self.send(sess, f"+OK {done}\r\n")
                sess.close_reason = "quit"
                return
            elif verb == "STAT":
                reply = f"+OK {len(live)} {sum(m.size for _, m in live)}\r\n"
            elif verb in {"LIST", "UIDL"}:
                reply = self._listing(verb, arg, messages, deleted)
            elif verb in {"RETR", "TOP"}:
                reply = self._retrieve(verb, arg, messages, deleted)
            elif verb == "DELE":
                number = _number(arg, messages, deleted)
                if number is None:
                    reply = f"-ERR There's no message {clip(arg, 32)}.\r\n"
                else:
                    deleted.add(number)
                    reply = "+OK Marked to be deleted.\r\n"
            elif verb == "RSET":
                deleted.clear()
                reply = "+OK\r\n"
            elif verb == "NOOP":
                reply = "+OK\r\n"
            elif verb == "CAPA":
                reply = self._capa(sess, logged_in=True)
            else:
                reply = f"-ERR Unknown command: {clip(verb, 32)}\r\n"
            await self.send(sess, reply)

    @staticmethod
    def _listing(verb: str, arg: str, messages: list[Message], deleted: set[int]) -> str:
        def item(n: int, m: Message) -> str:
            return f"{n} {m.size}" if verb == "LIST" else f"{n} {m.uidl()}"

        if arg.strip():
            number = _number(arg, messages, deleted)
            if number is None:
                return f"-ERR There's no message {clip(arg.strip(), 32)}.\r\n"
            return f"+OK {item(number, messages[number - 1])}\r\n"
        rows = [item(n, m) for n, m in enumerate(messages, 1) if n not in deleted]
        return "+OK\r\n" + "".join(f"{r}\r\n" for r in rows) + ".\r\n"

    @staticmethod
    def _retrieve(verb: str, arg: str, messages: list[Message], deleted: set[int]) -> str:
        words = arg.split()
        if not words or (verb == "TOP" and (len(words) != 2 or not words[1].isdigit() or len(words[1]) > 9)):
            return (
                "-ERR Invalid number of parameters.\r\n"
                if verb == "TOP"
                else "-ERR Invalid message number.\r\n"
            )
        number = _number(words[0], messages, deleted)
        if number is None:
            return f"-ERR There's no message {clip(words[0], 32)}.\r\n"
        msg = messages[number - 1]
        if verb == "RETR":
            data = msg.raw
        else:
            body_lines = msg.body.split(b"\r\n")[: int(words[1])]
            data = msg.header + b"\r\n".join(body_lines) + (b"\r\n" if body_lines else b"")
        stuffed = b"\r\n".join(b"." + ln if ln.startswith(b".") else ln for ln in data.split(b"\r\n"))
        if not stuffed.endswith(b"\r\n"):
            stuffed += b"\r\n"
        head = f"+OK {msg.size} octets\r\n" if verb == "RETR" else "+OK\r\n"
        return head + stuffed.decode("utf-8", "surrogateescape") + ".\r\n"


def _number(text: str, messages: list[Message], deleted: set[int]) -> int | None:
    text = text.strip()
    if not text.isdigit() or len(text) > 9:
        return None
    number = int(text)
    return number if 1 <= number <= len(messages) and number not in deleted else None
