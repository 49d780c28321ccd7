"""gridsim fit on an export made outside gridsim from a known truth (tests/fit_export.py): it recovers the
truth, refuses exactly the bad rows, and writes a scenario that runs.

Sizes: 52 weeks of about 70-80 orders per type per week, so every tolerance below is at least three standard
errors wide (worked out at each check): a fresh seed fails one of them with a chance well under 1%.
"""

from __future__ import annotations

import csv
import json
import tomllib

import numpy as np
import pytest

from datetime import timedelta

from fit_export import HEADER, HOUR_WEIGHTS, START, TRUTH, WEEKS, make_export
from sim.fit import fit
from sim.fit.dates import parse_datetime
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fit")
    export = make_export()
    path = folder / "工单导出.csv"
    path.write_text(export.csv_text(), encoding="utf-8-sig")  # with a BOM, as Excel's "CSV UTF-8" saves it
    res = fit(path, folder / "out", quiet=True)
    by_name = {t["name_in_records"]: t for t in res.estimates["issue_types"].values()}
    return export, res, by_name


def test_arrivals_per_week_within_5_percent(fitted):
    # a type's count over 52 weeks is Poisson with mean >= 3640: relative SE <= 1/sqrt(3640) = 1.7%, so 5% is 3 SE
    _, _, by_name = fitted
    for t in TRUTH:
        a = by_name[t.name]["arrivals_per_week"]
        assert a["mean"] == pytest.approx(t.per_week, rel=0.05), t.name
        assert a["ci95"][0] < a["mean"] < a["ci95"][1]
        # the CI's half-width is that of a Poisson count: 1.96 sqrt(N) / weeks (widened only if over-dispersed)
        assert (a["ci95"][1] - a["ci95"][0]) / 2 == pytest.approx(1.96 * np.sqrt(a["count"]) / WEEKS, rel=0.1)


def test_level_shares_within_0_05(fitted):
    # binomial SE <= sqrt(0.25 / 3640) = 0.008 per share: 0.05 is six SE
    _, _, by_name = fitted
    for t in TRUTH:
        shares = by_name[t.name]["level_share"]
        for lv in ("grid", "community", "street", "department"):
            assert shares[lv]["mean"] == pytest.approx(t.levels.get(lv, 0.0), abs=0.05), (t.name, lv)
            assert shares[lv]["ci95"][0] <= shares[lv]["mean"] <= shares[lv]["ci95"][1]


def test_resolution_and_work_means_recovered(fitted):
    # the smallest cells: dispute at the street (about 550 orders, cv 0.7: relative SE 0.7/sqrt(550) = 3%) and
    # consultation at the community (about 620, cv 0.8: 3.2%): 10% is three SE.  Long cases: 1450-2200 orders a
    # fifth of them open; the fit's own CI is about +-5.5% (SE 2.8%), so 15% is five SE
    _, _, by_name = fitted
    for t in TRUTH:
        long = t.name == "房屋安全隐患"
        for lv, (_, work_mean, _) in t.work.items():
            res = by_name[t.name]["resolution_hours"][lv]
            work = by_name[t.name]["work_hours"][lv]
            assert res["mean"] == pytest.approx(t.resolution_mean(lv), rel=0.15 if long else 0.10), (t.name, lv)
            assert work["mean"] == pytest.approx(work_mean, rel=0.15 if long else 0.10), (t.name, lv)
            assert res["ci95"][0] < res["mean"] < res["ci95"][1] and res["p90"] > res["mean"]


def test_censoring_matters_on_long_cases(fitted):
    """About a fifth of the long cases are open at the export; the mean of the closed ones alone is about
    20% too low, while the censored fit is within 15%."""
    _, res, by_name = fitted
    long = next(t for t in TRUTH if t.name == "房屋安全隐患")
    for lv in long.work:
        e = by_name[long.name]["resolution_hours"][lv]
        assert 0.12 < e["open"] / e["n"] < 0.3, lv
        naive_low = 1 - e["mean_closed_only"] / long.resolution_mean(lv)
        assert 0.12 < naive_low < 0.35, (lv, naive_low)
        assert abs(e["mean"] / long.resolution_mean(lv) - 1) < naive_low / 2  # the fit is much closer
    assert res.rows["open"] == sum(e["open"] for t in by_name.values() for e in t["resolution_hours"].values())


