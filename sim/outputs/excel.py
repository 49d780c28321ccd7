"""``results.xlsx``: a finished results folder as a workbook a researcher can hand in.

Sheets: ``summary`` (every metric: label, unit, mean, 95% CI, n, better direction),
``comparison`` (compare: every policy, and its paired difference from the reference) or
``points`` (sweep: one row per design point), ``grids`` (per grid, worst coverage first),
``areas`` (per street, then per community, worst first: sim.outputs.areas),
``replications`` (one row per replication and variant, every metric), for a history match
(calibrate --vary) ``plausible``, ``waves`` and ``points`` (sim.outputs.history_book), and ``about``
(scenario, seeds, versions, the command).  Numbers are stored as numbers, exactly as in
summary.json and the CSV files, in the unit each metric's name says (durations in hours,
however long; cadre time in cadre-hours; shares as fractions shown as %, their differences
in percentage points by the same format), units in the headers: the workbook shows the
identifiers, so it follows the unit rule of sim.outputs.numbers for identifiers.
Only the folder is read; the model is never run.  ``lang="zh"`` writes
``results.zh.xlsx`` beside the English one (neither overwrites the other).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from pathlib import Path
from typing import Any

from sim.experiments.results import RunStore
from sim.outputs.areas import LEVELS, areas, header
from sim.outputs.grid_table import GRID_SERIES, grid_rows, layout_per_replication, number, read_csv, worst_first
from sim.outputs.glossary import better_label, label, metric_label, param_label, unit_label, value_label, word
from sim.outputs.history_book import history_sheets
from sim.outputs.sheets import Book
from sim.outputs.numbers import better, ci_decimals, plain_decimals, stored_shown, stored_unit

BOOK_NAMES = {"en": "results.xlsx", "zh": "results.zh.xlsx"}
COMMANDS = ("run", "compare", "sweep", "sensitivity", "optimize", "calibrate")


class WorkbookError(Exception):
    """The folder is not a finished results folder (exit code 2)."""


def book_value(metric: str, v: Any) -> float | None:
    """A stored value as the workbook keeps it (None for missing or not finite)."""
    if v is None or v == "" or (isinstance(v, float) and not math.isfinite(v)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def book_unit(metric: str, lang: str, diff: bool = False) -> str:
    """The unit of a metric's column: its stored unit (a share's shown as %, or as percentage points for
    ``diff``erences)."""
    return unit_label(stored_shown(metric, diff).unit, lang)


def titled(text: str, unit: str, lang: str) -> str:
    """A header with its unit: 'mean wait (h)', '平均等待时长（小时）'."""
    if not unit:
        return text
    return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"


def number_format(metric: str, *values: float | None, points: str = "") -> str:
    """Excel's format for a metric's cells: decimals from the CI (or three significant digits).  ``points``: the
    cells are differences of a share, already in percentage points, shown with that unit (never with %)."""
    pct = stored_unit(metric) == "share" and not points
    vals = [100 * v if pct else v for v in values if v is not None]
    if len(vals) >= 3 and vals[1] != vals[2]:
        d = ci_decimals(vals[1], vals[2])
    else:
        d = plain_decimals(vals[0]) if vals else 1
    if stored_unit(metric) in ("issues", "households", "count") and all(float(v).is_integer() for v in vals):
        d = 0
    body = "#,##0" + ("." + "0" * d if d else "")
    if points:
        return f'+{body} "{points}";-{body} "{points}";{body} "{points}"'
    return body + "%" if pct else body


def _json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise WorkbookError(f"{path}: cannot be read ({e}); not a finished results folder") from None
    if not isinstance(doc, dict):
        raise WorkbookError(f"{path}: not a JSON object; not a finished results folder")
    return doc


def _stat_cells(metric: str, m: dict[str, Any] | None) -> list[Any]:
    if not m:
        return [None, None, None, 0]
    lo, hi = (m.get("ci95") or [None, None])[:2]
    return [book_value(metric, m.get("mean")), book_value(metric, lo), book_value(metric, hi), m.get("n")]


def _csv_sheet(b: Book, name: str, path: Path) -> None:
    """A CSV of the folder as it is (its headers name their units), numbers as numbers."""
    head, rows = read_csv(path)
    b.sheet(name, head, [[number(x) for x in r] for r in rows])


def _summary_sheet(b: Book, metrics: dict[str, dict[str, Any]], scenario: dict[str, Any]) -> None:
    L = b.lang
    head = [word(k, L) for k in ("h_metric", "h_label", "h_unit", "h_mean", "h_ci_lo", "h_ci_hi", "h_n", "h_better")]
    rows, cf = [], {}
    for i, (name, m) in enumerate(metrics.items()):
        stats = _stat_cells(name, m)
        rows.append([name, metric_label(name, L, scenario), book_unit(name, L), *stats,
                     better_label(better(name), L)])
        for j in (3, 4, 5):
            cf[(i, j)] = number_format(name, *stats[:3])
    b.sheet("summary", head, rows, cell_formats=cf)


def _comparison_sheet(b: Book, s: dict[str, Any], scenario: dict[str, Any]) -> None:
    L = b.lang
    head = [word(k, L) for k in ("h_metric", "h_label", "h_unit", "h_policy", "h_mean", "h_ci_lo", "h_ci_hi", "h_n",
                                 "h_diff", "h_diff_lo", "h_diff_hi", "h_distinct", "h_better")]
    ref, pols = s.get("reference"), s.get("policies", [])
    names = list(dict.fromkeys(n for p in pols for n in s.get("by_policy", {}).get(p, {}).get("metrics", {})))
    rows, cf = [], {}
    for name in names:
        for p in pols:
            stats = _stat_cells(name, s["by_policy"].get(p, {}).get("metrics", {}).get(name))
            d = None if p == ref else s.get("differences", {}).get(p, {}).get("metrics", {}).get(name)
            diff = _stat_cells(name, d)[:3] if d else [None, None, None]
            points = book_unit(name, L, diff=True) if stored_unit(name) == "share" else ""
            if points:  # a difference of shares in percentage points, as the terminal and the reports give it
                diff = [None if v is None else 100 * v for v in diff]
            lo, hi = diff[1], diff[2]
            distinct = None if p == ref or lo is None else word("yes" if lo > 0 or hi < 0 else "no", L)
            i = len(rows)
            rows.append([name, metric_label(name, L, scenario), book_unit(name, L),
                         label(f"policy:{p}", L, scenario), *stats, *diff, distinct, better_label(better(name), L)])
            for j in (4, 5, 6):
                cf[(i, j)] = number_format(name, *stats[:3])
            for j in (8, 9, 10):
                cf[(i, j)] = number_format(name, *diff, points=points)
    b.sheet("comparison", head, rows, cell_formats=cf)


def _points_sheet(b: Book, s: dict[str, Any], scenario: dict[str, Any]) -> None:
    L = b.lang
    keys = [f["key"] for f in s.get("factors", [])]
    points = s.get("points", {})
    names = list(dict.fromkeys(n for p in points.values() for n in p.get("metrics", {})))
    head = [word("h_point", L), *[param_label(k, L, scenario) for k in keys], word("h_n", L)]
    for n in names:
        what = titled(metric_label(n, L, scenario), book_unit(n, L), L)
        head += [f"{what}: {word(k, L)}" for k in ("h_mean", "h_ci_lo", "h_ci_hi")]
    rows, cf = [], {}
    for i, (pid, p) in enumerate(points.items()):
        params = p.get("params", {})
        cells = [pid, *[params.get(k) if isinstance(params.get(k), (int, float)) and not isinstance(params.get(k), bool)
                        else value_label(k, params.get(k), L) for k in keys]]
        ns = [m.get("n") or 0 for m in p.get("metrics", {}).values()]
        cells.append(max(ns, default=0))
        for n in names:
            stats = _stat_cells(n, p.get("metrics", {}).get(n))[:3]
            for j in range(3):
                cf[(i, len(cells) + j)] = number_format(n, *stats)
            cells += stats
        rows.append(cells)
    b.sheet("points", head, rows, cell_formats=cf)


def _grids_sheet(b: Book, folder: Path, variants: list[str], scenario: dict[str, Any], compare: bool) -> str:
    L = b.lang
    runs = [o for o in RunStore(folder).load("skip") if o.ok]
    per_variant = {v: grid_rows(folder, v, runs) for v in variants}
    present = [(w, key, m) for w, key, m in GRID_SERIES
               if any(r.values[key] is not None for v in variants for r in per_variant[v])]
    head = ([word("h_policy", L)] if compare else []) + [word(k, L) for k in ("h_grid", "community", "street",
                                                                              "h_households")]
    head += [titled(word(w, L), book_unit(m, L), L) for w, _, m in present]
    rows: list[list[Any]] = []
    for v in variants if present else variants[:1]:
        grids = sorted(per_variant[v], key=lambda r: worst_first(r.values.get("grid_coverage"),
                                                                 r.values.get("grid_resolution_p90")))
        rows += [([label(f"policy:{v}", L, scenario)] if compare else []) + [r.id, r.community, r.street, r.households]
                 + [book_value(m, r.values[key]) for _, key, m in present] for r in grids]
    off = len(head) - len(present)
    formats = [None] * off + ["0.0%" if m == "coverage_mean" else "#,##0.0" for _, _, m in present]
    b.sheet("grids", head, rows, formats)
    mixed = f"; {word('grids_per_replication', L)}" if layout_per_replication(scenario) else ""
    return word("grids_series" if present else "grids_layout", L) + mixed


def _areas_sheet(b: Book, folder: Path, variants: list[str], scenario: dict[str, Any], compare: bool) -> None:
    """Per street, then per community, worst first, from the grids' means over replications."""
    L = b.lang
    runs = [o for o in RunStore(folder).load("skip") if o.ok]
    found = {v: [a for level in LEVELS for a in areas(grid_rows(folder, v, runs), level)] for v in variants}
    sums = [m for m in ("issues", "backlog") if any(getattr(a, m) is not None for x in found.values() for a in x)]
    names = ([word("h_policy", L)] if compare else []) + [header("level", L), header("area", L), word("street", L)]
    head = names + [header("grids", L), word("h_households", L)]
    head += [titled(header(k, L), book_unit(m, L), L) for k, m in
             (("coverage", "coverage_mean"), ("coverage_min", "coverage_mean"), ("p90", "resolution_hours_p90"))]
    head += [word("h_issues", L) if m == "issues" else titled(word("h_backlog", L), book_unit("backlog_mean", L), L)
             for m in sums]
    rows = [([label(f"policy:{v}", L, scenario)] if compare else []) + [word(a.level, L), a.name, a.street, a.grids,
            a.households, a.coverage, a.coverage_min, a.p90, *[getattr(a, m) for m in sums]]
            for v, found_v in found.items() for a in found_v]
    b.sheet("areas", head, rows, [None] * len(names) + ["#,##0", "#,##0", "0.0%", "0.0%", "#,##0.0"]
            + ["#,##0.0"] * len(sums))


