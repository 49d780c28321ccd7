"""The Python API (for notebooks; the command line is a thin layer over it).

    import sim
    cmp = sim.compare("scenarios/baota.toml", ["baseline", "pooled"], replications=20, workers=2)
    cmp.summary()    # pandas DataFrame: policy, metric, mean, std, ci_lo, ci_hi, n, diff, diff_ci_lo, diff_ci_hi
    cmp.to_frame()   # pandas DataFrame: one row per policy and replication, one column per metric

``run``, ``compare``, ``sweep`` and ``calibrate`` write the same results
folder as the command line and return the results; keyword options are those
of :class:`Options`.  ``fit_records`` fits a scenario to a work-order export; ``check_records`` sets a scenario beside one.  ``plot_folder`` and ``write_report`` read a results
folder.  Everything the command line uses is here, so it reaches no lower layer.
"""

from __future__ import annotations

import functools
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.decide.calibrate import Calibration, calibrate, calibration_table
from sim.decide.history import HELP as HISTORY_HELP
from sim.decide.history import HistoryMatch, TargetSpec, history_text
from sim.decide.history import calibrate_history as _calibrate_history
from sim.decide.history import add_arguments as history_arguments
from sim.decide.sensitivity import HELP as SENSITIVITY_HELP
from sim.decide import sensitivity as _sensitivity
from sim.decide.sensitivity import Sensitivity
from sim.decide.sensitivity import sensitivity_table as _sensitivity_table
from sim.decide.sensitivity import add_arguments as sensitivity_arguments
from sim.decide.optimize import HELP as OPTIMIZE_HELP
from sim.decide import optimize as _optimize
from sim.decide.optimize import Optimization
from sim.decide.optimize import optimization_text as _optimization_text
from sim.decide.optimize import add_arguments as optimize_arguments
from sim.decide import selection_run as _selection
from sim.decide.selection_run import BestPolicy, selection_text
from sim.experiments.atomic import disk_full, disk_full_text
from sim.experiments.campaign import CampaignError, CampaignStopped
from sim.experiments import commands as _commands
from sim.experiments.commands import ApiError, Comparison, Interrupted, Options, Result, RunResult, Sweep, show_param
from sim.experiments.designs import DesignError
from sim.experiments.ensemble_compare import EnsembleComparison, compare_ensemble
from sim.experiments.executors import ExecutorError
from sim.experiments.statistics import MetricSummary
from sim.fit import FitError, FitResult
from sim.fit import fit as _fit
from sim.fit.words import HELP as FIT_HELP
from sim.fit.words import add_arguments as fit_arguments
from sim.fit.words import fit_text
from sim.fit.check import CheckResult
from sim.fit.check import check as _check
from sim.fit.check_words import HELP as CHECK_HELP
from sim.fit.check_words import add_arguments as check_arguments
from sim.fit.check_words import check_text
from sim.model.district import build_district
from sim.outputs.geo import scenario_geojson
from sim.outputs.plots import PlotError, parse_target, plot_folder
from sim.outputs.excel import WorkbookError, write_workbook
from sim.outputs.fit_book import write_fit_workbook
from sim.outputs.check_book import write_check_workbook
from sim.outputs.fonts import FontError
from sim.outputs.glossary import metric_info
from sim.outputs.numbers import format_ci, format_value, stored_shown, unit_header
from sim.outputs.report import write_report
from sim.outputs.terminal import comparison_table, results_table, sweep_table
from sim.outputs.ensemble_table import ensemble_table, pooled_heading
from sim.scenario import ROLES, Scenario, ScenarioError, load_scenario, parse_set
from sim.scenario.geometry import dumps as geojson_text
from sim.scenario.settling import settles_by_attempt

