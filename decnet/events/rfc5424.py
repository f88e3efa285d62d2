"""RFC 5424 formatting and strict parsing of DECNET events.

Wire form: ``<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [decnet@32473 eid="…" …] BOM MSG``.

The parser is strict where the RFC is: PRI 0-191, version 1, RFC 3339 timestamps with at
most six fraction digits and an offset, header fields of printable ASCII within their
length limits, well-formed SD elements with ``"``, ``\\`` and ``]`` escaped in values, and
UTF-8 throughout. Anything else raises :class:`SyslogParseError` with a short reason.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from decnet.events.model import MAX_EID_LEN, MAX_SID_LEN, MAX_SRC_IP_LEN, SD_ID, Event

NILVALUE = "-"
BOM = "\ufeff"

# One SD element: list of (name, value) pairs, order kept.
SDParams = list[tuple[str, str]]


class SyslogParseError(ValueError):
    """A message that is not valid RFC 5424 (or not a DECNET event); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class SyslogMessage:
    """A generic RFC 5424 message; NILVALUE fields are ``None``."""

    facility: int
    severity: int
    timestamp: datetime | None
    hostname: str | None
    app_name: str | None
    procid: str | None
    msgid: str | None
    structured_data: dict[str, SDParams] = field(default_factory=dict)
    msg: str = ""


# ---------------------------------------------------------------------------- format

_ESCAPE_TABLE = str.maketrans({'"': '\\"', "\\": "\\\\", "]": "\\]"})


def escape_param_value(value: str) -> str:
    """Escape ``"``, ``\\`` and ``]`` in an SD-PARAM value as RFC 5424 section 6.3.3 requires."""
    return value.translate(_ESCAPE_TABLE)


def format_timestamp(ts: datetime) -> str:
    """RFC 3339 timestamp with microseconds; UTC is written with ``Z``."""
    offset = ts.utcoffset()
    if offset is None:
        raise ValueError("timestamp must be timezone-aware")
    base = ts.strftime("%Y-%m-%dT%H:%M:%S") + f".{ts.microsecond:06d}"
    if not offset:
        return base + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{base}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_message(message: SyslogMessage) -> bytes:
    """Serialise a generic message (no validation beyond what encoding needs)."""
    parts = [
        f"<{message.facility * 8 + message.severity}>1",
        format_timestamp(message.timestamp) if message.timestamp else NILVALUE,
        message.hostname or NILVALUE,
        message.app_name or NILVALUE,
        message.procid or NILVALUE,
        message.msgid or NILVALUE,
    ]
    if message.structured_data:
        sd = "".join(
            "[" + sd_id + "".join(f' {k}="{escape_param_value(v)}"' for k, v in params) + "]"
            for sd_id, params in message.structured_data.items()
        )
    else:
        sd = NILVALUE
    parts.append(sd)
    head = " ".join(parts)
    if message.msg:
        return (head + " " + BOM + message.msg).encode("utf-8")
    return head.encode("utf-8")


def format_event(event: Event) -> bytes:
    """Serialise an event as one RFC 5424 message (without framing).

    Raises ``ValueError`` if the event cannot be represented (see :meth:`Event.validate`).
    """
    event.validate()
    params = [f'eid="{escape_param_value(event.eid)}"']
    if event.src_ip is not None:
        params.append(f'src_ip="{escape_param_value(event.src_ip)}"')
    if event.src_port is not None:
        params.append(f'src_port="{event.src_port}"')
    if event.sid is not None:
        params.append(f'sid="{escape_param_value(event.sid)}"')
    for key, value in event.fields.items():
        params.append(f'{key}="{escape_param_value(value)}"')
    text = (
        f"<{event.facility * 8 + event.severity}>1 {format_timestamp(event.timestamp)} "
        f"{event.decky} {event.service} - {event.event_type} [{SD_ID} {' '.join(params)}]"
    )
    if event.message:
        text += " " + BOM + event.message
    return text.encode("utf-8")


# ----------------------------------------------------------------------------- parse

_HEADER = re.compile(
    r"<(0|[1-9]\d{0,2})>([1-9]\d{0,2}) "
    r"(-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) "
    r"([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) "
)
_SD_NAME = r"[!#-<>-\\^-~]{1,32}"
_SD_VALUE_BODY = r'(?:[^"\\\]]++|\\.)*+'
_SD_ELEMENT = re.compile(rf'\[({_SD_NAME})((?: {_SD_NAME}="{_SD_VALUE_BODY}")*+)\]', re.DOTALL)
_SD_PARAM = re.compile(rf' ({_SD_NAME})="({_SD_VALUE_BODY})"', re.DOTALL)
_NAME_OF_PART = operator.itemgetter(slice(1, -1))  # ' name=' -> 'name'
_SD_DECNET_PLAIN = re.compile(rf'\[decnet@32473((?: {_SD_NAME}="[^"\\\]]*+")*+)\]')
_UNESCAPE = re.compile(r'\\(["\\\]])')

