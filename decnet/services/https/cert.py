"""The per-decky TLS certificate: self-signed, CN and SAN naming the persona, made once and kept."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from decnet.fleet.persona import Persona
from decnet.services.http.flavours import install_time

CERT_FILE = "https-cert.pem"
KEY_FILE = "https-key.pem"


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 (atomically, via a temporary file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _matches(cert_path: Path, key_path: Path, persona: Persona) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return False
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return bool(names) and names[0].value == persona.hostname


def ensure_certificate(state_dir: Path, persona: Persona) -> tuple[Path, Path]:
    """Paths of the decky's certificate and key, generating them on first use.

    The certificate is self-signed like a distribution's "snakeoil" one: CN is the persona's
    hostname, the SAN holds that name (and its short form) and the decky's IP; it is valid
    from when the server was installed for ten years. A kept pair is reused unless it does
    not parse or names another host.
    """
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    cert_path, key_path = state_dir / CERT_FILE, state_dir / KEY_FILE
    if cert_path.exists() and key_path.exists() and _matches(cert_path, key_path, persona):
        return cert_path, key_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, persona.hostname)])
    alt: list[x509.GeneralName] = [x509.DNSName(persona.hostname)]
    short = persona.hostname.split(".", 1)[0]
    if short != persona.hostname:
        alt.append(x509.DNSName(short))
    with contextlib.suppress(ValueError):
        alt.append(x509.IPAddress(ipaddress.ip_address(persona.ip)))
    start = install_time(persona)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    _write_private(key_path, key_pem)
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
