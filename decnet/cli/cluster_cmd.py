"""``decnet up | down | collect | workers``: the constellation on Ray.

Every command that needs a worker goes through ``cluster.bootstrap.ensure_worker``, so there
is exactly one code path however a worker is started, and asking twice never makes a second
copy. The Ray layer is imported inside the commands (``decnet`` never imports it at module
level).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from decnet.cli.common import fail, load_cli_settings, stdout

if TYPE_CHECKING:
    from decnet.config import Settings

#: Marker written when ``decnet up`` started the local Ray head (so ``down`` stops only that).
STARTED_MARKER = "ray-head.started"


def _use_token_auth() -> None:
    """Token authentication on every Ray connection this command makes (before Ray is imported)."""
    os.environ.setdefault("RAY_AUTH_MODE", "token")


def decky_host(settings: Settings) -> str:
    """This machine's decky-host name."""
    return settings.decky_host or os.uname().nodename


def _ray_bin() -> str:
    candidate = Path(sys.executable).with_name("ray")
    return str(candidate) if candidate.exists() else (shutil.which("ray") or "ray")


def _ray_env(settings: Settings | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if settings is not None and settings.ray_bind_guard:
        from cluster.bindguard import BindGuardError, guard_env

        try:
            env = guard_env(settings.ray_node_ip, env)
        except BindGuardError as exc:
            raise RuntimeError(str(exc)) from None
    env.setdefault("RAY_AUTH_MODE", "token")  # token authentication on every Ray connection
    env.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    return env


def _guard_driver(settings: Settings) -> None:
    """Re-run this ``decnet`` command under the bind guard, so the driver's own Ray ports are pinned too.

    Only a real ``decnet`` process is re-run (not an embedding program such as a test runner).
    """
    if not settings.ray_bind_guard:
        return
    from cluster.bindguard import BindGuardError, guard_env, is_guarded

    if is_guarded(settings.ray_node_ip):
        return
    program = sys.argv[0] if sys.argv else ""
    if not (Path(program).name == "decnet" or program.endswith(os.path.join("decnet", "cli", "__main__.py"))):
        return
    try:
        env = guard_env(settings.ray_node_ip)
    except BindGuardError as exc:
        fail(str(exc))
    os.execve(sys.executable, [sys.executable, "-m", "decnet.cli", *sys.argv[1:]], env)  # noqa: S606


def _node_ip_for(settings: Settings, target: str) -> str:
    """The node address this driver joins ``target`` with; a loopback one only for a local head."""
    host = target.rsplit(":", 1)[0].removeprefix("ray://")
    if host.startswith(("127.", "localhost")) or host == "auto":
        return settings.ray_node_ip
    if settings.ray_node_ip.startswith("127."):
        raise RuntimeError(
            f"joining {target} needs this host's management address: set DECNET_RAY_NODE_IP "
            "(it is also where this host's Ray ports listen)"
        )
    return settings.ray_node_ip


def ensure_ray_token() -> Path | None:
    """Make sure Ray's token exists (a new head needs one); return the file if this created it.

    The token comes from ``RAY_AUTH_TOKEN``, ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``;
    a generated one is 256 random bits, readable by its owner only.
    """
    if os.environ.get("RAY_AUTH_TOKEN"):
        return None
    path = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path


def start_local_head(settings: Settings) -> str:
    """Start a single-host Ray head bound to loopback, advertising this decky host; return its address."""
    host = decky_host(settings)
    address = f"{settings.ray_node_ip}:{settings.ray_port}"
    command = [
        _ray_bin(),
        "start",
        "--head",
        "--port",
        str(settings.ray_port),
        "--node-ip-address",
        settings.ray_node_ip,
        "--include-dashboard",
        "false",
        "--disable-usage-stats",
        "--resources",
        json.dumps({f"decnet_host:{host}": 1}),
    ]
    created = ensure_ray_token()
    if created is not None:
        stdout().print(f"generated the Ray auth token in {created} (copy it to every other Ray node)")
    env = _ray_env(settings)
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)  # noqa: S603
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError("starting the local Ray head failed: " + " | ".join(tail))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / STARTED_MARKER).write_text(address)
    return address


def connect_or_start(settings: Settings, address: str | None) -> str:
    """Join ``address`` (or DECNET_RAY_ADDRESS), else the local head, starting it if none runs."""
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    from cluster.bootstrap import connect

    _guard_driver(settings)
    target = address or settings.ray_address
    if target:
        connect(target, node_ip=_node_ip_for(settings, target))
        return target
    local = f"{settings.ray_node_ip}:{settings.ray_port}"
    if not _listening(settings.ray_node_ip, settings.ray_port):
        local = start_local_head(settings)
    connect(local, node_ip=settings.ray_node_ip)
    return local


