"""The SimPy model. It imports only the scenario schema, never the layers above it."""

from sim.model.records import ROLES, Records
from sim.model.simulation import simulate

__all__ = ["ROLES", "Records", "simulate"]
