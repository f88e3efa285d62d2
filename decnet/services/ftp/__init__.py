"""The ftp service: vsftpd, ProFTPD or Microsoft FTP as the persona says; logins and transfers captured."""

from decnet.services.ftp.config import FTPConfig
from decnet.services.ftp.service import FTPService

SERVICE = FTPService

__all__ = ["SERVICE", "FTPConfig", "FTPService"]
