"""Request and response models of the REST API (pydantic; they are the OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from decnet.fleet.planner import MAX_DECKIES
from decnet.web.security import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

#: Largest deployment file accepted by ``POST /api/v1/deckies``.
MAX_INI_CHARS = 1_000_000


class ErrorOut(BaseModel):
    """An error: ``detail`` says what went wrong."""

    detail: str


class ValidationIssue(BaseModel):
    """One problem of a malformed request (submitted values are never echoed)."""

    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(BaseModel):
    """A request that does not match the schema."""

    detail: list[ValidationIssue]


class DeployErrorOut(ErrorOut):
    """A deployment the planner refused: every problem, also joined in ``detail``."""

    problems: list[str]


# --- auth ----------------------------------------------------------------------------------


class LoginRequest(BaseModel):
    """Credentials of an account."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class TokenOut(BaseModel):
    """A bearer token for the ``Authorization`` header."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the scheme name)
    expires_in: int = Field(description="Seconds until the token expires.")
    must_change_password: bool = Field(
        description="True: all routes but change-password and logout answer 403 until it is changed."
    )


class ChangePasswordRequest(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


class UserOut(BaseModel):
    """The account a token belongs to."""

    username: str
    role: str
    must_change_password: bool


# --- health and workers --------------------------------------------------------------------


class HealthOut(BaseModel):
    """Liveness of the API and reachability of the database."""

    status: Literal["ok"] = "ok"
    db: Literal["ok", "down"]


class WorkerOut(BaseModel):
    """One DECNET worker: state from the cluster (when known) and its heartbeat row."""

    model_config = ConfigDict(extra="allow")

    name: str
    state: str = Field(description="Cluster state (ALIVE, RESTARTING, DEAD, ...) or 'unknown'.")
    node: str | None = None
    restarts: int | None = None
    last_heartbeat: datetime | None = None
    lag: float | None = Field(
        None,
        description="Seconds since the last heartbeat (without a cluster view), or the cluster's measure.",
    )
    counters: dict[str, Any] = Field(default_factory=dict)


# --- deckies -------------------------------------------------------------------------------


class DeckyOut(BaseModel):
    """A decky: identity, desired and actual state, services and OS."""

    name: str
    host: str
    ip: str | None
    mac: str | None
    hostname: str | None
    backend: str | None
    desired_state: str
    actual_state: str
    services: list[str]
    os: str | None = Field(description="OS profile (linux, windows, ...).")
    distro: str | None = None
    archetype: str | None = None
    updated_at: datetime


class DeployRequest(BaseModel):
    """A deployment: either ``ini`` (a deployment file) or the ``decnet deploy`` parameters.

    With ``ini``, only ``seed``, ``backend``, ``interface`` and ``exclude`` may be given too
    (they override the file). Otherwise ``deckies`` and ``subnet`` are required.
    """

    model_config = ConfigDict(extra="forbid")

    ini: str | None = Field(None, max_length=MAX_INI_CHARS, description="Deployment file text (docs/ini.md).")
    deckies: int | None = Field(None, ge=1, le=MAX_DECKIES, description="How many deckies.")
    subnet: str | None = Field(None, max_length=64, description="Decoy subnet, e.g. 192.168.50.0/24.")
    gateway: str | None = Field(None, max_length=64)
    interface: str | None = Field(None, max_length=64)
    ip_start: str | None = Field(None, max_length=64)
    services: list[str] | None = Field(None, max_length=64)
    randomize_services: bool = False
    distros: list[str] | None = Field(None, max_length=64)
    randomize_distros: bool = False
    archetype: str | None = Field(None, max_length=64)
    os_profile: str | None = Field(None, max_length=64)
    mutate_interval: int = Field(30, ge=0, le=525_600, description="Minutes; 0 = never.")
    backend: Literal["docker", "netns", "local"] | None = Field(None, description="Default docker.")
    mode: Literal["unihost", "swarm"] = "unihost"
    ipvlan: bool = False
    seed: str | None = Field(None, max_length=128, description="64 hex digits for a reproducible plan.")
    exclude: list[str] = Field(
        default_factory=list, max_length=4096, description="Addresses or CIDRs never given to a decky."
    )
    name_prefix: str = Field("decky", min_length=1, max_length=40)

    @model_validator(mode="after")
    def _one_source(self) -> DeployRequest:
        if self.ini is not None:
            allowed = {"ini", "seed", "backend", "interface", "exclude"}
            extra = sorted(self.model_fields_set - allowed)
            if extra:
                raise ValueError(
                    f"with ini, only seed, backend, interface and exclude may be given (not {extra})"
                )
        elif self.deckies is None or self.subnet is None:
            raise ValueError("give either ini, or deckies and subnet")
        return self


class DeployAccepted(BaseModel):
    """A deployment handed to the fleet agent."""

    operation_id: str = Field(description="Follow it with GET /api/v1/operations/{operation_id}.")
    deckies: list[str] = Field(description="Names of the planned deckies.")
    seed: str = Field(description="Fleet seed: the same request with it gives the same plan.")


# --- events --------------------------------------------------------------------------------


class EventOut(BaseModel):
    """A stored event. Every text field is attacker-controlled data."""

    id: int = Field(description="Storage order; use as the ``after`` cursor.")
    eid: str
    timestamp: datetime
    received_at: datetime
    decky: str
    service: str
    event_type: str
    src_ip: str | None
    src_port: int | None
    sid: str | None
    fields: dict[str, str]
    message: str
    facility: int
    severity: int


class EventPage(BaseModel):
    """One page of events in id order; pass ``next_after`` as ``after`` for the next (null: no more)."""

    items: list[EventOut]
    next_after: int | None
    next_before: int | None = Field(None, description="With ``before``: the next ``before`` (null: no more).")


# --- users (admin) -------------------------------------------------------------------------

#: Usernames admins may create.
USERNAME_REGEX = r"^[A-Za-z0-9_.-]{1,64}$"


class AccountOut(BaseModel):
    """An account as admins see it (never its password hash)."""

    username: str
    role: str
    must_change_password: bool
    created_at: datetime


class UserCreate(BaseModel):
    """A new account; it must change the given password at its first login."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_REGEX)
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    role: Literal["viewer", "admin"] = "viewer"


class RoleChange(BaseModel):
    """A new role for an account."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["viewer", "admin"]


class PasswordReset(BaseModel):
    """A temporary password; the account must change it at its next login."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


# --- operations and deckies ----------------------------------------------------------------


class OperationOut(BaseModel):
    """An asynchronous fleet operation and how far it got."""

    id: str
    kind: str = Field(description="deploy, teardown or mutate.")
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0.0, le=1.0, description="Share of the deckies done.")
    deckies: list[str]
    error: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class TeardownAccepted(BaseModel):
    """A teardown handed to the fleet operator; follow ``GET /api/v1/operations/{operation_id}``."""

    operation_id: str
    deckies: list[str]


class ProbeResultOut(BaseModel):
    """One realism check of a decky (prober)."""

    check_name: str
    passed: bool
    evidence: str
    checked_at: datetime


class MutationOut(BaseModel):
    """One change of a decky's services."""

    old_services: list[str]
    new_services: list[str]
    trigger: str
    at: datetime


class DeckyDetailOut(DeckyOut):
    """A decky with its persona (the stored spec without internal keys) and realism results."""

    persona: dict[str, Any] = Field(description="The decky's spec: identity, OS persona, service configs.")
    realism: list[ProbeResultOut] = Field(description="Newest realism checks first (empty until probed).")
    mutations: list[MutationOut] = Field(description="Newest service changes first.")