def _replications_sheet(b: Book, folder: Path, params: list[str], scenario: dict[str, Any]) -> None:
    L = b.lang
    head, rows = read_csv(folder / "replications.csv")
    fixed = {"policy": "h_policy", "point": "h_point", "candidate": "h_candidate", "replication": "h_replication",
             "seed": "h_seed", "seed_sequence": "h_seed_sequence"}
    titles, metrics = [], []
    for col in head:
        if col in fixed:
            titles.append(word(fixed[col], L))
            metrics.append(None)
        elif col in params:
            titles.append(param_label(col, L, scenario))
            metrics.append(None)
        else:
            titles.append(titled(metric_label(col, L, scenario), book_unit(col, L), L))
            metrics.append(col)
    out = []
    for r in rows:
        cells: list[Any] = []
        for col, m, text in zip(head, metrics, r):
            if m is not None:
                cells.append(book_value(m, text))
            elif col == "policy":
                cells.append(label(f"policy:{text}", L, scenario))
            elif col in ("replication", "seed") or col in params:
                x = number(text)
                cells.append(value_label(col, x, L) if isinstance(x, str) else x)
            else:
                cells.append(text)
        out.append(cells)
    formats = [None if m is None else number_format(m) if stored_unit(m) != "share" else "0.0%" for m in metrics]
    b.sheet("replications", titles, out, formats)


