"""The runtime's collector frees cyclic garbage (what aborted TLS handshakes leave) on its own."""

from __future__ import annotations

import asyncio
import gc
import weakref

from decnet.decky.runtime import collect_garbage


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


async def test_cycles_are_freed_between_collections() -> None:
    gc.disable()  # only the runtime's task may collect in this test
    task = asyncio.create_task(collect_garbage(0.05))
    try:
        await asyncio.sleep(0.01)  # start-up objects are frozen now
        a, b = Node(), Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        assert ref() is not None  # a cycle: reference counting alone never frees it
        for _ in range(100):
            if ref() is None:
                break
            await asyncio.sleep(0.02)
        assert ref() is None
    finally:
        task.cancel()
        gc.unfreeze()
        gc.enable()
