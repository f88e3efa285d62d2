"""What a check says (a verdict with evidence) and what probing a decky observed."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Longest evidence text kept per verdict.
MAX_EVIDENCE = 1000


def printable(data: bytes | str, limit: int = 160) -> str:
    """Attacker-visible bytes as a short, safe, one-line text (control characters escaped)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    out = []
    for char in text[:limit]:
        code = ord(char)
        out.append(char if char.isprintable() else f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
    return "".join(out) + ("..." if len(text) > limit else "")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of one check: passed (True/False) or not applicable (None), with evidence."""

    check: str
    passed: bool | None
    evidence: str
    weight: int = 1

    @classmethod
    def of(cls, check: str, passed: bool | None, evidence: str, weight: int = 1) -> Verdict:
        """A verdict with its evidence cut to :data:`MAX_EVIDENCE` characters."""
        return cls(check, passed, evidence[:MAX_EVIDENCE], weight)


@dataclass(slots=True)
class Observation:
    """What probing one decky saw on the wire (feeds the cross-service and fleet-wide checks)."""

    banners: dict[str, str] = field(default_factory=dict)  #: "ssh:22" -> text an attacker reads
    host_keys: set[str] = field(default_factory=set)  #: SSH host key fingerprints
    certificates: set[str] = field(default_factory=set)  #: sha256 of TLS certificates (hex)
