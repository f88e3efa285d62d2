"""The deployment recipes start every Ray process under the bind guard, with token auth."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_unihost_script_is_valid_and_guarded() -> None:
    script = DEPLOY / "ray" / "unihost.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert "RAY_AUTH_MODE=token" in text
    assert '-m cluster.bindguard --addr "$NODE_IP" -- ray start --head' in text
    assert "127.0.0.1" not in text.replace("not 127.0.0.1", "")


def test_swarm_yaml_starts_ray_only_under_the_guard() -> None:
    config = yaml.safe_load((DEPLOY / "ray" / "swarm.yaml").read_text())
    assert config["provider"]["type"] == "local"
    starts = [
        command
        for key in ("head_start_ray_commands", "worker_start_ray_commands")
        for command in config[key]
        if "ray start" in command
    ]
    assert len(starts) == 2
    for command in starts:
        assert "RAY_AUTH_MODE=token" in command and "cluster.bindguard --addr" in command
        assert command.index("cluster.bindguard") < command.index("ray start")


def test_systemd_units_start_ray_under_the_guard() -> None:
    for unit in ("decnet-ray-head.service", "decnet-ray-worker.service"):
        text = (DEPLOY / "systemd" / unit).read_text()
        exec_start = text[text.index("ExecStart=") :].split("\nExecStop")[0]
        assert "-m cluster.bindguard --addr ${DECNET_RAY_NODE_IP} --" in exec_start, unit
        assert "--node-ip-address ${DECNET_RAY_NODE_IP}" in exec_start, unit
        assert "RAY_AUTH_MODE=token" in text, unit
