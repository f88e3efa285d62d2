"""DECNET's web layer: the FastAPI app (REST API under ``/api/v1`` and the dashboard).

Routes reach storage only through the :func:`decnet.web.deps.get_repo` dependency.
"""
