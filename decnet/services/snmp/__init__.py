"""The snmp service: a net-snmp agent (v1/v2c get, getnext, getbulk; v3 discovery) from the persona."""

from decnet.services.snmp.config import SNMPConfig
from decnet.services.snmp.service import SNMPService

SERVICE = SNMPService

__all__ = ["SERVICE", "SNMPConfig", "SNMPService"]
