"""The service contract: what every protocol emulator of a decky is.

A service is a short module: a :class:`Service` subclass with a ``slug``, its default
ports, a config schema (a :class:`ServiceConfig` subclass; unknown keys are rejected),
``start``/``stop``, and events through :meth:`Service.emit`. It reads the decky's
:class:`~decnet.fleet.persona.Persona` for every banner and version it shows.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from decnet.events.model import Event
from decnet.fleet.persona import Persona


class EventSink(Protocol):
    """Where a service's events go (an :class:`~decnet.events.sender.EventSender` in production)."""

    def send(self, event: Event) -> bool: ...


class ServiceConfig(BaseModel):
    """Options every service takes; services extend it. Unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ports: tuple[int, ...] | None = Field(None, description="Ports to listen on instead of the defaults.")


class ServiceConfigError(ValueError):
    """A service's config is invalid; the message names the service and the key."""

    def __init__(self, slug: str, problems: list[str]) -> None:
        self.slug = slug
        self.problems = problems
        super().__init__(f"[{slug}] " + "; ".join(problems))


def parse_config(slug: str, model: type[ServiceConfig], raw: dict[str, object]) -> ServiceConfig:
    """Validate ``raw`` against ``model``; raise :class:`ServiceConfigError` naming each bad key."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(config)"
            if error["type"] == "extra_forbidden":
                allowed = ", ".join(sorted(model.model_fields))
                problems.append(f"unknown key {key!r} (allowed: {allowed})")
            else:
                problems.append(f"{key}: {error['msg']}")
        raise ServiceConfigError(slug, problems) from None


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """What the decky runtime gives a service."""

    persona: Persona
    bind_host: str  #: address to listen on (the decky's IP, or 127.x.y.z on the local backend)
    events: EventSink
    state_dir: Path  #: persistent per-decky, per-service state (e.g. host keys)


class Service(ABC):
    """Base of every protocol emulator."""

    slug: ClassVar[str]
    default_ports: ClassVar[tuple[int, ...]]
    config_model: ClassVar[type[ServiceConfig]] = ServiceConfig

    def __init__(self, ctx: ServiceContext, config: ServiceConfig | None = None) -> None:
        self.ctx = ctx
        self.config = config if config is not None else self.config_model()
        self.persona = ctx.persona
        self.log = logging.getLogger(f"decnet.services.{self.slug}")
        self._failed: asyncio.Future[BaseException] | None = None

    @property
    def ports(self) -> tuple[int, ...]:
        """The ports this service listens on."""
        return self.config.ports or self.default_ports

    @abstractmethod
    async def start(self) -> None:
        """Bind listeners and start serving; return once listening."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop listening and close open connections."""

    def emit(
        self,
        event_type: str,
        *,
        src_ip: str | None = None,
        src_port: int | None = None,
        sid: str | None = None,
        fields: dict[str, str] | None = None,
        message: str = "",
    ) -> None:
        """Record one event of this decky and service."""
        event = Event.new(
            self.persona.decky,
            self.slug,
            event_type,
            src_ip=src_ip,
            src_port=src_port,
            sid=sid,
            fields=fields,
            message=message,
        )
        self.ctx.events.send(event)

    def fail(self, error: BaseException) -> None:
        """Report that the service broke (the runtime restarts it)."""
        if self._failed is not None and not self._failed.done():
            self._failed.set_result(error)

    async def wait_failed(self) -> BaseException:
        """Return when the service reports a failure (used by the decky runtime)."""
        if self._failed is None or self._failed.done():
            self._failed = asyncio.get_running_loop().create_future()
        return await self._failed
