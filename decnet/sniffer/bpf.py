"""A small classic-BPF assembler and the kernel filter the sniffer attaches to its socket.

Programs are lists of :class:`Insn` and label names; jump targets are labels, resolved to the
forward offsets classic BPF uses. :func:`attach` hands the program to the kernel with
``SO_ATTACH_FILTER``, so unwanted frames are dropped before they reach Python and wanted
ones are cut to the snap length.
"""

from __future__ import annotations

import ctypes
import socket
import struct
from dataclasses import dataclass

# Instruction classes, sizes, modes and operations (linux/filter.h).
LD, LDX, ST, STX, ALU, JMP, RET, MISC = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
W, H, B = 0x00, 0x08, 0x10
IMM, ABS, IND, MEM, LEN, MSH = 0x00, 0x20, 0x40, 0x60, 0x80, 0xA0
JA, JEQ, JGT, JGE, JSET = 0x00, 0x10, 0x20, 0x30, 0x40
ADD, SUB, MUL, DIV, OR, AND, LSH, RSH = 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70
K, X, A = 0x00, 0x08, 0x10
#: Longest program the kernel accepts.
BPF_MAXINSNS = 4096
SO_ATTACH_FILTER = 26
SO_LOCK_FILTER = 44


@dataclass(frozen=True, slots=True)
class Insn:
    """One instruction; ``jt``/``jf`` are label names (conditional jumps) or None."""

    code: int
    k: int = 0
    jt: str | None = None
    jf: str | None = None


Item = Insn | str
Program = list[tuple[int, int, int, int]]


def assemble(items: list[Item]) -> Program:
    """Resolve labels; return (code, jt, jf, k) tuples. Raises ValueError on a bad jump."""
    labels: dict[str, int] = {}
    insns: list[Insn] = []
    for item in items:
        if isinstance(item, str):
            if item in labels:
                raise ValueError(f"label {item!r} defined twice")
            labels[item] = len(insns)
        else:
            insns.append(item)
    if not insns or len(insns) > BPF_MAXINSNS:
        raise ValueError("a program has 1 to 4096 instructions")
    program: Program = []
    for index, insn in enumerate(insns):
        offsets = []
        for target in (insn.jt, insn.jf):
            if target is None:
                offsets.append(0)
                continue
            if target not in labels:
                raise ValueError(f"unknown label {target!r}")
            offset = labels[target] - index - 1
            if not 0 <= offset <= 255:
                raise ValueError(f"jump to {target!r} out of range ({offset})")
            offsets.append(offset)
        if insn.code & 0x07 == JMP and insn.code & 0xF0 == JA:
            # An unconditional jump carries its (32-bit) offset in k; jt names the target.
            k = offsets[0]
            program.append((insn.code, 0, 0, k))
        else:
            program.append((insn.code, offsets[0], offsets[1], insn.k & 0xFFFFFFFF))
    if program[-1][0] & 0x07 != RET:
        raise ValueError("a program ends with a return")
    return program


def tcp_filter(snaplen: int) -> Program:
    """Accept TCP over IPv4 (no non-first fragments) or IPv6 (no extension headers), cut to ``snaplen``."""
    return assemble(
        [
            Insn(LD | H | ABS, 12),
            Insn(JMP | JEQ | K, 0x0800, "ip4", "not4"),
            "not4",
            Insn(JMP | JEQ | K, 0x86DD, "ip6", "reject"),
            "ip4",
            Insn(LD | B | ABS, 23),
            Insn(JMP | JEQ | K, 6, "frag", "reject"),
            "frag",
            Insn(LD | H | ABS, 20),
            Insn(JMP | JSET | K, 0x1FFF, "reject", "accept"),
            "ip6",
            Insn(LD | B | ABS, 20),
            Insn(JMP | JEQ | K, 6, "accept", "reject"),
            "accept",
            Insn(RET | K, snaplen),
            "reject",
            Insn(RET | K, 0),
        ]
    )


def pack(program: Program) -> bytes:
    """The program as the kernel's array of ``struct sock_filter``."""
    return b"".join(struct.pack("HBBI", *insn) for insn in program)


def attach(sock: socket.socket, program: Program, *, lock: bool = True) -> None:
    """Attach ``program`` to ``sock`` (``SO_ATTACH_FILTER``); ``lock`` forbids detaching it later."""
    raw = pack(program)
    buffer = ctypes.create_string_buffer(raw, len(raw))

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Fprog(len(program), ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(fprog))
    if lock:
        sock.setsockopt(socket.SOL_SOCKET, SO_LOCK_FILTER, 1)
