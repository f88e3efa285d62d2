"""The fleet: decky specs, catalogs (archetypes, distros, OS profiles), INI, planner and personas."""
