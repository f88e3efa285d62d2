"""Forward a bring-your-own service container's output to the collector as events.

``python -m decnet.engine.custom_logs --container C --decky D --service custom-NAME --target T
--spool DIR`` follows the container's stdout/stderr through the Docker API and sends each line
as an ``output`` event (decky D, service custom-NAME) with the same at-least-once sender the
decky runtimes use. It exits when the container is gone. The Docker socket stays on the host:
nothing is mounted into the decoy containers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import threading
from pathlib import Path
from typing import Any

from decnet.events.model import Event
from decnet.events.sender import EventSender
from decnet.events.spool import Spool

log = logging.getLogger("decnet.engine.custom_logs")

#: Longest line forwarded as one event; longer output is cut (and says so).
MAX_LINE = 8192


def line_event(decky: str, service: str, line: bytes) -> Event:
    """One output line as an event (decoded leniently, bounded)."""
    text = line.rstrip(b"\r\n")
    truncated = len(text) > MAX_LINE
    message = text[:MAX_LINE].decode("utf-8", errors="replace")
    fields = {"stream": "output"}
    if truncated:
        fields["truncated_from"] = str(len(text))
    return Event.new(decky, service, "output", fields=fields, message=message)


def follow_lines(container: Any, stop: threading.Event) -> Any:
    """Yield complete lines of the container's output (stdout and stderr), following it."""
    pending = b""
    for chunk in container.logs(stream=True, follow=True, stdout=True, stderr=True):
        if stop.is_set():
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield line
        if len(pending) > MAX_LINE * 4:  # a line without end: forward what we have
            yield pending
            pending = b""
    if pending:
        yield pending


async def forward(container_name: str, decky: str, service: str, sender: EventSender) -> int:
    """Forward until the container's output ends; return how many lines were sent."""
    import docker

    client = docker.from_env()
    container = client.containers.get(container_name)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=10_000)
    stop = threading.Event()

    def pump() -> None:
        try:
            for line in follow_lines(container, stop):
                asyncio.run_coroutine_threadsafe(queue.put(line), loop).result()
        except Exception as exc:  # the container went away mid-stream
            log.info("output of %s ended: %s", container_name, exc)
        finally:
            asyncio.run_coroutine_threadsafe(queue.put(None), loop).result()

    thread = threading.Thread(target=pump, name=f"logs-{container_name}", daemon=True)
    thread.start()
    sent = 0
    try:
        while (line := await queue.get()) is not None:
            sender.send(line_event(decky, service, line))
            sent += 1
    finally:
        stop.set()
    return sent


async def _main(args: argparse.Namespace) -> int:
    sender = EventSender(args.target, Spool(Path(args.spool), memory_items=1000))
    await sender.start()
    try:
        return await forward(args.container, args.decky, args.service, sender)
    finally:
        await sender.stop(flush_timeout=5.0)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--container", required=True)
    parser.add_argument("--decky", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--target", required=True, help="collector: unix:/path or tls://host:port")
    parser.add_argument("--spool", required=True, help="spool directory for undelivered lines")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(args))


if __name__ == "__main__":
    main()
