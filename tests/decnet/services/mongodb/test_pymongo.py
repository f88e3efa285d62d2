"""pymongo and nmap against the mongodb service."""

from __future__ import annotations

import asyncio
import base64
import struct
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo.errors import OperationFailure

from decnet.services.mongodb import MongoService
from decnet.services.mongodb import bson as mbson
from tests.decnet.services.streambase.helpers import GIVEAWAYS, exchange, hostile, nmap_sv, persona, running


def _client(port: int, **kw: Any) -> pymongo.MongoClient[dict[str, Any]]:
    return pymongo.MongoClient(
        "127.0.0.1", port, serverSelectionTimeoutMS=4000, connectTimeoutMS=4000, directConnection=True, **kw
    )


def _open_instance(port: int) -> tuple[list[str], dict[str, Any], list[str]]:
    with _client(port) as client:
        names = client.list_database_names()
        info = client.server_info()
        collections = client["customers"].list_collection_names()
        client["customers"]["users"].insert_one({"name": "x"})
    return names, info, collections


async def test_open_instance_recon() -> None:
    async with running(MongoService, who=persona("debian")) as (svc, [port], events):
        names, info, collections = await asyncio.to_thread(_open_instance, port)
        await events.wait("disconnect")
    assert names == ["admin", "analytics", "config", "customers", "local"]
    assert info["version"] == svc.version and svc.version.startswith("7.0.")
    assert info["buildEnvironment"]["distmod"] == "debian12"
    assert "users" in collections
    commands = [e.fields["command"] for e in events.of("command")]
    assert (
        "listDatabases" in commands and "buildinfo" in {c.lower() for c in commands} and "insert" in commands
    )
    assert {e.fields["opcode"] for e in events.of("command")} >= {"OP_MSG"}


def _login(port: int, user: str, password: str, mechanism: str) -> list[str]:
    with _client(port, username=user, password=password, authMechanism=mechanism) as client:
        return client.list_database_names()


def _anonymous_list(port: int) -> list[str]:
    with _client(port) as client:
        return client.list_database_names()


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-1"])
async def test_scram_failure_captured_and_configured_user_logs_in(mechanism: str) -> None:
    async with running(MongoService, require_auth=True, users="admin:Mongo#1") as (_, [port], events):
        with pytest.raises(OperationFailure, match="Authentication failed"):
            await asyncio.to_thread(_login, port, "root", "hunter2", mechanism)
        names = await asyncio.to_thread(_login, port, "admin", "Mongo#1", mechanism)
        with pytest.raises(OperationFailure, match="requires authentication"):
            await asyncio.to_thread(_anonymous_list, port)
        await events.wait("disconnect", 3)
    assert "customers" in names
    auth = events.of("auth")
    assert [(a.fields["username"], a.fields["result"]) for a in auth] == [
        ("root", "failure"),
        ("admin", "success"),
    ]
    kind = mechanism.lower().replace("-", "_")
    assert auth[0].fields["secret_kind"] == kind
    _, mech, iterations, salt, message, proof = auth[0].fields["secret"].split("$")
    assert mech == mechanism.lower() and int(iterations) in (10000, 15000)
    assert base64.b64decode(message).startswith(b"n=root,r=") and len(base64.b64decode(proof)) in (20, 32)
    assert base64.b64decode(salt)
    if mechanism == "SCRAM-SHA-256":  # pymongo folds saslStart into hello (speculative authentication)
        names = [e.fields["command"] for e in events.of("command")]
        assert "saslContinue" in names and "saslStart" not in names


async def test_legacy_op_query_and_nmap(tmp_path: Path) -> None:
    async with running(MongoService, who=persona("ubuntu22")) as (svc, [port], _events):
        query = mbson.encode({"isMaster": 1})
        body = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1) + query
        out = await exchange(port, struct.pack("<iiii", 16 + len(body), 7, 0, 2004) + body, read_timeout=0.5)
        length, _, response_to, opcode = struct.unpack("<iiii", out[:16])
        assert (length, response_to, opcode) == (len(out), 7, 1)
        doc, _ = mbson.decode(out, 36)
        assert doc["ismaster"] is True and doc["ok"] == 1.0
        line = await nmap_sv(port, 27017, tmp_path)
    assert f"MongoDB {svc.version}" in line, line
    assert not any(word.decode() in line.lower() for word in GIVEAWAYS)


async def test_hostile_bytes() -> None:
    async with running(MongoService, idle_timeout=1.0) as (_, [port], events):
        assert await exchange(port, struct.pack("<iiii", 0x7FFFFFFF, 1, 0, 2013), read_timeout=1) == b""
        bad = struct.pack("<iiii", 16 + 10, 1, 0, 2013) + b"\x00" * 4 + b"\x00\xff\xff\xff\x7f\x00"
        assert await exchange(port, bad, read_timeout=1) == b""
        assert b"MongoDB over HTTP" in await exchange(port, b"GET / HTTP/1.0\r\n\r\n", read_timeout=1)
        await hostile(port)
        await asyncio.sleep(0.3)
    assert not [e for e in events.of("disconnect") if e.fields["reason"] == "error"]
