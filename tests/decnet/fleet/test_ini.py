"""The INI deployment file: SPEC example, amount expansion, every error naming file, section and key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from decnet.fleet.errors import FleetConfigError
from decnet.fleet.ini import load_fleet_ini, parse_fleet_ini

SPEC_EXAMPLE = """\
[general]
net = 192.168.1.0/24
gw = 192.168.1.1
interface = eth0

[decky-01]
ip = 192.168.1.110
services = ssh, http
os = linux
mutate_interval = 45          ; minutes

[decky-01.ssh]
users = ubuntu:ubuntu123, root:toor

[decky-01.http]
server_header = nginx/1.18.0
fake_app = wordpress

[corp-workstations]
archetype = windows-workstation
amount = 10                   ; corp-workstations-01 .. -10, IPs allocated

[custom-myapp]
image = my-image:latest
exec = /usr/bin/myapp -p 9999
ports = 9999
"""

GENERAL = "[general]\nnet = 10.0.0.0/24\ngw = 10.0.0.1\n\n"


def parse(body: str, **kwargs: object) -> object:
    return parse_fleet_ini(GENERAL + textwrap.dedent(body), source="fleet.ini", **kwargs)  # type: ignore[arg-type]


def test_spec_example() -> None:
    fleet = parse_fleet_ini(SPEC_EXAMPLE, source="fleet.ini", seed="spec")
    assert fleet.net == "192.168.1.0/24" and fleet.gateway == "192.168.1.1" and fleet.interface == "eth0"
    names = [d.name for d in fleet.deckies]
    assert names == ["decky-01"] + [f"corp-workstations-{i:02d}" for i in range(1, 11)]
    first = fleet.decky("decky-01")
    assert first.ip == "192.168.1.110" and first.services == ["ssh", "http"]
    assert first.os_profile == "linux" and first.mutate_interval == 45
    assert first.service_config == {
        "ssh": {"users": "ubuntu:ubuntu123, root:toor"},
        "http": {"server_header": "nginx/1.18.0", "fake_app": "wordpress"},
    }
    workstations = fleet.deckies[1:]
    assert [d.ip for d in workstations] == [f"192.168.1.{i}" for i in range(2, 12)]
    for decky in workstations:
        assert decky.archetype == "windows-workstation" and decky.os_profile == "windows"
        assert decky.services == ["smb", "rdp"] and decky.mutate_interval == 30
    assert [c.name for c in fleet.custom_services] == ["myapp"]
    assert fleet.custom_services[0].exec == "/usr/bin/myapp -p 9999" and fleet.custom_services[0].ports == [
        9999
    ]
    assert parse_fleet_ini(SPEC_EXAMPLE, seed="spec") == fleet


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "fleet.ini"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")
    fleet = load_fleet_ini(path, seed="x", backend="netns", interface="eth9")
    assert fleet.backend == "netns" and fleet.interface == "eth9"
    assert all(d.backend == "netns" for d in fleet.deckies)
    path.write_text(SPEC_EXAMPLE.replace("192.168.1.110", "192.168.1.300"), encoding="utf-8")
    with pytest.raises(
        FleetConfigError, match=rf"^{path} \[decky-01\] ip: 192.168.1.300 is not an IPv4 address$"
    ):
        load_fleet_ini(path)
    with pytest.raises(FleetConfigError, match="cannot read deployment file"):
        load_fleet_ini(tmp_path / "missing.ini")
    (tmp_path / "latin1.ini").write_bytes(b"[general]\nnet = \xff\n")
    with pytest.raises(FleetConfigError, match="not valid UTF-8"):
        load_fleet_ini(tmp_path / "latin1.ini")


def test_custom_services_are_referenced_by_name() -> None:
    fleet = parse(
        """
        [app]
        services = ssh, myapp
        [other]
        services = http, custom-myapp
        [app.myapp]
        flag = 1
        [custom-myapp]
        image = img:1
        ports = 9000, 9001
        """
    )
    app, other = fleet.deckies  # type: ignore[attr-defined]
    assert app.services == ["ssh", "myapp"] and other.services == ["http", "myapp"]
    assert [c.name for c in app.custom_services] == ["myapp"] and app.custom_services[0].ports == [9000, 9001]
    assert app.service_config == {"myapp": {"flag": "1"}}
    assert app.builtin_services == ["ssh"]


def test_amount_groups_share_service_config_and_cycle_distros() -> None:
    fleet = parse(
        """
        [web]
        services = http, ssh
        distro = debian, rocky9
        amount = 3
        mutate_interval = 0
        host = node-a
        [web.http]
        fake_app = phpmyadmin
        """
    )
    deckies = fleet.deckies  # type: ignore[attr-defined]
    assert [d.name for d in deckies] == ["web-01", "web-02", "web-03"]
    assert [d.distro for d in deckies] == ["debian", "rocky9", "debian"]
    assert all(d.service_config == {"http": {"fake_app": "phpmyadmin"}} for d in deckies)
    assert all(d.mutate_interval == 0 and d.host == "node-a" for d in deckies)


def test_amount_width_grows() -> None:
    fleet = parse("[big]\nservices = ssh\namount = 120\n")
    assert fleet.deckies[0].name == "big-001" and fleet.deckies[-1].name == "big-120"  # type: ignore[attr-defined]


def test_general_options_and_explicit_identity() -> None:
    fleet = parse_fleet_ini(
        textwrap.dedent(
            """
            [general]
            net = 10.20.0.0/24
            gateway = 10.20.0.254
            backend = local
            mode = swarm
            ipvlan = yes
            mutate_interval = 90
            seed = 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
            ip_start = 10.20.0.50
            exclude = 10.20.0.50, 10.20.0.52-10.20.0.53
            [a]
            services = ssh
            hostname = web01.corp.example
            mac = 00:50:56:01:02:03
            seed = my-own-seed
            [b]
            archetype = printer
            randomize_services = true
            """
        )
    )
    assert (
        fleet.gateway == "10.20.0.254" and fleet.backend == "local" and fleet.mode == "swarm" and fleet.ipvlan
    )
    assert fleet.seed == "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    a, b = fleet.deckies
    assert (a.ip, b.ip) == ("10.20.0.51", "10.20.0.54")
    assert a.hostname == "web01.corp.example" and a.mac == "00:50:56:01:02:03" and a.mutate_interval == 90
    assert set(b.services) <= {"snmp", "ftp", "http"} and b.os_profile == "embedded"


def test_in_use_and_host_addresses_are_excluded() -> None:
    fleet = parse("[a]\nservices = ssh\namount = 2\n", host_addresses=["10.0.0.2"], in_use=["10.0.0.3"])
    assert [d.ip for d in fleet.deckies] == ["10.0.0.4", "10.0.0.5"]  # type: ignore[attr-defined]
    with pytest.raises(FleetConfigError, match=r"fleet.ini \[a\] ip: 10.0.0.3 is excluded"):
        parse("[a]\nservices = ssh\nip = 10.0.0.3\n", in_use=["10.0.0.3"])


ERRORS = [
    ("[d]\nservices = ssh\nip = 10.0.0.300\n", "fleet.ini [d] ip: 10.0.0.300 is not an IPv4 address"),
    ("[d]\nservices = ssh\ncolour = blue\n", "fleet.ini [d] colour: unknown key"),
    ("[d]\nservice = ssh\n", "fleet.ini [d] service: unknown key; did you mean 'services'?"),
    ("[d]\nservices = ssh, gopher\n", "fleet.ini [d] services: unknown service 'gopher'"),
    ("[d]\nservices = ssh\ndistro = gentoo\n", "fleet.ini [d] distro: unknown distro 'gentoo'"),
    ("[d]\narchetype = mainframe\n", "fleet.ini [d] archetype: unknown archetype 'mainframe'"),
    ("[d]\nservices = ssh\nos = plan9\n", "fleet.ini [d] os: unknown OS profile 'plan9'"),
    ("[d]\nservices = ssh\nip = 10.9.9.9\n", "fleet.ini [d] ip: 10.9.9.9 is outside the subnet 10.0.0.0/24"),
    ("[d]\nservices = ssh\nip = 10.0.0.1\n", "fleet.ini [d] ip: 10.0.0.1 is the gateway"),
    (
        "[d]\nservices = ssh\nip = 10.0.0.255\n",
        "fleet.ini [d] ip: 10.0.0.255 is the network or broadcast address",
    ),
    (
        "[d]\nservices = ssh\nip = 10.0.0.9\n[e]\nservices = ssh\nip = 10.0.0.9\n",
        "fleet.ini [e] ip: 10.0.0.9 collides with fleet.ini [d]",
    ),
    (
        "[web]\nservices = ssh\namount = 2\n[web-02]\nservices = ssh\n",
        "fleet.ini [web-02]: decky name web-02 is also declared by fleet.ini [web]",
    ),
    ("[d]\nservices = ssh\namount = 2\nip = 10.0.0.9\n", "fleet.ini [d] amount: cannot be combined with ip"),
    ("[d]\nservices = ssh\namount = 0\n", "fleet.ini [d] amount: 0 is out of range"),
    ("[d]\nservices = ssh\namount = many\n", "fleet.ini [d] amount: many is not a whole number"),
    (
        "[d]\nservices = ssh\n[d.ftp]\nanonymous = yes\n",
        "fleet.ini [d.ftp]: d does not run ftp (services: ssh)",
    ),
    (
        "[w]\nservices = ssh\namount = 2\n[w.http]\nx = 1\n",
        "fleet.ini [w.http]: w does not run http (services: ssh)",
    ),
    ("[d]\nservices = ssh\n[ghost.ssh]\nx = 1\n", "fleet.ini [ghost.ssh]: no decky section [ghost]"),
    ("[d]\nservices = ssh\n[d.gopher]\nx = 1\n", "fleet.ini [d.gopher]: unknown service 'gopher'"),
    (
        "[d]\nservices = ssh\nmutate_interval = soon\n",
        "fleet.ini [d] mutate_interval: soon is not a whole number",
    ),
    ("[d]\nservices = ssh\nmac = zz:zz\n", "fleet.ini [d] mac: zz:zz is not a MAC address"),
    (
        "[d]\nservices = ssh\nhostname = bad_name\n",
        "fleet.ini [d] hostname: 'bad_name' is not a valid hostname",
    ),
    (
        "[d]\nservices = ssh\nrandomize_services = maybe\n",
        "fleet.ini [d] randomize_services: maybe is not a boolean",
    ),
    ("[d]\nservices =\n", "fleet.ini [d] services: empty value"),
    ("[d]\nos = linux\n", "fleet.ini [d]: no services"),
    ("[bad.name.x]\nx = 1\n", "fleet.ini [bad.name.x]: no decky section [bad]"),
    ("[d_1!]\nservices = ssh\n", "fleet.ini [d_1!]: 'd_1!' is not a valid decky name"),
    ("[d]\nservices = ssh\n[custom-x]\nports = 80\n", "fleet.ini [custom-x] image: missing"),
    (
        "[d]\nservices = ssh\n[custom-x]\nimage = i\nports = http\n",
        "fleet.ini [custom-x] ports: http is not a whole number",
    ),
    (
        "[d]\nservices = ssh\n[custom-x]\nimage = i\nports = 0\n",
        "fleet.ini [custom-x] ports: 0 is out of range",
    ),
    (
        "[d]\nservices = ssh\n[custom-ssh]\nimage = i\nports = 22\n",
        "fleet.ini [custom-ssh]: custom service 'ssh' has the name",
    ),
    (
        "[d]\nservices = ssh\n[custom-x]\nimage = i\nports = 1\nuser = me\n",
        "fleet.ini [custom-x] user: unknown key",
    ),
    ("[d]\nservices = ssh\n[d]\nip = 10.0.0.5\n", "fleet.ini [d]: duplicate section (line"),
    ("[d]\nservices = ssh\nservices = http\n", "fleet.ini [d] services: given twice (line"),
    ("[d]\nservices = ssh\nnot a key value line\n", "fleet.ini: malformed INI at line"),
    ("", "fleet.ini: no decky sections"),
]


@pytest.mark.parametrize(("body", "message"), ERRORS, ids=[m for _, m in ERRORS])
def test_errors_name_file_section_and_key(body: str, message: str) -> None:
    with pytest.raises(FleetConfigError) as info:
        parse_fleet_ini(GENERAL + body, source="fleet.ini")
    assert message in str(info.value), str(info.value)


GENERAL_ERRORS = [
    ("[general]\nnet = 10.0.0.0/33\n", "fleet.ini [general] net: 10.0.0.0/33 is not an IPv4 CIDR"),
    (
        "[general]\nnet = 10.0.0.7/24\n",
        "fleet.ini [general] net: 10.0.0.7/24 has host bits set; did you mean 10.0.0.0/24?",
    ),
    ("[general]\nnet = banana\n", "fleet.ini [general] net: banana is not a CIDR"),
    ("[general]\ninterface = eth0\n", "fleet.ini [general] net: missing"),
    (
        "[general]\nnet = 10.0.0.0/24\ngw = 10.1.0.1\n",
        "fleet.ini [general] gw: 10.1.0.1 is outside 10.0.0.0/24",
    ),
    (
        "[general]\nnet = 10.0.0.0/24\ngw = 10.0.0.1\ngateway = 10.0.0.1\n",
        "fleet.ini [general] gateway: given together with gw",
    ),
    (
        "[general]\nnet = 10.0.0.0/24\nbackend = vmware\n",
        "fleet.ini [general] backend: unknown backend 'vmware'",
    ),
    ("[general]\nnet = 10.0.0.0/24\nmode = cloud\n", "fleet.ini [general] mode: unknown mode 'cloud'"),
    (
        "[general]\nnet = 10.0.0.0/24\nipvlan = perhaps\n",
        "fleet.ini [general] ipvlan: perhaps is not a boolean",
    ),
    (
        "[general]\nnet = 10.0.0.0/24\nmutate_interval = -3\n",
        "fleet.ini [general] mutate_interval: -3 is out of range",
    ),
    (
        "[general]\nnet = 10.0.0.0/24\nexclude = 10.0.0.999\n",
        "fleet.ini [general] exclude: 10.0.0.999 is not an IPv4 address",
    ),
    (
        "[general]\nnet = 10.0.0.0/24\nip_start = 10.5.0.1\n",
        "fleet.ini [general] ip_start: 10.5.0.1 is outside 10.0.0.0/24",
    ),
    ("[general]\nnet = 10.0.0.0/24\nwifi = on\n", "fleet.ini [general] wifi: unknown key"),
    ("[general]\nnet = 10.0.0.0/24\nseed =\n", "fleet.ini [general] seed: empty value"),
    ("net = 10.0.0.0/24\n", "fleet.ini: line 1: a key outside any section"),
    ("[decky]\nservices = ssh\n", "fleet.ini: no [general] section"),
    (
        "[general]\nnet = 10.0.0.0/29\n[many]\nservices = ssh\namount = 10\n",
        "fleet.ini [many] amount: no free address left for many-06",
    ),
    (
        "[general]\nnet = 10.0.0.0/30\n[a]\nservices = ssh\n[b]\nservices = ssh\n",
        "fleet.ini [b]: no free address left for b",
    ),
]


@pytest.mark.parametrize(("text", "message"), GENERAL_ERRORS, ids=[m for _, m in GENERAL_ERRORS])
def test_general_errors(text: str, message: str) -> None:
    if "[decky]" not in text and "[many]" not in text and "[a]" not in text:
        text += "[d]\nservices = ssh\n"
    with pytest.raises(FleetConfigError) as info:
        parse_fleet_ini(text, source="fleet.ini")
    assert message in str(info.value), str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(FleetConfigError) as info:
        parse("[a]\nservices = gopher\ncolour = red\n[b]\nservices = ssh\nip = 1.2.3.4\n[b.ftp]\nx = 1\n")
    problems = info.value.problems
    assert any("[a] services: unknown service 'gopher'" in p for p in problems)
    assert any("[a] colour: unknown key" in p for p in problems)
    assert any("[b] ip: 1.2.3.4 is outside" in p for p in problems)
    assert any("[b.ftp]" in p for p in problems)
    assert str(info.value) == "; ".join(problems)


def test_inline_comments_and_passwords() -> None:
    fleet = parse("[d]\nservices = ssh   # the usual\n[d.ssh]\nusers = root:p#ss;word\n")
    assert fleet.deckies[0].services == ["ssh"]  # type: ignore[attr-defined]
    assert fleet.deckies[0].service_config["ssh"]["users"] == "root:p#ss;word"  # type: ignore[attr-defined]


def test_reproducible_with_a_seed_random_without() -> None:
    assert parse("[d]\nservices = ssh\n", seed="a") == parse("[d]\nservices = ssh\n", seed="a")
    assert parse("[d]\nservices = ssh\n").seed != parse("[d]\nservices = ssh\n").seed  # type: ignore[attr-defined]
