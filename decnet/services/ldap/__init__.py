"""The ldap service: an AD domain controller or OpenLDAP; bind credentials (plaintext, NTLMv2) captured."""

from decnet.services.ldap.config import LDAPConfig
from decnet.services.ldap.service import LDAPService

SERVICE = LDAPService

__all__ = ["SERVICE", "LDAPConfig", "LDAPService"]