def _command_line(s: dict[str, Any], c: dict[str, Any]) -> str:
    cmd = s.get("command", c.get("command", "?"))
    parts = ["gridsim", cmd, str(s.get("scenario_file") or c.get("scenario_file") or "?")]
    if cmd == "run" and s.get("policy"):
        parts += ["--policy", s["policy"]]
    if cmd == "compare":
        parts += ["--policies", ",".join(s.get("policies") or c.get("variants", []))]
    if cmd == "optimize":
        o = c.get("optimize", {})
        parts += [x for v in o.get("levers", []) for x in ("--lever", v)]
        parts += [x for v in o.get("targets", []) for x in ("--target", repr(v))] + ["--cost", str(o.get("cost"))]
    if cmd == "sensitivity":
        parts += [x for v in c.get("vary", []) for x in ("--vary", v)] + ["--method", str(c.get("method"))]
        parts += [x for m in c.get("metrics", []) for x in ("--metric", m)]
        parts += ["--emulator", "--design-points", str(c.get("size"))] if c.get("emulator") else []
    if cmd == "sweep":
        parts += [x for v in c.get("vary", []) for x in ("--vary", v)] + ["--design", str(c.get("design", "grid"))]
        parts += ["--samples", str(c["samples"])] if c.get("samples") else []
        parts += ["--policy", c["policy"]] if c.get("policy") else []
    parts += _history_and_ensemble(s, c)
    parts += ["--replications", str(s.get("replications", "?")), "--seed", str(s.get("seeds", {}).get("root", "?"))]
    parts += [x for o in s.get("overrides", []) for x in ("--set", o)]
    return " ".join(parts)


