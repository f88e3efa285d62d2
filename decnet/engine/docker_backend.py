"""The ``docker`` backend: one hardened container per decky on a macvlan network.

Each decky is container ``decnet-<name>`` from the locally built ``decnet/decky`` image, on
the macvlan network ``decnet-<parent>`` with the decky's IP, the persona's MAC and
hostname, and its OS profile's sysctls. Hardening: every capability dropped (low ports are
opened by ``net.ipv4.ip_unprivileged_port_start=0`` inside the decky's own namespace),
read-only root with a small tmpfs, no-new-privileges, memory and pids limits. The
collector's socket directory is mounted at ``/run/decnet``; the decky's state directory at
``/var/lib/decnet-decky``. Everything DECNET creates carries the label ``decnet.owned=1``.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from decnet.engine.base import BackendError, BackendUnavailable, DeckyNetwork, DeckyStatus, check_decky_name
from decnet.engine.docker_images import OWNER_LABEL, ensure_images
from decnet.engine.hairpin import check_link_kind
from decnet.engine.iproute import link_exists
from decnet.engine.processes import start_detached, stop_processes
from decnet.fleet.spec import CustomServiceSpec

CONTAINER_PREFIX = "decnet-"
RUNTIME_CONFIG_PATH = "/etc/decnet/runtime.json"
INGEST_DIR = "/run/decnet"
STATE_DIR = "/var/lib/decnet-decky"


def container_name(decky: str) -> str:
    """The container of a decky."""
    return CONTAINER_PREFIX + check_decky_name(decky)


class DockerBackend:
    """Deckies as containers on a macvlan network (needs a Docker engine)."""

    name = "docker"

    def __init__(
        self,
        parent: str,
        cache_dir: Path,
        project_root: Path,
        state_dir: Path,
        memory: str = "128m",
        pids: int = 128,
        link_kind: str = "macvlan",
    ) -> None:
        self.parent = parent
        self.link_kind = link_kind
        self.state_dir = state_dir
        self.cache_dir = cache_dir
        self.project_root = project_root
        self.memory = memory
        self.pids = pids
        self._client: Any = None
        self.image = ""

    @property
    def network_name(self) -> str:
        """The macvlan network on this backend's parent interface."""
        return f"decnet-{self.parent}"

    def check(self) -> None:
        """Raise :class:`BackendUnavailable` if there is no engine, image build path or parent."""
        if not link_exists(self.parent):
            raise BackendUnavailable(f"interface {self.parent!r} does not exist (pass -i/--interface)")
        check_link_kind(self.parent, self.link_kind)
        self._client, self.image = ensure_images(self.cache_dir, self.project_root)

    def _docker(self) -> Any:
        if self._client is None:
            self.check()
        return self._client

    def ensure_network(self, subnet: str, gateway: str | None) -> None:
        """Create the macvlan network for ``subnet`` on the parent interface (once)."""
        import docker.errors

        client = self._docker()
        try:
            client.networks.get(self.network_name)
            return
        except docker.errors.NotFound:
            pass
        import docker.types

        pool = (
            docker.types.IPAMPool(subnet=subnet, gateway=gateway)
            if gateway
            else docker.types.IPAMPool(subnet=subnet)
        )
        client.networks.create(
            self.network_name,
            driver=self.link_kind,
            options=(
                {"parent": self.parent, "macvlan_mode": "bridge"}
                if self.link_kind == "macvlan"
                else {"parent": self.parent, "ipvlan_mode": "l2"}
            ),
            ipam=docker.types.IPAMConfig(pool_configs=[pool]),
            labels={OWNER_LABEL: "1"},
        )

    def remove_network(self) -> None:
        """Remove the macvlan network if no container uses it."""
        import docker.errors

        with contextlib.suppress(docker.errors.NotFound):
            self._docker().networks.get(self.network_name).remove()

    def deploy(
        self,
        net: DeckyNetwork,
        hostname: str,
        runtime_config: Path,
        ingest_dir: Path,
        state_dir: Path,
    ) -> DeckyStatus:
        """Create and start the decky's container; nothing is left behind if that fails."""
        import docker.errors

        client = self._docker()
        name = container_name(net.name)
        with contextlib.suppress(docker.errors.NotFound):
            client.containers.get(name)
            raise BackendError(f"decky {net.name!r} is already deployed (container {name} exists)")
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        api = client.api
        sysctls = {key: str(value) for key, value in net.sysctls.items()}
        sysctls["net.ipv4.ip_unprivileged_port_start"] = "0"
        host_config = api.create_host_config(
            binds={
                str(runtime_config): {"bind": RUNTIME_CONFIG_PATH, "mode": "ro"},
                str(ingest_dir): {"bind": INGEST_DIR, "mode": "rw"},
                str(state_dir): {"bind": STATE_DIR, "mode": "rw"},
            },
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            read_only=True,
            tmpfs={"/tmp": "size=16m,mode=1777"},  # noqa: S108 - the container's own tmpfs
            mem_limit=self.memory,
            pids_limit=self.pids,
            sysctls=sysctls,
            restart_policy={"Name": "on-failure", "MaximumRetryCount": 10},
            network_mode=self.network_name,
        )
        networking = api.create_networking_config(
            {self.network_name: api.create_endpoint_config(ipv4_address=net.ip)}
        )
        try:
            container = api.create_container(
                self.image,
                command=["--config", RUNTIME_CONFIG_PATH],
                name=name,
                hostname=hostname,
                mac_address=net.mac,
                host_config=host_config,
                networking_config=networking,
                labels={OWNER_LABEL: "1", "decnet.decky": net.name},
            )
            api.start(container["Id"])
        except Exception as exc:
            with contextlib.suppress(Exception):
                api.remove_container(name, force=True)
            raise BackendError(f"starting container {name} failed: {exc}") from exc
        return DeckyStatus(net.name, self.name, "running", ip=net.ip, detail=container["Id"][:12])

    def deploy_custom(
        self,
        decky: str,
        custom: CustomServiceSpec,
        forwarder: Sequence[str],
        log_file: Path,
    ) -> str:
        """Run a bring-your-own service container in the decky's network namespace.

        Its output is forwarded to the collector by ``forwarder`` (a command line; see
        :mod:`decnet.engine.custom_logs`), started detached and stopped at teardown.
        """
        import docker.errors

        client = self._docker()
        name = f"{container_name(decky)}-{check_decky_name(custom.name)}"
        try:
            client.images.get(custom.image)
        except docker.errors.ImageNotFound:
            raise BackendError(
                f"image {custom.image!r} of [custom-{custom.name}] is not in the local engine; "
                "build or load it first (DECNET pulls from no registry)"
            ) from None
        api = client.api
        host_config = api.create_host_config(
            network_mode=f"container:{container_name(decky)}",
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=self.memory,
            pids_limit=self.pids,
            restart_policy={"Name": "on-failure", "MaximumRetryCount": 10},
        )
        try:
            container = api.create_container(
                custom.image,
                command=shlex.split(custom.exec) if custom.exec else None,
                name=name,
                host_config=host_config,
                labels={OWNER_LABEL: "1", "decnet.decky": decky, "decnet.custom": custom.name},
            )
            api.start(container["Id"])
        except Exception as exc:
            with contextlib.suppress(Exception):
                api.remove_container(name, force=True)
            raise BackendError(f"starting [custom-{custom.name}] of {decky} failed: {exc}") from exc
        pid = start_detached(forwarder, log_file)
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.state_dir / f"{name}.forwarder").write_text(str(pid))
        return name

    def teardown(self, decky: str, timeout: float = 5.0) -> None:
        """Stop and remove the decky's container, its custom service containers and forwarders."""
        import docker.errors

        client = self._docker()
        for custom in client.containers.list(
            all=True, filters={"label": [f"decnet.decky={decky}", "decnet.custom"]}
        ):
            with contextlib.suppress(docker.errors.APIError):
                custom.remove(force=True)
            pid_file = self.state_dir / f"{custom.name}.forwarder"
            if pid_file.exists():
                with contextlib.suppress(ValueError):
                    stop_processes([int(pid_file.read_text())], timeout)
                pid_file.unlink()
        with contextlib.suppress(docker.errors.NotFound):
            container = self._docker().containers.get(container_name(decky))
            with contextlib.suppress(docker.errors.APIError):
                container.stop(timeout=int(timeout))
            container.remove(force=True)

    def deployed(self) -> list[str]:
        """Names of the deckies that have a DECNET container."""
        containers = self._docker().containers.list(all=True, filters={"label": OWNER_LABEL})
        return sorted(
            c.labels["decnet.decky"]
            for c in containers
            if c.labels.get("decnet.decky") and not c.labels.get("decnet.custom")
        )

    def status(self, decky: str) -> DeckyStatus:
        """The container's state, mapped to running/stopped/missing."""
        import docker.errors

        try:
            container = self._docker().containers.get(container_name(decky))
        except docker.errors.NotFound:
            return DeckyStatus(decky, self.name, "missing")
        state = "running" if container.status == "running" else "stopped"
        settings = container.attrs.get("NetworkSettings", {}).get("Networks", {}).get(self.network_name, {})
        return DeckyStatus(
            decky, self.name, state, ip=settings.get("IPAddress") or None, detail=container.status
        )
