"""The API benchmark still runs end to end and prints its JSON line (figures are not gated)."""

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
            str(ROOT / "bench" / "api.py"),
            "--events",
            "5000",
            "--attackers",
            "500",
            "--clients",
            "5",
            "--seconds",
            "0.5",
            "--no-serve",
        ],
        capture_output=True,
        text=True,
        timeout=220,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert set(figures) == {
        "attackers_p99_ms",
        "events_search_p99_ms",
        "stats_p99_ms",
        "serve_overhead_ratio",
    }
    assert figures["serve_overhead_ratio"] is None
    assert all(0 < figures[k] < 60_000 for k in figures if k.endswith("_ms"))
    assert any("direct events_search" in line and "errors 0" in line for line in lines)