def _history_and_ensemble(s: dict[str, Any], c: dict[str, Any]) -> list[str]:
    """calibrate --vary's options (as command.json holds them: the --vary strings as typed, the waves and points per
    wave asked for), and compare/optimize --ensemble's file, size and share: without them the line would rerun
    another command."""
    parts: list[str] = []
    if s.get("history_match"):
        h, asked = s["history_match"], c.get("history_match", {})
        vary = asked.get("vary") or [f"{k}={lo:g}:{hi:g}" for k, (lo, hi) in h.get("vary", {}).items()]
        parts += [x for v in vary for x in ("--vary", v)]
        parts += ["--waves", str(asked.get("waves", len(h.get("waves", []))))]
        parts += ["--runs-per-wave", str(asked["runs_per_wave"])] if asked.get("runs_per_wave") else []
        parts += ["--cutoff", f"{h.get('cutoff', 3):g}", "--rule", str(h.get("rule", "max"))]
        parts += ["--policy", asked["policy"]] if asked.get("policy") else []
    e = s.get("ensemble") or (s.get("optimum") or {}).get("ensemble")
    if e:
        parts += ["--ensemble", str(e.get("file")), "--ensemble-size", str(e.get("size"))]
        parts += ["--ensemble-share", f"{e['share']:g}"] if "share" in e else []
    return parts


