"""The decky runtime: one asyncio loop hosting every service of a decky, one event sender."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import ssl
import time
from dataclasses import dataclass

import decnet.services.builtin  # noqa: F401  (registers the built-in services)
from decnet.decky.config import RuntimeConfig, RuntimeConfigError
from decnet.decky.persona_io import PersonaError, persona_from_dict
from decnet.events.model import Event
from decnet.events.sender import EventSender, Target
from decnet.events.spool import Spool
from decnet.fleet.persona import Persona
from decnet.services.base import Service, ServiceConfig, ServiceConfigError, ServiceContext, parse_config
from decnet.services.registry import get_service

log = logging.getLogger("decnet.decky")

#: Exit codes of ``python -m decnet.decky``.
EXIT_OK = 0
EXIT_FAILURE = 1  #: a service could not start (e.g. its port cannot be bound)
EXIT_CONFIG = 2  #: runtime.json or a service config is invalid; nothing was started

#: A service that ran this long before failing restarts with the initial delay again.
STABLE_AFTER_S = 60.0
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """A validated service of the decky: its class and config."""

    slug: str
    cls: type[Service]
    config: ServiceConfig


def plan_services(config: RuntimeConfig) -> list[ServicePlan]:
    """Validate every service config before anything starts; ``RuntimeConfigError`` names the problem."""
    plans: list[ServicePlan] = []
    for slug, raw in config.services.items():
        try:
            cls = get_service(slug)
        except (KeyError, ImportError, TypeError) as exc:
            raise RuntimeConfigError(f"services.{slug}: {exc.args[0] if exc.args else exc}") from None
        try:
            plans.append(ServicePlan(slug, cls, parse_config(slug, cls.config_model, raw)))
        except ServiceConfigError as exc:
            raise RuntimeConfigError(f"services.{slug}: " + "; ".join(exc.problems)) from None
    return plans


def load_persona(config: RuntimeConfig) -> Persona:
    """The persona of runtime.json, whose ``decky`` must be the runtime's (filled in if absent)."""
    data = dict(config.persona)
    data.setdefault("decky", config.decky)
    try:
        persona = persona_from_dict(data)
    except PersonaError as exc:
        raise RuntimeConfigError(str(exc)) from None
    if persona.decky != config.decky:
        raise RuntimeConfigError(f"persona.decky {persona.decky!r} is not decky {config.decky!r}")
    return persona


def sender_ssl_context(config: RuntimeConfig) -> ssl.SSLContext | None:
    """Client TLS context for a tls:// collector target, else None."""
    if not Target.parse(config.target).tls:
        return None
    context = ssl.create_default_context(cafile=str(config.tls_ca) if config.tls_ca else None)
    if config.tls_cert is not None:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    return context


