"""SSH client banner and HASSH: a real OpenSSH 9.2 client stream, partial and hostile input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from decnet.sniffer import ssh

REAL = bytes.fromhex((Path(__file__).parent / "data" / "openssh_9.2_client.hex").read_text().strip())

KEX = (
    "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,"
    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256,ext-info-c,"
    "kex-strict-c-v00@openssh.com"
)
ENC = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
MAC = (
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
    "hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"
)
CMP = "none,zlib@openssh.com,zlib"


def test_hassh_of_a_real_openssh_kexinit() -> None:
    client = ssh.parse_client(REAL)
    assert client is not None
    assert client.banner == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6"
    assert (client.kex, client.encryption, client.mac, client.compression) == (KEX, ENC, MAC, CMP)
    expected = hashlib.md5(f"{KEX};{ENC};{MAC};{CMP}".encode()).hexdigest()
    assert client.hassh == expected == "472b5de333ad665af5cbf10ff892c4df"


def test_partial_streams_need_more() -> None:
    for cut in (1, 3, 10, 40, 41, 60, 500):
        with pytest.raises(ssh.NeedMore):
            ssh.parse_client(REAL[:cut])


def test_banner_only_and_non_ssh() -> None:
    assert ssh.parse_client(b"GET / HTTP/1.0\r\n") is None
    assert ssh.parse_client(b"SSH-2.0-" + b"A" * 300) is None
    client = ssh.parse_client(b"SSH-2.0-Go\r\n\x00\x00\x00\x10\x05\x15" + b"\x00" * 16)
    assert client is not None and client.banner == "SSH-2.0-Go" and client.kex == ""
    client = ssh.parse_client(b'SSH-2.0-x\x1b[31m"]\r\n' + b"\xff\xff\xff\xff\x00\x00")
    assert client is not None and client.banner == 'SSH-2.0-x\\x1b[31m"]' and client.kex == ""


def test_truncated_name_lists_keep_the_banner() -> None:
    payload = b"\x14" + b"\x00" * 16 + b"\x00\x00\xff\xffabc"
    packet = (len(payload) + 5).to_bytes(4, "big") + b"\x04" + payload + b"\x00" * 4
    client = ssh.parse_client(b"SSH-2.0-x\r\n" + packet)
    assert client is not None and client.kex == ""
