"""The dns service driven by dig (bind9-dnsutils): answers, refusals, AXFR, version.bind, events."""

from __future__ import annotations

import re

import pytest

from decnet.services.dns import DNSService

from .support import make_persona, run, running


async def dig(port: int, *args: str) -> str:
    code, out, err = await run("dig", "-p", str(port), "@127.0.0.1", "+time=2", "+tries=1", *args)
    assert code in (0, 9), err
    return out


async def test_zone_answers_like_an_authoritative_bind() -> None:
    persona = make_persona(hostname="web03.example.org", ip="127.0.0.1")
    async with running(DNSService, persona=persona) as (svc, events):
        port = svc.bound_ports[0]
        out = await dig(port, "web03.example.org", "A", "+norecurse")
        assert "status: NOERROR" in out and "flags: qr aa;" in out
        assert "web03.example.org.\t3600\tIN\tA\t127.0.0.1" in out
        assert "AUTHORITY: 1" in out  # NS in authority when recursion was not asked (BIND's default)
        out = await dig(port, "example.org", "MX")
        assert "10 mail.example.org." in out and "flags: qr aa rd;" in out
        out = await dig(port, "www.example.org")
        assert "CNAME\tintranet.example.org." in out and "intranet.example.org.\t3600\tIN\tA" in out
        out = await dig(port, "example.org", "TXT")
        assert '"v=spf1 mx -all"' in out
        out = await dig(port, "nothere.example.org")
        assert "status: NXDOMAIN" in out and "SOA\tns1.example.org. hostmaster.example.org." in out
        out = await dig(port, "www.google.com")
        assert "status: REFUSED" in out and "aa" not in out.split("flags:")[1].split(";")[0]
        out = await dig(port, "version.bind", "CH", "TXT")
        assert '"9.18.24-1-Debian"' in out
        assert re.search(r"; COOKIE: [0-9a-f]{16}01000000[0-9a-f]{24} \(good\)", out)  # as BIND 9.18
        assert '"web03"' in await dig(port, "hostname.bind", "CH", "TXT")
        assert "status: REFUSED" in await dig(port, "id.server", "CH", "TXT")
        out = await dig(port, "web03.example.org", "AAAA", "+tcp")
        assert "IN\tAAAA\tfd" in out
    queries = events.of("query")
    assert [q.fields["qname"] for q in queries][:3] == [
        "web03.example.org.",
        "example.org.",
        "www.example.org.",
    ]
    assert queries[5].fields["rcode"] == "REFUSED" and queries[6].fields["qclass"] == "CH"
    assert queries[8].fields["qname"] == "id.server." and queries[8].fields["rcode"] == "REFUSED"
    assert queries[-1].fields["transport"] == "tcp" and queries[-1].sid
    assert [e.event_type for e in events.items][-3:] == ["connect", "query", "disconnect"]


async def test_axfr_is_refused_and_logged() -> None:
    persona = make_persona(hostname="web03.example.org")
    async with running(DNSService, persona=persona) as (svc, events):
        out = await dig(svc.bound_ports[0], "example.org", "AXFR")
        assert "Transfer failed" in out
        await dig(svc.bound_ports[0], "megacorp.com", "AXFR")
        axfr, other = await events.wait("axfr", 2)
    assert other.fields["rcode"] == "NOTAUTH" and other.fields["in_zone"] == "0"
    assert axfr.fields["qname"] == "example.org." and axfr.fields["rcode"] == "REFUSED"
    assert axfr.fields["transport"] == "tcp" and axfr.fields["in_zone"] == "1"
    assert not events.of("query")


async def test_zone_and_records_come_from_the_config() -> None:
    async with running(
        DNSService, zone="acme.test", records=("vpn A 10.9.8.7", "@ TXT hello world"), version="9.9.9"
    ) as (svc, _events):
        port = svc.bound_ports[0]
        assert "10.9.8.7" in await dig(port, "vpn.acme.test")
        assert '"hello world"' in await dig(port, "acme.test", "TXT")
        assert '"9.9.9"' in await dig(port, "version.bind", "CH", "TXT")


@pytest.mark.parametrize("bad", [("x B 1",), ("x A 999.1.1.1",), ("only-two A",)])
def test_bad_records_are_rejected(bad: tuple[str, ...]) -> None:
    from decnet.services.base import ServiceConfigError, parse_config
    from decnet.services.dns import DNSConfig

    with pytest.raises(ServiceConfigError, match="records"):
        parse_config("dns", DNSConfig, {"records": bad})
