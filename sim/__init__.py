"""gridsim: discrete-event simulation of cadre deployment in grid governance."""

__version__ = "0.1.0"
