"""The ``gridsim`` command line: a thin layer over ``sim.api``.

Exit codes (README, "Commands"): 0 success, 2 bad input (message names file, field,
value and what is allowed; no traceback) or a full disk (free space, then --resume), 1 anything
else, including runs that failed inside the model (they are listed in failures.csv); 130 Ctrl-C,
143 SIGTERM.

Over 450 lines: one argument parser and one handler per command, each short; split by command if it grows.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import traceback
from pathlib import Path

from sim import __version__, api
from sim.api import (
    CampaignError,
    DesignError,
    ExecutorError,
    FontError,
    PlotError,
    ScenarioError,
    comparison_table,
    describe,
    load_scenario,
    parse_set,
    results_table,
    sweep_table,
)

EPILOG = """\
examples:
  gridsim validate scenarios/baota.toml
  gridsim run scenarios/baota.toml --policy staggered_days --replications 20
  gridsim run scenarios/baota.toml --set cadres.sunk.count=800 --set cadres.sunk.service_days=Mon+Thu
  gridsim compare scenarios/baota.toml --policies baseline,staggered_days,pooled --replications 30
  gridsim compare scenarios/baota.toml --policies baseline,staggered_days,two_days,by_households \\
                --select-best resolution_hours_p90 --delta 0.25
  gridsim compare scenarios/baota.toml --policies baseline,second_grid_worker \\
                --ensemble results/baota-hm/plausible.csv --ensemble-size 10 --replications 3
  gridsim sweep scenarios/baota.toml --vary cadres.sunk.count=600:1400:200 \\
                --vary cadres.sunk.service_days=Wed,Mon+Thu --replications 10
  gridsim sweep scenarios/baota.toml --vary cadres.sunk.count=600:1400:1 --design lhs --samples 64
