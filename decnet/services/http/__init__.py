"""The http service: nginx, Apache or IIS as the persona says, optionally a WordPress or phpMyAdmin."""

from decnet.services.http.config import HTTPConfig
from decnet.services.http.service import HTTPService

SERVICE = HTTPService

__all__ = ["SERVICE", "HTTPConfig", "HTTPService"]
