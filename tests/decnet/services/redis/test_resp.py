"""The RESP reader: inline splitting as Redis does it, and fuzzing for crashes and hangs."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.http.parser import BoundedReader, Closed
from decnet.services.redis import resp


def test_split_inline_like_sdssplitargs() -> None:
    assert resp.split_inline(b'set "a b" \'c\\\'d\' "\\x41\\n"') == [b"set", b"a b", b"c'd", b"A\n"]
    assert resp.split_inline(b"   ") == []
    with pytest.raises(resp.ProtocolError):
        resp.split_inline(b'"abc"def')


async def _parse(data: bytes) -> list[bytes] | str:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    loop = asyncio.get_running_loop()
    try:
        return await resp.read_command(
            BoundedReader(reader), loop.time() + 1, loop.time() + 1, max_args=64, max_bulk=4096
        )
    except resp.ProtocolError as err:
        return f"error {err}"
    except Closed as closed:
        return f"closed {closed.reason}"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_read_command(data: bytes) -> None:
    result = asyncio.run(_parse(data))
    if isinstance(result, list):
        assert (len(result) <= 64 and all(len(a) <= 4096 for a in result)) or data[:1] != b"*"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=10))
def test_fuzz_roundtrip_multibulk(args: list[bytes]) -> None:
    data = b"*%d\r\n" % len(args) + b"".join(resp.bulk(a) for a in args)
    assert asyncio.run(_parse(data)) == args


def test_config_is_validated() -> None:
    from decnet.services.base import ServiceConfigError, parse_config
    from decnet.services.redis import RedisConfig

    cfg = parse_config("redis", RedisConfig, {"requirepass": "x", "keys": "a=1, b=2"})
    assert isinstance(cfg, RedisConfig) and cfg.keys == ("a=1", "b=2")
    with pytest.raises(ServiceConfigError, match="unknown key 'pass'"):
        parse_config("redis", RedisConfig, {"pass": "x"})
    with pytest.raises(ServiceConfigError, match="keys"):
        parse_config("redis", RedisConfig, {"keys": "novalue"})