"""
# after a command's own examples (calibrate, sensitivity, optimize), which replace run's and compare's
EXIT_CODES = """
exit codes: 0 success; 2 bad input (the message names file, field, value and
what is allowed); 1 anything else, including runs that failed (failures.csv).
Scenario fields: docs/scenario-reference.md.  Seeds and common random numbers:
README.md, "Reproducibility".
"""
EPILOG += EXIT_CODES


class UsageError(Exception):
    """Bad command-line input (exit code 2)."""


def _number(cast: type, ok, allowed: str, auto: bool = False):
    """An argparse type: ``cast`` the text, check ``ok(value)``, else say what is ``allowed``."""

    def parse(text: str):
        if auto and text == "auto":
            return None
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: {allowed}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{value}: {allowed}")
        return value

    return parse


_positive_int = _number(int, lambda n: n >= 1, "a whole number >= 1")
_replications = _number(int, lambda n: n >= 1, "a whole number >= 1, or auto", auto=True)
_seed = _number(int, lambda n: n >= 0, "a whole number >= 0")
_precision = _number(float, lambda x: 0 < x < 1, "a number between 0 and 1 (0.05 = within 5% of the mean)")


def _common(p: argparse.ArgumentParser, policy: bool = True) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    if policy:
        p.add_argument("--policy", metavar="NAME", help="apply this named policy from the file's [policies] table")
    p.add_argument("--replications", type=_replications, default=0, metavar="N|auto",  # 0: the file's
                   help="replications per variant (default: the file's 'replications'); 'auto' adds "
                   "replications until the 95%% CI of --precision-metric is within --precision of its mean")
    p.add_argument("--precision", type=_precision, default=0.05, metavar="P",
                   help="with --replications auto: target CI half-width / |mean| (default 0.05)")
    p.add_argument("--precision-metric", default="resolution_hours_mean", metavar="METRIC",
                   help="with --replications auto: the metric whose CI must reach the precision "
                   "(default resolution_hours_mean)")
    p.add_argument("--max-replications", type=_positive_int, default=200, metavar="N",
                   help="with --replications auto: stop there even if the precision is not reached; with "
                   "--select-best: at most N replications per policy; with optimize: per candidate (default 200)")
    p.add_argument("--seed", type=_seed, metavar="S", help="root seed (default: the file's 'seed')")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a field by dotted path, e.g. cadres.sunk.count=800 (repeatable); "
                   "VALUE is read as TOML (numbers, true/false, [lists]), else as text; Mon+Thu is a weekday list")
    p.add_argument("--out", metavar="DIR", help="results folder (default: results/<scenario>-<command>-<timestamp>/)")
    p.add_argument("--resume", metavar="DIR",
                   help="finish an interrupted command in its folder DIR: give the same command again plus "
                   "--resume DIR; finished runs are kept, the missing ones are run")
    p.add_argument("--workers", type=_positive_int, metavar="N", help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on an existing Dask cluster instead, e.g. tcp://10.0.0.5:8786 "
                   "(start one with 'dask scheduler' and, on each worker machine, "
                   "'DASK_CONFIG=deploy/dask dask worker ADDRESS --nthreads 1': gridsim's worker settings "
                   "keep runs as fast as in a local pool)")
    p.add_argument("--records", action="store_true",
                   help="also write per-issue records, one Parquet file per run, in DIR/records/ "
                   "(on a cluster the folder must be shared with the workers)")
    p.add_argument("--quiet", action="store_true", help="no progress output, only the results")
    p.add_argument("--force", action="store_true",
                   help="run even if the size estimate says the command needs more memory than this machine has "
                   "available, and allow sweep designs of up to 1,000,000 points (default limit 10,000)")
    p.add_argument("--plot", action="store_true", help="make the figures (PNG) right after the run, "
                   "as 'gridsim plot DIR' would")
    p.add_argument("--lang", choices=list(api.LANGS), default="en",
                   help=LANG_HELP + "; zh or both also write the workbook in Chinese (results.zh.xlsx) beside results.xlsx")


LANG_HELP = ("figure labels in English (default), Chinese, or both side by side (Chinese figures are named "
             "*.zh.png, in the CJK font shipped with the dependency mplfonts)")


def _ensemble_arguments(p: argparse.ArgumentParser) -> None:
    writes = ("the optimum block of summary.json gains 'ensemble' (the sets, the share needed, the sets where the "
              "answer was not shown feasible); candidates.csv names, per target, the set it was decided in "
              "(METRIC_decided_set)" if p.prog.endswith("optimize") else
              "each set runs every policy on common random numbers; writes ensemble.csv (per set, policy and metric: "
              "the paired difference from the first policy, its 95% CI, n and the verdict better, worse or "
              "indistinguishable), an 'ensemble' block in summary.json (per policy and metric: how many sets are "
              "better, worse, indistinguishable; the range of the differences) and figures/ensemble-POLICY.png; "
              "comparison.csv then pools the sets. Not with --select-best")
    g = p.add_argument_group("over a plausible ensemble", "decide over every parameter set that history matching "
                             f"(gridsim calibrate --vary) left plausible; {writes}. See docs/ensemble.md")
    g.add_argument("--ensemble", metavar="FILE", help="a plausible.csv: one column per scenario key (as in --set), "
                   "one row per parameter set; each set's values are applied on top of every policy or candidate")
    g.add_argument("--ensemble-size", type=_positive_int, metavar="K", help="run K of the file's sets, spread over "
                   "it (k-means, reproducible from --seed); default, or a K above the file's rows: every set")
    if p.prog.endswith("optimize"):
        g.add_argument("--ensemble-share", type=float, default=1.0, metavar="S",
                       help="a deployment must be shown feasible in at least this share of the sets (default 1.0: "
                       "every set)")


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="gridsim", description="Discrete-event simulation of cadre deployment "
                                "in grid governance.", epilog=EPILOG, formatter_class=fmt)
    p.add_argument("--version", action="version", version=f"gridsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's replications and summarise its metrics", epilog=EPILOG,
                         formatter_class=fmt, description="Run replications of a scenario (optionally under "
                         "one of its policies), print the main metrics with 95% confidence intervals, and write "
                         "a results folder (scenario.resolved.toml, summary.json, replications.csv, runs/).")
    _common(run)

    cmp_ = sub.add_parser("compare", help="run policies on common random numbers and compare them", epilog=EPILOG,
                          formatter_class=fmt, description="Run every policy on the same random numbers "
                          "(replication k of each policy sees the same issues), print each metric per policy "
                          "with its 95% CI and its paired difference from the first policy (marked * where "
                          "the paired CI excludes zero), and write comparison.csv besides the usual files.")
    _common(cmp_, policy=False)
    cmp_.add_argument("--policies", metavar="A,B,...",
                      help="policies to compare, the first is the reference (default: all, in file order); "
                      "separated by commas (full-width ，or 、 too)")
    _ensemble_arguments(cmp_)
    sb = cmp_.add_argument_group("selecting the best policy", api.SELECT_HELP)
    sb.add_argument("--select-best", metavar="METRIC", help="select the policy with the best mean METRIC "
                    "(e.g. resolution_hours_p90); the procedure decides the replications (no --replications)")
    sb.add_argument("--maximize", action="store_true", help="higher is better (default: lower is better)")
    sb.add_argument("--delta", type=float, metavar="D", help="indifference zone in METRIC's units (shares as "
                    "fractions: 0.01 = 1 percentage point): differences smaller than D do not matter; required")
    sb.add_argument("--confidence", type=float, default=0.95, metavar="C",
                    help="probability of a correct selection, strictly between 0 and 1 (default 0.95)")
    sb.add_argument("--first-stage", type=int, default=10, metavar="N0",
                    help="replications of every policy before the first elimination, >= 2 (default 10)")

    sw = sub.add_parser("sweep", help="run a design of parameter values", epilog=EPILOG, formatter_class=fmt,
                        description="Vary scenario fields over a full factorial (--design grid) or a Latin "
                        "hypercube (--design lhs --samples N); every point runs the same replications "
                        "(common random numbers). Writes points.csv (one row per point: means and 95% CIs) "
                        "and replications.csv (one row per point and replication).")
    _common(sw)
    sw.add_argument("--vary", action="append", default=[], metavar="KEY=SPEC", required=True,
                    help="a field and its values: a list (600,800,1000; Wed,Mon+Thu) or a range LO:HI:STEP "
                    "(600:1400:200, inclusive); repeatable")
    sw.add_argument("--design", choices=["grid", "lhs"], default="grid",
                    help="grid: every combination (default); lhs: --samples points by Latin hypercube")
    sw.add_argument("--samples", type=_positive_int, metavar="N", help="points of an lhs design")

    sa = sub.add_parser("sensitivity", help="which assumptions matter: Morris screening or Sobol indices (SALib)",
                        epilog=EXIT_CODES, formatter_class=fmt, description=api.SENSITIVITY_HELP)
    _common(sa)
    api.sensitivity_arguments(sa)

    op = sub.add_parser("optimize", help="the cheapest deployment meeting the targets, with a stated confidence",
                        epilog=EXIT_CODES, formatter_class=fmt, description=api.OPTIMIZE_HELP)
    _common(op)
    api.optimize_arguments(op)
    _ensemble_arguments(op)

    pl = sub.add_parser("plot", help="make the briefing figures of a results folder",
                        description="Write to RESULTS_DIR/figures/ every figure that fits what the folder holds "
                        "(run: backlog, resolution-time ECDF, coverage, utilization, per-grid maps; compare: "
                        "policy means and paired differences; sweep: metrics against parameters, heat maps). "
                        "Made from the folder's files only; the model is not re-run.")
    pl.add_argument("results", metavar="RESULTS_DIR", help="a folder written by run, compare or sweep")
    pl.add_argument("--format", choices=["png", "pdf", "svg"], default="png", help="png (default), or vector pdf/svg")
    pl.add_argument("--lang", choices=list(api.LANGS), default="en", help=LANG_HELP)
    pl.add_argument("--target", action="append", default=[], metavar="METRIC<=VALUE",
                    help="sweep heat maps outline the points meeting every target, in the metric's unit "
                    "(default: resolution_hours_p90<=72 and coverage_mean>=0.95); repeatable")

    rp = sub.add_parser("report", help="write a report (PDF and Markdown, English and/or Chinese) of a results folder",
                        description="Write RESULTS_DIR/report.pdf and report.md (with --lang zh: report.zh.pdf and "
                        "report.zh.md; both: all four): the findings in words (only what the numbers support: "
                        "'does best' needs a paired 95% CI that excludes zero), the scenario in a few lines, the "
                        "key table with 95% CIs, the grids to act on (lowest coverage, longest p90 resolution), the "
                        "most telling figures, and the method (STRESS-DES items: run length, warm-up, "
                        "replications, common random numbers, seeds, software). Made from the folder's files only.")
    rp.add_argument("results", metavar="RESULTS_DIR", help="a folder written by run, compare, sweep, sensitivity "
                    "or optimize")
    rp.add_argument("--lang", choices=list(api.LANGS), default="en",
                    help="the report in English (default), Chinese (report.zh.md, report.zh.pdf), or both side by "
                    "side")
    rp.add_argument("--target", action="append", default=[], metavar="METRIC<=VALUE",
                    help="sweep: the findings name the cheapest point meeting every target, and the heat maps "
                    "outline the points that do, in the metric's stored unit (hours, shares as 0-1) "
                    "(default: resolution_hours_p90<=72 and coverage_mean>=0.95); repeatable")

    cal = sub.add_parser("calibrate", help="compare a scenario's outputs with the published figures in its [[targets]]",
                         epilog=EXIT_CODES, formatter_class=fmt, description="Run a scenario (optionally under one of its policies) and "
                         "set each of its [[targets]] (a published figure: metric, value, relative tolerance, "
                         "kind of evidence, source) against the simulated mean and 95% CI: relative error, and "
                         "whether it is within the tolerance. Only a figure the model predicts (evidence = "
                         "'predicted') tests the model; fitted, layout and other-district figures are shown as such. "
                         "A missed target is reported in the table (a finding, exit code 0). Writes "
                         "calibration.csv into the results folder besides the usual files. " + api.HISTORY_HELP)
    cal.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML) with [[targets]]")
    cal.add_argument("--policy", metavar="NAME", help="apply this named policy (its targets, if it has its own)")
    cal.add_argument("--replications", type=_positive_int, default=0, metavar="N",  # 0: the file's
                     help="replications (default: the file's 'replications')")
    cal.add_argument("--seed", type=_seed, metavar="S", help="root seed (default: the file's 'seed')")
    cal.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a field by dotted path, as in 'gridsim run' (repeatable)")
    cal.add_argument("--workers", type=_positive_int, metavar="N", help="local worker processes (default: all cores)")
    cal.add_argument("--out", metavar="DIR", help="results folder (default: results/<scenario>-calibrate-<timestamp>/)")
    cal.add_argument("--resume", metavar="DIR", help="finish an interrupted calibrate in its folder DIR: give the "
                     "same command again plus --resume DIR; finished runs are kept, the missing ones are run")
    cal.add_argument("--quiet", action="store_true", help="no progress output, only the results")
    cal.add_argument("--plot", action="store_true", help="make the figures (PNG) right after, as 'gridsim plot DIR' "
                     "would (with --vary: the plausible sets, the implausibility and the box left per wave)")
    cal.add_argument("--lang", choices=list(api.LANGS), default="en",
                     help=LANG_HELP + "; zh or both also write the workbook in Chinese (results.zh.xlsx)")
    api.history_arguments(cal)
    cal.set_defaults(scheduler=None, records=False, force=False, precision=0.05,
                     precision_metric="resolution_hours_mean", max_replications=200)

    val = sub.add_parser("validate", help="check a scenario file and print what it defines",
                         description="Check a scenario file (and each of its policies) and print what it "
                         "defines. Exit 0 when valid, 2 with a message naming each problem otherwise.")
    val.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    val.add_argument("--policy", metavar="NAME", help="describe the scenario with this named policy applied")
    val.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a field as in run (repeatable): check a variant without running it")

    ft = sub.add_parser("fit", help="fit a scenario to a district's work-order records (工单)",
                        description=api.FIT_HELP, formatter_class=fmt)
    api.fit_arguments(ft)

    ck = sub.add_parser("check", help="set a scenario beside a district's work-order records (工单)",
                        description=api.CHECK_HELP, formatter_class=fmt)
    api.check_arguments(ck)

    mp = sub.add_parser("map", help="write the scenario's grid polygons as GeoJSON", description=api.MAP_HELP)
    mp.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    mp.add_argument("--policy", metavar="NAME", help="apply this named policy first")
    mp.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a field as in run (repeatable)")
    mp.add_argument("--out", required=True, metavar="FILE", help="the GeoJSON file to write, e.g. district.geojson")
    return p


def _policy_list(text: str | None) -> list[str] | None:
    """``--policies A,B``: names split at commas, full-width ones (，、) too, as a Chinese keyboard types them
    (policy names are letters, digits, _ . -, so neither can be part of a name)."""
    return [p.strip() for p in re.split(r"[,，、]", text) if p.strip()] if text else None


def _policies_run(args: argparse.Namespace) -> set[str | None] | None:
    """The policies the command runs (None: the base scenario; the set None: every policy)."""
    if args.command == "compare":
        names = _policy_list(args.policies)
        return None if names is None else set(names)
    return {getattr(args, "policy", None)}


def _check_policy_overrides(args: argparse.Namespace, keys: list[str]) -> None:
    """``--set policies.NAME.…`` changes policy NAME: refuse it when the command does not run NAME, where it
    would change nothing."""
    running = _policies_run(args)
    for key in keys:
        parts = key.split(".")
        if parts[0] != "policies" or len(parts) < 2 or running is None or parts[1] in running:
            continue
        now = ", ".join(sorted(p for p in running if p)) or "the base scenario (no --policy)"
        fix = "add it to --policies" if args.command == "compare" else f"give --policy {parts[1]}"
        raise UsageError(f"--set {key}: changes policy {parts[1]!r}, which this command does not run (it runs "
                         f"{now}); {fix}, or set the field itself ({'.'.join(parts[2:]) or 'KEY'}=...)")


def _options(args: argparse.Namespace) -> api.Options:
    try:
        overrides = parse_set(args.set)
    except ValueError as e:
        raise UsageError(str(e)) from None
    _check_policy_overrides(args, [k for k, _ in overrides])
    if args.resume and args.out:
        raise UsageError("give --out or --resume, not both: --resume DIR writes into DIR")
    if args.workers and args.scheduler:
        raise UsageError("give --workers or --scheduler, not both")
    return api.Options(
        overrides=overrides, replications=args.replications, seed=args.seed, precision=args.precision,
        precision_metric=args.precision_metric, max_replications=args.max_replications,
        out=args.resume or args.out, resume=bool(args.resume), workers=args.workers, scheduler=args.scheduler,
        records=args.records, quiet=args.quiet, force=args.force,
    )


def _report_end(result: api.Result) -> int:
    for w in result.warnings:
        print(f"gridsim: warning: {w}", file=sys.stderr)
    for v, check in result.warmup.items():
        if not check["long_enough"]:
            print(f"gridsim: warning: {v}: MSER-5 on the daily backlog suggests a warm-up of "
                  f"{check['mser5_median_days']:g} days (median over replications); the scenario has "
                  f"{check['warmup_days']:g}. Consider a longer calendar.warmup_days.", file=sys.stderr)
    print(f"results: {result.out}")
    if result.failures:
        print(f"gridsim: {len(result.failures)} run(s) failed; the others completed. "
              f"See {result.out / 'failures.csv'}; first: {result.failures[0].key}: "
              f"{result.failures[0].error.splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    targets = [api.parse_target(t) for t in args.target] or None
    written = api.figures(args.results, args.format, args.lang, targets)
    for p in written:
        print(p)
    print(f"{len(written)} figure(s) in {Path(args.results) / 'figures'}")
    return 0


def _outputs(args: argparse.Namespace, out: Path) -> None:
    """After a command: the Chinese workbook with --lang zh|both (the API wrote results.xlsx), and with
    --plot the folder's figures in --lang."""
    if args.lang != "en":
        api.workbook(out, "zh")
    if args.plot:
        written = api.figures(out, lang=args.lang)
        print(f"figures: {len(written)} in {out / 'figures'}")


