"""Platforms: what a persona can be built from (an OS release line with the versions it really ships).

A Linux distro has one platform (see :mod:`decnet.fleet.catalog.distros`); Windows, FreeBSD,
Cisco IOS and embedded devices (printers, IoT boxes, PLCs) have the platforms below. Every
list is in chronological order (oldest first): a persona picks one *patch level* and takes the
entry at that point of every list, so an up-to-date host has up-to-date banners everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Release:
    """One release of an OS: what ``/etc/os-release`` (or its equivalent) says."""

    pretty_name: str
    version_id: str = ""
    version: str = ""


@dataclass(frozen=True, slots=True)
class HttpServer:
    """A web server of a platform: flavour, how often it is the one installed, and Server headers."""

    flavour: str  #: "nginx" | "apache" | "iis" | "embedded"
    weight: int
    servers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Platform:
    """Everything a persona's banners are picked from."""

    key: str
    os_family: str
    releases: tuple[Release, ...]
    kernels: tuple[str, ...]  #: ``uname -r`` (Windows: build with UBR, devices: firmware)
    ssh_banners: tuple[str, ...]  #: identification strings exactly as the server sends them
    http: tuple[HttpServer, ...]
    #: product -> versions as that product reports itself on this platform
    products: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ssh_auth_fail_delay_s: float = 2.0
    arch: str = "x86_64"
    vendors: tuple[str, ...] = ()  #: MAC vendors that make this device (devices only)
    role: str = ""  #: device class: "printer" | "iot" | "ics" | "" (computers)
    serial_format: str = ""  #: device serial number pattern: '@' a letter, '#' a digit

    def product_versions(self) -> dict[str, tuple[str, ...]]:
        """Products and their versions as a dict."""
        return dict(self.products)


