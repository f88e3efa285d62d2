"""RFC 5424: format -> parse round trips and the strictness of the parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.events import Event, SyslogParseError, format_event, parse_event, parse_message
from decnet.events.model import RESERVED_PARAMS
from decnet.events.rfc5424 import SyslogMessage, escape_param_value, format_message, format_timestamp

printable_ascii = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1)
sd_names = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='= ]"'),
    min_size=1,
    max_size=32,
).filter(lambda n: n not in RESERVED_PARAMS)
any_text = st.text()  # any unicode except lone surrogates
timestamps = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9998, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]),
)


def _host(max_size: int) -> st.SearchStrategy[str]:
    return printable_ascii.filter(lambda s: s != "-" and len(s) <= max_size)


events = st.builds(
    Event,
    eid=st.text(alphabet="0123456789abcdef", min_size=1, max_size=64),
    timestamp=timestamps,
    decky=_host(255),
    service=_host(48),
    event_type=_host(32),
    src_ip=st.none() | st.ip_addresses().map(str),
    src_port=st.none() | st.integers(0, 65535),
    sid=st.none() | st.text(max_size=128),
    fields=st.dictionaries(sd_names, any_text, max_size=8),
    message=any_text,
    facility=st.integers(0, 23),
    severity=st.integers(0, 7),
)


@given(events)
@settings(max_examples=400)
def test_format_then_parse_round_trips(event: Event) -> None:
    assert parse_event(format_event(event)) == event


@pytest.mark.parametrize(
    "value",
    ['a"b', "a]b", "a\\b", "\\", '"', "]", 'k="v"', 'x="', "a=", '" x="', "\\]", "line\nbreak", "tab\tü🙂"],
)
def test_tricky_values_round_trip(value: str) -> None:
    event = Event.new("decky-01", "http", "request", fields={"a": value, "b": value + "=", "c": "x"})
    assert parse_event(format_event(event)).fields == event.fields


def test_escaping_follows_rfc() -> None:
    assert escape_param_value('a"b\\c]d') == 'a\\"b\\\\c\\]d'
    raw = format_event(Event.new("d", "ssh", "auth", fields={"password": 'p"]\\'}))
    assert b'password="p\\"\\]\\\\"' in raw


def test_wire_form_of_an_event() -> None:
    event = Event(
        eid="e1",
        timestamp=datetime(2026, 11, 28, 13, 6, 44, 123456, tzinfo=UTC),
        decky="decky-01",
        service="ssh",
        event_type="auth",
        src_ip="10.0.0.5",
        src_port=51234,
        sid="s1",
        fields={"username": "root"},
        message="Failed password",
    )
    assert format_event(event) == (
        b'<134>1 2026-11-28T13:06:44.123456Z decky-01 ssh - auth [decnet@32473 eid="e1" '
        b'src_ip="10.0.0.5" src_port="51234" sid="s1" username="root"] \xef\xbb\xbfFailed password'
    )


def test_timestamps_with_fractions_and_offsets() -> None:
    ts = parse_message(b"<13>1 2003-10-11T22:14:15.3Z h a - - -").timestamp
    assert ts == datetime(2003, 10, 11, 22, 14, 15, 300000, tzinfo=UTC)
    ts = parse_message(b"<13>1 2003-08-24T05:14:15.000003-07:00 h a - - -").timestamp
    assert ts == datetime(2003, 8, 24, 12, 14, 15, 3, tzinfo=UTC)
    assert ts is not None and ts.utcoffset() == -timedelta(hours=7)
    assert format_timestamp(datetime(2003, 8, 24, 5, 14, 15, 3, tzinfo=timezone(-timedelta(hours=7)))) == (
        "2003-08-24T05:14:15.000003-07:00"
    )


def test_rfc_examples_parse() -> None:
    # The examples of RFC 5424 section 6.5 (BOM-prefixed MSG, NILVALUEs, several SD elements).
    one = parse_message(
        b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
        b"\xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8"
    )
    assert (one.facility, one.severity, one.hostname, one.app_name, one.procid, one.msgid) == (
        4,
        2,
        "mymachine.example.com",
        "su",
        None,
        "ID47",
    )
    assert one.msg == "'su root' failed for lonvick on /dev/pts/8"
    three = parse_message(
        b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] '
        b"\xef\xbb\xbfAn application event log entry..."
    )
    assert three.structured_data == {
        "exampleSDID@32473": [("iut", "3"), ("eventSource", "Application"), ("eventID", "1011")]
    }
    four = parse_message(
        b"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
        b'[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]'
    )
    assert list(four.structured_data) == ["exampleSDID@32473", "examplePriority@32473"]
    assert four.msg == ""
    nil = parse_message(b"<0>1 - - - - - -")
    assert nil == SyslogMessage(0, 0, None, None, None, None, None, {}, "")


def test_generic_message_round_trip() -> None:
    message = SyslogMessage(
        facility=10,
        severity=3,
        timestamp=datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        hostname="h",
        app_name="decnet.collector",
        procid="4242",
        msgid="log",
        structured_data={"a@1": [("k", 'v"]\\')], "b@2": []},
        msg="hello",
    )
    assert parse_message(format_message(message)) == message


def test_event_with_several_sd_elements_and_escapes() -> None:
    raw = (
        b'<134>1 2026-11-28T13:06:44Z d ssh - auth [origin ip="10.0.0.1"]'
        b'[decnet@32473 eid="x" password="a\\"b\\\\c\\]d"] msg'
    )
    event = parse_event(raw)
    assert event.fields == {"password": 'a"b\\c]d'}
    assert event.message == "msg"


def test_nil_timestamp_uses_receive_time() -> None:
    received = datetime(2026, 1, 1, tzinfo=UTC)
    event = parse_event(b'<134>1 - d ssh - auth [decnet@32473 eid="x"]', received_at=received)
    assert event.timestamp == received


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'134>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"]', "bad PRI"),
        (b'<192>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"]', "PRI out of range"),
        (b'<01>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"]', "bad PRI"),
        (b'<13>2 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"]', "unsupported syslog version"),
        (b'<13> 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"]', "bad VERSION"),
        (b'<13>1 2026-13-28T13:06:44Z d s - t [decnet@32473 eid="x"]', "bad timestamp"),
        (b'<13>1 2026-11-28T13:06:60Z d s - t [decnet@32473 eid="x"]', "bad timestamp"),
        (b'<13>1 2026-11-28T13:06:44.1234567Z d s - t [decnet@32473 eid="x"]', "bad TIMESTAMP"),
        (b'<13>1 2026-11-28T13:06:44 d s - t [decnet@32473 eid="x"]', "bad TIMESTAMP"),
        (b'<13>1 2026-11-28 13:06:44Z d s - t [decnet@32473 eid="x"]', "bad TIMESTAMP"),
        (b'<13>1 2026-11-28T13:06:44+24:00 d s - t [decnet@32473 eid="x"]', "bad timestamp offset"),
        (b'<13>1 2026-11-28T13:06:44Z d\xc3\xa9 s - t [decnet@32473 eid="x"]', "bad header"),
        (b"<13>1 2026-11-28T13:06:44Z d " + b"a" * 49 + b' - t [decnet@32473 eid="x"]', "bad header"),
        (b"<13>1 2026-11-28T13:06:44Z d s - " + b"m" * 33 + b' [decnet@32473 eid="x"]', "bad header"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x]"]', "bad SD"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"', "bad SD"),
        (b"<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid=x]", "bad SD"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 e d="x"]', "bad SD"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"][decnet@32473 a="b"]', "duplicate SD-ID"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x" eid="y"]', "duplicate SD-PARAM"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 a="1" a="\\"2"]', "duplicate SD-PARAM"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"]junk', "junk after"),
        (b"<13>1 2026-11-28T13:06:44Z d s - t nope", "bad STRUCTURED-DATA"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 a="b"]', "missing or bad eid"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [other@1 eid="x"]', "no [decnet@32473]"),
        (b'<13>1 2026-11-28T13:06:44Z - s - t [decnet@32473 eid="x"]', "HOSTNAME, APP-NAME and MSGID"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x" src_port="70000"]', "bad src_port"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x" src_port="-1"]', "bad src_port"),
        (b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x"] \xff\xfe', "invalid UTF-8"),
        (
            b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x" sid="' + b"s" * 129 + b'"]',
            "sid longer",
        ),
        (
            b'<13>1 2026-11-28T13:06:44Z d s - t [decnet@32473 eid="x" src_ip="' + b"1" * 46 + b'"]',
            "src_ip longer",
        ),
        (b"\x00\x01\x02binary", "bad PRI"),
        (b"", "bad PRI"),
    ],
)
def test_parser_rejects_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(SyslogParseError) as info:
        parse_event(raw)
    assert reason in info.value.reason


@pytest.mark.parametrize(
    "event",
    [
        Event.new("bad host", "ssh", "auth"),
        Event.new("-", "ssh", "auth"),
        Event.new("d", "s" * 49, "auth"),
        Event.new("d", "ssh", "auth", fields={"eid": "override"}),
        Event.new("d", "ssh", "auth", fields={"bad key": "v"}),
        Event.new("d", "ssh", "auth", src_port=70000),
        Event.new("d", "ssh", "auth", sid="s" * 129),
        Event.new("d", "ssh", "auth", src_ip="1" * 46),
    ],
)
def test_formatter_refuses_what_rfc5424_cannot_carry(event: Event) -> None:
    with pytest.raises(ValueError):
        format_event(event)


def test_naive_timestamp_is_refused() -> None:
    event = Event.new("d", "ssh", "auth")
    event.timestamp = event.timestamp.replace(tzinfo=None)
    with pytest.raises(ValueError):
        format_event(event)
