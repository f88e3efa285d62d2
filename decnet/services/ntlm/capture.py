"""Turning a client's AUTHENTICATE into the fields of an ``auth`` event."""

from __future__ import annotations

from decnet.services.credentials import PLAINTEXT, credential_fields
from decnet.services.ntlm.ntlmssp import Authenticate
from decnet.services.text import clip


def auth_fields(auth: Authenticate, server_challenge: bytes, *, method: str) -> dict[str, str]:
    """Credential fields (kind ``ntlmv2``/``ntlmv1``, the hashcat line as secret) plus names."""
    extra = {
        "method": method,
        "domain": clip(auth.domain, 256),
        "workstation": clip(auth.workstation, 256),
    }
    if auth.version:
        extra["client_version"] = auth.version
    if auth.kind == "no_password":  # a user name sent without any response: an empty password
        return credential_fields(auth.user, "", PLAINTEXT, ok=False, **extra)
    return credential_fields(auth.user, auth.hashcat(server_challenge), auth.kind, ok=False, **extra)
