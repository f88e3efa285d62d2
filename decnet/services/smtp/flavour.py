"""What the mail server says: Postfix as the persona's distro packages it, or Microsoft's SMTP service.

Every reply text lives here, keyed by situation, so the protocol code never writes a product
string itself. Postfix texts are those of ``smtpd`` 3.x; the Microsoft ones are those of the
IIS SMTP service (``Microsoft ESMTP MAIL Service``) on Windows Server.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from decnet.fleet.persona import Persona

#: How Debian-based distros tag Postfix's banner (``smtpd_banner = $myhostname ESMTP $mail_name (...)``).
_POSTFIX_TAGS = {"debian": "Debian/GNU", "ubuntu20": "Ubuntu", "ubuntu22": "Ubuntu", "ubuntu24": "Ubuntu"}

_POSTFIX: dict[str, str] = {
    "helo_syntax": "501 Syntax: HELO hostname",
    "ehlo_syntax": "501 Syntax: EHLO hostname",
    "ok": "250 2.0.0 Ok",
    "mail_ok": "250 2.1.0 Ok",
    "rcpt_ok": "250 2.1.5 Ok",
    "need_helo": "503 5.5.1 Error: send HELO/EHLO first",
    "nested_mail": "503 5.5.1 Error: nested MAIL command",
    "need_mail": "503 5.5.1 Error: need MAIL command",
    "need_rcpt": "554 5.5.1 Error: no valid recipients",
    "need_rcpt_cmd": "503 5.5.1 Error: need RCPT command",
    "mail_syntax": "501 5.5.4 Syntax: MAIL FROM:<address>",
    "rcpt_syntax": "501 5.5.4 Syntax: RCPT TO:<address>",
    "relay_denied": "554 5.7.1 <{rcpt}>: Relay access denied",
    "too_many_rcpt": "452 4.5.3 Error: too many recipients",
    "data_go": "354 End data with <CR><LF>.<CR><LF>",
    "queued": "250 2.0.0 Ok: queued as {queue_id}",
    "too_big": "552 5.3.4 Error: message file too big",
    "bye": "221 2.0.0 Bye",
    "unknown": "502 5.5.2 Error: command not recognized",
    "bad_syntax": "500 5.5.2 Error: bad syntax",
    "line_too_long": "500 5.5.0 Error: line too long",
    "vrfy": "252 2.0.0 {arg}",
    "vrfy_syntax": "501 5.5.4 Syntax: VRFY address",
    "etrn": "458 Unable to queue messages",
    "tls_go": "220 2.0.0 Ready to start TLS",
    "tls_active": "554 5.5.1 Error: TLS already active",
    "tls_syntax": "501 5.5.4 Syntax: STARTTLS",
    "auth_need_helo": "503 5.5.1 Error: send HELO/EHLO first",
    "auth_in_mail": "503 5.5.1 Error: MAIL transaction in progress",
    "auth_already": "503 5.5.1 Error: already authenticated",
    "auth_not_enabled": "503 5.5.1 Error: authentication not enabled",
    "auth_mech": "535 5.7.8 Error: authentication failed: Invalid authentication mechanism",
    "auth_aborted": "501 5.7.0 Authentication aborted",
    "auth_decode": "501 5.5.2 Cannot decode response",
    "auth_failed": "535 5.7.8 Error: authentication failed: authentication failure",
    "auth_ok": "235 2.7.0 Authentication successful",
    "too_many_errors": "421 4.7.0 {host} Error: too many errors",
    "timeout": "421 4.4.2 {host} Error: timeout exceeded",
    "bdat_syntax": "501 5.5.4 Syntax: BDAT count [LAST]",
    "bdat_data_mix": "503 5.5.1 Error: BDAT and DATA cannot be mixed",
}

_MICROSOFT: dict[str, str] = {
    **_POSTFIX,
    "helo_syntax": "501 5.5.4 Invalid Address",
    "ehlo_syntax": "501 5.5.4 Invalid Address",
    "ok": "250 2.0.0 OK",
    "mail_ok": "250 2.1.0 {sender}....Sender OK",
    "rcpt_ok": "250 2.1.5 {rcpt} ",
    "need_helo": "503 5.5.2 Send hello first",
    "nested_mail": "503 5.5.2 Sender already specified",
    "need_mail": "503 5.5.2 Need mail command",
    "need_rcpt": "503 5.5.2 Need rcpt command",
    "need_rcpt_cmd": "503 5.5.2 Need rcpt command",
    "mail_syntax": "501 5.5.4 Invalid Address",
    "rcpt_syntax": "501 5.5.4 Invalid Address",
    "relay_denied": "550 5.7.1 Unable to relay for {rcpt}",
    "too_many_rcpt": "452 4.5.3 Too many recipients",
    "data_go": "354 Start mail input; end with <CRLF>.<CRLF>",
    "queued": "250 2.6.0 <{queue_id}@{host}> Queued mail for delivery",
    "too_big": "552 5.3.4 Message size exceeds fixed maximum message size",
    "bye": "221 2.0.0 {host} Service closing transmission channel",
    "unknown": "500 5.3.3 Unrecognized command",
    "bad_syntax": "501 5.5.4 Invalid arguments",
    "line_too_long": "500 5.5.2 Line too long",
    "vrfy": "252 2.1.5 Cannot VRFY user, but will take message for <{arg}>",
    "vrfy_syntax": "501 5.5.4 Invalid arguments",
    "etrn": "501 5.5.4 Invalid arguments",
    "auth_need_helo": "503 5.5.2 Send hello first",
    "auth_in_mail": "503 5.5.2 Auth not allowed during a mail transaction",
    "auth_already": "503 5.5.2 Already authenticated",
    "auth_mech": "504 5.7.4 Unrecognized authentication type",
    "auth_aborted": "501 5.0.0 Authentication cancelled",
    "auth_decode": "501 5.5.4 Invalid arguments",
    "auth_failed": "535 5.7.3 Authentication unsuccessful",
    "too_many_errors": "421 4.7.0 {host} Too many errors on this connection, closing transmission channel",
    "timeout": "421 4.4.2 {host} Connection timed out",
}


@dataclass(frozen=True, slots=True)
class Flavour:
    """A mail server product: its greeting, EHLO keywords and reply texts."""

    product: str  #: "postfix" or "microsoft"
    host: str  #: the name it greets with
    greeting: str  #: the 220 line's text, without the code
    texts: dict[str, str]
    size_limit: int

    def reply(self, key: str, **values: str) -> str:
        """The reply line ``key`` with CRLF."""
        return self.texts[key].format(host=self.host, **values) + "\r\n"

    def ehlo(self, client: str, src_ip: str, *, starttls: bool, auth: bool) -> list[str]:
        """The EHLO keyword lines (first line is the greeting name)."""
        if self.product == "microsoft":
            lines = [f"{self.host} Hello [{src_ip}]", "TURN", f"SIZE {self.size_limit}", "ETRN", "PIPELINING"]
            lines += ["DSN", "ENHANCEDSTATUSCODES", "8bitmime", "BINARYMIME", "CHUNKING", "VRFY"]
            if starttls:
                lines.append("STARTTLS")
            if auth:
                lines += ["AUTH=LOGIN", "AUTH GSSAPI NTLM LOGIN"]
            return [*lines, "OK"]
        lines = [self.host, "PIPELINING", f"SIZE {self.size_limit}", "VRFY", "ETRN"]
        if starttls:
            lines.append("STARTTLS")
        if auth:
            lines.append("AUTH PLAIN LOGIN")
        return [*lines, "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]

    def queue_id(self) -> str:
        """A fresh queue id as the product prints it."""
        if self.product == "microsoft":
            return f"{self.host.split('.')[0].upper()}{secrets.token_hex(6).upper()}"
        return secrets.token_hex(5).upper()


def mail_host(persona: Persona, domain: str | None) -> str:
    """The server's fully qualified name (``myhostname``): the hostname, qualified when it has no dot."""
    host = persona.hostname
    if "." in host:
        return host
    return f"{host}.{domain}" if domain else f"{host}.localdomain"


def mail_domain(persona: Persona, domain: str | None) -> str:
    """The domain the server receives mail for (``mydomain``)."""
    if domain:
        return domain.lower()
    host = persona.hostname.lower()
    return host.split(".", 1)[1] if "." in host else "localdomain"


def flavour_for(persona: Persona, *, domain: str | None, banner: str | None, size_limit: int) -> Flavour:
    """The persona's mail server: Microsoft's on Windows, Postfix elsewhere."""
    host = mail_host(persona, domain)
    if persona.os_family == "windows":
        build = persona.version_of("windows_build", "17763")
        now = format_datetime(datetime.now(UTC)).replace("-0000", "+0000")
        greeting = banner or f"{host} Microsoft ESMTP MAIL Service, Version: 10.0.{build}.1 ready at  {now}"
        return Flavour("microsoft", host, greeting, _MICROSOFT, size_limit)
    tag = _POSTFIX_TAGS.get(persona.distro)
    greeting = banner or f"{host} ESMTP Postfix" + (f" ({tag})" if tag else "")
    return Flavour("postfix", host, greeting, _POSTFIX, size_limit)
