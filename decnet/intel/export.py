"""Exports: one JSON line per attacker, and a STIX 2.1 bundle for one attacker.

The STIX bundle holds the observed address (an ``ipv4-addr``/``ipv6-addr`` SCO inside an
``observed-data``), an ``indicator`` with a STIX pattern on that address, one
``attack-pattern`` per ATT&CK technique (``external_references`` to MITRE), the
relationships between them, and DECNET's ``identity`` as their creator. Ids are
deterministic (UUIDv5), so exporting the same attacker twice gives the same objects.
"""

from __future__ import annotations

import ipaddress
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from decnet.intel.queries import attacker_out, technique_url

#: STIX 2.1's namespace for deterministic SCO ids.
STIX_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
#: DECNET's namespace for its own deterministic STIX ids.
DECNET_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://decnet.invalid/stix")
IDENTITY_ID = f"identity--{uuid.uuid5(DECNET_NAMESPACE, 'identity')}"
#: Creation time of DECNET's shared objects (its identity, the ATT&CK patterns).
EPOCH = "2026-01-01T00:00:00.000Z"


def stix_time(value: datetime) -> str:
    """A STIX timestamp (UTC, millisecond precision, ``Z``)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def attacker_line(row: Any) -> str:
    """One attacker as a JSON line (no trailing newline)."""
    base = attacker_out(row).model_dump(mode="json")
    profile = row._mapping["profile"] or {}
    base["classes"] = profile.get("classes", [])
    base["techniques"] = [
        {"id": t["id"], "name": t["name"], "tactic": t["tactic"]} for t in profile.get("techniques", [])
    ]
    base["reasons"] = profile.get("reasons", [])
    base["timing"] = profile.get("timing", {})
    return json.dumps(base, ensure_ascii=False, separators=(",", ":"))


def _sdo_id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(DECNET_NAMESPACE, '|'.join((kind, *parts)))}"


def stix_bundle(row: Any) -> dict[str, Any]:
    """The STIX 2.1 bundle of one attacker row (see the module docstring)."""
    m = row._mapping
    ip: str = m["ip"]
    profile = m["profile"] or {}
    first, last = stix_time(m["first_seen"]), stix_time(m["last_seen"])
    version = ipaddress.ip_address(ip).version
    sco_type = "ipv4-addr" if version == 4 else "ipv6-addr"
    canonical = json.dumps({"value": ip}, separators=(",", ":"), sort_keys=True)
    sco_id = f"{sco_type}--{uuid.uuid5(STIX_SCO_NAMESPACE, canonical)}"
    common = {"spec_version": "2.1", "created": first, "modified": last, "created_by_ref": IDENTITY_ID}
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": IDENTITY_ID,
        "created": EPOCH,
        "modified": EPOCH,
        "name": "DECNET",
        "identity_class": "system",
        "description": "DECNET honeypot deception network",
    }
    address = {"type": sco_type, "spec_version": "2.1", "id": sco_id, "value": ip}
    observed_id = _sdo_id("observed-data", ip)
    observed = {
        "type": "observed-data",
        "id": observed_id,
        **common,
        "first_observed": first,
        "last_observed": last,
        "number_observed": max(1, min(999_999_999, int(m["event_count"]))),
        "object_refs": [sco_id],
    }
    behaviour = m["behaviour"] or "unprofiled"
    reasons = "; ".join(f"+{r['points']} {r['reason']}" for r in profile.get("reasons", []))
    indicator_id = _sdo_id("indicator", ip)
    indicator = {
        "type": "indicator",
        "id": indicator_id,
        **common,
        "name": f"DECNET attacker {ip} ({behaviour})",
        "description": f"Seen by DECNET deckies; threat score {int(m['score'])}/100. {reasons}".strip(),
        "indicator_types": ["malicious-activity"],
        "pattern": f"[{sco_type}:value = '{ip}']",
        "pattern_type": "stix",
        "valid_from": first,
        "confidence": max(0, min(100, int(m["score"]))),
    }
    objects: list[dict[str, Any]] = [identity, address, observed, indicator]
    objects.append(_relationship("based-on", indicator_id, observed_id, ip, common))
    for technique in profile.get("techniques", []):
        pattern_id = _sdo_id("attack-pattern", technique["id"])
        objects.append(
            {
                "type": "attack-pattern",
                "id": pattern_id,
                **common,
                "created": EPOCH,  # one version of each technique, shared by every bundle
                "modified": EPOCH,
                "name": technique["name"],
                "external_references": [
                    {
                        "source_name": "mitre-attack",
                        "external_id": technique["id"],
                        "url": technique_url(technique["id"]),
                    }
                ],
                "kill_chain_phases": [
                    {"kill_chain_name": "mitre-attack", "phase_name": technique["tactic"].replace("_", "-")}
                ],
            }
        )
        objects.append(_relationship("indicates", indicator_id, pattern_id, ip, common))
    return {"type": "bundle", "id": _sdo_id("bundle", ip, last), "objects": objects}


def _relationship(kind: str, source: str, target: str, ip: str, common: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "relationship",
        "id": _sdo_id("relationship", ip, kind, source, target),
        **common,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
    }
