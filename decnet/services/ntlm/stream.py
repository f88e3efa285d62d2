"""Reading one DER/BER element (an LDAPMessage, a CredSSP TSRequest) from a client, bounded."""

from __future__ import annotations

from decnet.services.http.parser import Closed
from decnet.services.ntlm import ber
from decnet.services.streambase import Session


async def read_element(s: Session, max_size: int) -> bytes:
    """The next SEQUENCE the client sends; ``Closed`` if it is not one, or is over ``max_size``."""
    head = await s.read_exactly(2)
    if head[0] != 0x30:
        raise Closed("protocol")
    if head[1] & 0x80:
        count = head[1] & 0x7F
        if not 1 <= count <= 4:
            raise Closed("protocol")
        head += await s.read_exactly(count)
    try:
        total = ber.frame_size(head, max_size)
    except ber.BERError:
        raise Closed("oversize") from None
    if total is None:  # cannot happen: the header is complete
        raise Closed("protocol")
    return head + await s.read_exactly(total - len(head))
