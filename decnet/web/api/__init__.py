"""The REST API under ``/api/v1``: routes and their dependencies."""
