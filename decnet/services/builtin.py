"""The built-in services: one ``register_module`` call per slug (imported by the decky runtime)."""

from decnet.services.registry import register_module

register_module("http", "decnet.services.http")
register_module("https", "decnet.services.https")
register_module("ssh", "decnet.services.ssh")
