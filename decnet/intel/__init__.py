"""Intelligence: the correlator (events → sessions, attackers, credentials, traversals) and the
profiler (attackers → behaviour class, tools, ATT&CK techniques, threat score, history).

Both are plain classes over a repository; their actors in ``actors/`` only schedule them.
"""

from decnet.intel.correlator import Correlator, CorrelatorStep
from decnet.intel.profiler import Profiler, ProfilerStep

__all__ = ["Correlator", "CorrelatorStep", "Profiler", "ProfilerStep"]
