"""Per-service realism checks: a registry of small functions, one per service that has one.

A check gets the target, the service slug and its ports; it returns verdicts and records what
it saw (banners, host keys, certificates) in the decky's :class:`Observation`. A service with a
package but no check of its own gets :func:`generic_check` ("answers at all"). Adding a
service check is one decorated function.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from decnet.prober.expect import http_server_fits, platform_label, ssh_banner_fits
from decnet.prober.net import close, open_tcp, read_line, read_some
from decnet.prober.target import ProbeTarget
from decnet.prober.verdict import Observation, Verdict, printable

#: Ports where a service speaks TLS from the first byte (the generic check notes their certificates).
TLS_PORTS = frozenset({443, 465, 636, 993, 995, 2376, 6443, 8443})
#: Weights of the service checks in the realism score.
BANNER_WEIGHT = 3
ANSWERS_WEIGHT = 1


@dataclass(frozen=True, slots=True)
class ServiceProbe:
    """What a service check works on."""

    target: ProbeTarget
    slug: str
    ports: tuple[int, ...]
    observation: Observation
    timeout: float


ServiceCheck = Callable[[ServiceProbe], Awaitable[list[Verdict]]]
SERVICE_CHECKS: dict[str, ServiceCheck] = {}
#: Services whose check talks UDP (it gets the service's UDP ports instead of its TCP ports).
UDP_CHECKS: set[str] = set()


def service_check(slug: str, *, udp: bool = False) -> Callable[[ServiceCheck], ServiceCheck]:
    """Register the check of service ``slug`` (``udp``: it probes the service's UDP ports)."""

    def register(func: ServiceCheck) -> ServiceCheck:
        SERVICE_CHECKS[slug] = func
        if udp:
            UDP_CHECKS.add(slug)
        return func

    return register


def check_for(slug: str, runnable: set[str]) -> ServiceCheck | None:
    """The check of ``slug``: its own, else the generic one if DECNET can run it, else None."""
    if slug in SERVICE_CHECKS:
        return SERVICE_CHECKS[slug]
    return generic_check if slug in runnable else None


def _insecure_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own decky's self-made certificate
    return context


@service_check("ssh")
async def ssh_check(probe: ServiceProbe) -> list[Verdict]:
    """Identification string equal to the persona's and shipped by its platform; host key noted."""
    target, port = probe.target, probe.ports[0]
    check = f"banner:{probe.slug}"
    try:
        reader, writer = await open_tcp(target.ip, port, probe.timeout)
    except (OSError, TimeoutError) as exc:
        return [Verdict.of(check, False, f"port {port}: no connection ({exc})", BANNER_WEIGHT)]
    try:
        writer.write(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5\r\n")
        banner = printable(await read_line(reader, probe.timeout, 255), 255)
    finally:
        await close(writer)
    probe.observation.banners[f"{probe.slug}:{port}"] = banner
    await _host_key(probe, port)
    return [_compare(check, banner, target.persona.ssh_banner, ssh_banner_fits(target.spec, banner), target)]


async def _host_key(probe: ServiceProbe, port: int) -> None:
    import asyncssh

    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(probe.target.ip, port, config=None), probe.timeout
        )
    except (OSError, TimeoutError, asyncssh.Error):
        return
    if key is not None:
        probe.observation.host_keys.add(key.get_fingerprint("sha256"))


def _compare(check: str, seen: str, persona: str, fits: bool, target: ProbeTarget) -> Verdict:
    problems = []
    if seen != persona:
        problems.append(f"persona says {persona!r}")
    if not fits:
        problems.append(f"not shipped by {platform_label(target.spec)}")
    evidence = f"observed {seen!r}" + (": " + "; ".join(problems) if problems else "")
    return Verdict.of(check, not problems, evidence, BANNER_WEIGHT)


async def _http_server(probe: ServiceProbe, port: int, tls: bool) -> tuple[str | None, str]:
    """The Server header of ``GET /`` (None if absent) and what went wrong, if anything."""
    target = probe.target
    try:
        reader, writer = await open_tcp(target.ip, port, probe.timeout, _insecure_tls() if tls else None)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return None, f"port {port}: no connection ({exc})"
    try:
        if tls:
            der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
            if der:
                probe.observation.certificates.add(hashlib.sha256(der).hexdigest())
        writer.write(f"GET / HTTP/1.1\r\nHost: {target.ip}\r\nConnection: close\r\n\r\n".encode())
        head = await read_some(reader, probe.timeout)
    finally:
        await close(writer)
    if not head.startswith(b"HTTP/1."):
        return None, f"port {port}: no HTTP answer ({printable(head, 60)!r})"
    for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"server":
            return printable(value.strip(), 200), ""
    return None, ""


async def _web(probe: ServiceProbe, tls: bool) -> list[Verdict]:
    target, port = probe.target, probe.ports[0]
    check = f"banner:{probe.slug}"
    server, problem = await _http_server(probe, port, tls)
    if problem:
        return [Verdict.of(check, False, problem, BANNER_WEIGHT)]
    seen = server if server is not None else ""
    probe.observation.banners[f"{probe.slug}:{port}"] = seen
    fits = http_server_fits(target.spec, seen)
    return [_compare(check, seen, target.persona.http_server, fits, target)]


@service_check("http")
async def http_check(probe: ServiceProbe) -> list[Verdict]:
    """Server header equal to the persona's and sent by one of its platform's web servers."""
    return await _web(probe, tls=False)


@service_check("https")
async def https_check(probe: ServiceProbe) -> list[Verdict]:
    """As :func:`http_check` over TLS; the certificate is noted for the uniqueness check."""
    return await _web(probe, tls=True)


async def generic_check(probe: ServiceProbe) -> list[Verdict]:
    """The service answers at all: each port accepts, then greets or waits for the client.

    On TLS ports the handshake must complete; the certificate is noted for the uniqueness check.
    """
    notes: list[str] = []
    ok = True
    for port in probe.ports:
        if port in TLS_PORTS:
            note, good = await _tls_answers(probe, port)
        else:
            note, good = await _plain_answers(probe, port)
        notes.append(f"{port}: {note}")
        ok = ok and good
    return [Verdict.of(f"answers:{probe.slug}", ok, "; ".join(notes), ANSWERS_WEIGHT)]


async def _plain_answers(probe: ServiceProbe, port: int) -> tuple[str, bool]:
    try:
        reader, writer = await open_tcp(probe.target.ip, port, probe.timeout)
    except (OSError, TimeoutError) as exc:
        return f"no connection ({exc})", False
    try:
        greeting = await read_some(reader, min(probe.timeout, 1.5), 512)
        closed = not greeting and reader.at_eof()
    finally:
        await close(writer)
    if greeting:
        text = printable(greeting.split(b"\n", 1)[0].rstrip(b"\r"), 120)
        probe.observation.banners[f"{probe.slug}:{port}"] = text
        return f"greets {text!r}", True
    if closed:
        return "accepted then closed at once", False
    return "accepts and waits for the client", True


async def _tls_answers(probe: ServiceProbe, port: int) -> tuple[str, bool]:
    try:
        reader, writer = await open_tcp(probe.target.ip, port, probe.timeout, _insecure_tls())
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return f"no TLS handshake ({exc})", False
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        greeting = await read_some(reader, min(probe.timeout, 1.0), 512)
    finally:
        await close(writer)
    digest = hashlib.sha256(der).hexdigest() if der else ""
    if digest:
        probe.observation.certificates.add(digest)
    if greeting:
        probe.observation.banners[f"{probe.slug}:{port}"] = printable(
            greeting.split(b"\n", 1)[0].rstrip(b"\r"), 120
        )
    return f"TLS, certificate sha256 {digest[:16] or 'none'}", True
