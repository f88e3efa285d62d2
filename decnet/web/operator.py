"""The fleet operator: what the web app hands validated deployments to.

The app never deploys anything itself. ``POST /api/v1/deckies`` plans and validates a
:class:`~decnet.fleet.spec.FleetSpec`, then calls :meth:`FleetOperator.deploy`; the Ray Serve
wrapper supplies an operator that forwards the spec to the fleet agents and answers with an
operation id at once (the deployment itself runs asynchronously).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from decnet.fleet.spec import FleetSpec
from decnet.mutator.apply import MutationOutcome


@runtime_checkable
class FleetOperator(Protocol):
    """Accepts validated fleet specs for asynchronous deployment."""

    async def deploy(self, fleet: FleetSpec) -> str:
        """Start deploying ``fleet``; return an operation id (do not wait for the deckies).

        Raise any exception if the request cannot be accepted: the API answers 502 and logs
        the exception's type.
        """
        ...


@runtime_checkable
class FleetMutationOperator(Protocol):
    """An operator that can force a mutation (``POST /api/v1/deckies/{name}/mutate``).

    Without it the app records the mutation in the repository itself and the decky's fleet
    agent applies it on its next pass.
    """

    async def mutate(self, name: str) -> MutationOutcome:
        """Record an operator mutation of decky ``name`` and have its agent apply it (do not wait).

        Raises what :func:`decnet.mutator.apply.mutate_decky` raises.
        """
        ...


@runtime_checkable
class FleetTeardownOperator(Protocol):
    """An operator that can also tear deckies down (``DELETE /api/v1/deckies/{name}``).

    Without it the app marks the deckies ``absent`` in the repository itself and the fleet
    agents converge on their next pass.
    """

    async def teardown(self, names: list[str]) -> str:
        """Start tearing down ``names``; return an id at once (do not wait)."""
        ...
