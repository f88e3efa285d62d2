"""The INI deployment file (``decnet deploy -c fleet.ini``); see docs/ini.md.

Sections: ``[general]`` (the decoy network), ``[NAME]`` (a decky, or ``amount`` of them),
``[NAME.SERVICE]`` (raw config of one service of that decky), ``[custom-NAME]`` (a
bring-your-own service). Every problem is reported at once, each naming the file, the section
and the key; nothing partial is ever returned.
"""

from __future__ import annotations

import configparser
import difflib
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from decnet.fleet.catalog.services import SERVICES
from decnet.fleet.errors import FleetConfigError, where
from decnet.fleet.planner import MAX_DECKIES, DeckyDraft, FleetDraft, build_fleet, split_list
from decnet.fleet.rand import parse_seed
from decnet.fleet.spec import CustomServiceSpec, FleetSpec, check_name

GENERAL = "general"
CUSTOM_PREFIX = "custom-"

#: Keys of ``[general]``.
GENERAL_KEYS: tuple[str, ...] = (
    "net",
    "gw",
    "gateway",
    "interface",
    "backend",
    "mode",
    "ipvlan",
    "mutate_interval",
    "seed",
    "ip_start",
    "exclude",
)
#: Keys of a ``[NAME]`` decky section.
DECKY_KEYS: tuple[str, ...] = (
    "ip",
    "services",
    "randomize_services",
    "os",
    "distro",
    "randomize_distros",
    "archetype",
    "amount",
    "mutate_interval",
    "hostname",
    "mac",
    "host",
    "seed",
)
#: Keys of a ``[custom-NAME]`` section.
CUSTOM_KEYS: tuple[str, ...] = ("image", "exec", "ports")
#: Keys that name one decky and so cannot go with ``amount``.
SINGLE_DECKY_KEYS: tuple[str, ...] = ("ip", "hostname", "mac", "seed")

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}
_NO_DEFAULT_SECTION = "\x00decnet-no-default\x00"


