"""Every command handler survives any command document."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.mongodb import MongoService, bson, scram, wire
from decnet.services.mongodb.service import _COMMANDS, State
from tests.decnet.services.streambase.helpers import FakeSession, service

SVC, EVENTS = service(MongoService, require_auth=False, users="u:p")
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.text(max_size=12)
    | st.binary(max_size=24).map(bson.Binary),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([*sorted(_COMMANDS), "nope"]),
    st.dictionaries(st.text(max_size=16), _values, max_size=5),
    st.sampled_from(["admin", "customers", "x"]),
)
def test_any_document_gets_a_reply(name: str, rest: dict[str, Any], db: str) -> None:
    state = State(FakeSession(), 1)  # type: ignore[arg-type]
    command = wire.Command(1, wire.OP_MSG, {name: 1, **rest}, db)
    answer = SVC.execute(state, command)
    assert answer["ok"] in (0.0, 1.0)
    wire.reply(command, answer, 2)  # encodable
    EVENTS.items.clear()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=300))
def test_scram_messages_never_crash(first: bytes, final: bytes) -> None:
    try:
        conv = scram.start("SCRAM-SHA-256", first, b"k" * 32)
        scram.finish(conv, final)
    except scram.ScramError:
        return
    assert scram.verify(conv, "p") is None or conv.user == "u"
