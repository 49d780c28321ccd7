"""Selecting the best policy of a scenario: procedure KN (``select.py``) driving ``compare``.

    import sim
    best = sim.select_best("scenarios/baota.toml", ["baseline", "two_days"], "resolution_hours_p90",
                           delta=2.0, workers=2)
    best.selection.best, best.selection.mcb     # the answer; best.comparison: the usual comparison

The runs are ``compare``'s: replication r of every policy is seeded by
``SeedSequence(seed, spawn_key=(r,))`` (common random numbers), written to
``runs/<policy>/rNNNN.json`` as they finish, and resumed from there.  The procedure
asks for its first stage (n0 replications of every policy), then for one more
replication of each policy still in contention at a time.  So that every worker has
work, a block of about ceil(2 x workers / survivors) replications per survivor is
asked for at once; the procedure uses a replication only when it reaches it, so the
answer (and every table, which holds replications 0..n-1 of each policy, n being the
policy's own count) is the one-at-a-time answer, whatever the number of workers.
A run that fails, or whose metric is not a number, is never skipped (that would break
the pairing): the command stops and names it; ``--resume`` runs a failed one again.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sim.decide.calibrate import available_metrics
from sim.decide.select import SequentialSelection, Selection
from sim.experiments import commands
from sim.experiments.campaign import CampaignStopped
from sim.experiments.runs import RunOutcome
from sim.scenario import load_scenario


@dataclass
class BestPolicy:
    """A selection of the best policy: the procedure's answer and the comparison of its runs."""

    metric: str
    selection: Selection
    comparison: commands.Comparison

    @property
    def out(self) -> Path:
        return self.comparison.out

    def summary_block(self) -> dict[str, Any]:
        """summary.json's ``selection`` (DESIGN.md), with each policy's mean over its own replications."""
        return selection_block(self.selection, self.metric)


def selection_block(sel: Selection, metric: str) -> dict[str, Any]:
    return {**sel.to_dict(metric), "means": dict(sel.means), "decided": sel.decided,
            "total_replications": sel.total_replications}


class _Driver:
    """Feeds finished runs into the procedure and says which runs it needs next (``Campaign.run_driven``)."""

    def __init__(self, sel: SequentialSelection, metric: str, quiet: bool):
        self.sel, self.metric, self.quiet = sel, metric, quiet
        self.bad: dict[tuple[str, int], float] = {}  # runs whose metric is not a number
        self.have: set[tuple[str, int]] = set()
        self.told = 0  # eliminations already told
        self.at = 0  # replications last told

    def note(self, msg: str) -> None:
        if not self.quiet:
            print(f"gridsim: selection: {msg}", file=sys.stderr, flush=True)

    def schedule(self, outcomes: list[RunOutcome], slots: int) -> dict[str, list[int]]:
        sel = self.sel
        for o in outcomes:
            key = (o.variant, o.replication)
            if not o.ok or key in self.have or o.variant not in sel.policies:
                continue  # a failed run: asked for again below, and run again
            if sel.max_reps is not None and o.replication >= sel.max_reps:
                continue  # a folder of the same command always fits; be safe
            self.have.add(key)
            value = (o.metrics or {}).get(self.metric, math.nan)
            if value is None or not math.isfinite(value):
                self.bad[key] = value
            else:
                sel.add(o.variant, o.replication, value)
        sel.step()
        self._tell()
        needs = sel.needs()
        for p, reps in needs.items():
            for r in reps:
                if (p, r) in self.bad:
                    raise CampaignStopped(
                        f"run {p}/r{r:04d} gave no value of {self.metric} ({self.bad[p, r]}; e.g. no issue counted "
                        "after the warm-up); the procedure needs every replication it asks for, so it stopped. "
                        "Choose a metric every run has, or a longer horizon")
        if not needs or all(r < sel.n0 for reps in needs.values() for r in reps):
            return needs  # the first stage (or the end): as asked
        survivors = list(needs)
        r0 = min(r for reps in needs.values() for r in reps)
        block = math.ceil(2 * max(1, slots) / len(survivors))
        top = r0 + block if sel.max_reps is None else min(r0 + block, sel.max_reps)
        return {p: [r for r in range(r0, top) if (p, r) not in self.have] for p in survivors}

    def _tell(self) -> None:
        r = self.sel.replications()
        now = max(r.values())
        if not self.sel.done and now > self.sel.n0 and now // 10 > self.at // 10:
            left = [p for p in self.sel.policies if p not in self.sel._eliminated]
            self.note(f"{now} replications; in contention: {', '.join(left)}")
        self.at = now
        gone = list(self.sel._eliminated.items())
        if len(gone) > self.told:
            left = [p for p in self.sel.policies if p not in self.sel._eliminated]
            out = ", ".join(f"{p} (after {n})" for p, n in gone[self.told:])
            self.note(f"eliminated {out}; in contention: {', '.join(left)}")
            self.told = len(gone)