def _about_sheet(b: Book, folder: Path, s: dict[str, Any], c: dict[str, Any], grids_note: str,
                 scenario: dict[str, Any]) -> None:
    L = b.lang
    items: list[tuple[str, Any]] = [("a_scenario", s.get("scenario")), ("a_file", s.get("scenario_file")),
                                    ("a_command", s.get("command")), ("a_command_line", _command_line(s, c))]
    if s.get("command") == "run":
        items.append(("a_policy", label(f"policy:{s['policy']}", L, scenario) if s.get("policy") else "–"))
    if s.get("command") == "compare":
        items += [("a_policies", ("、" if L == "zh" else ", ").join(label(f"policy:{p}", L, scenario)
                                                                  for p in s.get("policies", []))),
                  ("a_reference", label(f"policy:{s.get('reference')}", L, scenario))]
        if s.get("ensemble"):
            items.append(("a_pooled", word("pooled_note", L, k=len(s["ensemble"].get("sets", [])))))
    if s.get("command") == "optimize":
        o = c.get("optimize", {})
        items += [("a_levers", "; ".join(o.get("levers", []))), ("a_targets", "; ".join(o.get("targets", []))),
                  ("a_answer", (s.get("optimum") or {}).get("guarantee") or "–")]
    if s.get("command") in ("sweep", "sensitivity"):
        items += [("a_design", s.get("design")), ("a_points", len(s.get("points", {}))),
                  ("a_factors", "; ".join(f"{param_label(f['key'], L, scenario)}: "
                                          + (", ".join(value_label(f["key"], v, L) for v in f["values"])
                                             if "values" in f else f"{f.get('low'):g} – {f.get('high'):g}")
                                          for f in s.get("factors", [])))]
    seeds = s.get("seeds", {})
    # the scheme summary.json records is English text: the workbook says it in the reader's language
    items += [("a_replications", s.get("replications")), ("a_seed", seeds.get("root")),
              ("a_seeds", word("seeds_scheme", L) if seeds.get("scheme") else None),
              ("a_window", f"{s.get('horizon_days', '?')}, {s.get('warmup_days', '?')}"),
              ("a_overrides", "; ".join(s.get("overrides", [])) or "–"), ("a_runs_failed", s.get("runs_failed", 0))]
    items += [(word("a_version", L, name=k), v) for k, v in s.get("versions", {}).items()]
    made = dt.datetime.fromtimestamp((folder / "summary.json").stat().st_mtime).isoformat(timespec="seconds")
    items += [("a_results_date", made), ("a_book_date", dt.datetime.now().isoformat(timespec="seconds")),
              ("a_folder", str(folder)), ("a_units", word("units_note", L)), ("a_grids", grids_note)]
    items += [("a_warnings", w) for w in s.get("warnings", [])]
    rows = [[word(k, L) if k.startswith("a_") else k, v] for k, v in items]
    b.sheet("about", [word("h_item", L), word("h_value", L)], rows)


def write_workbook(folder: Path, lang: str = "en") -> Path:
    """Write the folder's workbook (``results.xlsx``; ``results.zh.xlsx`` for Chinese); return its path."""
    folder = Path(folder)
    if lang not in BOOK_NAMES:
        raise WorkbookError(f"--lang {lang}: allowed: {', '.join(BOOK_NAMES)}")
    s = _json(folder / "summary.json")
    c = _json(folder / "command.json") if (folder / "command.json").is_file() else {}
    try:
        scenario = tomllib.loads((folder / "scenario.resolved.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # labels fall back to words made from the names
        scenario = {}
    command = s.get("command") or c.get("command")
    if command not in COMMANDS:
        raise WorkbookError(f"{folder / 'summary.json'}: command {command!r}; expected {', '.join(COMMANDS)}")
    b = Book(lang)
    if s.get("history_match"):  # calibrate --vary: the plausible sets, the waves, every point run; no pooled
        history_sheets(b, folder)  # summary sheet (a CI over different settings means nothing)
    else:
        _summary_sheet(b, s.get("metrics", {}), scenario)
    if command == "compare":
        _comparison_sheet(b, s, scenario)
        if "ensemble" in s and (folder / "ensemble.csv").is_file():  # set by set, beside the pooled sheets
            _csv_sheet(b, "ensemble", folder / "ensemble.csv")
        variants = [p for p in s.get("policies", []) if s.get("by_policy", {}).get(p, {}).get("metrics")]
    elif command in ("sweep", "sensitivity"):
        _points_sheet(b, s, scenario)
        variants = list(s.get("points", {}))[:1]
    elif command == "optimize":  # every candidate, and the answer's grids and allocation
        _csv_sheet(b, "candidates", folder / "candidates.csv")
        if (folder / "allocation.csv").is_file():
            _csv_sheet(b, "allocation", folder / "allocation.csv")
        variants = [(s.get("optimum") or {}).get("candidate") or ""]
    else:
        variants = list(c.get("variants", [])) or [s.get("policy") or "base"]
    note = _grids_sheet(b, folder, variants, scenario, compare=command == "compare")
    _areas_sheet(b, folder, variants, scenario, compare=command == "compare")
    params = [f["key"] for f in s.get("factors", [])] if command in ("sweep", "sensitivity") else \
        ["variant", "set", *s["ensemble"]["keys"]] if "ensemble" in s else []  # compare --ensemble
    _replications_sheet(b, folder, params, scenario)
    _about_sheet(b, folder, s, c, note, scenario)
    path = folder / BOOK_NAMES[lang]
    b.save(path)
    return path