def cmd_report(args: argparse.Namespace) -> int:
    targets = [api.parse_target(t) for t in args.target] or None
    written = api.reports(args.results, args.lang, targets)
    print("report: " + "\n        ".join(map(str, written)))
    return 0


def _after_run(args: argparse.Namespace, result: api.Result) -> int:
    code = _report_end(result)
    _outputs(args, result.out)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    result = api.run(args.scenario, args.policy, options=_options(args))
    print(f"{result.scenario_name} — policy {result.variant} — {result.replications} replication(s), "
          f"seed {result.seed}, warm-up {result.warmup_days:g} of {result.horizon_days:g} days")
    print(results_table(result.summaries[result.variant]))
    return _after_run(args, result)


def cmd_compare(args: argparse.Namespace) -> int:
    policies = _policy_list(args.policies)
    if args.select_best or args.delta is not None:
        if args.ensemble:
            raise UsageError("--select-best and --ensemble do not go together: select in one scenario, or compare "
                             "over the ensemble")
        return _select_best(args, policies)
    if args.ensemble_size and not args.ensemble:
        raise UsageError("--ensemble-size K needs --ensemble FILE (the plausible.csv to take K sets from)")
    result = api.compare(args.scenario, policies, options=_options(args), ensemble=args.ensemble,
                         ensemble_size=args.ensemble_size)
    print(f"{result.scenario_name} — {len(result.policies)} policies on common random numbers — "
          f"{result.replications} replication(s) each" + (f" in each of {len(result.ensemble.sets)} parameter sets"
                                                          if args.ensemble else "") + f", seed {result.seed}")
    if args.ensemble:  # set by set first; then the pooled table, said to be pooled and without a best policy
        print(api.ensemble_table(result) + "\n\n" + api.pooled_heading(result))
    print(comparison_table(result, verdict=not args.ensemble))
    return _after_run(args, result)


