"""Persistent per-decky host keys: generated on first start, reused afterwards."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import asyncssh

log = logging.getLogger("decnet.services.ssh")

#: (file name, asyncssh algorithm), as sshd's default HostKey files.
HOST_KEY_SPECS: tuple[tuple[str, str], ...] = (
    ("ssh_host_rsa_key", "ssh-rsa"),
    ("ssh_host_ecdsa_key", "ecdsa-sha2-nistp256"),
    ("ssh_host_ed25519_key", "ssh-ed25519"),
)
RSA_BITS = 3072


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def load_or_create_host_keys(state_dir: Path) -> list[asyncssh.SSHKey]:
    """Load the host keys in ``state_dir``, creating missing (or unreadable) ones with mode 0600."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys: list[asyncssh.SSHKey] = []
    for name, algorithm in HOST_KEY_SPECS:
        path = state_dir / name
        key: asyncssh.SSHKey | None = None
        if path.exists():
            try:
                key = asyncssh.read_private_key(path)
                if key.algorithm.decode("ascii") != algorithm:
                    raise asyncssh.KeyImportError(f"expected a {algorithm} key")
                os.chmod(path, 0o600)
            except (OSError, asyncssh.KeyImportError, ValueError) as exc:
                bad = path.with_name(path.name + ".bad")
                log.warning("host key %s unusable (%s); moved to %s, generating a new one", path, exc, bad)
                os.replace(path, bad)
                key = None
        if key is None:
            if algorithm == "ssh-rsa":
                key = asyncssh.generate_private_key(algorithm, key_size=RSA_BITS)
            else:
                key = asyncssh.generate_private_key(algorithm)
            _write_private(path, key.export_private_key("openssh"))
        keys.append(key)
    return keys


def host_keypairs(keys: Sequence[asyncssh.SSHKey], host_key_algs: Sequence[str]) -> list[asyncssh.SSHKeyPair]:
    """Key pairs offering exactly ``host_key_algs``, in that order (asyncssh keeps the order)."""
    wanted = [alg.encode("ascii") for alg in host_key_algs]
    pairs: list[tuple[int, asyncssh.SSHKeyPair]] = []
    for key in keys:
        pair = asyncssh.load_keypairs(key)[0]
        algs = [alg for alg in wanted if alg in pair.sig_algorithms or alg == pair.algorithm]
        if not algs:
            continue
        pair.host_key_algorithms = algs
        pairs.append((wanted.index(algs[0]), pair))
    return [pair for _, pair in sorted(pairs, key=lambda item: item[0])]


def fingerprint(key: asyncssh.SSHKey) -> str:
    """``SHA256:...`` fingerprint of ``key`` as ssh-keygen prints it."""
    return key.get_fingerprint("sha256")
