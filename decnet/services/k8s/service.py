"""The k8s service: kube-apiserver answers (Status JSON for 401/403/404, recon lists when open)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.http.parser import Request
from decnet.services.k8s.cluster import VERSIONS, Cluster
from decnet.services.k8s.config import K8sConfig
from decnet.services.restapi import Reply, RestService, json_body
from decnet.services.streambase import Session

_PUBLIC = {"/version", "/healthz", "/livez", "/readyz"}
_VERBS = {
    "GET": "get",
    "HEAD": "get",
    "POST": "create",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
_PATHS = [
    "/.well-known/openid-configuration", "/api", "/api/v1", "/apis", "/apis/", "/apis/apps", "/apis/apps/v1",
    "/apis/batch", "/apis/batch/v1", "/apis/rbac.authorization.k8s.io", "/apis/rbac.authorization.k8s.io/v1",
    "/healthz", "/livez", "/metrics", "/openapi/v2", "/openapi/v3", "/readyz", "/version",
]  # fmt: skip
#: API group -> (version, {resource: kind}) of the groups discovery shows.
_GROUP_RESOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "apps": ("v1", {"deployments": "Deployment", "daemonsets": "DaemonSet", "statefulsets": "StatefulSet",
                    "replicasets": "ReplicaSet"}),
    "batch": ("v1", {"jobs": "Job", "cronjobs": "CronJob"}),
    "rbac.authorization.k8s.io": ("v1", {"roles": "Role", "rolebindings": "RoleBinding",
                                         "clusterroles": "ClusterRole",
                                         "clusterrolebindings": "ClusterRoleBinding"}),
    "networking.k8s.io": ("v1", {"ingresses": "Ingress", "networkpolicies": "NetworkPolicy"}),
    "authorization.k8s.io": ("v1", {"selfsubjectaccessreviews": "SelfSubjectAccessReview",
                                    "selfsubjectrulesreviews": "SelfSubjectRulesReview"}),
}  # fmt: skip
_ALL_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
_GROUPS = [(group, version) for group, (version, _) in _GROUP_RESOURCES.items()]
_CLUSTER_SCOPED = {
    "clusterroles",
    "clusterrolebindings",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
}
_RESOURCES = ("pods", "secrets", "namespaces", "nodes", "services", "configmaps", "serviceaccounts", "events")


class K8sService(RestService):
    """A kube-apiserver: anonymous recon is forbidden on the TLS port, everything is open on 8080."""

    slug = "k8s"
    default_ports = (6443, 8080)
    config_model: ClassVar[type[ServiceConfig]] = K8sConfig
    tls_default_ports = (6443,)

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, K8sConfig)
        self.cfg: K8sConfig = self.config
        digest = hashlib.sha256(self.persona.seed + b"k8s").digest()
        versions = sorted(VERSIONS)
        version = (
            self.cfg.version or self.persona.version_of("kubernetes") or versions[digest[0] % len(versions)]
        )
        self.cluster = Cluster(self.persona, version, self.cfg.namespaces)
        self._open_positions = self.ports_of(self.cfg.open_ports, (8080,))
        self._open: set[int] = set()
        self._flow = (str(uuid.UUID(bytes=digest[:16])), str(uuid.UUID(bytes=digest[16:32])))

    async def start(self) -> None:
        """Listen; remember which bound ports are open."""
        await super().start()
        self._open = self.bound(self._open_positions)

    # -- replies ----------------------------------------------------------------------------

    def _reply(self, status: int, value: Any, *, pretty: bool = False, flow: bool = True) -> Reply:
        headers = [
            ("Audit-Id", str(uuid.uuid4())),
            ("Cache-Control", "no-cache, private"),
            ("Content-Type", "application/json"),
        ]
        if flow:
            headers += [
                ("X-Kubernetes-Pf-Flowschema-Uid", self._flow[0]),
                ("X-Kubernetes-Pf-Prioritylevel-Uid", self._flow[1]),
            ]
        return Reply(status, json_body(value, pretty=pretty), headers)

    def _status(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        flow: bool = True,
    ) -> Reply:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
        }
        if details is not None:
            body["details"] = details
        body["code"] = code
        return self._reply(code, body, flow=flow)

    def route(self, request: Request, s: Session) -> Reply:
        """Dispatch one request: authentication, authorization, then the resource."""
        path = request.path.rstrip("/") or "/"
        if request.header("authorization"):
            return self._status(401, "Unauthorized", "Unauthorized", flow=False)
        if s.local_port not in self._open and path not in _PUBLIC:
            return self._forbidden(request, path)
        if path in ("/healthz", "/livez", "/readyz"):
            return Reply(
                200,
                b"ok",
                [
                    ("Cache-Control", "no-cache, private"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("X-Content-Type-Options", "nosniff"),
                ],
            )
        if path == "/version":
            return self._reply(200, self.cluster.version_info(), pretty=True)
        if path == "/":
            return self._reply(200, {"paths": _PATHS}, pretty=True)
        if path == "/api":
            return self._reply(
                200,
                {
                    "kind": "APIVersions",
                    "versions": ["v1"],
                    "serverAddressByClientCIDRs": [
                        {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{self.persona.ip}:6443"}
                    ],
                },
            )
        if path == "/apis":
            groups = [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                    "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v},
                }
                for g, v in _GROUPS
            ]
            return self._reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if path == "/api/v1":
            resources = [
                {
                    "name": r,
                    "singularName": r.rstrip("s"),
                    "namespaced": r not in ("namespaces", "nodes"),
                    "kind": r.title().rstrip("s"),
                    "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                }
                for r in _RESOURCES
            ]
            return self._reply(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": resources})
        if path.startswith("/apis/"):
            return self._group(request, path[len("/apis/") :].split("/"))
        if path.startswith("/api/v1/"):
            return self._core(request, path[len("/api/v1/") :].split("/"))
        return self._status(404, "NotFound", "the server could not find the requested resource", {})

    def _forbidden(self, request: Request, path: str) -> Reply:
        verb = _VERBS.get(request.method, request.method.lower()[:16])
        parts = path[len("/api/v1/") :].split("/") if path.startswith("/api/v1/") else []
        if not parts or not parts[0]:
            message = f'forbidden: User "system:anonymous" cannot {verb} path "{path[:200]}"'
            return self._status(403, "Forbidden", message, {})
        namespace = parts[1] if parts[0] == "namespaces" and len(parts) >= 3 else None
        rest = parts[2:] if namespace else parts
        resource = rest[0][:63] if rest else "namespaces"
        name = (
            rest[1][:253]
            if len(rest) >= 2
            else (parts[1][:253] if parts[0] == "namespaces" and len(parts) == 2 else "")
        )
        if verb == "get" and not name:
            verb = "list"
        scope = f'in the namespace "{namespace[:63]}"' if namespace else "at the cluster scope"
        subject = f'{resource} "{name}"' if name else resource
        message = (
            f'{subject} is forbidden: User "system:anonymous" cannot {verb} resource "{resource}" '
            f'in API group "" {scope}'
        )
        details: dict[str, Any] = {"name": name, "kind": resource} if name else {"kind": resource}
        return self._status(403, "Forbidden", message, details)

    def _core(self, request: Request, parts: list[str]) -> Reply:
        namespace: str | None = None
        if parts[0] == "namespaces" and len(parts) >= 3:
            namespace, parts = parts[1], parts[2:]
        resource = parts[0]
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            return self._write(request, resource, namespace)
        if len(parts) >= 3 and parts[2] in ("exec", "attach", "portforward", "proxy"):
            return self._status(400, "BadRequest", "Upgrade request required")
        if resource == "namespaces" and namespace is None:
            if len(parts) == 2:
                return self._one(
                    "Namespace",
                    [i for i in self.cluster.namespace_list()["items"] if i["metadata"]["name"] == parts[1]],
                    "namespaces",
                    parts[1],
                )
            return self._reply(200, self.cluster.namespace_list())
        if namespace is not None and namespace not in self.cluster.all_namespaces():
            return self._status(
                404,
                "NotFound",
                f'namespaces "{namespace[:63]}" not found',
                {"name": namespace[:63], "kind": "namespaces"},
            )
        if resource == "pods":
            items = self.cluster.pods(namespace)
            return (
                self._one("Pod", [i for i in items if i["metadata"]["name"] == parts[1]], "pods", parts[1])
                if len(parts) >= 2
                else self._list("PodList", items)
            )
        if resource == "secrets":
            items = self.cluster.secrets(namespace)
            return (
                self._one(
                    "Secret", [i for i in items if i["metadata"]["name"] == parts[1]], "secrets", parts[1]
                )
                if len(parts) >= 2
                else self._list("SecretList", items)
            )
        if resource == "nodes" and namespace is None:
            return self._reply(200, self.cluster.node_list())
        if resource in _RESOURCES:
            return self._list(resource.title().rstrip("s") + "List", [])
        return self._status(404, "NotFound", "the server could not find the requested resource", {})

    def _group(self, request: Request, parts: list[str]) -> Reply:
        """Discovery and (empty) lists of the named API groups; access reviews say yes (open API)."""
        found = _GROUP_RESOURCES.get(parts[0])
        if found is None or (len(parts) >= 2 and parts[1] != found[0]):
            return self._status(404, "NotFound", "the server could not find the requested resource", {})
        version, resources = found
        group_version = f"{parts[0]}/{version}"
        if len(parts) == 1:
            gv = {"groupVersion": group_version, "version": version}
            return self._reply(
                200,
                {
                    "kind": "APIGroup",
                    "apiVersion": "v1",
                    "name": parts[0],
                    "versions": [gv],
                    "preferredVersion": gv,
                },
            )
        if len(parts) == 2:
            listing = [
                {"name": r, "singularName": "", "namespaced": r not in _CLUSTER_SCOPED, "kind": k,
                 "verbs": ["create"] if "review" in r else _ALL_VERBS}
                for r, k in resources.items()
            ]  # fmt: skip
            return self._reply(
                200,
                {
                    "kind": "APIResourceList",
                    "apiVersion": "v1",
                    "groupVersion": group_version,
                    "resources": listing,
                },
            )
        rest = parts[2:]
        if rest[0] == "namespaces" and len(rest) >= 3:
            rest = rest[2:]
        kind = resources.get(rest[0])
        if kind is None:
            return self._status(404, "NotFound", "the server could not find the requested resource", {})
        if rest[0] == "selfsubjectrulesreviews" and request.method == "POST":
            status = {
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": False,
            }
            return self._reply(
                201,
                {
                    "kind": kind,
                    "apiVersion": group_version,
                    "metadata": {"creationTimestamp": None},
                    "spec": {},
                    "status": status,
                },
            )
        if rest[0] == "selfsubjectaccessreviews" and request.method == "POST":
            return self._reply(
                201,
                {
                    "kind": kind,
                    "apiVersion": group_version,
                    "metadata": {"creationTimestamp": None},
                    "spec": {},
                    "status": {"allowed": True},
                },
            )
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            return self._write(
                request, rest[0], parts[3] if parts[2:3] == ["namespaces"] and len(parts) > 3 else None
            )
        return self._reply(
            200,
            {
                "kind": f"{kind}List",
                "apiVersion": group_version,
                "metadata": {"resourceVersion": "48213"},
                "items": [],
            },
        )

    def _list(self, kind: str, items: list[dict[str, Any]]) -> Reply:
        return self._reply(
            200, {"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": "48213"}, "items": items}
        )

    def _one(self, kind: str, found: list[dict[str, Any]], resource: str, name: str) -> Reply:
        if not found:
            return self._status(
                404,
                "NotFound",
                f'{resource} "{name[:253]}" not found',
                {"name": name[:253], "kind": resource},
            )
        return self._reply(200, {"kind": kind, "apiVersion": "v1", **found[0]})

    def _write(self, request: Request, resource: str, namespace: str | None) -> Reply:
        try:
            obj = json.loads(request.body) if request.body else None
        except (ValueError, RecursionError):
            obj = None
        if not isinstance(obj, dict):
            return self._status(
                400,
                "BadRequest",
                "the object provided is unrecognized (must be of type " + resource.title().rstrip("s") + ")",
            )
        raw_meta = obj.get("metadata")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        name = str(meta.get("name") or meta.get("generateName") or "object")[:253]
        if request.method == "DELETE":
            return self._reply(
                200,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Success",
                    "details": {"name": name, "kind": resource},
                },
            )
        obj["metadata"] = {**meta, **self.cluster.meta(name, namespace or "default", resource)}
        return self._reply(201, obj)