__all__ = [
    "ApiError", "Calibration", "CampaignError", "Comparison", "DesignError", "ExecutorError", "Interrupted",
    "MetricSummary", "Options", "PlotError", "ROLES", "Result", "RunResult", "Scenario", "ScenarioError", "Sweep",
    "calibrate", "calibration_table", "compare", "describe", "load_scenario", "map_district", "parse_set", "parse_target",
    "plot_folder", "run", "show_param", "sweep", "write_report",
]
__all__ += ["FontError", "comparison_table", "reports", "results_table", "sweep_table", "workbook"]
__all__ += ["LANGS", "SENSITIVITY_HELP", "Sensitivity", "figures", "sensitivity", "sensitivity_arguments",
            "sensitivity_table"]
__all__ += ["OPTIMIZE_HELP", "Optimization", "optimization_text", "optimize", "optimize_arguments"]
__all__ += ["BestPolicy", "CampaignStopped", "SELECT_HELP", "better_direction", "metric_unit", "select_best",
            "selection_text"]
__all__ += ["disk_full", "disk_full_text"]
__all__ += ["EnsembleComparison", "ensemble_table", "pooled_heading"]
__all__ += ["FIT_HELP", "FitError", "FitResult", "fit_arguments", "fit_records", "fit_text"]
__all__ += ["HISTORY_HELP", "HistoryMatch", "TargetSpec", "calibrate_history", "history_arguments", "history_text"]
__all__ += ["CHECK_HELP", "CheckResult", "check_arguments", "check_records", "check_text"]


def workbook(out: str | Path, lang: str = "en") -> Path | None:
    """Write ``results.xlsx`` (``results.zh.xlsx`` for zh) into a finished results folder; return its path.

    The folder's files are the results: a workbook that cannot be written is a warning, not a failure."""
    try:
        return write_workbook(Path(out), lang)
    except (WorkbookError, OSError) as e:
        print(f"gridsim: warning: {Path(out) / 'results.xlsx'} not written: {e}", file=sys.stderr)
        return None


def _with_workbook(command: Callable[..., Any], folder: Callable[[Any], Path]) -> Callable[..., Any]:
    """``command`` as it is, then the workbook of the folder it wrote: every command writes results.xlsx."""
    @functools.wraps(command)
    def wrapped(*args: Any, **kw: Any) -> Any:
        result = command(*args, **kw)
        workbook(folder(result))
        return result
    return wrapped


run = _with_workbook(_commands.run, lambda r: r.out)
def _compare(scenario: str | Path, policies: list[str] | None = None, replications: int | None = 0, *,
             ensemble: str | Path | None = None, ensemble_size: int | None = None, **kw: Any) -> Comparison:
    """``compare``; with ``ensemble`` (a plausible.csv), in each of ``ensemble_size`` of its parameter sets
    (sim.experiments.ensemble_compare), metrics judged better or worse by the glossary's direction."""
    if ensemble is None:
        return _commands.compare(scenario, policies, replications, **kw)
    if replications != 0:
        kw["replications"] = replications
    return compare_ensemble(scenario, policies, ensemble, better_direction, ensemble_size, **kw)


compare = _with_workbook(_compare, lambda r: r.out)
sweep = _with_workbook(_commands.sweep, lambda r: r.out)
sensitivity = _with_workbook(_sensitivity.sensitivity, lambda r: r.out)
optimize = _with_workbook(_optimize.optimize, lambda r: r.out)
select_best = _with_workbook(_selection.select_best, lambda r: r.comparison.out)
calibrate_history = _with_workbook(_calibrate_history, lambda h: h.out)


def better_direction(metric: str) -> str:
    """'higher', 'lower' or 'none': which way a metric is better (the glossary's word; 'none' if unknown)."""
    info = metric_info(metric)
    return info[0].better if info else "none"


def sensitivity_table(res: Sensitivity) -> str:
    """The terminal's table of a sensitivity study: each effect in the unit of the metric's name, a share's in
    percentage points (as the figure and the report give it)."""
    def effect_unit(metric: str) -> tuple[float, str]:
        shown = stored_shown(metric, diff=True)
        return shown.scale, unit_header(metric, shown=shown)

    return _sensitivity_table(res, effect_unit)


