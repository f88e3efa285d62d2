"""Ray actors, one per DECNET worker (collector, fleet agent, ...).

Actors are thin: lifecycle, placement and persistence. The logic they schedule lives in
:mod:`decnet`; where each actor runs is decided in :mod:`cluster.placement`.
"""
