"""The query responder survives any statement text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.postgres import PostgresService
from tests.decnet.services.streambase.helpers import service

SVC, _ = service(PostgresService)
_SQL = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["select ", "show ", "copy t from program ", "create ", "set "]).flatmap(
        lambda p: st.text(max_size=60).map(lambda t: p + t)
    ),
)


@settings(max_examples=200, deadline=None)
@given(_SQL)
def test_any_query_gets_messages(query: str) -> None:
    reply = SVC._answer(query, "app", "app")
    assert reply[:1] in (b"T", b"C", b"E", b"I")
    length = int.from_bytes(reply[1:5], "big")
    assert len(reply) >= 1 + length