def _bad(msg: str) -> commands.ApiError:
    return commands.ApiError(msg)


def check_request(path: Path, policies: list[str], metric: str, delta: float, confidence: float,
                  first_stage: int, o: commands.Options) -> None:
    """Every input checked before anything runs (exit 2 on the command line), each naming its flag."""
    if len(policies) < 2 or len(set(policies)) != len(policies):
        raise _bad(f"--policies {','.join(policies)}: name at least two different policies to select from")
    if not (isinstance(delta, (int, float)) and math.isfinite(delta) and delta > 0):
        raise _bad(f"--delta {delta}: must be a number > 0, in the units of {metric}: the smallest difference "
                   "worth detecting (policies closer than delta to the best count as equally good)")
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise _bad(f"--confidence {confidence}: must be strictly between 0 and 1, e.g. 0.95")
    if isinstance(first_stage, bool) or not isinstance(first_stage, int) or first_stage < 2:
        raise _bad(f"--first-stage {first_stage}: must be a whole number >= 2 (a variance needs two replications)")
    if o.replications is None:
        raise _bad("--select-best with --replications auto: the selection decides the replications itself; "
                   "drop --replications (use --first-stage N and --max-replications N)")
    if o.replications:
        raise _bad(f"--replications {o.replications} with --select-best: the selection decides the replications "
                   "itself; drop --replications (use --first-stage N and --max-replications N)")
    if o.max_replications < first_stage:
        raise _bad(f"--max-replications {o.max_replications}: must be at least --first-stage ({first_stage})")
    for p in policies:  # each policy as it will run: its metrics come from a one-day trial run
        names = available_metrics(load_scenario(path, p, o.overrides))
        if metric not in names:
            raise _bad(f"--select-best {metric}: not a metric of {path} (policy {p}). Available metrics: "
                       + ", ".join(names))


def select_best(scenario: str | Path, policies: list[str] | None, metric: str, delta: float, *,
                maximize: bool = False, confidence: float = 0.95, first_stage: int = 10,
                options: commands.Options | None = None, **kw) -> BestPolicy:
    """Run procedure KN on ``metric`` over ``policies`` (common random numbers), as ``compare`` runs them.

    ``delta``: the indifference zone, in the metric's units; with probability at least ``confidence``
    the selected policy is the best, or within ``delta`` of the best.  At most ``max_replications``
    (an option; default 200) per policy.  Writes compare's results folder plus summary.json's
    ``selection`` block; raises ``ApiError`` on bad input (before running anything).
    """
    o = commands.resolve_options(options, kw)
    path = Path(scenario)
    if policies is None:
        policies = list(load_scenario(path, None, o.overrides).policies)
    check_request(path, policies, metric, delta, confidence, first_stage, o)
    sel = SequentialSelection(policies, float(delta), float(confidence), maximize, first_stage, o.max_replications)
    driver = _Driver(sel, metric, o.quiet)
    extra = {"select_best": {"metric": metric, "direction": "maximize" if maximize else "minimize",
                             "delta": float(delta), "confidence": float(confidence), "first_stage": first_stage,
                             "max_replications": o.max_replications}}
    driven = commands.Driven(schedule=driver.schedule, counts=sel.replications,
                             summary=lambda: {"selection": selection_block(sel.result(), metric)},
                             extra=extra, max_replications=o.max_replications)
    driver.note(f"{metric}, {'maximize' if maximize else 'minimize'}, delta {delta:g}, confidence {confidence:g}: "
                f"first stage of {first_stage} replications of {len(policies)} policies, then one at a time "
                f"for those still in contention (at most {o.max_replications} each)")
    cmp_ = commands.compare(path, policies, options=replace(o, replications=0), driven=driven)
    return BestPolicy(metric, sel.result(), cmp_)


def _num(x: float, unit: str) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if unit == "%":
        return f"{100 * x:+.1f}" if x else "0"
    if abs(x) >= 1000:
        return f"{x:+,.0f}"
    return f"{x:+.2f}" if x else "0"


def _val(x: float, unit: str) -> str:
    return _num(x, unit).lstrip("+")


