"""``gridsim calibrate SCENARIO --vary KEY=LO:HI ...``: history matching into a results folder.

Each wave's design points run as a sweep's do (``commands.run_points``: common random
numbers, each run written as it finishes, resumable) in their own folder ``DIR/wave-N/``;
the waves' designs follow from the seed and the runs before them, so ``--resume DIR``
redoes the same designs and runs only what is missing.  ``DIR`` itself holds the files of
the history match (docs/calibration.md): plausible.csv, points.csv, waves.csv,
implausibility.csv and summary.json with a ``history_match`` block.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.decide.calibrate import check_targets
from sim.decide.history.implausibility import DEFAULT_CUTOFF, RULES, combine
from sim.decide.history.records import RecordsTargets, Replaced, merge_targets, records_targets
from sim.decide.history.space import Box
from sim.decide.history.waves import History, TargetSpec, WaveRecord, history_match
from sim.decide.sensitivity.factors import check_ends, current_value, parse_factors
from sim.experiments import commands
from sim.experiments.atomic import atomic_write
from sim.experiments.campaign import CampaignError, check_out
from sim.experiments.designs import DesignError, point_id
from sim.experiments.results import csv_text, summary_dict, write_json
from sim.scenario import load_scenario, override_text

DEFAULT_WAVES = 3
DEFAULT_RUNS_PER_WAVE = 40


@dataclass
class HistoryMatch:
    """The history match and its folder."""

    history: History
    out: Path
    scenario_name: str
    seed: int
    warnings: list[str]
    replaced: list[Replaced] = field(default_factory=list)  # scenario targets the records' replace

    @property
    def keys(self) -> list[str]:
        return self.history.box.keys

    def ranges(self) -> dict[str, list[float]]:
        p = self.history.plausible
        return {k: [float(p[:, i].min()), float(p[:, i].max())] for i, k in enumerate(self.keys)} if len(p) else {}


def _box(vary: list[str], base) -> Box:
    try:
        factors = parse_factors(vary, base)
    except DesignError as e:  # sensitivity's advice to list levels does not hold here: calibrate refuses them
        msg = str(e).replace("sensitivity samples", "calibrate samples").replace(" or a list of levels a,b,...", "")
        msg = msg.replace(" or KEY=a,b,...", "").replace(" or dispatch.rule=own_grid,pooled", "")
        msg = re.sub(r"give its values as a list of levels, e\.g\. \S+$", "history matching needs a numeric field "
                     "(a rate, a mean, a count) and its range LO:HI", msg)
        raise DesignError(msg) from None
    levels = [f.key for f in factors if f.kind == "categorical"]
    if levels:
        raise DesignError(f"--vary {', '.join(levels)}: calibrate varies numeric fields over a range LO:HI, "
                          "not a list of levels")
    unset = [f.key for f in factors if current_value(base, f.key) is None]
    if unset:
        raise DesignError(f"--vary {', '.join(unset)}: not a numeric field of the scenario (it has no value "
                          "there); give the dotted path of a number the scenario sets, e.g. "
                          "issue_types.<type>.rate_per_1000_households_per_week")
    return Box(tuple(factors))


def _targets(path: Path, sc, records: str | Path | None) -> tuple[list[TargetSpec], list[str], list[Replaced]]:
    """The targets to match, what ``records`` holds that constrains nothing (said as warnings), and the scenario's
    targets that the records' replace (one target per metric)."""
    extra = records_targets(records, sc) if records else RecordsTargets([], [])
    if sc.targets or not extra.targets:  # the records' targets may stand alone
        check_targets(path, sc)
    own = [TargetSpec(t.metric, t.value, t.tolerance, t.source, t.evidence) for t in sc.targets]
    metrics = [t.metric for t in own]
    twice = sorted({m for m in metrics if metrics.count(m) > 1})
    if twice:
        raise commands.ApiError(f"{path}: [[targets]] name {', '.join(twice)} more than once; history matching "
                                "needs one target per metric")
    out, replaced = merge_targets(own, extra.targets)
    return out, extra.unused, replaced


def _fingerprint(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _open_folder(out: Path, resume: bool, doc: dict[str, Any]) -> None:
    """Refuse a folder of another command (on --resume) or one that already holds waves; write command.json."""
    check_out(out, resume)
    if resume:
        old = json.loads((out / "command.json").read_text())
        if old.get("fingerprint") != doc["fingerprint"]:
            raise CampaignError(f"--resume {out}: that folder was made by a different command or scenario "
                                f"({old.get('command')} {old.get('scenario_file')}); run the same command as before")
    elif (out / "wave-1").exists():
        raise CampaignError(f"--out {out}: already holds a history match; use --resume {out} to finish it, "
                            "or another folder")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "command.json", doc)


