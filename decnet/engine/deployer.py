"""From a FleetSpec to running deckies: personas, runtime configs, and one backend.

:class:`FleetEngine` is the library the CLI (and later the fleet agent actor) calls. For
each decky it derives the persona, writes ``<data_dir>/deckies/<name>/runtime.json``, and
asks the backend to realise it; desired and actual state are recorded in the repository.
``plan`` does everything but touch the host, for ``--dry-run``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from decnet.config import Settings
from decnet.engine.base import BackendError, BackendUnavailable, DeckyNetwork, DeckyStatus
from decnet.engine.hairpin import ensure_hairpin, remove_hairpin
from decnet.engine.local import LocalBackend
from decnet.engine.netns import NetnsBackend
from decnet.fleet.catalog.os_profiles import sysctls_for
from decnet.fleet.personas import derive_persona, persona_to_dict
from decnet.fleet.spec import DeckySpec, FleetSpec

BackendName = Literal["docker", "netns", "local"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: File next to runtime.json holding the digest of the DeckySpec the decky was deployed from.
SPEC_DIGEST_FILE = "spec.sha256"


def spec_digest(spec: DeckySpec) -> str:
    """A digest of ``spec``: it changes when anything the decky is built from changes (a mutation)."""
    return hashlib.sha256(spec.model_dump_json().encode()).hexdigest()


@dataclass(slots=True)
class DeckyPlan:
    """Everything needed to realise one decky (what ``--dry-run`` prints)."""

    spec: DeckySpec
    network: DeckyNetwork
    runtime: dict[str, Any]
    runtime_path: Path
    state_dir: Path
    log_file: Path
    backend_spec: dict[str, Any] = field(default_factory=dict)


class FleetEngine:
    """Deploys, tears down and reports deckies with one backend on this host."""

    def __init__(
        self, settings: Settings, backend: BackendName, interface: str | None = None, *, ipvlan: bool = False
    ) -> None:
        self.settings = settings
        self.link_kind = "ipvlan" if ipvlan else "macvlan"
        self.backend_name = backend
        self.interface = interface
        self.root = settings.data_dir / "deckies"
        self._backend: Any = None

    # -- the backend ----------------------------------------------------------------------

    def backend(self) -> Any:
        """The backend object, after its preflight check (raises BackendUnavailable)."""
        if self._backend is None:
            state = self.settings.data_dir / "engine" / self.backend_name
            if self.backend_name == "local":
                backend: Any = LocalBackend(state)
            elif self.interface is None:
                raise BackendUnavailable(
                    f"the {self.backend_name} backend needs a parent interface (-i/--interface)"
                )
            elif self.backend_name == "netns":
                backend = NetnsBackend(self.interface, state, link_kind=self.link_kind)
            else:
                from decnet.engine.docker_backend import DockerBackend

                backend = DockerBackend(
                    self.interface,
                    self.settings.data_dir / "images",
                    PROJECT_ROOT,
                    state,
                    link_kind=self.link_kind,
                )
            backend.check()
            self._backend = backend
        return self._backend

    # -- planning ---------------------------------------------------------------------------

    def plan(self, fleet: FleetSpec) -> list[DeckyPlan]:
        """Personas, identities and runtime configs of every decky, without touching the host."""
        net = ipaddress.IPv4Network(fleet.net)
        plans = []
        for spec in fleet.deckies:
            if spec.custom_services and self.backend_name != "docker":
                names = ", ".join(f"[custom-{c.name}]" for c in spec.custom_services)
                raise BackendError(f"{spec.name}: {names} run as containers; they need --backend docker")
            if self.backend_name == "local" and not ipaddress.IPv4Address(spec.ip).is_loopback:
                raise BackendError(f"the local backend needs a 127.0.0.0/8 subnet; {spec.name} has {spec.ip}")
            persona = derive_persona(spec)
            directory = self.root / spec.name
            sysctls = {key: int(value) for key, value in sysctls_for(spec.os_profile).items()}
            network = DeckyNetwork(spec.name, spec.ip, net.prefixlen, fleet.gateway, spec.mac, sysctls)
            in_container = self.backend_name == "docker"
            socket_path = self.settings.ingest_socket
            runtime = {
                "decky": spec.name,
                "persona": persona_to_dict(persona),
                "bind_host": spec.ip,
                "services": {slug: dict(spec.service_config.get(slug, {})) for slug in spec.builtin_services},
                "target": f"unix:/run/decnet/{socket_path.name}" if in_container else f"unix:{socket_path}",
                "state_dir": "/var/lib/decnet-decky" if in_container else str(directory / "state"),
                "spool_dir": "/var/lib/decnet-decky/spool"
                if in_container
                else str(directory / "state" / "spool"),
                "spool_memory_events": self.settings.spool_memory_events,
                "spool_disk_max_bytes": self.settings.spool_disk_max_bytes,
                "log_level": self.settings.log_level,
            }
            plan = DeckyPlan(
                spec=spec,
                network=network,
                runtime=runtime,
                runtime_path=directory / "runtime.json",
                state_dir=directory / "state",
                log_file=directory / "runtime.log",
            )
            plan.backend_spec = self._backend_spec(plan, persona.hostname)
            plans.append(plan)
        return plans

    def _backend_spec(self, plan: DeckyPlan, hostname: str) -> dict[str, Any]:
        name = plan.spec.name
        if self.backend_name == "netns":
            return {
                "netns": f"decnet-{name}",
                "interface": f"eth0 ({self.link_kind} on {self.interface})",
                "mac": plan.network.mac,
                "address": f"{plan.network.ip}/{plan.network.prefix_len}",
                "gateway": plan.network.gateway,
                "sysctls": plan.network.sysctls,
                "command": [sys.executable, "-m", "decnet.decky", "--config", str(plan.runtime_path)],
            }
        if self.backend_name == "docker":
            from decnet.engine.docker_images import decky_image

            return {
                "container": f"decnet-{name}",
                "image": decky_image(PROJECT_ROOT),
                "network": f"decnet-{self.interface} ({self.link_kind})",
                "ip": plan.network.ip,
                "mac": plan.network.mac,
                "hostname": hostname,
                "sysctls": {**plan.network.sysctls, "net.ipv4.ip_unprivileged_port_start": 0},
                "cap_drop": ["ALL"],
                "read_only": True,
                "security_opt": ["no-new-privileges"],
                "memory": "128m",
                "pids_limit": 128,
                "mounts": {
                    str(plan.runtime_path): "/etc/decnet/runtime.json:ro",
                    str(self.settings.ingest_socket.parent): "/run/decnet",
                    str(plan.state_dir): "/var/lib/decnet-decky",
                },
                "labels": {"decnet.owned": "1", "decnet.decky": name},
                "custom_services": [
                    {
                        "container": f"decnet-{name}-{custom.name}",
                        "image": custom.image,
                        "exec": custom.exec,
                        "ports": custom.ports,
                        "network_mode": f"container:decnet-{name}",
                        "cap_drop": ["ALL"],
                    }
                    for custom in plan.spec.custom_services
                ],
            }
        return {"process": [sys.executable, "-m", "decnet.decky", "--config", str(plan.runtime_path)]}

    # -- deploy / teardown ------------------------------------------------------------------

    def deploy(
        self,
        fleet: FleetSpec,
        *,
        hairpin_ip: str | None = None,
        progress: Callable[[str, DeckyStatus], None] | None = None,
    ) -> list[DeckyStatus]:
        """Realise every decky of ``fleet``; stop at the first failure, keeping what is up."""
        backend = self.backend()
        plans = self.plan(fleet)
        net = ipaddress.IPv4Network(fleet.net)
        if self.backend_name != "local" and hairpin_ip and self.interface:
            ensure_hairpin(self.interface, hairpin_ip, net.prefixlen, self.link_kind)
        if self.backend_name == "docker":
            backend.ensure_network(str(net), fleet.gateway)
        out = []
        for plan in plans:
            self._write_runtime(plan)
            if self.backend_name == "docker":
                status = backend.deploy(
                    plan.network,
                    plan.backend_spec["hostname"],
                    plan.runtime_path,
                    self.settings.ingest_socket.parent,
                    plan.state_dir,
                )
                for custom in plan.spec.custom_services:
                    cname = f"decnet-{plan.spec.name}-{custom.name}"
                    forwarder = [
                        sys.executable,
                        "-m",
                        "decnet.engine.custom_logs",
                        "--container",
                        cname,
                        "--decky",
                        plan.spec.name,
                        "--service",
                        f"custom-{custom.name}",
                        "--target",
                        f"unix:{self.settings.ingest_socket}",
                        "--spool",
                        str(plan.state_dir / f"spool-custom-{custom.name}"),
                    ]
                    backend.deploy_custom(
                        plan.spec.name,
                        custom,
                        forwarder,
                        plan.runtime_path.parent / f"custom-{custom.name}.log",
                    )
            elif self.backend_name == "netns":
                status = backend.deploy(
                    plan.network, backend.runtime_command(plan.runtime_path), plan.log_file
                )
            else:
                status = backend.deploy(
                    plan.spec.name, plan.spec.ip, plan.backend_spec["process"], plan.log_file
                )
            out.append(status)
            if progress is not None:
                progress(plan.spec.name, status)
        return out

    def _write_runtime(self, plan: DeckyPlan) -> None:
        directory = plan.runtime_path.parent
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        plan.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.settings.ingest_socket.parent.mkdir(parents=True, exist_ok=True)
        plan.runtime_path.write_text(json.dumps(plan.runtime, indent=2))
        plan.runtime_path.chmod(0o600)
        (directory / SPEC_DIGEST_FILE).write_text(spec_digest(plan.spec))

    def deployed_digest(self, name: str) -> str | None:
        """The :func:`spec_digest` decky ``name`` was last deployed from (None if unknown)."""
        try:
            return (self.root / name / SPEC_DIGEST_FILE).read_text().strip() or None
        except OSError:
            return None

    def deployed(self) -> list[str]:
        """Deckies this backend runs on this host."""
        return list(self.backend().deployed())

    def teardown(
        self, names: list[str] | None = None, *, forget_state: bool = False, timeout: float | None = None
    ) -> list[str]:
        """Tear down ``names`` (all of this backend's deckies when None); return who was removed.

        ``timeout``: seconds a runtime gets to stop and flush its spool before it is killed
        (the backend's default when None).
        """
        backend = self.backend()
        targets = self.deployed() if names is None else names
        for name in targets:
            if timeout is None:
                backend.teardown(name)
            else:
                backend.teardown(name, timeout)
            if forget_state:
                shutil.rmtree(self.root / name, ignore_errors=True)
        if names is None and self.backend_name != "local" and self.interface:
            remove_hairpin(self.interface)
            if self.backend_name == "docker":
                backend.remove_network()
        return targets

    def status(self) -> list[DeckyStatus]:
        """Status of every decky this backend knows."""
        backend = self.backend()
        return [backend.status(name) for name in backend.deployed()]
