"""The realism score of a decky: the weighted share of its applicable checks that passed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from decnet.prober.verdict import Verdict


@dataclass(slots=True)
class DeckyReport:
    """Every verdict of one decky in one pass, its score and whether it is flagged."""

    decky: str
    verdicts: list[Verdict] = field(default_factory=list)
    error: str = ""  #: set when the decky could not be probed at all

    @property
    def applicable(self) -> list[Verdict]:
        """Verdicts that passed or failed (not the ones that could not apply)."""
        return [v for v in self.verdicts if v.passed is not None]

    @property
    def failed(self) -> list[Verdict]:
        """Verdicts that failed."""
        return [v for v in self.verdicts if v.passed is False]

    @property
    def score(self) -> float:
        """Weighted share of applicable checks that passed, 0.0-1.0 (0.0 if nothing applied)."""
        return realism_score(self.verdicts)

    @property
    def flagged(self) -> bool:
        """A decky fails realism if any check failed or it could not be probed."""
        return bool(self.failed) or bool(self.error)


def realism_score(verdicts: Sequence[Verdict]) -> float:
    """Weighted share of passed verdicts among those that applied, rounded to 3 decimals."""
    total = sum(v.weight for v in verdicts if v.passed is not None)
    if not total:
        return 0.0
    return round(sum(v.weight for v in verdicts if v.passed) / total, 3)
