"""The INFO reply, coherent with the persona (version, kernel, uptime, build of that distro)."""

from __future__ import annotations

import hashlib
import time

from decnet.fleet.persona import Persona

#: The compiler the distro's redis-server package was built with (INFO gcc_version).
_GCC = {
    "debian": "12.2.0",
    "ubuntu22": "11.2.0",
    "ubuntu20": "9.3.0",
    "rocky9": "11.3.1",
    "centos7": "4.8.5",
    "alpine": "13.2.1",
    "fedora": "13.2.1",
    "kali": "13.2.0",
    "arch": "13.2.1",
}
_MPLEX = {"bsd": "kqueue", "windows": "WinSock_IOCP"}
#: Microsoft's Windows port (MSOpenTech 3.0.x), the Redis a Windows server runs.
WINDOWS_VERSION = "3.0.504"
_WIN_EXE = "C:\\Program Files\\Redis\\redis-server.exe"
_WIN_CONF = "C:\\Program Files\\Redis\\redis.windows-service.conf"

SECTIONS = (
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "cluster",
    "keyspace",
)


def _seeded(persona: Persona, label: str, low: int, high: int) -> int:
    digest = hashlib.sha256(persona.seed + label.encode()).digest()
    return low + int.from_bytes(digest[:4], "big") % (high - low + 1)


def started_at(persona: Persona) -> float:
    """When redis-server started: a few seconds after the persona booted."""
    return persona.booted_at.timestamp() + _seeded(persona, "redis-start", 4, 40)


def run_id(persona: Persona) -> str:
    """The 40-hex run_id of this instance."""
    return hashlib.sha1(persona.seed + b"redis-run-id").hexdigest()  # noqa: S324 - an identifier


def config_file(persona: Persona) -> str:
    """Where the distro keeps redis.conf."""
    return "/etc/redis.conf" if persona.distro in {"centos7"} else "/etc/redis/redis.conf"


def _os_line(persona: Persona) -> str:
    if persona.os_family == "windows":
        return "Windows"
    if persona.os_family == "bsd":
        return f"FreeBSD {persona.kernel} amd64"
    return f"Linux {persona.kernel} {persona.arch or 'x86_64'}"


def render(
    persona: Persona,
    version: str,
    port: int,
    *,
    clients: int,
    keys: int,
    commands: int,
    section: str = "default",
    now: float | None = None,
) -> str:
    """INFO text for ``section`` (``default``/``all``/``everything`` or one section name)."""
    now = time.time() if now is None else now
    uptime = max(1, int(now - started_at(persona)))
    major = int(version.split(".", 1)[0])
    windows = persona.os_family == "windows"
    build = hashlib.sha256(persona.seed + version.encode()).hexdigest()[:16]
    used = 870000 + keys * 96 + _seeded(persona, "mem", 0, 90000)
    sections: dict[str, list[str]] = {
        "server": [
            f"redis_version:{version}",
            "redis_git_sha1:00000000",
            "redis_git_dirty:0",
            f"redis_build_id:{build}",
            "redis_mode:standalone",
            f"os:{_os_line(persona)}",
            "arch_bits:64",
            *(["monotonic_clock:POSIX clock_gettime"] if major >= 7 else []),
            f"multiplexing_api:{_MPLEX.get(persona.os_family, 'epoll')}",
            "atomicvar_api:c11-builtin" if major >= 6 else "atomicvar_api:atomic-builtin",
            f"gcc_version:{'0.0.0' if windows else _GCC.get(persona.distro, '12.2.0')}",
            f"process_id:{_seeded(persona, 'redis-pid', 420, 1900)}",
            *(
                [f"process_supervised:{'systemd' if persona.distro not in ('alpine',) else 'no'}"]
                if major >= 7
                else []
            ),
            f"run_id:{run_id(persona)}",
            f"tcp_port:{port}",
            f"server_time_usec:{int(now * 1_000_000)}",
            f"uptime_in_seconds:{uptime}",
            f"uptime_in_days:{uptime // 86400}",
            "hz:10",
            "configured_hz:10",
            f"lru_clock:{int(now) & 0xFFFFFF}",
            f"executable:{_WIN_EXE if windows else '/usr/bin/redis-server'}",
            f"config_file:{_WIN_CONF if windows else config_file(persona)}",
            *(["io_threads_active:0"] if major >= 6 else []),
        ],
        "clients": [
            f"connected_clients:{clients}",
            "client_recent_max_input_buffer:20480" if major >= 5 else "client_longest_output_list:0",
            "client_recent_max_output_buffer:0" if major >= 5 else "client_biggest_input_buf:0",
            "blocked_clients:0",
            *(["tracking_clients:0"] if major >= 6 else []),
        ],
        "memory": [
            f"used_memory:{used}",
            f"used_memory_human:{used / 1048576:.2f}M",
            f"used_memory_rss:{used * 4}",
            f"used_memory_rss_human:{used * 4 / 1048576:.2f}M",
            f"used_memory_peak:{used + 20480}",
            f"used_memory_peak_human:{(used + 20480) / 1048576:.2f}M",
            f"total_system_memory:{persona.mem_total_kb * 1024}",
            f"total_system_memory_human:{persona.mem_total_kb / 1048576:.2f}G",
            "maxmemory:0",
            "maxmemory_human:0B",
            "maxmemory_policy:noeviction",
            "mem_allocator:jemalloc-5.3.0" if major >= 7 else "mem_allocator:jemalloc-5.2.1",
        ],
        "persistence": [
            "loading:0",
            "rdb_changes_since_last_save:0",
            "rdb_bgsave_in_progress:0",
            f"rdb_last_save_time:{int(now) - uptime % 3600}",
            "rdb_last_bgsave_status:ok",
            "aof_enabled:0",
            "aof_rewrite_in_progress:0",
        ],
        "stats": [
            f"total_connections_received:{_seeded(persona, 'conns', 40, 900) + uptime // 600}",
            f"total_commands_processed:{_seeded(persona, 'cmds', 2000, 90000) + uptime // 30 + commands}",
            "instantaneous_ops_per_sec:0",
            "rejected_connections:0",
            "expired_keys:0",
            "evicted_keys:0",
            "keyspace_hits:0",
            "keyspace_misses:0",
        ],
        "replication": [
            "role:master",
            "connected_slaves:0",
            f"master_replid:{hashlib.sha1(persona.seed + b'replid').hexdigest()}",  # noqa: S324
            "master_repl_offset:0",
        ],
        "cpu": [
            f"used_cpu_sys:{uptime * 0.0009:.6f}",
            f"used_cpu_user:{uptime * 0.0011:.6f}",
            "used_cpu_sys_children:0.000000",
            "used_cpu_user_children:0.000000",
        ],
        "cluster": ["cluster_enabled:0"],
        "keyspace": [f"db0:keys={keys},expires=0,avg_ttl=0"] if keys else [],
    }
    wanted = section.lower()
    names = SECTIONS if wanted in ("default", "all", "everything") else (wanted,)
    blocks = []
    for name in names:
        if name in sections:
            blocks.append("\r\n".join([f"# {name.capitalize()}", *sections[name]]))
    return "\r\n\r\n".join(blocks) + "\r\n" if blocks else ""