def load_fleet_ini(
    path: str | Path,
    *,
    seed: str | bytes | None = None,
    host_addresses: Iterable[str] = (),
    in_use: Iterable[str] = (),
    backend: str | None = None,
    interface: str | None = None,
) -> FleetSpec:
    """Read the deployment file ``path`` into a :class:`FleetSpec`; :class:`FleetConfigError` on any problem.

    ``seed``, ``backend`` and ``interface`` (CLI flags) override the file. ``host_addresses``
    and ``in_use`` are never allocated to a decky, nor accepted as a decky's ``ip``.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FleetConfigError(f"{source}: cannot read deployment file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise FleetConfigError(f"{source}: deployment file is not valid UTF-8") from None
    return parse_fleet_ini(
        text,
        source=source,
        seed=seed,
        host_addresses=host_addresses,
        in_use=in_use,
        backend=backend,
        interface=interface,
    )


def parse_fleet_ini(
    text: str,
    *,
    source: str = "fleet.ini",
    seed: str | bytes | None = None,
    host_addresses: Iterable[str] = (),
    in_use: Iterable[str] = (),
    backend: str | None = None,
    interface: str | None = None,
) -> FleetSpec:
    """Parse deployment-file ``text`` (named ``source`` in messages); see :func:`load_fleet_ini`."""
    parser = configparser.ConfigParser(
        interpolation=None,
        strict=True,
        default_section=_NO_DEFAULT_SECTION,
        comment_prefixes=("#", ";"),
        inline_comment_prefixes=(";", "#"),  # only after whitespace: "a;b" stays whole
        empty_lines_in_values=False,
    )
    parser.optionxform = str.lower  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text, source=source)
    except configparser.DuplicateSectionError as exc:
        raise FleetConfigError(
            f"{where(source, exc.section)}: duplicate section (line {exc.lineno})"
        ) from None
    except configparser.DuplicateOptionError as exc:
        raise FleetConfigError(
            f"{where(source, exc.section, exc.option)}: given twice (line {exc.lineno})"
        ) from None
    except configparser.MissingSectionHeaderError as exc:
        raise FleetConfigError(
            f"{source}: line {exc.lineno}: a key outside any section; start with [general]"
        ) from None
    except configparser.ParsingError as exc:
        lines = ", ".join(str(lineno) for lineno, _ in exc.errors)
        raise FleetConfigError(f"{source}: malformed INI at line {lines}; expected key = value") from None
    except configparser.Error as exc:
        raise FleetConfigError(f"{source}: malformed INI ({' '.join(str(exc).split())})") from None
    return _Loader(source, parser).load(
        seed=seed, host_addresses=host_addresses, in_use=in_use, backend=backend, interface=interface
    )


class _Loader:
    """One pass over a parsed deployment file, collecting every problem."""

    def __init__(self, source: str, parser: configparser.ConfigParser) -> None:
        self.source = source
        self.parser = parser
        self.problems: list[str] = []

    def bad(self, section: str, key: str | None, message: str) -> None:
        self.problems.append(f"{where(self.source, section, key)}: {message}")

    def items(self, section: str, known: tuple[str, ...]) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, value in self.parser.items(section):
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                suggestion = (
                    f"; did you mean {hint[0]!r}?" if hint else f"; expected one of {', '.join(known)}"
                )
                self.bad(section, key, f"unknown key{suggestion}")
                continue
            if not value.strip() and key != "exec":
                self.bad(section, key, "empty value")
                continue
            values[key] = value.strip()
        return values

    def integer(self, section: str, key: str, value: str, low: int, high: int | None = None) -> int | None:
        try:
            number = int(value)
        except ValueError:
            self.bad(section, key, f"{value} is not a whole number")
            return None
        if number < low or (high is not None and number > high):
            upper = f" and <= {high}" if high is not None else ""
            self.bad(section, key, f"{number} is out of range; expected >= {low}{upper}")
            return None
        return number

    def boolean(self, section: str, key: str, value: str) -> bool:
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered not in _FALSE:
            self.bad(section, key, f"{value} is not a boolean; expected true or false")
        return False

    def load(
        self,
        *,
        seed: str | bytes | None,
        host_addresses: Iterable[str],
        in_use: Iterable[str],
        backend: str | None,
        interface: str | None,
    ) -> FleetSpec:
        sections = self.parser.sections()
        if GENERAL not in sections:
            self.problems.append(f"{self.source}: no [general] section; expected one with net = CIDR")
        customs = [s for s in sections if s.startswith(CUSTOM_PREFIX)]
        service_sections = [s for s in sections if "." in s and s not in customs]
        decky_sections = [
            s for s in sections if s != GENERAL and s not in customs and s not in service_sections
        ]

        fleet = self.general(seed, host_addresses, in_use, backend, interface)
        custom_services = [c for c in (self.custom(s) for s in customs) if c is not None]
        custom_names = {c.name for c in custom_services}
        groups: dict[str, list[DeckyDraft]] = {}
        for section in decky_sections:
            groups[section] = self.decky(section)
        for section in service_sections:
            self.service(section, groups, custom_names)
        if not decky_sections:
            self.problems.append(f"{self.source}: no decky sections; add a [NAME] section per decky")
        if fleet is None or not decky_sections:
            raise FleetConfigError(*self.problems)
        fleet.custom_services = custom_services
        drafts = [draft for group in groups.values() for draft in group]
        try:
            spec = build_fleet(fleet, drafts)
        except FleetConfigError as exc:  # report the planner's problems with ours
            raise FleetConfigError(*dict.fromkeys([*self.problems, *exc.problems])) from None
        if self.problems:
            raise FleetConfigError(*self.problems)
        return spec

    def general(
        self,
        seed: str | bytes | None,
        host_addresses: Iterable[str],
        in_use: Iterable[str],
        backend: str | None,
        interface: str | None,
    ) -> FleetDraft | None:
        if not self.parser.has_section(GENERAL):
            return None
        values = self.items(GENERAL, GENERAL_KEYS)
        if "net" not in values:
            self.bad(GENERAL, "net", "missing; expected the decoy subnet, e.g. net = 192.168.1.0/24")
            return None
        keys = {k: k for k in GENERAL_KEYS}
        if "gw" in values and "gateway" in values:
            self.bad(GENERAL, "gateway", "given together with gw; keep one")
        gateway_key = "gateway" if "gateway" in values else "gw"
        keys["gateway"] = gateway_key
        fleet = FleetDraft(
            where=where(self.source, GENERAL),
            net=values["net"],
            gateway=values.get(gateway_key),
            interface=interface or values.get("interface"),
            backend=backend or values.get("backend", "docker"),
            mode=values.get("mode", "unihost"),
            ip_start=values.get("ip_start"),
            exclude=[*split_list(values.get("exclude")), *host_addresses, *in_use],
            keys=keys,
        )
        if "ipvlan" in values:
            fleet.ipvlan = self.boolean(GENERAL, "ipvlan", values["ipvlan"])
        if "mutate_interval" in values:
            interval = self.integer(GENERAL, "mutate_interval", values["mutate_interval"], 0)
            if interval is not None:
                fleet.mutate_interval = interval
        seed_value = seed if seed is not None else values.get("seed")
        if seed_value is not None:
            try:
                fleet.seed = parse_seed(seed_value)
            except ValueError as exc:
                self.bad(GENERAL, "seed", str(exc))
        return fleet

    def custom(self, section: str) -> CustomServiceSpec | None:
        before = len(self.problems)
        values = self.items(section, CUSTOM_KEYS)
        name = section[len(CUSTOM_PREFIX) :]
        for key in ("image", "ports"):
            if key not in values:
                self.bad(section, key, "missing")
        ports: list[int] = []
        for item in split_list(values.get("ports")):
            port = self.integer(section, "ports", item, 1, 65535)
            if port is not None:
                ports.append(port)
        if len(self.problems) > before:
            return None
        try:
            return CustomServiceSpec(
                name=name, image=values["image"], exec=values.get("exec") or None, ports=ports
            )
        except ValidationError as exc:
            for error in exc.errors():
                loc = str(error["loc"][0]) if error["loc"] else "name"
                message = error["msg"].removeprefix("Value error, ")
                self.bad(section, None if loc == "name" else loc, message)
            return None

    def decky(self, section: str) -> list[DeckyDraft]:
        values = self.items(section, DECKY_KEYS)
        label = where(self.source, section)
        try:
            check_name(section, "decky name")
        except ValueError as exc:
            self.problems.append(f"{label}: {exc}")
            return []
        draft = DeckyDraft(name=section, where=label)
        draft.ip = values.get("ip")
        if "services" in values:
            draft.services = split_list(values["services"])
        if "randomize_services" in values:
            draft.randomize_services = self.boolean(
                section, "randomize_services", values["randomize_services"]
            )
        draft.os_profile = values.get("os")
        draft.distros = split_list(values.get("distro"))
        if "randomize_distros" in values:
            draft.randomize_distros = self.boolean(section, "randomize_distros", values["randomize_distros"])
        draft.archetype = values.get("archetype")
        if "mutate_interval" in values:
            draft.mutate_interval = self.integer(section, "mutate_interval", values["mutate_interval"], 0)
        draft.hostname = values.get("hostname")
        draft.mac = values.get("mac")
        draft.host = values.get("host")
        if "seed" in values:
            try:
                draft.seed = parse_seed(values["seed"])
            except ValueError as exc:
                self.bad(section, "seed", str(exc))
        if "amount" not in values:
            return [draft]
        amount = self.integer(section, "amount", values["amount"], 1, MAX_DECKIES)
        clashing = [k for k in SINGLE_DECKY_KEYS if k in values]
        for key in clashing:
            self.bad(
                section, "amount", f"cannot be combined with {key} (each of the deckies needs its own {key})"
            )
        if amount is None or clashing:
            return []
        width = max(2, len(str(amount)))
        group: list[DeckyDraft] = []
        for i in range(amount):
            member = DeckyDraft(
                name=f"{section}-{i + 1:0{width}d}",
                where=label,
                index=i,
                services=draft.services,
                randomize_services=draft.randomize_services,
                os_profile=draft.os_profile,
                distros=draft.distros,
                randomize_distros=draft.randomize_distros,
                archetype=draft.archetype,
                mutate_interval=draft.mutate_interval,
                host=draft.host,
                keys={"amount": "amount"},
                group=section,
            )
            group.append(member)
        return group

    def service(self, section: str, groups: dict[str, list[DeckyDraft]], custom_names: set[str]) -> None:
        decky, _, slug = section.partition(".")
        if decky not in groups:
            self.bad(section, None, f"no decky section [{decky}] for this service section")
            return
        if slug.startswith(CUSTOM_PREFIX) and slug[len(CUSTOM_PREFIX) :] in custom_names:
            slug = slug[len(CUSTOM_PREFIX) :]
        if slug not in SERVICES and slug not in custom_names:
            hint = difflib.get_close_matches(slug, list(SERVICES), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            self.bad(section, None, f"unknown service {slug!r}{suggestion}")
            return
        config = {key: value.strip() for key, value in self.parser.items(section)}
        for draft in groups[decky]:
            draft.service_config[slug] = dict(config)
            draft.service_where[slug] = where(self.source, section)