_OFFSETS: dict[str, timezone] = {"Z": UTC}


_last_second: tuple[str, tuple[int, int, int, int, int, int]] = ("", (0, 0, 0, 0, 0, 0))


def _parse_timestamp(text: str) -> datetime:
    global _last_second
    if len(text) == 27 and text[26] == "Z" and text[:19] == _last_second[0]:
        # What DECNET senders write, within the same second as the previous event.
        return datetime(*_last_second[1], int(text[20:26]), UTC)
    if text[-1] == "Z":
        tz_text, body = "Z", text[:-1]
    else:
        tz_text, body = text[-6:], text[:-6]
    tz = _OFFSETS.get(tz_text)
    if tz is None:
        hours, minutes = int(tz_text[1:3]), int(tz_text[4:6])
        if hours > 23 or minutes > 59:
            raise SyslogParseError(f"bad timestamp offset: {tz_text}")
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(delta if tz_text[0] == "+" else -delta)
        if len(_OFFSETS) < 64:
            _OFFSETS[tz_text] = tz
    second = text[:19]
    if _last_second[0] == second:
        fields = _last_second[1]
    else:
        try:
            base = datetime.fromisoformat(second)
        except ValueError as exc:
            raise SyslogParseError(f"bad timestamp: {text}") from exc
        fields = (base.year, base.month, base.day, base.hour, base.minute, base.second)
        _last_second = (second, fields)
    micro = int(body[20:].ljust(6, "0")) if len(body) > 19 else 0
    return datetime(*fields, micro, tz)


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SyslogParseError(f"invalid UTF-8 at byte {exc.start}") from exc


def _parse_sd(text: str, pos: int) -> tuple[dict[str, SDParams], int]:
    """Parse STRUCTURED-DATA starting at ``pos``; return the elements and the end offset."""
    if text.startswith(NILVALUE, pos):
        return {}, pos + 1
    elements: dict[str, SDParams] = {}
    match_element = _SD_ELEMENT.match
    find_params = _SD_PARAM.findall
    while True:
        m = match_element(text, pos)
        if m is None:
            if text.startswith("[", pos):
                raise SyslogParseError("bad SD element (SD-ID, SD-PARAM, quoting or an unescaped ']')")
            break
        sd_id, body = m.groups()
        if sd_id in elements:
            raise SyslogParseError(f"duplicate SD-ID {sd_id}")
        params: SDParams = find_params(body)
        if "\\" in body:
            params = [(k, _UNESCAPE.sub(r"\1", v) if "\\" in v else v) for k, v in params]
        elements[sd_id] = params
        pos = m.end()
    if not elements:
        raise SyslogParseError("bad STRUCTURED-DATA (neither '-' nor an SD element)")
    return elements, pos


def _parse_header(text: str) -> tuple[re.Match[str], int]:
    m = _HEADER.match(text)
    if m is None:
        raise SyslogParseError(_header_problem(text))
    pri = int(m.group(1))
    if pri > 191:
        raise SyslogParseError(f"PRI out of range: {pri}")
    if m.group(2) != "1":
        raise SyslogParseError(f"unsupported syslog version {m.group(2)}")
    return m, pri


def parse_message(raw: bytes | str) -> SyslogMessage:
    """Parse one RFC 5424 message (without framing)."""
    text = _decode(raw)
    m, pri = _parse_header(text)
    ts_text, host, app, procid, msgid = m.group(3, 4, 5, 6, 7)
    sd, pos = _parse_sd(text, m.end())
    msg = _parse_msg(text, pos)
    return SyslogMessage(
        facility=pri >> 3,
        severity=pri & 7,
        timestamp=None if ts_text == NILVALUE else _parse_timestamp(ts_text),
        hostname=None if host == NILVALUE else host,
        app_name=None if app == NILVALUE else app,
        procid=None if procid == NILVALUE else procid,
        msgid=None if msgid == NILVALUE else msgid,
        structured_data=sd,
        msg=msg,
    )


def _parse_msg(text: str, pos: int) -> str:
    if pos == len(text):
        return ""
    if text[pos] != " ":
        raise SyslogParseError("junk after STRUCTURED-DATA")
    msg = text[pos + 1 :]
    if msg.startswith(BOM):
        msg = msg[1:]
    return msg


_TIMESTAMP_AFTER_VERSION = re.compile(
    r"<\d{1,3}>\d+ (?:-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)) "
)


