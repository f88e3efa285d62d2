"""Placement, bootstrap and health of the DECNET constellation on Ray."""
