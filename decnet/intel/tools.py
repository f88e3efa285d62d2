"""Attacker tools, from SSH client versions, HASSH and other fingerprints, HTTP user agents,
request patterns and the download tools the shell saw. Kept as data: (pattern, tool)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from decnet.intel.features import Features

#: SSH identification strings (connect/auth ``client_version``, fingerprint kind ``ssh_client``).
SSH_CLIENTS: tuple[tuple[str, str], ...] = (
    (r"^SSH-[\d.]+-Nmap-SSH", "nmap"),
    (r"^SSH-[\d.]+-libssh_", "hydra"),  # hydra's ssh module is built on libssh
    (r"^SSH-[\d.]+-libssh2_", "medusa"),  # medusa's ssh module is built on libssh2
    (r"^SSH-[\d.]+-Ruby/Net::SSH", "metasploit"),
    (r"^SSH-[\d.]+-paramiko", "paramiko"),
    (r"^SSH-[\d.]+-OpenSSH", "openssh"),
    (r"^SSH-[\d.]+-PuTTY", "putty"),
    (r"^SSH-[\d.]+-Go\b", "go"),
    (r"^SSH-[\d.]+-ZGrab", "zgrab"),
    (r"^SSH-[\d.]+-AsyncSSH", "asyncssh"),
    (r"^SSH-[\d.]+-JSCH", "jsch"),
)

#: Client HASSH values published with the HASSH method (salesforce/hassh README).
HASSH: dict[str, str] = {
    "fafc45381bfde997b6305c4e1600f1bf": "metasploit",  # Ruby/Net::SSH 5.0.2
    "b5752e36ba6c5979a575e43178908adf": "metasploit",  # Python Paramiko 2.4.1, as its modules use it
    "de30354b88bae4c2810426614e1b6976": "empire",  # Renci.SshNet in PowerShell
    "16f898dd8ed8279e1055350b4e20666c": "dropbear",  # IoT client
    "06046964c022c6407d15a27b12a6a4fb": "openssh",  # OpenSSH 7.7p1 Ubuntu
}

#: HTTP user agents.
USER_AGENTS: tuple[tuple[str, str], ...] = (
    (r"Nmap Scripting Engine", "nmap"),
    (r"masscan", "masscan"),
    (r"zgrab", "zgrab"),
    (r"Nikto", "nikto"),
    (r"sqlmap", "sqlmap"),
    (r"Nuclei|projectdiscovery", "nuclei"),
    (r"\(Hydra\)|THC-Hydra", "hydra"),
    (r"Medusa", "medusa"),
    (r"Metasploit|msfconsole", "metasploit"),
    (r"^curl/", "curl"),
    (r"^Wget/", "wget"),
    (r"python-requests/", "python-requests"),
    (r"Python-urllib/", "python-urllib"),
    (r"aiohttp/", "aiohttp"),
    (r"Go-http-client/", "go-http-client"),
    (r"gobuster", "gobuster"),
    (r"feroxbuster", "feroxbuster"),
    (r"WPScan", "wpscan"),
)

#: Request patterns (decoded request line and body) typical of one tool.
REQUEST_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"/nmaplowercheck\d+|/NmapUpperCheck|/evox/about|/HNAP1|/nice ports,/Trinity\.txt\.bak", "nmap"),
    (r"/Nikto|nikto-test|/\w+\.(?:nsf|cfm)\b.*\bnikto", "nikto"),
    (r"\b(?:oast\.(?:fun|pro|live|site|online|me)|interact\.sh|interactsh)\b", "nuclei"),
    (r"AND \d+=\d+ AND \(SELECT|UNION ALL SELECT NULL(?:,NULL)+|\(SELECT \(CASE WHEN", "sqlmap"),
)

#: Known offensive tools (they add to the score).
OFFENSIVE = frozenset(
    {
        "nmap",
        "masscan",
        "zgrab",
        "nikto",
        "sqlmap",
        "nuclei",
        "hydra",
        "medusa",
        "metasploit",
        "empire",
        "gobuster",
        "feroxbuster",
        "wpscan",
    }
)

_compiled: dict[str, re.Pattern[str]] = {}


def _re(pattern: str) -> re.Pattern[str]:
    compiled = _compiled.get(pattern)
    if compiled is None:
        compiled = _compiled[pattern] = re.compile(pattern, re.IGNORECASE)
    return compiled


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool and the evidence it was recognised by."""

    name: str
    source: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"name": self.name, "source": self.source, "evidence": self.evidence}


def tools_of(feat: Features) -> list[Tool]:
    """Tools recognised in ``feat``, one entry per tool (first evidence wins), in a stable order."""
    found: dict[str, Tool] = {}

    def hit(name: str, source: str, evidence: str) -> None:
        found.setdefault(name, Tool(name, source, evidence[:200]))

    versions = list(feat.client_versions) + [v for k, v in feat.fingerprints if k == "ssh_client"]
    for version in versions:
        for pattern, name in SSH_CLIENTS:
            if _re(pattern).search(version):
                hit(name, "ssh_client_version", version)
    for kind, value in feat.fingerprints:
        if kind == "hassh" and value.lower() in HASSH:
            hit(HASSH[value.lower()], "hassh", value)
    for agent in feat.user_agents:
        for pattern, name in USER_AGENTS:
            if _re(pattern).search(agent):
                hit(name, "user_agent", agent)
    for text in feat.unique_requests():
        for pattern, name in REQUEST_PATTERNS:
            if _re(pattern).search(text):
                hit(name, "request_pattern", text)
    for tool in feat.download_tools:
        hit(tool.lower(), "shell_download", tool)
    return sorted(found.values(), key=lambda t: t.name)
