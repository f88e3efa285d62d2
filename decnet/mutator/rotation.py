"""The rotation rule: a decky's next spec (SPEC "Mutation").

A mutation draws 1-3 services from the decky's pool (its archetype's, else its OS profile's),
different from the current set and limited to services DECNET can run; custom services stay.
``version_roll`` goes up by one, which re-rolls banner versions within the distro. Identity
(name, IP, MAC, hostname, OS profile, distro, seed) never changes. Draws derive from the decky
seed and the roll, so a mutation is reproducible.
"""

from __future__ import annotations

from collections.abc import Collection

from decnet.fleet.catalog.services import SERVICES
from decnet.fleet.planner import pool_for, random_services
from decnet.fleet.rand import derive_bytes
from decnet.fleet.spec import DeckySpec


class MutationImpossible(ValueError):
    """No service set different from the current one can be drawn for this decky."""


def runnable_services() -> set[str]:
    """Services with an emulator package (a decky can only run these)."""
    import decnet.services.builtin  # noqa: F401  (registers the packages)
    from decnet.services.registry import known_slugs

    return set(known_slugs())


def mutation_pool(spec: DeckySpec, available: Collection[str]) -> list[str]:
    """The services a mutation of ``spec`` may draw from, in pool order."""
    return [s for s in pool_for(spec.archetype, spec.os_profile) if s in available]


def rotate(spec: DeckySpec, available: Collection[str] | None = None) -> DeckySpec:
    """The next spec of ``spec``: new service set, banner versions re-rolled, identity kept.

    ``available``: services that can run (default: those with a package). Raises
    :class:`MutationImpossible` when the pool offers no other set.
    """
    runnable = runnable_services() if available is None else set(available)
    pool = mutation_pool(spec, runnable)
    roll = spec.version_roll + 1
    seed = derive_bytes(spec.seed_bytes, f"mutation:{roll}")
    chosen = random_services(pool, seed, different_from=spec.builtin_services)
    if chosen is None:
        raise MutationImpossible(
            f"decky {spec.name}: its pool {pool or '(empty)'} offers no service set other than "
            f"{spec.builtin_services}"
        )
    custom = [s for s in spec.services if s not in SERVICES]
    services = chosen + custom
    config = {slug: dict(values) for slug, values in spec.service_config.items() if slug in services}
    data = spec.model_dump()
    data.update(services=services, service_config=config, version_roll=roll)
    return DeckySpec.model_validate(data)
