"""One attacker's profile: behaviour, timing, tools, techniques, phase, score, reasons."""

from __future__ import annotations

from typing import Any

from decnet.intel.attack import phase_of, techniques_of
from decnet.intel.behaviour import classes_of
from decnet.intel.features import ProfileInput, features_of
from decnet.intel.score import score_of
from decnet.intel.timing import timing_of
from decnet.intel.tools import tools_of

#: Version of the profile document (bumped when its shape changes).
PROFILE_VERSION = 1


def build_profile(data: ProfileInput) -> dict[str, Any]:
    """The profile document of one attacker (deterministic for the same input)."""
    feat = features_of(data)
    classes = classes_of(feat)
    tools = tools_of(feat)
    techniques = techniques_of(feat, {t.name for t in tools}, set(classes))
    phase = phase_of(techniques)
    score, reasons = score_of(feat, phase, techniques, classes, tools)
    return {
        "version": PROFILE_VERSION,
        "event_id": data.last_event_id,
        "behaviour": classes[0],
        "classes": classes,
        "timing": timing_of(feat),
        "tools": [t.as_dict() for t in tools],
        "phase": phase,
        "techniques": [t.as_dict() for t in techniques],
        "score": score,
        "reasons": [r.as_dict() for r in reasons],
        "features": {k: feat.counts[k] for k in sorted(feat.counts)},
        "events_considered": len(data.events),
    }


def changes_between(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What changed from ``old`` to ``new`` (class, phase, score, techniques); [] if nothing."""
    if not old:
        return [f"first profile: {new['behaviour']}, score {new['score']}"]
    out: list[str] = []
    for key in ("behaviour", "phase", "score"):
        if old.get(key) != new.get(key):
            out.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    before = {t["id"] for t in old.get("techniques", [])}
    after = {t["id"] for t in new.get("techniques", [])}
    out.extend(f"+{t}" for t in sorted(after - before))
    out.extend(f"-{t}" for t in sorted(before - after))
    return out