def _listening(host: str, port: int) -> bool:
    """True if something accepts TCP connections on ``host:port`` (ray.init would wait long)."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _join_running(settings: Settings, address: str | None) -> bool:
    """Join an existing constellation; False if none is reachable."""
    from cluster.bootstrap import connect

    os.environ.setdefault("RAY_AUTH_MODE", "token")
    target = address or settings.ray_address
    if not target:
        if not _listening(settings.ray_node_ip, settings.ray_port):
            return False
        target = f"{settings.ray_node_ip}:{settings.ray_port}"
    _guard_driver(settings)
    try:
        connect(target, node_ip=_node_ip_for(settings, target))
    except ConnectionError:
        return False
    return True


def _ensure_first_admin(settings: Settings) -> None:
    """Create the first admin (printing a generated password once on stderr) if there is no user."""
    from decnet.db import get_repository
    from decnet.web.auth import ensure_first_admin

    async def create() -> None:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            await ensure_first_admin(repo, settings)
        finally:
            await repo.close()

    asyncio.run(create())


def ensure_web(settings: Settings) -> str:
    """Deploy the web app on Ray Serve unless it already runs; return its URL."""
    from ray import serve

    from serve.app import APP_NAME, run

    url = f"http://{settings.web_host}:{settings.web_port}"
    try:
        status = serve.status().applications.get(APP_NAME)
    except Exception:
        status = None
    if status is not None and str(status.status).endswith("RUNNING"):
        return url
    return run(settings)


def _workers_rows(settings: Settings) -> list[dict[str, Any]]:
    from cluster.health import workers_table
    from decnet.db import get_repository

    async def read() -> list[dict[str, Any]]:
        repo = get_repository(settings)
        await repo.initialize()
        try:
            return await workers_table(repo)
        finally:
            await repo.close()

    return asyncio.run(read())


def _print_workers(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Workers", title_justify="left")
    for column in ("name", "state", "restarts", "node", "heartbeat age (s)", "lag (ms)", "counters"):
        table.add_column(column)
    for row in rows:
        counters = ", ".join(f"{k}={v}" for k, v in sorted(row["counters"].items())) or "-"
        table.add_row(
            row["name"],
            row["state"],
            str(row["restarts"]) if row["restarts"] is not None else "-",
            str(row["node"] or "-"),
            str(row["heartbeat_age_s"]) if row["heartbeat_age_s"] is not None else "-",
            str(row["lag_ms"]) if row["lag_ms"] is not None else "-",
            counters,
        )
    stdout().print(table)


AddressOption = Annotated[
    str | None,
    typer.Option("--address", help="Ray cluster to join (default: DECNET_RAY_ADDRESS, else local)."),
]


def up_command(ctx: typer.Context, address: AddressOption = None) -> None:
    """Start (or join) the constellation and ensure every worker of this host runs. Idempotent."""
    _use_token_auth()
    settings = load_cli_settings(ctx)
    from cluster.bootstrap import advertised_bridges, ensure_workers, floating_workers

    try:
        joined = connect_or_start(settings, address)
        host = decky_host(settings)
        wanted: list[tuple[str, str | None]] = [("collector", host), ("fleet_agent", host)]
        wanted += [(kind, None) for kind in floating_workers()]
        wanted += [("sniffer", iface) for iface in advertised_bridges()]
        ensure_workers(wanted, settings)
        _ensure_first_admin(settings)  # here, so a generated password reaches this terminal
        url = ensure_web(settings)
    except (RuntimeError, ConnectionError) as exc:
        fail(str(exc))
    stdout().print(f"constellation up on {joined} (decky host {decky_host(settings)})")
    stdout().print(f"dashboard and API: {url}  (OpenAPI: {url}/api/v1/openapi.json)")
    _print_workers(_workers_rows(settings))


def down_command(ctx: typer.Context, address: AddressOption = None) -> None:
    """Stop every DECNET worker; stop the local Ray head if ``decnet up`` started it."""
    _use_token_auth()
    settings = load_cli_settings(ctx)
    from cluster.bootstrap import stop_worker
    from cluster.health import ray_actors

    marker = settings.data_dir / STARTED_MARKER
    if not _join_running(settings, address):
        stdout().print("no constellation is running")
        marker.unlink(missing_ok=True)
        return
    from serve.app import shutdown as stop_web

    with contextlib.suppress(Exception):
        stop_web()
    stopped = []
    for name, info in ray_actors().items():
        if info["state"] == "DEAD" or name not in _known_workers(name):
            continue
        kind, _, where = name.partition(":")
        if stop_worker(kind, where or None):
            stopped.append(name)
    stdout().print(f"stopped {len(stopped)} workers: {', '.join(sorted(stopped)) or '-'}")
    if marker.exists() and not address and not settings.ray_address:
        import ray

        ray.shutdown()
        subprocess.run([_ray_bin(), "stop"], capture_output=True, env=_ray_env(), timeout=120, check=False)  # noqa: S603
        marker.unlink(missing_ok=True)
        stdout().print("stopped the local Ray head")


def _follow(handle: Any, name: str) -> None:
    """Print a worker's heartbeat and counters every 2 s until Ctrl-C."""
    import ray

    try:
        while True:
            health = ray.get(handle.check_health.remote(), timeout=30)
            counters = ", ".join(f"{k}={v}" for k, v in sorted(health["counters"].items())) or "no work yet"
            stdout().print(
                f"[{time.strftime('%H:%M:%S')}] pid {health['pid']} on {health['node']}: {counters}"
            )
            time.sleep(2)
    except KeyboardInterrupt:
        stdout().print(f"stopped following (the {name} keeps running; `decnet down` stops it)")


