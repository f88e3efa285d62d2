"""The threat score: 0-100, the sum of explained contributions, capped.

Each contribution is a (points, reason) pair; the reasons are stored with the score so an
analyst sees why one attacker ranks above another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from decnet.intel.attack import Technique
from decnet.intel.behaviour import INTERACTIVE
from decnet.intel.features import Features
from decnet.intel.tools import OFFENSIVE, Tool

#: Points for the furthest kill-chain phase reached.
PHASE_POINTS = {
    "none": 0,
    "reconnaissance": 5,
    "weaponization": 10,
    "delivery": 15,
    "exploitation": 30,
    "installation": 40,
    "command_and_control": 45,
    "actions_on_objectives": 45,
}
POINTS_PER_TECHNIQUE = 2
MAX_TECHNIQUE_POINTS = 16
VALID_LOGIN_POINTS = 10
MAX_COMMAND_POINTS = 10
TOOL_TRANSFER_POINTS = 10
LATERAL_POINTS = 8
HUMAN_POINTS = 5
MAX_FAILURE_POINTS = 10
MAX_TARGET_POINTS = 5
TARGETS_PER_POINT = 4
OFFENSIVE_TOOL_POINTS = 3


@dataclass(frozen=True, slots=True)
class Reason:
    """One contribution to the score."""

    points: int
    reason: str

    def as_dict(self) -> dict[str, int | str]:
        """JSON form."""
        return {"points": self.points, "reason": self.reason}


def score_of(
    feat: Features, phase: str, techniques: list[Technique], classes: list[str], tools: list[Tool]
) -> tuple[int, list[Reason]]:
    """The score and its reasons (largest contribution first)."""
    reasons: list[Reason] = []
    ids = {t.id for t in techniques}

    def add(points: float, reason: str) -> None:
        if points > 0:
            reasons.append(Reason(round(points), reason))

    add(PHASE_POINTS.get(phase, 0), f"reached kill-chain phase {phase}")
    add(
        min(MAX_TECHNIQUE_POINTS, POINTS_PER_TECHNIQUE * len(techniques)),
        f"{len(techniques)} ATT&CK techniques",
    )
    if feat.n("logins"):
        add(VALID_LOGIN_POINTS, f"logged in with valid credentials ({feat.n('logins'):g} logins)")
    if feat.n("commands"):
        add(min(MAX_COMMAND_POINTS, feat.n("commands")), f"ran {feat.n('commands'):g} commands")
    if "T1105" in ids:
        add(TOOL_TRANSFER_POINTS, "transferred tools onto a decky")
    if "T1021" in ids:
        add(LATERAL_POINTS, f"moved laterally: logged in on {feat.n('login_deckies'):g} deckies")
    if INTERACTIVE in classes:
        add(HUMAN_POINTS, "a human operator at the keyboard")
    failures = feat.n("login_failures")
    if failures:
        add(min(MAX_FAILURE_POINTS, 4 * math.log10(1 + failures)), f"{failures:g} failed logins")
    add(
        min(MAX_TARGET_POINTS, feat.n("targets") // TARGETS_PER_POINT),
        f"touched {feat.n('targets'):g} services",
    )
    offensive = sorted({t.name for t in tools} & OFFENSIVE)
    if offensive:
        add(OFFENSIVE_TOOL_POINTS, "offensive tools: " + ", ".join(offensive))
    reasons.sort(key=lambda r: (-r.points, r.reason))
    return min(100, sum(r.points for r in reasons)), reasons
