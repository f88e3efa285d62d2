"""The docker_api service: the Docker Engine API of an exposed daemon (2375 plain, 2376 TLS)."""

from decnet.services.docker_api.config import DockerConfig
from decnet.services.docker_api.service import DockerService

SERVICE = DockerService

__all__ = ["SERVICE", "DockerConfig", "DockerService"]
