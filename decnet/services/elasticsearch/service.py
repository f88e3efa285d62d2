"""The elasticsearch service: root, _cat, _cluster, _nodes and index endpoints of a single node."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.elasticsearch.config import ElasticsearchConfig
from decnet.services.elasticsearch.node import Node, human, index_stats, make_node
from decnet.services.http.parser import Request
from decnet.services.restapi import Reply, RestService
from decnet.services.restapi.service import credentials_of
from decnet.services.streambase import Session

JSON = "application/json; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
_REALM = 'Basic realm="security" charset="UTF-8"'
_CAT = (
    "allocation", "shards", "master", "nodes", "tasks", "indices", "segments", "count", "recovery",
    "health", "pending_tasks", "aliases", "thread_pool", "plugins", "fielddata", "nodeattrs",
    "repositories", "templates",
)  # fmt: skip


def _os_name(family: str, pretty: str) -> str:
    """Java's ``os.name`` on that platform."""
    if family == "windows":
        return pretty.replace(" Standard", "").replace(" Datacenter", "").replace(" Pro", "")
    return "FreeBSD" if family == "bsd" else "Linux"


def _no_handler(request: Request) -> str:
    return f"no handler found for uri [{request.raw_path[:200]}] and method [{request.method}]"


def _pretty(value: Any) -> bytes:
    """Jackson's pretty printer as Elasticsearch uses it (``"key" : value``)."""
    return (json.dumps(value, indent=2, separators=(",", " : ")) + "\n").encode()


