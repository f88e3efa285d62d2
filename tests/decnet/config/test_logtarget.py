"""DECNET_LOG_TARGET forms."""

from __future__ import annotations

import pytest

from decnet.config.logtarget import LogTarget, parse_log_target


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("stderr", LogTarget("stderr")),
        ("file:/var/log/decnet/decnet.log", LogTarget("file", path="/var/log/decnet/decnet.log")),
        ("unix:/dev/log", LogTarget("unix", path="/dev/log")),
        ("udp://127.0.0.1:514", LogTarget("udp", host="127.0.0.1", port=514)),
        ("tcp://logs.example:6514", LogTarget("tcp", host="logs.example", port=6514)),
        ("tcp://[::1]:601", LogTarget("tcp", host="::1", port=601)),
    ],
)
def test_valid_targets(text: str, target: LogTarget) -> None:
    assert parse_log_target(text) == target
    assert str(parse_log_target(str(target))) == str(target)


@pytest.mark.parametrize(
    "text",
    ["", "syslog", "file:", "file://x", "udp://host", "udp://:514", "tcp://host:0", "tcp://host:99999",
     "tcp://::1:514", "tcp://[::1]514", "udp://a b:1", "http://host:80"],
)  # fmt: skip
def test_invalid_targets(text: str) -> None:
    with pytest.raises(ValueError, match="expected 'stderr', 'file:/path', 'unix:/path'"):
        parse_log_target(text)
