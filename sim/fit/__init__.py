"""Fitting a scenario to a district's own work-order records (``gridsim fit``): reading the export,
refusing bad rows, censored estimates of arrivals, level shares and times, and the fitted scenario; work
times found by simulation (``work_search``); and a scenario checked against the records (``gridsim check``:
``check``, ``measures``, ``check_words``)."""

from sim.fit.command import NOTES, FitResult, fit
from sim.fit.reading import FIELDS, HEADERS, REQUIRED, FitError

__all__ = ["FIELDS", "FitError", "FitResult", "HEADERS", "NOTES", "REQUIRED", "fit"]
