"""Deploy and teardown as operations: state and progress follow the deckies' actual states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from decnet.web.operations import OPERATION_TIMEOUT_S, assess
from tests.decnet.web.conftest import FakeOperator, Running

DEPLOY = {"deckies": 2, "subnet": "10.20.0.0/24", "services": ["ssh"], "backend": "local"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_assess_deploy_and_teardown() -> None:
    names = ["a", "b"]
    assert assess("deploy", names, {"a": "deploying", "b": "unknown"}, T0, T0) == ("running", 0.0, None)
    assert assess("deploy", names, {"a": "running", "b": "deploying"}, T0, T0) == ("running", 0.5, None)
    assert assess("deploy", names, {"a": "running", "b": "running"}, T0, T0) == ("succeeded", 1.0, None)
    assert assess("deploy", names, {"a": "running", "b": "failed"}, T0, T0) == ("failed", 0.5, "failed: b")
    assert assess("teardown", names, {"a": "running"}, T0, T0) == ("running", 0.5, None)
    assert assess("teardown", names, {}, T0, T0) == ("succeeded", 1.0, None)
    late = T0 + timedelta(seconds=OPERATION_TIMEOUT_S + 1)
    assert assess("deploy", names, {}, late, T0) == ("failed", 0.0, "timed out")


async def test_a_deploy_operation_follows_the_deckies(web: Running) -> None:
    accepted = (await web.client.post("/api/v1/deckies", headers=web.admin, json=DEPLOY)).json()
    url = f"/api/v1/operations/{accepted['operation_id']}"
    names = accepted["deckies"]
    for name in names:  # what the fleet agent does
        await web.repo.upsert_decky(name, host="h", spec={"services": ["ssh"]})
    await web.repo.set_decky_actual_state(names[0], "running")
    status = (await web.client.get(url, headers=web.viewer)).json()
    assert (status["state"], status["progress"]) == ("running", 0.5)
    await web.repo.set_decky_actual_state(names[1], "running")
    status = (await web.client.get(url, headers=web.viewer)).json()
    assert (status["state"], status["progress"], status["error"]) == ("succeeded", 1.0, None)
    assert status["finished_at"] is not None
    await web.repo.set_decky_actual_state(names[1], "failed")  # finished operations stay finished
    assert (await web.client.get(url, headers=web.viewer)).json()["state"] == "succeeded"
    listed = (await web.client.get("/api/v1/operations", headers=web.viewer)).json()
    assert [op["id"] for op in listed] == [accepted["operation_id"]]


async def test_a_refused_deploy_is_a_failed_operation(web: Running) -> None:
    web.operator.fail = True
    assert (await web.client.post("/api/v1/deckies", headers=web.admin, json=DEPLOY)).status_code == 502
    (op,) = (await web.client.get("/api/v1/operations", headers=web.viewer)).json()
    assert (op["state"], op["error"]) == ("failed", "fleet agent error")


async def test_teardown_without_an_operator_teardown_marks_absent(web: Running) -> None:
    await web.repo.upsert_decky("d1", host="h", spec={"services": ["ssh"]})
    assert isinstance(web.operator, FakeOperator) and not hasattr(web.operator, "teardown")
    response = await web.client.delete("/api/v1/deckies/d1", headers=web.admin)
    assert response.status_code == 202 and response.json()["deckies"] == ["d1"]
    decky = await web.repo.get_decky("d1")
    assert decky is not None and decky.desired_state == "absent"
    url = f"/api/v1/operations/{response.json()['operation_id']}"
    assert (await web.client.get(url, headers=web.viewer)).json()["state"] == "running"
    await web.repo.delete_decky("d1")  # the agent converged
    assert (await web.client.get(url, headers=web.viewer)).json()["state"] == "succeeded"


async def test_decky_detail_has_persona_and_realism(web: Running) -> None:
    from decnet.db.models import Mutation, ProbeResult

    spec = {"services": ["ssh"], "os_profile": "linux", "hostname": "web01", "_fleet": {"net": "10.0.0.0/24"}}
    await web.repo.upsert_decky("d1", host="h", spec=spec)
    await web.repo.add_probe_results(
        [ProbeResult(decky="d1", check_name="banner", passed=False, evidence="<b>odd</b>", checked_at=T0)]
    )
    await web.repo.add_mutations(
        [Mutation(decky="d1", old_services=["ssh"], new_services=["ssh", "http"], trigger="timer", at=T0)]
    )
    detail = (await web.client.get("/api/v1/deckies/d1", headers=web.viewer)).json()
    assert detail["persona"] == {"services": ["ssh"], "os_profile": "linux", "hostname": "web01"}
    assert detail["realism"][0]["evidence"] == "<b>odd</b>" and detail["realism"][0]["passed"] is False
    assert detail["mutations"][0]["new_services"] == ["ssh", "http"]
    assert (await web.client.get("/api/v1/deckies/nope", headers=web.viewer)).status_code == 404