def _select_best(args: argparse.Namespace, policies: list[str] | None) -> int:
    if not args.select_best or args.delta is None:
        raise UsageError("--select-best METRIC and --delta D go together: give both (--delta is in METRIC's units)")
    better = api.better_direction(args.select_best)
    if better == ("lower" if args.maximize else "higher"):
        print(f"gridsim: warning: {args.select_best}: {better} is better, but the selection "
              f"{'maximizes' if args.maximize else 'minimizes'} it" + ("" if args.maximize else "; add --maximize?"),
              file=sys.stderr)
    best = api.select_best(args.scenario, policies, args.select_best, args.delta, maximize=args.maximize,
                           confidence=args.confidence, first_stage=args.first_stage, options=_options(args))
    result, n = best.comparison, best.selection.replications
    print(f"{result.scenario_name} — {len(result.policies)} policies on common random numbers — replications: "
          + ", ".join(f"{p} {k}" for p, k in n.items()) + f" (sequential selection), seed {result.seed}")
    print(comparison_table(result))
    print()
    print(api.selection_text(best, api.metric_unit(args.select_best)))
    return _after_run(args, result)


def cmd_sweep(args: argparse.Namespace) -> int:
    result = api.sweep(args.scenario, args.vary, design=args.design, samples=args.samples,
                       policy=args.policy, options=_options(args))
    print(f"{result.scenario_name} — sweep ({args.design}) of {len(result.points)} point(s) — "
          f"{result.replications} replication(s) each, seed {result.seed}")
    print(sweep_table(result))
    return _after_run(args, result)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    res = api.sensitivity(args.scenario, args.vary, args.metric, args.method, args.trajectories, args.samples,
                          args.second_order, args.policy, args.emulator, args.design_points, options=_options(args))
    print(f"{res.sweep.scenario_name} — sensitivity ({res.label}) of {len(res.factors)} factor(s) — "
          f"{len(res.sweep.points)} point(s) x {res.sweep.replications} replication(s), seed {res.sweep.seed}")
    print(api.sensitivity_table(res))
    code = _report_end(res.sweep)
    _outputs(args, res.out)
    return code


