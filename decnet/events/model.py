"""The one event model every decky and worker speaks, and the record of rejected input."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: Structured-data element id of DECNET events (32473 is the documentation PEN).
SD_ID = "decnet@32473"

#: SD-PARAM names with a fixed meaning; event ``fields`` may not use them.
RESERVED_PARAMS = frozenset({"eid", "src_ip", "src_port", "sid"})

#: Longest accepted event id, source address text and session id (the storage column sizes).
MAX_EID_LEN = 64
MAX_SRC_IP_LEN = 45
MAX_SID_LEN = 128

#: Default facility (16 = local0) and severity (6 = informational) of events.
DEFAULT_FACILITY = 16
DEFAULT_SEVERITY = 6

_SD_NAME = re.compile(r"[!#-<>-\\^-~]{1,32}")
_PRINTUSASCII = re.compile(r"[!-~]+")


def new_eid() -> str:
    """Return a new unique, time-ordered event id (32 hex chars: ms clock + 80 random bits)."""
    ms = time.time_ns() // 1_000_000
    return f"{ms:012x}{os.urandom(10).hex()}"


def is_sd_name(name: str) -> bool:
    """True if ``name`` is a valid RFC 5424 SD-NAME (1-32 printable ASCII, no ``= ]"`` or space)."""
    return _SD_NAME.fullmatch(name) is not None


@dataclass(slots=True)
class Event:
    """One attacker interaction (or worker event) as recorded at its source.

    ``decky`` travels as the syslog HOSTNAME, ``service`` as APP-NAME and ``event_type``
    as MSGID; ``eid``, ``src_ip``, ``src_port``, ``sid`` and ``fields`` travel in the
    ``decnet@32473`` structured-data element; ``message`` is the free-text MSG.
    """

    eid: str
    timestamp: datetime
    decky: str
    service: str
    event_type: str
    src_ip: str | None = None
    src_port: int | None = None
    sid: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    message: str = ""
    facility: int = DEFAULT_FACILITY
    severity: int = DEFAULT_SEVERITY

    @classmethod
    def new(
        cls,
        decky: str,
        service: str,
        event_type: str,
        *,
        src_ip: str | None = None,
        src_port: int | None = None,
        sid: str | None = None,
        fields: dict[str, str] | None = None,
        message: str = "",
        severity: int = DEFAULT_SEVERITY,
    ) -> Event:
        """Build an event stamped now (UTC) with a fresh ``eid``."""
        return cls(
            eid=new_eid(),
            timestamp=datetime.now(UTC),
            decky=decky,
            service=service,
            event_type=event_type,
            src_ip=src_ip,
            src_port=src_port,
            sid=sid,
            fields=dict(fields or {}),
            message=message,
            severity=severity,
        )

    def validate(self) -> None:
        """Raise ``ValueError`` if the event cannot be expressed as RFC 5424."""
        if not self.eid or len(self.eid) > MAX_EID_LEN or not _PRINTUSASCII.fullmatch(self.eid):
            raise ValueError(f"eid must be 1-{MAX_EID_LEN} printable ASCII characters")
        if self.timestamp.tzinfo is None:
            raise ValueError("timestamp must be timezone-aware")
        for label, value, limit in (
            ("decky", self.decky, 255),
            ("service", self.service, 48),
            ("event_type", self.event_type, 32),
        ):
            if not value or value == "-" or len(value) > limit or not _PRINTUSASCII.fullmatch(value):
                raise ValueError(f"{label} must be 1-{limit} printable ASCII characters, got {value!r}")
        if self.src_ip is not None and len(self.src_ip) > MAX_SRC_IP_LEN:
            raise ValueError(f"src_ip longer than {MAX_SRC_IP_LEN} characters")
        if self.sid is not None and len(self.sid) > MAX_SID_LEN:
            raise ValueError(f"sid longer than {MAX_SID_LEN} characters")
        if self.src_port is not None and not 0 <= self.src_port <= 65535:
            raise ValueError(f"src_port out of range: {self.src_port}")
        if not 0 <= self.facility <= 23 or not 0 <= self.severity <= 7:
            raise ValueError("facility must be 0-23 and severity 0-7")
        for key in self.fields:
            if key in RESERVED_PARAMS:
                raise ValueError(f"field name {key!r} is reserved")
            if not is_sd_name(key):
                raise ValueError(f"field name {key!r} is not a valid SD-NAME")


#: Longest prefix of a rejected frame kept for inspection.
QUARANTINE_RAW_LIMIT = 4096


@dataclass(slots=True)
class Rejected:
    """A frame that could not be accepted: why, from whom, and (a bounded prefix of) its bytes."""

    reason: str
    raw: bytes
    size: int
    peer: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(cls, reason: str, raw: bytes, peer: str | None = None, size: int | None = None) -> Rejected:
        """Build a record keeping at most :data:`QUARANTINE_RAW_LIMIT` bytes of ``raw``."""
        return cls(
            reason=reason,
            raw=bytes(raw[:QUARANTINE_RAW_LIMIT]),
            size=len(raw) if size is None else size,
            peer=peer,
        )