class DeckyRuntime:
    """Starts a decky's services, restarts those that fail, stops them all on request."""

    def __init__(self, config: RuntimeConfig) -> None:
        """Validate everything (``RuntimeConfigError``); nothing starts until :meth:`run`."""
        self.config = config
        self.persona = load_persona(config)
        self.plans = plan_services(config)
        self.services: dict[str, Service] = {}
        self.restarts: dict[str, int] = {}
        self.sender: EventSender | None = None
        self._watches: dict[str, asyncio.Task[BaseException]] = {}
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop (signal handlers call this)."""
        self._stop.set()

    async def wait_ready(self) -> None:
        """Return once every service is listening."""
        await self._ready.wait()

    def _emit(self, slug: str, event_type: str, fields: dict[str, str]) -> None:
        if self.sender is not None:
            self.sender.send(Event.new(self.config.decky, slug, event_type, fields=fields))

    def _context(self, slug: str) -> ServiceContext:
        assert self.sender is not None
        return ServiceContext(
            persona=self.persona,
            bind_host=self.config.bind_host,
            events=self.sender,
            state_dir=self.config.state_dir / slug,
        )

    async def run(self) -> int:
        """Run until :meth:`request_stop`; return the process exit code."""
        cfg = self.config
        spool = Spool(
            cfg.spool_dir,
            memory_items=cfg.spool_memory_events,
            disk_max_bytes=cfg.spool_disk_max_bytes,
        )
        self.sender = EventSender(cfg.target, spool, ssl_context=sender_ssl_context(cfg))
        await self.sender.start()
        supervisors: list[asyncio.Task[None]] = []
        try:
            for plan in self.plans:
                service = plan.cls(self._context(plan.slug), plan.config)
                try:
                    self._watches[plan.slug] = await self._start(service)
                except Exception as exc:
                    log.error("cannot start %s on %s %s: %s", plan.slug, cfg.bind_host, service.ports, exc)
                    return EXIT_FAILURE
                self.services[plan.slug] = service
            log.info("decky %s up: %s", cfg.decky, ", ".join(self.services) or "no services")
            supervisors = [
                asyncio.create_task(self._supervise(plan), name=f"decky-supervise-{plan.slug}")
                for plan in self.plans
            ]
            supervisors.append(asyncio.create_task(collect_garbage(GC_INTERVAL_S), name="decky-gc"))
            self._ready.set()
            await self._stop.wait()
            log.info("decky %s stopping", cfg.decky)
        finally:
            for task in supervisors:
                task.cancel()
            await asyncio.gather(*supervisors, return_exceptions=True)
            await self._stop_all()
            await self.sender.stop(cfg.flush_timeout)
            if self.sender.pending:
                log.info("%d events left in the spool for the next start", self.sender.pending)
        return EXIT_OK

    @staticmethod
    async def _start(service: Service) -> asyncio.Task[BaseException]:
        """Start ``service`` with its failure watch armed before it can report anything."""
        watch = asyncio.create_task(service.wait_failed())
        await asyncio.sleep(0)  # let wait_failed() create its future
        try:
            await service.start()
        except BaseException:
            watch.cancel()
            raise
        return watch

    async def _supervise(self, plan: ServicePlan) -> None:
        """Wait for the running service to fail; stop it and start a fresh one with backoff."""
        cfg = self.config
        delay = cfg.restart_initial_delay
        service = self.services[plan.slug]
        started = time.monotonic()
        while True:
            error = await self._watches[plan.slug]
            ran = time.monotonic() - started
            if ran >= STABLE_AFTER_S:
                delay = cfg.restart_initial_delay
            log.error("service %s failed after %.1fs: %r; restarting in %.1fs", plan.slug, ran, error, delay)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(service.stop(), _STOP_TIMEOUT_S)
            while True:
                await asyncio.sleep(delay)
                delay = min(delay * 2, cfg.restart_max_delay)
                service = plan.cls(self._context(plan.slug), plan.config)
                try:
                    self._watches[plan.slug] = await self._start(service)
                except Exception as exc:
                    log.error("service %s did not restart: %s; next try in %.1fs", plan.slug, exc, delay)
                    continue
                break
            started = time.monotonic()
            self.services[plan.slug] = service
            self.restarts[plan.slug] = self.restarts.get(plan.slug, 0) + 1
            log.warning("service %s restarted (restart %d)", plan.slug, self.restarts[plan.slug])
            self._emit(
                plan.slug,
                "service_restarted",
                {"reason": repr(error)[:512], "restarts": str(self.restarts[plan.slug])},
            )

    async def _stop_all(self) -> None:
        async def stop_one(slug: str, service: Service) -> None:
            watch = self._watches.pop(slug, None)
            if watch is not None:
                watch.cancel()
            try:
                await asyncio.wait_for(service.stop(), _STOP_TIMEOUT_S)
            except Exception as exc:
                log.warning("service %s did not stop cleanly: %s", slug, exc)

        await asyncio.gather(*(stop_one(slug, svc) for slug, svc in self.services.items()))
        self.services.clear()


#: Seconds between full garbage collections of a running decky.
GC_INTERVAL_S = 30.0


async def collect_garbage(interval: float) -> None:
    """Freeze what start-up made, then collect cyclic garbage every ``interval`` seconds.

    Aborted TLS handshakes (scanners closing right after the hello) leave SSL objects in
    reference cycles that only a full collection frees; with a large long-lived heap Python
    runs one rarely, so without this a decky under scanning grows by ~150 KB per aborted
    handshake. Frozen start-up objects are never scanned, so a collection stays cheap.
    """
    gc.freeze()
    while True:
        await asyncio.sleep(interval)
        gc.collect()


async def run_until_signalled(runtime: DeckyRuntime) -> int:
    """Run ``runtime``, stopping it on SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runtime.request_stop)
    try:
        return await runtime.run()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