class ElasticsearchService(RestService):
    """An Elasticsearch node answering its REST API (security off unless configured)."""

    slug = "elasticsearch"
    default_ports = (9200,)
    config_model: ClassVar[type[ServiceConfig]] = ElasticsearchConfig
    header_style = "ordered"

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, ElasticsearchConfig)
        self.cfg: ElasticsearchConfig = self.config
        self.node: Node = make_node(self.persona, self.cfg.version, self.cfg.cluster_name, self.cfg.node_name)
        self.indices: dict[str, tuple[str, int, int]] = {
            i: index_stats(self.persona, i) for i in self.cfg.indices
        }

    # -- replies ----------------------------------------------------------------------------

    def _json(self, status: int, value: Any, request: Request, *, pretty: bool = False) -> Reply:
        want_pretty = pretty or "pretty" in request.query.split("&") or request.query.startswith("pretty=")
        body = _pretty(value) if want_pretty else json.dumps(value, separators=(",", ":")).encode()
        return Reply(status, body, [("content-type", JSON)])

    def _error(self, status: int, kind: str, reason: str, request: Request, **extra: Any) -> Reply:
        cause = {"type": kind, "reason": reason, **extra}
        return self._json(status, {"error": {"root_cause": [cause], **cause}, "status": status}, request)

    def credential_ok(self, principal: bytes, secret: bytes, method: str) -> bool:
        """Basic credentials of a configured account."""
        expected = self.cfg.users.get(principal.decode("utf-8", "replace"))
        return method == "basic" and expected is not None and hmac.compare_digest(secret, expected.encode())

    def _auth(self, request: Request) -> Reply | None:
        if not self.cfg.require_auth:
            return None
        creds = [c for c in credentials_of(request) if c[3] == "basic" and c[2] == "plaintext"]
        path = request.raw_path[:200]
        header = {"WWW-Authenticate": _REALM}
        if not creds:
            reason = f"missing authentication credentials for REST request [{path}]"
        elif self.credential_ok(creds[0][0], creds[0][1], "basic"):
            return None
        else:
            user = creds[0][0].decode("utf-8", "replace")[:64]
            reason = f"unable to authenticate user [{user}] for REST request [{path}]"
        reply = self._error(401, "security_exception", reason, request, header=header)
        reply.headers.insert(0, ("WWW-Authenticate", _REALM))
        return reply

    def route(self, request: Request, s: Session) -> Reply:
        """Dispatch one request."""
        denied = self._auth(request)
        if denied is not None:
            return denied
        path, method = request.path.rstrip("/") or "/", request.method
        parts = [p for p in path.split("/") if p]
        if path == "/":
            if method not in ("GET", "HEAD"):
                return self._method(request, "HEAD, GET")
            return self._json(200, self.root(), request, pretty=True)
        if parts[0] == "_cluster" and len(parts) == 2 and parts[1] == "health":
            return self._json(200, self.health(), request)
        if parts[0] == "_cat":
            return self._cat(request, parts[1] if len(parts) > 1 else "")
        if parts[0] == "_nodes":
            return self._json(200, self.nodes(), request)
        known = parts[0] in self.indices or parts[0] in ("_search", "_all", "*")
        if known and (parts[0] in ("_search", "_all") or parts[-1] == "_search"):
            return self._json(200, self.search(parts[0] if parts[0] != "_search" else "_all"), request)
        if parts[0] in ("_aliases", "_mapping", "_settings", "_alias"):
            return self._json(200, {name: {parts[0].lstrip("_"): {}} for name in self.indices}, request)
        if parts[0] == "_cluster" and len(parts) == 2 and parts[1] in ("settings", "state", "stats"):
            return self._json(
                200,
                {"persistent": {}, "transient": {}}
                if parts[1] == "settings"
                else {"cluster_name": self.node.cluster_name, "cluster_uuid": self.node.cluster_uuid},
                request,
            )
        if parts[0].startswith("_"):
            return self._json(
                400,
                {
                    "error": f"no handler found for uri [{request.raw_path[:200]}] and method [{method}]",
                    "status": 400,
                },
                request,
            )
        return self._index(request, parts)

    def _method(self, request: Request, allowed: str) -> Reply:
        uri = request.raw_path[:200]
        text = f"Incorrect HTTP method for uri [{uri}] and method [{request.method}], allowed: [{allowed}]"
        return self._json(405, {"error": text, "status": 405}, request)

    def root(self) -> dict[str, Any]:
        """GET /."""
        n = self.node
        version: dict[str, Any] = {"number": n.version}
        if not n.version.startswith("5."):
            version["build_flavor"] = "default"
        version.update(
            build_type=n.build_type,
            build_hash=n.build_hash,
            build_date=n.build_date,
            build_snapshot=False,
            lucene_version=n.lucene,
            minimum_wire_compatibility_version=n.min_wire,
            minimum_index_compatibility_version=n.min_index,
        )
        return {
            "name": n.name,
            "cluster_name": n.cluster_name,
            "cluster_uuid": n.cluster_uuid,
            "version": version,
            "tagline": "You Know, for Search",
        }

    def health(self) -> dict[str, Any]:
        """GET /_cluster/health: one node, replicas unassigned (yellow), as a lone node is."""
        shards = len(self.indices)
        return {
            "cluster_name": self.node.cluster_name,
            "status": "yellow" if shards else "green",
            "timed_out": False,
            "number_of_nodes": 1,
            "number_of_data_nodes": 1,
            "active_primary_shards": shards,
            "active_shards": shards,
            "relocating_shards": 0,
            "initializing_shards": 0,
            "unassigned_shards": shards,
            "delayed_unassigned_shards": 0,
            "number_of_pending_tasks": 0,
            "number_of_in_flight_fetch": 0,
            "task_max_waiting_in_queue_millis": 0,
            "active_shards_percent_as_number": 50.0 if shards else 100.0,
        }

    def nodes(self) -> dict[str, Any]:
        """GET /_nodes."""
        p, n = self.persona, self.node
        return {
            "_nodes": {"total": 1, "successful": 1, "failed": 0},
            "cluster_name": n.cluster_name,
            "nodes": {
                n.node_id: {
                    "name": n.name,
                    "transport_address": f"{p.ip}:9300",
                    "host": p.ip,
                    "ip": p.ip,
                    "version": n.version,
                    "build_flavor": "default",
                    "build_type": n.build_type,
                    "build_hash": n.build_hash,
                    "total_indexing_buffer": 53687091,
                    "roles": ["data", "ingest", "master", "ml", "remote_cluster_client", "transform"],
                    "settings": {
                        "cluster": {"name": n.cluster_name},
                        "node": {"name": n.name},
                        "path": {
                            "logs": "/var/log/elasticsearch",
                            "home": "/usr/share/elasticsearch",
                            "data": ["/var/lib/elasticsearch"],
                        },
                        "network": {"host": "0.0.0.0"},  # noqa: S104 - text shown
                    },
                    "os": {
                        "refresh_interval_in_millis": 1000,
                        "name": _os_name(p.os_family, p.distro_name),
                        "pretty_name": p.distro_name,
                        "arch": "amd64",
                        "version": p.kernel,
                        "available_processors": p.cpu_count,
                        "allocated_processors": p.cpu_count,
                    },
                    "process": {"refresh_interval_in_millis": 1000, "id": 900 + p.seed[2], "mlockall": False},
                    "jvm": {
                        "pid": 900 + p.seed[2],
                        "version": "15.0.1",
                        "vm_name": "OpenJDK 64-Bit Server VM",
                        "vm_vendor": "AdoptOpenJDK",
                        "bundled_jdk": True,
                        "start_time_in_millis": int(p.booted_at.timestamp() * 1000) + 30000,
                    },
                    "http": {
                        "bound_address": ["[::]:9200"],
                        "publish_address": f"{p.ip}:9200",
                        "max_content_length_in_bytes": 104857600,
                    },
                }
            },
        }

    def search(self, index: str) -> dict[str, Any]:
        """A search that matches nothing it shows (totals from the bait index)."""
        total = self.indices[index][1] if index in self.indices else sum(v[1] for v in self.indices.values())
        shards = 1 if index in self.indices else len(self.indices)
        return {
            "took": 3,
            "timed_out": False,
            "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0},
            "hits": {
                "total": {"value": min(total, 10000), "relation": "eq" if total < 10000 else "gte"},
                "max_score": None,
                "hits": [],
            },
        }

    def _cat(self, request: Request, what: str) -> Reply:
        params = dict(p.partition("=")[::2] for p in request.query.split("&") if p)
        verbose = "v" in params
        rows: list[list[str]]
        if what == "":
            return Reply(
                200, ("=^.^=\n" + "".join(f"/_cat/{c}\n" for c in _CAT)).encode(), [("content-type", TEXT)]
            )
        if what == "indices":
            header = [
                "health",
                "status",
                "index",
                "uuid",
                "pri",
                "rep",
                "docs.count",
                "docs.deleted",
                "store.size",
                "pri.store.size",
            ]
            rows = [
                ["yellow", "open", name, uuid, "1", "1", str(docs), "0", human(size), human(size)]
                for name, (uuid, docs, size) in self.indices.items()
            ]
        elif what == "health":
            h = self.health()
            header = [
                "epoch",
                "timestamp",
                "cluster",
                "status",
                "node.total",
                "node.data",
                "shards",
                "pri",
                "relo",
                "init",
                "unassign",
                "pending_tasks",
                "max_task_wait_time",
                "active_shards_percent",
            ]
            now = int(time.time())
            rows = [
                [
                    str(now),
                    time.strftime("%H:%M:%S", time.gmtime(now)),
                    h["cluster_name"],
                    h["status"],
                    "1",
                    "1",
                    str(h["active_shards"]),
                    str(h["active_primary_shards"]),
                    "0",
                    "0",
                    str(h["unassigned_shards"]),
                    "0",
                    "-",
                    f"{h['active_shards_percent_as_number']}%",
                ]
            ]
        elif what == "nodes":
            header = [
                "ip",
                "heap.percent",
                "ram.percent",
                "cpu",
                "load_1m",
                "load_5m",
                "load_15m",
                "node.role",
                "master",
                "name",
            ]
            rows = [
                [self.persona.ip, "31", "93", "2", "0.08", "0.05", "0.01", "cdhilmrstw", "*", self.node.name]
            ]
        elif what in _CAT:
            return Reply(200, b"", [("content-type", TEXT)])
        else:
            return self._json(
                400,
                {"error": _no_handler(request), "status": 400},
                request,
            )
        if params.get("format") == "json":
            return self._json(200, [dict(zip(header, row, strict=True)) for row in rows], request)
        table = ([header] if verbose else []) + rows
        widths = [max(len(r[i]) for r in table) for i in range(len(header))] if table else []
        text = "".join(
            " ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n" for row in table
        )
        return Reply(200, text.encode(), [("content-type", TEXT)])

    def _index(self, request: Request, parts: list[str]) -> Reply:
        name, method = parts[0][:255], request.method
        known = name in self.indices
        if method == "PUT" and len(parts) == 1:
            if known:
                return self._error(
                    400,
                    "resource_already_exists_exception",
                    f"index [{name}/{self.indices[name][0]}] already exists",
                    request,
                    index=name,
                )
            return self._json(
                200, {"acknowledged": True, "shards_acknowledged": True, "index": name}, request
            )
        if method == "DELETE" and len(parts) == 1 and known:
            return self._json(200, {"acknowledged": True}, request)
        if (
            method in ("POST", "PUT")
            and len(parts) >= 2
            and parts[1] in ("_doc", "_create", "_update", "_bulk")
        ):
            doc_id = parts[2][:64] if len(parts) > 2 else self.node.node_id[:20]
            return self._json(
                201,
                {
                    "_index": name,
                    "_type": "_doc",
                    "_id": doc_id,
                    "_version": 1,
                    "result": "created",
                    "_shards": {"total": 2, "successful": 1, "failed": 0},
                    "_seq_no": 0,
                    "_primary_term": 1,
                },
                request,
            )
        if not known:
            reason = f"no such index [{name}]"
            return self._error(
                404,
                "index_not_found_exception",
                reason,
                request,
                **{
                    "resource.type": "index_or_alias",
                    "resource.id": name,
                    "index_uuid": "_na_",
                    "index": name,
                },
            )
        uuid, docs, _ = self.indices[name]
        if len(parts) >= 2 and parts[1] == "_count":
            return self._json(
                200,
                {"count": docs, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}},
                request,
            )
        settings = {
            "index": {
                "creation_date": str(int(self.persona.booted_at.timestamp() * 1000)),
                "number_of_shards": "1",
                "number_of_replicas": "1",
                "uuid": uuid,
                "version": {"created": "7100299"},
                "provided_name": name,
            }
        }
        return self._json(200, {name: {"aliases": {}, "mappings": {}, "settings": settings}}, request)
