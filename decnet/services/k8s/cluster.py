"""The fake cluster's objects: version, namespaces, nodes, pods and secrets (stable per decky)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from decnet.fleet.persona import Persona

#: gitVersion -> (gitCommit, buildDate, goVersion)
VERSIONS = {
    "v1.27.9": ("d15213f69952c79b317e635abff6ff4ec81475f8", "2023-12-19T13:32:25Z", "go1.20.12"),
    "v1.28.5": ("506050d61cf291218dfbd41ac93913945c9aa0da", "2023-12-19T13:32:40Z", "go1.20.12"),
    "v1.29.1": ("bc401b91f2782410b3fb3f9acf43a995c4de90d2", "2024-01-17T13:38:41Z", "go1.21.6"),
}
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Cluster:
    """Everything the open API lists."""

    persona: Persona
    version: str
    namespaces: tuple[str, ...]

    def _h(self, label: str) -> bytes:
        return hashlib.sha256(self.persona.seed + label.encode()).digest()

    def uid(self, label: str) -> str:
        """A stable UUID for an object."""
        return str(uuid.UUID(bytes=self._h(label)[:16], version=4))

    def suffix(self, label: str, size: int = 5) -> str:
        """A stable lowercase name suffix (``-7d9c5``)."""
        alphabet = "bcdfghjklmnpqrstvwxz2456789"
        return "".join(alphabet[b % len(alphabet)] for b in self._h(label)[:size])

    @property
    def node(self) -> str:
        """The control-plane node's name."""
        return self.persona.hostname.split(".", 1)[0].lower()

    @property
    def created(self) -> datetime:
        """When the cluster was set up."""
        return self.persona.booted_at - timedelta(days=30 + self._h("age")[0] * 2)

    def version_info(self) -> dict[str, str]:
        """GET /version."""
        commit, date, go = VERSIONS.get(
            self.version, (self._h("commit").hex()[:40], "2023-12-19T13:32:40Z", "go1.20.12")
        )
        minor = self.version.split(".")[1]
        return {
            "major": "1",
            "minor": minor,
            "gitVersion": self.version,
            "gitCommit": commit,
            "gitTreeState": "clean",
            "buildDate": date,
            "goVersion": go,
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def meta(self, name: str, namespace: str | None, kind: str, **extra: Any) -> dict[str, Any]:
        """ObjectMeta (pods are as old as the node's last boot, the rest as the cluster)."""
        created = self.persona.booted_at + timedelta(seconds=40) if kind == "pod" else self.created
        out: dict[str, Any] = {"name": name}
        if namespace:
            out["namespace"] = namespace
        out.update(
            uid=self.uid(f"{kind}/{namespace}/{name}"),
            resourceVersion=str(100 + self._h(name)[0] * 37),
            creationTimestamp=_stamp(created),
            **extra,
        )
        return out

    def all_namespaces(self) -> list[str]:
        """System and bait namespaces."""
        return sorted(set(SYSTEM_NAMESPACES) | set(self.namespaces))

    def namespace_list(self) -> dict[str, Any]:
        """NamespaceList."""
        items = [
            {
                "metadata": self.meta(ns, None, "ns", labels={"kubernetes.io/metadata.name": ns}),
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            for ns in self.all_namespaces()
        ]
        return {
            "kind": "NamespaceList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": "48213"},
            "items": items,
        }

    def pods(self, namespace: str | None) -> list[dict[str, Any]]:
        """Pods (all namespaces when None)."""
        minor = self.version.split(".")[1]
        specs: list[tuple[str, str, str]] = [
            (
                "kube-system",
                f"coredns-5dd5756b68-{self.suffix('dns')}",
                "registry.k8s.io/coredns/coredns:v1.10.1",
            ),
            ("kube-system", f"etcd-{self.node}", "registry.k8s.io/etcd:3.5.9-0"),
            ("kube-system", f"kube-apiserver-{self.node}", f"registry.k8s.io/kube-apiserver:{self.version}"),
            (
                "kube-system",
                f"kube-controller-manager-{self.node}",
                f"registry.k8s.io/kube-controller-manager:{self.version}",
            ),
            (
                "kube-system",
                f"kube-proxy-{self.suffix('proxy')}",
                f"registry.k8s.io/kube-proxy:{self.version}",
            ),
            ("kube-system", f"kube-scheduler-{self.node}", f"registry.k8s.io/kube-scheduler:{self.version}"),
        ]
        for ns in self.namespaces:
            specs.append((ns, f"{ns[:20]}-api-7c9f8d{minor}b-{self.suffix(ns)}", "nginx:1.25"))
        items = []
        for ns, name, image in specs:
            if namespace is not None and ns != namespace:
                continue
            items.append(
                {
                    "metadata": self.meta(name, ns, "pod"),
                    "spec": {
                        "containers": [{"name": name.split("-")[0], "image": image}],
                        "nodeName": self.node,
                    },
                    "status": {
                        "phase": "Running",
                        "hostIP": self.persona.ip,
                        "startTime": _stamp(self.persona.booted_at),
                    },
                }
            )
        return items

    def secrets(self, namespace: str | None) -> list[dict[str, Any]]:
        """Service-account tokens and a bait credential secret per bait namespace."""
        items = []
        for ns in self.all_namespaces():
            if namespace is not None and ns != namespace:
                continue
            token = self.token(ns)
            items.append(
                {
                    "metadata": self.meta(f"default-token-{self.suffix('tok' + ns)}", ns, "secret"),
                    "data": {
                        "namespace": base64.b64encode(ns.encode()).decode(),
                        "token": base64.b64encode(token.encode()).decode(),
                    },
                    "type": "kubernetes.io/service-account-token",
                }
            )
            if ns in self.namespaces:
                password = base64.b64encode(self._h("pw" + ns)[:12]).decode()
                items.append(
                    {
                        "metadata": self.meta("db-credentials", ns, "secret"),
                        "data": {
                            "username": base64.b64encode(b"app").decode(),
                            "password": base64.b64encode(password.encode()).decode(),
                        },
                        "type": "Opaque",
                    }
                )
        return items

    def token(self, namespace: str) -> str:
        """A service-account JWT of the namespace's default account (signature is random)."""
        header = {"alg": "RS256", "kid": self.suffix("kid", 20)}
        claims = {
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": namespace,
            "kubernetes.io/serviceaccount/secret.name": f"default-token-{self.suffix('tok' + namespace)}",
            "kubernetes.io/serviceaccount/service-account.name": "default",
            "kubernetes.io/serviceaccount/service-account.uid": self.uid("sa/" + namespace),
            "sub": f"system:serviceaccount:{namespace}:default",
        }

        def part(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).decode().rstrip("=")

        signature = (self._h("sig" + namespace) * 8)[:256]
        return (
            ".".join(part(json.dumps(x, separators=(",", ":")).encode()) for x in (header, claims))
            + "."
            + part(signature)
        )

    def node_list(self) -> dict[str, Any]:
        """NodeList of the single control-plane node."""
        p = self.persona
        node = {
            "metadata": self.meta(
                self.node,
                None,
                "node",
                labels={"kubernetes.io/hostname": self.node, "node-role.kubernetes.io/control-plane": ""},
            ),
            "status": {
                "addresses": [
                    {"type": "InternalIP", "address": p.ip},
                    {"type": "Hostname", "address": self.node},
                ],
                "nodeInfo": {
                    "kernelVersion": p.kernel,
                    "osImage": p.distro_name,
                    "containerRuntimeVersion": "containerd://1.7.2",
                    "kubeletVersion": self.version,
                    "kubeProxyVersion": self.version,
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                },
                "capacity": {"cpu": str(p.cpu_count), "memory": f"{p.mem_total_kb}Ki", "pods": "110"},
            },
        }
        return {
            "kind": "NodeList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": "48213"},
            "items": [node],
        }