def cmd_optimize(args: argparse.Namespace) -> int:
    if args.replications is None:
        raise UsageError("--replications auto with optimize: each candidate's check decides its replications; "
                         "give --replications N for the first stage (default 10)")
    o = _options(args)
    res = api.optimize(args.scenario, args.lever, args.target, cost=args.cost, confidence=args.confidence,
                       policy=args.policy, first_stage=args.replications or 10,
                       max_runs=args.max_runs, options=o, ensemble=args.ensemble, ensemble_size=args.ensemble_size,
                       ensemble_share=args.ensemble_share)
    print(f"{res.scenario_name} — optimize over {', '.join(res.problem.keys)} — seed {res.seed}")
    print(api.optimization_text(res))
    print(f"results: {res.out}")
    _outputs(args, res.out)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    if args.vary:
        return _history_match(args)
    given = [f"--{n}" for n, v in (("records", args.fit_records), ("waves", args.waves), ("cutoff", args.cutoff),
                                   ("rule", args.rule), ("runs-per-wave", args.runs_per_wave)) if v is not None]
    if given:  # history-matching options: without --vary nothing would use them
        raise UsageError(f"{', '.join(given)} {'goes' if len(given) == 1 else 'go'} with --vary KEY=LO:HI (history "
                         "matching); without --vary calibrate checks the scenario as it is")
    cal = api.calibrate(args.scenario, args.policy, options=_options(args))
    res = cal.run
    print(f"{res.scenario_name} — calibration, policy {res.variant} — {res.replications} replication(s), "
          f"seed {res.seed}, warm-up {res.warmup_days:g} of {res.horizon_days:g} days")
    print(api.calibration_table(cal))
    _outputs(args, res.out)
    return _report_end(res)  # a missed target is a finding (exit 0); failed runs exit 1


