"""gridsim: discrete-event simulation of cadre deployment in grid governance.

``sim.run``, ``sim.compare``, ``sim.sweep`` and ``sim.calibrate`` are the Python API (see sim.api).
"""

__version__ = "0.3.0"

_API = ("run", "compare", "sweep", "calibrate", "Options")


def __getattr__(name: str):
    # imported on first use, so that `import sim.model` stays light
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
