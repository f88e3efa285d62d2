"""Behaviour classes of an attacker, from its features and timing, with fixed thresholds.

Every class whose test passes is listed; the primary class is the first in
:data:`PRIORITY` (the most hands-on behaviour wins).
"""

from __future__ import annotations

import itertools
import statistics

from decnet.intel.features import Features
from decnet.intel.timing import command_gaps

SCANNER = "scanner"
BRUTE_FORCER = "brute_forcer"
STUFFER = "credential_stuffer"
INTERACTIVE = "interactive_operator"
BOT = "bot"
BEACONING = "beaconing"
UNCLASSIFIED = "unclassified"

#: Primary class order, most hands-on first.
PRIORITY = (INTERACTIVE, BOT, STUFFER, BRUTE_FORCER, BEACONING, SCANNER)

#: Distinct (decky, port) targets that make a scanner.
SCAN_MIN_TARGETS = 5
#: HTTP requests without any login that make a (web) scanner.
SCAN_MIN_REQUESTS = 10
#: Failed logins that make a brute-forcer.
BRUTE_MIN_FAILURES = 5
#: (principal, secret) pairs each tried on two services or deckies that make a stuffer.
STUFF_MIN_REUSED_PAIRS = 3
#: Median seconds between a session's commands at or above which a human is typing.
HUMAN_MIN_COMMAND_GAP_S = 2.0
#: Sessions, and the largest coefficient of variation of their start intervals, of a beacon.
BEACON_MIN_SESSIONS = 6
BEACON_MAX_CV = 0.1
#: Shortest mean interval of a beacon (faster repeats are a brute force or a flood).
BEACON_MIN_INTERVAL_S = 30.0
#: A beacon calls back to at most this many deckies.
BEACON_MAX_DECKIES = 2


def _is_regular(starts: list[float]) -> bool:
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    if len(gaps) < BEACON_MIN_SESSIONS - 1:
        return False
    mean = sum(gaps) / len(gaps)
    if mean < BEACON_MIN_INTERVAL_S:
        return False
    var = sum((g - mean) ** 2 for g in gaps) / len(gaps)
    return bool(var**0.5 / mean <= BEACON_MAX_CV)


def classes_of(feat: Features) -> list[str]:
    """Every behaviour class ``feat`` shows, primary first (``[unclassified]`` if none)."""
    found: set[str] = set()
    if feat.n("commands") >= 1:
        gaps = command_gaps(feat)
        if gaps:
            found.add(INTERACTIVE if statistics.median(gaps) >= HUMAN_MIN_COMMAND_GAP_S else BOT)
        else:
            found.add(BOT if feat.n("exec_commands") >= 1 else INTERACTIVE)
    if feat.n("login_failures") >= BRUTE_MIN_FAILURES:
        found.add(STUFFER if feat.n("reused_pairs") >= STUFF_MIN_REUSED_PAIRS else BRUTE_FORCER)
    if (
        len(feat.session_starts) >= BEACON_MIN_SESSIONS
        and len(feat.target_deckies) <= BEACON_MAX_DECKIES
        and _is_regular(feat.session_starts)
    ):
        found.add(BEACONING)
    if (
        feat.n("targets") >= SCAN_MIN_TARGETS
        or feat.n("scan_events") >= 1
        or (feat.n("http_requests") >= SCAN_MIN_REQUESTS and feat.n("logins") == 0)
    ):
        found.add(SCANNER)
    ordered_classes = [c for c in PRIORITY if c in found]
    return ordered_classes or [UNCLASSIFIED]
