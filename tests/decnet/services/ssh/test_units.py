"""Line editor, config parsing, algorithm lists and host key storage."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.ssh import SSHConfig
from decnet.services.ssh.algorithms import algorithms_for, openssh_version, server_version
from decnet.services.ssh.hostkeys import HOST_KEY_SPECS, fingerprint, load_or_create_host_keys
from decnet.services.ssh.terminal import Echo, EndOfFile, Interrupt, Line, LineEditor

from .conftest import make_persona


def lines(actions: list[object]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Line)]


def echoed(actions: list[object]) -> str:
    return "".join(a.text for a in actions if isinstance(a, Echo))


def test_editor_echo_backspace_and_enter_forms() -> None:
    editor = LineEditor()
    actions = editor.feed(b"lsx\x7f -la\r")
    assert lines(actions) == ["ls -la"]
    assert echoed(actions) == "lsx\b \b -la\r\n"
    assert lines(editor.feed(b"id\n")) == ["id"]
    assert lines(editor.feed(b"a\r\nb\r\n")) == ["a", "b"]  # CRLF is one Enter


def test_editor_ctrl_c_ctrl_d_and_limits() -> None:
    editor = LineEditor(max_line=10)
    actions = editor.feed(b"rm -rf /\x03")
    assert isinstance(actions[-1], Interrupt) and echoed(actions).endswith("^C\r\n")
    assert editor.line == ""
    assert isinstance(editor.feed(b"\x04")[-1], EndOfFile)
    assert not any(isinstance(a, EndOfFile) for a in editor.feed(b"x\x04"))  # not on a non-empty line
    editor.feed(b"\x15")
    actions = editor.feed(b"A" * 50 + b"\r")
    assert lines(actions) == ["A" * 10]
    assert "\x07" in echoed(actions)


def test_editor_history_arrows_and_utf8() -> None:
    editor = LineEditor(history=["uname -a", "id"])
    assert lines(editor.feed(b"\x1b[A\x1b[A\r")) == ["uname -a"]
    assert lines(editor.feed("héllo\r".encode())) == ["héllo"]
    assert lines(editor.feed(b"\xff\xfe\r")) == ["\ufffd\ufffd"]
    assert lines(editor.feed(b"ab\x1b[Dc\r")) == ["acb"]


def test_config_accepts_the_ini_forms_and_rejects_unknown_keys() -> None:
    ini = parse_config("ssh", SSHConfig, {"users": "ubuntu:ubuntu123, root:toor"})
    assert isinstance(ini, SSHConfig)
    assert ini.users == {"ubuntu": "ubuntu123", "root": "toor"}
    assert SSHConfig(users=["a:b:c"]).users == {"a": "b:c"}
    assert SSHConfig(users={"admin": "*"}).check_password("admin", "anything")
    defaults = SSHConfig()
    assert (defaults.max_auth_tries, defaults.login_grace_time, defaults.fetch_payloads) == (6, 120.0, False)
    assert defaults.startups == (10, 30, 100)
    with pytest.raises(ServiceConfigError, match="unknown key 'bogus'"):
        parse_config("ssh", SSHConfig, {"bogus": 1})
    with pytest.raises(ServiceConfigError, match="users"):
        parse_config("ssh", SSHConfig, {"users": "no-password-here"})
    with pytest.raises(ServiceConfigError, match="max_startups"):
        parse_config("ssh", SSHConfig, {"max_startups": "10:200:5"})


def test_algorithms_follow_the_banner() -> None:
    assert openssh_version("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10") == (8, 9)
    assert openssh_version("SSH-2.0-OpenSSH_for_Windows_8.1") == (8, 1)
    assert server_version("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10") == "OpenSSH_8.9p1 Ubuntu-3ubuntu0.10"
    ubuntu = algorithms_for(make_persona())
    assert ubuntu.kex[:3] == ("curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256")
    assert ubuntu.host_key == ("rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519")
    assert ubuntu.ciphers[0] == "chacha20-poly1305@openssh.com" and ubuntu.ciphers[1] == "aes128-ctr"
    assert ubuntu.macs[0] == "umac-64-etm@openssh.com"
    focal = algorithms_for(
        make_persona(ssh_banner="SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5", distro="ubuntu20")
    )
    assert "ssh-rsa" in focal.host_key
    rocky = algorithms_for(make_persona(ssh_banner="SSH-2.0-OpenSSH_8.7", distro="rocky9"))
    assert rocky.ciphers[0] == "aes256-gcm@openssh.com"
    dropbear = algorithms_for(make_persona(ssh_banner="SSH-2.0-dropbear_2022.82", distro="alpine"))
    assert dropbear.macs == ("hmac-sha1", "hmac-sha2-256")
    cisco = algorithms_for(make_persona(ssh_banner="SSH-2.0-Cisco-1.25", os_family="cisco"))
    assert cisco.host_key == ("ssh-rsa",) and cisco.kex[-1] == "diffie-hellman-group14-sha1"


def test_host_keys_are_created_0600_and_reused(tmp_path: Path) -> None:
    keys = load_or_create_host_keys(tmp_path / "a")
    assert [k.get_algorithm() for k in keys] == ["ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519"]
    assert keys[0].pyca_key.key_size == 3072  # type: ignore[attr-defined]
    for name, _alg in HOST_KEY_SPECS:
        assert stat.S_IMODE(os.stat(tmp_path / "a" / name).st_mode) == 0o600
    again = load_or_create_host_keys(tmp_path / "a")
    assert [fingerprint(k) for k in again] == [fingerprint(k) for k in keys]
    other = load_or_create_host_keys(tmp_path / "b")
    assert not {fingerprint(k) for k in other} & {fingerprint(k) for k in keys}
    (tmp_path / "a" / "ssh_host_ed25519_key").write_text("garbage")
    repaired = load_or_create_host_keys(tmp_path / "a")
    assert fingerprint(repaired[0]) == fingerprint(keys[0]) and fingerprint(repaired[2]) != fingerprint(
        keys[2]
    )


def test_docs_list_every_config_key_with_its_default() -> None:
    doc = (Path(__file__).resolve().parents[4] / "docs" / "services" / "ssh.md").read_text()
    section = doc.split("## Configuration", 1)[1].split("## Events", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| `?([^`|]*?)`? \|", section, re.M))
    assert set(rows) == set(SSHConfig.model_fields)
    defaults = SSHConfig()
    for key, shown in rows.items():
        value = getattr(defaults, key)
        if key == "ports":
            assert shown == "22"
        elif key == "users":
            assert value == {} and shown == "none"
        elif isinstance(value, bool):
            assert shown == str(value).lower()
        elif isinstance(value, float):
            assert float(shown) == value
        else:
            assert shown == str(value), key
