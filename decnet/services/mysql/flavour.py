"""Which server the persona runs (MySQL or MariaDB, the distro's build) and how it introduces itself."""

from __future__ import annotations

from dataclasses import dataclass

from decnet.fleet.persona import Persona

DEFAULT_VERSION = "8.0.36"
_MARIADB_COMMENT = {"debian": "Debian 12", "kali": "Debian n/a", "arch": "Arch Linux"}
_MYSQL_COMMENT = {"ubuntu22": "(Ubuntu)", "ubuntu20": "(Ubuntu)"}


@dataclass(frozen=True, slots=True)
class Flavour:
    """The server's identity."""

    version: str  #: SELECT VERSION()
    mariadb: bool

    @property
    def major(self) -> int:
        """The first version number."""
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 8

    @property
    def wire_version(self) -> str:
        """The greeting's version: MariaDB 10.x prefixes ``5.5.5-`` for old clients."""
        return f"5.5.5-{self.version}" if self.mariadb and self.major == 10 else self.version

    @property
    def default_plugin(self) -> str:
        """The plugin a stock server offers first."""
        return "caching_sha2_password" if not self.mariadb and self.major >= 8 else "mysql_native_password"

    @property
    def charset(self) -> int:
        """Server collation id in the greeting."""
        if self.mariadb:
            return 45 if self.major >= 10 else 8  # utf8mb4_general_ci / latin1_swedish_ci
        return 255 if self.major >= 8 else 8  # utf8mb4_0900_ai_ci / latin1

    def comment(self, distro: str) -> str:
        """@@version_comment."""
        if self.mariadb:
            return _MARIADB_COMMENT.get(distro, "MariaDB Server")
        return _MYSQL_COMMENT.get(distro, "MySQL Community Server - GPL")


def flavour_for(persona: Persona, override: str | None = None) -> Flavour:
    """The persona's server (``override`` replaces the version)."""
    version = override or persona.version_of("mysql") or DEFAULT_VERSION
    return Flavour(version, "mariadb" in version.lower())
