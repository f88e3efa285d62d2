"""``/api/v1/deckies``: the fleet as stored, and new deployments (handed to the fleet operator)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import JSONResponse

from decnet.config.errors import ConfigError
from decnet.db.models import Decky
from decnet.db.repository import SQLModelRepository
from decnet.engine.reconcile import request_teardown
from decnet.fleet.ini import parse_fleet_ini
from decnet.fleet.planner import plan_fleet
from decnet.fleet.spec import FleetSpec
from decnet.web.api.deps import AUTH_RESPONSES, AdminDep, ViewerDep
from decnet.web.deps import RepoDep
from decnet.web.operations import create_operation, set_state
from decnet.web.operator import FleetOperator, FleetTeardownOperator
from decnet.web.schemas import (
    DeckyDetailOut,
    DeckyOut,
    DeployAccepted,
    DeployErrorOut,
    DeployRequest,
    ErrorOut,
    MutationOut,
    ProbeResultOut,
    TeardownAccepted,
    ValidationErrorOut,
)

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
            "model": DeployErrorOut | ValidationErrorOut,
            "description": "The planner refused it (problems), or a malformed body (detail list).",
        },
        502: {"model": ErrorOut, "description": "The fleet agent failed to accept the deployment."},
        503: {"model": ErrorOut, "description": "No fleet agent is configured."},
    },
)
async def deploy(
    body: DeployRequest, principal: AdminDep, request: Request, repo: RepoDep
) -> DeployAccepted | JSONResponse:
    """Plan the deployment like ``decnet deploy`` (flags or INI text) and hand it to the fleet agent.

    Answers 202 with an operation id once the agent accepted it; the deckies come up
    asynchronously: follow ``GET /api/v1/operations/{operation_id}``.
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
    try:
        op_id = await start_deploy(repo, operator, fleet, principal.username)
    except RuntimeError:
        return JSONResponse({"detail": "fleet agent error"}, status_code=status.HTTP_502_BAD_GATEWAY)
    return DeployAccepted(operation_id=op_id, deckies=[d.name for d in fleet.deckies], seed=fleet.seed)


async def start_deploy(
    repo: SQLModelRepository, operator: FleetOperator, fleet: FleetSpec, username: str
) -> str:
    """Record a deploy operation of ``fleet`` and hand it to ``operator``; return the operation id.

    Raises :class:`RuntimeError` if the operator refuses (the operation is then failed).
    """
    names = [d.name for d in fleet.deckies]
    op = await create_operation(repo, "deploy", names, username)
    try:
        agent_id = await operator.deploy(fleet)
    except Exception as error:
        log.error(
            "fleet agent failed to accept a deployment of %d deckies: %s", len(names), type(error).__name__
        )
        await set_state(repo, op.id, "failed", error="fleet agent error")
        raise RuntimeError("fleet agent error") from error
    await set_state(repo, op.id, "running")
    log.info(
        "account %r requested a deployment of %d deckies (operation %s, agent %s)",
        username,
        len(names),
        op.id,
        agent_id,
    )
    return op.id


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such decky."}}


def _persona(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if not k.startswith("_")}


@router.get(
    "/{name}",
    summary="One decky in detail",
    response_model=DeckyDetailOut,
    responses={**AUTH_RESPONSES, **_NOT_FOUND},
)
async def get_decky(
    name: Annotated[str, Path(max_length=255)], _: ViewerDep, repo: RepoDep
) -> DeckyDetailOut:
    """Identity, states, services, persona, the newest realism checks and service changes."""
    row = await repo.get_decky(name)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such decky")
    base = decky_out(row)
    probes = await repo.list_probe_results(decky=name, limit=50)
    mutations = await repo.list_mutations(decky=name, limit=50)
    return DeckyDetailOut(
        **base.model_dump(),
        persona=_persona(row.spec if isinstance(row.spec, dict) else {}),
        realism=[
            ProbeResultOut(
                check_name=p.check_name, passed=p.passed, evidence=p.evidence, checked_at=p.checked_at
            )
            for p in probes
        ],
        mutations=[
            MutationOut(
                old_services=list(m.old_services),
                new_services=list(m.new_services),
                trigger=m.trigger,
                at=m.at,
            )
            for m in mutations
        ],
    )


async def start_teardown(
    repo: SQLModelRepository, operator: FleetOperator | None, names: list[str], username: str
) -> str:
    """Record a teardown operation of ``names`` and hand it over; return the operation id.

    With an operator that cannot tear down, the deckies are marked absent here and the fleet
    agents converge on their next pass. Raises :class:`RuntimeError` if the operator fails.
    """
    op = await create_operation(repo, "teardown", names, username)
    try:
        if isinstance(operator, FleetTeardownOperator):
            await operator.teardown(names)
        else:
            await request_teardown(repo, names)
    except Exception as error:
        log.error("teardown of %d deckies not accepted: %s", len(names), type(error).__name__)
        await set_state(repo, op.id, "failed", error="fleet agent error")
        raise RuntimeError("fleet agent error") from error
    await set_state(repo, op.id, "running")
    log.info("account %r requested the teardown of %s (operation %s)", username, ", ".join(names), op.id)
    return op.id


@router.delete(
    "/{name}",
    summary="Tear a decky down",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TeardownAccepted,
    responses={
        **AUTH_RESPONSES,
        **_NOT_FOUND,
        502: {"model": ErrorOut, "description": "The fleet agent failed to accept the teardown."},
        503: {"model": ErrorOut, "description": "No fleet agent is configured."},
    },
)
async def teardown(
    name: Annotated[str, Path(max_length=255)], principal: AdminDep, request: Request, repo: RepoDep
) -> TeardownAccepted | JSONResponse:
    """Start tearing the decky down; follow the operation until it succeeds (the decky is then gone)."""
    if await repo.get_decky(name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such decky")
    operator: FleetOperator | None = getattr(request.app.state, "fleet_operator", None)
    if operator is None:
        return JSONResponse({"detail": "no fleet agent"}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    try:
        op_id = await start_teardown(repo, operator, [name], principal.username)
    except RuntimeError:
        return JSONResponse({"detail": "fleet agent error"}, status_code=status.HTTP_502_BAD_GATEWAY)
    return TeardownAccepted(operation_id=op_id, deckies=[name])
