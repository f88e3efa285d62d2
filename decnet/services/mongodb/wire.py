"""MongoDB wire messages: header, OP_MSG, legacy OP_QUERY, and the server's OP_MSG/OP_REPLY."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from decnet.services.mongodb import bson

OP_REPLY = 1
OP_QUERY = 2004
OP_COMPRESSED = 2012
OP_MSG = 2013
HEADER = struct.Struct("<iiii")
MAX_SEQUENCE_DOCS = 1000


class WireError(ValueError):
    """A message that breaks the wire protocol."""


@dataclass(slots=True)
class Command:
    """One request: its command document, the database and how to answer."""

    request_id: int
    opcode: int
    doc: dict[str, Any]
    db: str
    more_to_come: bool = False
    collection: str = ""  #: OP_QUERY's full collection name
    sequences: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The command name (first key)."""
        return next(iter(self.doc), "")


def parse(request_id: int, opcode: int, body: bytes) -> Command:
    """Parse an OP_MSG or OP_QUERY body (without the header)."""
    try:
        if opcode == OP_MSG:
            return _op_msg(request_id, body)
        if opcode == OP_QUERY:
            return _op_query(request_id, body)
    except (bson.BSONError, struct.error, IndexError) as exc:
        raise WireError(str(exc)) from None
    raise WireError(f"unsupported opcode {opcode}")


def _op_msg(request_id: int, body: bytes) -> Command:
    flags = struct.unpack_from("<I", body, 0)[0]
    end = len(body) - (4 if flags & 0x1 else 0)
    pos = 4
    doc: dict[str, Any] | None = None
    sequences: dict[str, list[dict[str, Any]]] = {}
    while pos < end:
        kind = body[pos]
        pos += 1
        if kind == 0:
            doc, pos = bson.decode(body, pos, end)
        elif kind == 1:
            size = struct.unpack_from("<i", body, pos)[0]
            stop = pos + size
            if size < 5 or stop > end:
                raise WireError("bad document sequence length")
            nul = body.find(b"\x00", pos + 4, stop)
            if nul < 0:
                raise WireError("bad document sequence name")
            name = body[pos + 4 : nul].decode("utf-8", "replace")
            cur = nul + 1
            docs: list[dict[str, Any]] = []
            while cur < stop:
                if len(docs) >= MAX_SEQUENCE_DOCS:
                    raise WireError("too many documents")
                item, cur = bson.decode(body, cur, stop)
                docs.append(item)
            sequences[name] = docs
            pos = stop
        else:
            raise WireError(f"unknown section kind {kind}")
    if doc is None:
        raise WireError("OP_MSG without a body section")
    db = doc.get("$db")
    return Command(
        request_id, OP_MSG, doc, db if isinstance(db, str) else "admin", bool(flags & 0x2), "", sequences
    )


def _op_query(request_id: int, body: bytes) -> Command:
    nul = body.find(b"\x00", 4)
    if nul < 0:
        raise WireError("no collection name")
    collection = body[4:nul].decode("utf-8", "replace")
    doc, _ = bson.decode(body, nul + 1 + 8)
    inner = doc.get("$query", doc.get("query"))
    if isinstance(inner, dict) and collection.endswith(".$cmd"):
        doc = inner
    db = collection.split(".", 1)[0]
    return Command(request_id, OP_QUERY, doc, db, False, collection)


def reply(command: Command, doc: dict[str, Any], request_id: int) -> bytes:
    """The answer to ``command`` in the same dialect (OP_MSG or OP_REPLY)."""
    payload = bson.encode(doc)
    if command.opcode == OP_MSG:
        body = struct.pack("<I", 0) + b"\x00" + payload
        opcode = OP_MSG
    else:
        body = struct.pack("<iqii", 0, 0, 0, 1) + payload
        opcode = OP_REPLY
    return HEADER.pack(HEADER.size + len(body), request_id, command.request_id, opcode) + body
