"""Parse self-log output back in tests: a strict regex of the exact form we emit, cross-checked
with the events package's RFC 5424 parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from decnet.events.rfc5424 import parse_message

_LINE = re.compile(
    rb"<(?P<pri>\d{1,3})>1 "
    rb"(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) "
    rb"(?P<host>[!-~]{1,255}) (?P<app>[!-~]{1,48}) (?P<procid>\d+) (?P<msgid>log) "
    rb'\[decnet@32473 logger="(?P<logger>(?:[^"\\\]]|\\.)*)" level="(?P<level>(?:[^"\\\]]|\\.)*)"\] '
    rb"\xef\xbb\xbf(?P<msg>.*)",
    re.DOTALL,
)
_UNESCAPE = re.compile(r"\\(.)")


@dataclass
class Parsed:
    pri: int
    timestamp: datetime
    hostname: str
    app_name: str
    procid: int
    msgid: str
    logger: str
    level: str
    msg: str


def parse(raw: bytes) -> Parsed:
    """Parse one message (no framing); fail the test if it is not exactly our RFC 5424 form."""
    m = _LINE.fullmatch(raw)
    assert m is not None, f"not a DECNET self-log message: {raw!r}"
    generic = parse_message(raw)  # the events package's parser agrees
    parsed = Parsed(
        pri=int(m["pri"]),
        timestamp=datetime.fromisoformat(m["ts"].decode().replace("Z", "+00:00")),
        hostname=m["host"].decode(),
        app_name=m["app"].decode(),
        procid=int(m["procid"]),
        msgid=m["msgid"].decode(),
        logger=_UNESCAPE.sub(r"\1", m["logger"].decode()),
        level=_UNESCAPE.sub(r"\1", m["level"].decode()),
        msg=m["msg"].decode("utf-8"),
    )
    assert generic.app_name == parsed.app_name
    assert dict(generic.structured_data["decnet@32473"]) == {"logger": parsed.logger, "level": parsed.level}
    assert generic.msg == parsed.msg
    assert generic.facility * 8 + generic.severity == parsed.pri
    return parsed


def split_octet_counted(data: bytes) -> list[bytes]:
    """Split an RFC 6587 octet-counted stream into messages; the stream must end on a frame boundary."""
    frames: list[bytes] = []
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        length = int(data[pos:space])
        frames.append(data[space + 1 : space + 1 + length])
        pos = space + 1 + length
    assert pos == len(data), "stream ended inside a frame"
    return frames
