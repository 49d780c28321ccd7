"""The ``gridsim`` command line: a thin layer over scenario loading and experiments.

Exit codes (DESIGN.md): 0 success, 2 bad input (message names file, field,
value and what is allowed; no traceback), 1 anything else.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from pathlib import Path

from sim.experiment import (
    MetricSummary,
    Replication,
    run_replications,
    summarize_replications,
)
from sim.model.district import build_district
from sim.results import (
    atomic_write,
    default_dir,
    records_parquet,
    replications_csv,
    summary_json,
    wartime_csv,
)
from sim.scenario import (
    ROLES,
    Scenario,
    ScenarioError,
    dump_toml,
    load_scenario,
    merge_inputs,
    parse_set,
    read_toml,
)

# The metrics shown in the terminal table, with their unit; every metric goes to the files.
SHOWN = [
    ("issues_arrived", "issues"),
    ("completion_rate", "%"),
    ("completion_rate_reported", "%"),
    ("wait_hours_mean", "h"),
    ("resolution_hours_mean", "h"),
    ("resolution_hours_p90", "h"),
    ("true_resolution_hours_mean", "h"),
    ("sla_attainment", "%"),
    ("coverage_mean", "%"),
    ("coverage_min_grid", "%"),
    ("backlog_mean", "issues"),
    ("backlog_max", "issues"),
    *[(f"utilization_{r}", "%") for r in ROLES],
    ("escalation_rate", "%"),
    ("cadre_hours_on_duty", "h"),
    ("wartime_cadre_hours", "h"),
]

EPILOG = """\
examples:
  gridsim validate scenarios/baota.toml
  gridsim run scenarios/baota.toml --replications 10
  gridsim run scenarios/baota.toml --policy staggered_days --set cadres.sunk.count=800
  gridsim run scenarios/baota.toml --set cadres.sunk.service_days=Mon+Thu --records

