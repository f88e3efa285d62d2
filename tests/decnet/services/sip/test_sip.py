"""The sip service driven by a raw SIP client over UDP and TCP (REGISTER, digest, INVITE, OPTIONS) and nmap."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from decnet.services.base import ServiceContext
from decnet.services.sip import SIPService
from decnet.services.sip import message as sm

from ..dns.support import Events, make_persona, running

SERVICE = SIPService(ServiceContext(make_persona(), "127.0.0.1", Events(), Path("/nonexistent")))
ASTERISK = "Asterisk PBX 18.10.0~dfsg+~cs6.10.40431411-2"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def request(
    method: str, user: str, port: int, transport: str = "UDP", auth: str = "", cseq: int = 1
) -> bytes:
    uri = f"sip:127.0.0.1:{port}" if method == "REGISTER" else f"sip:{user}@127.0.0.1"
    lines = [
        f"{method} {uri} SIP/2.0",
        f"Via: SIP/2.0/{transport} 127.0.0.1:5062;branch=z9hG4bK{cseq}abc;rport",
        f"From: <sip:{user}@127.0.0.1>;tag=a1b2c3",
        f"To: <sip:{user}@127.0.0.1>",
        "Call-ID: 8f1c2d@127.0.0.1",
        f"CSeq: {cseq} {method}",
        f"Contact: <sip:{user}@127.0.0.1:5062>",
        "User-Agent: friendly-scanner",
        "Max-Forwards: 70",
    ]
    if auth:
        lines.append(f"Authorization: {auth}")
    return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()


def answer(challenge: str, user: str, password: str, method: str, uri: str) -> str:
    params = sm.digest_params(challenge)
    assert params is not None
    realm, nonce = params["realm"], params["nonce"]
    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"{method}:{uri}")
    response = md5(f"{ha1}:{nonce}:00000001:0a4f113b:auth:{ha2}")
    return (
        f'Digest username="{user}",realm="{realm}",nonce="{nonce}",uri="{uri}",response="{response}",'
        f'algorithm=MD5,qop=auth,nc=00000001,cnonce="0a4f113b",opaque="{params["opaque"]}"'
    )


def header(reply: bytes, name: str) -> str:
    match = re.search(rf"^{name}: (.*)$", reply.decode(), re.MULTILINE | re.IGNORECASE)
    assert match, reply
    return match.group(1).strip()


async def udp_exchange(port: int, data: bytes, replies: int = 1) -> list[bytes]:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        await loop.sock_sendto(sock, data, ("127.0.0.1", port))
        return [await asyncio.wait_for(loop.sock_recv(sock, 65535), 2) for _ in range(replies)]


async def test_register_over_udp_is_challenged_and_the_digest_captured() -> None:
    async with running(SIPService, users=("100:s3cret",)) as (svc, events):
        port = svc.bound_ports[0]
        [first] = await udp_exchange(port, request("REGISTER", "200", port))
        assert first.startswith(b"SIP/2.0 401 Unauthorized\r\n")
        assert header(first, "Server") == ASTERISK and ";received=127.0.0.1" in header(first, "Via")
        challenge = header(first, "WWW-Authenticate")
        assert re.fullmatch(r'Digest realm="asterisk",nonce="\d+/[0-9a-f]{32}",opaque="[0-9a-f]{16}",'
                            r'algorithm=md5,qop="auth"', challenge)  # fmt: skip
        uri = f"sip:127.0.0.1:{port}"
        auth = answer(challenge, "200", "guess", "REGISTER", uri)
        [again] = await udp_exchange(port, request("REGISTER", "200", port, auth=auth, cseq=2))
        assert again.startswith(b"SIP/2.0 401 ")
        [first] = await udp_exchange(port, request("REGISTER", "100", port, cseq=3))
        auth = answer(header(first, "WWW-Authenticate"), "100", "s3cret", "REGISTER", uri)
        [ok] = await udp_exchange(port, request("REGISTER", "100", port, auth=auth, cseq=4))
        assert ok.startswith(b"SIP/2.0 200 OK\r\n") and "expires=3600" in header(ok, "Contact")
    bad, good = events.of("auth")
    assert bad.fields["secret_kind"] == "sip_digest" and bad.fields["username"] == "200"
    assert bad.fields["result"] == "failure" and good.fields["result"] == "success"
    parts = bad.fields["secret"].split("*")
    assert parts[0] == "$sip$" and parts[3:9] == [
        "200",
        "asterisk",
        "REGISTER",
        "sip",
        f"127.0.0.1:{port}",
        "",
    ]
    nonce, cnonce, nc, qop, algo, response = parts[9:]
    # the captured fields are enough to test a guess offline (what hashcat -m 11400 does)
    ha1, ha2 = md5("200:asterisk:guess"), md5(f"REGISTER:sip:127.0.0.1:{port}")
    assert md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}") == response and algo == "MD5"
    statuses = [e.fields["status"] for e in events.of("request")]
    assert statuses == ["401", "401", "401", "200"]
    assert events.of("request")[0].fields["user_agent"] == "friendly-scanner"
    assert events.of("request")[0].fields["scanner"] == "sipvicious"


async def test_invite_and_options_over_tcp() -> None:
    async with running(SIPService) as (svc, events):
        port = svc.bound_ports[0]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request("OPTIONS", "100", port, "TCP") + request("INVITE", "100", port, "TCP", cseq=2))
        await writer.drain()
        data = b""
        while data.count(b"Content-Length:  0\r\n\r\n") < 2:
            data += await asyncio.wait_for(reader.read(65536), 3)
        writer.close()
        await events.wait("disconnect")
    options, invite = data.split(b"SIP/2.0 ")[1:]
    assert options.startswith(b"200 OK") and b"Allow: OPTIONS, REGISTER, SUBSCRIBE" in options
    assert invite.startswith(b"401 Unauthorized") and b"CSeq: 2 INVITE" in invite
    assert [e.fields["method"] for e in events.of("request")] == ["OPTIONS", "INVITE"]
    assert all(e.sid for e in events.of("request"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_parser_survives_any_bytes(data: bytes) -> None:
    try:
        req = sm.parse(data)
    except sm.SipError:
        return
    assert len(req.headers) <= sm.MAX_HEADERS and len(req.body) <= sm.MAX_BODY


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Via", "v", "From", "To", "CSeq", "Call-ID", "Authorization", "X"]), max_size=12),
       st.text(max_size=80), st.sampled_from(["REGISTER", "INVITE", "OPTIONS", "BYE", "FOO"]))  # fmt: skip
def test_handler_survives_odd_requests(names: list[str], value: str, method: str) -> None:
    clean = value.replace("\r", "").replace("\n", "")
    head = f"{method} sip:x SIP/2.0\r\n" + "".join(f"{n}: {clean}\r\n" for n in names)
    try:
        req = sm.parse(head.encode() + b"\r\n")
    except sm.SipError:
        return
    for reply in SERVICE.handle(req, "192.0.2.1", 5060, None, "udp", 5060):
        assert reply.startswith(b"SIP/2.0 ") and len(reply) < 70000
    SERVICE.ctx.events.items.clear()  # type: ignore[attr-defined]
