"""A shared base for the HTTP/JSON REST personas (elasticsearch, k8s, docker_api)."""

from decnet.services.restapi.service import Reply, RestConfig, RestService, go_date, json_body

__all__ = ["Reply", "RestConfig", "RestService", "go_date", "json_body"]
