"""The sip service: an Asterisk (chan_pjsip) persona; REGISTER/INVITE challenged, digests captured."""

from decnet.services.sip.config import SIPConfig
from decnet.services.sip.service import SIPService

SERVICE = SIPService

__all__ = ["SERVICE", "SIPConfig", "SIPService"]
