"""The intel benchmark still runs end to end and prints its JSON line (figures are not gated)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_bench_prints_its_json_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "intel.py"),
            "--events",
            "3000",
            "--seconds",
            "3",
            "--rate",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=220,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"correlate_events_per_s", "profile_latency_p50_s", "profile_latency_p99_s"} <= set(figures)
    assert figures["correlate_events_per_s"] > 0 and figures["correlate_events_per_cpu_s"] > 0
    assert 0 < figures["profile_latency_p50_s"] <= figures["profile_latency_p99_s"] < 30
