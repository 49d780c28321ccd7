"""The experiment commands: ``run``, ``compare`` and ``sweep`` of a scenario into a results folder.

Each one plans its variants (policies or design points), executes every
replication through ``campaign`` (crash-safe, resumable), writes the folder's
tables and summary, and returns a :class:`Result`.  ``sim.api`` exposes them
to Python users and the command line; keyword options are those of
:class:`Options`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sim.experiments.campaign import Plan, Schedule, open_campaign, summaries, warmup_check
from sim.experiments.executors import default_workers
from sim.experiments.sizing import SizeError, check, check_replications, estimate
from sim.experiments.statistics import MetricSummary, paired_differences, summarize_metrics
from sim.experiments.runs import RunOutcome, metric_names, replication_seed, variant_outcomes
from sim.experiments.atomic import atomic_write
from sim.experiments.results import csv_text, default_dir, failures_csv, grids_csv, points_csv, replications_csv, summary_dict, versions, wartime_csv, write_json
from sim.model.district import build_district
from sim.scenario import Scenario, ScenarioError, load_scenario, merge_inputs, override_text, read_toml
from sim.experiments.designs import Factor, make_design, point_id


class ApiError(Exception):
    """A request that cannot be run as given (exit code 2 on the command line)."""


class Interrupted(Exception):
    """Ctrl-C (or a signal) stopped the command; every finished run is in ``out``."""

    def __init__(self, out: Path):
        self.out = out
        super().__init__(f"interrupted; finished runs are saved in {out}")


@dataclass(frozen=True)
class Driven:
    """A compare whose replications a procedure decides (``sim.decide.selection_run``), not a fixed count.

    ``schedule`` says which runs it needs next (``Campaign.run_driven``); once it asks for nothing,
    ``counts`` gives each policy's own number of replications (the tables use replications 0..n-1
    of each policy, whatever else the folder holds), and ``summary`` the blocks it adds to
    summary.json.  ``extra`` goes into command.json and the fingerprint (so --resume refuses a
    different procedure); ``max_replications`` per policy bounds the size estimate."""

    schedule: Schedule
    counts: Callable[[], dict[str, int]]
    summary: Callable[[], dict[str, Any]]
    extra: dict[str, Any]
    max_replications: int


@dataclass(frozen=True)
class Options:
    overrides: list[tuple[str, Any]] = field(default_factory=list)  # --set KEY=VALUE, parsed
    replications: int | None = 0  # 0: the file's; None: auto (until precision)
    seed: int | None = None  # None: the file's
    precision: float = 0.05
    precision_metric: str = "resolution_hours_mean"
    max_replications: int = 200
    out: str | Path | None = None  # None: results/<scenario>-<command>-<timestamp>
    resume: bool = False
    workers: int | None = None
    scheduler: str | None = None
    records: bool = False
    quiet: bool = True
    force: bool = False  # run even when the size estimate says it will not fit in memory (sizing.py)


def show_param(v: Any) -> Any:
    return "+".join(map(str, v)) if isinstance(v, list) else v


@dataclass
class Result:
    command: str
    scenario_name: str
    out: Path
    seed: int
    replications: int
    warmup_days: float
    horizon_days: float
    outcomes: list[RunOutcome]
    summaries: dict[str, dict[str, MetricSummary]]  # variant -> metric -> summary
    warmup: dict[str, Any]
    label: str = "variant"
    warnings: list[str] = field(default_factory=list)  # what makes the numbers less trustworthy

    @property
    def failures(self) -> list[RunOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def params(self, variant: str) -> dict[str, Any]:
        return {}

    def to_frame(self):
        """One row per variant and replication, one column per metric (pandas)."""
        import pandas as pd

        names = metric_names(self.outcomes)
        rows = [{self.label: o.variant, **{k: show_param(v) for k, v in self.params(o.variant).items()},
                 "replication": o.replication, **{n: o.metrics.get(n, math.nan) for n in names}}
                for o in sorted(self.outcomes, key=lambda o: (o.variant, o.replication)) if o.ok]
        return pd.DataFrame(rows)

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = []
        for v, metrics in self.summaries.items():
            for name, s in metrics.items():
                rows.append({self.label: v, **{k: show_param(x) for k, x in self.params(v).items()},
                             "metric": name, "mean": s.mean, "std": s.std,
                             "ci_lo": s.ci95[0], "ci_hi": s.ci95[1], "n": s.n})
        return rows

    def summary(self):
        """Mean, std, 95% CI and n per variant and metric (pandas)."""
        import pandas as pd

        return pd.DataFrame(self.summary_rows())


@dataclass
class RunResult(Result):
    variant: str = "base"
    label: str = "policy"


@dataclass
class Comparison(Result):
    policies: list[str] = field(default_factory=list)
    differences: dict[str, dict[str, MetricSummary]] = field(default_factory=dict)  # vs policies[0], paired
    label: str = "policy"

    @property
    def failed_policies(self) -> list[str]:
        """Policies without a single finished run (every run failed)."""
        return [p for p in self.policies if not any(o.ok for o in self.outcomes if o.variant == p)]

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = super().summary_rows()
        for r in rows:
            d = self.differences.get(r["policy"], {}).get(r["metric"])
            r.update(diff=d.mean if d else math.nan, diff_ci_lo=d.ci95[0] if d else math.nan,
                     diff_ci_hi=d.ci95[1] if d else math.nan)
        return rows


@dataclass
class Sweep(Result):
    factors: list[Factor] = field(default_factory=list)
    points: dict[str, dict[str, Any]] = field(default_factory=dict)  # point id -> {key: value}
    label: str = "point"

    def params(self, variant: str) -> dict[str, Any]:
        return self.points[variant]


# ---------------------------------------------------------------- building plans


def resolve_options(options: Options | None, kw: dict[str, Any]) -> Options:
    base = options or Options()
    known = {f.name for f in fields(Options)}
    unknown = set(kw) - known
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(known))}")
    return replace(base, **kw)


def variant_scenario(path: Path, policy: str | None, overrides: list[tuple[str, Any]]) -> tuple[Scenario, dict[str, Any]]:
    """A variant's scenario and the inputs it was read from (for the results folder's record of them)."""
    sc = load_scenario(path, policy, overrides)
    return sc, merge_inputs(read_toml(path), path, policy, overrides)


def plan_campaign(command: str, path: Path, variants: dict[str, tuple[Scenario, dict[str, Any]]], o: Options,
                  extra: dict[str, Any] | None = None) -> Plan:
    """The campaign of ``command`` over ``variants``: replications, seeds, runs and the folder's fingerprint."""
    first = next(iter(variants.values()))[0]
    reps = first.replications if o.replications == 0 else o.replications
    return Plan(command=command, scenario_file=str(path), variants={v: sc for v, (sc, _) in variants.items()},
                resolved={v: t for v, (_, t) in variants.items()}, seed=first.seed if o.seed is None else o.seed,
                replications=reps, precision=o.precision, precision_metric=o.precision_metric,
                max_replications=o.max_replications, records=o.records, extra=extra or {})


