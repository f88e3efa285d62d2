"""LDAPv3 messages (RFC 4511) over the bounded BER codec: requests read, responses written.

Responses use the 4-byte long length form on constructed elements, as both OpenLDAP's
liblber and Active Directory do (scanners fingerprint that).
"""

from __future__ import annotations

from dataclasses import dataclass

from decnet.services.ntlm import ber
from decnet.services.ntlm.ber import APPLICATION, CONTEXT, TLV, BERError

BIND, BIND_RESP, UNBIND, SEARCH, SEARCH_ENTRY, SEARCH_DONE = 0, 1, 2, 3, 4, 5
MODIFY, ADD, DELETE, MODDN, COMPARE, ABANDON, EXTENDED = 6, 8, 10, 12, 14, 16, 23
OP_NAMES = {
    BIND: "bind",
    UNBIND: "unbind",
    SEARCH: "search",
    MODIFY: "modify",
    ADD: "add",
    DELETE: "delete",
    MODDN: "modrdn",
    COMPARE: "compare",
    ABANDON: "abandon",
    EXTENDED: "extended",
}
#: Response tag number of each request that has one.
RESPONSE_OF = {MODIFY: 7, ADD: 9, DELETE: 11, MODDN: 13, COMPARE: 15, EXTENDED: 24}

SUCCESS, OPERATIONS_ERROR, PROTOCOL_ERROR, AUTH_METHOD_NOT_SUPPORTED = 0, 1, 2, 7
STRONG_AUTH_REQUIRED, SASL_BIND_IN_PROGRESS, NO_SUCH_OBJECT = 8, 14, 32
INVALID_CREDENTIALS, INSUFFICIENT_ACCESS, UNWILLING_TO_PERFORM = 49, 50, 53

#: Most attributes a search may list, nesting depth of a filter, longest filter text kept.
MAX_ATTRIBUTES = 256
MAX_FILTER_DEPTH = 16
MAX_FILTER_TEXT = 2048


@dataclass(frozen=True, slots=True)
class Message:
    """One LDAPMessage: id, operation tag number and the operation element."""

    msg_id: int
    op: int
    body: TLV


def parse_message(data: bytes) -> Message:
    """Read one LDAPMessage (:class:`BERError` if malformed)."""
    outer = ber.decode(data)
    if not outer.is_(0, 0x10) or not outer.constructed:
        raise BERError("not an LDAPMessage")
    parts = ber.children(outer, 3)
    if len(parts) < 2 or not parts[0].is_(0, 2):
        raise BERError("bad LDAPMessage")
    msg_id = ber.to_int(parts[0], 4)
    if not 0 <= msg_id <= 0x7FFFFFFF:
        raise BERError("bad message id")
    op = parts[1]
    if op.cls != APPLICATION:
        raise BERError("not a protocol operation")
    return Message(msg_id, op.number, op)


def _text(tlv: TLV) -> bytes:
    if tlv.constructed:
        raise BERError("constructed string")
    return tlv.value


@dataclass(frozen=True, slots=True)
class BindRequest:
    """A BindRequest: version, DN and the authentication choice."""

    version: int
    name: bytes
    method: str  #: simple | sasl | sicily_discovery | sicily_negotiate | sicily_response | other
    password: bytes = b""  #: simple password, or the Sicily token
    mechanism: str = ""
    credentials: bytes | None = None


