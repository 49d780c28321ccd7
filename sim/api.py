"""The Python API (for notebooks; the command line is a thin layer over it).

    import sim
    cmp = sim.compare("scenarios/baota.toml", ["baseline", "pooled"], replications=20, workers=2)
    cmp.summary()    # pandas DataFrame: policy, metric, mean, std, ci_lo, ci_hi, n, diff, diff_ci_lo, diff_ci_hi
    cmp.to_frame()   # pandas DataFrame: one row per policy and replication, one column per metric

``run``, ``compare``, ``sweep`` and ``calibrate`` write the same results
folder as the command line and return the results; keyword options are those
of :class:`Options`.  ``plot_folder`` and ``write_report`` read a results
folder.  Everything the command line uses is here, so it reaches no lower layer.
"""

from __future__ import annotations

from sim.decide.calibrate import Calibration, calibrate, calibration_table
from sim.experiments.campaign import CampaignError
from sim.experiments.commands import (
    ApiError,
    Comparison,
    Interrupted,
    Options,
    Result,
    RunResult,
    Sweep,
    compare,
    run,
    show_param,
    sweep,
)
from sim.experiments.designs import DesignError
from sim.experiments.executors import ExecutorError
from sim.experiments.statistics import MetricSummary
from sim.model.district import build_district
from sim.outputs.plots import PlotError, parse_target, plot_folder
from sim.outputs.report import write_report
from sim.scenario import ROLES, Scenario, ScenarioError, load_scenario, parse_set

__all__ = [
    "ApiError", "Calibration", "CampaignError", "Comparison", "DesignError", "ExecutorError", "Interrupted",
    "MetricSummary", "Options", "PlotError", "ROLES", "Result", "RunResult", "Scenario", "ScenarioError", "Sweep",
    "calibrate", "calibration_table", "compare", "describe", "load_scenario", "parse_set", "parse_target",
    "plot_folder", "run", "show_param", "sweep", "write_report",
]


def describe(sc: Scenario) -> str:
    d = build_district(sc)
    c = sc.cadres
    lines = [
        f"scenario {sc.name}: {sc.description}".rstrip(": "),
        f"  calendar: from {sc.calendar.start}, {sc.calendar.horizon_days:g} days, warm-up {sc.calendar.warmup_days:g} days, "
        f"drain up to {sc.calendar.drain_days:g} days",
        f"  grids: {d.n} in {d.n_communities} communities, {d.n_streets} streets; "
        f"{int(d.households.sum()):,} households (per grid {d.households.min()}-{d.households.max()})",
        "  issue types: " + ", ".join(
            f"{name} ({it.rate_per_1000_households_per_week:g}/1000 hh/week, priority {it.priority}, "
            f"hidden {100 * it.hidden_share:.0f}%)" for name, it in sc.issue_types.items()),
        f"  grid workers: {c.grid_workers.per_grid} per grid, {'+'.join(c.grid_workers.days)} "
        f"{c.grid_workers.start_hour:g}-{c.grid_workers.end_hour:g} h",
        (f"  sunk cadres: {c.sunk.count}, allocation {c.sunk.allocation}, service days {'+'.join(c.sunk.service_days)}"
         f" ({c.sunk.days_per_cadre or len(c.sunk.service_days)} per cadre), {c.sunk.start_hour:g}-{c.sunk.end_hour:g} h"
         if c.sunk.count else "  sunk cadres: none"),
        f"  police grids: {d.n_police_units} x {c.police.officers_per_unit} officer(s), types {', '.join(c.police.types) or '-'}",
        f"  levels: community {sc.levels.community.staff_per_unit}/unit, street {sc.levels.street.staff_per_unit}/unit, "
        f"department {sc.levels.department.staff_per_unit}" + "".join(
            f"; unit {name}: {u.staff} staff for {', '.join(u.types)}" for name, u in sc.levels.department.units.items()),
        f"  dispatch: {sc.dispatch.rule}, unfinished tasks at shift end: {sc.dispatch.at_shift_end}",
        f"  visits: {'on' if sc.visits.enabled else 'off'}, every {sc.visits.target_interval_days:g} days, "
        f"{sc.visits.households_per_hour:g} households/hour, discovery probability {sc.visits.discovery_probability:g}",
        "  emergencies: " + (", ".join(
            f"{e.name} (day {sc.emergency_window(e)[0] / 24:g}, {e.duration_days:g} days)" for e in sc.emergencies) or "none"),
        f"  wartime: trigger {sc.wartime.trigger}, roles {', '.join(sc.wartime.roles)}, "
        f"{sc.wartime.start_hour:g}-{sc.wartime.end_hour:g} h daily",
        "  policies: " + (", ".join(sc.policies) or "none"),
    ]
    return "\n".join(lines)
