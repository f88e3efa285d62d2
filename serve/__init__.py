"""Ray Serve deployment hosting the FastAPI app of :mod:`decnet.web`."""
