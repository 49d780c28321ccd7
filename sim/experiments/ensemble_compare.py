"""``compare --ensemble``: every policy against the reference in each plausible parameter set.

One campaign (``campaign.py``: written as runs finish, ``--resume``, the same numbers on any executor) of
one variant per set and policy (``set007-baseline``: the set's values applied as ``--set`` overrides on
top of the policy).  Replication k of every variant uses the same seed, so within a set the policies are
paired (common random numbers), and the sets too see the same days and draws.

Per set, policy and metric: the paired difference from the reference and its 95% CI; the set counts as
*better* or *worse* where that CI lies wholly on one side of zero (in the metric's better direction), else
*indistinguishable*.  Over the sets: how many are better, worse, indistinguishable, and the range of the
mean difference.  The folder also holds the usual compare tables pooled over the sets (each policy's runs
in every set, paired by set and replication), so the figures and reports of a compare read it as one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.experiments import commands
from sim.experiments.atomic import atomic_write
from sim.experiments.campaign import warmup_check
from sim.experiments.ensemble import (Ensemble, EnsembleError, load_ensemble, refuse_clash, refuse_non_numeric,
                                     scenario_problem, variant_name)
from sim.experiments.results import csv_text, replications_csv, summary_dict, write_json
from sim.experiments.runs import RunOutcome, variant_outcomes
from sim.experiments.statistics import MetricSummary, paired_differences, summarize_metrics
from sim.scenario import ScenarioError, load_scenario

BETTER, WORSE, SAME = "better", "worse", "indistinguishable"


def verdict(lo: float, hi: float, direction: str) -> str:
    """A set's verdict from the paired CI of (policy − reference): better, worse, indistinguishable (the CI holds
    zero, or is not known); for a metric with no better direction, 'higher' or 'lower'."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 <= hi:
        return SAME
    up = lo > 0
    if direction not in ("higher", "lower"):
        return "higher" if up else "lower"
    return BETTER if up == (direction == "higher") else WORSE


@dataclass
class EnsembleComparison(commands.Comparison):
    """A compare over a plausible ensemble: ``summaries`` and ``differences`` are pooled over the sets; ``per_set``
    holds each set's paired differences (set id -> policy -> metric) and ``robustness`` the counts over sets."""

    ensemble: Ensemble | None = None
    per_set: dict[str, dict[str, dict[str, MetricSummary]]] = field(default_factory=dict)
    robustness: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def failed_policies(self) -> list[str]:
        return [p for p in self.policies if not any(o.ok for o in self.outcomes if o.variant in self._names(p))]

    def _names(self, policy: str) -> set[str]:
        return {variant_name(s, policy) for s in self.ensemble.sets} if self.ensemble else set()