def parse_bind(op: TLV) -> BindRequest:
    """Read the BindRequest operation."""
    parts = ber.children(op, 3)
    if len(parts) != 3 or not parts[0].is_(0, 2):
        raise BERError("bad BindRequest")
    version, name, auth = ber.to_int(parts[0], 2), _text(parts[1]), parts[2]
    if auth.cls != CONTEXT:
        raise BERError("bad authentication choice")
    if auth.number == 0:
        return BindRequest(version, name, "simple", _text(auth))
    if auth.number == 3:
        sasl = ber.children(auth, 2)
        if not sasl:
            raise BERError("bad SaslCredentials")
        mech = _text(sasl[0]).decode("latin-1")[:64]
        creds = _text(sasl[1]) if len(sasl) > 1 else None
        return BindRequest(version, name, "sasl", mechanism=mech, credentials=creds)
    sicily = {9: "sicily_discovery", 10: "sicily_negotiate", 11: "sicily_response"}
    if auth.number in sicily:
        return BindRequest(version, name, sicily[auth.number], auth.value if not auth.constructed else b"")
    return BindRequest(version, name, "other")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A SearchRequest with its filter rendered as text (for events)."""

    base: bytes
    scope: int
    size_limit: int
    types_only: bool
    filter: str
    attributes: tuple[str, ...]


def parse_search(op: TLV) -> SearchRequest:
    """Read the SearchRequest operation."""
    parts = ber.children(op, 8)
    if len(parts) != 8:
        raise BERError("bad SearchRequest")
    base, scope, _deref, size, _time, types_only, filt, attrs = parts
    names = tuple(_text(a).decode("utf-8", "replace")[:256] for a in ber.children(attrs, MAX_ATTRIBUTES))
    rendered, _ = render_filter(filt, 0)
    return SearchRequest(
        _text(base),
        ber.to_int(scope, 2),
        ber.to_int(size, 4),
        bool(types_only.value and types_only.value[0]),
        rendered[:MAX_FILTER_TEXT],
        names,
    )


def _escape(value: bytes) -> str:
    out = []
    for byte in value[:512]:
        ch = chr(byte)
        out.append(f"\\{byte:02x}" if ch in "*()\\" or not 0x20 <= byte < 0x7F else ch)
    return "".join(out)


def render_filter(filt: TLV, depth: int, budget: int = 256) -> tuple[str, int]:
    """RFC 4515 text of a filter (depth and element count bounded); returns (text, elements left)."""
    if depth > MAX_FILTER_DEPTH or budget <= 0:
        raise BERError("filter too deep or too large")
    budget -= 1
    if filt.cls != CONTEXT:
        raise BERError("bad filter")
    number = filt.number
    if number in (0, 1):
        out = []
        for child in ber.children(filt, 64):
            text, budget = render_filter(child, depth + 1, budget)
            out.append(text)
        return f"({'&' if number == 0 else '|'}{''.join(out)})", budget
    if number == 2:
        inner, budget = render_filter(ber.decode(filt.value), depth + 1, budget)
        return f"(!{inner})", budget
    if number == 7:
        return f"({_escape(filt.value)}=*)", budget
    if number in (3, 5, 6, 8):
        ava = ber.children(filt, 2)
        if len(ava) != 2:
            raise BERError("bad assertion")
        op = {3: "=", 5: ">=", 6: "<=", 8: "~="}[number]
        return f"({_escape(_text(ava[0]))}{op}{_escape(_text(ava[1]))})", budget
    if number == 4:
        sub = ber.children(filt, 2)
        if len(sub) != 2:
            raise BERError("bad substrings")
        pieces = {0: "", 1: "", 2: ""}
        middle = []
        for piece in ber.children(sub[1], 32):
            if piece.number == 1:
                middle.append(_escape(piece.value))
            else:
                pieces[piece.number] = _escape(piece.value)
        body = "*".join([pieces[0], *middle, pieces[2]])
        return f"({_escape(_text(sub[0]))}={body})", budget
    if number == 9:
        return "(:extensible:)", budget
    raise BERError("unknown filter")


@dataclass(frozen=True, slots=True)
class ExtendedRequest:
    """An ExtendedRequest: its OID and value."""

    name: str
    value: bytes


def parse_extended(op: TLV) -> ExtendedRequest:
    """Read the ExtendedRequest operation."""
    name, value = "", b""
    for part in ber.children(op, 2):
        if part.is_(CONTEXT, 0):
            name = part.value.decode("latin-1")[:128]
        elif part.is_(CONTEXT, 1):
            value = part.value
    return ExtendedRequest(name, value)


def target_dn(op: TLV) -> bytes:
    """The entry DN a modify/add/delete/modrdn/compare request names."""
    if not op.constructed:
        return op.value[:1024]  # DelRequest is a primitive LDAPDN
    parts = ber.children(op, 8)
    return _text(parts[0])[:1024] if parts else b""


# -- responses -------------------------------------------------------------------------------


def message(msg_id: int, op: bytes) -> bytes:
    """An LDAPMessage around ``op``."""
    return ber.sequence(ber.integer(msg_id), op, long4=True)


def result(
    tag: int, code: int, diagnostic: str | bytes = "", matched: str | bytes = "", extra: bytes = b""
) -> bytes:
    """An LDAPResult-shaped operation with application tag ``tag``."""
    return ber.tlv(
        0x60 | tag,
        ber.integer(code, ber.ENUMERATED) + ber.octets(matched) + ber.octets(diagnostic) + extra,
        long4=True,
    )


def entry(dn: str, attributes: list[tuple[str, list[str]]]) -> bytes:
    """A SearchResultEntry."""
    attrs = b"".join(
        ber.sequence(
            ber.octets(name),
            ber.sequence(*(ber.octets(v) for v in values), identifier=ber.SET, long4=True),
            long4=True,
        )
        for name, values in attributes
    )
    return ber.tlv(0x64, ber.octets(dn) + ber.sequence(attrs, long4=True), long4=True)
