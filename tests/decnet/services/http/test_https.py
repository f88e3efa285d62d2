"""https: the per-decky certificate (CN/SAN, kept across restarts, distinct per decky) and TLS events."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from decnet.services.https import HTTPSService
from decnet.services.https.cert import CERT_FILE, KEY_FILE

from .conftest import make_persona, raw, running, split_response

Curl = Callable[..., Any]


async def _peer_cert(port: int) -> x509.Certificate:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="srv-atlas-07")
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    return x509.load_der_x509_certificate(der)


async def test_certificate_names_the_persona_and_is_kept(tmp_path: Path, curl: Curl) -> None:
    persona = make_persona("nginx", hostname="web03.localdomain", ip="127.0.0.1")
    async with running(cls=HTTPSService, state_dir=tmp_path, persona=persona) as (_, port, events):
        cert = await _peer_cert(port)
        _, out = await curl(
            "-ik", "--resolve", f"web03.localdomain:{port}:127.0.0.1", f"https://web03.localdomain:{port}/"
        )
        await events.wait("request")
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "web03.localdomain"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["web03.localdomain", "web03"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert cert.issuer == cert.subject
    for name in (CERT_FILE, KEY_FILE):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    line, headers, body = split_response(out)
    assert line == "HTTP/1.1 200 OK" and dict(headers)["Server"] == "nginx/1.18.0 (Ubuntu)"
    assert b"Welcome to nginx!" in body
    request = events.of("request")[0]
    assert request.fields["sni"] == "web03.localdomain"
    assert request.fields["tls_version"].startswith("TLSv1.")
    async with running(cls=HTTPSService, state_dir=tmp_path, persona=persona) as (_, port2, _events):
        again = await _peer_cert(port2)
    assert again.fingerprint(again.signature_hash_algorithm) == cert.fingerprint(
        cert.signature_hash_algorithm
    )  # type: ignore[arg-type]


async def test_certificates_differ_per_decky(tmp_path: Path) -> None:
    certs = []
    for name, host in (("decky-01", "SRV-ATLAS-07"), ("decky-02", "SRV-ORION-12")):
        persona = make_persona("iis", decky=name, hostname=host)
        async with running(cls=HTTPSService, state_dir=tmp_path / name, persona=persona) as (
            _,
            port,
            _events,
        ):
            certs.append(await _peer_cert(port))
    assert certs[0].serial_number != certs[1].serial_number
    assert certs[0].public_key().public_numbers() != certs[1].public_key().public_numbers()  # type: ignore[union-attr]
    assert [c.subject.rfc4514_string() for c in certs] == ["CN=SRV-ATLAS-07", "CN=SRV-ORION-12"]


async def test_plain_http_on_the_tls_port_is_a_tls_error(tmp_path: Path) -> None:
    async with running(cls=HTTPSService, state_dir=tmp_path) as (_, port, events):
        out = await raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", read_timeout=2)
        (error,) = await events.wait("tls_error")
        await events.wait("disconnect")
    assert b"python" not in out.lower()
    assert error.fields["reason"] and events.of("disconnect")[0].fields["reason"] == "tls"
    assert HTTPSService.default_ports == (443,)
