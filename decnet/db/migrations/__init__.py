"""Alembic migrations of the DECNET schema (applied by ``SQLModelRepository.initialize``)."""
