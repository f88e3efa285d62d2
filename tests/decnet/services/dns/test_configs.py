"""Every service of this group validates its config (INI strings too) and names a bad key."""

from __future__ import annotations

from typing import Any

import pytest

import decnet.services.builtin  # noqa: F401  (registers the built-in services)
from decnet.services.base import ServiceConfigError, parse_config
from decnet.services.registry import get_service

GOOD: list[tuple[str, dict[str, Any], str, object]] = [
    ("dns", {"zone": "corp.example.com", "records": "vpn A 10.0.0.5, @ TXT hello"}, "records", 2),
    ("snmp", {"community": "public, private", "location": "Rack 4"}, "community", ("public", "private")),
    ("mqtt", {"users": "a:b, c:d", "topics": "x/y=1"}, "users", ("a:b", "c:d")),
    ("sip", {"users": "100:pw", "realm": "pbx.example.com"}, "realm", "pbx.example.com"),
    ("ics", {"device": "s7-1200", "plant": "Line 4", "ports": (502, 102)}, "device", "s7-1200"),
    ("llmnr", {"bait_names": "wpad, sccm01", "bait_interval": 0}, "bait_names", ("wpad", "sccm01")),
]
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("dns", {"zone": "bad zone!"}, "zone"),
    ("dns", {"recursion": True}, "unknown key 'recursion'"),
    ("snmp", {"community": ""}, "community"),
    ("mqtt", {"users": "nocolon"}, "users"),
    ("mqtt", {"topics": "a/#=1"}, "topics"),
    ("sip", {"realm": 'a"b'}, "realm"),
    ("ics", {"device": "s7-1500"}, "device"),
    ("llmnr", {"bait_names": "two words"}, "bait_names"),
]


@pytest.mark.parametrize(("slug", "raw", "key", "expected"), GOOD)
def test_good_configs(slug: str, raw: dict[str, Any], key: str, expected: object) -> None:
    cls = get_service(slug)
    cfg = parse_config(slug, cls.config_model, raw)
    value = getattr(cfg, key)
    assert (len(value) if isinstance(expected, int) else value) == expected


@pytest.mark.parametrize(("slug", "raw", "message"), BAD)
def test_bad_configs(slug: str, raw: dict[str, Any], message: str) -> None:
    cls = get_service(slug)
    with pytest.raises(ServiceConfigError, match=message) as err:
        parse_config(slug, cls.config_model, raw)
    assert str(err.value).startswith(f"[{slug}] ")
