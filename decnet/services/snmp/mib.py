"""The MIB a decky's agent serves: MIB-II system and interfaces, HOST-RESOURCES uptime, from the persona."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from datetime import UTC, datetime

from decnet.fleet.catalog.os_profiles import OS_PROFILES
from decnet.fleet.persona import Persona
from decnet.fleet.rand import derive_int
from decnet.services.snmp import ber
from decnet.services.snmp.ber import Oid

SYSTEM = (1, 3, 6, 1, 2, 1, 1)
IF_TABLE_ENTRY = (1, 3, 6, 1, 2, 1, 2, 2, 1)
HR_SYSTEM_UPTIME = (1, 3, 6, 1, 2, 1, 25, 1, 1, 0)

#: sysObjectID by OS family: net-snmp's linux / freebsd agent OIDs, Windows' and Cisco's own.
OBJECT_IDS: dict[str, Oid] = {
    "linux": (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10),
    "bsd": (1, 3, 6, 1, 4, 1, 8072, 3, 2, 8),
    "windows": (1, 3, 6, 1, 4, 1, 311, 1, 1, 3, 1, 2),
    "cisco": (1, 3, 6, 1, 4, 1, 9, 1, 1208),
    "embedded": (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10),
}
#: Embedded vendors' enterprise numbers (sysObjectID prefix), by the first word of the sysDescr.
VENDOR_OBJECT_IDS: dict[str, Oid] = {
    "hp": (1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 1),
    "brother": (1, 3, 6, 1, 4, 1, 2435, 2, 3, 9, 1),
    "canon": (1, 3, 6, 1, 4, 1, 1602, 4, 7),
    "xerox": (1, 3, 6, 1, 4, 1, 253, 8, 62, 1, 20),
    "kyocera": (1, 3, 6, 1, 4, 1, 1347, 41),
    "siemens,": (1, 3, 6, 1, 4, 1, 4329, 20, 1, 1, 1),
    "schneider": (1, 3, 6, 1, 4, 1, 3833, 1, 7),
}

Value = Callable[[], bytes]

#: sysORTable of net-snmp's agent (the modules it registers, in its order).
OR_TABLE: tuple[tuple[Oid, str], ...] = (
    ((1, 3, 6, 1, 6, 3, 10, 3, 1, 1), "The SNMP Management Architecture MIB."),
    ((1, 3, 6, 1, 6, 3, 11, 3, 1, 1), "The MIB for Message Processing and Dispatching."),
    (
        (1, 3, 6, 1, 6, 3, 15, 2, 1, 1),
        "The management information definitions for the SNMP User-based Security Model.",
    ),
    ((1, 3, 6, 1, 6, 3, 1), "The MIB module for SNMPv2 entities"),
    ((1, 3, 6, 1, 6, 3, 16, 2, 2, 1), "View-based Access Control Model for SNMP."),
    ((1, 3, 6, 1, 2, 1, 4), "The MIB module for managing IP and ICMP implementations"),
    ((1, 3, 6, 1, 2, 1, 49), "The MIB module for managing TCP implementations"),
    ((1, 3, 6, 1, 2, 1, 50), "The MIB module for managing UDP implementations"),
    ((1, 3, 6, 1, 6, 3, 13, 3, 1, 3), "The MIB modules for managing SNMP Notification, plus filtering."),
    ((1, 3, 6, 1, 2, 1, 92), "The MIB module for logging SNMP Notifications."),
)

#: (loopback, NIC) ifDescr by OS family, as each agent names them.
INTERFACE_NAMES: dict[str, tuple[str, str]] = {
    "linux": ("lo", "eth0"),
    "bsd": ("lo0", "em0"),
    "windows": ("Software Loopback Interface 1", "Intel(R) 82574L Gigabit Network Connection"),
    "cisco": ("Null0", "GigabitEthernet1/0/1"),
    "embedded": ("lo", "eth0"),
}


def const(value: bytes) -> Value:
    """A value that does not change."""
    return lambda: value


def timeticks_since(moment: datetime) -> int:
    """Hundredths of a second from ``moment`` to now, wrapped at 2^32 as TimeTicks are."""
    return int((datetime.now(UTC) - moment).total_seconds() * 100) % (1 << 32)


def sys_descr(persona: Persona) -> str:
    """What the agent reports as sysDescr: the persona's own, else net-snmp's ``uname -snrvm``."""
    own = persona.version_of("sysdescr")
    if own:
        return own
    from decnet.services.ssh.system import System

    return System(persona, ()).uname("snrvm")


def object_id(persona: Persona, descr: str) -> Oid:
    first = descr.split(" ", 1)[0].lower()
    if persona.os_family == "embedded" and first in VENDOR_OBJECT_IDS:
        return VENDOR_OBJECT_IDS[first]
    return OBJECT_IDS.get(persona.os_family, OBJECT_IDS["linux"])


class Mib:
    """Sorted OIDs with values computed when asked (uptimes and counters move)."""

    def __init__(
        self, persona: Persona, *, contact: str, location: str, engine_id: bytes = b"", engine_boots: int = 1
    ) -> None:
        self.persona = persona
        self.entries: dict[Oid, Value] = {}
        descr = sys_descr(persona)
        booted = persona.booted_at
        self.add_system(descr, object_id(persona, descr), contact, location, booted)
        self.add_or_table()
        self.add_interfaces(booted)
        self.add_ip_addresses()
        self.add_host(booted)
        if engine_id:
            self.add_engine(engine_id, engine_boots, booted)
        self.oids = sorted(self.entries)

    def add_or_table(self) -> None:
        """sysORTable: the MIB modules net-snmp's agent registers at start."""
        for index, (oid, text) in enumerate(OR_TABLE, start=1):
            self.entries[(*SYSTEM, 9, 1, 2, index)] = const(ber.enc_oid(oid))
            self.entries[(*SYSTEM, 9, 1, 3, index)] = const(ber.enc_octets(text))
            self.entries[(*SYSTEM, 9, 1, 4, index)] = const(ber.enc_unsigned(1, ber.TIMETICKS))

    def add_ip_addresses(self) -> None:
        """ipAddrTable: loopback and the decky's address (a /24)."""
        rows = [((127, 0, 0, 1), 1, (255, 0, 0, 0))]
        try:
            own = tuple(int(part) for part in self.persona.ip.split("."))
        except ValueError:
            own = ()
        if len(own) == 4 and own != (127, 0, 0, 1):
            rows.append((own, 2, (255, 255, 255, 0)))
        for addr, index, mask in sorted(rows):
            base = (1, 3, 6, 1, 2, 1, 4, 20, 1)
            self.entries[(*base, 1, *addr)] = const(ber.tlv(ber.IP_ADDRESS, bytes(addr)))
            self.entries[(*base, 2, *addr)] = const(ber.enc_int(index))
            self.entries[(*base, 3, *addr)] = const(ber.tlv(ber.IP_ADDRESS, bytes(mask)))
            self.entries[(*base, 4, *addr)] = const(ber.enc_int(1))
        self.entries[(1, 3, 6, 1, 2, 1, 4, 1, 0)] = const(ber.enc_int(2))  # ipForwarding: notForwarding
        profile = OS_PROFILES.get(self.persona.os_profile)
        ttl = int(profile.sysctls()["net.ipv4.ip_default_ttl"]) if profile is not None else 64
        self.entries[(1, 3, 6, 1, 2, 1, 4, 2, 0)] = const(
            ber.enc_int(ttl)
        )  # ipDefaultTTL, as the decky's IP stack

    def add_host(self, booted: datetime) -> None:
        """HOST-RESOURCES: uptime since boot, users, processes, memory."""
        seed = self.persona.seed
        hr = (1, 3, 6, 1, 2, 1, 25)
        processes = 90 + derive_int(seed, "snmp:procs", 120)
        self.entries[HR_SYSTEM_UPTIME] = lambda: ber.enc_unsigned(timeticks_since(booted), ber.TIMETICKS)
        self.entries[(*hr, 1, 5, 0)] = const(ber.enc_unsigned(derive_int(seed, "snmp:users", 3), ber.GAUGE32))
        self.entries[(*hr, 1, 6, 0)] = lambda: ber.enc_unsigned(
            processes + int(time.time() / 7) % 5, ber.GAUGE32
        )
        self.entries[(*hr, 1, 7, 0)] = const(ber.enc_int(0))
        self.entries[(*hr, 2, 2, 0)] = const(ber.enc_int(self.persona.mem_total_kb))

    def add_engine(self, engine_id: bytes, boots: int, booted: datetime) -> None:
        """SNMP-FRAMEWORK-MIB snmpEngine: the same engine ID the v3 reports carry."""
        e = (1, 3, 6, 1, 6, 3, 10, 2, 1)
        self.entries[(*e, 1, 0)] = const(ber.enc_octets(engine_id))
        self.entries[(*e, 2, 0)] = const(ber.enc_int(boots))
        self.entries[(*e, 3, 0)] = lambda: ber.enc_int(
            int((datetime.now(UTC) - booted).total_seconds()) % (1 << 31)
        )
        self.entries[(*e, 4, 0)] = const(ber.enc_int(1500))

    def add_system(self, descr: str, oid: Oid, contact: str, location: str, booted: datetime) -> None:
        s = SYSTEM
        name = self.persona.hostname
        # snmpd starts a few seconds into the boot; sysORLastChange is when it registered its modules.
        registered = 300 + derive_int(self.persona.seed, "snmp:start", 1500)
        self.entries.update(
            {
                (*s, 1, 0): lambda: ber.enc_octets(descr),
                (*s, 2, 0): lambda: ber.enc_oid(oid),
                (*s, 3, 0): lambda: ber.enc_unsigned(
                    max(0, timeticks_since(booted) - registered), ber.TIMETICKS
                ),
                (*s, 4, 0): lambda: ber.enc_octets(contact),
                (*s, 5, 0): lambda: ber.enc_octets(name),
                (*s, 6, 0): lambda: ber.enc_octets(location),
                (*s, 7, 0): lambda: ber.enc_int(72),
                (*s, 8, 0): lambda: ber.enc_unsigned(1, ber.TIMETICKS),
            }
        )

    def add_interfaces(self, booted: datetime) -> None:
        seed = self.persona.seed
        mac = bytes.fromhex(self.persona.mac.replace(":", "")) if self.persona.mac else b""
        family = self.persona.os_family
        loopback, nic = INTERFACE_NAMES.get(family, ("lo", "eth0"))
        if family == "linux" and derive_int(seed, "snmp:nic", 2):
            nic = "ens18"
        rate_in = 2000 + derive_int(seed, "snmp:in", 40000)
        rate_out = 1000 + derive_int(seed, "snmp:out", 20000)
        interfaces = (
            (1, loopback, 24, 65536 if family == "linux" else 1500, 10_000_000, b"", 40, 40),
            (2, nic, 6, 1500, 1_000_000_000, mac, rate_in, rate_out),
        )
        self.entries[(1, 3, 6, 1, 2, 1, 2, 1, 0)] = lambda: ber.enc_int(len(interfaces))

        def counter(per_second: int) -> Value:
            return lambda: ber.enc_unsigned(
                int((datetime.now(UTC) - booted).total_seconds() * per_second) % (1 << 32), ber.COUNTER32
            )

        for index, descr, kind, mtu, speed, phys, rin, rout in interfaces:
            e = IF_TABLE_ENTRY
            zero = const(ber.enc_unsigned(0, ber.COUNTER32))
            self.entries.update(
                {
                    (*e, 1, index): const(ber.enc_int(index)),
                    (*e, 2, index): const(ber.enc_octets(descr)),
                    (*e, 3, index): const(ber.enc_int(kind)),
                    (*e, 4, index): const(ber.enc_int(mtu)),
                    (*e, 5, index): const(ber.enc_unsigned(speed, ber.GAUGE32)),
                    (*e, 6, index): const(ber.enc_octets(phys)),
                    (*e, 7, index): const(ber.enc_int(1)),
                    (*e, 8, index): const(ber.enc_int(1)),
                    (*e, 9, index): const(ber.enc_unsigned(0, ber.TIMETICKS)),
                    (*e, 10, index): counter(rin),
                    (*e, 11, index): counter(max(1, rin // 900)),
                    (*e, 13, index): zero,
                    (*e, 14, index): zero,
                    (*e, 16, index): counter(rout),
                    (*e, 17, index): counter(max(1, rout // 900)),
                    (*e, 19, index): zero,
                    (*e, 20, index): zero,
                }
            )

    def get(self, oid: Oid) -> bytes | None:
        value = self.entries.get(oid)
        return value() if value is not None else None

    def next(self, oid: Oid) -> tuple[Oid, bytes] | None:
        """The first OID after ``oid`` and its value (None past the end)."""
        i = bisect.bisect_right(self.oids, oid)
        if i >= len(self.oids):
            return None
        found = self.oids[i]
        return found, self.entries[found]()

    def is_object(self, oid: Oid) -> bool:
        """Whether ``oid`` names an instance's object (so a Get of it is noSuchInstance)."""
        return any(known[:-1] == oid[:-1] for known in self.oids) if oid else False
