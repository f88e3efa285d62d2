"""The redis service: RESP2 with Redis's own replies and error strings, every command logged."""

from decnet.services.redis.config import RedisConfig
from decnet.services.redis.service import RedisService

SERVICE = RedisService

__all__ = ["SERVICE", "RedisConfig", "RedisService"]
