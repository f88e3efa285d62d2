"""The service benchmark still runs end to end (a few services, briefly) and prints its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_services_bench_prints_its_json_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "services.py"),
            "--services",
            "ftp,redis,http,dns,ssh",
            "--seconds",
            "0.5",
            "--clients",
            "5",
            "--client-procs",
            "1",
            "--ssh-conns",
            "4",
            "--ssh-attempts",
            "1",
            "--ssh-hold",
            "10",
            "--hold-seconds",
            "0.2",
            "--host",
            "127.88.6.2",
            "--src-prefix",
            "127.90",
            "--no-ten-rss",
        ],
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == {
        "baseline_sessions_per_s",
        "ftp_sessions_per_s",
        "redis_sessions_per_s",
        "http_sessions_per_s",
        "http_keepalive_requests_per_s",
        "dns_sessions_per_s",
        "ssh_auth_per_cpu_s",
        "ssh_concurrent_sessions",
        "runtime_rss_mb",
        "runtime_ten_rss_mb",
    }
    assert figures["runtime_ten_rss_mb"] is None
    assert all(value > 0 for key, value in figures.items() if key != "runtime_ten_rss_mb"), figures
    assert figures["ssh_concurrent_sessions"] == 10
    assert any(line.startswith("ftp") and "errors 0" in line for line in lines), lines
