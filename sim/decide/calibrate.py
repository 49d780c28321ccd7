"""Calibration: does a scenario reproduce the published figures written in its ``[[targets]]``?

    import sim.decide.calibrate as cal
    c = cal.calibrate("scenarios/dalad.toml", replications=10, workers=2)
    print(cal.calibration_table(c))

The scenario is run as ``sim.api.run`` runs it (same seeding, same results
folder), and each target's metric is set against its published value:
simulated mean, Student-t 95% CI over replications, relative error
``(mean - value) / |value|``, and whether ``|relative error| <= tolerance``.
A missed target is a finding, reported in the table; it is not an error.
Each target says what kind of evidence it is (``Target.evidence``): only a
figure the model predicts tests the model; one a rate was fitted to agrees by
construction, a count of the layout checks the layout, and another district's
figure is a cross-district comparison.  The table shows the kind beside each row.
``calibration.csv`` goes into the results folder next to the usual files.

Targets are read after the policy and the ``--set`` overrides are applied,
so a policy may carry targets of its own (a policy's ``targets`` list
replaces the base list, as lists do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from sim.experiments import commands
from sim.experiments.runs import RunTask, execute
from sim.experiments.statistics import MetricSummary
from sim.metrics import PLACE_METRICS
from sim.experiments.atomic import atomic_write
from sim.experiments.results import csv_text, default_dir
from sim.scenario import Scenario, Target, load_scenario
from sim.scenario.targets import EVIDENCE

CSV_COLUMNS = ["metric", "target", "tolerance", "source", "simulated_mean", "ci_lo", "ci_hi",
               "relative_error", "within", "n", "note", "evidence"]


@dataclass(frozen=True)
class TargetCheck:
    """One published figure against the simulated metric."""

    target: Target
    simulated: MetricSummary

    @property
    def relative_error(self) -> float:
        """(simulated mean - target) / |target|; the absolute error when the target is 0."""
        m, v = self.simulated.mean, self.target.value
        if not math.isfinite(m):
            return math.nan
        return (m - v) / abs(v) if v != 0 else m - v

    @property
    def within(self) -> bool:
        e = self.relative_error
        return math.isfinite(e) and abs(e) <= self.target.tolerance + 1e-12


@dataclass
class Calibration:
    scenario_name: str
    policy: str | None
    checks: list[TargetCheck]
    run: commands.RunResult

    @property
    def out(self) -> Path:
        return self.run.out

    def check(self, metric: str) -> TargetCheck:
        """The (first) check of ``metric``."""
        for c in self.checks:
            if c.target.metric == metric:
                return c
        raise KeyError(f"no target for metric {metric!r}; targets: {', '.join(c.target.metric for c in self.checks)}")


def available_metrics(sc: Scenario) -> list[str]:
    """The metric names a run of ``sc`` produces (from one run over a one-day horizon)."""
    cal = sc.calendar.model_copy(update={"horizon_days": 1.0, "warmup_days": 0.0, "drain_days": 0.0})
    outcome = execute(RunTask("names", 0, 0, sc.model_copy(update={"calendar": cal})))
    if outcome.metrics is None:
        raise commands.ApiError(f"a one-day trial run of {sc.name} failed: {(outcome.error or '').splitlines()[0]}")
    return sorted(outcome.metrics)


def resolving_places(sc: Scenario) -> set[str]:
    """The places (levels, and police grids) where some issue of ``sc`` may be resolved: per arriving type, the levels
    its shares resolve it at (every level it reaches when it is settled by attempt or worsens), and police when
    police grids take it (its grid share may still go to grids without a police unit)."""
    out: set[str] = set()
    police = sc.cadres.police
    has_police = bool(police.count or police.units)
    for name, it in sc.issue_types.items():
        if it.rate_per_1000_households_per_week <= 0:
            continue
        places = it.levels_reached() if it.resolve_chance is not None or it.worsens() else it.resolved_at()
        out |= places
        if has_police and name in police.types and "grid" in places:
            out.add("police")
    return out


def target_metrics(sc: Scenario) -> list[str]:
    """The metrics a target of ``sc`` may name: those of a one-day trial run (``available_metrics``), and the
    per-place metrics of every place some issue may be resolved at, which a one-day run misses at a rarely used
    place (e.g. Tiefeng's department, 0.5-1% of a few types)."""
    places = {f.format(p) for p in resolving_places(sc) for f in PLACE_METRICS}
    return sorted(set(available_metrics(sc)) | places)


def check_targets(path: Path, sc: Scenario) -> None:
    if not sc.targets:
        where = f" (policy {sc.policy})" if sc.policy else ""
        raise commands.ApiError(f"{path}{where}: defines no [[targets]]; nothing to calibrate. "
                           "Add e.g. [[targets]] metric = \"completion_rate_reported\", value = 0.99, "
                           "tolerance = 0.01, source = \"...\"")
    names = target_metrics(sc)
    bad = [(i, t) for i, t in enumerate(sc.targets) if t.metric not in names]
    if bad:
        lines = [f"targets.{i}.metric = {t.metric!r} is not a metric of this scenario" for i, t in bad]
        raise commands.ApiError(f"{path}: " + "; ".join(lines) + ". Available metrics: " + ", ".join(names))


def calibrate(scenario: str | Path, policy: str | None = None, *, options: commands.Options | None = None,
              **kw) -> Calibration:
    """Run the scenario (as ``sim.api.run``) and check every target; writes calibration.csv into the results folder.

    Raises ``sim.api.ApiError`` when the scenario has no targets or a target names an unknown metric.
    """
    o = commands.resolve_options(options, kw)
    path = Path(scenario)
    sc = load_scenario(path, policy, o.overrides)
    check_targets(path, sc)
    if o.out is None:
        o = replace(o, out=default_dir(sc.name, "calibrate"))
    res = commands.run(path, policy, options=o)
    metrics = res.summaries[res.variant]
    nan = MetricSummary(math.nan, math.nan, (math.nan, math.nan), 0)
    checks = [TargetCheck(t, metrics.get(t.metric, nan)) for t in sc.targets]
    cal = Calibration(sc.name, policy, checks, res)
    atomic_write(res.out / "calibration.csv", calibration_csv(cal))
    return cal


def calibration_csv(cal: Calibration) -> str:
    rows = ([c.target.metric, c.target.value, c.target.tolerance, c.target.source, c.simulated.mean,
             c.simulated.ci95[0], c.simulated.ci95[1], c.relative_error, c.within, c.simulated.n, c.target.note,
             c.target.evidence]
            for c in cal.checks)
    return csv_text(CSV_COLUMNS, rows)


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    if abs(x) >= 1000 or (abs(x) >= 10 and x == round(x)):
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.4f}"


