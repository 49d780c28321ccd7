"""``gridsim optimize``: the cheapest deployment meeting every target, checked with a stated confidence.

Checks every input first (levers, targets, metrics; exit 2 on the command line), then runs
the search (``search.py``) as a driven campaign (``Campaign.run_driven``): every run is
written as it finishes, an interrupted search resumes where it stopped, and runs are the
same on any executor.  Writes, beside command.json, scenario.resolved.toml and runs/:

- ``candidates.csv``: every candidate looked at, its lever values, replications, each
  target metric's mean and 95% CI, its cost, its verdict and the stage that decided it;
- ``optimum.toml``: the scenario with the chosen deployment written in (``gridsim run``
  takes it as it is); with no feasible candidate, the closest one's, named ``closest.toml``;
- ``allocation.csv`` (with the per-grid lever): each grid's sunk cadres in the answer;
- ``replications.csv`` and ``summary.json`` (the answer's metrics, and an ``optimum`` block).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.decide.calibrate import available_metrics
from sim.decide.optimize.ensemble import feasibility_over
from sim.decide.optimize.feasibility import FEASIBLE, Target
from sim.decide.optimize.problem import ALLOCATION_KEY, Problem, ProblemError, make_problem
from sim.decide.optimize.search import BadValue, Candidate, Search
from sim.experiments import commands
from sim.experiments.atomic import atomic_write
from sim.experiments.campaign import CampaignStopped, Plan, open_campaign
from sim.experiments.results import csv_text, grids_csv, replications_csv, summary_dict, versions, write_json
from sim.experiments.runs import RunOutcome
from sim.experiments.statistics import MetricSummary, summarize
from sim.model.district import build_district
from sim.scenario import Scenario, ScenarioError, build_scenario, dump_toml, merge_inputs, override_text, read_toml
from sim.scenario.loading import apply_override


@dataclass
class Optimization:
    """The answer: the chosen candidate (or none), every candidate checked, and the runs behind them."""

    problem: Problem
    candidates: list[Candidate]
    optimum: Candidate | None
    closest: Candidate | None  # with no feasible candidate: the one that misses least
    next_cheaper: Candidate | None  # the costliest checked candidate cheaper than the optimum
    metrics: dict[str, dict[str, MetricSummary]]  # candidate name -> metric -> summary over its replications
    out: Path
    runs_used: int
    decisions: int  # checks the search may make: the error rate is divided over them
    scenario_name: str
    seed: int
    stopped: str | None = None
    warnings: list[str] = field(default_factory=list)
    ensemble: dict[str, Any] | None = None  # over a plausible ensemble: its sets, share, and the sets failing

    @property
    def answer(self) -> Candidate | None:
        return self.optimum or self.closest

    def cost(self, c: Candidate) -> MetricSummary:
        return self.metrics[c.name][self.problem.cost]

    @property
    def guarantee(self) -> str:
        conf = f"{100 * self.problem.confidence:g}%"
        where = "" if not self.ensemble else (f" in at least {self.ensemble['need']} of the {self.ensemble['size']} "
                                              "plausible parameter sets")
        return (f"With {conf} confidence the chosen deployment meets every target{where} (each mean, over the scenario's "
                f"randomness, on the right side of its threshold); the error rate is shared out over the "
                f"{self.decisions} checks the search may make and their targets (Bonferroni).")


# ---------------------------------------------------------------- inputs


def _bad(msg: str) -> commands.ApiError:
    return commands.ApiError(msg)


def lever_overrides(levers: dict[str, Any]) -> list[tuple[str, Any]]:
    """A candidate's lever values as --set overrides (the allocation sets the explicit per-grid table)."""
    out: list[tuple[str, Any]] = []
    for key, value in levers.items():
        if key == ALLOCATION_KEY:
            out += [("cadres.sunk.allocation", "explicit"), ("cadres.sunk.per_grid", dict(value)),
                    ("cadres.sunk.count", sum(value.values()))]
        else:
            out.append((key, value))
    return out


def _check_levers(problem: Problem, data: dict[str, Any], path: Path, policy: str | None,
                  overrides: list[tuple[str, Any]], grid_ids: list[str]) -> None:
    """Every lever value that can be tried is a valid scenario (a bad one names the lever)."""
    trials: list[tuple[str, dict[str, Any]]] = []
    for lv in problem.levers:
        vals = (lv.values[0], lv.values[-1]) if lv.factor.is_range else lv.values
        trials += [(f"--lever {lv.key}={v}", {lv.key: v}) for v in dict.fromkeys(vals)]
    if problem.allocation:
        a = problem.allocation
        for n in dict.fromkeys((a.low, a.high)):
            trials.append((f"--lever {ALLOCATION_KEY}={a.low}:{a.high} (every grid at {n})",
                           {ALLOCATION_KEY: {g: n for g in grid_ids}}))
    for what, levers in trials:
        try:
            build_scenario(data, path, policy, overrides + lever_overrides(levers))
        except ScenarioError as e:
            e.problems = [f"{p} ({what})" for p in e.problems]
            raise


