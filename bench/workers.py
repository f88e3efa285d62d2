"""Worker benchmark of issue 8: the sniffer, the prober and the mutator in one run.

    .venv/bin/python bench/workers.py [--quick]

Runs ``bench/sniffer.py`` (packets/s sustained without losing new-flow analysis, traffic
generated inside a test namespace) and ``bench/realism.py`` (prober seconds for a full pass over
20 local deckies, mutation seconds from decision to services answering), each in its own
process, shows their lines as they come, and ends with one JSON line:
``{"sniffer_pps": …, "prober_s_per_decky": …, "mutation_s": …}``.
Targets: >= 20,000 pps, <= 1 s per decky, <= 5 s per mutation. Needs root. Reports; does not gate CI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
TARGETS = {"sniffer_pps": (">=", 20_000), "prober_s_per_decky": ("<=", 1.0), "mutation_s": ("<=", 5.0)}


def run(script: str, *args: str) -> dict[str, Any]:
    """Run one bench script, echoing its output; return its last line's JSON."""
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / script), *args], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert proc.stdout is not None
    last = ""
    for line in proc.stdout:
        print(f"  [{script}] {line.rstrip()}", flush=True)
        if line.strip():
            last = line
    if proc.wait() != 0:
        raise SystemExit(f"{script} failed with status {proc.returncode}")
    return dict(json.loads(last))


def verdict(name: str, value: float | None) -> str:
    """``met`` or ``MISSED`` against the issue's target."""
    op, target = TARGETS[name]
    if value is None:
        return "no figure"
    ok = value >= target if op == ">=" else value <= target
    return f"{'met' if ok else 'MISSED'} (target {op} {target:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter rounds (under 90 s in all)")
    args = parser.parse_args()
    sniffer_args = ["--rates", "10000,20000,30000", "--seconds", "3"] if args.quick else []
    sniffer = run("sniffer.py", *sniffer_args)
    realism = run("realism.py", *(["--quick"] if args.quick else []))
    figures = {
        "sniffer_pps": sniffer["sniffer_pps"],
        "prober_s_per_decky": realism["prober_s_per_decky"],
        "mutation_s": realism["mutation_s"],
    }
    for name, value in figures.items():
        print(f"{name:>20}: {value}  {verdict(name, value)}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
