"""Decky backends: ``netns`` (namespaces + macvlan, root), ``local`` (127.x.y.z); docker to come."""

from decnet.engine.base import BackendError, BackendUnavailable, DeckyNetwork, DeckyStatus
from decnet.engine.local import LocalBackend
from decnet.engine.netns import NetnsBackend

__all__ = [
    "BackendError",
    "BackendUnavailable",
    "DeckyNetwork",
    "DeckyStatus",
    "LocalBackend",
    "NetnsBackend",
]