def _check_one_layout(problem: Problem, sc: Scenario) -> None:
    """A grid-by-grid allocation fits one layout: refused when each replication draws its own."""
    gen = sc.grids.generate
    if problem.allocation and gen is not None and gen.layout_per_replication:
        raise _bad(f"--lever {ALLOCATION_KEY}: places sunk cadres grid by grid, which fits one layout, and "
                   "grids.generate.layout_per_replication = true draws a new layout in each replication; "
                   "set it to false (a fixed layout) to allocate grid by grid")


def _check_metrics(problem: Problem, sc: Scenario, path: Path) -> None:
    names = available_metrics(sc)
    for t in problem.targets:
        if t.metric not in names:
            raise _bad(f"--target {t}: {t.metric!r} is not a metric of {path}. Available metrics: {', '.join(names)}")
    if problem.cost not in names:
        raise _bad(f"--cost {problem.cost}: not a metric of {path}. Available metrics: {', '.join(names)}")


# ---------------------------------------------------------------- the driver


class _Driver:
    """Feeds finished runs into the search, replays it, and says which runs it needs next."""

    def __init__(self, make: Callable[[], Search], build: Callable[[dict[str, Any], str | None], Scenario],
                 load_series: Callable[[str], dict[str, list[float]] | None], quiet: bool):
        self.make, self.build, self.load_series, self.quiet = make, build, load_series, quiet
        self.runs: dict[tuple[str, int], dict[str, Any]] = {}
        self.levers_of: dict[str, tuple[dict[str, Any], str | None]] = {}  # variant -> levers, parameter set
        self.scenarios: dict[str, Scenario] = {}
        self.told: set[str] = set()
        self.search: Search | None = None

    def note(self, msg: str) -> None:
        if not self.quiet:
            print(f"gridsim: optimize: {msg}", file=sys.stderr, flush=True)

    def schedule(self, outcomes: list[RunOutcome], slots: int) -> dict[str, list[int]]:
        for o in outcomes:
            if o.ok and (o.variant, o.replication) not in self.runs:
                series = o.series if o.series is not None else self.load_series(o.key)
                self.runs[(o.variant, o.replication)] = {"metrics": o.metrics, "series": series}
        search = self.make()
        search.runs = self.runs
        try:
            needs = search.replay()
        except BadValue as e:
            raise CampaignStopped(str(e)) from None
        self.search = search
        for c in search.candidates.values():
            self.levers_of[c.name] = (c.levers, None)
            if search.ensemble is not None:
                self.levers_of.update({v: (c.levers, s) for v, s in search.ensemble.variants(c.name).items()})
            if c.check is not None and c.check.verdict is not None and c.name not in self.told:
                self.told.add(c.name)
                self.note(f"{describe_levers(c.levers)}: {c.check.verdict} after {c.check.decided_at} replications")
        return needs

    def scenario_of(self, name: str) -> Scenario:
        if name not in self.scenarios:
            self.scenarios[name] = self.build(*self.levers_of[name])
        return self.scenarios[name]


def describe_levers(levers: dict[str, Any]) -> str:
    parts = []
    for k, v in levers.items():
        if k == ALLOCATION_KEY:
            parts.append(f"per-grid allocation ({sum(v.values()):,} sunk cadres in {len(v):,} grids)")
        else:
            parts.append(f"{k}={commands.show_param(v)}")
    return ", ".join(parts) or "the scenario as it is"


# ---------------------------------------------------------------- the command


