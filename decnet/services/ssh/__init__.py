"""SSH service: the persona's sshd, credential capture and a fake interactive shell."""

from decnet.services.ssh.config import SSHConfig
from decnet.services.ssh.server import SSHService

#: What the service registry loads.
SERVICE = SSHService

__all__ = ["SERVICE", "SSHConfig", "SSHService"]
