"""The node's identity: version, build, names and the bait indices' numbers (stable per decky)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from decnet.fleet.persona import Persona

#: version -> (build_hash, build_date, lucene, min wire, min index)
BUILDS = {
    "7.10.2": (
        "747e1cc71def077253878a59143c1f785afa92b9",
        "2021-01-13T00:42:12.435326Z",
        "8.7.0",
        "6.8.0",
        "6.0.0-beta1",
    ),
    "7.9.3": (
        "c4138e51121ef06a6404866cddc601906fe5c868",
        "2020-10-16T10:36:16.141335Z",
        "8.6.2",
        "6.8.0",
        "6.0.0-beta1",
    ),
    "6.8.23": ("4f67856", "2022-01-06T21:30:50.087716Z", "7.7.3", "5.6.0", "5.0.0"),
}
_CHOICES = ("7.10.2", "7.10.2", "7.9.3", "6.8.23")
_RHEL = {"rocky9", "centos7", "fedora"}


@dataclass(frozen=True, slots=True)
class Node:
    """Who the node is."""

    name: str
    cluster_name: str
    cluster_uuid: str
    node_id: str
    version: str
    build_hash: str
    build_date: str
    build_type: str
    lucene: str
    min_wire: str
    min_index: str


def _b64id(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")[:22]


def make_node(persona: Persona, version: str | None, cluster: str, name: str | None) -> Node:
    """The node of ``persona`` (a version from the seed unless configured)."""
    digest = hashlib.sha256(persona.seed + b"elasticsearch").digest()
    number = version or persona.version_of("elasticsearch") or _CHOICES[digest[0] % len(_CHOICES)]
    build = BUILDS.get(
        number, (digest.hex()[:40], "2021-01-13T00:42:12.435326Z", "8.7.0", "6.8.0", "6.0.0-beta1")
    )
    build_type = (
        "zip"
        if persona.os_family == "windows"
        else "rpm"
        if persona.distro in _RHEL
        else "deb"
        if persona.distro in {"debian", "ubuntu22", "ubuntu20", "kali"}
        else "tar"
    )
    return Node(
        name=name or persona.hostname.split(".", 1)[0],
        cluster_name=cluster,
        cluster_uuid=_b64id(digest[:16]),
        node_id=_b64id(digest[16:32]),
        version=number,
        build_hash=build[0],
        build_date=build[1],
        build_type=build_type,
        lucene=build[2],
        min_wire=build[3],
        min_index=build[4],
    )


def index_stats(persona: Persona, index: str) -> tuple[str, int, int]:
    """(uuid, docs, bytes) of a bait index."""
    digest = hashlib.sha256(persona.seed + b"index:" + index.encode()).digest()
    docs = 1000 + int.from_bytes(digest[:3], "big") % 900000
    return _b64id(digest[8:24]), docs, docs * (180 + digest[3])


def human(size: int) -> str:
    """Elasticsearch's byte sizes (``4.2mb``)."""
    for unit, scale in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}{unit}"
    return f"{size}b"