def metric_unit(metric: str) -> str:
    """How the terminal shows a metric: '%' for shares, 'h' for hours, else ''."""
    info = metric_info(metric)
    return {"share": "%", "hours": "h", "days": "days"}.get(info[0].unit, "") if info else ""


SELECT_HELP = textwrap.fill(
    "With --select-best METRIC --delta D, compare becomes a selection: procedure KN (Kim & Nelson 2001) "
    "runs a first stage of --first-stage replications of every policy on common random numbers, then one "
    "more replication at a time of the policies still in contention, and eliminates a policy as soon as it "
    "is clearly worse. The guarantee: with probability --confidence (95% by default) the selected policy is "
    "the best, or within D of the best. It stops when one policy is left, or at --max-replications per "
    "policy (default 200; then it says which are still in contention). It prints the elimination order and, "
    "for every policy, an MCB interval (multiple comparisons with the best) for its mean minus the best mean "
    "of the others, in METRIC's units; summary.json gains a 'selection' block. Every table holds each "
    "policy's own replications; the answer is the same whatever --workers, and after --resume.", 78)


def optimization_text(res: Optimization) -> str:
    """The optimize command's account, its numbers in the reader's units (cadre-days, %, hours)."""
    # beside identifiers and targets: in the units their names say; the values are levels (interval ends,
    # thresholds, costs), so a share's are in %, not percentage points
    return _optimization_text(res, ci=lambda name, s: format_ci(name, s.mean, *s.ci95, shown=stored_shown(name)),
                              value=lambda name, x: format_value(name, x, shown=stored_shown(name)))


def _allocation_text(allocation: str, per_grid: dict[str, int] | None) -> str:
    if per_grid is None:
        return allocation
    n = list(per_grid.values())
    return f"grid by grid ({min(n)}-{max(n)} per grid, {n.count(0)} of {len(n)} named grids with none)"


