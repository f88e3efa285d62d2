"""The mqtt service: a Mosquitto broker persona; CONNECT credentials, publishes and subscriptions logged."""

from decnet.services.mqtt.config import MQTTConfig
from decnet.services.mqtt.service import MQTTService

SERVICE = MQTTService

__all__ = ["SERVICE", "MQTTConfig", "MQTTService"]
