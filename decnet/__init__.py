"""DECNET: a honeypot deception network.

``decnet`` is the domain layer: settings, events, storage and (later) the fleet,
services and intelligence. It is importable and testable without a Ray cluster;
nothing here imports ``ray``, ``actors``, ``serve`` or ``cluster`` at module level.
"""

__version__ = "0.1.0"
