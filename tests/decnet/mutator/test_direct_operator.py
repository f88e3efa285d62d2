"""The no-Ray fleet operator applies an operator's mutation itself: the decky comes back with the
new services on the same address."""

from __future__ import annotations

import json
import os

import pytest

from decnet.engine.local import LocalBackend
from decnet.fleet.planner import plan_fleet
from decnet.web.direct_operator import DirectFleetOperator
from decnet.web.operator import FleetMutationOperator

from .conftest import HOST, Stack

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="deckies bind port 80 on 127.x (root)")


async def test_direct_operator_mutates_and_redeploys(stack: Stack) -> None:
    operator = DirectFleetOperator(stack.settings, stack.repo, host=HOST)
    assert isinstance(operator, FleetMutationOperator)
    fleet = plan_fleet(
        deckies=1, subnet="127.89.0.0/24", services="http", archetype="web-server", seed="e7" * 32,
        backend="local", name_prefix="direct",
    )  # fmt: skip
    name = fleet.deckies[0].name
    try:
        await operator.deploy(fleet)
        await operator.wait_idle()
        backend = LocalBackend(stack.settings.data_dir / "engine" / "local")
        first_pid = backend.status(name).pid
        assert first_pid is not None
        outcome = await operator.mutate(name)
        await operator.wait_idle()
        runtime = json.loads((stack.settings.data_dir / "deckies" / name / "runtime.json").read_text())
        assert list(runtime["services"]) == outcome.new_services and outcome.old_services == ["http"]
        assert runtime["bind_host"] == fleet.deckies[0].ip
        status = backend.status(name)
        assert status.state == "running" and status.pid != first_pid
        decky = await stack.repo.get_decky(name)
        assert decky is not None and decky.actual_state == "running"
    finally:
        await operator.aclose()
