"""gridsim's simulated issues as a work-order export (run --records), and the twin test: fitting gridsim's own
export recovers the scenario's parameters within the fit's confidence intervals."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.cli import main
from sim.experiments.runs import replication_seed
from sim.experiments.work_orders import HEADER, work_orders
from sim.fit import fit
from sim.model import simulate
from sim.scenario import load_scenario

TWIN = Path(__file__).parent / "data" / "twin" / "twin.toml"
REPLICATIONS = 4


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # a BOM: Chinese Excel opens it as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


@pytest.fixture(scope="module")
def runs():
    sc = load_scenario(TWIN)
    return sc, [simulate(sc, replication_seed(sc.seed, k)) for k in range(REPLICATIONS)]


def test_the_export_holds_what_the_platform_knows(runs):
    sc, recs = runs
    rec = recs[0]
    rows = _rows(work_orders(rec, sc))
    assert list(rows[0]) == list(HEADER)
    known = ~np.isnan(rec.report)
    in_window = known & (rec.report >= rec.warmup) & (rec.report <= rec.horizon)
    assert (~known).sum() > 0  # hidden hazards nobody found: the export must leave them out
    assert sorted(int(r["工单编号"]) for r in rows) == np.flatnonzero(in_window).tolist()
    start = datetime.combine(sc.calendar.start, datetime.min.time())

    def when(hours: float) -> str:
        return "" if np.isnan(hours) else (start + timedelta(seconds=int(hours * 3600))).strftime("%Y-%m-%d %H:%M:%S")

    labels = {"consultation": "政策咨询", "dispute": "矛盾纠纷", "hazard": "安全隐患"}
    words = {0: "网格", 1: "社区", 2: "街道"}
    opened = 0
    for r in rows:
        i = int(r["工单编号"])
        assert r["上报时间"] == when(rec.report[i]) and r["签收时间"] == when(rec.start[i])
        assert r["办结时间"] == when(rec.end[i])
        opened += r["办结时间"] == ""
        name = rec.issues.type_names[rec.issues.type[i]]
        assert r["事件类型"] == labels[name]
        g = rec.issues.grid[i]
        assert r["所属网格"] == rec.district.ids[g] and r["社区"] == ("东社区" if g < 2 else "西社区")
        level = rec.resolved_level[i] if rec.resolved_level[i] >= 0 else rec.issues.level[i]
        assert r["处置层级"] == ("市内涝办" if name == "hazard" else words[int(level)])
        assert r["source"] == "群众上报"  # no visits: every order was reported
    assert opened > 0  # no drain: orders open at the horizon are open in the export


def test_run_records_writes_the_work_orders_beside_the_parquet(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TWIN), "--replications", "1", "--records", "--quiet", "--workers", "1",
                 "--set", "calendar.horizon_days=28", "--out", str(out)]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (out / "records").iterdir()) == ["base-r0000-orders.csv", "base-r0000.parquet"]
    import pandas as pd

    table = pd.read_parquet(out / "records" / "base-r0000.parquet")
    rows = _rows((out / "records" / "base-r0000-orders.csv").read_text(encoding="utf-8"))
    shown = table[table.reported_h.notna() & (table.reported_h >= 14 * 24) & (table.reported_h <= 28 * 24)]
    assert [int(r["工单编号"]) for r in rows] == shown.sort_values("reported_h", kind="stable").issue.tolist()


def _covers(ci: list[float], truth: float) -> bool:
    return ci[0] <= truth <= ci[1]


def test_twin_fit_recovers_the_scenario(runs, tmp_path):
    """Per replication, fit its export and check each identifiable parameter against the fit's 95% CI: the
    arrivals per week of each type (the hazard's without its hidden third), each grid's, the level shares, and
    the work time at the grid (grid workers always on duty: 签收 to 办结 is the service time).  Misses across
    all the intervals must be no more than a Binomial(n, 0.05) count reaches once in a thousand."""
    sc, recs = runs
    households = {g.id: g.households for g in sc.grids.list}
    total = sum(households.values())
    seen = dict(sc.issue_types)
    per_1000 = {k: it.rate_per_1000_households_per_week * (1 - it.hidden_share) for k, it in seen.items()}
    by_name = {it.label_zh: k for k, it in seen.items()}
    checked = missed = 0
    misses = []
    for k, rec in enumerate(recs):
        path = tmp_path / f"r{k}.csv"
        path.write_text(work_orders(rec, sc), encoding="utf-8")
        est = fit(path, tmp_path / f"fit{k}", scenario=TWIN, quiet=True).estimates
        assert {t["name_in_records"] for t in est["issue_types"].values()} == set(by_name)
        truths: list[tuple[str, list[float], float]] = []
        for t in est["issue_types"].values():
            key = by_name[t["name_in_records"]]
            it = seen[key]
            truths.append((f"{key} per week", t["arrivals_per_week"]["ci95"], per_1000[key] * total / 1000))
            shares = it.level if isinstance(it.level, dict) else {it.level: 1.0}
            truths += [(f"{key} share {lv}", t["level_share"][lv]["ci95"], shares.get(lv, 0.0))
                       for lv in ("grid", "community", "street", "department") if shares.get(lv, 0.0) > 0]
            if "grid" in t["work_hours"]:
                truths.append((f"{key} work at grid", t["work_hours"]["grid"]["ci95"], it.service_time.mean))
        for g, h in households.items():
            truths.append((f"{g} per week", est["grids"][g]["arrivals_per_week"]["ci95"], sum(per_1000.values()) * h / 1000))
        checked += len(truths)
        misses += [(k, what, ci, truth) for what, ci, truth in truths if not _covers(ci, truth)]
    missed = len(misses)
    allowed = stats.binom.ppf(0.999, checked, 0.05)
    assert checked >= 40 and missed <= allowed, misses


def test_the_work_order_templates_read_alike(tmp_path):
    """templates/work-orders-template.csv and .xlsx: the same six orders (two open, the departments named in two
    ways), none refused, grids those of templates/grids-template.csv; the workbook explains its columns."""
    from openpyxl import load_workbook

    from sim.fit.reading import read_records
    from sim.fit.rows import orders_from

    here = Path(__file__).parent.parent / "templates"
    got = {}
    for ext in ("csv", "xlsx"):
        o = orders_from(read_records(here / f"work-orders-template.{ext}"))
        got[ext] = (o.id, o.grid, o.type, o.level, o.reported.tolist(), np.isnan(o.resolved).tolist())
        assert len(o) == 6 and not o.refused and int(o.open.sum()) == 2
        assert o.level.count("department") == 2
    assert got["csv"] == got["xlsx"]
    with (here / "grids-template.csv").open(encoding="utf-8") as fh:
        assert set(got["csv"][1]) <= {r["id"] for r in csv.DictReader(fh)}
    book = load_workbook(here / "work-orders-template.xlsx")
    assert book.sheetnames == ["工单", "说明 notes"]
    explained = {r[0] for r in book["说明 notes"].iter_rows(min_row=2, values_only=True)}
    assert set(next(book["工单"].iter_rows(max_row=1, values_only=True))) <= explained
