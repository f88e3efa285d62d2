"""The ics service: a PLC answering Modbus/TCP (502) and S7comm (102) as its persona's device."""

from decnet.services.ics.config import ICSConfig
from decnet.services.ics.service import ICSService

SERVICE = ICSService

__all__ = ["SERVICE", "ICSConfig", "ICSService"]
