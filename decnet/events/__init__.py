"""DECNET events: the model, RFC 5424 wire format, framing, spool, sender and receiver."""

from decnet.events.framing import FrameDecoder, FrameError, frame_for_sending, frame_lf, frame_octet_counted
from decnet.events.model import SD_ID, Event, Rejected, new_eid
from decnet.events.rfc5424 import (
    SyslogMessage,
    SyslogParseError,
    event_from_message,
    format_event,
    format_message,
    parse_event,
    parse_message,
)

__all__ = [
    "SD_ID",
    "Event",
    "FrameDecoder",
    "FrameError",
    "Rejected",
    "SyslogMessage",
    "SyslogParseError",
    "event_from_message",
    "format_event",
    "format_message",
    "frame_for_sending",
    "frame_lf",
    "frame_octet_counted",
    "new_eid",
    "parse_event",
    "parse_message",
]
