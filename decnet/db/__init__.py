"""DECNET storage: one portable repository over SQLite and MySQL/MariaDB.

Use :func:`get_repository` (never a concrete repository class) and the types below;
FastAPI routes get the repository through :func:`decnet.web.deps.get_repo`.
"""

from decnet.db.errors import AlreadyExists, DatabaseConfigError, DatabaseUnavailable, RepositoryError
from decnet.db.factory import get_repository
from decnet.db.repository import AddEventsResult, SQLModelRepository, StoredEvent, StoredRejected
from decnet.db.retry import connect_with_retry
from decnet.db.telemetry import MethodStats, Telemetry
from decnet.db.urls import mask_url

__all__ = [
    "AddEventsResult",
    "AlreadyExists",
    "DatabaseConfigError",
    "DatabaseUnavailable",
    "MethodStats",
    "RepositoryError",
    "SQLModelRepository",
    "StoredEvent",
    "StoredRejected",
    "Telemetry",
    "connect_with_retry",
    "get_repository",
    "mask_url",
]
