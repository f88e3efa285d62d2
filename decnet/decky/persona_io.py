"""A :class:`~decnet.fleet.persona.Persona` as plain JSON data and back (for runtime.json)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from decnet.fleet.persona import Persona

_FIELDS = {f.name for f in dataclasses.fields(Persona)}
_ADAPTER: TypeAdapter[Persona] = TypeAdapter(Persona)


class PersonaError(ValueError):
    """A persona dict that does not describe a Persona; the message names the key."""


def persona_to_dict(persona: Persona) -> dict[str, Any]:
    """JSON-ready dict: ``seed`` as hex, ``booted_at`` as ISO 8601, ``versions`` as an object."""
    data: dict[str, Any] = {}
    for f in dataclasses.fields(persona):
        value = getattr(persona, f.name)
        if isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif f.name == "versions":
            value = dict(value)
        data[f.name] = value
    return data


def persona_from_dict(data: dict[str, Any]) -> Persona:
    """Inverse of :func:`persona_to_dict`; ``PersonaError`` for unknown, missing or ill-typed keys."""
    if not isinstance(data, dict):
        raise PersonaError("persona: expected an object")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise PersonaError(f"persona: unknown key {unknown[0]!r}")
    values = dict(data)
    seed = values.get("seed")
    if isinstance(seed, str):
        try:
            values["seed"] = bytes.fromhex(seed)
        except ValueError:
            raise PersonaError("persona.seed: expected hex") from None
    versions = values.get("versions")
    if isinstance(versions, dict):
        values["versions"] = tuple((str(k), str(v)) for k, v in versions.items())
    try:
        persona = _ADAPTER.validate_python(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PersonaError(f"persona.{where}: {err['msg']}") from None
    if persona.booted_at.tzinfo is None:
        raise PersonaError("persona.booted_at: expected a timezone-aware timestamp")
    return persona
