"""``/api/v1/deckies``: the fleet as stored, and new deployments (handed to the fleet operator)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from decnet.config.errors import ConfigError
from decnet.db.models import Decky
from decnet.fleet.ini import parse_fleet_ini
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec
from decnet.web.api.deps import AUTH_RESPONSES, AdminDep, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.operator import FleetOperator
from decnet.web.schemas import DeckyOut, DeployAccepted, DeployErrorOut, DeployRequest, ErrorOut

log = logging.getLogger("decnet.web")

router = APIRouter(prefix="/deckies", tags=["deckies"])


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def decky_out(row: Decky) -> DeckyOut:
    """The API view of a stored decky (services, OS, distro and archetype come from its spec)."""
    spec: dict[str, Any] = row.spec if isinstance(row.spec, dict) else {}
    services = spec.get("services")
    return DeckyOut(
        name=row.name,
        host=row.host,
        ip=row.ip,
        mac=row.mac,
        hostname=row.hostname,
        backend=row.backend,
        desired_state=row.desired_state,
        actual_state=row.actual_state,
        services=[s for s in services if isinstance(s, str)] if isinstance(services, list) else [],
        os=_text(spec.get("os_profile")),
        distro=_text(spec.get("distro")),
        archetype=_text(spec.get("archetype")),
        updated_at=row.updated_at,
    )


@router.get("", summary="List the deckies", response_model=list[DeckyOut], responses=AUTH_RESPONSES)
async def list_deckies(_: ViewerDep, repo: RepoDep) -> list[DeckyOut]:
    """Every decky by name: identity, desired and actual state, services and OS profile."""
    return [decky_out(row) for row in await repo.list_deckies()]


def plan(body: DeployRequest) -> FleetSpec:
    """The fleet ``body`` describes; :class:`ValueError` (usually :class:`ConfigError`) if invalid."""
    if body.ini is not None:
        return parse_fleet_ini(
            body.ini,
            source="ini",
            seed=body.seed,
            host_addresses=body.exclude,
            backend=body.backend,
            interface=body.interface,
        )
    assert body.deckies is not None and body.subnet is not None  # checked by DeployRequest
    return plan_fleet(
        deckies=body.deckies,
        subnet=body.subnet,
        gateway=body.gateway,
        interface=body.interface,
        ip_start=body.ip_start,
        services=body.services,
        randomize_services=body.randomize_services,
        distros=body.distros,
        randomize_distros=body.randomize_distros,
        archetype=body.archetype,
        os_profile=body.os_profile,
        mutate_interval=body.mutate_interval,
        backend=body.backend or "docker",
        mode=body.mode,
        ipvlan=body.ipvlan,
        seed=body.seed,
        host_addresses=body.exclude,
        name_prefix=body.name_prefix,
    )


@router.post(
    "",
    summary="Deploy deckies",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeployAccepted,
    responses={
        **AUTH_RESPONSES,
        422: {
            "model": DeployErrorOut,
            "description": "The planner refused the deployment (or a malformed body).",
        },
        502: {"model": ErrorOut, "description": "The fleet agent failed to accept the deployment."},
        503: {"model": ErrorOut, "description": "No fleet agent is configured."},
    },
)
async def deploy(body: DeployRequest, principal: AdminDep, request: Request) -> DeployAccepted | JSONResponse:
    """Plan the deployment like ``decnet deploy`` (flags or INI text) and hand it to the fleet agent.

    Answers 202 with the agent's operation id once accepted; the deckies come up asynchronously
    and appear in ``GET /api/v1/deckies``.
    """
    try:
        fleet = await asyncio.to_thread(plan, body)
    except ConfigError as error:
        return JSONResponse(
            {"detail": str(error), "problems": error.problems},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    except ValueError as error:
        return JSONResponse(
            {"detail": str(error), "problems": [str(error)]},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    operator: FleetOperator | None = getattr(request.app.state, "fleet_operator", None)
    if operator is None:
        return JSONResponse({"detail": "no fleet agent"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    names = [d.name for d in fleet.deckies]
    try:
        operation_id = await operator.deploy(fleet)
    except Exception as error:
        log.error(
            "fleet agent failed to accept a deployment of %d deckies: %s", len(names), type(error).__name__
        )
        return JSONResponse({"detail": "fleet agent error"}, status_code=status.HTTP_502_BAD_GATEWAY)
    log.info(
        "account %r requested a deployment of %d deckies (operation %s)",
        principal.username,
        len(names),
        operation_id,
    )
    return DeployAccepted(operation_id=str(operation_id), deckies=names, seed=fleet.seed)
