"""``gridsim fit``: a work-order export in, DIR/refused.csv, DIR/fit.json and DIR/fitted.toml out.

Each file is written whole or not at all (a temporary file renamed), refused.csv first, so a reader
never sees a fit without the list of rows it refused.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.atomic import atomic_write
from sim.fit.estimates import estimate
from sim.fit.fitted import Base, fitted_scenario, read_base
from sim.fit.load import load_warnings, loads_json, office_loads
from sim.fit.reading import FitError, parse_columns, read_records
from sim.fit.rows import orders_from, refused_csv, unrecognised_levels
from sim.fit.work_search import search
from sim.scenario import Scenario, build_scenario, load_scenario
from sim.scenario.geometry import GRID_FIELDS
from sim.scenario.loading import dump_toml

# what the fit assumes and what records cannot show: in fit.json and at the top of fitted.toml
NOTES = (
    "Records hold only the issues that were reported or found: the share that stays hidden, and what visits "
    "find, cannot be read from them (fitted.toml has hidden_share 0); calibrate those against published "
    "figures (gridsim calibrate).",
    "Open orders (no resolved time) are right-censored at the export time and used in every time estimate.",
    "Resolution hours run from report to resolution and include waiting; work hours run from accepted to "
    "resolved. Where accepted is not recorded, fitted.toml's work time is the resolution time (an upper bound).",
    "Each time's distribution is the best by AIC of exponential, lognormal, gamma and Weibull fitted by censored "
    "maximum likelihood; its mean's 95% CI is the delta method on the log of the mean.",
    "Arrival CIs are exact Poisson (Garwood), widened by the square root of the weekly counts' variance-to-mean "
    "ratio when it is significantly above 1; level-share CIs are Wilson's.",
)


@dataclass(frozen=True)
class FitResult:
    out: Path
    rows: dict[str, int]
    warnings: list[str]
    estimates: dict[str, Any]


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"{type(x).__name__} is not JSON")


def _header(warnings: list[str]) -> str:
    lines = ["Written by gridsim fit: a scenario fitted to work-order records. Check it, then edit what the "
             "records cannot show.", *NOTES, *("Assumed: " + w for w in warnings)]
    return "".join(f"# {line}\n" for line in lines) + "\n"


def _work_by_simulation(data: dict[str, Any], est: dict[str, Any], warnings: list[str], say: Any) -> dict[str, Any]:
    """--work-by-simulation: the work times without accepted times found by simulation; the warnings that
    called them upper bounds replaced by what was done."""
    res = search(data, est, say)
    found = {k.replace("|", " at ") for k in res["rounds"][-1]} if res["rounds"] else set()
    warnings[:] = [w for w in warnings if not any(w.startswith(f"{f}: no accepted times") for f in found)]
    if found:
        warnings.append(f"work times found by simulation ({'every' if res['converged'] else 'NOT every'} simulated "
                        f"mean resolution in the records' CI after {len(res['rounds'])} rounds): "
                        f"{', '.join(sorted(found))}; see fit.json work_by_simulation")
    return res


def _known_types(scenario: Scenario) -> dict[str, str]:
    """--scenario's issue types by every name a record may give them: key, label, Chinese label."""
    out: dict[str, str] = {}
    for key, it in scenario.issue_types.items():
        out.update({name: key for name in (it.label_zh, it.label, key) if name})
    return out


def _grid_polygons(base: Base | None, out: Path) -> dict[str, Any] | None:
    """--scenario's ``grids.geojson`` copied into DIR under its base name, so that the fit folder alone draws
    the per-grid rate map: fit.json's ``grids_geojson`` (the file and the feature properties naming the grid
    fields), or None without polygons."""
    grids = base.raw.get("grids", {}) if base is not None else {}
    name = grids.get("geojson") if isinstance(grids, dict) else None
    if not isinstance(name, str):
        return None
    copy = out / Path(name).name
    atomic_write(copy, (base.path.parent / name).read_bytes())  # the scenario loaded: the file is there
    return {"file": copy.name, "properties": {k: grids[k] for k in GRID_FIELDS if isinstance(grids.get(k), str)}}


def fit(records: str | Path, out: str | Path, scenario: str | Path | None = None, columns: list[str] | None = None,
        sheet: str | None = None, export_time: datetime | None = None, quiet: bool = False,
        work_by_simulation: bool = False) -> FitResult:
    """Fit a scenario to the work-order export ``records``; write DIR's three files and return what it found."""
    def say(text: str) -> None:
        if not quiet:
            print(f"fit: {text}", file=sys.stderr, flush=True)

    records, out = Path(records), Path(out)
    if out.exists() and not out.is_dir():
        raise FitError(f"--out {out}: a file, not a folder; give a folder for fit.json, fitted.toml, refused.csv")
    say(f"reading {records}")
    raw = read_records(records, parse_columns(columns), sheet)
    orders = orders_from(raw, export_time)
    rows = {"total": orders.total_rows, "used": len(orders), "refused": len(orders.refused),
            "open": int(orders.open.sum())}
    say(f"{rows['total']} rows: {rows['used']} used ({rows['open']} still open), {rows['refused']} refused")
    base = read_base(Path(scenario)) if scenario else None
    est = estimate(orders, say, _known_types(base.scenario) if base is not None else None)
    toml_data, warnings = fitted_scenario(est, records, base)
    if odd := unrecognised_levels(orders.level_text):
        warnings.append(f"level texts read as a department's name (they name no level and no office): "
                        f"{', '.join(odd[:8])}{' ...' if len(odd) > 8 else ''}; if they are statuses, not levels, map "
                        "the right column with --columns level=COLUMN")
    searched = _work_by_simulation(toml_data, est, warnings, say) if work_by_simulation else None
    loads = office_loads(build_scenario(toml_data, out / "fitted.toml"))
    warnings.extend(load_warnings(loads))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FitError(f"--out {out}: cannot make the folder ({e.strerror or e})") from None
    atomic_write(out / "refused.csv", refused_csv(orders.refused))
    export = orders.origin + timedelta(hours=orders.export)
    doc = {"rows": rows, "records": str(records), "columns": raw.columns,
           "export_time": export.isoformat(sep=" ", timespec="seconds"), **est, "notes": list(NOTES), "warnings": warnings,
           "office_load": loads_json(loads), **({"work_by_simulation": searched} if searched is not None else {})}
    polygons = _grid_polygons(base, out)
    if polygons is not None:
        doc["grids_geojson"] = polygons
    atomic_write(out / "fit.json", json.dumps(doc, ensure_ascii=False, indent=1, default=_json_default) + "\n")
    atomic_write(out / "fitted.toml", _header(warnings) + dump_toml(toml_data))
    load_scenario(out / "fitted.toml")  # what gridsim run will read: a scenario that does not load is a bug here
    say(f"wrote {out / 'fitted.toml'}, {out / 'fit.json'}, {out / 'refused.csv'}")
    return FitResult(out, rows, warnings, est)