def check_size(variants: list[Scenario], count: int, replications: int | None, o: Options) -> None:
    """Refuse a command too large for this machine (sim.experiments.sizing); print its size unless quiet.

    ``variants``: some of the command's ``count`` variants, spread over them (the estimate takes the largest).
    """
    try:
        check_replications(replications, "--replications" if o.replications else "replications (the scenario file's)")
        check_replications(o.max_replications, "--max-replications")
        reps = replications or o.max_replications
        concurrent = 0 if o.scheduler else min(o.workers or default_workers(), count * reps)
        step = max(1, len(variants) // 20)
        size = replace(estimate(variants[::step], reps, concurrent), variants=count)
        if not o.quiet:
            print(f"gridsim: size: {size.describe()}", file=sys.stderr, flush=True)
        check(size, o.force)
    except SizeError as e:
        raise ApiError(str(e)) from None


def fresh_dir(name: str, command: str) -> Path:
    out = default_dir(name, command)
    base, i = out.name, 2
    while out.exists():  # two commands started in the same second
        out, i = out.with_name(f"{base}-{i}"), i + 1
    return out


@contextmanager
def execute_plan(plan: Plan, o: Options, label: str,
                 driven: Driven | None = None) -> Iterator[tuple[Path, list[RunOutcome], int, dict[str, Any]]]:
    """Run the plan into its folder, which stays locked for the block (where the command writes its tables).

    ``driven``: the procedure decides the runs; the outcomes are each variant's first ``counts()``."""
    first = next(iter(plan.variants.values()))
    check_size(list(plan.variants.values()), len(plan.variants), plan.replications, o)
    out = Path(o.out) if o.out else fresh_dir(first.name, plan.command)
    try:
        with open_campaign(plan, out, workers=o.workers, scheduler=o.scheduler, resume=o.resume,
                           quiet=o.quiet) as campaign:
            if driven is None:
                outcomes, n = campaign.run()
            else:
                every = campaign.run_driven(driven.schedule, label)
                counts = driven.counts()
                outcomes = [x for x in every if x.replication < counts.get(x.variant, 0)]
                n = max(counts.values())
            yield out, outcomes, n, _write_common(plan, o, label, out, outcomes, n)
    except KeyboardInterrupt:
        raise Interrupted(out) from None


def _write_common(plan: Plan, o: Options, label: str, out: Path, outcomes: list[RunOutcome], n: int) -> dict[str, Any]:
    first = next(iter(plan.variants.values()))
    atomic_write(out / "wartime.csv", wartime_csv(outcomes, label))
    if plan.series:  # the layout the per-grid figure draws (replication 0's, when each draws its own)
        atomic_write(out / "grids.csv", grids_csv(build_district(first, replication_seed(plan.seed, 0))))
    fails = [x for x in outcomes if not x.ok]
    if fails:
        atomic_write(out / "failures.csv", failures_csv(outcomes, label))
    elif (out / "failures.csv").exists():
        (out / "failures.csv").unlink()  # a resume has retried them all successfully
    return {"command": plan.command, "scenario": first.name, "scenario_file": plan.scenario_file,
            "overrides": [override_text(k, v) for k, v in o.overrides], "replications": n,
            "seeds": {"root": plan.seed, "scheme": "replication k of every variant: "
                      "SeedSequence(root, spawn_key=(k,)); streams derived from it by name"},
            "warmup_days": first.calendar.warmup_days, "horizon_days": first.calendar.horizon_days,
            "runs_failed": len(fails), "warnings": measurement_warnings(plan), "versions": versions()}


def measurement_warnings(plan: Plan) -> list[str]:
    """The scenario's measurement warnings, once each, over every variant."""
    out: list[str] = []
    for sc in plan.variants.values():
        out += [w for w in sc.measurement_warnings() if w not in out]
    return out


def _result(cls, plan: Plan, out: Path, outcomes: list[RunOutcome], meta: dict[str, Any], **kw) -> Result:
    first = next(iter(plan.variants.values()))
    return cls(plan.command, first.name, out, plan.seed, meta["replications"], first.calendar.warmup_days,
               first.calendar.horizon_days, outcomes, summaries(outcomes, plan), warmup_check(outcomes, plan),
               warnings=meta["warnings"], **kw)


# ---------------------------------------------------------------- the three commands


def run(scenario: str | Path, policy: str | None = None, *, options: Options | None = None, **kw) -> RunResult:
    """Replications of one scenario (optionally under one of its policies)."""
    o = resolve_options(options, kw)
    path = Path(scenario)
    name = policy or "base"
    plan = plan_campaign("run", path, {name: variant_scenario(path, policy, o.overrides)}, o)
    with execute_plan(plan, o, "policy") as (out, outcomes, n, meta):
        res = _result(RunResult, plan, out, outcomes, meta, variant=name)
        atomic_write(out / "replications.csv", replications_csv(outcomes, "policy"))
        write_json(out / "summary.json", {**meta, "policy": policy, "metrics": summary_dict(res.summaries[name]),
                                          "warmup_check": res.warmup})
    return res


def compare(scenario: str | Path, policies: list[str] | None = None, replications: int | None = 0, *,
            options: Options | None = None, driven: Driven | None = None, **kw) -> Comparison:
    """Every policy on common random numbers; differences from the first policy are paired.

    ``driven``: a procedure decides how many replications each policy runs (``--select-best``)."""
    o = resolve_options(options, {**({"replications": replications} if replications != 0 else {}), **kw})
    path = Path(scenario)
    if policies is None:
        policies = list(load_scenario(path, None, o.overrides).policies)
        if not policies:
            raise ApiError(f"{path}: defines no [policies.NAME]; nothing to compare")
    if len(set(policies)) != len(policies) or len(policies) < 2:
        raise ApiError(f"--policies {','.join(policies)}: name at least two different policies")
    plan = plan_campaign("compare", path, {p: variant_scenario(path, p, o.overrides) for p in policies}, o,
                 driven.extra if driven else None)
    if driven is not None:
        plan = replace(plan, replications=driven.max_replications)
    with execute_plan(plan, o, "policy", driven) as (out, outcomes, n, meta):
        base = variant_outcomes(outcomes, policies[0])
        diffs = {p: paired_differences(base, variant_outcomes(outcomes, p)) for p in policies[1:]}
        res = _result(Comparison, plan, out, outcomes, meta, policies=policies, differences=diffs)
        atomic_write(out / "replications.csv", replications_csv(outcomes, "policy"))
        cols = ["policy", "metric", "mean", "ci_lo", "ci_hi", "diff", "diff_ci_lo", "diff_ci_hi", "n"]
        atomic_write(out / "comparison.csv", csv_text(cols, ([r[c] for c in cols] for r in res.summary_rows())))
        write_json(out / "summary.json", {
            **meta, "policies": policies, "reference": policies[0], "failed_policies": res.failed_policies,
            "metrics": summary_dict(res.summaries[policies[0]]),
            "by_policy": {p: {"metrics": summary_dict(res.summaries[p])} for p in policies},
            "differences": {p: {"metrics": summary_dict(d)} for p, d in diffs.items()},
            "warmup_check": res.warmup, **(driven.summary() if driven else {}),
        })
    return res


def sweep(scenario: str | Path, vary: list[str], design: str = "grid", samples: int | None = None,
          policy: str | None = None, *, options: Options | None = None, **kw) -> Sweep:
    """Run every point of a parameter design (all on common random numbers)."""
    o = resolve_options(options, kw)
    path = Path(scenario)
    base = load_scenario(path, policy, o.overrides)
    seed = base.seed if o.seed is None else o.seed
    factors, points = make_design(vary, design, samples, seed, force=o.force)
    if not o.quiet:
        shape = " x ".join(str(len(f.values)) for f in factors) if design == "grid" else f"{samples} samples"
        print(f"gridsim: sweep design ({design}, {shape}): {len(points):,} point(s)", file=sys.stderr, flush=True)
    check_size([base], len(points), base.replications if o.replications == 0 else o.replications,
               replace(o, quiet=True))  # before loading every point: a design too large stops here
    ids = {point_id(i): p for i, p in enumerate(points)}
    extra = {"design": design, "samples": samples, "vary": vary, "policy": policy}
    with run_points("sweep", path, ids, policy, o, extra) as (res, meta):
        out, outcomes = res.out, res.outcomes
        res.factors = factors
        write_json(out / "summary.json", {
            **meta, "design": design, "factors": [{"key": f.key, "values": list(f.values)} for f in factors],
            "metrics": summary_dict(summarize_metrics(outcomes)),  # pooled over the whole design
            "points": {pid: {"params": params, "metrics": summary_dict(res.summaries[pid])}
                       for pid, params in ids.items()},
            "warmup_check": res.warmup,
        })
    return res


@contextmanager
def run_points(command: str, path: Path, ids: dict[str, dict[str, Any]], policy: str | None, o: Options,
               extra: dict[str, Any]) -> Iterator[tuple[Sweep, dict[str, Any]]]:
    """Every design point ``ids`` (point id -> {key: value}, applied after ``o.overrides``) on common random
    numbers, into a folder (``sweep``, ``sensitivity``): each point's scenario is validated first (a bad one
    raises ScenarioError naming the point); writes replications.csv and points.csv, then yields the Sweep
    and the summary's common fields with the folder still locked, for the command's own files."""
    variants = {}
    for pid, params in ids.items():
        try:
            variants[pid] = variant_scenario(path, policy, o.overrides + list(params.items()))
        except ScenarioError as e:
            e.problems = [f"{p} ({command} point {pid}: {params})" for p in e.problems]
            raise
    plan = replace(plan_campaign(command, path, variants, o, extra), series=False)
    with execute_plan(plan, o, "point") as (out, outcomes, n, meta):
        res = _result(Sweep, plan, out, outcomes, meta, points=ids)
        atomic_write(out / "replications.csv", replications_csv(outcomes, "point", ids))
        atomic_write(out / "points.csv", points_csv(ids, res.summaries, metric_names(outcomes)))
        yield res, meta
