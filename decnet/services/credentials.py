"""One shape for every captured credential, whatever the service.

An ``auth`` event of any service carries these fields (see ``docs/events.md``):

``username``      the principal, printable (non-printable bytes escaped as ``\\xNN``)
``secret_kind``   what the secret is: ``plaintext``, ``ntlmv2``, ``mysql_native_password``,
                  ``md5``, ``vnc_des``, ``community``, ``token``, ``publickey``, ...
``secret``        the secret, printable; for challenge/response kinds the crackable form
                  (e.g. hashcat's ``user::domain:challenge:ntproofstr:blob`` for NTLMv2)
``password``      the same as ``secret`` when the kind is ``plaintext`` (older readers use it)
``username_b64``, ``secret_b64``
                  the exact bytes, base64, present only when the printable form is not
                  lossless (the bytes were not printable UTF-8 or were cut)
``result``        ``success`` or ``failure``

The correlator reads credentials from these fields only.
"""

from __future__ import annotations

import base64

from decnet.services.text import printable

#: Longest principal / secret kept (bytes of the raw value, characters of the printable form).
MAX_PRINCIPAL = 512
MAX_SECRET = 2048

PLAINTEXT = "plaintext"


def _forms(value: bytes | str, limit: int) -> tuple[str, str | None]:
    raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    text, cut = printable(raw, limit)
    lossless = not cut and text.encode("utf-8", "surrogateescape") == raw
    return text, None if lossless else base64.b64encode(raw[: limit * 4]).decode("ascii")


def credential_fields(
    principal: bytes | str,
    secret: bytes | str,
    kind: str = PLAINTEXT,
    *,
    ok: bool = False,
    **extra: str,
) -> dict[str, str]:
    """The event fields of one credential (``extra`` adds service fields such as ``method``)."""
    if not kind or len(kind) > 32 or not kind.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"bad secret kind {kind!r}")
    user_text, user_b64 = _forms(principal, MAX_PRINCIPAL)
    secret_text, secret_b64 = _forms(secret, MAX_SECRET)
    fields = {"username": user_text, "secret_kind": kind, "secret": secret_text}
    if kind == PLAINTEXT:
        fields["password"] = secret_text
    if user_b64 is not None:
        fields["username_b64"] = user_b64
    if secret_b64 is not None:
        fields["secret_b64"] = secret_b64
    fields["result"] = "success" if ok else "failure"
    fields.update(extra)
    return fields
