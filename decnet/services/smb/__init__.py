"""The smb service: SMB2 negotiate and NTLMSSP session setup (NTLMv2 captured), Windows or Samba."""

from decnet.services.smb.config import SMBConfig
from decnet.services.smb.service import SMBService

SERVICE = SMBService

__all__ = ["SERVICE", "SMBConfig", "SMBService"]
