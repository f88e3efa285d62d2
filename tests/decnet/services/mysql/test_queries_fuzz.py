"""The query responder survives any statement text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.mysql import MySQLService
from tests.decnet.services.streambase.helpers import FakeSession, service

SVC, _ = service(MySQLService)
_SQL = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["select ", "show ", "use ", "insert into ", "set "]).flatmap(
        lambda p: st.text(max_size=60).map(lambda t: p + t)
    ),
)


@settings(max_examples=200, deadline=None)
@given(_SQL, st.sampled_from(["", "app", "mysql"]))
def test_any_query_gets_a_packet(query: str, database: str) -> None:
    reply, db = SVC._query(FakeSession(), "root", database, query)  # type: ignore[arg-type]
    length = int.from_bytes(reply[:3], "little")
    assert len(reply) >= 4 + length and len(db) <= 64
