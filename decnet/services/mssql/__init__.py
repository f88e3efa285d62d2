"""The mssql service: TDS pre-login with the persona's SQL Server version, LOGIN7 captured, 18456."""

from decnet.services.mssql.config import MSSQLConfig
from decnet.services.mssql.service import MSSQLService

SERVICE = MSSQLService

__all__ = ["SERVICE", "MSSQLConfig", "MSSQLService"]
