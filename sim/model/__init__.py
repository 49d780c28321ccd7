"""The SimPy model. It imports only the scenario schema, never the layers above it."""

from sim.model.records import Records
from sim.model.simulation import simulate

__all__ = ["Records", "simulate"]
