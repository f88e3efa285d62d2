"""The ingest benchmark still runs end to end and prints its JSON line (figures are not gated)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_its_json_line() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest_path.py"), "--events", "3000", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(figures) == {
        "parse_lines_per_s",
        "sqlite_events_per_s",
        "mysql_events_per_s",
        "raw_sqlite_rows_per_s",
    }
    assert all(isinstance(value, int) and value > 0 for value in figures.values())
