"""The mqtt service driven by mosquitto_pub / mosquitto_sub (Debian mosquitto-clients) and nmap."""

from __future__ import annotations

from decnet.services.mqtt import MQTTService

from ..dns.support import run, running


async def sub(port: int, *args: str) -> tuple[int, str, str]:
    return await run("mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-W", "3", *args, timeout=10)


async def pub(port: int, *args: str) -> tuple[int, str, str]:
    return await run("mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), *args, timeout=10)


async def test_sys_version_and_bait_topics() -> None:
    async with running(MQTTService) as (svc, events):
        port = svc.bound_ports[0]
        code, out, err = await sub(port, "-v", "-t", "$SYS/broker/version", "-C", "1")
        assert code == 0, err
        assert out.strip() == "$SYS/broker/version mosquitto version 2.0.11"
        code, out, _ = await sub(port, "-v", "-t", "#", "-C", "3", "-V", "5")
        assert code == 0 and "home/alarm/state disarmed" in out and "$SYS" not in out
    [s1, s2] = events.of("subscribe")
    assert s1.fields["topics"] == "$SYS/broker/version" and s2.fields["topics"] == "#"
    versions = [e.fields["version"] for e in events.of("connect_packet")]
    assert versions == ["3.1.1", "5.0"]
    assert len(events.of("connect")) == len(events.of("disconnect")) == 2


async def test_credentials_publish_and_qos() -> None:
    async with running(MQTTService) as (svc, events):
        port = svc.bound_ports[0]
        code, _, err = await pub(
            port, "-u", "admin", "-P", "hunter2", "-t", "cmd/exec", "-m", "id; uname -a", "-q", "2"
        )
        assert code == 0, err
        code, _, err = await pub(
            port, "-V", "5", "-u", "iot", "-P", "pw", "-t", "a/b", "-m", "x", "-q", "1", "-r"
        )
        assert code == 0, err
        code, out, _ = await sub(port, "-v", "-t", "a/#", "-C", "1")
        assert out.strip() == "a/b x"  # the attacker's own retained message comes back to it
    creds = events.of("auth")
    assert [(a.fields["username"], a.fields["password"], a.fields["secret_kind"]) for a in creds] == [
        ("admin", "hunter2", "plaintext"),
        ("iot", "pw", "plaintext"),
    ]
    assert all(a.fields["result"] == "success" for a in creds)
    first, second = events.of("publish")
    assert (first.fields["topic"], first.fields["payload"], first.fields["qos"]) == (
        "cmd/exec",
        "id; uname -a",
        "2",
    )
    assert second.fields["retain"] == "1"


async def test_refused_credentials() -> None:
    async with running(MQTTService, users=("sensor:s3nsor",), allow_anonymous=False) as (svc, events):
        port = svc.bound_ports[0]
        code, _, err = await pub(port, "-u", "admin", "-P", "admin", "-t", "x", "-m", "y")
        assert code != 0 and "not authori" in err.lower()
        code, _, err = await pub(port, "-t", "x", "-m", "y")
        assert code != 0
        code, _, err = await pub(port, "-u", "sensor", "-P", "s3nsor", "-t", "x", "-m", "y")
        assert code == 0, err
    results = [(a.fields["username"], a.fields["result"]) for a in events.of("auth")]
    assert results == [("admin", "failure"), ("sensor", "success")]
    assert [e.fields["result"] for e in events.of("connect_packet")] == [
        "not_authorized",
        "not_authorized",
        "accepted",
    ]
