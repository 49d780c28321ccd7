"""results.xlsx of a check folder (``gridsim check``), from its check.json: the verdict table as a sheet a
researcher can sort and filter, and what the comparison assumed."""

from __future__ import annotations

import json
from pathlib import Path

from sim.outputs.sheets import Book

HEADER = ["measure", "type", "level", "grid", "unit", "records", "simulated mean", "mean 95% CI low",
          "mean 95% CI high", "single runs 95% low", "single runs 95% high", "runs", "KS p-value", "difference",
          "consistent"]


def write_check_workbook(folder: str | Path) -> Path:
    """Write ``results.xlsx`` into a check folder; return its path."""
    folder = Path(folder)
    doc = json.loads((folder / "check.json").read_text(encoding="utf-8"))
    b = Book("en")
    rows = []
    for m in doc["measures"]:
        s = m["simulated"]
        rows.append([m["measure"], m.get("type"), m.get("level"), m.get("grid"), m["unit"], m["records"], s["mean"],
                     *(s["ci95"] or [None, None]), *(s["range95"] or [None, None]), s["n"], m.get("p_value"),
                     m["difference"], "yes" if m["consistent"] else "NO"])
    b.sheet("verdict", HEADER, rows, [None] * 5 + ["0.000"] * 6 + ["0", "0.0000", "0.000", None])
    summary = doc["summary"]
    about = [["scenario", doc["scenario"]], ["records", doc["records"]], ["replications", doc["replications"]],
             ["period start", doc["period"]["start"]], ["period days", doc["period"]["days"]],
             ["orders", doc["period"]["orders"]], *([k, v] for k, v in summary.items()),
             *(["note", n] for n in doc["notes"])]
    b.sheet("about", ["item", "value"], about)
    path = folder / "results.xlsx"
    b.save(path)
    return path