def describe(sc: Scenario) -> str:
    d = build_district(sc)
    c = sc.cadres
    lines = [
        f"scenario {sc.name}: {sc.description}".rstrip(": "),
        f"  calendar: from {sc.calendar.start}, {sc.calendar.horizon_days:g} days, warm-up {sc.calendar.warmup_days:g} days, "
        f"drain up to {sc.calendar.drain_days:g} days",
        f"  grids: {d.n} in {d.n_communities} communities, {d.n_streets} streets; "
        f"{int(d.households.sum()):,} households (per grid {d.households.min()}-{d.households.max()})"
        + ("; replication 0's layout: each replication draws its own"
           if sc.grids.generate is not None and sc.grids.generate.layout_per_replication else ""),
        "  issue types: " + ", ".join(
            f"{name} ({it.rate_per_1000_households_per_week:g}/1000 hh/week, priority {it.priority}, "
            f"hidden {100 * it.hidden_share:.0f}%{', settled by attempt' if settles_by_attempt(sc, name) else ''}"
            f"{f', worsens after {it.worsens_after.mean_value:g} h on average' if it.worsens_after is not None else ''}"
            f"{', into petitions' if it.worsens() and it.worsens_to == 'petition' else ''}"
            f"{', finished before leaving' if it.finish_before_leaving else ''})"
            for name, it in sc.issue_types.items()),
        f"  grid workers: {c.grid_workers.per_grid} per grid, {'+'.join(c.grid_workers.days)} "
        f"{c.grid_workers.start_hour:g}-{c.grid_workers.end_hour:g} h",
        (f"  sunk cadres: {c.sunk.count}, allocation {_allocation_text(c.sunk.allocation, c.sunk.per_grid)}, service days {'+'.join(c.sunk.service_days)}"
         f" ({c.sunk.days_per_cadre or len(c.sunk.service_days)} per cadre), {c.sunk.start_hour:g}-{c.sunk.end_hour:g} h"
         + (f", settling {', '.join(c.sunk.department_types)} at the grid" if c.sunk.department_types else "")
         if c.sunk.count else "  sunk cadres: none"),
        *(f"  role {name}: {f'{r.per_grid} per grid' if r.per_grid is not None else f'{r.count} ({r.allocation})'}"
          f"{' in ' + ', '.join(r.grids) if r.grids else ''}, {'+'.join(r.days)} {r.start_hour:g}-{r.end_hour:g} h"
          f"{f', from {r.start}' if r.start is not None else ''}{f' to {r.end}' if r.end is not None else ''}"
          f", types {', '.join(r.types) if r.types else 'all'}" for name, r in c.roles.items()),
        f"  police grids: {d.n_police_units} x {c.police.officers_per_unit} officer(s), types {', '.join(c.police.types) or '-'}"
        + (f", {c.police.blocks} blocks of grids" if d.n_police_units and not c.police.units else ""),
        f"  levels: community {sc.levels.community.staff_per_unit}/unit, street {sc.levels.street.staff_per_unit}/unit, "
        f"department {sc.levels.department.staff_per_unit}" + "".join(
            f"; unit {name}{f' ({u.label})' if u.label else ''}{f' ({u.label_zh})' if u.label_zh else ''}: "
            f"{u.staff} staff for {', '.join(u.types)}"
            for name, u in sc.levels.department.units.items()),
        f"  dispatch: {sc.dispatch.rule}, unfinished tasks at shift end: {sc.dispatch.at_shift_end}, travel "
        + (f"by distance between grid centroids ({sc.dispatch.overhead_hours:g} h + km / {sc.dispatch.speed_kmh:g} km/h)"
           if sc.dispatch.travel == "distance" else "drawn per issue (dispatch.travel_time)"),
        f"  visits: {'on' if sc.visits.enabled else 'off'}, every {sc.visits.target_interval_days:g} days, "
        f"{sc.visits.households_per_hour:g} households/hour, discovery probability {sc.visits.discovery_probability:g}"
        + ("" if sc.visits.mode == "idle" else
           f"; scheduled: {sc.visits.reserved_hours(8.0):g} h of an 8-hour shift reserved, "
           f"priority <= {sc.visits.interrupt_priority} calls away"),
        "  emergencies: " + (", ".join(
            f"{e.name} (day {sc.emergency_window(e)[0] / 24:g}, {e.duration_days:g} days"
            + "".join(f"; task {t.name}: {t.hours:g} h x {t.crew} per {t.per}, deadline {t.deadline_hours:g} h" for t in e.tasks)
            + ")" for e in sc.emergencies) or "none"),
        *(f"  campaign {cp.name}: day {sc.emergency_window(cp)[0] / 24:g}, {cp.duration_days:g} days, "
          f"{cp.target_households or 'every'} households, roles {', '.join(cp.roles)}, share {cp.share:g}"
          for cp in sc.campaigns),
        f"  wartime: trigger {sc.wartime.trigger}, roles {', '.join(sc.wartime.roles)}, "
        f"{sc.wartime.start_hour:g}-{sc.wartime.end_hour:g} h daily",
        "  policies: " + (", ".join(sc.policies) or "none"),
    ]
    return "\n".join(lines)


MAP_HELP = ("Write the scenario's grids as a GeoJSON FeatureCollection (RFC 7946, WGS-84 longitude/latitude), one "
            "feature per grid with properties id, community, street, households: the scenario's own polygons when "
            "[grids] has geojson, otherwise a synthetic district for the scenario's seed (streets, communities and "
            "grids nested without gaps or overlaps; grid areas proportional to the square root of households; "
            "nominal coordinates around 0N 0E). The file reads back as grids = {geojson = \"FILE\"}. "
            "Exit 2 on bad input.")


