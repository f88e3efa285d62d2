"""A :class:`~decnet.fleet.persona.Persona` as runtime.json data and back.

The format is the fleet's (:func:`decnet.fleet.persona.persona_to_dict`; importing it from
there keeps the fleet catalogs out of every decky process): ``seed`` as hex,
``booted_at`` ISO 8601 with an offset, ``versions`` an object. This module only gives the
runtime an error type of its own.
"""

from __future__ import annotations

from typing import Any

from decnet.fleet import persona as personas
from decnet.fleet.persona import Persona


class PersonaError(ValueError):
    """A persona dict that does not describe a Persona; the message names the field."""


def persona_to_dict(persona: Persona) -> dict[str, Any]:
    """JSON-ready dict of ``persona``."""
    return personas.persona_to_dict(persona)


def persona_from_dict(data: dict[str, Any]) -> Persona:
    """Inverse of :func:`persona_to_dict`; ``PersonaError`` for missing, unknown or ill-typed fields."""
    if not isinstance(data, dict):
        raise PersonaError("persona: expected an object")
    try:
        return personas.persona_from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise PersonaError(str(exc)) from None
