"""Network-card vendors (IEEE OUIs) a decky's MAC address can come from.

The planner picks the vendor from the decky's OS profile and role, and the persona's hardware
(CPU, memory, device model) follows the vendor, so the MAC never contradicts the banners.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What kind of machine a vendor's NIC sits in.
#: ``vm`` virtual machine, ``server`` rack server, ``pc`` desktop/laptop, ``sbc`` single-board
#: computer, ``printer``, ``plc`` industrial controller, ``network`` router/switch.
HARDWARE_KINDS: tuple[str, ...] = ("vm", "server", "pc", "sbc", "printer", "plc", "network")


@dataclass(frozen=True, slots=True)
class MacVendor:
    """A NIC vendor: its OUIs and the kinds of machine it is found in."""

    key: str
    name: str
    ouis: tuple[str, ...]  #: upper-case "00:50:56"
    kinds: tuple[str, ...]


MAC_VENDORS: dict[str, MacVendor] = {
    v.key: v
    for v in (
        MacVendor("vmware", "VMware, Inc.", ("00:50:56", "00:0C:29"), ("vm",)),
        MacVendor("hyperv", "Microsoft Corporation (Hyper-V)", ("00:15:5D",), ("vm",)),
        MacVendor("qemu", "QEMU/KVM virtual NIC", ("52:54:00",), ("vm",)),
        MacVendor("dell", "Dell Inc.", ("00:14:22", "F8:BC:12", "18:66:DA", "D4:AE:52"), ("server", "pc")),
        MacVendor("hp", "Hewlett Packard", ("3C:D9:2B", "9C:8E:99", "00:1B:78"), ("server", "pc", "printer")),
        MacVendor("supermicro", "Super Micro Computer, Inc.", ("00:25:90", "AC:1F:6B"), ("server",)),
        MacVendor("intel", "Intel Corporate", ("00:1B:21", "3C:FD:FE", "A0:36:9F"), ("pc", "server")),
        MacVendor("raspberrypi", "Raspberry Pi", ("B8:27:EB", "DC:A6:32", "E4:5F:01"), ("sbc",)),
        MacVendor("brother", "Brother Industries, Ltd.", ("00:80:77", "00:1B:A9"), ("printer",)),
        MacVendor("canon", "Canon Inc.", ("00:00:85",), ("printer",)),
        MacVendor("xerox", "Xerox Corporation", ("00:00:AA",), ("printer",)),
        MacVendor("kyocera", "Kyocera Corporation", ("00:C0:EE",), ("printer",)),
        MacVendor("siemens", "Siemens AG", ("00:1B:1B", "00:0E:8C", "28:63:36"), ("plc",)),
        MacVendor("schneider", "Schneider Electric (Telemecanique)", ("00:80:F4",), ("plc",)),
        MacVendor("cisco", "Cisco Systems, Inc.", ("00:00:0C", "00:01:42", "00:01:43"), ("network",)),
    )
}

_BY_OUI: dict[str, MacVendor] = {oui: v for v in MAC_VENDORS.values() for oui in v.ouis}


def vendor_of(mac: str) -> MacVendor | None:
    """The vendor whose OUI starts ``mac`` (any case, ``:`` or ``-``), or None."""
    return _BY_OUI.get(mac.replace("-", ":").upper()[:8])


#: Vendors (with weights) the planner draws a MAC from, by OS profile and role.
#: The role is the embedded device class ("printer", "iot", "ics") or "" for computers.
VENDOR_WEIGHTS: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("linux", ""): (("vmware", 5), ("qemu", 2), ("dell", 2), ("hp", 1), ("supermicro", 1)),
    ("windows", ""): (("dell", 3), ("hp", 2), ("intel", 1), ("vmware", 1)),
    ("windows_server", ""): (("vmware", 4), ("hyperv", 2), ("dell", 2), ("hp", 1)),
    ("bsd", ""): (("supermicro", 2), ("vmware", 2), ("intel", 1)),
    ("embedded", "printer"): (("hp", 3), ("brother", 2), ("canon", 1), ("xerox", 1), ("kyocera", 1)),
    ("embedded", "iot"): (("raspberrypi", 1),),
    ("embedded", "ics"): (("siemens", 2), ("schneider", 1)),
    ("embedded", ""): (("raspberrypi", 1),),
    ("cisco", ""): (("cisco", 1),),
}


def vendor_weights(os_profile: str, role: str = "") -> tuple[tuple[str, int], ...]:
    """The (vendor key, weight) pairs a MAC is drawn from for this OS profile and device role."""
    return VENDOR_WEIGHTS.get((os_profile, role)) or VENDOR_WEIGHTS.get((os_profile, "")) or (("vmware", 1),)