def _history_match(args: argparse.Namespace) -> int:
    hm = api.calibrate_history(args.scenario, args.vary, args.waves, args.runs_per_wave, args.cutoff, args.rule,
                               args.policy, args.fit_records, options=_options(args))
    print(f"{hm.scenario_name} — history matching of {len(hm.history.targets)} target(s) over "
          f"{len(hm.keys)} field(s) — {hm.history.replications} replication(s) per point, seed {hm.seed}")
    print(api.history_text(hm))
    for w in hm.warnings:
        print(f"gridsim: warning: {w}", file=sys.stderr)
    _outputs(args, hm.out)
    return 0  # no plausible setting is a finding


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        overrides = parse_set(args.set)
    except ValueError as e:
        raise UsageError(str(e)) from None
    sc = load_scenario(args.scenario, args.policy, overrides)
    for name in sc.policies:  # every policy must validate too, with the same overrides
        load_scenario(args.scenario, name, overrides)
    print(describe(sc))
    for w in sc.measurement_warnings():
        print(f"gridsim: warning: {w}", file=sys.stderr)
    print(f"{args.scenario}: valid" + (f" (and its {len(sc.policies)} policies)" if sc.policies else ""))
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    doc = api.map_district(args.scenario, args.out, args.policy, args.set)
    print(f"{args.out}: {len(doc['features'])} grids" + (" (a synthetic district)" if "gridsim" in doc else ""))
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    res = api.fit_records(args.records, args.out, args.scenario, args.columns, args.sheet, args.export_time,
                          args.quiet, args.lang, args.work_by_simulation)
    print(api.fit_text(res))
    for w in res.warnings:
        print(f"gridsim: warning: {w}", file=sys.stderr)
    print(f"results: {res.out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    out = args.out or f"results/{Path(args.scenario).stem}-check"
    res = api.check_records(args.scenario, args.against, out, args.set, args.replications, args.columns,
                            args.sheet, args.quiet, args.lang, args.export_time)
    print(api.check_text(res))
    print(f"results: {res.out}")
    return 0


class Terminated(KeyboardInterrupt):
    """SIGTERM: stop like Ctrl-C (workers shut down, finished runs kept), exit code 143."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return _main(args)
        finally:
            signal.signal(signal.SIGTERM, previous)
    return _main(args)


def _main(args: argparse.Namespace) -> int:
    commands = {"run": cmd_run, "compare": cmd_compare, "sweep": cmd_sweep, "validate": cmd_validate,
                "plot": cmd_plot, "report": cmd_report, "calibrate": cmd_calibrate, "map": cmd_map,
                "sensitivity": cmd_sensitivity, "optimize": cmd_optimize, "fit": cmd_fit,
                "check": cmd_check}
    try:
        return commands[args.command](args)
    except ScenarioError as e:
        print(f"gridsim: error: {e.render()}", file=sys.stderr)
        return 2
    except (UsageError, CampaignError, DesignError, ExecutorError, api.ApiError, PlotError, FontError,
            api.FitError) as e:
        print(f"gridsim: error: {e}", file=sys.stderr)
        return 2
    except api.CampaignStopped as e:
        print(f"gridsim: error: {e}", file=sys.stderr)
        return 1
    except api.Interrupted as e:
        print(f"gridsim: interrupted; every finished run is saved in {e.out}. Run the same command "
              f"with --resume {e.out} to finish the rest.", file=sys.stderr)
        return 143 if isinstance(e.__context__, Terminated) else 130
    except KeyboardInterrupt as e:
        print("gridsim: interrupted", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    except BrokenPipeError:  # output piped into e.g. head: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as e:  # a bug, not bad input: say so, keep the traceback for the report
        if api.disk_full(e):  # a circumstance to fix, not a bug
            print(f"gridsim: error: {api.disk_full_text(e)}", file=sys.stderr)
            return 2
        print(f"gridsim: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        if os.environ.get("GRIDSIM_DEBUG"):
            traceback.print_exc()
        else:
            print("  (set GRIDSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
