"""The BSON codec and wire parser: round trips and fuzzing."""

from __future__ import annotations

import contextlib
import struct

import bson as pybson  # pymongo's, as the reference
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.mongodb import bson, wire

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text("abcxyz", min_size=1, max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=6), _values, max_size=6))
def test_encode_matches_pymongo_and_decodes_back(doc: dict[str, object]) -> None:
    data = bson.encode(doc)
    assert pybson.decode(data) == pybson.decode(pybson.encode(doc))
    _, end = bson.decode(data)
    assert end == len(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_decode(data: bytes) -> None:
    with contextlib.suppress(bson.BSONError):
        bson.decode(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([wire.OP_MSG, wire.OP_QUERY]), st.binary(max_size=600))
def test_fuzz_wire_parse(opcode: int, body: bytes) -> None:
    with contextlib.suppress(wire.WireError):
        wire.parse(1, opcode, body)


def test_deep_nesting_is_refused() -> None:
    doc: dict[str, object] = {}
    for _ in range(bson.MAX_DEPTH + 5):
        doc = {"a": doc}
    data = pybson.encode(doc)
    try:
        bson.decode(data)
    except bson.BSONError as exc:
        assert "deep" in str(exc)
    else:
        raise AssertionError("nesting not bounded")
    assert struct.calcsize("<i") == 4
