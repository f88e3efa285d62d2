"""``python -m decnet.decky --config runtime.json``: run one decky's services."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from decnet.decky.config import RuntimeConfig, RuntimeConfigError, load_runtime_config
from decnet.decky.runtime import EXIT_CONFIG, DeckyRuntime, run_until_signalled


def _configure_logging(config: RuntimeConfig) -> None:
    """DECNET self-logging (RFC 5424) to the configured target; plain stderr if that fails."""
    try:
        from decnet.config.settings import Settings
        from decnet.selflog import configure_logging

        configure_logging("decky", Settings(log_target=config.log_target, log_level=config.log_level))
    except Exception as exc:
        logging.basicConfig(level=config.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        logging.getLogger("decnet.decky").warning("self-logging unavailable (%s); logging to stderr", exc)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 a service failed to start, 2 bad config)."""
    parser = argparse.ArgumentParser(prog="python -m decnet.decky", description="Run one decky's services.")
    parser.add_argument("--config", required=True, type=Path, help="runtime.json of the decky")
    args = parser.parse_args(argv)
    try:
        config = load_runtime_config(args.config)
        runtime = DeckyRuntime(config)
    except RuntimeConfigError as exc:
        print(f"decnet.decky: invalid configuration: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(config)
    return asyncio.run(run_until_signalled(runtime))


if __name__ == "__main__":
    sys.exit(main())
