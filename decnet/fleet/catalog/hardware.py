"""Hardware a persona runs on: CPU models, core counts and memory sizes by kind of machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cpu:
    """A CPU as ``/proc/cpuinfo`` and Windows (``Intel64 Family 6 Model 85 Stepping 7``) name it."""

    model_name: str
    vendor: str  #: "intel" | "amd" | "arm" | "ppc"
    family: int
    model: int
    stepping: int
    threads: int  #: hardware threads of one socket


SERVER_CPUS: tuple[Cpu, ...] = (
    Cpu("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", "intel", 6, 85, 7, 48),
    Cpu("Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz", "intel", 6, 85, 7, 24),
    Cpu("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "intel", 6, 106, 6, 64),
    Cpu("Intel(R) Xeon(R) Silver 4310 CPU @ 2.10GHz", "intel", 6, 106, 6, 24),
    Cpu("Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", "intel", 6, 79, 1, 28),
    Cpu("AMD EPYC 7543P 32-Core Processor", "amd", 25, 1, 1, 64),
    Cpu("AMD EPYC 7302P 16-Core Processor", "amd", 23, 49, 0, 32),
)

PC_CPUS: tuple[Cpu, ...] = (
    Cpu("Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz", "intel", 6, 165, 5, 16),
    Cpu("Intel(R) Core(TM) i5-10500 CPU @ 3.10GHz", "intel", 6, 165, 3, 12),
    Cpu("Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz", "intel", 6, 158, 10, 6),
    Cpu("11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", "intel", 6, 140, 1, 8),
    Cpu("12th Gen Intel(R) Core(TM) i7-12700", "intel", 6, 151, 2, 20),
    Cpu("AMD Ryzen 7 PRO 5850U with Radeon Graphics", "amd", 25, 80, 0, 16),
)

SBC_CPUS: tuple[Cpu, ...] = (Cpu("Cortex-A72", "arm", 0, 0xD08, 3, 4),)
DEVICE_CPUS: tuple[Cpu, ...] = (
    Cpu("ARMv7 Processor rev 1 (v7l)", "arm", 0, 0xC09, 1, 1),
    Cpu("ARMv7 Processor rev 5 (v7l)", "arm", 0, 0xC07, 5, 2),
)
NETWORK_CPUS: tuple[Cpu, ...] = (Cpu("APM86xxx PowerPC 465", "ppc", 0, 0, 0, 1),)


@dataclass(frozen=True, slots=True)
class HardwareKind:
    """CPU, thread-count and memory choices for a kind of machine (see ``vendors.HARDWARE_KINDS``)."""

    cpus: tuple[Cpu, ...]
    counts: tuple[int, ...]  #: CPU counts to draw from; empty = the CPU's threads (x sockets)
    sockets: tuple[int, ...]
    mem_mb: tuple[int, ...]


HARDWARE: dict[str, HardwareKind] = {
    "vm": HardwareKind(SERVER_CPUS, (1, 2, 2, 4, 4, 8), (1,), (2048, 4096, 4096, 8192, 8192, 16384)),
    "server": HardwareKind(SERVER_CPUS, (), (1, 2), (32768, 65536, 131072, 262144)),
    "pc": HardwareKind(PC_CPUS, (), (1,), (8192, 16384, 16384, 32768)),
    "sbc": HardwareKind(SBC_CPUS, (4,), (1,), (1024, 2048, 4096, 8192)),
    "printer": HardwareKind(DEVICE_CPUS, (1, 2), (1,), (256, 512)),
    "plc": HardwareKind(DEVICE_CPUS, (1,), (1,), (128, 256)),
    "network": HardwareKind(NETWORK_CPUS, (1,), (1,), (512,)),
}
HARDWARE["iot"] = HARDWARE["printer"]
