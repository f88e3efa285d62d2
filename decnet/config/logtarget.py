"""Parse ``DECNET_LOG_TARGET``: where DECNET's own logs go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LogTargetKind = Literal["stderr", "file", "unix", "udp", "tcp"]

#: The accepted forms, as quoted in error messages and docs.
LOG_TARGET_FORMS = "'stderr', 'file:/path', 'unix:/path', 'udp://host:port' or 'tcp://host:port'"


@dataclass(frozen=True, slots=True)
class LogTarget:
    """A parsed log target: ``kind`` plus either ``path`` (file, unix) or ``host``/``port`` (udp, tcp)."""

    kind: LogTargetKind
    path: str | None = None
    host: str | None = None
    port: int | None = None

    def __str__(self) -> str:
        if self.kind == "stderr":
            return "stderr"
        if self.kind in ("file", "unix"):
            return f"{self.kind}:{self.path}"
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        return f"{self.kind}://{host}:{self.port}"


def _bad(value: str) -> ValueError:
    return ValueError(f"expected {LOG_TARGET_FORMS}")


def parse_log_target(value: str) -> LogTarget:
    """Parse a log target string; raise ``ValueError`` naming the accepted forms if it is malformed."""
    text = value.strip()
    if text == "stderr":
        return LogTarget("stderr")
    for kind in ("file", "unix"):
        prefix = f"{kind}:"
        if text.startswith(prefix) and not text.startswith(f"{prefix}//"):
            path = text[len(prefix) :]
            if not path or "\x00" in path:
                raise _bad(value)
            return LogTarget("file" if kind == "file" else "unix", path=path)
    for kind in ("udp", "tcp"):
        prefix = f"{kind}://"
        if not text.startswith(prefix):
            continue
        hostport = text[len(prefix) :].rstrip("/")
        if hostport.startswith("["):  # [v6addr]:port
            close = hostport.find("]")
            if close == -1 or hostport[close + 1 : close + 2] != ":":
                raise _bad(value)
            host, port_text = hostport[1:close], hostport[close + 2 :]
        else:
            host, sep, port_text = hostport.rpartition(":")
            if not sep or ":" in host:
                raise _bad(value)
        if not host or any(ch in host for ch in " /@?#") or not port_text.isdigit():
            raise _bad(value)
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise _bad(value)
        return LogTarget("udp" if kind == "udp" else "tcp", host=host, port=port)
    raise _bad(value)
