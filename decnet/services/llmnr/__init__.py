"""The llmnr service: LLMNR and mDNS queries logged, Responder-style poisoning detected."""

from decnet.services.llmnr.config import LLMNRConfig
from decnet.services.llmnr.service import LLMNRService

SERVICE = LLMNRService

__all__ = ["SERVICE", "LLMNRConfig", "LLMNRService"]
