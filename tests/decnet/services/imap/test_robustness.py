"""Hostile input to the imap service and its parser: fuzzing, garbage, huge lines and literals, slow drip."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decnet.services.imap import IMAPService
from decnet.services.imap.parser import IMAPParseError, sequence_set, tokenize
from tests.decnet.services.smtp.support import feed, persona, running, service, slow_drip, talk

_WORDS = [
    b"a LOGIN alice pw",
    b"a LOGIN bob x",
    b"b SELECT INBOX",
    b"c FETCH 1:* (FLAGS BODY[] ENVELOPE)",
    b"d UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (FROM)]<0.10>)",
    b"e SEARCH UNSEEN FROM x",
    b"f STORE 1 +FLAGS (\\Seen)",
    b"g APPEND INBOX {5}",
    b"hello",
    b"h IDLE",
    b"DONE",
    b'i LIST "" *',
    b"j STATUS INBOX (MESSAGES)",
    b"k AUTHENTICATE PLAIN",
    b"*",
    b"l LOGOUT",
    b"m X {99999999999}",
    b"n CAPABILITY",
    b")(",
    b'"',
    b"",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.binary(max_size=200)), max_size=30))
async def test_fuzzed_sessions_end_cleanly(lines: list[bytes]) -> None:
    svc = service(IMAPService, persona("debian"), auth_fail_delay=0, users="alice:*", max_literal_bytes=4096)
    out = await feed(svc, b"\r\n".join(lines) + b"\r\n")
    assert out.startswith(b"* OK [CAPABILITY ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=200), st.binary(max_size=50)), max_size=6))
def test_tokenizer_never_crashes(items: list[str | bytes]) -> None:
    try:
        tokens = tokenize(items)
    except IMAPParseError:
        return
    assert isinstance(tokens, list)


@given(st.text(max_size=60), st.integers(0, 50))
def test_sequence_sets_are_bounded(text: str, largest: int) -> None:
    numbers = sequence_set(text, largest)
    assert numbers is None or all(1 <= n <= largest for n in numbers)


async def test_garbage_huge_literal_and_slow_drip() -> None:
    async with running(IMAPService, persona("debian"), max_literal_bytes=2048) as (_, port, events):
        out = await talk(port, bytes(range(1, 256)) * 20 + b"\r\n" * 12)
        assert out.endswith(b"* BYE Too many invalid IMAP commands.\r\n")
        out = await talk(port, b"a LOGIN " + b"x" * 100_000 + b"\r\nb NOOP\r\n")
        assert out.endswith(b"line too long.\r\nb OK NOOP completed.\r\n")
        out = await talk(port, b"a LOGIN {99999999}\r\nb NOOP\r\n")
        assert b"* BAD Literal too large\r\nb OK NOOP completed.\r\n" in out
        out = await talk(port, b"a LOGIN {99999999+}\r\n")
        assert out.endswith(b"* BYE Literal too large\r\n")
        out = await slow_drip(port, b"a CAPABILITY\r\nb LOGOUT\r\n", delay=0.005)
        assert out.endswith(b"b OK Logout completed.\r\n")
        await events.wait("disconnect", 5)
    reasons = [e.fields["reason"] for e in events.of("disconnect")]
    assert reasons[0] == "too_many_errors" and "literal_too_large" in reasons and "error" not in reasons
