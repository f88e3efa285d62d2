"""A minimal classic-BPF interpreter (the opcodes the sniffer's filters use), to test programs."""

from __future__ import annotations

from decnet.sniffer import bpf


def run(program: bpf.Program, packet: bytes, max_steps: int = 10000) -> int:
    """The value the program returns for ``packet`` (0: dropped; n: keep n bytes)."""
    a = x = 0
    pc = 0
    for _ in range(max_steps):
        code, jt, jf, k = program[pc]
        cls = code & 0x07
        if cls == bpf.LD:
            mode, size = code & 0xE0, code & 0x18
            width = {bpf.W: 4, bpf.H: 2, bpf.B: 1}[size]
            if mode == bpf.IMM:
                a = k
            elif mode in (bpf.ABS, bpf.IND):
                off = k + (x if mode == bpf.IND else 0)
                if off + width > len(packet):
                    return 0
                a = int.from_bytes(packet[off : off + width], "big")
            elif mode == bpf.LEN:
                a = len(packet)
            else:
                raise AssertionError(f"unsupported load {code:#x}")
        elif cls == bpf.LDX:
            if code & 0xE0 == bpf.MSH:
                if k >= len(packet):
                    return 0
                x = (packet[k] & 0x0F) * 4
            else:
                x = k
        elif cls == bpf.JMP:
            op = code & 0xF0
            operand = x if code & bpf.X else k
            if op == bpf.JA:
                pc += 1 + k
                continue
            taken = {
                bpf.JEQ: a == operand,
                bpf.JGT: a > operand,
                bpf.JGE: a >= operand,
                bpf.JSET: bool(a & operand),
            }[op]
            pc += 1 + (jt if taken else jf)
            continue
        elif cls == bpf.RET:
            return a if code & bpf.A else k
        else:
            raise AssertionError(f"unsupported instruction {code:#x}")
        pc += 1
    raise AssertionError("program did not return")
