"""``/api/v1/deckies``: the stored fleet, and deployments validated by the planner then handed over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from decnet.fleet.planner import plan_fleet
from decnet.web.app import create_app
from tests.decnet.web.conftest import (
    ADMIN_PASSWORD,
    FakeOperator,
    Running,
    bearer,
    login,
    make_settings,
    running,
)

DECKIES = "/api/v1/deckies"
SEED = "ab" * 32
INI = """\
[general]
net = 192.168.1.0/24
gw = 192.168.1.1

[web-01]
ip = 192.168.1.110
services = ssh, http
os = linux

[corp]
archetype = windows-workstation
amount = 2
"""


async def test_list_deckies(web: Running) -> None:
    assert (await web.client.get(DECKIES, headers=web.viewer)).json() == []
    spec = plan_fleet(deckies=2, subnet="10.9.0.0/24", services="ssh,http", seed=SEED, backend="local")
    for decky in spec.deckies:
        await web.repo.upsert_decky(
            decky.name,
            host="host-a",
            spec=decky.model_dump(mode="json"),
            ip=decky.ip,
            mac=decky.mac,
            hostname=decky.hostname,
            backend=decky.backend,
        )
    await web.repo.set_decky_actual_state("decky-02", "running")
    rows = (await web.client.get(DECKIES, headers=web.viewer)).json()
    assert [r["name"] for r in rows] == ["decky-01", "decky-02"]
    first = spec.deckies[0]
    assert rows[0] | {"updated_at": None} == {
        "name": "decky-01",
        "host": "host-a",
        "ip": first.ip,
        "mac": first.mac,
        "hostname": first.hostname,
        "backend": "local",
        "desired_state": "running",
        "actual_state": "unknown",
        "services": ["ssh", "http"],
        "os": first.os_profile,
        "distro": first.distro,
        "archetype": None,
        "updated_at": None,
    }
    assert rows[1]["actual_state"] == "running"


async def test_a_decky_with_an_odd_spec_still_lists(web: Running) -> None:
    await web.repo.upsert_decky("odd", host="h", spec={"services": "ssh", "os_profile": 7})
    (row,) = (await web.client.get(DECKIES, headers=web.viewer)).json()
    assert (row["services"], row["os"], row["ip"]) == ([], None, None)


async def test_deploy_from_parameters(web: Running) -> None:
    body = {
        "deckies": 3,
        "subnet": "10.20.0.0/24",
        "services": ["ssh", "http"],
        "seed": SEED,
        "backend": "local",
    }
    response = await web.client.post(DECKIES, headers=web.admin, json=body)
    assert response.status_code == 202, response.text
    accepted = response.json()
    op_id = accepted.pop("operation_id")
    assert accepted == {"deckies": ["decky-01", "decky-02", "decky-03"], "seed": SEED}
    status = (await web.client.get(f"/api/v1/operations/{op_id}", headers=web.viewer)).json()
    assert (status["kind"], status["state"], status["created_by"]) == ("deploy", "running", "admin")
    assert status["deckies"] == ["decky-01", "decky-02", "decky-03"]
    (fleet,) = web.operator.fleets
    assert fleet == plan_fleet(
        deckies=3, subnet="10.20.0.0/24", services=["ssh", "http"], seed=SEED, backend="local"
    )
    assert [d.ip for d in fleet.deckies] == ["10.20.0.2", "10.20.0.3", "10.20.0.4"]


async def test_deploy_options_reach_the_planner(web: Running) -> None:
    body = {
        "deckies": 2,
        "subnet": "10.30.0.0/24",
        "archetype": "database-server",
        "exclude": ["10.30.0.2-10.30.0.9"],
        "name_prefix": "db",
        "mutate_interval": 0,
        "interface": "eth1",
    }
    response = await web.client.post(DECKIES, headers=web.admin, json=body)
    assert response.status_code == 202, response.text
    fleet = web.operator.fleets[0]
    assert [(d.name, d.ip, d.archetype, d.mutate_interval) for d in fleet.deckies] == [
        ("db-01", "10.30.0.10", "database-server", 0),
        ("db-02", "10.30.0.11", "database-server", 0),
    ]
    assert fleet.interface == "eth1" and fleet.backend == "docker"


async def test_deploy_from_ini(web: Running) -> None:
    response = await web.client.post(DECKIES, headers=web.admin, json={"ini": INI, "seed": SEED})
    assert response.status_code == 202, response.text
    assert response.json()["deckies"] == ["web-01", "corp-01", "corp-02"]
    fleet = web.operator.fleets[0]
    assert fleet.decky("web-01").ip == "192.168.1.110" and fleet.seed == SEED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"deckies": 2, "subnet": "10.0.0.0/24", "services": ["sshx"]}, "unknown service 'sshx'"),
        ({"deckies": 2, "subnet": "10.0.0.0/33", "services": ["ssh"]}, "10.0.0.0/33"),
        ({"deckies": 2, "subnet": "10.0.0.0/24"}, "no services"),
        ({"deckies": 2, "subnet": "10.0.0.0/24", "archetype": "toaster"}, "unknown archetype 'toaster'"),
        ({"deckies": 9, "subnet": "10.0.0.0/29", "services": ["ssh"]}, "free"),
        ({"deckies": 2, "subnet": "10.0.0.0/24", "services": ["ssh"], "ip_start": "10.1.0.5"}, "outside"),
        ({"ini": "[general]\nnet = 10.0.0.0/24\n\n[d1]\nservices = ssh\nbogus = 1\n"}, "ini [d1] bogus"),
        ({"ini": "not an ini file"}, "ini: "),
    ],
)
async def test_planner_errors_are_422_with_its_message(
    web: Running, body: dict[str, Any], message: str
) -> None:
    response = await web.client.post(DECKIES, headers=web.admin, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()
    assert message in detail["detail"], detail
    assert detail["problems"] and all(isinstance(p, str) for p in detail["problems"])
    assert web.operator.fleets == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"deckies": 2},
        {"subnet": "10.0.0.0/24"},
        {"deckies": 0, "subnet": "10.0.0.0/24", "services": ["ssh"]},
        {"deckies": 5000, "subnet": "10.0.0.0/16", "services": ["ssh"]},
        {"deckies": 2, "subnet": "10.0.0.0/24", "services": ["ssh"], "backend": "vmware"},
        {"deckies": 2, "subnet": "10.0.0.0/24", "services": ["ssh"], "surprise": 1},
        {"ini": INI, "deckies": 2},
        {"ini": "x" * 1_000_001},
    ],
)
async def test_malformed_bodies_are_422(web: Running, body: dict[str, Any]) -> None:
    response = await web.client.post(DECKIES, headers=web.admin, json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    assert web.operator.fleets == []


async def test_without_an_operator_it_is_503(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    async with running(app) as client:
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        body = {"deckies": 1, "subnet": "10.0.0.0/24", "services": ["ssh"]}
        response = await client.post(DECKIES, headers=admin, json=body)
        assert response.status_code == 503 and response.json() == {"detail": "no fleet agent"}
        bad = await client.post(DECKIES, headers=admin, json={**body, "services": ["nope"]})
        assert bad.status_code == 422  # validation comes first


async def test_a_failing_operator_is_502(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), fleet_operator=FakeOperator(fail=True))
    async with running(app) as client:
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        body = {"deckies": 1, "subnet": "10.0.0.0/24", "services": ["ssh"]}
        response = await client.post(DECKIES, headers=admin, json=body)
        assert response.status_code == 502 and response.json() == {"detail": "fleet agent error"}
        assert "unreachable" not in response.text
