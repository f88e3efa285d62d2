"""The vnc service: RFB 3.8 VNC authentication; the DES challenge/response captured."""

from decnet.services.vnc.config import VNCConfig
from decnet.services.vnc.service import VNCService

SERVICE = VNCService

__all__ = ["SERVICE", "VNCConfig", "VNCService"]