def map_district(scenario: str | Path, out: str | Path | None = None, policy: str | None = None,
                 overrides: list[tuple[str, Any]] | list[str] | None = None) -> dict[str, Any]:
    """The scenario's grids as a GeoJSON FeatureCollection (its own polygons, else a synthetic district
    for its seed), written to ``out`` when given; it reads back as ``[grids] geojson``.  ``overrides``
    are (key, value) pairs or ``KEY=VALUE`` texts as in ``--set``; bad ones and an unwritable ``out``
    raise :class:`ApiError`."""
    try:
        sets = [parse_set([o])[0] if isinstance(o, str) else o for o in overrides or []]
    except ValueError as e:
        raise ApiError(str(e)) from None
    doc = scenario_geojson(load_scenario(scenario, policy, sets))
    if out is not None:
        try:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(geojson_text(doc), encoding="utf-8")
        except OSError as e:
            raise ApiError(f"--out {out}: cannot write it ({e.strerror or e}); give a file name such as district.geojson") from None
    return doc


LANGS = {"en": ("en",), "zh": ("zh",), "both": ("en", "zh")}


def fit_records(records: str | Path, out: str | Path, scenario: str | Path | None = None,
                columns: list[str] | None = None, sheet: str | None = None, export_time: Any = None,
                quiet: bool = False, lang: str = "en", work_by_simulation: bool = False) -> FitResult:
    """``gridsim fit``: a scenario fitted to a work-order export, written into ``out`` (fitted.toml, fit.json,
    refused.csv) with results.xlsx, its figures and its report (Markdown and PDF) in ``lang``.  The three files
    are the results: a workbook, figures or a report that cannot be made are a warning, not a failure."""
    res = _fit(records, out, scenario, columns, sheet, export_time, quiet, work_by_simulation)
    for one in LANGS.get(lang, ("en",)):
        try:
            write_fit_workbook(out, one)
        except (WorkbookError, OSError) as e:
            print(f"gridsim: warning: the workbook of {out} not written: {e}", file=sys.stderr)
    try:
        reports(out, lang)  # draws the figures it shows
    except (PlotError, FontError, OSError) as e:
        print(f"gridsim: warning: the report of {out} not written: {e}", file=sys.stderr)
    return res


def check_records(scenario: str | Path, against: str | Path, out: str | Path, sets: list[str] | None = None,
                  replications: int | None = None, columns: list[str] | None = None, sheet: str | None = None,
                  quiet: bool = False, lang: str = "en", export_time: Any = None) -> CheckResult:
    """``gridsim check``: the scenario beside a work-order export, written into ``out`` (check.json and the
    verdict table, verdict.txt) with results.xlsx and the figures in ``lang``.  check.json is the result: a workbook or figures that cannot be
    made are a warning, not a failure."""
    res = _check(scenario, against, out, sets, replications, columns, sheet, quiet, export_time)
    (Path(out) / "verdict.txt").write_text(check_text(res) + "\n", encoding="utf-8")  # the table as printed
    try:
        write_check_workbook(out)
        figures(out, "png", lang)
    except (WorkbookError, PlotError, FontError, OSError) as e:
        print(f"gridsim: warning: the workbook or figures of {out} not written: {e}", file=sys.stderr)
    return res


def _in_languages(lang: str, make: Callable[[str], list[Path]]) -> list[Path]:
    """``make(one)`` for each language of ``lang`` (en, zh or both). Chinese outputs never go missing quietly:
    without the CJK font ``--lang zh`` and ``both`` alike stop with a FontError."""
    if lang not in LANGS:
        raise PlotError(f"--lang {lang}: allowed: {', '.join(LANGS)}")
    return [path for one in LANGS[lang] for path in make(one)]


def figures(out: str | Path, fmt: str = "png", lang: str = "en",
            targets: list[tuple[str, str, float]] | None = None) -> list[Path]:
    """A folder's figures in ``lang`` (en, zh or both: Chinese ones named ``*.zh.png`` beside the English)."""
    return _in_languages(lang, lambda one: plot_folder(out, fmt, one, targets))


def reports(out: str | Path, lang: str = "en",
            targets: list[tuple[str, str, float]] | None = None) -> list[Path]:
    """A folder's report in ``lang`` (en, zh or both): report.md/report.pdf, and report.zh.md/report.zh.pdf."""
    return _in_languages(lang, lambda one: list(write_report(out, one, targets)))
