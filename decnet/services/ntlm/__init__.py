"""Shared NTLM (NTLMSSP, SPNEGO, BER) for the smb, rdp and ldap services; not a service itself."""

from decnet.services.ntlm.capture import auth_fields
from decnet.services.ntlm.identity import identity_for
from decnet.services.ntlm.ntlmssp import Authenticate, Identity, Negotiate, NTLMError, NTLMServer

__all__ = ["Authenticate", "Identity", "NTLMError", "NTLMServer", "Negotiate", "auth_fields", "identity_for"]