def optimize(scenario: str | Path, levers: list[str], targets: list[str], *, cost: str = "cadre_hours_on_duty",
             confidence: float = 0.95, policy: str | None = None,
             first_stage: int = 10, max_runs: int | None = None, options: commands.Options | None = None,
             ensemble: str | Path | None = None, ensemble_size: int | None = None, ensemble_share: float = 1.0,
             **kw) -> Optimization:
    """Find the cheapest candidate (by the mean of ``cost``) whose targets are shown met with ``confidence``.

    ``levers``: ``KEY=SPEC`` as for ``sweep --vary``, or ``cadres.sunk.per_grid=LO:HI``;
    ``targets``: ``METRIC<=X`` or ``METRIC>=X``; ``first_stage``: replications of every candidate before its check may decide;
    ``options.max_replications``: at most that many per candidate; ``max_runs``: a budget for the
    whole search; ``ensemble``: a plausible.csv, of which ``ensemble_size`` sets are run (``ensemble.py``), the
    answer to be feasible in at least ``ensemble_share`` of them.  Raises ``ApiError`` (or ``ScenarioError``) on
    bad input, before running anything.
    """
    o = commands.resolve_options(options, kw)
    path = Path(scenario)
    try:
        problem = make_problem(levers, targets, cost, confidence)
    except ProblemError as e:
        raise _bad(str(e)) from None
    if isinstance(first_stage, bool) or not isinstance(first_stage, int) or first_stage < 2:
        raise _bad(f"--replications {first_stage}: the first stage needs a whole number >= 2 (a variance needs two)")
    if o.max_replications < first_stage:
        raise _bad(f"--max-replications {o.max_replications}: must be at least the first stage ({first_stage})")
    if max_runs is not None and (isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < first_stage):
        raise _bad(f"--max-runs {max_runs}: must be a whole number >= the first stage ({first_stage})")
    data = read_toml(path)
    base = build_scenario(data, path, policy, o.overrides)
    district = build_district(base)
    _check_one_layout(problem, base)
    _check_levers(problem, data, path, policy, o.overrides, district.ids)
    _check_metrics(problem, base, path)
    resolved = merge_inputs(data, path, policy, o.overrides)
    seed = base.seed if o.seed is None else o.seed
    feasibility = feasibility_over(ensemble, ensemble_size, ensemble_share, problem, data, path, policy, o.overrides,
                                   seed)
    spec = {"levers": levers, "targets": [str(t) for t in problem.targets], "cost": cost,
            "confidence": problem.confidence,
            "first_stage": first_stage, "max_replications": o.max_replications, "max_runs": max_runs,
            "policy": policy, **({"ensemble": {**feasibility.ensemble.spec(), "share": ensemble_share}}
                                 if feasibility else {})}
    plan = Plan(command="optimize", scenario_file=str(path), variants={}, resolved={"base": resolved}, seed=seed,
                replications=first_stage, records=o.records, series=problem.allocation is not None,
                extra={"optimize": spec})
    commands.check_size([base], len(feasibility.ensemble.sets) if feasibility else 1, first_stage, o)
    out = Path(o.out) if o.out else commands.fresh_dir(base.name, "optimize")

    def make() -> Search:
        return Search(problem, {}, district.ids, np.asarray(district.households, float), first_stage,
                      o.max_replications, max_runs, ensemble=feasibility)

    sets = {s.id: s.overrides() for s in feasibility.ensemble.sets} if feasibility else {}

    def build(levers_: dict[str, Any], set_id: str | None) -> Scenario:
        return build_scenario(data, path, policy, o.overrides + sets.get(set_id, []) + lever_overrides(levers_))

    try:
        with open_campaign(plan, out, workers=o.workers, scheduler=o.scheduler, resume=o.resume,
                           quiet=o.quiet) as campaign:
            driver = _Driver(make, build, campaign.store.load_series, o.quiet)
            search = make()
            driver.note(f"{len(search.configurations())} line(s) of search, at most {search.decisions()} checks; "
                        f"first stage {first_stage} replications, at most {o.max_replications} per candidate")
            every = campaign.run_driven(driver.schedule, "candidate", driver.scenario_of)
            res = _answer(problem, driver.search or search, every, out, base, seed)
            res.ensemble = feasibility.block(res.answer) if feasibility else None
            res.warnings = [w for sc in (base,) for w in sc.measurement_warnings()] + \
                (feasibility.ensemble.warnings() if feasibility else [])
            _write(res, resolved, every, o, plan, base)
    except KeyboardInterrupt:
        raise commands.Interrupted(out) from None
    return res


def _used(search: Search, c: Candidate, every: dict[tuple[str, int], RunOutcome]) -> list[RunOutcome]:
    return [every[k] for k in search.used(c) if k in every]


