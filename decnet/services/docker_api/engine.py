"""The daemon's identity and objects: versions per Engine release, containers, images, info."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from decnet.fleet.persona import Persona

DEFAULT_VERSION = "24.0.7"
#: Engine release -> (API version, git commit, Go version, containerd)
RELEASES = {
    "20.10": ("1.41", "5d6db84", "go1.19.7", "1.6.20"),
    "23.0": ("1.42", "bc3805a", "go1.19.9", "1.6.21"),
    "24.0": ("1.43", "311b9ff", "go1.20.10", "1.6.24"),
    "25.0": ("1.44", "f417435", "go1.21.6", "1.6.28"),
    "26.1": ("1.45", "ac2de55", "go1.21.10", "1.6.31"),
}
MIN_API = "1.24"


@dataclass(frozen=True, slots=True)
class Engine:
    """Who the daemon is."""

    persona: Persona
    version: str
    containers: tuple[tuple[str, str], ...]

    @property
    def release(self) -> tuple[str, str, str, str]:
        """(API version, commit, Go version, containerd) of this release."""
        key = ".".join(self.version.split(".")[:2])
        return RELEASES.get(key, RELEASES["24.0"])

    @property
    def api(self) -> str:
        """The API version."""
        return self.release[0]

    @property
    def server(self) -> str:
        """The Server header."""
        return f"Docker/{self.version} (linux)"

    def _h(self, label: str) -> bytes:
        return hashlib.sha256(self.persona.seed + label.encode()).digest()

    def object_id(self, label: str) -> str:
        """A stable 64-hex id."""
        return self._h(label).hex()

    def version_doc(self) -> dict[str, Any]:
        """GET /version."""
        api, commit, go, containerd = self.release
        p = self.persona
        built = "2023-10-26T09:07:41.000000000+00:00"
        engine = {
            "Version": self.version,
            "ApiVersion": api,
            "MinAPIVersion": "1.12",
            "GitCommit": commit,
            "GoVersion": go,
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": p.kernel,
            "Experimental": "false",
            "BuildTime": built,
        }
        return {
            "Platform": {"Name": "Docker Engine - Community"},
            "Components": [
                {"Name": "Engine", "Version": self.version, "Details": engine},
                {
                    "Name": "containerd",
                    "Version": containerd,
                    "Details": {"GitCommit": self._h("ctrd").hex()[:40]},
                },
                {"Name": "runc", "Version": "1.1.9", "Details": {"GitCommit": "v1.1.9-0-gccaecfc"}},
                {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}},
            ],
            "Version": self.version,
            "ApiVersion": api,
            "MinAPIVersion": "1.12",
            "GitCommit": commit,
            "GoVersion": go,
            "Os": "linux",
            "Arch": "amd64",
            "KernelVersion": p.kernel,
            "BuildTime": built,
        }

    def containers_list(self, all_: bool) -> list[dict[str, Any]]:
        """GET /containers/json."""
        started = int(self.persona.booted_at.timestamp()) + 60
        out = []
        for index, (name, image) in enumerate(self.containers):
            running = index < 2 or all_
            if not running:
                continue
            out.append(
                {
                    "Id": self.object_id("c/" + name),
                    "Names": [f"/{name}"],
                    "Image": image,
                    "ImageID": "sha256:" + self.object_id("i/" + image),
                    "Command": "/docker-entrypoint.sh",
                    "Created": started - 86400 * (index + 3),
                    "Ports": [],
                    "Labels": {},
                    "State": "running" if index < 2 else "exited",
                    "Status": "Up 3 weeks" if index < 2 else "Exited (0) 2 weeks ago",
                    "HostConfig": {"NetworkMode": "bridge"},
                    "NetworkSettings": {"Networks": {"bridge": {"IPAddress": f"172.17.0.{index + 2}"}}},
                    "Mounts": [],
                }
            )
        return out

    def images_list(self) -> list[dict[str, Any]]:
        """GET /images/json."""
        seen: dict[str, dict[str, Any]] = {}
        for _, image in self.containers:
            h = self._h("img/" + image)
            seen[image] = {
                "Containers": -1,
                "Created": int(self.persona.booted_at.timestamp()) - 86400 * (10 + h[0] % 60),
                "Id": "sha256:" + self.object_id("i/" + image),
                "Labels": None,
                "ParentId": "",
                "RepoDigests": [f"{image.split(':')[0]}@sha256:{h.hex()}"],
                "RepoTags": [image],
                "SharedSize": -1,
                "Size": 40_000_000 + int.from_bytes(h[1:4], "big") * 8,
            }
        return list(seen.values())

    def info(self, running: int, total: int, images: int) -> dict[str, Any]:
        """GET /info."""
        p = self.persona
        return {
            "ID": "-".join(self.object_id("engine").upper()[i : i + 4] for i in range(0, 48, 4))[:59],
            "Containers": total,
            "ContainersRunning": running,
            "ContainersPaused": 0,
            "ContainersStopped": total - running,
            "Images": images,
            "Driver": "overlay2",
            "DriverStatus": [
                ["Backing Filesystem", "extfs"],
                ["Supports d_type", "true"],
                ["Using metacopy", "false"],
                ["Native Overlay Diff", "true"],
                ["userxattr", "false"],
            ],
            "Plugins": {
                "Volume": ["local"],
                "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
                "Log": [
                    "awslogs",
                    "fluentd",
                    "gcplogs",
                    "gelf",
                    "journald",
                    "json-file",
                    "local",
                    "logentries",
                    "splunk",
                    "syslog",
                ],
            },
            "MemoryLimit": True,
            "SwapLimit": False,
            "CpuCfsPeriod": True,
            "CpuCfsQuota": True,
            "IPv4Forwarding": True,
            "Debug": False,
            "NFd": 36,
            "NGoroutines": 51,
            "LoggingDriver": "json-file",
            "CgroupDriver": "systemd",
            "CgroupVersion": "2",
            "KernelVersion": p.kernel,
            "OperatingSystem": p.distro_name,
            "OSVersion": p.distro_name.split(" ")[-1].strip("()") if p.distro_name else "",
            "OSType": "linux",
            "Architecture": p.arch or "x86_64",
            "IndexServerAddress": "https://index.docker.io/v1/",
            "RegistryConfig": {
                "IndexConfigs": {
                    "docker.io": {"Name": "docker.io", "Mirrors": [], "Secure": True, "Official": True}
                }
            },
            "NCPU": p.cpu_count,
            "MemTotal": p.mem_total_kb * 1024,
            "DockerRootDir": "/var/lib/docker",
            "Name": p.hostname,
            "Labels": [],
            "ExperimentalBuild": False,
            "ServerVersion": self.version,
            "Runtimes": {"io.containerd.runc.v2": {"path": "runc"}, "runc": {"path": "runc"}},
            "DefaultRuntime": "runc",
            "Swarm": {
                "NodeID": "",
                "NodeAddr": "",
                "LocalNodeState": "inactive",
                "ControlAvailable": False,
                "Error": "",
                "RemoteManagers": None,
            },
            "LiveRestoreEnabled": False,
            "Isolation": "",
            "InitBinary": "docker-init",
            "SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin", "name=cgroupns"],
            "Warnings": ["WARNING: API is accessible on http://0.0.0.0:2375 without encryption."],
        }
