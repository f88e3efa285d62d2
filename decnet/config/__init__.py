"""Settings from DECNET_* environment variables and the host INI file."""

from decnet.config.errors import ConfigError
from decnet.config.loader import get_settings, load_settings, reset_settings
from decnet.config.logtarget import LogTarget, parse_log_target
from decnet.config.masking import mask_url
from decnet.config.report import SettingInfo, describe_settings
from decnet.config.settings import Settings, env_var_name

__all__ = [
    "ConfigError",
    "LogTarget",
    "SettingInfo",
    "Settings",
    "describe_settings",
    "env_var_name",
    "get_settings",
    "load_settings",
    "mask_url",
    "parse_log_target",
    "reset_settings",
]
