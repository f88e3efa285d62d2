"""The ldap service against the python ldap3 client: rootDSE info, simple bind and its NTLM (Sicily) bind."""

from __future__ import annotations

import asyncio
import hashlib
import types
from typing import Any

import ldap3
import ldap3.utils.ntlm as ldap3_ntlm
import pytest

from decnet.services.ldap import LDAPService
from tests.decnet.services.ntlm.helpers import md4, running, verify_hashcat_5600, windows_persona


class _MD4:
    def __init__(self, data: bytes = b"") -> None:
        self.data = data

    def digest(self) -> bytes:
        return md4(self.data)


@pytest.fixture
def md4_for_ldap3(monkeypatch: pytest.MonkeyPatch) -> None:
    """ldap3 hashes NTLM passwords with hashlib's MD4, which OpenSSL 3 no longer has."""
    shim = types.SimpleNamespace(
        **{name: getattr(hashlib, name) for name in dir(hashlib) if not name.startswith("_")}
    )

    def new(name: str, data: bytes = b"") -> Any:
        return _MD4(data) if name.lower() == "md4" else hashlib.new(name, data)

    shim.new = new
    monkeypatch.setattr(ldap3_ntlm, "hashlib", shim)


async def test_ldap3_reads_the_ad_rootdse_and_its_binds_are_captured(md4_for_ldap3: None) -> None:
    async with running(LDAPService, windows_persona()) as (_, ports, events):

        def client() -> tuple[Any, ...]:
            server = ldap3.Server("127.0.0.1", port=ports[0], get_info=ldap3.ALL, connect_timeout=5)
            anonymous = ldap3.Connection(server, auto_bind=True, receive_timeout=5)
            info = (server.info.naming_contexts, server.info.other.get("dnsHostName"))
            anonymous.unbind()
            ntlm = ldap3.Connection(
                server, user="CORP\\carol", password="Spring#24", authentication=ldap3.NTLM, receive_timeout=5
            )
            ntlm_ok = ntlm.bind()
            simple = ldap3.Connection(
                server, user="carol@corp.local", password="Spring#24", receive_timeout=5
            )
            simple_ok = simple.bind()
            return info, ntlm_ok, ntlm.result, simple_ok, simple.result

        info, ntlm_ok, ntlm_result, simple_ok, simple_result = await asyncio.to_thread(client)
        assert "DC=corp,DC=local" in info[0] and info[1] == ["SRV-ATLAS-07.corp.local"]
        assert not ntlm_ok and ntlm_result["result"] == 49 and "data 52e" in ntlm_result["message"]
        assert not simple_ok and simple_result["description"] == "invalidCredentials"
        auths = await events.wait("auth", 2)
        by_kind = {a.fields["secret_kind"]: a.fields for a in auths}
        assert by_kind["ntlmv2"]["username"] == "carol" and by_kind["ntlmv2"]["method"] == "sicily"
        assert verify_hashcat_5600(by_kind["ntlmv2"]["secret"], "Spring#24")
        assert by_kind["plaintext"]["password"] == "Spring#24"