def test_exactly_the_bad_rows_are_refused(fitted):
    export, res, _ = fitted
    with open(res.out / "refused.csv", encoding="utf-8-sig", newline="") as fh:
        refused = {int(r["row"]): r["reason"] for r in csv.DictReader(fh)}
    assert set(refused) == set(export.refused)
    for row, word in export.refused.items():
        assert word in refused[row], (row, refused[row])
    good = [r for i, r in enumerate(export.rows) if i + 2 not in export.refused]
    assert res.rows == {"total": len(export.rows), "used": len(good), "refused": len(export.refused),
                        "open": sum(r[7] == "" for r in good)}
    doc = json.loads((res.out / "fit.json").read_text(encoding="utf-8"))
    assert doc["rows"] == res.rows
    for t in doc["issue_types"].values():
        assert set(t) >= {"name_in_records", "arrivals_per_week", "level_share", "resolution_hours", "work_hours"}
        for e in t["resolution_hours"].values():
            assert set(e) >= {"dist", "mean", "ci95", "p90", "n", "open"}


def test_fitted_scenario_loads_with_the_records_rates(fitted):
    _, res, by_name = fitted
    sc = load_scenario(res.out / "fitted.toml")
    households = sum(g["households"] for g in tomllib.loads((res.out / "fitted.toml").read_text())["grids"]["list"])
    assert len(sc.grids.ids()) == 12
    for key, it in sc.issue_types.items():
        t = res.estimates["issue_types"][key]
        assert it.label_zh == t["name_in_records"]
        weekly = it.rate_per_1000_households_per_week * households / 1000
        assert weekly == pytest.approx(t["arrivals_per_week"]["mean"], rel=1e-4)
        assert sum(it.level.values()) == pytest.approx(1.0)
    assert sc.issue_types["consultation"].service_time.mean_value == pytest.approx(
        by_name["政策咨询"]["work_hours"]["grid"]["mean"], rel=1e-3)


def test_gridsim_runs_the_fitted_scenario(fitted, tmp_path):
    from sim.cli import main

    _, res, _ = fitted
    code = main(["run", str(res.out / "fitted.toml"), "--replications", "1", "--quiet", "--out", str(tmp_path / "run"),
                 "--set", "calendar.horizon_days=14", "--set", "calendar.warmup_days=2",
                 "--set", "calendar.drain_days=3"])
    assert code == 0
    assert (tmp_path / "run" / "summary.json").is_file()


def test_hourly_profile_recovered(fitted):
    # the truth's hour weights 1 (0-7 h), 4 (7-18 h), 2 (18-24 h), rescaled to mean 1; over each band the
    # records hold >= 1,200 reports (relative SE <= 2.9%), so 10% is over three SE
    _, res, _ = fitted
    truth = HOUR_WEIGHTS / HOUR_WEIGHTS.mean()
    got = np.asarray(res.estimates["profile"]["hour"])
    for band in (slice(0, 7), slice(7, 18), slice(18, 24)):
        assert got[band].mean() == pytest.approx(truth[band].mean(), rel=0.10), band


def test_over_dispersion_is_found_when_weeks_differ_and_not_otherwise():
    # 60 weeks of Poisson counts at 50 a week: the ratio is about 1 (chi-square test p well above 0.001);
    # a rate drawn per week from a gamma with cv 0.4 gives a ratio near 1 + 50 * 0.16 = 9
    from sim.fit.arrivals import Window, dispersion, per_week

    rng = np.random.default_rng(5)
    w = Window(0.0, 60 * 168.0, 0)
    for rates, over in ((np.full(60, 50.0), False), (rng.gamma(1 / 0.16, 50 * 0.16, 60), True)):
        times = np.concatenate([k * 168 + rng.uniform(0, 168, rng.poisson(r)) for k, r in enumerate(rates)])
        d = dispersion(times, w)
        assert d.df == 59
        assert (d.p < 0.001) == over and (d.ratio > 4) == over
        ci = per_week(times, w, d)["ci95"]
        half = (ci[1] - ci[0]) / 2 / (len(times) / 60)  # relative half-width
        poisson = 1.96 / np.sqrt(len(times))
        assert half == pytest.approx(poisson * (np.sqrt(d.ratio) if over else 1), rel=0.05)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_says_what_censoring_changed(fitted, lang):
    from sim.outputs.report.document import markdown
    from sim.outputs.report.fit_report import fit_document

    _, res, by_name = fitted
    text = markdown(fit_document(res.out, lang))
    e = by_name["房屋安全隐患"]["resolution_hours"]["department"]
    low = f"{100 * (1 - e['mean_closed_only'] / e['mean']):.0f}%"
    line = next(x for x in text.splitlines() if ("部门" if lang == "zh" else "at the department") in x and low in x)
    assert f"{e['mean_closed_only']:,.0f}" in line and f"{e['mean']:,.0f}" in line
    assert "hidden_share" in text and ("## 结论" if lang == "zh" else "## Findings") in text


