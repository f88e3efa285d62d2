"""A shared TCP base for the binary and REST protocol emulators (mysql, redis, k8s, ...)."""

from decnet.services.streambase.service import Session, StreamConfig, StreamService

__all__ = ["Session", "StreamConfig", "StreamService"]