exit codes: 0 success, 2 bad input (the message names file, field, value and
what is allowed), 1 anything else.  Scenario fields: docs/scenario-reference.md.
"""


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gridsim",
        description="Discrete-event simulation of cadre deployment in grid governance.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run a scenario's replications and summarise its metrics",
        description="Run N replications of a scenario (optionally under one of its named policies), "
        "print the main metrics with 95%% confidence intervals, and write a results folder holding "
        "scenario.resolved.toml, summary.json and replications.csv (and records/ with --records).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    run.add_argument("--policy", metavar="NAME", help="apply this named policy from the file's [policies] table")
    run.add_argument("--replications", type=int, metavar="N", help="replications (default: the file's 'replications')")
    run.add_argument("--seed", type=int, metavar="S", help="root seed (default: the file's 'seed')")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a field by dotted path, e.g. cadres.sunk.count=800 (repeatable); "
                     "VALUE is read as TOML (numbers, true/false, [lists]), else as text; Mon+Thu is a weekday list")
    run.add_argument("--out", metavar="DIR", help="results folder (default: results/<scenario>-run-<timestamp>/)")
    run.add_argument("--records", action="store_true", help="also write per-issue records, one Parquet file per replication")
    run.add_argument("--quiet", action="store_true", help="print only the results table")

    val = sub.add_parser(
        "validate",
        help="check a scenario file and print what it defines",
        description="Check a scenario file (and each of its policies) and print what it defines. "
        "Exit 0 when valid, 2 with a message naming each problem otherwise.",
    )
    val.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    return p


def _fmt(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if unit == "%":
        return f"{100 * value:.1f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def results_table(metrics: dict[str, MetricSummary]) -> str:
    rows = [("metric", "unit", "mean", "95% CI", "n")]
    for name, unit in SHOWN:
        s = metrics.get(name)
        if s is None:
            continue
        ci = "-" if not math.isfinite(s.ci95[0]) else f"[{_fmt(s.ci95[0], unit)}, {_fmt(s.ci95[1], unit)}]"
        rows.append((name, unit, _fmt(s.mean, unit), ci, str(s.n)))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"--replications {args.replications}: must be a whole number >= 1")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed {args.seed}: must be a whole number >= 0")
    try:
        overrides = parse_set(args.set)
    except ValueError as e:
        raise UsageError(str(e)) from None
    path = Path(args.scenario)
    sc = load_scenario(path, args.policy, overrides)
    n = args.replications or sc.replications
    seed = sc.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else default_dir(sc.name, "run")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "scenario.resolved.toml", dump_toml(merge_inputs(read_toml(path), path, args.policy, overrides)))

    policy = args.policy or "base"
    done: list[tuple[str, Replication]] = []
    t0 = time.perf_counter()
    say = (lambda *a: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    say(f"gridsim: {sc.name} policy {policy}: {n} replication(s), seed {seed} -> {out}")
    for rep in run_replications(sc, n, seed, keep_records=args.records):
        done.append((policy, rep))
        atomic_write(out / "replications.csv", replications_csv(done))
        atomic_write(out / "wartime.csv", wartime_csv(done))
        if rep.records is not None:
            records_parquet(rep.records, out / "records" / f"{policy}-rep{rep.index:03d}.parquet")
        say(f"  replication {rep.index + 1}/{n} done ({time.perf_counter() - t0:.1f} s)")
    summary = summarize_replications([rep for _, rep in done])
    meta = {
        "command": "run",
        "scenario": sc.name,
        "scenario_file": str(path),
        "policy": args.policy,
        "overrides": [f"{k}={v}" for k, v in overrides],
        "replications": n,
        "seeds": {"root": seed, "scheme": "numpy SeedSequence(root).spawn(replications); streams per name inside"},
        "warmup_days": sc.calendar.warmup_days,
        "horizon_days": sc.calendar.horizon_days,
        "wall_seconds": round(time.perf_counter() - t0, 3),
    }
    atomic_write(out / "summary.json", summary_json(summary, meta))
    print(f"{sc.name} — policy {policy} — {n} replication(s), seed {seed}, "
          f"warm-up {sc.calendar.warmup_days:g} of {sc.calendar.horizon_days:g} days")
    print(results_table(summary))
    print(f"results: {out}")
    return 0


def describe(sc: Scenario) -> str:
    d = build_district(sc)
    c = sc.cadres
    lines = [
        f"scenario {sc.name}: {sc.description}".rstrip(": "),
        f"  calendar: from {sc.calendar.start}, {sc.calendar.horizon_days:g} days, warm-up {sc.calendar.warmup_days:g} days",
        f"  grids: {d.n} in {d.n_communities} communities, {d.n_streets} streets; "
        f"{int(d.households.sum()):,} households (per grid {d.households.min()}-{d.households.max()})",
        "  issue types: " + ", ".join(
            f"{name} ({it.rate_per_1000_households_per_week:g}/1000 hh/week, priority {it.priority}, "
            f"hidden {100 * it.hidden_share:.0f}%)" for name, it in sc.issue_types.items()),
        f"  grid workers: {c.grid_workers.per_grid} per grid, {'+'.join(c.grid_workers.days)} "
        f"{c.grid_workers.start_hour:g}-{c.grid_workers.end_hour:g} h",
        f"  sunk cadres: {c.sunk.count}, allocation {c.sunk.allocation}, service days {'+'.join(c.sunk.service_days)}"
        f" ({c.sunk.days_per_cadre or len(c.sunk.service_days)} per cadre), {c.sunk.start_hour:g}-{c.sunk.end_hour:g} h",
        f"  police grids: {d.n_police_units} x {c.police.officers_per_unit} officer(s), types {', '.join(c.police.types) or '-'}",
        f"  levels: community {sc.levels.community.staff_per_unit}/unit, street {sc.levels.street.staff_per_unit}/unit, "
        f"department {sc.levels.department.staff_per_unit}",
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


def cmd_validate(args: argparse.Namespace) -> int:
    path = Path(args.scenario)
    sc = load_scenario(path)
    for name in sc.policies:  # every policy must validate too
        load_scenario(path, name)
    print(describe(sc))
    print(f"{path}: valid" + (f" (and its {len(sc.policies)} policies)" if sc.policies else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"run": cmd_run, "validate": cmd_validate}[args.command](args)
    except ScenarioError as e:
        print(f"gridsim: error: {e.render()}", file=sys.stderr)
        return 2
    except UsageError as e:
        print(f"gridsim: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gridsim: interrupted; finished replications are in the results folder", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not bad input: say so, keep the traceback for the report
        print(f"gridsim: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        if os.environ.get("GRIDSIM_DEBUG"):
            traceback.print_exc()
        else:
            print("  (set GRIDSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