def products(**versions: str | tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Build a :attr:`Platform.products` table from keyword arguments."""
    return tuple((name, (value,) if isinstance(value, str) else value) for name, value in versions.items())


def _iis() -> tuple[HttpServer, ...]:
    return (HttpServer("iis", 1, ("Microsoft-IIS/10.0",)),)


# --- Windows ---------------------------------------------------------------------------------
# Builds are 10.0.<build>.<UBR>; UBRs are the monthly cumulative updates from late 2023 on.

WINDOWS_PLATFORMS: dict[str, tuple[Platform, ...]] = {
    "windows": (
        Platform(
            "windows10-22h2",
            "windows",
            (Release("Windows 10 Pro", "10.0.19045", "22H2"),),
            tuple(
                f"10.0.19045.{u}" for u in (3803, 3930, 4046, 4170, 4291, 4412, 4529, 4651, 4780, 4894, 5011)
            ),
            ("SSH-2.0-OpenSSH_for_Windows_8.1",),
            _iis(),
            products(
                iis="10.0",
                openssh="8.1p1",
                mssql="15.0.2000.5",
                mysql=("8.0.35", "8.0.36", "8.0.39"),
                smb_dialect="3.1.1",
                ftp_banner="Microsoft FTP Service",
            ),
            ssh_auth_fail_delay_s=0.0,
            arch="AMD64",
        ),
        Platform(
            "windows11-23h2",
            "windows",
            (Release("Windows 11 Pro", "10.0.22631", "23H2"),),
            tuple(
                f"10.0.22631.{u}" for u in (2861, 3007, 3155, 3296, 3447, 3593, 3737, 3880, 4037, 4169, 4317)
            ),
            ("SSH-2.0-OpenSSH_for_Windows_8.6",),
            _iis(),
            products(
                iis="10.0",
                openssh="8.6p1",
                mssql="16.0.1000.6",
                mysql=("8.0.35", "8.0.36", "8.0.39"),
                smb_dialect="3.1.1",
                ftp_banner="Microsoft FTP Service",
            ),
            ssh_auth_fail_delay_s=0.0,
            arch="AMD64",
        ),
    ),
    "windows_server": (
        Platform(
            "windows-server-2019",
            "windows",
            (Release("Windows Server 2019 Standard", "10.0.17763", "1809"),),
            tuple(
                f"10.0.17763.{u}" for u in (5206, 5329, 5458, 5576, 5696, 5830, 5936, 6054, 6189, 6293, 6414)
            ),
            ("SSH-2.0-OpenSSH_for_Windows_7.7",),
            _iis(),
            products(
                iis="10.0",
                openssh="7.7p1",
                mssql="15.0.2000.5",
                mysql=("8.0.35", "8.0.36", "8.0.39"),
                smb_dialect="3.1.1",
                ftp_banner="Microsoft FTP Service",
            ),
            ssh_auth_fail_delay_s=0.0,
            arch="AMD64",
        ),
        Platform(
            "windows-server-2022",
            "windows",
            (Release("Windows Server 2022 Standard", "10.0.20348", "21H2"),),
            tuple(
                f"10.0.20348.{u}" for u in (2159, 2227, 2322, 2340, 2402, 2461, 2527, 2582, 2655, 2700, 2762)
            ),
            ("SSH-2.0-OpenSSH_for_Windows_8.1",),
            _iis(),
            products(
                iis="10.0",
                openssh="8.1p1",
                mssql="16.0.1000.6",
                mysql=("8.0.35", "8.0.36", "8.0.39"),
                smb_dialect="3.1.1",
                ftp_banner="Microsoft FTP Service",
            ),
            ssh_auth_fail_delay_s=0.0,
            arch="AMD64",
        ),
    ),
}

# --- FreeBSD -----------------------------------------------------------------------------------


def _freebsd(
    release: str, patches: tuple[int, ...], ssh: str, openssl: str, postgresql: str, redis: str
) -> Platform:
    return Platform(
        f"freebsd-{release}",
        "bsd",
        (Release(f"FreeBSD {release}-RELEASE", release, f"{release}-RELEASE"),),
        tuple(f"{release}-RELEASE" + (f"-p{p}" if p else "") for p in patches),
        (ssh,),
        (
            HttpServer("nginx", 3, ("nginx/1.24.0", "nginx/1.26.1")),
            HttpServer(
                "apache", 2, ("Apache/2.4.58 (FreeBSD)", "Apache/2.4.59 (FreeBSD)", "Apache/2.4.62 (FreeBSD)")
            ),
        ),
        products(
            openssl=openssl,
            mysql=("8.0.36", "8.0.37", "8.0.39"),
            postgresql=postgresql,
            redis=redis,
            proftpd="1.3.8b",
            samba="4.16.11",
            postfix=("3.8.5", "3.9.0"),
            dovecot="2.3.21",
            bind="9.18.24",
            net_snmp="5.9.3",
        ),
        ssh_auth_fail_delay_s=0.0,
        arch="amd64",
    )


BSD_PLATFORMS: tuple[Platform, ...] = (
    _freebsd("13.3", (0, 1, 2, 3), "SSH-2.0-OpenSSH_9.6 FreeBSD-20240104", "1.1.1w", "15.6", "7.2.4"),
    _freebsd("14.0", (2, 4, 5, 6), "SSH-2.0-OpenSSH_9.5 FreeBSD-20231004", "3.0.12", "16.1", "7.2.4"),
    _freebsd("14.1", (0, 2, 3, 5), "SSH-2.0-OpenSSH_9.7 FreeBSD-20240318", "3.0.13", "16.3", "7.2.5"),
)

# --- Cisco IOS ---------------------------------------------------------------------------------

_IOS = ("15.2(7)E8", "15.2(7)E9", "15.2(7)E10")

CISCO_PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "cisco-c2960x",
        "cisco",
        tuple(
            Release(
                f"Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version {v}, "
                "RELEASE SOFTWARE (fc1)",
                v,
                v,
            )
            for v in _IOS
        ),
        _IOS,
        ("SSH-2.0-Cisco-1.25",),
        (HttpServer("embedded", 1, ("cisco-IOS",)),),
        products(ios=_IOS, model="WS-C2960X-48FPD-L"),
        ssh_auth_fail_delay_s=0.0,
        arch="ppc",
        vendors=("cisco",),
        serial_format="FOC####@###",
    ),
)

# --- Embedded devices --------------------------------------------------------------------------

_DROPBEAR_OLD = "SSH-2.0-dropbear_2019.78"

EMBEDDED_PLATFORMS: tuple[Platform, ...] = (
    Platform(
        "printer-hp-m404",
        "embedded",
        (Release("HP LaserJet Pro M404dn"),),
        ("002.2149A", "002.2232A", "002.2336A", "002.2410A"),
        (_DROPBEAR_OLD,),
        (
            HttpServer(
                "embedded",
                1,
                ("HP HTTP Server; HP LaserJet Pro M404-M405 - W1A53A; Serial Number: {serial}",),
            ),
        ),
        products(
            sysdescr="HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM {kernel},"
            "CIDATE 06/21/2022",
            ftp_banner="JD FTP Server Ready",
            model="HP LaserJet Pro M404dn",
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("hp",),
        role="printer",
        serial_format="PHB@@#####",
    ),
    Platform(
        "printer-brother-hl",
        "embedded",
        (Release("Brother HL-L2350DW"),),
        ("Ver.1.05", "Ver.1.10", "Ver.1.20"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("debut/1.20", "debut/1.30")),),
        products(
            sysdescr="Brother NC-8800w, Firmware Ver.1.05  (20.05.12),MID 8CE-F40,FID 2",
            ftp_banner="FTP print service:V-1.15/Use the network password for the ID if updating.",
            model="Brother HL-L2350DW series",
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("brother",),
        role="printer",
        serial_format="E7####@#######",
    ),
    Platform(
        "printer-canon-iradv",
        "embedded",
        (Release("Canon iR-ADV C5535"),),
        ("33.04", "34.04", "35.03"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("Canon HTTP Server",)),),
        products(sysdescr="Canon iR-ADV C5535 /P", ftp_banner="Canon FTP Server", model="Canon iR-ADV C5535"),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("canon",),
        role="printer",
        serial_format="@@@#####",
    ),
    Platform(
        "printer-xerox-versalink",
        "embedded",
        (Release("Xerox VersaLink C405"),),
        ("73.21.61", "73.31.61", "73.41.61"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("Xerox_MicroServer/Xerox11",)),),
        products(
            sysdescr="Xerox VersaLink C405", ftp_banner="Xerox FTP Server", model="Xerox VersaLink C405"
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("xerox",),
        role="printer",
        serial_format="@@@######",
    ),
    Platform(
        "printer-kyocera-ecosys",
        "embedded",
        (Release("Kyocera ECOSYS M2540dn"),),
        ("2S0_2F00.007.001", "2S0_2F00.010.002"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("KM-MFP-http/V0.0.1",)),),
        products(
            sysdescr="KYOCERA Document Solutions Printing System",
            ftp_banner="KYOCERA FTP server",
            model="ECOSYS M2540dn",
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("kyocera",),
        role="printer",
        serial_format="VCF#######",
    ),
    Platform(
        "iot-openwrt-22.03",
        "embedded",
        (Release("OpenWrt 22.03.5", "22.03.5", "22.03.5"), Release("OpenWrt 22.03.6", "22.03.6", "22.03.6")),
        ("5.10.176", "5.10.201"),
        ("SSH-2.0-dropbear_2022.82",),
        (HttpServer("embedded", 1, ("",)),),  # uhttpd sends no Server header
        products(busybox="1.35.0", dropbear="2022.82", mosquitto=("2.0.15", "2.0.18")),
        ssh_auth_fail_delay_s=0.25,
        arch="aarch64",
        vendors=("raspberrypi",),
        role="iot",
    ),
    Platform(
        "iot-openwrt-23.05",
        "embedded",
        (Release("OpenWrt 23.05.2", "23.05.2", "23.05.2"), Release("OpenWrt 23.05.3", "23.05.3", "23.05.3")),
        ("5.15.137", "5.15.150"),
        ("SSH-2.0-dropbear_2022.82",),
        (HttpServer("embedded", 1, ("",)),),
        products(busybox="1.36.1", dropbear="2022.82", mosquitto="2.0.18"),
        ssh_auth_fail_delay_s=0.25,
        arch="aarch64",
        vendors=("raspberrypi",),
        role="iot",
    ),
    Platform(
        "iot-busybox-gateway",
        "embedded",
        (Release("BusyBox v1.31.1"),),
        ("4.9.118", "4.14.180"),
        ("SSH-2.0-dropbear_2020.81",),
        (HttpServer("embedded", 1, ("Boa/0.94.14rc21",)), HttpServer("embedded", 1, ("lighttpd/1.4.59",))),
        products(busybox="1.31.1", dropbear="2020.81", mosquitto="1.6.12"),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        role="iot",
    ),
    Platform(
        "ics-siemens-s7-1200",
        "embedded",
        (Release("SIMATIC S7-1200 CPU 1214C DC/DC/DC"),),
        ("V4.4.1", "V4.5.2", "V4.6.1"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("",)),),
        products(
            sysdescr="Siemens, SIMATIC S7, CPU 1214C DC/DC/DC, 6ES7 214-1AG40-0XB0, HW: 1, FW: {kernel}",
            ics_vendor="Siemens",
            ics_model="CPU 1214C DC/DC/DC",
            ics_module_type="S7-1200",
            ics_order_code="6ES7 214-1AG40-0XB0",
            model="SIMATIC S7-1200",
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("siemens",),
        role="ics",
        serial_format="S C-@@#########",
    ),
    Platform(
        "ics-siemens-s7-300",
        "embedded",
        (Release("SIMATIC S7-300 CPU 315-2 PN/DP"),),
        ("V3.2.8", "V3.2.17"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("",)),),
        products(
            sysdescr="Siemens, SIMATIC S7, CPU 315-2 PN/DP, 6ES7 315-2EH14-0AB0, HW: 4, FW: {kernel}",
            ics_vendor="Siemens",
            ics_model="CPU 315-2 PN/DP",
            ics_module_type="S7-300",
            ics_order_code="6ES7 315-2EH14-0AB0",
            model="SIMATIC S7-300",
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("siemens",),
        role="ics",
        serial_format="S C-@@#########",
    ),
    Platform(
        "ics-schneider-m340",
        "embedded",
        (Release("Modicon M340 BMX P34 2020"),),
        ("v2.70", "v3.20", "v3.40"),
        (_DROPBEAR_OLD,),
        (HttpServer("embedded", 1, ("",)),),
        products(
            sysdescr="Schneider Electric BMX P34 2020 {kernel}",
            ics_vendor="Schneider Electric",
            ics_model="BMX P34 2020",
            ics_module_type="Modicon M340",
            ics_order_code="BMX P34 2020",
            model="Modicon M340",
        ),
        ssh_auth_fail_delay_s=0.25,
        arch="armv7l",
        vendors=("schneider",),
        role="ics",
        serial_format="###########",
    ),
)


def embedded_platforms(role: str) -> tuple[Platform, ...]:
    """The device platforms of ``role`` ("printer", "iot", "ics"); any other role gets the IoT ones."""
    chosen = tuple(p for p in EMBEDDED_PLATFORMS if p.role == role)
    return chosen or tuple(p for p in EMBEDDED_PLATFORMS if p.role == "iot")