def _answer(problem: Problem, search: Search, every: list[RunOutcome], out: Path, base: Scenario,
            seed: int) -> Optimization:
    by_key = {(x.variant, x.replication): x for x in every if x.ok}
    metrics = {}
    for c in search.candidates.values():
        rows = [x.metrics for x in _used(search, c, by_key)]
        names = [problem.cost, *dict.fromkeys(t.metric for t in problem.targets)]
        metrics[c.name] = {n: summarize(m.get(n, math.nan) for m in rows) for n in names}
        if rows:
            full = {n: summarize(m.get(n, math.nan) for m in rows) for n in rows[0]}
            metrics[c.name] = {**full, **metrics[c.name]}
    checked = search.checked()
    cost_of = lambda c: metrics[c.name][problem.cost].mean  # noqa: E731
    optimum = search.optimum(cost_of)
    closest = None
    next_cheaper = None
    if optimum is None and checked:
        closest = min(checked, key=lambda c: (_miss(problem.targets, metrics[c.name]), cost_of(c)))
    if optimum is not None:
        cheaper = [c for c in checked if c.check.verdict != FEASIBLE and cost_of(c) < cost_of(optimum)]
        next_cheaper = max(cheaper, key=cost_of) if cheaper else None
    return Optimization(problem, list(search.candidates.values()), optimum, closest, next_cheaper, metrics, out,
                        len(by_key), search.decisions(), base.name, seed, search.stopped)


def _miss(targets: list[Target], m: dict[str, MetricSummary]) -> float:
    """How far the means miss the targets, each relative to its threshold's size (0: every one met)."""
    return sum(t.shortfall(m[t.metric].mean) / (abs(t.threshold) or 1.0) for t in targets)


@dataclass(frozen=True)
class Decision:
    """What a candidate's check showed about one target, with the interval it decided with."""

    target: Target
    status: str  # "met", "missed" (shown, each at the check's level) or "open" (not shown either way)
    low: float  # the decision interval in the metric's units: two one-sided bounds at ``level``
    high: float
    replications: int  # at the look that decided the target (or the last look, if open)
    level: float  # one-sided confidence of each bound: 1 - (error rate of the check) / (looks)
    set: str = ""  # over an ensemble: the parameter set whose runs alone give the interval (the hardest one)

    def to_dict(self) -> dict[str, Any]:
        return {"target": str(self.target), "status": self.status, "interval": [self.low, self.high],
                "replications": self.replications, "one_sided_level": self.level,
                **({"set": self.set} if self.set else {})}


def decisions(c: Candidate) -> list[Decision]:
    """Per target, what the candidate's check showed (none for a candidate that was never checked)."""
    chk = c.check
    if chk is None:
        return []
    intervals = chk.intervals
    return [Decision(t, chk.status(k), *intervals[k], chk.level, chk.source(k))
            for k, t in enumerate(chk.targets) if k in intervals]


def misses(res: Optimization, c: Candidate) -> list[tuple[Target, float]]:
    """The targets a candidate's means miss, and by how much (in the metric's units)."""
    m = res.metrics[c.name]
    return [(t, t.shortfall(m[t.metric].mean)) for t in res.problem.targets if t.shortfall(m[t.metric].mean) > 0]


# ---------------------------------------------------------------- the folder


def _stage(c: Candidate, n0: int) -> str:
    if c.check is None:
        return f"{c.phase} ({c.sampled} replications, no check)"
    if c.check.verdict is None:
        return "not finished"
    when = "first stage" if c.check.decided_at <= n0 else f"sequential, after {c.check.decided_at} replications"
    return f"{c.phase}; {when}"


def candidates_csv(res: Optimization, n0: int) -> str:
    p = res.problem
    keys = [lv.key for lv in p.levers]
    alloc = [ALLOCATION_KEY + " (total)"] if p.allocation else []
    # over an ensemble, the set each decision interval comes from (the mean and CI pool every set)
    ends = ("decided_lo", "decided_hi", "decided_at", *(("decided_set",) if res.ensemble else ()), "shown")
    metric_cols = [f"{t.metric}_{s}" for t in dict((t.metric, t) for t in p.targets).values()
                   for s in ("mean", "ci_lo", "ci_hi", *ends)]
    header = ["candidate", "configuration", *keys, *alloc, "replications", *metric_cols,
              f"cost_{p.cost}_mean", f"cost_{p.cost}_ci_lo", f"cost_{p.cost}_ci_hi", "verdict", "stage", "misses",
              "decision_level", "chosen"]
    rows = []
    for c in res.candidates:
        m = res.metrics[c.name]
        vals = []
        shown = {}
        for d in decisions(c):
            shown.setdefault(d.target.metric, d)  # the first target on a metric (the interval is the metric's)
        for metric in dict.fromkeys(t.metric for t in p.targets):
            s, d = m[metric], shown.get(metric)
            got = (d.low, d.high, d.replications, *((d.set,) if res.ensemble else ()), d.status) if d else None
            vals += [s.mean, s.ci95[0], s.ci95[1], *(got or ("",) * (len(ends)))]
        cs = m[p.cost]
        missed = "; ".join(f"{t} by {_fmt(d)}" for t, d in misses(res, c))
        rows.append([c.name, c.configuration, *[commands.show_param(c.levers.get(k)) for k in keys],
                     *([c.total_cadres] if p.allocation else []), c.replications, *vals,
                     cs.mean, cs.ci95[0], cs.ci95[1], c.verdict, _stage(c, n0), missed,
                     c.check.level if c.check else "",
                     "yes" if c is res.optimum else ""])
    return csv_text(header, rows)


