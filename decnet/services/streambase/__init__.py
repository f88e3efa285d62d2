"""A shared TCP base for the binary and REST protocol emulators (mysql, redis, k8s, ...)."""

from decnet.services.streambase.service import Session, StreamConfig, StreamService
from decnet.services.streambase.users import parse_users

__all__ = ["Session", "StreamConfig", "StreamService", "parse_users"]
