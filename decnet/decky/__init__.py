"""The decky runtime: the one process inside a decky that hosts its service emulators."""

from decnet.decky.config import RuntimeConfig, RuntimeConfigError, load_runtime_config
from decnet.decky.persona_io import PersonaError, persona_from_dict, persona_to_dict
from decnet.decky.runtime import DeckyRuntime, plan_services, run_until_signalled

__all__ = [
    "DeckyRuntime",
    "PersonaError",
    "RuntimeConfig",
    "RuntimeConfigError",
    "load_runtime_config",
    "persona_from_dict",
    "persona_to_dict",
    "plan_services",
    "run_until_signalled",
]