def _fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def optimum_block(res: Optimization) -> dict[str, Any]:
    c = res.answer
    p = res.problem

    def cand(x: Candidate | None) -> dict[str, Any] | None:
        if x is None:
            return None
        m = res.metrics[x.name]
        return {"candidate": x.name, "levers": {k: v for k, v in x.levers.items()}, "verdict": x.verdict,
                "replications": x.replications,
                "cost": {"metric": p.cost, **m[p.cost].to_dict()},
                "metrics": {t.metric: {**m[t.metric].to_dict(), "target": str(t), "met": t.met_by(m[t.metric].mean)}
                            for t in p.targets},
                "misses": {str(t): d for t, d in misses(res, x)},
                "decisions": [d.to_dict() for d in decisions(x)]}

    return {"found": res.optimum is not None, **(cand(c) or {}), "next_cheaper": cand(res.next_cheaper),
            "confidence": p.confidence, "guarantee": res.guarantee if res.optimum else None,
            "checks_allowed": res.decisions,
            "runs_used": res.runs_used, "candidates_evaluated": len(res.candidates), "stopped": res.stopped,
            **({"ensemble": res.ensemble} if res.ensemble else {})}


def allocation_csv(res: Optimization, base: Scenario) -> str | None:
    c = res.answer
    if c is None or ALLOCATION_KEY not in c.levers:
        return None
    d = build_district(base)
    alloc = c.levers[ALLOCATION_KEY]
    return csv_text(["grid", "community", "street", "households", "sunk_cadres"],
                    ([g, d.community_names[d.community[i]], d.street_names[d.street[i]], int(d.households[i]),
                      alloc.get(g, 0)] for i, g in enumerate(d.ids)))


def _write(res: Optimization, resolved: dict[str, Any], every: list[RunOutcome], o: commands.Options, plan: Plan,
           base: Scenario) -> None:
    out = res.out
    atomic_write(out / "candidates.csv", candidates_csv(res, plan.replications))
    atomic_write(out / "replications.csv", replications_csv([x for x in every if x.ok], "candidate"))
    c = res.answer
    for name in ("optimum.toml", "closest.toml"):
        if (out / name).exists():
            (out / name).unlink()
    if c is not None:
        table = resolved
        for key, value in lever_overrides(c.levers):
            table = apply_override(table, key, value)
        what = "the cheapest deployment shown to meet every target" if res.optimum else \
            "no candidate was shown to meet every target: the closest one"
        head = (f"# gridsim optimize {plan.scenario_file}: {what}\n# levers: {describe_levers(c.levers)}\n"
                f"# run it as it is: gridsim run {out / ('optimum.toml' if res.optimum else 'closest.toml')}\n")
        atomic_write(out / ("optimum.toml" if res.optimum else "closest.toml"), head + dump_toml(table))
    alloc = allocation_csv(res, base)
    if alloc:
        atomic_write(out / "allocation.csv", alloc)
        atomic_write(out / "grids.csv", grids_csv(build_district(base)))  # the layout the maps draw
    write_json(out / "summary.json", {
        "command": "optimize", "scenario": res.scenario_name, "scenario_file": plan.scenario_file,
        "overrides": [override_text(k, v) for k, v in o.overrides], "replications": c.replications if c else 0,
        "seeds": {"root": res.seed, "scheme": "replication k of every candidate: SeedSequence(root, spawn_key=(k,)) "
                  "(common random numbers); streams derived from it by name"},
        "warmup_days": base.calendar.warmup_days, "horizon_days": base.calendar.horizon_days,
        "runs_failed": 0, "warnings": res.warnings, "versions": versions(),
        "metrics": summary_dict(res.metrics[c.name]) if c else {},
        "optimum": optimum_block(res),
    })
