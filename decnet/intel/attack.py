"""MITRE ATT&CK techniques and the kill-chain phase, from rules kept as data.

A rule fires when ANY of its alternatives holds; an alternative holds when ALL of its
conditions do:

``min``       every named feature count is at least the value
``max``       every named feature count is at most the value
``commands``  a shell command matches the regular expression
``requests``  an HTTP request (decoded line and body) matches the regular expression
``tools``     one of these tools was recognised
``classes``   one of these behaviour classes was found
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from decnet.intel.features import Features

#: Lockheed Martin kill-chain phases, in order.
PHASES = (
    "none",
    "reconnaissance",
    "weaponization",
    "delivery",
    "exploitation",
    "installation",
    "command_and_control",
    "actions_on_objectives",
)

_SEP = r"(?:^|[;&|`(]\s*|\$\(\s*|sudo\s+|busybox\s+)"
_EXPLOIT = (
    r"\bunion\b.{0,40}\bselect\b|'\s*or\s+'?\d|\bor\s+\d+=\d+|\bsleep\s*\(\d|\binformation_schema\b"
    r"|\.\./|\.\.\\|/etc/passwd|\$\{jndi:|\(\)\s*\{\s*:;\s*\}|<\?php|php://|\beval\s*\("
    r"|;\s*(?:wget|curl|sh|bash|nc)\b|\$\((?:wget|curl|id|whoami)|`(?:id|whoami)`|/cgi-bin/.*(?:%0a|;)"
    r"|<script\b|\bcmd\.exe\b|/bin/(?:ba)?sh\b"
)

#: The rules. Keep one test per rule in tests/decnet/intel/test_attack_rules.py.
RULES: tuple[dict[str, Any], ...] = (
    {
        "id": "T1595",
        "name": "Active Scanning",
        "tactic": "reconnaissance",
        "phase": "reconnaissance",
        "any": [
            {
                "tools": [
                    "nmap",
                    "masscan",
                    "zgrab",
                    "nikto",
                    "nuclei",
                    "sqlmap",
                    "gobuster",
                    "feroxbuster",
                    "wpscan",
                ]
            },
            {"min": {"scan_events": 1}},
            {"min": {"http_paths": 20}},
        ],
    },
    {
        "id": "T1595.002",
        "name": "Active Scanning: Vulnerability Scanning",
        "tactic": "reconnaissance",
        "phase": "reconnaissance",
        "any": [{"tools": ["nikto", "nuclei", "sqlmap", "wpscan"]}],
    },
    {
        "id": "T1046",
        "name": "Network Service Discovery",
        "tactic": "discovery",
        "phase": "reconnaissance",
        "any": [
            {"min": {"targets": 5}},
            {"min": {"scan_events": 1}},
            {"commands": _SEP + r"(?:nmap|masscan|zmap|nc\s+-\w*z)\b"},
        ],
    },
    {
        "id": "T1110",
        "name": "Brute Force",
        "tactic": "credential_access",
        "phase": "delivery",
        "any": [{"min": {"login_failures": 5}}],
    },
    {
        "id": "T1110.001",
        "name": "Brute Force: Password Guessing",
        "tactic": "credential_access",
        "phase": "delivery",
        "any": [{"min": {"login_failures": 5, "max_secrets_per_principal": 4}, "max": {"principals": 3}}],
    },
    {
        "id": "T1110.003",
        "name": "Brute Force: Password Spraying",
        "tactic": "credential_access",
        "phase": "delivery",
        "any": [{"min": {"login_failures": 5, "max_principals_per_secret": 4}}],
    },
    {
        "id": "T1110.004",
        "name": "Brute Force: Credential Stuffing",
        "tactic": "credential_access",
        "phase": "delivery",
        "any": [{"min": {"login_failures": 5, "reused_pairs": 3}}],
    },
    {
        "id": "T1078",
        "name": "Valid Accounts",
        "tactic": "initial_access",
        "phase": "exploitation",
        "any": [{"min": {"logins": 1}}],
    },
    {
        "id": "T1190",
        "name": "Exploit Public-Facing Application",
        "tactic": "initial_access",
        "phase": "exploitation",
        "any": [{"requests": _EXPLOIT}],
    },
    {
        "id": "T1059",
        "name": "Command and Scripting Interpreter",
        "tactic": "execution",
        "phase": "exploitation",
        "any": [{"min": {"commands": 1}}],
    },
    {
        "id": "T1105",
        "name": "Ingress Tool Transfer",
        "tactic": "command_and_control",
        "phase": "installation",
        "any": [
            {"min": {"downloads": 1}},
            {"commands": _SEP + r"(?:wget|curl|tftp|ftpget|scp|certutil|bitsadmin|iwr|Invoke-WebRequest)\b"},
        ],
    },
    {
        "id": "T1222.002",
        "name": "File and Directory Permissions Modification: Linux and Mac",
        "tactic": "defense_evasion",
        "phase": "installation",
        "any": [{"commands": _SEP + r"(?:chmod|chown|chattr)\s"}],
    },
    {
        "id": "T1053.003",
        "name": "Scheduled Task/Job: Cron",
        "tactic": "persistence",
        "phase": "installation",
        "any": [{"commands": r"\bcrontab\b|/etc/cron"}],
    },
    {
        "id": "T1098.004",
        "name": "Account Manipulation: SSH Authorized Keys",
        "tactic": "persistence",
        "phase": "installation",
        "any": [{"commands": r"authorized_keys"}],
    },
    {
        "id": "T1082",
        "name": "System Information Discovery",
        "tactic": "discovery",
        "phase": "actions_on_objectives",
        "any": [
            {
                "commands": _SEP + r"(?:uname|hostnamectl|lscpu|nproc|free|df|systeminfo|ver|lsb_release)\b"
                r"|/proc/(?:cpuinfo|meminfo|version)|/etc/\S*release"
            }
        ],
    },
    {
        "id": "T1083",
        "name": "File and Directory Discovery",
        "tactic": "discovery",
        "phase": "actions_on_objectives",
        "any": [{"commands": _SEP + r"(?:ls|dir|find|tree|locate)\b"}],
    },
    {
        "id": "T1033",
        "name": "System Owner/User Discovery",
        "tactic": "discovery",
        "phase": "actions_on_objectives",
        "any": [{"commands": _SEP + r"(?:whoami|id|who|w|users|last|query\s+user)(?:\s|$|[;&|])"}],
    },
    {
        "id": "T1016",
        "name": "System Network Configuration Discovery",
        "tactic": "discovery",
        "phase": "actions_on_objectives",
        "any": [
            {
                "commands": _SEP
                + r"(?:ifconfig|ipconfig|ip\s+(?:a|addr|r|route)|netstat|route|arp)\b|resolv\.conf"
            }
        ],
    },
    {
        "id": "T1057",
        "name": "Process Discovery",
        "tactic": "discovery",
        "phase": "actions_on_objectives",
        "any": [{"commands": _SEP + r"(?:ps|top|tasklist|pgrep)\b"}],
    },
    {
        "id": "T1087",
        "name": "Account Discovery",
        "tactic": "discovery",
        "phase": "actions_on_objectives",
        "any": [{"commands": r"/etc/passwd|getent\s+passwd|net\s+user|lastlog"}],
    },
    {
        "id": "T1021",
        "name": "Remote Services",
        "tactic": "lateral_movement",
        "phase": "actions_on_objectives",
        "any": [{"min": {"login_deckies": 2}}],
    },
    {
        "id": "T1070.003",
        "name": "Indicator Removal: Clear Command History",
        "tactic": "defense_evasion",
        "phase": "actions_on_objectives",
        "any": [{"commands": r"history\s+-c|unset\s+HISTFILE|HISTFILE=/dev/null|bash_history"}],
    },
    {
        "id": "T1496",
        "name": "Resource Hijacking",
        "tactic": "impact",
        "phase": "actions_on_objectives",
        "any": [{"commands": r"xmrig|minerd|cpuminer|stratum\+tcp"}],
    },
    {
        "id": "T1071",
        "name": "Application Layer Protocol (beaconing)",
        "tactic": "command_and_control",
        "phase": "command_and_control",
        "any": [{"classes": ["beaconing"]}],
    },
)


@dataclass(frozen=True, slots=True)
class Technique:
    """A technique attributed to an attacker, with the evidence that fired its rule."""

    id: str
    name: str
    tactic: str
    phase: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {
            "id": self.id,
            "name": self.name,
            "tactic": self.tactic,
            "phase": self.phase,
            "evidence": self.evidence,
        }


_compiled: dict[str, re.Pattern[str]] = {}


def _re(pattern: str) -> re.Pattern[str]:
    compiled = _compiled.get(pattern)
    if compiled is None:
        compiled = _compiled[pattern] = re.compile(pattern, re.IGNORECASE)
    return compiled


def _holds(cond: dict[str, Any], feat: Features, tools: set[str], classes: set[str]) -> str | None:
    """The evidence if every condition of ``cond`` holds, else None."""
    evidence: list[str] = []
    for name, value in cond.get("min", {}).items():
        if feat.n(name) < value:
            return None
        evidence.append(f"{name}={feat.n(name):g}")
    for name, value in cond.get("max", {}).items():
        if feat.n(name) > value:
            return None
        evidence.append(f"{name}={feat.n(name):g}")
    if "commands" in cond:
        pattern = _re(cond["commands"])
        match = next((c for c in feat.unique_commands() if pattern.search(c)), None)
        if match is None:
            return None
        evidence.append(f"command: {match[:120]}")
    if "requests" in cond:
        pattern = _re(cond["requests"])
        match = next((r for r in feat.unique_requests() if pattern.search(r)), None)
        if match is None:
            return None
        evidence.append(f"request: {match[:120]}")
    if "tools" in cond:
        hits = sorted(tools.intersection(cond["tools"]))
        if not hits:
            return None
        evidence.append("tool: " + ", ".join(hits))
    if "classes" in cond:
        hits = sorted(classes.intersection(cond["classes"]))
        if not hits:
            return None
        evidence.append("class: " + ", ".join(hits))
    return "; ".join(evidence)


def techniques_of(feat: Features, tools: set[str], classes: set[str]) -> list[Technique]:
    """Every technique whose rule fires, in rule order."""
    found: list[Technique] = []
    for rule in RULES:
        for cond in rule["any"]:
            evidence = _holds(cond, feat, tools, classes)
            if evidence is not None:
                found.append(Technique(rule["id"], rule["name"], rule["tactic"], rule["phase"], evidence))
                break
    return found


def phase_of(techniques: list[Technique]) -> str:
    """The furthest kill-chain phase reached."""
    reached = [PHASES.index(t.phase) for t in techniques]
    return PHASES[max(reached, default=0)]


def rule(technique: str) -> dict[str, Any]:
    """The rule of ``technique`` (KeyError if there is none)."""
    for item in RULES:
        if item["id"] == technique:
            return item
    raise KeyError(technique)
