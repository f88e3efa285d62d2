"""Protocol emulators of a decky (one module per service) and their registry."""

from decnet.services.base import (
    EventSink,
    Service,
    ServiceConfig,
    ServiceConfigError,
    ServiceContext,
    parse_config,
)

__all__ = ["EventSink", "Service", "ServiceConfig", "ServiceConfigError", "ServiceContext", "parse_config"]
