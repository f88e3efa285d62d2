"""``decnet deploy | teardown | status | services | distros | archetypes``."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from decnet.cli.common import fail, load_cli_settings, stdout

if TYPE_CHECKING:
    from decnet.config import Settings
    from decnet.engine.base import DeckyStatus
    from decnet.engine.deployer import BackendName, FleetEngine
    from decnet.fleet.spec import FleetSpec

LOCAL_SUBNET = "127.77.0.0/24"


def _table(title: str, rows: list[dict[str, str]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in rows[0] if rows else []:
        table.add_column(column)
    for row in rows:
        table.add_row(*row.values())
    return table


def services_command() -> None:
    """List the service emulators and their default ports."""
    from decnet.fleet.listing import services_rows

    stdout().print(_table("Services", services_rows()))


def distros_command() -> None:
    """List the distro profiles (image, hostname style, banners)."""
    from decnet.fleet.listing import distros_rows

    stdout().print(_table("Distros", distros_rows()))


def archetypes_command() -> None:
    """List the archetypes (services, preferred distros, OS profile)."""
    from decnet.fleet.listing import archetypes_rows

    stdout().print(_table("Archetypes", archetypes_rows()))


def _engine(
    settings: Settings, backend: BackendName, interface: str | None, ipvlan: bool = False
) -> FleetEngine:
    from decnet.engine.deployer import FleetEngine

    return FleetEngine(settings, backend, interface, ipvlan=ipvlan)


def _record(
    settings: Settings, fleet: FleetSpec, statuses: list[DeckyStatus], hairpin_ip: str | None
) -> None:
    """Desired and actual state of the deployed deckies in the repository (as its fleet agent reads them)."""
    from decnet.db import get_repository
    from decnet.engine.reconcile import decky_record

    async def write() -> None:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            by_name = {s.name: s for s in statuses}
            for spec in fleet.deckies:
                await repo.upsert_decky(
                    spec.name,
                    host=settings.decky_host or os.uname().nodename,
                    spec=decky_record(spec, fleet, hairpin_ip),
                    desired_state="running",
                    ip=spec.ip,
                    mac=spec.mac,
                    hostname=spec.hostname,
                    backend=spec.backend,
                )
                status = by_name.get(spec.name)
                await repo.set_decky_actual_state(spec.name, status.state if status else "failed")
        finally:
            await repo.close()

    asyncio.run(write())


def _recorded(settings: Settings) -> dict[str, dict[str, Any]]:
    """Deckies the repository knows (any backend, any host): name -> ip, backend."""
    from decnet.db import get_repository

    async def read() -> dict[str, dict[str, Any]]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            return {d.name: {"ip": d.ip, "backend": d.backend} for d in await repo.list_deckies()}
        finally:
            await repo.close()

    return asyncio.run(read())


def _forget(settings: Settings, names: list[str]) -> None:
    from decnet.db import get_repository

    async def write() -> None:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            for name in names:
                await repo.delete_decky(name)
        finally:
            await repo.close()

    asyncio.run(write())


def deploy_command(
    ctx: typer.Context,
    deckies: Annotated[int, typer.Option("-n", "--deckies", help="How many deckies.")] = 3,
    interface: Annotated[
        str | None, typer.Option("-i", "--interface", help="Parent interface of the decoy LAN.")
    ] = None,
    subnet: Annotated[str | None, typer.Option("--subnet", help="Decoy subnet (CIDR).")] = None,
    gateway: Annotated[str | None, typer.Option("--gateway", help="Gateway of the subnet.")] = None,
    ip_start: Annotated[str | None, typer.Option("--ip-start", help="First address to allocate.")] = None,
    services: Annotated[str | None, typer.Option("--services", help="Services, e.g. ssh,http.")] = None,
    randomize_services: Annotated[bool, typer.Option("--randomize-services")] = False,
    distro: Annotated[
        str | None, typer.Option("--distro", help="Distros to cycle, e.g. debian,ubuntu22.")
    ] = None,
    randomize_distros: Annotated[bool, typer.Option("--randomize-distros")] = False,
    archetype: Annotated[str | None, typer.Option("-a", "--archetype")] = None,
    ipvlan: Annotated[
        bool, typer.Option("--ipvlan", help="ipvlan instead of macvlan (if the kernel has it).")
    ] = False,
    backend: Annotated[str, typer.Option("--backend", help="docker | netns | local")] = "docker",
    mode: Annotated[str, typer.Option("--mode", help="unihost | swarm")] = "unihost",
    mutate_interval: Annotated[int, typer.Option("--mutate-interval", help="Minutes (0: never).")] = 30,
    seed: Annotated[str | None, typer.Option("--seed", help="64 hex digits for a reproducible plan.")] = None,
    hairpin_ip: Annotated[
        str | None,
        typer.Option("--hairpin-ip", help="Host address on the decoy LAN (netns), to reach deckies."),
    ] = None,
    fleet_ini: Annotated[
        Path | None, typer.Option("-c", "--config", help="Fleet INI file instead of flags.", dir_okay=False)
    ] = None,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Decky host to deploy on (default: round-robin by free capacity)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and backend specs; change nothing.")
    ] = False,
) -> None:
    """Plan a fleet (from flags or an INI file) and deploy it with one backend."""
    settings = load_cli_settings(ctx)
    from decnet.config.errors import ConfigError
    from decnet.engine.base import BackendError
    from decnet.fleet.ini import load_fleet_ini
    from decnet.fleet.planner import plan_fleet

    if backend not in ("docker", "netns", "local"):
        fail(f"--backend: {backend!r}; expected docker, netns or local", 2)
    existing = _recorded(settings)
    taken_ips = sorted({d["ip"] for d in existing.values() if d["ip"]})
    if fleet_ini is None and subnet is None:
        if backend != "local":
            fail(f"--subnet is required with --backend {backend} (e.g. --subnet 192.168.50.0/24)", 2)
        subnet = LOCAL_SUBNET
    try:
        if fleet_ini is not None:
            fleet = load_fleet_ini(
                fleet_ini,
                seed=seed,
                backend=backend,
                interface=interface,
                in_use=taken_ips,
                host_addresses=[hairpin_ip] if hairpin_ip else [],
            )
        else:
            assert subnet is not None
            fleet = plan_fleet(
                deckies=deckies,
                subnet=subnet,
                gateway=gateway,
                interface=interface,
                ip_start=ip_start,
                services=services,
                randomize_services=randomize_services,
                distros=distro,
                randomize_distros=randomize_distros,
                archetype=archetype,
                mutate_interval=mutate_interval,
                backend=backend,
                mode=mode,
                ipvlan=ipvlan,
                seed=seed,
                host_addresses=[hairpin_ip] if hairpin_ip else [],
                in_use=taken_ips,
            )
    except ConfigError as exc:
        fail(str(exc), 2)
    clashes = sorted(d.name for d in fleet.deckies if d.name in existing)
    if clashes and not dry_run:
        fail(f"deckies {', '.join(clashes)} already exist; tear them down first or choose other names", 2)
    engine = _engine(settings, backend, interface or fleet.interface, fleet.ipvlan)  # type: ignore[arg-type]
    try:
        plans = engine.plan(fleet)
    except BackendError as exc:
        fail(str(exc), 2)
    if dry_run:
        doc: dict[str, Any] = {
            "fleet": {"net": fleet.net, "gateway": fleet.gateway, "backend": backend, "seed": fleet.seed},
            "deckies": [
                {
                    "name": p.spec.name,
                    "ip": p.spec.ip,
                    "mac": p.spec.mac,
                    "hostname": p.spec.hostname,
                    "distro": p.spec.distro,
                    "os_profile": p.spec.os_profile,
                    "services": p.spec.services,
                    "persona": {k: p.runtime["persona"][k] for k in ("ssh_banner", "http_server", "kernel")},
                    backend: p.backend_spec,
                }
                for p in plans
            ],
        }
        typer.echo(json.dumps(doc, indent=2, default=str))
        return
    if _constellation(settings):
        if host:
            fleet = fleet.model_copy(
                update={"deckies": [d.model_copy(update={"host": host}) for d in fleet.deckies]}
            )
        _deploy_through_agents(settings, fleet, hairpin_ip)
        return
    if host:
        fail("--host needs a running constellation (decnet up)", 2)
    statuses: list[DeckyStatus] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}")
    ) as bar:
        task = bar.add_task(f"deploying {len(plans)} deckies ({backend})", total=len(plans))

        def advance(name: str, status: DeckyStatus) -> None:
            statuses.append(status)
            bar.update(task, advance=1, description=f"{name}: {status.state}")

        try:
            engine.deploy(fleet, hairpin_ip=hairpin_ip, progress=advance)
        except BackendError as exc:
            _record(settings, fleet, statuses, hairpin_ip)
            fail(f"{exc} ({len(statuses)} of {len(plans)} deckies up; `decnet teardown --all` removes them)")
    _record(settings, fleet, statuses, hairpin_ip)
    _print_status(statuses)


def _constellation(settings: Settings) -> bool:
    """True if a constellation is reachable: deploy and teardown then go through the fleet agents."""
    from decnet.cli.cluster_cmd import _join_running, _use_token_auth

    _use_token_auth()
    return _join_running(settings, None)


def _wait_for_states(
    settings: Settings, names: list[str], done: Any, what: str, timeout: float = 600
) -> dict[str, Any]:
    """Poll the repository until ``done(states)`` holds, with a progress bar; return the states."""
    import time

    from decnet.db import get_repository

    async def read() -> dict[str, Any]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            return {d.name: d.actual_state for d in await repo.list_deckies() if d.name in names}
        finally:
            await repo.close()

    deadline = time.monotonic() + timeout
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}")
    ) as bar:
        task = bar.add_task(what, total=len(names))
        while True:
            states = asyncio.run(read())
            finished = done(states)
            bar.update(task, completed=finished)
            if finished >= len(names) or time.monotonic() > deadline:
                return states
            time.sleep(0.5)


def _deploy_through_agents(settings: Settings, fleet: FleetSpec, hairpin_ip: str | None) -> None:
    from cluster.bootstrap import ensure_worker
    from cluster.operator import AgentFleetOperator
    from decnet.cli.cluster_cmd import decky_host

    ensure_worker("fleet_agent", settings, decky_host(settings))  # the one code path that starts workers
    asyncio.run(AgentFleetOperator(settings, hairpin_ip).deploy(fleet))
    names = [d.name for d in fleet.deckies]
    states = _wait_for_states(
        settings,
        names,
        lambda s: sum(1 for n in names if s.get(n) in ("running", "failed")),
        f"fleet agents deploying {len(names)} deckies",
    )
    rows = [{"name": n, "state": str(states.get(n, "unknown"))} for n in names]
    stdout().print(_table("Deckies (through the fleet agents)", rows))
    failed = [n for n in names if states.get(n) != "running"]
    if failed:
        fail(f"not running: {', '.join(failed)} (see `decnet workers` and the agent's log)")


def _print_status(statuses: list[DeckyStatus]) -> None:
    rows = [
        {"name": s.name, "backend": s.backend, "state": s.state, "ip": s.ip or "-", "detail": s.detail or "-"}
        for s in statuses
    ]
    if rows:
        stdout().print(_table("Deckies", rows))
    else:
        stdout().print("no deckies")


def teardown_command(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Every decky of the backend.")] = False,
    decky_id: Annotated[list[str] | None, typer.Option("--id", help="Decky name (repeatable).")] = None,
    backend: Annotated[str, typer.Option("--backend", help="docker | netns | local")] = "docker",
    interface: Annotated[str | None, typer.Option("-i", "--interface")] = None,
) -> None:
    """Remove deckies and everything deploy created for them."""
    settings = load_cli_settings(ctx)
    from decnet.engine.base import BackendError

    if all_ == bool(decky_id):
        fail("give exactly one of --all or --id NAME", 2)
    if _constellation(settings):
        _teardown_through_agents(settings, None if all_ else list(decky_id or []), backend)
        return
    engine = _engine(settings, backend, interface)  # type: ignore[arg-type]
    try:
        targets = engine.deployed() if all_ else list(decky_id or [])
        with Progress(TextColumn("{task.description}"), BarColumn()) as bar:
            task = bar.add_task(f"tearing down {len(targets)} deckies", total=max(len(targets), 1))
            removed = engine.teardown(None if all_ else targets)
            bar.update(task, completed=max(len(targets), 1))
    except BackendError as exc:
        fail(str(exc))
    _forget(settings, removed)
    stdout().print(f"removed {len(removed)} deckies: {', '.join(removed) or '-'}")


def _teardown_through_agents(settings: Settings, names: list[str] | None, backend: str) -> None:
    """Mark deckies absent; their agents tear them down and forget them."""
    import ray

    from cluster.operator import agent_hosts
    from cluster.placement import actor_name
    from decnet.db import get_repository
    from decnet.engine.reconcile import request_teardown

    async def mark() -> list[str]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            targets = (
                names
                if names is not None
                else [d.name for d in await repo.list_deckies() if d.backend == backend]
            )
            return await request_teardown(repo, targets)
        finally:
            await repo.close()

    marked = asyncio.run(mark())
    for host in agent_hosts():
        ray.get_actor(actor_name("fleet_agent", host), namespace="decnet").reconcile_now.remote(0.0)
    states = _wait_for_states(
        settings,
        marked,
        lambda s: sum(1 for n in marked if n not in s),
        f"tearing down {len(marked)} deckies",
    )
    left = [n for n in marked if n in states]
    if left:
        fail(f"still there: {', '.join(left)}")
    stdout().print(f"removed {len(marked)} deckies: {', '.join(marked) or '-'}")


def status_command(
    ctx: typer.Context,
    backend: Annotated[str, typer.Option("--backend", help="docker | netns | local")] = "docker",
    interface: Annotated[str | None, typer.Option("-i", "--interface")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Name, IP, MAC, hostname, OS, services, backend and state of each decky."""
    settings = load_cli_settings(ctx)
    from decnet.db import get_repository
    from decnet.engine.base import BackendError

    async def read() -> list[Any]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            return list(await repo.list_deckies())
        finally:
            await repo.close()

    recorded = {d.name: d for d in asyncio.run(read())}
    try:
        live = {s.name: s for s in _engine(settings, backend, interface).status()}  # type: ignore[arg-type]
    except BackendError as exc:
        fail(str(exc))
    rows = []
    for name in sorted(set(recorded) | set(live)):
        decky = recorded.get(name)
        spec: dict[str, Any] = decky.spec if decky is not None else {}
        rows.append(
            {
                "name": name,
                "ip": (decky.ip if decky else None) or (live[name].ip if name in live else "-") or "-",
                "mac": (decky.mac if decky else None) or "-",
                "hostname": (decky.hostname if decky else None) or "-",
                "os": f"{spec.get('os_profile', '-')}/{spec.get('distro', '-')}",
                "services": ",".join(spec.get("services", [])) or "-",
                "backend": (decky.backend if decky else None) or backend,
                "state": live[name].state if name in live else "missing",
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif rows:
        stdout().print(_table("Deckies", rows))
    else:
        stdout().print("no deckies")


def register(app: typer.Typer) -> None:
    """Add the fleet commands to the root app."""
    app.command("deploy")(deploy_command)
    app.command("teardown")(teardown_command)
    app.command("status")(status_command)
    app.command("services")(services_command)
    app.command("distros")(distros_command)
    app.command("archetypes")(archetypes_command)
