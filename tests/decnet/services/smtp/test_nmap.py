"""nmap -sV names the smtp service after the persona's product, never a Python server."""

from __future__ import annotations

import pytest

from decnet.services.smtp import SMTPService

from .support import nmap_service, persona, running


@pytest.mark.parametrize(("kind", "product"), [("ubuntu22", "Postfix smtpd"), ("windows", "Microsoft ESMTP")])
async def test_nmap_identifies_the_product(kind: str, product: str) -> None:
    async with running(SMTPService, persona(kind)) as (_, port, _events):
        found = await nmap_service(port)
    assert product in found and "python" not in found.lower(), found
