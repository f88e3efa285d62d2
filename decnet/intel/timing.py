"""Timing statistics behind a behaviour class: event, session and command inter-arrival times."""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict

from decnet.intel.features import Features


def _gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


def _stats(gaps: list[float], prefix: str) -> dict[str, float | None]:
    if not gaps:
        return {f"{prefix}_mean_s": None, f"{prefix}_median_s": None, f"{prefix}_cv": None}
    mean = statistics.fmean(gaps)
    std = math.sqrt(statistics.fmean([(g - mean) ** 2 for g in gaps]))
    cv = std / mean if mean > 0 else None
    return {
        f"{prefix}_mean_s": round(mean, 3),
        f"{prefix}_median_s": round(statistics.median(gaps), 3),
        f"{prefix}_cv": None if cv is None else round(cv, 3),
    }


def command_gaps(feat: Features) -> list[float]:
    """Seconds between consecutive commands of the same session."""
    by_session: dict[str, list[float]] = defaultdict(list)
    for t, session, _, _ in feat.commands:
        by_session[session].append(t)
    gaps: list[float] = []
    for times in by_session.values():
        gaps.extend(_gaps(times))
    return gaps


def timing_of(feat: Features) -> dict[str, float | None]:
    """Span, rates and inter-arrival statistics of events, sessions and commands."""
    times = feat.timestamps
    span = (max(times) - min(times)) if times else 0.0
    out: dict[str, float | None] = {
        "span_s": round(span, 3),
        "events_per_min": round(len(times) / (span / 60), 3) if span > 0 else None,
        "logins_per_min": round(feat.n("login_attempts") / (span / 60), 3) if span > 0 else None,
    }
    out.update(_stats(_gaps(times), "event_gap"))
    out.update(_stats(_gaps(feat.session_starts), "session_gap"))
    out.update(_stats(command_gaps(feat), "command_gap"))
    return out