def calibrate_history(scenario: str | Path, vary: list[str], waves: int | None = DEFAULT_WAVES,
                      runs_per_wave: int | None = DEFAULT_RUNS_PER_WAVE, cutoff: float | None = DEFAULT_CUTOFF,
                      rule: str | None = "max",
                      policy: str | None = None, records: str | Path | None = None, *,
                      options: commands.Options | None = None, **kw) -> HistoryMatch:
    """History matching of the scenario's targets (and ``records``' arrivals and level shares, a fit.json) over the
    ``vary`` box (see docs/calibration.md).

    Raises DesignError (a bad --vary), ApiError (bad options or targets) or CampaignError (the folder)."""
    o = commands.resolve_options(options, kw)
    waves = DEFAULT_WAVES if waves is None else waves  # None: not given on the command line
    runs_per_wave = DEFAULT_RUNS_PER_WAVE if runs_per_wave is None else runs_per_wave
    cutoff = DEFAULT_CUTOFF if cutoff is None else cutoff
    rule = "max" if rule is None else rule
    if rule not in RULES:
        raise commands.ApiError(f"--rule {rule}: allowed: {', '.join(RULES)}")
    for name, value, ok, allowed in (("--waves", waves, waves >= 1, "at least 1"),
                                     ("--runs-per-wave", runs_per_wave, runs_per_wave >= 2, "at least 2"),
                                     ("--cutoff", cutoff, cutoff > 0, "above 0")):
        if not ok:
            raise commands.ApiError(f"{name} {value:g}: must be {allowed}")
    path = Path(scenario)
    base = load_scenario(path, policy, o.overrides)
    box = _box(vary, base)
    check_ends(list(box.factors), lambda extra: load_scenario(path, policy, [*o.overrides, *extra]))
    clash = [k for k, _ in o.overrides if k in box.keys]
    if clash:  # the varied value would win in every run: say so rather than ignore the --set
        raise commands.ApiError(f"--set {clash[0]}: calibrate --vary varies this key over its range at every "
                                "point, so the --set would have no effect; drop the --set, or the --vary")
    targets, unused, replaced = _targets(path, base, records)
    reps = base.replications if o.replications == 0 else o.replications
    if reps is None or reps < 2:
        raise commands.ApiError("history matching needs --replications K of at least 2 (the simulation's own "
                                "variance is estimated from them)")
    seed = base.seed if o.seed is None else o.seed
    out = Path(o.out) if o.out else commands.fresh_dir(base.name, "calibrate")
    spec = {"vary": vary, "waves": waves, "runs_per_wave": runs_per_wave, "cutoff": cutoff, "rule": rule,
            "replications": reps, "seed": seed, "policy": policy, "overrides": [override_text(k, v) for k, v in o.overrides],
            "targets": [t.__dict__ for t in targets]}
    doc = {"command": "calibrate", "scenario_file": str(path), "history_match": spec}
    commands.check_size([base], runs_per_wave, reps, replace(o, quiet=True))
    _open_folder(out, o.resume, {**doc, "fingerprint": _fingerprint(doc)})
    if not o.quiet:
        print(f"gridsim: history matching of {len(targets)} target(s) over {len(box.factors)} field(s): up to "
              f"{waves} wave(s) x {runs_per_wave} point(s) x {reps} replication(s) = {waves * runs_per_wave * reps:,} "
              "run(s)", file=sys.stderr, flush=True)
    last: dict[str, Any] = {}

    def simulate(wave: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = {point_id(i): {f.key: f.value(v) for f, v in zip(box.factors, row)} for i, row in enumerate(x)}
        folder = out / f"wave-{wave}"
        ow = replace(o, out=folder, resume=o.resume and (folder / "command.json").exists(), replications=reps,
                     seed=seed)
        try:
            with commands.run_points("calibrate", path, ids, policy, ow, {"wave": wave, **spec}) as (res, meta):
                write_json(folder / "summary.json", {
                    **meta, "wave": wave, "design": "history_match",
                    "metrics": {},  # pooled over different settings a CI means nothing: see "points"
                    "points": {pid: {"params": p, "metrics": summary_dict(res.summaries[pid])} for pid, p in ids.items()},
                    "warmup_check": res.warmup})
        except commands.Interrupted:
            raise commands.Interrupted(out) from None
        last.update(meta=meta, failed=last.get("failed", 0) + meta["runs_failed"])
        return _point_stats(res, list(ids), targets, reps)

    def report(r: WaveRecord) -> None:
        if not o.quiet:
            print(f"gridsim: {wave_line(r)}", file=sys.stderr, flush=True)

    hist = history_match(box, targets, simulate, waves, runs_per_wave, reps, cutoff, rule, seed, report)
    hm = HistoryMatch(hist, out, base.name, seed, unused + list(last["meta"]["warnings"]), replaced)
    _write(hm, last)
    return hm


def _point_stats(res: commands.Sweep, pids: list[str], targets: list[TargetSpec],
                 reps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per point and target: the mean over the replications and the variance of that mean (nan: a failed run)."""
    by = {(x.variant, x.replication): x.metrics for x in res.outcomes if x.ok}
    nan = float("nan")
    values = np.array([[[by.get((p, r), {}).get(t.metric, nan) for r in range(reps)] for t in targets]
                       for p in pids], dtype=float)
    return values.mean(axis=2), values.var(axis=2, ddof=1) / reps


def wave_line(r: WaveRecord) -> str:
    passing = sum(bool(d["passed"]) for d in r.emulators.values())
    return (f"wave {r.wave}: {r.points} point(s), {r.runs} run(s); {100 * r.plausible_share:.1f}% of the box "
            f"still plausible; emulators passing {passing}/{len(r.emulators)}"
            + "".join(f" ({m} failed)" for m, d in r.emulators.items() if not d["passed"]))


def block(hm: HistoryMatch) -> dict[str, Any]:
    """summary.json's ``history_match`` block (HM_SPEC)."""
    h = hm.history
    spread = h.spread()
    return {
        "vary": {f.key: [f.low, f.high] for f in h.box.factors}, "cutoff": h.cutoff, "rule": h.rule,
        "targets": {t.metric: {"value": t.value, "tolerance": t.tolerance, "sd_target": t.sd, "source": t.source,
                               "evidence": t.evidence, "range_over_points": spread[t.metric]} for t in h.targets},
        "waves": [{"wave": r.wave, "points": r.points, "runs": r.runs, "plausible_share": r.plausible_share,
                   "emulators": r.emulators} for r in h.waves],
        "plausible": len(h.plausible), "ranges": hm.ranges(), "conflicts": h.conflicts(),
        "sample_size": len(h.sample), "replications": h.replications,
        "notes": [r.note() for r in hm.replaced],
        "replaced": {r.dropped.metric: {"value": r.dropped.value, "tolerance": r.dropped.tolerance,
                                        "source": r.dropped.source, "evidence": r.dropped.evidence}
                     for r in hm.replaced},
    }


def _write(hm: HistoryMatch, last: dict[str, Any]) -> None:
    h, out, keys = hm.history, hm.out, hm.keys
    atomic_write(out / "plausible.csv", csv_text(keys, (_values(hm, row) for row in h.plausible)))
    i_each, ok = h.point_implausibility(), h.point_plausible()
    i_comb = combine(i_each, h.rule)
    cols = ["wave", "point", *keys] + [c for t in h.targets for c in (t.metric, f"{t.metric}_var", f"I_{t.metric}")]
    counter: dict[int, int] = {}
    rows = []
    for i, row in enumerate(h.x):
        w = int(h.wave_of[i])
        counter[w] = counter.get(w, -1) + 1
        per = [v for j in range(len(h.targets)) for v in (h.means[i, j], h.var_of_mean[i, j], i_each[i, j])]
        rows.append([w, point_id(counter[w]), *_values(hm, row), *map(float, per), float(i_comb[i]),
                     "true" if ok[i] else "false"])
    atomic_write(out / "points.csv", csv_text([*cols, "I_max", "plausible"], rows))
    atomic_write(out / "waves.csv", csv_text(
        ["wave", "points", "runs", "plausible_share", "target", "loo_max_abs", "loo_outside", "emulator_passed"],
        ([r.wave, r.points, r.runs, r.plausible_share, m, d["loo_max_abs"], d["loo_outside"],
          "true" if d["passed"] else "false"] for r in h.waves for m, d in r.emulators.items())))
    ruled, i_s, _ = h.region.judge(h.sample)
    atomic_write(out / "implausibility.csv", csv_text([*keys, "I_max", "wave_ruled_out"],
                                                      ([*map(float, x), float(i), int(w)]
                                                       for x, i, w in zip(h.sample, i_s, ruled))))
    _contract_files(out, [r.wave for r in h.waves])
    meta = last["meta"]
    write_json(out / "summary.json", {
        **meta, "command": "calibrate", "warnings": hm.warnings, "runs_failed": last["failed"],
        "metrics": {},  # no CI pooled over design points (they are not replications): points.csv has each point's
        "history_match": block(hm)})


def _contract_files(out: Path, waves: list[int]) -> None:
    """What every results folder holds at its top: the scenario as resolved (the waves share it, their points
    being overrides of it) and replications.csv, every wave's rows under a leading ``wave`` column."""
    first = out / f"wave-{waves[0]}" / "scenario.resolved.toml"
    if first.is_file():
        atomic_write(out / "scenario.resolved.toml", first.read_text(encoding="utf-8"))
    header, rows = None, []
    for w in waves:
        path = out / f"wave-{w}" / "replications.csv"
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        header = header or f"wave,{lines[0]}"
        rows += [f"{w},{line}" for line in lines[1:] if line]
    if header is not None:
        atomic_write(out / "replications.csv", "\n".join([header, *rows]) + "\n")


def _values(hm: HistoryMatch, row: np.ndarray) -> list[Any]:
    return [f.value(v) for f, v in zip(hm.history.box.factors, row)]

