"""The tftp service: RRQ/WRQ logged with filename, mode and options; uploads captured."""

from decnet.services.tftp.service import TFTPConfig, TFTPService

SERVICE = TFTPService

__all__ = ["SERVICE", "TFTPConfig", "TFTPService"]
