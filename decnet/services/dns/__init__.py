"""The dns service: an authoritative-only ISC BIND for a zone derived from the persona."""

from decnet.services.dns.config import DNSConfig
from decnet.services.dns.service import DNSService

SERVICE = DNSService

__all__ = ["SERVICE", "DNSConfig", "DNSService"]
