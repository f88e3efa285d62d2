"""Options of the mssql service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from decnet.services.streambase import StreamConfig


class MSSQLConfig(StreamConfig):
    """What an operator may set for a decky's SQL Server; unknown keys are rejected."""

    version: str | None = Field(
        None,
        pattern=r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,5}(\.[0-9]{1,5})?$",
        description="Product version (major.minor.build[.sub]), e.g. 15.0.2000.5; default: the persona's.",
    )
    encryption: Literal["off", "not_supported"] = Field(
        "off",
        description="off: TLS offered with the decky's certificate, as a real server; not_supported: none.",
    )
    server_name: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_.\\-]{1,64}$", description="Server name in errors; default: the hostname."
    )