DaemonOption = Annotated[bool, typer.Option("--daemon", help="Return once the worker is up.")]


def collect_command(
    ctx: typer.Context,
    address: AddressOption = None,
    daemon: DaemonOption = False,
    host: Annotated[str | None, typer.Option("--host", help="Decky host (default: this one).")] = None,
) -> None:
    """Ensure this host's collector runs; without --daemon, follow its counters until Ctrl-C."""
    _use_token_auth()
    settings = load_cli_settings(ctx)
    from cluster.bootstrap import ensure_worker

    try:
        connect_or_start(settings, address)
        handle = ensure_worker("collector", settings, host or decky_host(settings))
    except (RuntimeError, ConnectionError) as exc:
        fail(str(exc))
    stdout().print(f"collector:{host or decky_host(settings)} is up, listening on {settings.ingest_socket}")
    if not daemon:
        _follow(handle, "collector")


def sniffer_command(
    ctx: typer.Context,
    iface: Annotated[str, typer.Option("--iface", help="Decky bridge or macvlan parent to capture on.")],
    address: AddressOption = None,
    daemon: DaemonOption = False,
) -> None:
    """Ensure the sniffer of IFACE runs (on the node advertising decnet_bridge:IFACE; with
    DECNET_EMBED_SNIFFER=1 on this, the web, host); without --daemon, follow it until Ctrl-C."""
    _use_token_auth()
    settings = load_cli_settings(ctx)
    from cluster.bootstrap import ensure_worker

    embed = decky_host(settings) if settings.embed_sniffer else None
    try:
        connect_or_start(settings, address)
        import ray

        needed = f"decnet_host:{embed}" if embed else f"decnet_bridge:{iface}"
        if needed not in ray.cluster_resources():  # type: ignore[no-untyped-call]
            fail(f"no node advertises {needed}; join the bridge host with --resources '{{\"{needed}\": 1}}'")
        handle = ensure_worker("sniffer", settings, iface, embed_with=embed)
    except (RuntimeError, ConnectionError) as exc:
        fail(str(exc))
    stdout().print(f"sniffer:{iface} is up ({'on the web host ' + embed if embed else 'on its bridge host'})")
    if not daemon:
        _follow(handle, "sniffer")


def floating_worker_command(kind: str) -> Any:
    """The CLI command that ensures the floating worker ``kind`` runs (``decnet correlate``, ...)."""

    def command(ctx: typer.Context, address: AddressOption = None, daemon: DaemonOption = False) -> None:
        _use_token_auth()
        settings = load_cli_settings(ctx)
        from cluster.bootstrap import ensure_worker

        try:
            connect_or_start(settings, address)
            handle = ensure_worker(kind, settings)
        except (RuntimeError, ConnectionError) as exc:
            fail(str(exc))
        stdout().print(f"{kind} is up")
        if not daemon:
            _follow(handle, kind)

    command.__doc__ = f"Ensure the {kind} worker runs; without --daemon, follow it until Ctrl-C."
    return command


def workers_command(
    ctx: typer.Context,
    address: AddressOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Health of every worker: Ray state, restarts, node, last heartbeat, lag, counters."""
    _use_token_auth()
    settings = load_cli_settings(ctx)
    if not _join_running(settings, address):
        fail("no constellation reachable; start it with `decnet up`")
    rows = _workers_rows(settings)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
    else:
        _print_workers(rows)


def web_command(
    ctx: typer.Context,
    address: AddressOption = None,
    daemon: Annotated[bool, typer.Option("--daemon", help="Return once the app is up.")] = False,
) -> None:
    """Ensure the web app (dashboard and API) runs on Ray Serve; without --daemon, wait until Ctrl-C."""
    _use_token_auth()
    settings = load_cli_settings(ctx)
    try:
        connect_or_start(settings, address)
        url = ensure_web(settings)
    except (RuntimeError, ConnectionError) as exc:
        fail(str(exc))
    stdout().print(f"dashboard and API: {url}")
    if daemon:
        return
    try:
        while True:
            time.sleep(5)
    except KeyboardInterrupt:
        stdout().print("stopped waiting (the app keeps running; `decnet down` stops it)")


def _known_workers(name: str) -> set[str]:
    from cluster.placement import WORKERS

    kind = name.partition(":")[0]
    return {name} if kind in WORKERS else set()


def register(app: typer.Typer) -> None:
    """Add the constellation commands to the root app."""
    app.command("up")(up_command)
    app.command("down")(down_command)
    app.command("collect")(collect_command)
    app.command("correlate")(floating_worker_command("correlator"))
    app.command("profiler")(floating_worker_command("profiler"))
    app.command("sniffer")(sniffer_command)
    app.command("workers")(workers_command)
    app.command("web")(web_command)
    app.command("probe")(floating_worker_command("prober"))
