"""The check command's words: its --help, its arguments, and the verdict table it prints."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from sim.fit.check import CheckResult
from sim.fit.words import when_arg

HELP = textwrap.fill(
    "Set the model beside a district's work-order records (the export gridsim fit reads). The scenario is run "
    "over the records' period (its calendar moved onto the days from the first report to the last, after its "
    "warm-up), for its replications; each run's issues become a work-order export, read and censored as the "
    "records are. Measures: orders per week per type and per grid, the share of each type ending at each level, "
    "and per type and level the median and 90th percentile of the closed orders' resolution hours with a "
    "two-sample Kolmogorov-Smirnov test (records against the runs pooled). A records value is consistent when "
    "it lies where 95% of single runs fall. Prints a verdict table in words and writes DIR/check.json (per "
    "measure: records, simulated mean, ci95 and range95, consistent, difference), DIR/results.xlsx and "
    "DIR/figures (check-weekly: weekly series; check-qq: QQ plots of the resolution hours). Exit 2 on bad input.", 78)

EXAMPLES = """\
examples:
  gridsim check results/fit/fitted.toml --against 工单导出.csv --out results/check
  gridsim check scenarios/baota.toml --against orders.xlsx --sheet 工单 --replications 20 --out results/check
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EXAMPLES
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    p.add_argument("--against", required=True, metavar="RECORDS", help="the work-order export: .csv or .xlsx")
    p.add_argument("--out", metavar="DIR", help="the folder for check.json (default: results/<scenario>-check)")
    p.add_argument("--replications", type=int, metavar="N", help="runs (default: the scenario's; at least 2)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a field as in run")
    p.add_argument("--columns", action="append", default=[], metavar="FIELD=COLUMN",
                   help="read FIELD from the column headed COLUMN, as in fit (repeatable)")
    p.add_argument("--sheet", metavar="NAME", help="with an .xlsx file: the sheet to read (default: the first)")
    p.add_argument("--export-time", type=when_arg, metavar="TIME",
                   help="when the export was made: open orders are censored there, in the records and in every "
                   "simulated run (default: the latest time in the file)")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="en",
                   help="figure labels in English (default), Chinese (*.zh.png) or both")
    p.add_argument("--quiet", action="store_true", help="no progress output, only the results")


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def in_words(m: dict[str, Any]) -> str:
    """How far the records are from the model, in words."""
    if m["measure"] == "resolution_ks":
        what = "no detectable difference" if m["consistent"] else "the distributions differ"
        return f"{what} (KS D {m['records']:.2f}, p {m['p_value']:.2g})"
    s, d = m["simulated"], m["difference"]
    if m["unit"] == "share":
        size = f"{100 * abs(d):.1f} percentage points {'above' if d > 0 else 'below'}"
    elif d is None:
        size = "the model has none"
    else:
        size = f"{100 * abs(d):.0f}% {'above' if d > 0 else 'below'}"
    lo, hi = s["range95"]
    scale = 100 if m["unit"] == "share" else 1
    return (f"records {size} the model ({_num(scale * m['records'])} vs {_num(scale * s['mean'])}; single runs "
            f"{_num(scale * lo)} to {_num(scale * hi)})")


def _label(m: dict[str, Any]) -> str:
    where = " ".join(str(m[k]) for k in ("type", "grid", "level") if m.get(k))
    return f"{m['measure']} {where}"


def check_text(res: CheckResult) -> str:
    """The verdict table: one line per measure, inconsistent ones first."""
    doc = res.doc
    s = doc["summary"]
    lines = [f"{doc['period']['orders']} orders over {doc['period']['days']} days from {doc['period']['start']}; "
             f"{doc['replications']} simulated runs", ""]
    grids = [m for m in doc["measures"] if m["measure"] == "grid_orders_per_week"]
    # every inconsistent measure, and the consistent ones but those of single grids (hundreds in a district)
    for m in sorted(doc["measures"], key=lambda m: m["consistent"]):
        if not m["consistent"] or m["measure"] != "grid_orders_per_week":
            lines.append(f"{'consistent  ' if m['consistent'] else 'INCONSISTENT'} {_label(m):<44} {in_words(m)}")
    if grids:
        lines.append(f"grids: {sum(m['consistent'] for m in grids)} of {len(grids)} consistent in orders per week "
                     "(each in check.json and results.xlsx)")
    lines += [f"warning: {w}" for w in doc.get("warnings", [])]
    missing = (f"; {s['not_compared']} comparison(s) the model could not make (see the warnings), each a difference"
               if s.get("not_compared") else "")
    lines += ["", f"{s['inconsistent']} of {s['measures']} measures inconsistent (by chance about "
              f"{s['expected_by_chance']:.1f}){missing}: the model is "
              f"{'consistent' if s['consistent'] else 'NOT consistent'} with the records"]
    return "\n".join(lines)
