"""The mysql service: MySQL/MariaDB handshake as the distro ships it, logins captured as hashes."""

from decnet.services.mysql.config import MySQLConfig
from decnet.services.mysql.service import MySQLService

SERVICE = MySQLService

__all__ = ["SERVICE", "MySQLConfig", "MySQLService"]
