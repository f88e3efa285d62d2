"""SPNEGO (RFC 4178) around NTLMSSP: the server's hint, the client's tokens, the server's answers."""

from __future__ import annotations

from dataclasses import dataclass

from decnet.services.ntlm import ber
from decnet.services.ntlm.ntlmssp import SIGNATURE

SPNEGO_OID = "1.3.6.1.5.5.2"
NTLMSSP_OID = "1.3.6.1.4.1.311.2.2.10"
#: Most mechanisms read from a client's list.
MAX_MECHS = 16

ACCEPT_COMPLETED, ACCEPT_INCOMPLETE, REJECT, REQUEST_MIC = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Token:
    """What a client's security blob carried."""

    spnego: bool  #: wrapped in SPNEGO (else a bare NTLMSSP message)
    mechs: tuple[str, ...]  #: mechanisms the client offered (NegTokenInit only)
    ntlm: bytes | None  #: the NTLMSSP message inside, if any


def server_hint() -> bytes:
    """The NegTokenInit2 a server puts in its SMB2 NEGOTIATE response (NTLMSSP offered)."""
    mech_types = ber.sequence(ber.oid(NTLMSSP_OID), identifier=0x30)
    hints = ber.sequence(
        ber.sequence(ber.octets("not_defined_in_RFC4178@please_ignore", ber.GENERAL_STRING), identifier=0xA0)
    )
    init = ber.sequence(
        ber.sequence(mech_types, identifier=0xA0),
        ber.sequence(hints, identifier=0xA3),
    )
    return ber.sequence(ber.oid(SPNEGO_OID), ber.sequence(init, identifier=0xA0), identifier=0x60)


def _from_init(body: ber.TLV) -> Token:
    mechs: list[str] = []
    token: bytes | None = None
    for field in ber.children(ber.decode(body.value), 8):
        if field.is_(ber.CONTEXT, 0):
            for mech in ber.children(ber.decode(field.value), MAX_MECHS):
                mechs.append(ber.to_oid(mech))
        elif field.is_(ber.CONTEXT, 2):
            token = ber.decode(field.value).value
    ntlm = token if token is not None and token.startswith(SIGNATURE) else None
    return Token(True, tuple(mechs), ntlm)


def _from_resp(body: ber.TLV) -> Token:
    token: bytes | None = None
    for field in ber.children(ber.decode(body.value), 8):
        if field.is_(ber.CONTEXT, 2):
            token = ber.decode(field.value).value
    ntlm = token if token is not None and token.startswith(SIGNATURE) else None
    return Token(True, (), ntlm)


def unwrap(blob: bytes) -> Token:
    """Read a client's security blob: SPNEGO NegTokenInit/NegTokenResp or bare NTLMSSP.

    :class:`~decnet.services.ntlm.ber.BERError` if it is neither.
    """
    if blob.startswith(SIGNATURE):
        return Token(False, (NTLMSSP_OID,), blob)
    outer = ber.decode(blob)
    if outer.is_(ber.APPLICATION, 0) and outer.constructed:
        mech, pos = ber.read_tlv(outer.value)
        if ber.to_oid(mech) != SPNEGO_OID:
            raise ber.BERError("not SPNEGO")
        body = ber.decode(outer.value[pos:])
        if body.is_(ber.CONTEXT, 0):
            return _from_init(body)
        raise ber.BERError("unexpected SPNEGO token")
    if outer.is_(ber.CONTEXT, 1):
        return _from_resp(outer)
    if outer.is_(ber.CONTEXT, 0):
        return _from_init(outer)
    raise ber.BERError("not a security blob")


def response(state: int, token: bytes | None = None, mech: str | None = NTLMSSP_OID) -> bytes:
    """A NegTokenResp: negState, supportedMech (first answer only) and the response token."""
    fields = [ber.sequence(ber.integer(state, ber.ENUMERATED), identifier=0xA0)]
    if mech is not None:
        fields.append(ber.sequence(ber.oid(mech), identifier=0xA1))
    if token is not None:
        fields.append(ber.sequence(ber.octets(token), identifier=0xA2))
    return ber.sequence(ber.sequence(*fields), identifier=0xA1)