def shown_best(s: Selection) -> bool:
    """Whether the selected policy's MCB interval says it is no worse than any other (its worse end is 0)."""
    lo, hi = s.mcb[s.best]
    return (hi if s.direction == "minimize" else -lo) <= 0


def selection_text(best: BestPolicy, unit: str = "") -> str:
    """The terminal's account: the selected policy, the eliminations, the MCB intervals and what they mean.

    ``unit``: how the metric is shown ("%" shows shares in percent and differences in percentage points)."""
    s, m = best.selection, best.metric
    u = " percentage points" if unit == "%" else (f" {unit}" if unit else "")
    better = "highest" if s.direction == "maximize" else "lowest"
    conf = f"{100 * s.confidence:g}%"
    lines = [f"selection of the best policy on {m} ({better} mean is best; delta {_val(s.delta, unit)}{u}, "
             f"confidence {conf}, first stage {s.first_stage})"]
    if len(s.tied) == len(s.replications) - 1:
        lines.append(f"  no policy is better: all {len(s.replications)} gave the same {m} on every replication (tied); "
                     f"{s.best} is listed as selected only because it comes first.")
    elif s.decided:
        lines.append(f"  selected: {s.best}. With {conf} confidence it has the {better} mean {m}, "
                     f"or is within {_val(s.delta, unit)}{u} of the {better}.")
    elif shown_best(s):
        lines.append(f"  the cap of {max(s.replications.values())} replications per policy was reached with "
                     f"{', '.join(s.still_in_contention)} still in contention (procedure KN's margins had not "
                     f"closed), but the MCB intervals separate them: with {conf} confidence {s.best} has the "
                     f"{better} mean (see its interval below).")
    else:
        lines.append(f"  not decided: the cap of {max(s.replications.values())} replications per policy was reached "
                     f"with {', '.join(s.still_in_contention)} still in contention; {s.best} has the {better} mean "
                     f"so far, but its MCB interval does not rule out that another is better: the data do not "
                     f"separate them at {conf} confidence.")
    if s.tied:
        lines.append("  tied with " + s.best + " (the same value on every replication): "
                     + ", ".join(f"{p} ({n} replications)" for p, n in s.tied.items()))
    order = sorted(s.eliminated.items(), key=lambda kv: kv[1])
    if order:
        lines.append("  eliminated, in order: " + ", ".join(
            f"{p} after {n} replications" + (" (clear gap)" if p in s.by_gap else "") for p, n in order))
    lines.append("  replications per policy: " + ", ".join(f"{p} {n}" for p, n in s.replications.items())
                 + f" (total {s.total_replications})")
    rows = [("policy", "mean", "replications", "MCB interval", f"paired sd vs {s.best}", "")]
    for p in s.replications:  # in the order given
        lo, hi = s.mcb[p]
        tag = "selected" if p == s.best else ("tied" if p in s.tied else
                                              "in contention" if p in s.still_in_contention else "eliminated")
        sd = "" if p == s.best else f"{_val(s.first_stage_sd[p], unit)} / {_val(s.paired_sd[p], unit)}"
        rows.append((p, _val(s.means.get(p, math.nan), unit), str(s.replications[p]),
                     f"[{_num(lo, unit)}, {_num(hi, unit)}]", sd, tag))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    table = ["  " + "  ".join(c.ljust(w) if i in (0, 5) else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             .rstrip() for r in rows]
    table.insert(1, "  " + "-" * max(len(t) - 2 for t in table))
    lines += table
    lo, hi = s.mcb[s.best]
    worse, ahead = (hi, -lo) if s.direction == "minimize" else (-lo, hi)
    lines.append(f"  MCB interval: {conf} simultaneous interval for (the policy's mean - the best mean of the others), "
                 f"in {unit or 'the metric' + chr(39) + 's units'}" + (" (percentage points)" if unit == "%" else "")
                 + f"; {'below' if s.direction == 'minimize' else 'above'} zero is better. It is never narrower than "
                 "delta. "
                 + (f"{s.best} is at most {_val(worse, unit)}{u} worse than the best of the others"
                    if worse > 0 else f"{s.best} is no worse than any other")
                 + (f", and may be up to {_val(ahead, unit)}{u} better." if ahead > 0 else "."))
    lines.append(f"  paired sd: of (the policy - {s.best}) per replication, over the first stage / over every "
                 "replication both ran. Procedure KN keeps the first-stage one for good (its guarantee needs it): a "
                 "large one keeps a policy in for long. The clear-gap screen uses the paired sd over every "
                 "replication so far, and removes a policy as soon as its gap to another is clear.")
    return "\n".join(lines)