def test_an_export_filtered_by_report_date_is_not_under_counted(tmp_path):
    """A platform's export of 'orders reported in the first quarter' holds resolutions long after the quarter:
    arrivals are counted over the reports' span (13 weeks), not up to the latest time in the file."""
    export = make_export(seed=7)
    kept = [r for r in export.rows if r[0].startswith("GD") and r[5]
            and parse_datetime(r[5]) < START + timedelta(weeks=13)]
    path = tmp_path / "q1.csv"
    text = ",".join(HEADER) + "\r\n" + "".join(",".join(r) + "\r\n" for r in kept)
    path.write_text(text, encoding="utf-8-sig")
    res = fit(path, tmp_path / "out", quiet=True)
    for t in TRUTH:
        a = [x for x in res.estimates["issue_types"].values() if x["name_in_records"] == t.name][0]
        # about 13 x 70 = 910 orders: relative SE 3.3%, so 12% is over 3 SE
        assert a["arrivals_per_week"]["mean"] == pytest.approx(t.per_week, rel=0.12), t.name


def test_a_busier_grid_gets_its_weight(tmp_path):
    """Keep every order of the first grid and a third of the others': per household the first grid has three times
    the others' orders, and the fitted scenario's issue_weight says so (within three standard errors)."""
    export = make_export(weeks=26)
    first = export.rows[0][3]
    keep = [r for k, r in enumerate(export.rows) if r[3] == first or k % 3 == 0 or r[0] == "合计"]
    path = tmp_path / "orders.csv"
    path.write_text(type(export)(keep).csv_text(), encoding="utf-8")
    res = fit(path, tmp_path / "out", quiet=True)
    grids = tomllib.loads((res.out / "fitted.toml").read_text(encoding="utf-8"))["grids"]["list"]
    w = {g["id"]: g["issue_weight"] for g in grids}
    others = np.mean([v for k, v in w.items() if k != first])
    n_first = res.estimates["grids"][first]["arrivals_per_week"]["count"]  # about 1,000 orders: 3% error
    assert w[first] / others == pytest.approx(3.0, rel=3 / np.sqrt(n_first) + 0.03)
    # the district's total is unchanged: weights average 1 over households (all equal here)
    assert np.mean(list(w.values())) == pytest.approx(1.0, rel=1e-3)


def test_a_level_with_too_few_closed_orders_gets_the_censored_exponential_estimate():
    from sim.fit.censored import Durations
    from sim.fit.fitted import _service

    open_only = Durations(np.array([10.0, 30.0, 20.0]), np.array([False, False, False]))
    one_closed = Durations(np.array([10.0, 30.0, 20.0]), np.array([True, False, False]))
    entry = {"grid": {"dist": "exponential", "mean": 2.0, "n": 50, "open": 0},
             "street": {"dist": None, "n": 3, "open": 3, "mean_exponential": open_only.exponential_mean()},
             "community": {"dist": None, "n": 3, "open": 2, "mean_exponential": one_closed.exponential_mean()}}
    t = {"level_share": {"grid": {"mean": 0.8, "n": 50}, "community": {"mean": 0.1, "n": 3},
                         "street": {"mean": 0.1, "n": 3}},
         "work_hours": {}, "resolution_hours": entry}
    warnings: list[str] = []
    out = _service("x", t, warnings)
    # censored exponential MLE: all hours over the closed count (60 / 1); with none closed, as if one were
    assert out["service_time_by_level"]["community"] == {"dist": "exponential", "mean": 60.0}
    assert out["service_time_by_level"]["street"] == {"dist": "exponential", "mean": 60.0}
    assert any("0 closed order(s)" in w and "errs long" in w for w in warnings)
