"""The fleet benchmark still runs end to end (one decky, netns only) and prints its JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.geteuid() != 0, reason="the fleet bench needs root")
def test_fleet_bench_prints_its_json_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "fleet.py"),
            "--deckies",
            "1",
            "--no-docker",
            "--services",
            "http",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["netns_deploy_s_per_decky"] > 0 and figures["netns_rss_mb_per_decky"] > 0
    assert figures["docker_deploy_s_per_decky"] is None
