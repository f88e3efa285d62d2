"""Recording a mutation: the decky's new desired spec, a ``mutation`` row and a ``decky_mutated`` event.

:func:`mutate_decky` changes only the desired state in the repository; the decky's fleet agent
sees that the spec differs from what runs and redeploys it (the old runtime flushes its spool
before it stops, see ``decnet.engine.reconcile``). :func:`apply_on_host` is the no-Ray path: it
runs that reconcile pass in this process.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from decnet.config import Settings
from decnet.db.models import Mutation
from decnet.db.repository import SQLModelRepository
from decnet.engine.reconcile import FLEET_KEY, ReconcileResult, reconcile_host
from decnet.events.model import Event
from decnet.fleet.spec import DeckySpec
from decnet.mutator.rotation import rotate

Trigger = Literal["scheduled", "operator"]
TRIGGERS: tuple[str, ...] = ("scheduled", "operator")
#: APP-NAME (``service``) of the mutator's own events.
MUTATOR_SERVICE = "decnet.mutator"


class UnknownDecky(KeyError):
    """No decky of that name is recorded."""


class NotMutable(ValueError):
    """The decky cannot be mutated now (being removed, or a spec that cannot be read)."""


@dataclass(frozen=True, slots=True)
class MutationOutcome:
    """What one mutation changed."""

    decky: str
    host: str
    old_services: list[str]
    new_services: list[str]
    version_roll: int
    trigger: str
    at: datetime


async def mutate_decky(
    repo: SQLModelRepository,
    name: str,
    trigger: Trigger,
    *,
    available: Collection[str] | None = None,
    now: datetime | None = None,
) -> MutationOutcome:
    """Rotate decky ``name`` in the repository and record the mutation; see the module docstring.

    Raises :class:`UnknownDecky`, :class:`NotMutable` or
    :class:`~decnet.mutator.rotation.MutationImpossible`.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {TRIGGERS}, not {trigger!r}")
    row = await repo.get_decky(name)
    if row is None:
        raise UnknownDecky(name)
    if row.desired_state != "running":
        raise NotMutable(f"decky {name} is {row.desired_state}")
    record = dict(row.spec)
    context = record.pop(FLEET_KEY, None)
    try:
        spec = DeckySpec.model_validate(record)
    except ValueError as exc:
        raise NotMutable(f"decky {name}: stored spec is invalid: {exc}") from None
    new = rotate(spec, available)
    stored = new.model_dump(mode="json")
    if context is not None:
        stored[FLEET_KEY] = context
    at = now or datetime.now(UTC)
    await repo.upsert_decky(
        name,
        host=row.host,
        spec=stored,
        desired_state="running",
        ip=row.ip,
        mac=row.mac,
        hostname=row.hostname,
        backend=row.backend,
    )
    mutation = Mutation(
        decky=name, old_services=list(spec.services), new_services=list(new.services), trigger=trigger, at=at
    )
    await repo.add_mutations([mutation])
    event = Event.new(
        name,
        MUTATOR_SERVICE,
        "decky_mutated",
        fields={
            "old_services": ",".join(spec.services),
            "new_services": ",".join(new.services),
            "trigger": trigger,
            "version_roll": str(new.version_roll),
        },
        message=f"services {','.join(spec.services)} -> {','.join(new.services)} ({trigger})",
    )
    event.timestamp = at
    await repo.add_events([event])
    return MutationOutcome(
        name, row.host, list(spec.services), list(new.services), new.version_roll, trigger, at
    )


async def apply_on_host(settings: Settings, repo: SQLModelRepository, host: str) -> ReconcileResult:
    """Apply recorded mutations of ``host``'s deckies here and now (no fleet agent)."""
    return await reconcile_host(settings, repo, host)
