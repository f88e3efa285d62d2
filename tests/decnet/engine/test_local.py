"""The local backend: processes on 127.x.y.z, no root needed."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from decnet.engine.base import BackendError
from decnet.engine.local import LocalBackend

SERVE = (
    "import socket,sys\n"
    "s=socket.socket(); s.bind((sys.argv[1], 0)); s.listen()\n"
    "open(sys.argv[2],'w').write(str(s.getsockname()[1]))\n"
    "while True:\n"
    "    c,_=s.accept(); c.sendall(b'hi'); c.close()\n"
)


def test_deploy_status_teardown(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "state")
    port_file = tmp_path / "port"
    status = backend.deploy(
        "dev-01",
        "127.77.0.10",
        [sys.executable, "-c", SERVE, "127.77.0.10", str(port_file)],
        tmp_path / "dev-01.log",
    )
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists() or not port_file.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with socket.create_connection(("127.77.0.10", int(port_file.read_text())), timeout=2) as conn:
            assert conn.recv(10) == b"hi"
        assert backend.status("dev-01").state == "running"
        assert backend.deployed() == ["dev-01"]
        with pytest.raises(BackendError, match="already deployed"):
            backend.deploy("dev-01", "127.77.0.10", [sys.executable, "-c", "pass"], tmp_path / "x.log")
    finally:
        backend.teardown("dev-01")
    assert backend.status("dev-01").state == "missing"
    assert status.pid is not None
    assert (
        not Path(f"/proc/{status.pid}").exists()
        or "Z" in Path(f"/proc/{status.pid}/stat").read_text().split()[2]
    )


def test_only_loopback_addresses(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match=r"127\.0\.0\.0/8"):
        LocalBackend(tmp_path).deploy("d", "10.0.0.5", [sys.executable, "-c", "pass"], tmp_path / "l.log")


def test_teardown_also_stops_a_process_whose_deploy_was_interrupted(tmp_path: Path) -> None:
    from decnet.engine.processes import marked_processes, start_detached

    backend = LocalBackend(tmp_path / "state")
    # A deploy killed between starting the runtime and writing its state leaves an untracked process.
    pid = start_detached(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        tmp_path / "x.log",
        f"{(tmp_path / 'state').resolve()}/lost-01",
    )
    assert marked_processes(f"{(tmp_path / 'state').resolve()}/lost-01") == [pid]
    backend.teardown("lost-01")
    assert marked_processes(f"{(tmp_path / 'state').resolve()}/lost-01") == []
