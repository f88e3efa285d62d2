"""Every command handler survives any arguments (no exception, a RESP reply)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.redis import RedisService
from decnet.services.redis.service import _COMMANDS, ClientState
from tests.decnet.services.streambase.helpers import FakeSession, service

SVC, EVENTS = service(RedisService, max_store_bytes=4096)
NAMES = [*sorted(_COMMANDS), "auth", "hello", "quit", "nope"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(NAMES), st.lists(st.binary(max_size=40), max_size=6), st.booleans())
def test_any_arguments_get_a_reply(name: str, args: list[bytes], authed: bool) -> None:
    state: Any = ClientState(FakeSession())  # type: ignore[arg-type]
    state.authed = authed
    reply = SVC.execute(state, [name.encode(), *args])
    assert reply[:1] in (b"+", b"-", b":", b"$", b"*") and reply.endswith(b"\r\n")
    assert SVC._stored_bytes <= 4096
    EVENTS.items.clear()
