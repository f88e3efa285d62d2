"""The postgres service: startup, MD5 (or clear-text) challenge, the real FATAL errors, a few queries."""

from decnet.services.postgres.config import PostgresConfig
from decnet.services.postgres.service import PostgresService

SERVICE = PostgresService

__all__ = ["SERVICE", "PostgresConfig", "PostgresService"]
