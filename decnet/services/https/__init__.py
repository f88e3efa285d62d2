"""The https service: the http service over TLS with a per-decky self-signed certificate."""

from decnet.services.https.service import HTTPSConfig, HTTPSService

SERVICE = HTTPSService

__all__ = ["SERVICE", "HTTPSConfig", "HTTPSService"]
