"""The sniffer benchmark still runs end to end (namespace, generator, capture) and prints its JSON line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_its_json_line() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "sniffer.py"), "--rates", "2000", "--seconds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    lines = result.stdout.strip().splitlines()
    assert "sustained" in lines[0]
    figures = json.loads(lines[-1])
    assert set(figures) == {"sniffer_pps", "offered_pps", "captured_pps", "probe_flows", "probes_analysed"}
    assert figures["sniffer_pps"] > 1000 and figures["probes_analysed"] == figures["probe_flows"] == 10
    assert (
        subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.count("dsn-bench") == 0
    )
