"""Ray actors, one per DECNET worker (collector, correlator, ...).

Actors are thin: lifecycle, placement and persistence. The logic they schedule
lives in :mod:`decnet`. Workers are added here by the constellation issue.
"""
