"""One module per resource; :mod:`decnet.web.api.main` mounts them under ``/api/v1``."""
