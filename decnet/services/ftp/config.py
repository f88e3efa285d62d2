"""Options of the ftp service (the ``[decky.ftp]`` INI section)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from decnet.services.smtp.config import BANNER, Users
from decnet.services.smtp.linesvc import LineConfig


class FTPConfig(LineConfig):
    """What an operator may set for a decky's FTP server; unknown keys are rejected."""

    server: Literal["auto", "vsftpd", "proftpd", "microsoft"] = Field(
        "auto",
        description="Product to be: auto = Microsoft FTP on Windows, else vsftpd (ProFTPD if no vsftpd).",
    )
    banner: str | None = Field(
        None, pattern=BANNER, description="Greeting line after '220 ' (default: the product's)."
    )
    anonymous: bool = Field(False, description="Let 'anonymous'/'ftp' log in (chrooted to /srv/ftp).")
    users: Users = Field(
        default_factory=dict, description="Accounts that log in: 'user:password, ...' ('*' = any)."
    )
    uploads: bool = Field(True, description="Accept STOR where the account may write (uploads are captured).")
    max_upload_bytes: int = Field(
        10 * 1024 * 1024,
        ge=0,
        le=256 * 1024 * 1024,
        description="Bytes of an upload kept (the rest is dropped).",
    )
    store_uploads: bool = Field(True, description="Write captured uploads under the state directory.")
    max_stored_uploads: int = Field(1000, ge=0, le=1_000_000, description="Uploads kept on disk at most.")
    data_timeout: float = Field(
        30.0, gt=0, le=600, description="Seconds to open and to use a data connection."
    )
    max_login_failures: int = Field(
        3, ge=1, le=100, description="Failed logins before disconnect (vsftpd max_login_fails)."
    )
