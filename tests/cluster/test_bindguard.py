"""The Ray bind guard: wildcard binds land on the guard address; specific binds and deckies are untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cluster.bindguard import BindGuardError, check_address, guard_env, is_guarded, library_path, main
from decnet.engine.processes import start_detached, without_bind_guard

PROBE = r"""
import json, socket
out = {}
v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); v4.bind(("0.0.0.0", 0)); v4.listen()
out["v4_any"] = v4.getsockname()[0]
v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); v6.bind(("::", 0)); v6.listen()
out["v6_any"] = v6.getsockname()[0]
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("", 0))
out["udp_any"] = udp.getsockname()[0]
own = socket.socket(socket.AF_INET, socket.SOCK_STREAM); own.bind(("127.0.0.1", 0))
out["specific"] = own.getsockname()[0]
# a guarded listener still accepts connections on its address
c = socket.create_connection((out["v4_any"], v4.getsockname()[1]), timeout=5); c.close()
print(json.dumps(out))
"""


def _probe(env: dict[str, str]) -> dict[str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return dict(json.loads(proc.stdout))


def test_wildcard_binds_are_pinned(tmp_path: Path) -> None:
    env = guard_env("127.0.0.3", cache_dir=tmp_path)
    seen = _probe(env)
    assert seen == {
        "v4_any": "127.0.0.3",
        "v6_any": "::ffff:127.0.0.3",
        "udp_any": "127.0.0.3",
        "specific": "127.0.0.1",
    }


def test_without_guard_nothing_changes(tmp_path: Path) -> None:
    env = without_bind_guard(guard_env("127.0.0.3", cache_dir=tmp_path))
    assert "LD_PRELOAD" not in env and "DECNET_BIND_GUARD_ADDR" not in env
    assert _probe(env)["v4_any"] == "0.0.0.0"


def test_library_is_built_once_and_reused(tmp_path: Path) -> None:
    first = library_path(tmp_path)
    mtime = first.stat().st_mtime_ns
    assert library_path(tmp_path) == first and first.stat().st_mtime_ns == mtime
    env = guard_env("127.0.0.3", {"LD_PRELOAD": "/other.so"}, cache_dir=tmp_path)
    assert env["LD_PRELOAD"] == f"{first} /other.so"
    assert without_bind_guard(env)["LD_PRELOAD"] == "/other.so"


def test_decky_processes_never_inherit_the_guard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in guard_env("127.0.0.3", cache_dir=tmp_path).items():
        if key in ("LD_PRELOAD", "DECNET_BIND_GUARD_ADDR"):
            monkeypatch.setenv(key, value)
    assert is_guarded("127.0.0.3") and not is_guarded("127.0.0.4")
    log = tmp_path / "decky.log"
    pid = start_detached(["/usr/bin/env"], log)
    for _ in range(100):
        if log.exists() and "PATH=" in log.read_text():
            break
        subprocess.run(["sleep", "0.05"], check=False)
    text = log.read_text()
    assert pid > 0 and "PATH=" in text
    assert "DECNET_BIND_GUARD_ADDR" not in text and "libdecnet_bindguard" not in text


@pytest.mark.parametrize("bad", ["0.0.0.0", "::1", "localhost", "224.0.0.1", ""])
def test_bad_addresses_are_refused(bad: str) -> None:
    with pytest.raises(BindGuardError):
        check_address(bad)


def test_main_needs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--addr", "127.0.0.3"])
    assert "no command" in capsys.readouterr().err
