"""The smtp service: an ESMTP dialogue (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, BDAT) as the persona's MTA.

Nothing is ever delivered. Every command is an event; credentials tried with AUTH become
``auth`` events in the shared shape; each message is captured (bounded, on disk), hashed and
optionally written under the service's state directory.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.smtp.accounts import check
from decnet.services.smtp.capture import Capture
from decnet.services.smtp.config import SMTPConfig
from decnet.services.smtp.flavour import Flavour, flavour_for, mail_domain
from decnet.services.smtp.lines import Closed
from decnet.services.smtp.linesvc import LineService, Session
from decnet.services.text import clip, printable

_ADDRESS = re.compile(r"^\s*(<[^<>]*>|[^\s<>]+)(.*)$")
#: Longest line inside DATA (longer lines are cut; the message is flagged ``truncated``).
MAX_DATA_LINE = 65536
_BDAT_CHUNK = 65536
_FORBIDDEN = frozenset({"CONNECT", "GET", "POST"})  # Postfix smtpd_forbidden_commands
_MAX_HEADER_FIELD = 512


@dataclass(slots=True)
class Transaction:
    """One mail transaction (MAIL .. DATA)."""

    sender: str | None = None
    recipients: list[str] = field(default_factory=list)
    relayed: bool = False
    bdat: Capture | None = None
    bdat_size: int = 0


@dataclass(slots=True)
class SMTPState:
    """Per-connection protocol state."""

    helo: str | None = None
    esmtp: bool = False
    user: str | None = None
    errors: int = 0
    tx: Transaction = field(default_factory=Transaction)


class SMTPService(LineService):
    """ESMTP as Postfix (or the Microsoft SMTP service on Windows personas) would speak it."""

    slug = "smtp"
    default_ports = (25, 587)
    config_model: ClassVar[type[ServiceConfig]] = SMTPConfig
    max_line = 2048
    default_auth_fail_delay = 2.0  # Dovecot SASL's auth_failure_delay behind Postfix

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, SMTPConfig)
        self.smtp: SMTPConfig = self.config
        self.flavour: Flavour = flavour_for(
            self.persona,
            domain=self.smtp.domain,
            banner=self.smtp.banner,
            size_limit=self.smtp.max_message_bytes,
        )
        self.domain = mail_domain(self.persona, self.smtp.domain)
        self.local_domains = {
            self.domain,
            self.flavour.host.lower(),
            "localhost",
            self.persona.hostname.lower(),
        }

    # -- dialogue -----------------------------------------------------------------------

    async def serve(self, sess: Session) -> None:
        fl = self.flavour
        state = SMTPState()
        await self.send(sess, f"220 {fl.greeting}\r\n")
        while True:
            line = await self.command(sess)
            if line.too_long:
                self.event(
                    sess, "command", {"verb": "", "arg": clip(line.data, 256), "error": "line_too_long"}
                )
                await self._error(sess, state, fl.reply("line_too_long"))
                continue
            text = line.text
            verb, _, arg = text.strip().partition(" ")
            verb = verb.upper()
            arg = arg.strip()
            handler = _HANDLERS.get(verb)
            if handler is None:
                if verb and (verb in _FORBIDDEN or verb.endswith(":") or not verb[:1].isalpha()):
                    self.event(
                        sess, "command", {"verb": clip(verb, 32), "arg": clip(arg, 512), "error": "non_smtp"}
                    )
                    if fl.product == "postfix":
                        await self.send(sess, "221 2.7.0 Error: I can break rules, too. Goodbye.\r\n")
                        sess.close_reason = "non_smtp"
                        return
                else:
                    self.event(
                        sess, "command", {"verb": clip(verb, 32), "arg": clip(arg, 512), "result": "unknown"}
                    )
                await self._error(sess, state, fl.reply("bad_syntax" if not verb else "unknown"))
                continue
            if await handler(self, sess, state, arg) is False:
                return

    async def _error(self, sess: Session, state: SMTPState, reply: str) -> None:
        """Send an error reply; past ``max_errors`` say 421 and close (smtpd_hard_error_limit)."""
        await self.send(sess, reply)
        state.errors += 1
        if state.errors >= self.smtp.max_errors:
            await self.send(sess, self.flavour.reply("too_many_errors"))
            raise Closed("too_many_errors")

    async def _helo(self, sess: Session, state: SMTPState, arg: str, *, esmtp: bool) -> None:
        fl = self.flavour
        verb = "EHLO" if esmtp else "HELO"
        self.event(sess, "ehlo", {"verb": verb, "name": clip(arg, 255)})
        if not arg:
            await self._error(sess, state, fl.reply("ehlo_syntax" if esmtp else "helo_syntax"))
            return
        state.helo, state.esmtp, state.tx = arg, esmtp, Transaction()
        if not esmtp:
            name = f"{fl.host} Hello [{sess.src_ip}]" if fl.product == "microsoft" else fl.host
            await self.send(sess, f"250 {name}\r\n")
            return
        lines = fl.ehlo(
            arg,
            sess.src_ip or "",
            starttls=self.smtp.starttls and not sess.tls,
            auth=self.smtp.auth and state.user is None,
        )
        out = "".join(f"250-{kw}\r\n" for kw in lines[:-1]) + f"250 {lines[-1]}\r\n"
        await self.send(sess, out)

    async def _cmd_ehlo(self, sess: Session, state: SMTPState, arg: str) -> None:
        await self._helo(sess, state, arg, esmtp=True)

    async def _cmd_helo(self, sess: Session, state: SMTPState, arg: str) -> None:
        await self._helo(sess, state, arg, esmtp=False)

    async def _cmd_mail(self, sess: Session, state: SMTPState, arg: str) -> None:
        fl = self.flavour
        address, params = _address(arg, "FROM:")
        self.event(sess, "mail_from", {"sender": clip(address or "", 512), "params": clip(params, 512)})
        if state.helo is None:
            await self._error(sess, state, fl.reply("need_helo"))
        elif state.tx.sender is not None:
            await self._error(sess, state, fl.reply("nested_mail"))
        elif address is None:
            await self._error(sess, state, fl.reply("mail_syntax"))
        else:
            size = re.search(r"(?i)\bSIZE=(\d{1,12})\b", params)
            if size and int(size.group(1)) > self.smtp.max_message_bytes:
                await self._error(sess, state, "552 5.3.4 Message size exceeds fixed limit\r\n")
                return
            state.tx = Transaction(sender=address)
            await self.send(sess, fl.reply("mail_ok", sender=clip(address, 256)))

    async def _cmd_rcpt(self, sess: Session, state: SMTPState, arg: str) -> None:
        fl = self.flavour
        address, params = _address(arg, "TO:")
        tx = state.tx
        fields = {"recipient": clip(address or "", 512), "params": clip(params, 512)}
        if tx.sender is None or state.helo is None:
            self.event(sess, "rcpt_to", {**fields, "result": "no_mail"})
            await self._error(sess, state, fl.reply("need_mail"))
            return
        if not address:
            self.event(sess, "rcpt_to", {**fields, "result": "syntax"})
            await self._error(sess, state, fl.reply("rcpt_syntax"))
            return
        if len(tx.recipients) >= self.smtp.max_recipients:
            self.event(sess, "rcpt_to", {**fields, "result": "too_many"})
            await self._error(sess, state, fl.reply("too_many_rcpt"))
            return
        local = self._is_local(address)
        if not local and not self.smtp.relay and state.user is None:
            self.event(sess, "rcpt_to", {**fields, "result": "relay_denied"})
            await self._error(sess, state, fl.reply("relay_denied", rcpt=clip(address, 256)))
            return
        tx.recipients.append(address)
        tx.relayed = tx.relayed or not local
        self.event(sess, "rcpt_to", {**fields, "result": "accepted" if local else "relayed"})
        await self.send(sess, fl.reply("rcpt_ok", rcpt=clip(address, 256)))

    def _is_local(self, address: str) -> bool:
        _, at, domain = address.rpartition("@")
        return not at or domain.lower().strip("[]") in self.local_domains

    async def _cmd_data(self, sess: Session, state: SMTPState, arg: str) -> None:
        fl = self.flavour
        tx = state.tx
        if tx.sender is None:
            await self._error(sess, state, fl.reply("need_rcpt_cmd"))
            return
        if not tx.recipients:
            await self._error(sess, state, fl.reply("need_rcpt"))
            return
        if tx.bdat is not None:
            await self._error(sess, state, fl.reply("bdat_data_mix"))
            return
        await self.send(sess, fl.reply("data_go"))
        capture = self._capture()
        size = 0
        truncated = False
        old_limit = sess.lines.max_line
        sess.lines.max_line = MAX_DATA_LINE
        try:
            while True:
                line = await sess.lines.readline(self.cfg.idle_timeout)
                data = line.data
                if data == b".":
                    break
                if data.startswith(b"."):
                    data = data[1:]
                truncated = truncated or line.too_long
                chunk = data + b"\r\n"
                size += len(chunk)
                if size <= self.smtp.max_message_bytes:
                    capture.add(chunk)
        except BaseException:
            capture.discard()
            raise
        finally:
            sess.lines.max_line = old_limit
        await self._deliver(sess, state, capture, size, truncated, "data")

    async def _cmd_bdat(self, sess: Session, state: SMTPState, arg: str) -> None:
        fl = self.flavour
        words = arg.split()
        if (
            not words
            or not words[0].isdigit()
            or len(words[0]) > 12
            or len(words) > 2
            or (len(words) == 2 and words[1].upper() != "LAST")
        ):
            await self._error(sess, state, fl.reply("bdat_syntax"))
            return
        count = int(words[0])
        last = len(words) == 2
        tx = state.tx
        ok = tx.sender is not None and bool(tx.recipients)
        if tx.bdat is None:
            tx.bdat = self._capture()
        remaining = count
        while remaining > 0:  # always consume the chunk, even when refusing it
            piece = await sess.lines.read_exact(min(remaining, _BDAT_CHUNK), self.cfg.idle_timeout)
            remaining -= len(piece)
            if ok and tx.bdat_size + len(piece) <= self.smtp.max_message_bytes:
                tx.bdat.add(piece)
            tx.bdat_size += len(piece)
        if not ok:
            tx.bdat.discard()
            state.tx = Transaction(sender=tx.sender, recipients=tx.recipients) if tx.sender else Transaction()
            await self._error(sess, state, fl.reply("need_rcpt" if tx.sender else "need_mail"))
            return
        if not last:
            await self.send(sess, f"250 2.0.0 Ok: {count} bytes\r\n")
            return
        await self._deliver(sess, state, tx.bdat, tx.bdat_size, False, "bdat")

    def _capture(self) -> Capture:
        folder = Path(self.ctx.state_dir) / "mail" if self.smtp.store_messages else None
        return Capture(folder, self.smtp.capture_bytes)

    async def _deliver(
        self,
        sess: Session,
        state: SMTPState,
        capture: Capture,
        size: int,
        truncated: bool,
        via: str,
    ) -> None:
        """Log (and keep) a finished message, answer it, and reset the transaction."""
        fl = self.flavour
        tx = state.tx
        state.tx = Transaction()
        too_big = size > self.smtp.max_message_bytes
        queue_id = fl.queue_id()
        sha = capture.sha256
        body, body_cut = printable(bytes(capture.head), self.smtp.log_message_bytes)
        headers = _headers(bytes(capture.head))
        fields = {
            "sender": clip(tx.sender or "", 512),
            "recipients": clip(",".join(tx.recipients), 4096),
            "recipient_count": str(len(tx.recipients)),
            "size": str(size),
            "sha256": sha if not too_big else "",
            "message": body,
            "subject": headers.get("subject", ""),
            "message_id": headers.get("message-id", ""),
            "from_header": headers.get("from", ""),
            "via": via,
            "relayed": "true" if tx.relayed else "false",
            "result": "too_big" if too_big else "queued",
            "queue_id": "" if too_big else queue_id,
        }
        if body_cut or truncated or too_big or capture.truncated:
            fields["truncated"] = "true"
        if state.user:
            fields["username"] = clip(state.user, 256)
        stored = capture.keep(".eml", self.smtp.max_stored_messages) if not too_big else ""
        capture.discard()
        if stored:
            fields["stored"] = stored
        self.event(sess, "data", fields)
        if too_big:
            await self._error(sess, state, fl.reply("too_big"))
            return
        await self.send(sess, fl.reply("queued", queue_id=queue_id))

    async def _cmd_rset(self, sess: Session, state: SMTPState, arg: str) -> None:
        state.tx = Transaction()
        self.event(sess, "command", {"verb": "RSET", "arg": clip(arg, 256)})
        await self.send(sess, self.flavour.reply("ok"))

    async def _cmd_noop(self, sess: Session, state: SMTPState, arg: str) -> None:
        self.event(sess, "command", {"verb": "NOOP", "arg": clip(arg, 256)})
        await self.send(sess, self.flavour.reply("ok"))

    async def _cmd_quit(self, sess: Session, state: SMTPState, arg: str) -> bool:
        self.event(sess, "command", {"verb": "QUIT", "arg": clip(arg, 256)})
        await self.send(sess, self.flavour.reply("bye"))
        sess.close_reason = "quit"
        return False

    async def _cmd_vrfy(self, sess: Session, state: SMTPState, arg: str) -> None:
        self.event(sess, "command", {"verb": "VRFY", "arg": clip(arg, 512)})
        if not arg:
            await self._error(sess, state, self.flavour.reply("vrfy_syntax"))
            return
        await self.send(sess, self.flavour.reply("vrfy", arg=clip(arg.strip("<>"), 256)))

    async def _cmd_expn(self, sess: Session, state: SMTPState, arg: str) -> None:
        self.event(sess, "command", {"verb": "EXPN", "arg": clip(arg, 512)})
        await self._error(sess, state, self.flavour.reply("unknown"))

    async def _cmd_etrn(self, sess: Session, state: SMTPState, arg: str) -> None:
        self.event(sess, "command", {"verb": "ETRN", "arg": clip(arg, 512)})
        await self._error(sess, state, self.flavour.reply("etrn"))

    async def _cmd_starttls(self, sess: Session, state: SMTPState, arg: str) -> bool | None:
        fl = self.flavour
        self.event(sess, "command", {"verb": "STARTTLS", "arg": clip(arg, 256)})
        if not self.smtp.starttls:
            await self._error(sess, state, fl.reply("unknown"))
            return None
        if sess.tls:
            await self._error(sess, state, fl.reply("tls_active"))
            return None
        if arg:
            await self._error(sess, state, fl.reply("tls_syntax"))
            return None
        if not await self.starttls(sess, fl.reply("tls_go")):
            return False
        state.helo, state.esmtp, state.tx = None, False, Transaction()  # RFC 3207: forget everything
        return None

    async def _cmd_auth(self, sess: Session, state: SMTPState, arg: str) -> None:
        fl = self.flavour
        mech, _, initial = arg.partition(" ")
        mech = mech.upper()
        if not self.smtp.auth:
            await self._error(sess, state, fl.reply("auth_not_enabled"))
            return
        if state.helo is None or not state.esmtp:
            await self._error(sess, state, fl.reply("auth_need_helo"))
            return
        if state.user is not None:
            await self._error(sess, state, fl.reply("auth_already"))
            return
        if state.tx.sender is not None:
            await self._error(sess, state, fl.reply("auth_in_mail"))
            return
        creds = await self._sasl(sess, state, mech, initial.strip())
        if creds is None:
            return
        user, password = creds
        ok = check(self.smtp.users, user, password)
        self.event(sess, "auth", credential_fields(user, password, ok=ok, method=mech.lower()))
        if ok:
            state.user = user
            await self.send(sess, fl.reply("auth_ok"))
            return
        await self.fail_delay()
        await self._error(sess, state, fl.reply("auth_failed"))

    async def _sasl(self, sess: Session, state: SMTPState, mech: str, initial: str) -> tuple[str, str] | None:
        """Run a PLAIN or LOGIN exchange; the (user, password), or None after answering an error."""
        fl = self.flavour
        if mech == "PLAIN":
            blob = await self._response(sess, state, "", initial)
            if blob is None:
                return None
            parts = blob.split(b"\0")
            if len(parts) != 3:
                await self._error(sess, state, fl.reply("auth_decode"))
                return None
            return _text(parts[1]), _text(parts[2])
        if mech == "LOGIN":
            user = await self._response(sess, state, "VXNlcm5hbWU6", initial)
            if user is None:
                return None
            password = await self._response(sess, state, "UGFzc3dvcmQ6", "")
            if password is None:
                return None
            return _text(user), _text(password)
        self.event(sess, "command", {"verb": "AUTH", "arg": clip(mech, 64), "result": "unsupported"})
        await self._error(sess, state, fl.reply("auth_mech"))
        return None

    async def _response(self, sess: Session, state: SMTPState, challenge: str, initial: str) -> bytes | None:
        """One SASL response: the initial one if given (``=`` is empty), else asked for with 334."""
        if initial:
            text = "" if initial == "=" else initial
        else:
            await self.send(sess, f"334 {challenge}\r\n")
            line = await self.command(sess)
            text = line.text.strip()
            if text == "*":
                await self._error(sess, state, self.flavour.reply("auth_aborted"))
                return None
        try:
            return base64.b64decode(text.encode("ascii", "strict"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            await self._error(sess, state, self.flavour.reply("auth_decode"))
            return None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _address(arg: str, keyword: str) -> tuple[str | None, str]:
    """The address of ``MAIL FROM:<a> params`` / ``RCPT TO:<a>``; (None, '') on bad syntax."""
    if arg[: len(keyword)].upper() != keyword:
        return None, ""
    match = _ADDRESS.match(arg[len(keyword) :])
    if match is None:
        return None, ""
    address = match.group(1).strip("<>")
    if keyword == "TO:" and not address:
        return None, ""
    return address, match.group(2).strip()


def _headers(message: bytes) -> dict[str, str]:
    """Subject, From and Message-ID of a captured message (printable, bounded)."""
    head = message.split(b"\r\n\r\n", 1)[0][:65536]
    try:
        parsed = BytesHeaderParser(policy=compat32).parsebytes(head)
    except Exception:  # a malformed message still gets its event
        return {}
    out: dict[str, str] = {}
    for name in ("subject", "from", "message-id"):
        value = parsed.get(name)
        if value is not None:
            out[name] = clip(str(value), _MAX_HEADER_FIELD)
    return out


_HANDLERS: dict[str, Callable[[SMTPService, Session, SMTPState, str], Awaitable[bool | None]]] = {
    "EHLO": SMTPService._cmd_ehlo,
    "HELO": SMTPService._cmd_helo,
    "MAIL": SMTPService._cmd_mail,
    "RCPT": SMTPService._cmd_rcpt,
    "DATA": SMTPService._cmd_data,
    "BDAT": SMTPService._cmd_bdat,
    "RSET": SMTPService._cmd_rset,
    "NOOP": SMTPService._cmd_noop,
    "QUIT": SMTPService._cmd_quit,
    "VRFY": SMTPService._cmd_vrfy,
    "EXPN": SMTPService._cmd_expn,
    "ETRN": SMTPService._cmd_etrn,
    "STARTTLS": SMTPService._cmd_starttls,
    "AUTH": SMTPService._cmd_auth,
}
