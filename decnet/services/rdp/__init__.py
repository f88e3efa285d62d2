"""The rdp service: X.224 negotiation, TLS and CredSSP (NLA) with NTLMv2 capture, as Windows."""

from decnet.services.rdp.config import RDPConfig
from decnet.services.rdp.service import RDPService

SERVICE = RDPService

__all__ = ["SERVICE", "RDPConfig", "RDPService"]
