"""The prober/mutator benchmark still runs end to end (two deckies, one mutation) and prints its JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.geteuid() != 0, reason="the realism bench binds ports 22/80/443 on 127.x")
def test_realism_bench_prints_its_json_line() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "realism.py"), "--deckies", "2", "--mutations", "1"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["deckies"] == 2 and figures["prober_flagged"] == 0
    assert 0 < figures["prober_s_per_decky"] < 10 and 0 < figures["mutation_s"] < 30
