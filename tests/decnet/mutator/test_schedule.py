"""The schedule: deckies mutate every ``mutate_interval`` units (compressed to seconds here)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from decnet.fleet.planner import plan_fleet
from decnet.mutator.schedule import Schedule, load_schedule, scheduled_pass

from .conftest import Stack

AVAILABLE = {"ssh", "http", "https"}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def test_deckies_rotate_on_their_own_intervals(stack: Stack) -> None:
    fast = plan_fleet(
        deckies=1,
        subnet="10.60.0.0/24",
        services="http",
        archetype="linux-server",
        mutate_interval=2,
        seed="31" * 32,
        backend="local",
        name_prefix="fast",
    )
    slow = plan_fleet(
        deckies=1,
        subnet="10.60.0.0/24",
        ip_start="10.60.0.50",
        services="ssh",
        archetype="linux-server",
        mutate_interval=5,
        seed="32" * 32,
        backend="local",
        name_prefix="slow",
    )
    never = plan_fleet(
        deckies=1,
        subnet="10.60.0.0/24",
        ip_start="10.60.0.90",
        services="ssh",
        archetype="linux-server",
        mutate_interval=0,
        seed="33" * 32,
        backend="local",
        name_prefix="never",
    )
    for fleet in (fast, slow, never):
        await stack.desire(fleet)
    schedule = await load_schedule(stack.repo, unit_s=1.0)
    mutated: dict[str, list[datetime]] = {}
    for second in range(0, 11):
        now = T0 + timedelta(seconds=second)
        result = await scheduled_pass(stack.repo, schedule, now, available=AVAILABLE)
        assert not result.failed
        for outcome in result.mutated:
            assert outcome.trigger == "scheduled" and outcome.host == "muthost"
            mutated.setdefault(outcome.decky, []).append(now)
    at = [(t - T0).seconds for t in mutated["fast-01"]]
    assert at == [2, 4, 6, 8, 10]
    assert [(t - T0).seconds for t in mutated["slow-01"]] == [5, 10]
    assert "never-01" not in mutated
    rows = await stack.repo.list_mutations(decky="fast-01")
    assert len(rows) == 5 and all(r.trigger == "scheduled" for r in rows)
    for newer, older in itertools.pairwise(rows):
        assert newer.old_services == older.new_services
        assert set(newer.new_services) != set(newer.old_services)
    decky = await stack.repo.get_decky("fast-01")
    assert decky is not None and decky.spec["version_roll"] == 5
    assert decky.spec["services"] == rows[0].new_services
    assert decky.ip == fast.deckies[0].ip and decky.spec["mac"] == fast.deckies[0].mac
    events = [s.event for s in await stack.repo.events_after(0)]
    mutated_events = [e for e in events if e.event_type == "decky_mutated"]
    assert len(mutated_events) == 7
    assert {e.fields["trigger"] for e in mutated_events} == {"scheduled"}


async def test_a_restarted_scheduler_resumes_from_the_last_mutation(stack: Stack) -> None:
    fleet = plan_fleet(
        deckies=1,
        subnet="10.60.0.0/24",
        services="http",
        archetype="web-server",
        mutate_interval=3,
        seed="34" * 32,
        backend="local",
        name_prefix="rs",
    )
    await stack.desire(fleet)
    first = await load_schedule(stack.repo, unit_s=1.0)
    await scheduled_pass(stack.repo, first, T0, available=AVAILABLE)
    assert (await scheduled_pass(stack.repo, first, T0 + timedelta(seconds=3), available=AVAILABLE)).mutated
    again = await load_schedule(stack.repo, unit_s=1.0)
    assert again.started["rs-01"] == T0 + timedelta(seconds=3)
    assert not (
        await scheduled_pass(stack.repo, again, T0 + timedelta(seconds=5), available=AVAILABLE)
    ).mutated
    assert (await scheduled_pass(stack.repo, again, T0 + timedelta(seconds=6), available=AVAILABLE)).mutated


async def test_an_operator_mutation_restarts_the_clock_and_a_stuck_decky_waits(stack: Stack) -> None:
    from decnet.mutator.apply import mutate_decky

    fleet = plan_fleet(
        deckies=2,
        subnet="10.60.0.0/24",
        services="http",
        archetype="web-server",
        mutate_interval=4,
        seed="35" * 32,
        backend="local",
        name_prefix="op",
    )
    await stack.desire(fleet)
    schedule = Schedule(unit_s=1.0)
    await scheduled_pass(stack.repo, schedule, T0, available=AVAILABLE)
    await mutate_decky(stack.repo, "op-01", "operator", available=AVAILABLE, now=T0 + timedelta(seconds=3))
    result = await scheduled_pass(stack.repo, schedule, T0 + timedelta(seconds=4), available={"http"})
    assert [m.decky for m in result.mutated] == []
    assert list(result.failed) == ["op-02"]  # only http can run: no other set exists
    result = await scheduled_pass(stack.repo, schedule, T0 + timedelta(seconds=7), available=AVAILABLE)
    assert [m.decky for m in result.mutated] == ["op-01"]
    triggers = [m.trigger for m in await stack.repo.list_mutations(decky="op-01")]
    assert triggers == ["scheduled", "operator"]
