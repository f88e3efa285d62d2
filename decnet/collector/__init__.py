"""The collector's logic: ingest sockets feeding the repository (its Ray actor lives in ``actors``)."""

from decnet.collector.sink import RepositorySink

__all__ = ["RepositorySink"]
