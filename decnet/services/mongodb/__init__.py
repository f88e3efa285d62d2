"""The mongodb service: the wire protocol (OP_MSG, legacy OP_QUERY), hello, buildInfo, SCRAM auth."""

from decnet.services.mongodb.config import MongoConfig
from decnet.services.mongodb.service import MongoService

SERVICE = MongoService

__all__ = ["SERVICE", "MongoConfig", "MongoService"]
