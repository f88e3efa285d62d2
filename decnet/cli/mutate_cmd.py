"""``decnet mutate --decky NAME | --all | --watch``: force mutations now, or keep the mutator running.

With a running constellation a forced mutation goes through the fleet operator (recorded in the
repository, applied by the decky's fleet agent); without one it is recorded and applied here, on
this host's deckies. ``--watch`` ensures the mutator worker runs (it rotates deckies on their
``mutate_interval``) and follows it.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from decnet.cli.common import fail, load_cli_settings, stdout

if TYPE_CHECKING:
    from decnet.config import Settings
    from decnet.mutator.apply import MutationOutcome


def _targets(settings: Settings, names: list[str] | None) -> list[str]:
    """The deckies to mutate: ``names``, or every decky meant to run."""
    from decnet.db import get_repository

    async def read() -> list[str]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            return [d.name for d in await repo.list_deckies() if d.desired_state == "running"]
        finally:
            await repo.close()

    known = asyncio.run(read())
    if names is None:
        return known
    unknown = sorted(set(names) - set(known))
    if unknown:
        fail(f"no running decky named {', '.join(unknown)} (see `decnet status`)", 2)
    return list(dict.fromkeys(names))


def _through_agents(settings: Settings, names: list[str]) -> list[MutationOutcome | str]:
    from cluster.operator import AgentFleetOperator

    operator = AgentFleetOperator(settings)
    out: list[MutationOutcome | str] = []
    for name in names:
        try:
            out.append(asyncio.run(operator.mutate(name)))
        except (KeyError, ValueError) as exc:
            out.append(f"{name}: {exc}")
    return out


def _here(settings: Settings, names: list[str]) -> list[MutationOutcome | str]:
    from decnet.cli.cluster_cmd import decky_host
    from decnet.db import get_repository
    from decnet.mutator.apply import apply_on_host, mutate_decky

    async def run() -> list[MutationOutcome | str]:
        repo = get_repository(settings)
        await repo.initialize()
        out: list[MutationOutcome | str] = []
        try:
            for name in names:
                try:
                    out.append(await mutate_decky(repo, name, "operator"))
                except (KeyError, ValueError) as exc:
                    out.append(f"{name}: {exc}")
            hosts = {o.host for o in out if not isinstance(o, str)}
            for host in sorted(hosts):
                if host != decky_host(settings):
                    stdout().print(f"deckies of {host} change when its fleet agent runs")
                    continue
                result = await apply_on_host(settings, repo, host)
                for decky, why in result.failed.items():
                    out.append(f"{decky}: redeploy failed: {why}")
        finally:
            await repo.close()
        return out

    return asyncio.run(run())


def _wait_running(settings: Settings, names: list[str], timeout: float = 120.0) -> dict[str, str]:
    from decnet.db import get_repository

    async def read() -> dict[str, str]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            return {d.name: d.actual_state for d in await repo.list_deckies() if d.name in names}
        finally:
            await repo.close()

    deadline = time.monotonic() + timeout
    time.sleep(1.0)  # let the agent start its pass (the state was "running" before it)
    while True:
        states = asyncio.run(read())
        if all(states.get(n) in ("running", "failed") for n in names) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def mutate_command(
    ctx: typer.Context,
    decky: Annotated[
        list[str] | None, typer.Option("--decky", help="Decky to mutate now (repeatable).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Mutate every running decky now.")] = False,
    watch: Annotated[
        bool,
        typer.Option("--watch", help="Ensure the mutator worker runs (scheduled rotation) and follow it."),
    ] = False,
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray cluster to join (default: DECNET_RAY_ADDRESS, else local)."),
    ] = None,
) -> None:
    """Rotate deckies' services now (trigger ``operator``), or run the scheduled mutator (--watch)."""
    if sum((bool(decky), all_, watch)) != 1:
        fail("give exactly one of --decky NAME, --all or --watch", 2)
    if watch:
        from decnet.cli.cluster_cmd import floating_worker_command

        floating_worker_command("mutator")(ctx, address=address, daemon=False)
        return
    settings = load_cli_settings(ctx)
    names = _targets(settings, None if all_ else list(decky or []))
    if not names:
        stdout().print("no running deckies")
        return
    from decnet.cli.fleet_cmd import _constellation

    agents = _constellation(settings)
    outcomes = _through_agents(settings, names) if agents else _here(settings, names)
    done = [o for o in outcomes if not isinstance(o, str)]
    states = _wait_running(settings, [o.decky for o in done]) if agents and done else {}
    _print(done, states)
    problems = [o for o in outcomes if isinstance(o, str)]
    if problems:
        fail("; ".join(problems))


def _print(done: list[Any], states: dict[str, str]) -> None:
    table = Table(title="Mutations", title_justify="left")
    for column in ("decky", "old services", "new services", "version roll", "state"):
        table.add_column(column)
    for outcome in done:
        table.add_row(
            outcome.decky,
            ",".join(outcome.old_services),
            ",".join(outcome.new_services),
            str(outcome.version_roll),
            states.get(outcome.decky, "applied"),
        )
    stdout().print(table)


def register(app: typer.Typer) -> None:
    """Add ``decnet mutate`` to the root app."""
    app.command("mutate")(mutate_command)
