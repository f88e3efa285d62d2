"""A bounded table of TCP flows and the reassembly of each client's first bytes.

A flow is tracked from the client's SYN. Client payload is appended in sequence order (a few
out-of-order segments are held) up to ``stream_bytes``; the application parsers then say
whether the stream is TLS, SSH or HTTP and what it reveals. Once a flow is identified (or
given up on) it leaves the table, so its later packets cost one lookup that misses. The
table evicts the least recently used flow when full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from decnet.sniffer import http, ssh, tls

#: A flow's identity (the analyser uses the raw 4-tuple bytes of :attr:`Packet.key`).
FlowKey = Hashable
#: (kind, value) pairs a client stream revealed.
Reveal = list[tuple[str, str]]


@dataclass(slots=True)
class Flow:
    """One client-to-server byte stream being reassembled."""

    isn: int
    next_seq: int
    buffer: bytearray = field(default_factory=bytearray)
    pending: dict[int, bytes] = field(default_factory=dict)


def _tls(stream: bytes) -> Reveal | None:
    msg = tls.handshake_message(stream)
    if msg is None:
        return None
    hello = tls.parse_client_hello(msg)
    if hello is None:
        return []
    found = [("ja3", tls.ja3(hello)), ("ja4", tls.ja4(hello))]
    if hello.sni:
        found.append(("tls_sni", hello.sni))
    alpn = tls.alpn_text(hello)
    if alpn:
        found.append(("tls_alpn", alpn))
    return found


def _ssh(stream: bytes) -> Reveal | None:
    client = ssh.parse_client(stream)
    if client is None:
        return None
    found = [("ssh_banner", client.banner)]
    if client.kex:
        found.append(("hassh", client.hassh))
    return found


def _http(stream: bytes) -> Reveal | None:
    head = http.header_order(stream)
    if head is None:
        return None
    method, names = head
    return [("http_headers", f"{method} {names}")]


_NEED_MORE = (tls.NeedMore, ssh.NeedMore, http.NeedMore)


def identify(stream: bytes) -> Reveal | None:
    """What a client stream reveals; None if more bytes are needed. Unknown protocols reveal []."""
    if not stream:
        return None
    parser: Callable[[bytes], Reveal | None]
    first = stream[0]
    if first == 0x16:
        parser = _tls
    elif first == ord("S"):
        parser = _ssh
    elif 0x41 <= first <= 0x5A:
        parser = _http
    else:
        return []
    try:
        found = parser(stream)
    except _NEED_MORE:
        return None
    return found if found is not None else []


class FlowTable:
    """Bounded LRU map of flows under reassembly."""

    def __init__(self, max_flows: int, stream_bytes: int, max_ooo: int) -> None:
        self.max_flows = max_flows
        self.stream_bytes = stream_bytes
        self.max_ooo = max_ooo
        self.flows: OrderedDict[FlowKey, Flow] = OrderedDict()
        self.evicted = 0

    def __len__(self) -> int:
        return len(self.flows)

    def open(self, key: FlowKey, isn: int) -> bool:
        """Start tracking a flow at its SYN; False for a retransmitted SYN (same initial sequence).

        A SYN with a new initial sequence on a tracked 4-tuple is a new connection (the port was
        reused): it replaces the old flow.
        """
        old = self.flows.get(key)
        if old is not None:
            if old.isn == isn:
                return False
            del self.flows[key]
        if len(self.flows) >= self.max_flows:
            self.flows.popitem(last=False)
            self.evicted += 1
        self.flows[key] = Flow(isn=isn, next_seq=(isn + 1) & 0xFFFFFFFF)
        return True

    def close(self, key: FlowKey) -> None:
        """Forget a flow (FIN or RST)."""
        self.flows.pop(key, None)

    def data(self, key: FlowKey, seq: int, payload: bytes) -> Reveal | None:
        """Feed a client segment; what the stream revealed once it is identified, else None."""
        flow = self.flows.get(key)
        if flow is None:
            return None
        self.flows.move_to_end(key)
        offset = (seq - flow.next_seq) & 0xFFFFFFFF
        if offset >= 0x80000000:  # (partly) old data: keep only the new tail
            overlap = (flow.next_seq - seq) & 0xFFFFFFFF
            if overlap >= len(payload):
                return None
            payload, offset = payload[overlap:], 0
        if offset:
            if len(flow.pending) < self.max_ooo and offset < self.stream_bytes:
                flow.pending[seq] = payload[: self.stream_bytes]
            return None
        self._append(flow, payload)
        while flow.next_seq in flow.pending:
            self._append(flow, flow.pending.pop(flow.next_seq))
        found = identify(bytes(flow.buffer))
        if found is None and len(flow.buffer) < self.stream_bytes:
            return None
        del self.flows[key]  # identified (or given up): later segments take the analyser's fast path
        return found or []

    def _append(self, flow: Flow, payload: bytes) -> None:
        room = self.stream_bytes - len(flow.buffer)
        if room > 0:
            flow.buffer += payload[:room]
        flow.next_seq = (flow.next_seq + len(payload)) & 0xFFFFFFFF