def _header_problem(text: str) -> str:
    """Name the first header field that is wrong (only called on the error path)."""
    if not re.match(r"<(?:0|[1-9]\d{0,2})>", text):
        return "bad PRI"
    if not re.match(r"<\d{1,3}>[1-9]\d{0,2} ", text):
        return "bad VERSION"
    if not _TIMESTAMP_AFTER_VERSION.match(text):
        return "bad TIMESTAMP"
    return "bad header (HOSTNAME, APP-NAME, PROCID or MSGID)"


def event_from_message(message: SyslogMessage, received_at: datetime | None = None) -> Event:
    """Map a parsed message to an :class:`Event`; it must carry a ``decnet@32473`` element with ``eid``."""
    if message.hostname is None or message.app_name is None or message.msgid is None:
        raise SyslogParseError("HOSTNAME, APP-NAME and MSGID are required for events")
    return _build_event(
        _decnet_fields(message.structured_data),
        message.timestamp or received_at or datetime.now(UTC),
        message.hostname,
        message.app_name,
        message.msgid,
        message.msg,
        message.facility,
        message.severity,
    )


def _decnet_fields(sd: dict[str, SDParams]) -> dict[str, str]:
    """The params of our SD element as a dict (a copy), refusing duplicates."""
    params = sd.get(SD_ID)
    if params is None:
        raise SyslogParseError(f"no [{SD_ID}] element")
    fields = dict(params)
    if len(fields) != len(params):
        raise SyslogParseError("duplicate SD-PARAM")
    return fields


def _build_event(
    fields: dict[str, str],
    timestamp: datetime,
    decky: str,
    service: str,
    event_type: str,
    msg: str,
    facility: int,
    severity: int,
) -> Event:
    """Make an Event, taking the reserved params out of ``fields`` (which it consumes)."""
    eid = fields.pop("eid", None)
    if not eid or len(eid) > MAX_EID_LEN or not eid.isascii() or not eid.isprintable() or " " in eid:
        raise SyslogParseError("missing or bad eid")
    port_text = fields.pop("src_port", None)
    src_port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or len(port_text) > 5 or int(port_text) > 65535:
            raise SyslogParseError(f"bad src_port {port_text[:16]!r}")
        src_port = int(port_text)
    src_ip = fields.pop("src_ip", None)
    if src_ip is not None and len(src_ip) > MAX_SRC_IP_LEN:
        raise SyslogParseError(f"src_ip longer than {MAX_SRC_IP_LEN} characters")
    sid = fields.pop("sid", None)
    if sid is not None and len(sid) > MAX_SID_LEN:
        raise SyslogParseError(f"sid longer than {MAX_SID_LEN} characters")
    return Event(
        eid,
        timestamp,
        decky,
        service,
        event_type,
        src_ip,
        src_port,
        sid,
        fields,
        msg,
        facility,
        severity,
    )


def parse_event(raw: bytes | str, received_at: datetime | None = None) -> Event:
    """Parse one framed-off RFC 5424 message into an :class:`Event`.

    A NILVALUE timestamp is replaced by ``received_at`` (default: now). This is the
    collector's hot path, so it inlines the common case (one SD element, no escapes)
    and falls back to the general helpers otherwise.
    """
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SyslogParseError(f"invalid UTF-8 at byte {exc.start}") from exc
    m = _HEADER.match(text)
    if m is None:
        raise SyslogParseError(_header_problem(text))
    pri_text, version, ts_text, host, app, _procid, msgid = m.groups()
    pri = int(pri_text)
    if pri > 191 or version != "1":
        _parse_header(text)  # raises with the precise reason
    if host == NILVALUE or app == NILVALUE or msgid == NILVALUE:
        raise SyslogParseError("HOSTNAME, APP-NAME and MSGID are required for events")
    timestamp = (received_at or datetime.now(UTC)) if ts_text == NILVALUE else _parse_timestamp(ts_text)
    pos = m.end()
    element = _SD_DECNET_PLAIN.match(text, pos)
    end = element.end() if element is not None else pos
    if element is not None and (end == len(text) or text[end] != "["):
        # Fast path: only our element, no escapes, so values hold no '"' and split exactly.
        body = element.group(1)
        # body is ' name="value" name="value"' and neither names nor values hold '"'.
        parts = body.split('"')
        fields = dict(zip(map(_NAME_OF_PART, parts[0:-1:2]), parts[1::2], strict=True))
        if len(fields) != len(parts) // 2:
            raise SyslogParseError("duplicate SD-PARAM")
    else:
        sd, end = _parse_sd(text, pos)
        fields = _decnet_fields(sd)
    if end == len(text):
        msg = ""
    elif text[end] != " ":
        raise SyslogParseError("junk after STRUCTURED-DATA")
    else:
        msg = text[end + 1 :]
        if msg and msg[0] == BOM:
            msg = msg[1:]
    return _build_event(fields, timestamp, host, app, msgid, msg, pri >> 3, pri & 7)