def calibration_table(cal: Calibration) -> str:
    """Plain-text table: metric, kind of evidence, target, tolerance, simulated mean, 95% CI, relative error,
    verdict, source; then what the kinds mean, since only a predicted figure tests the model."""
    rows = [("metric", "evidence", "target", "tol", "simulated", "95% CI", "rel. error", "", "source")]
    for c in cal.checks:
        s, t = c.simulated, c.target
        ci = "-" if not math.isfinite(s.ci95[0]) else f"[{_num(s.ci95[0])}, {_num(s.ci95[1])}]"
        err = "-" if not math.isfinite(c.relative_error) else f"{100 * c.relative_error:+.1f}%"
        rows.append((t.metric, t.evidence, _num(t.value), f"{100 * t.tolerance:g}%", _num(s.mean), ci, err,
                     "ok" if c.within else "MISSED", t.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i in (0, 1, 7, 8) else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "-" * max(len(x) for x in lines))
    met = sum(c.within for c in cal.checks)
    predicted = [c for c in cal.checks if c.target.evidence == "predicted"]
    tested = (f"{sum(c.within for c in predicted)} of the {len(predicted)} the model predicts (only these test it)"
              if predicted else "none is a figure the model predicts, so none tests the model")
    lines.append(f"{met} of {len(cal.checks)} target(s) within tolerance; {tested} "
                 "(tolerance: accepted |relative error|; MISSED is a finding: see the target's note)")
    kinds = dict.fromkeys(c.target.evidence for c in cal.checks)
    lines.extend(f"  {k}: {EVIDENCE[k]}" for k in kinds)
    notes = [f"  {c.target.metric}: {c.target.note}" for c in cal.checks if not c.within and c.target.note]
    if notes:
        lines.append("notes on missed targets:")
        lines.extend(notes)
    return "\n".join(lines)
