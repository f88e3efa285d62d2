"""``POST /api/v1/deckies/{name}/mutate`` (admin) and ``GET /api/v1/mutations``."""

from __future__ import annotations

from pathlib import Path

import pytest

from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec
from decnet.mutator import rotation
from decnet.mutator.apply import MutationOutcome, mutate_decky
from decnet.web.app import create_app
from decnet.web.operator import FleetMutationOperator
from tests.decnet.web.conftest import ADMIN_PASSWORD, Running, bearer, login, make_settings, running


async def _deckies(repo: object, archetype: str = "web-server") -> list[str]:
    fleet = plan_fleet(
        deckies=2, subnet="10.9.0.0/24", services="http", archetype=archetype, seed="cd" * 32, backend="local"
    )
    for decky in fleet.deckies:
        await repo.upsert_decky(  # type: ignore[attr-defined]
            decky.name, host="host-a", spec=decky.model_dump(mode="json"), ip=decky.ip, mac=decky.mac
        )
    return [d.name for d in fleet.deckies]


async def test_an_admin_forces_a_mutation_recorded_for_the_agent(web: Running) -> None:
    first, _ = await _deckies(web.repo)
    response = await web.client.post(f"/api/v1/deckies/{first}/mutate", headers=web.admin)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["decky"] == first and body["old_services"] == ["http"] and body["trigger"] == "operator"
    assert set(body["new_services"]) != {"http"} and body["version_roll"] == 1
    stored = await web.repo.get_decky(first)
    assert stored is not None and stored.spec["services"] == body["new_services"]
    before = plan_fleet(
        deckies=2,
        subnet="10.9.0.0/24",
        services="http",
        archetype="web-server",
        seed="cd" * 32,
        backend="local",
    ).deckies[0]
    for field in ("ip", "mac", "hostname", "seed", "distro"):
        assert stored.spec[field] == getattr(before, field)
    assert stored.spec["version_roll"] == 1
    history = (await web.client.get("/api/v1/mutations", headers=web.viewer)).json()
    assert [(h["decky"], h["trigger"], h["new_services"]) for h in history] == [
        (first, "operator", body["new_services"])
    ]
    assert (await web.client.get("/api/v1/mutations?decky=other", headers=web.viewer)).json() == []
    events = [s.event for s in await web.repo.events_after(0)]
    assert [(e.decky, e.event_type, e.fields["trigger"]) for e in events] == [
        (first, "decky_mutated", "operator")
    ]


async def test_roles_and_errors(web: Running) -> None:
    first, second = await _deckies(web.repo)
    assert (await web.client.post(f"/api/v1/deckies/{first}/mutate")).status_code == 401
    assert (await web.client.post(f"/api/v1/deckies/{first}/mutate", headers=web.viewer)).status_code == 403
    assert (await web.client.post("/api/v1/deckies/nosuch/mutate", headers=web.admin)).status_code == 404
    decky = await web.repo.get_decky(second)
    assert decky is not None
    await web.repo.upsert_decky(second, host="host-a", spec=decky.spec, desired_state="absent")
    gone = await web.client.post(f"/api/v1/deckies/{second}/mutate", headers=web.admin)
    assert gone.status_code == 409 and "absent" in gone.json()["detail"]
    assert await web.repo.list_mutations() == []


class RecordingOperator:
    """A FleetMutationOperator (and FleetOperator) that mutates in its repository and remembers."""

    def __init__(self, fail: bool = False) -> None:
        self.repo: object = None
        self.mutated: list[str] = []
        self.fail = fail

    async def deploy(self, fleet: FleetSpec) -> str:
        return "op"

    async def mutate(self, name: str) -> MutationOutcome:
        if self.fail:
            raise RuntimeError("agent unreachable")
        self.mutated.append(name)
        return await mutate_decky(self.repo, name, "operator")  # type: ignore[arg-type]


async def test_the_fleet_operator_applies_it_and_its_failure_is_a_502(tmp_path: Path) -> None:
    operator = RecordingOperator()
    assert isinstance(operator, FleetMutationOperator)
    app = create_app(make_settings(tmp_path), fleet_operator=operator)
    async with running(app) as client:
        operator.repo = app.state.repo
        first, _ = await _deckies(app.state.repo)
        admin = bearer(await login(client, "admin", ADMIN_PASSWORD))
        response = await client.post(f"/api/v1/deckies/{first}/mutate", headers=admin)
        assert response.status_code == 202 and operator.mutated == [first]
        operator.fail = True
        failed = await client.post(f"/api/v1/deckies/{first}/mutate", headers=admin)
        assert failed.status_code == 502 and failed.json()["detail"] == "fleet operator error"


async def test_a_decky_with_no_other_service_set_is_a_conflict(
    web: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = await _deckies(web.repo)
    monkeypatch.setattr(rotation, "runnable_services", lambda: {"http"})  # the pool offers only http
    response = await web.client.post(f"/api/v1/deckies/{first}/mutate", headers=web.admin)
    assert response.status_code == 409 and "no service set other than" in response.json()["detail"]