def robustness(per_set: dict[str, dict[str, dict[str, MetricSummary]]], policies: list[str],
               direction: Callable[[str], str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per policy and metric: sets better, worse, indistinguishable, and the mean difference's min, max, mean."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for p in policies:
        metrics = dict.fromkeys(m for d in per_set.values() for m in d.get(p, {}))
        out[p] = {}
        for m in metrics:
            ds = [d[p][m] for d in per_set.values() if m in d.get(p, {}) and math.isfinite(d[p][m].mean)]
            if not ds:
                continue
            kinds = [verdict(*x.ci95, direction(m)) for x in ds]
            means = [x.mean for x in ds]
            row: dict[str, Any] = {"sets": len(ds), "direction": direction(m)}
            if direction(m) in ("higher", "lower"):
                row.update(better=kinds.count(BETTER), worse=kinds.count(WORSE))
            else:
                row.update(better=None, worse=None, higher=kinds.count("higher"), lower=kinds.count("lower"))
            row.update(indistinguishable=kinds.count(SAME), diff_min=min(means), diff_max=max(means),
                       diff_mean=sum(means) / len(means))
            out[p][m] = row
    return out


def pooled(outcomes: list[RunOutcome], ens: Ensemble, policy: str, n: int) -> list[RunOutcome]:
    """A policy's runs in every set as one variant: set i's replication r becomes replication i*n + r, so that
    pairs across policies stay within a set (common random numbers)."""
    out = []
    for i, s in enumerate(ens.sets):
        out += [replace(o, variant=policy, replication=i * n + o.replication)
                for o in variant_outcomes(outcomes, variant_name(s, policy)) if o.replication < n]
    return out


def compare_ensemble(scenario: str | Path, policies: list[str] | None, ensemble: str | Path,
                     direction: Callable[[str], str], size: int | None = None, *,
                     options: commands.Options | None = None, **kw) -> EnsembleComparison:
    """Every policy against the first in each of ``size`` sets of ``ensemble`` (a plausible.csv); ``direction``
    says which way each metric is better ('higher', 'lower', 'none')."""
    o = commands.resolve_options(options, kw)
    path = Path(scenario)
    base = load_scenario(path, None, o.overrides)
    if policies is None:
        policies = list(base.policies)
        if not policies:
            raise commands.ApiError(f"{path}: defines no [policies.NAME]; nothing to compare")
    if len(set(policies)) != len(policies) or len(policies) < 2:
        raise commands.ApiError(f"--policies {','.join(policies)}: name at least two different policies")
    seed = base.seed if o.seed is None else o.seed
    ens = load_ensemble(ensemble, size, seed)
    refuse_clash(ens.keys, o.overrides, ens.file)
    variants = {}
    for s in ens.sets:
        for p in policies:
            try:
                variants[variant_name(s, p)] = commands.variant_scenario(path, p, o.overrides + s.overrides())
            except ScenarioError as e:
                raise scenario_problem(ens.file, s, [str(x) for x in e.problems]) from None
            refuse_non_numeric(ens.file, ens.keys, variants[variant_name(s, p)][0])
    plan = commands.plan_campaign("compare", path, variants, o, {"ensemble": ens.spec(), "policies": policies})
    with commands.execute_plan(plan, o, "variant") as (out, outcomes, n, meta):
        per_set = {s.id: {p: paired_differences(variant_outcomes(outcomes, variant_name(s, policies[0])),
                                                variant_outcomes(outcomes, variant_name(s, p)))
                          for p in policies[1:]} for s in ens.sets}
        pools = {p: pooled(outcomes, ens, p, n) for p in policies}
        sums = {p: summarize_metrics(pools[p]) for p in policies}
        diffs = {p: paired_differences(pools[policies[0]], pools[p]) for p in policies[1:]}
        robust = robustness(per_set, policies[1:], direction)
        first = replace(plan, variants={p: plan.variants[variant_name(ens.sets[0], p)] for p in policies})
        sc = first.variants[policies[0]]
        res = EnsembleComparison("compare", sc.name, out, plan.seed, n, sc.calendar.warmup_days,
                                 sc.calendar.horizon_days, outcomes, sums,
                                 warmup_check([x for p in policies for x in pools[p]], first),
                                 warnings=meta["warnings"] + ens.warnings(), policies=policies, differences=diffs, ensemble=ens,
                                 per_set=per_set, robustness=robust)
        _write(res, out, meta, n)
    return res


def _write(res: EnsembleComparison, out: Path, meta: dict[str, Any], n: int) -> None:
    ens, policies = res.ensemble, res.policies
    params = {variant_name(s, p): {"set": s.id, "policy": p, **s.values} for s in ens.sets for p in policies}
    atomic_write(out / "replications.csv", replications_csv(res.outcomes, "variant", params))
    cols = ["policy", "metric", "mean", "ci_lo", "ci_hi", "diff", "diff_ci_lo", "diff_ci_hi", "n"]
    atomic_write(out / "comparison.csv", csv_text(cols, ([r[c] for c in cols] for r in res.summary_rows())))
    rows = [[s.id, s.row, p, m, d.mean, d.ci95[0], d.ci95[1], d.n,
             verdict(*d.ci95, res.robustness[p].get(m, {}).get("direction", "none"))]
            for s in ens.sets for p in policies[1:] for m, d in res.per_set[s.id][p].items()]
    atomic_write(out / "ensemble.csv", csv_text(["set", "row", "policy", "metric", "diff", "diff_ci_lo", "diff_ci_hi",
                                                 "n", "verdict"], rows))
    write_json(out / "summary.json", {
        **meta, "warnings": res.warnings, "policies": policies, "reference": policies[0], "failed_policies": res.failed_policies,
        "metrics": summary_dict(res.summaries[policies[0]]),
        "by_policy": {p: {"metrics": summary_dict(res.summaries[p])} for p in policies},
        "differences": {p: {"metrics": summary_dict(d)} for p, d in res.differences.items()},
        "pooled": "by_policy and differences pool every set's runs (replication i*n + r is set i's r)",
        "warmup_check": res.warmup,
        "ensemble": {**ens.block(), "replications_per_set": n, "reference": policies[0],
                     "variants": {variant_name(s, p): [s.id, p] for s in ens.sets for p in policies},
                     "per_policy": res.robustness},
    })


__all__ = ["EnsembleComparison", "EnsembleError", "compare_ensemble", "robustness", "verdict"]
