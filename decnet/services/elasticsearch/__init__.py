"""The elasticsearch service: the REST API of an exposed Elasticsearch node."""

from decnet.services.elasticsearch.config import ElasticsearchConfig
from decnet.services.elasticsearch.service import ElasticsearchService

SERVICE = ElasticsearchService

__all__ = ["SERVICE", "ElasticsearchConfig", "ElasticsearchService"]
