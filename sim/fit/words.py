"""The fit command's words: its --help, its arguments, and the table it prints."""

from __future__ import annotations

import argparse
import textwrap
from datetime import datetime

from sim.fit.command import FitResult
from sim.fit.reading import FIELDS, HEADERS, REQUIRED
from sim.fit.rows import LEVELS

_PARAGRAPHS = (
    "Fit a scenario to a district's work-order export (工单/事件导出): one row per order with its id, grid, type, "
    "report time, resolution time (blank while open) and the level or department that resolved it; optional: "
    "community, street, accepted time, source. RECORDS is a CSV file (UTF-8 with or without BOM, or GBK as "
    "Chinese Excel saves it) or an .xlsx workbook (--sheet NAME; default the first sheet). Columns are found by "
    "their usual headers (below), or named with --columns FIELD=COLUMN. Times as exports write them (2024/3/5 8:00, 2024-03-05 08:00:00, "
    "ISO 8601, 2024年3月5日, Excel serial numbers). Levels: 网格/社区/街道/部门 or grid/community/street/department; "
    "a department's name (住建局) is the department.",
    "Bad rows are refused one by one, each written to DIR/refused.csv with its row number and reason: a totals "
    "row (合计), a duplicate id, no id, grid, type or report time, a time that is not a date, resolved (or accepted) "
    "before reported. Open orders are right-censored at the export time (the latest time in the file, or "
    "--export-time) and used, never dropped: Kaplan-Meier, and censored maximum likelihood for exponential, "
    "lognormal, gamma and Weibull, the best by AIC.",
    "Writes DIR/fit.json (per issue type: arrivals per week, level shares, resolution hours (report to "
    "resolved) and work hours (accepted to resolved) per level, each with a 95% CI; per grid: arrivals), "
    "DIR/fitted.toml (a complete scenario 'gridsim run' accepts: grids from the records or from --scenario's grid "
    "table; staffing, dispatch and visits from --scenario, else the model's defaults with a warning) and "
    "DIR/refused.csv, with DIR/results.xlsx, DIR/figures (weekly counts and hourly profiles against the fit, "
    "Kaplan-Meier against the fitted distribution; per-grid rates on a map when --scenario has grids.geojson, "
    "which is copied into DIR) and a report (DIR/report.md and .pdf; .zh with --lang zh). "
    "Records cannot show the issues nobody reported, nor what visits find: fitted.toml has "
    "hidden_share 0 (see docs/records.md). Exit 2 on bad input (the message names the file, the column, the value "
    "and what is allowed).")
COLUMNS = "".join(f"  {f:<10}{'(required) ' if f in REQUIRED else ''}{', '.join(HEADERS[f][:5])}\n" for f in FIELDS)
HELP = "\n\n".join(textwrap.fill(p, 78) for p in _PARAGRAPHS[:1]) + "\n" + COLUMNS + "\n" + "\n\n".join(
    textwrap.fill(p, 78) for p in _PARAGRAPHS[1:])

EXAMPLES = """\
examples:
  gridsim fit 工单导出.csv --out results/fit
  gridsim fit orders.xlsx --sheet 工单 --scenario scenarios/baota.toml --out results/fit
  gridsim fit orders.csv --columns grid=网格名称 --columns type=问题分类 --out results/fit
  gridsim fit orders.csv --columns accepted= --work-by-simulation --scenario base.toml --out results/fit
  gridsim run results/fit/fitted.toml --replications 10
"""


def when_arg(text: str) -> datetime:
    from sim.fit.dates import parse_datetime

    try:
        value = parse_datetime(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if value is None:
        raise argparse.ArgumentTypeError("give a date-time, e.g. 2024-12-31 18:00")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EXAMPLES
    p.add_argument("records", metavar="RECORDS", help="the work-order export: .csv or .xlsx")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder for fit.json, fitted.toml, refused.csv")
    p.add_argument("--scenario", metavar="BASE.toml",
                   help="take grids (households, communities, streets), staffing, dispatch, visits and wartime from "
                   "this scenario; without it households are 300 per grid and staffing the model's defaults")
    p.add_argument("--columns", action="append", default=[], metavar="FIELD=COLUMN",
                   help=f"read FIELD from the column headed COLUMN (repeatable); fields: {', '.join(FIELDS)}. "
                   "FIELD= leaves an optional field unread: accepted= where 签收 is a sign-off, not the start of "
                   "work (work times are then fitted from resolution times, or with --work-by-simulation)")
    p.add_argument("--sheet", metavar="NAME", help="with an .xlsx file: the sheet to read (default: the first)")
    p.add_argument("--export-time", type=when_arg, metavar="TIME",
                   help="when the export was made: open orders are censored there (default: the latest time in "
                   "the file)")
    p.add_argument("--work-by-simulation", action="store_true",
                   help="where the records have no accepted time, find the work time whose simulated resolution "
                   "times match the records' (runs the fitted scenario, with --scenario's staffing, a few rounds), "
                   "instead of taking the resolution time, which includes waiting")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="en",
                   help="the report, figures and workbook in English (default), Chinese (report.zh.md, *.zh.png, "
                   "results.zh.xlsx) or both")
    p.add_argument("--quiet", action="store_true", help="no progress output, only the results")


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def fit_text(res: FitResult) -> str:
    """The table the command prints: per type its arrivals, where it ends, and how long it takes."""
    r = res.rows
    lines = [f"{r['total']} rows: {r['used']} used ({r['open']} still open), {r['refused']} refused "
             f"(see {res.out / 'refused.csv'})", ""]
    for key, t in res.estimates["issue_types"].items():
        a = t["arrivals_per_week"]
        lines.append(f"{key} ({t['name_in_records']}): {_num(a['mean'])} per week "
                     f"[{_num(a['ci95'][0])}, {_num(a['ci95'][1])}]; ends at "
                     + ", ".join(f"{lv} {100 * s['mean']:.0f}%" for lv, s in t["level_share"].items() if s["n"]))
        for lv in LEVELS:
            e = t["resolution_hours"].get(lv)
            if e is None:
                continue
            ci = f"[{_num(e['ci95'][0])}, {_num(e['ci95'][1])}]" if e["ci95"] else ""
            lines.append(f"  {lv:<11} resolution {_num(e['mean'])} h {ci} ({e['dist'] or 'too few closed to fit'}), "
                         f"p90 {_num(e['p90'])} h; n {e['n']}, open {e['open']}; closed only: "
                         f"{_num(e['mean_closed_only'])} h")
    return "\n".join(lines)
