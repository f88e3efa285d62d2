"""The docker_api service: Docker Engine API answers with the daemon's headers; every call logged."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, ClassVar

from decnet.services.base import ServiceConfig, ServiceContext
from decnet.services.credentials import credential_fields
from decnet.services.docker_api.config import DockerConfig
from decnet.services.docker_api.engine import DEFAULT_VERSION, Engine
from decnet.services.http.parser import Request
from decnet.services.restapi import Reply, RestService, json_body
from decnet.services.streambase import Session
from decnet.services.text import clip

_VERSIONED = re.compile(r"^/v(\d+\.\d+)(/.*)$")
_NOT_FOUND = b'{"message":"page not found"}\n'


class DockerService(RestService):
    """dockerd's API socket exposed on TCP."""

    slug = "docker_api"
    default_ports = (2375, 2376)
    config_model: ClassVar[type[ServiceConfig]] = DockerConfig
    tls_default_ports = (2376,)

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        super().__init__(ctx, config)
        assert isinstance(self.config, DockerConfig)
        self.cfg: DockerConfig = self.config
        version = self.cfg.version or self.persona.version_of("docker") or DEFAULT_VERSION
        pairs = tuple((name, image) for name, _, image in (c.partition("=") for c in self.cfg.containers))
        self.engine = Engine(self.persona, version, pairs)
        self._created = 0

    # -- replies ----------------------------------------------------------------------------

    def _middleware(self) -> list[tuple[str, str]]:
        return [
            ("Api-Version", self.engine.api),
            ("Docker-Experimental", "false"),
            ("Ostype", "linux"),
            ("Server", self.engine.server),
        ]

    def _json(self, status: int, value: Any) -> Reply:
        return Reply(status, json_body(value), [*self._middleware(), ("Content-Type", "application/json")])

    def _message(self, status: int, message: str) -> Reply:
        return self._json(status, {"message": message})

    def route(self, request: Request, s: Session) -> Reply:
        """Dispatch one Engine API call."""
        path, method = request.path, request.method
        match = _VERSIONED.match(path)
        if match:
            asked, path = match.group(1), match.group(2)
            if _newer(asked, self.engine.api):
                return self._message(
                    400,
                    f"client version {asked} is too new. Maximum supported API version is {self.engine.api}",
                )
        path = path.rstrip("/") or "/"
        self._log_registry_auth(request, s)
        if method == "OPTIONS":
            return Reply(200, b"", self._middleware())
        if path == "/_ping" and method in ("GET", "HEAD"):
            headers = [
                *self._middleware(),
                ("Builder-Version", "2" if not self.engine.version.startswith("20.") else "1"),
                ("Cache-Control", "no-cache, no-store, must-revalidate"),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Pragma", "no-cache"),
            ]
            return Reply(200, b"OK", headers)
        params = dict(p.partition("=")[::2] for p in request.query.split("&")[:32] if p)
        parts = [p for p in path.split("/") if p]
        if method == "GET":
            if path == "/version":
                return self._json(200, self.engine.version_doc())
            if path == "/info":
                running = len(self.engine.containers_list(False))
                return self._json(
                    200,
                    self.engine.info(running, len(self.engine.containers), len(self.engine.images_list())),
                )
            if path == "/containers/json":
                return self._json(
                    200, self.engine.containers_list(params.get("all") in ("1", "true", "True"))
                )
            if path == "/images/json":
                return self._json(200, self.engine.images_list())
            if path == "/networks":
                return self._json(
                    200,
                    [
                        {"Name": n, "Id": self.engine.object_id("net/" + n), "Scope": "local", "Driver": d}
                        for n, d in (("bridge", "bridge"), ("host", "host"), ("none", "null"))
                    ],
                )
            if path == "/volumes":
                return self._json(200, {"Volumes": [], "Warnings": None})
            if len(parts) == 3 and parts[0] == "containers" and parts[2] in ("json", "logs", "top", "stats"):
                return self._container(parts[1], parts[2])
        if method == "POST":
            if path == "/containers/create":
                self._created += 1
                return self._json(
                    201,
                    {
                        "Id": self.engine.object_id(f"new/{self._created}/{request.body[:64]!r}"),
                        "Warnings": [],
                    },
                )
            if path == "/auth":
                return self._auth(request, s)
            if path == "/images/create":
                return self._pull(params)
            if len(parts) == 3 and parts[0] == "containers":
                if parts[2] in ("start", "stop", "kill", "restart", "pause", "unpause"):
                    return (
                        Reply(204, b"", self._middleware())
                        if self._known(parts[1]) or self._created
                        else self._no_such(parts[1])
                    )
                if parts[2] == "exec":
                    return self._json(201, {"Id": self.engine.object_id("exec/" + parts[1])})
                if parts[2] == "wait":
                    return self._json(200, {"Error": None, "StatusCode": 0})
            if len(parts) == 3 and parts[0] == "exec" and parts[2] == "start":
                return Reply(
                    200,
                    b"",
                    [*self._middleware(), ("Content-Type", "application/vnd.docker.raw-stream")],
                    close=True,
                )
        if method == "DELETE" and len(parts) == 2 and parts[0] in ("containers", "images"):
            return Reply(204, b"", self._middleware())
        return Reply(404, _NOT_FOUND, [("Content-Type", "application/json")])

    def _known(self, ref: str) -> bool:
        return any(
            ref in (name, self.engine.object_id("c/" + name), self.engine.object_id("c/" + name)[:12])
            for name, _ in self.engine.containers
        )

    def _no_such(self, ref: str) -> Reply:
        return self._message(404, f"No such container: {ref[:128]}")

    def _container(self, ref: str, what: str) -> Reply:
        for item in self.engine.containers_list(True):
            if ref in (item["Names"][0][1:], item["Id"], item["Id"][:12]):
                if what == "json":
                    return self._json(
                        200,
                        {
                            "Id": item["Id"],
                            "Name": item["Names"][0],
                            "Image": item["ImageID"],
                            "Config": {
                                "Image": item["Image"],
                                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                            },
                            "State": {"Status": item["State"], "Running": item["State"] == "running"},
                        },
                    )
                return self._json(
                    200, {"Titles": ["UID", "PID", "CMD"], "Processes": []} if what == "top" else {}
                )
        return self._no_such(ref)

    def _pull(self, params: dict[str, str]) -> Reply:
        image = clip(params.get("fromImage", ""), 128)
        tag = clip(params.get("tag", "latest"), 64) or "latest"
        lines = [
            {"status": f"Pulling from {image if '/' in image else 'library/' + image}", "id": tag},
            {"status": f"Digest: sha256:{self.engine.object_id('pull/' + image)}"},
            {"status": f"Status: Downloaded newer image for {image}:{tag}"},
        ]
        body = b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\r\n" for line in lines)
        return Reply(200, body, [*self._middleware(), ("Content-Type", "application/json")])

    def _auth(self, request: Request, s: Session) -> Reply:
        try:
            doc = json.loads(request.body)
        except (ValueError, RecursionError):
            doc = None
        if not isinstance(doc, dict):
            return self._message(400, "invalid JSON")
        user, password = str(doc.get("username", ""))[:512], str(doc.get("password", ""))[:2048]
        server = str(doc.get("serveraddress", "") or "https://index.docker.io/v1/")[:256]
        self.event(
            s,
            "auth",
            credential_fields(user, password, ok=False, method="docker_auth", registry=clip(server, 256)),
        )
        return self._message(
            401, f"login attempt to {_registry_url(server)} failed with status: 401 Unauthorized"
        )

    def _log_registry_auth(self, request: Request, s: Session) -> None:
        value = request.header("x-registry-auth")
        if not value:
            return
        raw = value.strip().encode("latin-1", "replace")[:8192]
        try:
            doc = json.loads(base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)))
        except (binascii.Error, ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and (doc.get("username") or doc.get("password") or doc.get("identitytoken")):
            secret = str(doc.get("password") or doc.get("identitytoken") or "")[:2048]
            kind = "plaintext" if doc.get("password") else "token"
            fields = credential_fields(
                str(doc.get("username", ""))[:512],
                secret,
                kind,
                ok=False,
                method="x_registry_auth",
                registry=clip(str(doc.get("serveraddress", "")), 256),
            )
            self.event(s, "auth", fields)


def _newer(asked: str, supported: str) -> bool:
    a, b = (tuple(int(x) for x in v.split(".")) for v in (asked, supported))
    return a > b


def _registry_url(server: str) -> str:
    if "index.docker.io" in server or "registry-1.docker.io" in server:
        return "https://registry-1.docker.io/v2/"
    host = server.removeprefix("https://").removeprefix("http://").split("/", 1)[0]
    return f"https://{host}/v2/"
