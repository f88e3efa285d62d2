"""What the database and API personas print names the persona's OS family only (SPEC: every banner
of a decky names the same OS family as its profile)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from decnet.fleet.persona import Persona
from decnet.fleet.personas import banner_os_families
from decnet.services.docker_api import DockerService
from decnet.services.elasticsearch import ElasticsearchService
from decnet.services.mongodb import MongoService
from decnet.services.mysql import MySQLService
from decnet.services.postgres import PostgresService
from decnet.services.redis import RedisService
from decnet.services.redis.service import ClientState
from tests.decnet.services.streambase.helpers import FakeSession, persona, service

WINDOWS = dataclasses.replace(
    persona("debian"),
    os_profile="windows_server",
    os_family="windows",
    distro_name="Windows Server 2022 Standard",
    kernel="10.0.20348.2159",
    arch="AMD64",
    versions=(("mssql", "16.0.1000.6"), ("mysql", "8.0.36")),
)
BSD = dataclasses.replace(
    persona("debian"),
    os_profile="bsd",
    os_family="bsd",
    distro_name="FreeBSD 14.0-RELEASE",
    kernel="14.0-RELEASE-p6",
    versions=(("postgresql", "15.6"), ("redis", "7.2.4"), ("mysql", "8.0.36")),
)


def _texts(who: Persona) -> dict[str, str]:
    redis, _ = service(RedisService, who)
    state = ClientState(FakeSession())  # type: ignore[arg-type]
    pg, _ = service(PostgresService, who)
    mongo, _ = service(MongoService, who)
    es, _ = service(ElasticsearchService, who)
    dock, _ = service(DockerService, who)
    mysql, _ = service(MySQLService, who)
    return {
        "redis INFO": redis.info_text(state, "all"),
        "postgres version()": pg.version_text() + " " + pg.version,
        "mongodb buildInfo": json.dumps(mongo.build_info(), default=str),
        "elasticsearch root": json.dumps(es.root()),
        "elasticsearch nodes": json.dumps(es.nodes()),
        "docker version": json.dumps(dock.engine.version_doc()),
        "mysql": mysql.flavour.version + " " + mysql.flavour.comment(who.distro),
    }


@pytest.mark.parametrize("who", [WINDOWS, BSD, persona("ubuntu22")], ids=["windows", "bsd", "linux"])
def test_no_banner_names_another_os_family(who: Persona) -> None:
    for name, text in _texts(who).items():
        assert banner_os_families(text) <= {who.os_family}, f"{name}: {text[:300]}"


def test_windows_and_bsd_builds_say_so() -> None:
    assert "os:Windows" in _texts(WINDOWS)["redis INFO"]
    assert "Visual C++" in _texts(WINDOWS)["postgres version()"]
    assert (
        "freebsd14.0" in _texts(BSD)["postgres version()"]
        and "os:FreeBSD 14.0-RELEASE-p6" in _texts(BSD)["redis INFO"]
    )
