"""ClientHello parsing, JA3 and JA4 on known vectors, GREASE, SNI/ALPN, partial and bad input."""

from __future__ import annotations

import ssl

import pytest

from decnet.sniffer import tls
from tests.decnet.sniffer.hello import alpn, client_hello, sni, u16_list

SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
CHROME_CIPHERS = [4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53]


def _chrome_like() -> bytes:
    """A Chrome ClientHello with published JA3 and JA4 (browserleaks record), GREASE added."""
    ext_order = [45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27]
    data = {
        0: sni("tls.example.org"),
        16: alpn(b"h2", b"http/1.1"),
        10: u16_list([0x3A3A, 4588, 29, 23, 24]),
        11: b"\x01\x00",
        13: u16_list(SIGALGS),
        43: b"\x06\x3a\x3a\x03\x04\x03\x03",
    }
    extensions = [(0x1A1A, b"")] + [(t, data.get(t, b"")) for t in ext_order] + [(0x2A2A, b"\x00")]
    return client_hello(0x0303, [0x0A0A, *CHROME_CIPHERS], extensions)


def _parse(record: bytes) -> tls.ClientHello:
    msg = tls.handshake_message(record)
    assert msg is not None
    hello = tls.parse_client_hello(msg)
    assert hello is not None
    return hello


def test_ja3_and_ja4_of_a_published_chrome_hello() -> None:
    hello = _parse(_chrome_like())
    assert tls.ja3_string(hello) == (
        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
        "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0"
    )
    assert tls.ja3(hello) == "98487aa16281980e7d1120d399efb6a4"
    assert tls.ja4(hello) == "t13d1516h2_8daaf6152771_d8a2da3f94cd"
    assert hello.sni == "tls.example.org"
    assert tls.alpn_text(hello) == "h2,http/1.1"


def test_ja3_string_hashes_like_the_salesforce_readme_example() -> None:
    ciphers = [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4]
    exts = [(0, sni("a.example")), (10, u16_list([23, 24, 25])), (11, b"\x01\x00")]
    hello = _parse(client_hello(769, ciphers, exts))
    assert tls.ja3_string(hello) == "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
    assert tls.ja3(hello) == "ada70206e40642a3e4461f35503241d5"


def test_ja4_spec_example_raw_and_hashed() -> None:
    # The FoxIO JA4 spec's example: ciphers and extensions in wire order, JA4_r given sorted.
    ciphers = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014]
    ciphers += [0x009C, 0x009D, 0x002F, 0x0035]
    order = [0x001B, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002D, 0x000D]
    order += [0x0005, 0x0023, 0x0012, 0x002B, 0xFF01, 0x000B, 0x000A, 0x0015]
    data = {
        0x0000: sni("example.com"),
        0x0010: alpn(b"h2"),
        0x000D: u16_list(SIGALGS),
        0x002B: b"\x02\x03\x04",
    }
    hello = _parse(client_hello(0x0303, ciphers, [(t, data.get(t, b"")) for t in order]))
    assert tls.ja4_raw(hello) == (
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
        "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
        "0403,0804,0401,0503,0805,0501,0806,0601"
    )
    assert tls.ja4(hello) == "t13d1516h2_8daaf6152771_e5627efa2ab1"


def test_ja4_without_sni_alpn_or_extensions() -> None:
    hello = _parse(client_hello(0x0301, [0x002F], []))
    assert tls.ja4(hello) == "t10i010000_" + tls._hash12("002f") + "_000000000000"
    hello = _parse(client_hello(0x0303, [0x002F], [(16, alpn(b"\xab\xcd"))]))
    assert tls.ja4(hello).startswith("t12i0101ad_")
    assert tls.is_grease(0x0A0A) and tls.is_grease(0xFAFA) and not tls.is_grease(0x0A0B)


def test_hello_split_across_records_and_segments() -> None:
    record = _chrome_like()
    handshake = record[5:]
    half = len(handshake) // 2
    two_records = (
        b"\x16\x03\x01"
        + half.to_bytes(2, "big")
        + handshake[:half]
        + b"\x16\x03\x01"
        + (len(handshake) - half).to_bytes(2, "big")
        + handshake[half:]
    )
    assert tls.ja3(_parse(two_records)) == "98487aa16281980e7d1120d399efb6a4"
    for cut in (1, 4, 5, 20, len(record) - 1):
        with pytest.raises(tls.NeedMore):
            tls.handshake_message(record[:cut])


def test_not_tls_and_malformed() -> None:
    assert tls.handshake_message(b"GET / HTTP/1.1\r\n") is None
    assert tls.handshake_message(b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00") is None  # ServerHello
    assert tls.handshake_message(b"\x16\x03\x01\x00\x04\x01\xff\xff\xff") is None  # oversize
    assert tls.parse_client_hello(b"\x03\x03" + b"\x00" * 10) is None
    truncated = _chrome_like()[9:200]
    assert tls.parse_client_hello(truncated) is None


def test_a_real_openssl_client_hello() -> None:
    context = ssl.create_default_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = context.wrap_bio(incoming, outgoing, server_hostname="decky.example")
    with pytest.raises(ssl.SSLWantReadError):
        client.do_handshake()
    hello = _parse(outgoing.read())
    assert hello.sni == "decky.example" and tls.alpn_text(hello) == "h2,http/1.1"
    assert tls.ja4(hello).startswith("t13d") and tls.ja4(hello)[8:10] == "h2"
    assert len(tls.ja3(hello)) == 32
