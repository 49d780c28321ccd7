"""History matching (``calibrate --vary``): the implausibility formula, a deterministic toy whose non-implausible
region is known analytically, the command end to end (files, exit codes, resume), and the M/M/10 twin of
issue 32 (targets from the Erlang C formula)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.decide.history.implausibility import combine, implausibility, sd_target
from sim.decide.history.space import Box
from sim.decide.history.waves import TargetSpec, history_match
from sim.decide.sensitivity.factors import SFactor
from twin import MEAN, RATE, UTIL, WAIT, Twin


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- the formula by hand


def test_implausibility_by_hand():
    # z = 10, tolerance 0.2 -> sd_target = 0.2 * 10 / 2 = 1; Var_em 1 + Var_sim 2 + Var_target 1 = 4 -> I = 3 / 2
    assert sd_target(10.0, 0.2) == pytest.approx(1.0)
    assert implausibility(10.0, np.array([7.0]), np.array([1.0 + 2.0 + sd_target(10.0, 0.2) ** 2]))[0] == 1.5
    assert sd_target(-4.0, 0.5) == pytest.approx(1.0)  # |z|
    assert sd_target(0.0, 0.1) == pytest.approx(0.05)  # a zero target: the tolerance as an absolute error


def test_rules_combine_targets():
    i = np.array([[1.0, 4.0, 2.0], [5.0, np.nan, 0.5]])
    assert combine(i, "max").tolist() == [4.0, 5.0]
    assert combine(i, "second").tolist() == [2.0, 0.5]  # nan cannot rule out: counts as 0
    assert combine(np.array([[3.5]]), "second").tolist() == [3.5]  # one target: second falls back to max
    with pytest.raises(ValueError):
        combine(i, "mean")


# ---------------------------------------------------------------- a toy with a known answer


BOX = Box((SFactor("a", "real", 0.0, 2.0), SFactor("b", "real", 0.0, 2.0)))


def _toy(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x[:, 0] + x[:, 1], x[:, 0] - x[:, 1]])


def _simulate(wave: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _toy(x), np.zeros((len(x), 2))  # deterministic: no simulation variance


# a + b = 2 with sd 0.1 (tolerance 0.1), a - b = 0 with sd 0.05 (a zero target: tolerance 0.1 absolute, / 2)
TOY = [TargetSpec("sum", 2.0, 0.1), TargetSpec("diff", 0.0, 0.1)]


@pytest.mark.parametrize("rule", ["max", "second"])
def test_toy_region_is_the_analytic_one(rule):
    """Linear outputs are emulated exactly, so the region is |a + b - 2| < 3 x 0.1 and |a - b| < 3 x 0.05
    (rule max: both; rule second: either), whatever the waves."""
    h = history_match(BOX, TOY, _simulate, waves=2, runs_per_wave=15, replications=2, cutoff=3.0, rule=rule, seed=4)
    f = _toy(h.sample)
    margin = np.column_stack([0.3 - np.abs(f[:, 0] - 2.0), 0.15 - np.abs(f[:, 1])])
    want = (margin.min(axis=1) > 0) if rule == "max" else (margin.max(axis=1) > 0)
    clear = np.abs(margin).min(axis=1) > 1e-3  # points on the boundary may go either way
    assert np.array_equal(h.region.inside(h.sample)[clear], want[clear])
    assert h.waves[-1].plausible_share == pytest.approx(want.mean(), abs=0.002)
    got = _toy(h.plausible)
    ok = (np.abs(got[:, 0] - 2) < 0.3 + 1e-3) & (np.abs(got[:, 1]) < 0.15 + 1e-3)
    assert len(h.plausible) >= 15 and (ok.all() if rule == "max" else (ok | (np.abs(got[:, 1]) < 0.151)
                                                                      | (np.abs(got[:, 0] - 2) < 0.301)).all())
    if rule == "max":  # a = (sum + diff) / 2 spans 1 +- (0.3 + 0.15) / 2 = [0.775, 1.225]
        lo, hi = h.plausible[:, 0].min(), h.plausible[:, 0].max()
        assert 0.775 - 1e-3 <= lo < 0.85 and 1.15 < hi <= 1.225 + 1e-3


def test_toy_without_a_plausible_set_names_the_conflict():
    """Two targets on the same output (a + b = 2 and a + b = 3.5) cannot both hold: nothing is plausible,
    which is a finding naming both, not an error."""
    def simulate(wave, x):
        s = x.sum(axis=1)
        return np.column_stack([s, s]), np.zeros((len(x), 2))

    targets = [TargetSpec("low", 2.0, 0.1), TargetSpec("high", 3.5, 0.1)]
    h = history_match(BOX, targets, simulate, waves=3, runs_per_wave=20, replications=2, cutoff=3.0, rule="max",
                      seed=1)
    assert h.waves[-1].plausible_share == 0 and len(h.plausible) == 0
    assert set(h.conflicts()) == {"low", "high"}
    assert len(h.waves) == 1  # nothing left to design a second wave in


# ---------------------------------------------------------------- the command


def _small(tmp_path: Path) -> tuple[Path, Twin]:
    twin = Twin(8.0, 1.0)
    return twin.write(tmp_path / "twin.toml", horizon_days=4, warmup_days=1, tol_util=0.05, tol_wait=0.3), twin


def _cmd(path: Path, *extra: str) -> list[str]:
    return ["calibrate", str(path), *[a for v in Twin(8.0, 1.0).box() for a in ("--vary", v)], "--waves", "2",
            "--runs-per-wave", "8", "--replications", "2", "--workers", "1", "--quiet", *extra]


def test_cli_writes_the_history_match_folder(tmp_path, capsys):
    path, _ = _small(tmp_path)
    out = tmp_path / "o"
    assert main(_cmd(path, "--out", str(out))) == 0
    text = capsys.readouterr().out
    assert "wave 1: 8 point(s), 16 run(s)" in text and "wave 2:" in text
    keys = [RATE, MEAN]
    with (out / "plausible.csv").open() as f:
        assert next(csv.reader(f)) == keys
    points = _rows(out / "points.csv")
    assert list(points[0]) == ["wave", "point", *keys, UTIL, f"{UTIL}_var", f"I_{UTIL}", WAIT, f"{WAIT}_var",
                               f"I_{WAIT}", "I_max", "plausible"]
    assert [r["wave"] for r in points].count("1") == 8
    p = points[0]  # I by hand from the point's own mean and variance
    sd = 0.05 * 0.8 / 2
    i = abs(0.8 - float(p[UTIL])) / np.sqrt(float(p[f"{UTIL}_var"]) + sd**2)
    assert float(p[f"I_{UTIL}"]) == pytest.approx(i)
    waves = _rows(out / "waves.csv")
    assert [(r["wave"], r["target"]) for r in waves] == [("1", UTIL), ("1", WAIT), ("2", UTIL), ("2", WAIT)]
    imp = _rows(out / "implausibility.csv")
    assert len(imp) == 2000 and list(imp[0]) == [*keys, "I_max", "wave_ruled_out"]
    # the wave that ruled a point out found it at or above the cutoff; a point still in is below it
    assert all((float(r["I_max"]) >= 3) == (r["wave_ruled_out"] != "0") for r in imp)
    s = json.loads((out / "summary.json").read_text())
    hm = s["history_match"]
    assert s["command"] == "calibrate" and hm["cutoff"] == 3.0 and hm["rule"] == "max"
    # no CI pooled over the design points (different settings, not replications)
    assert s["metrics"] == {} and json.loads((out / "wave-2" / "summary.json").read_text())["metrics"] == {}
    assert set(hm["vary"]) == set(keys) and hm["targets"][UTIL]["sd_target"] == pytest.approx(sd)
    assert [w["wave"] for w in hm["waves"]] == [1, 2] and hm["plausible"] == len(_rows(out / "plausible.csv"))
    assert (out / "wave-1" / "points.csv").is_file() and (out / "wave-2" / "summary.json").is_file()
    # the results folder's contract at the top: the resolved scenario and every wave's replications
    assert (out / "scenario.resolved.toml").read_text() == (out / "wave-1" / "scenario.resolved.toml").read_text()
    reps = _rows(out / "replications.csv")
    assert list(reps[0])[:2] == ["wave", "point"] and len(reps) == 2 * 8 * 2  # 2 waves x 8 points x 2 replications
    assert [r["wave"] for r in reps].count("2") == 16
    for m in (UTIL, WAIT):  # each target's range over every point run, said against its sd_target
        r = max(float(p[m]) for p in points) - min(float(p[m]) for p in points)
        assert hm["targets"][m]["range_over_points"] == pytest.approx(r)
        t = hm["targets"][m]
        assert f"  {m}: range {r:.4g} vs sd_target {t['sd_target']:.4g}" in text
        assert ("cannot rule anything out" in text.split(f"  {m}: range")[1].split("\n")[0]) == (r <= t["sd_target"])


def test_cli_resume_finishes_the_same_history_match(tmp_path):
    path, _ = _small(tmp_path)
    out = tmp_path / "o"
    assert main(_cmd(path, "--out", str(out))) == 0
    before = {f: (out / f).read_text() for f in ("points.csv", "plausible.csv", "waves.csv")}
    shutil.rmtree(out / "wave-2" / "runs" / "p0003")  # as if interrupted in wave 2
    for f in before:
        (out / f).unlink()
    assert main(_cmd(path, "--resume", str(out))) == 0
    assert {f: (out / f).read_text() for f in before} == before
    assert main(_cmd(path, "--out", str(out))) == 2  # a folder holding a history match
    assert main([*_cmd(path, "--resume", str(out)), "--cutoff", "2"]) == 2  # another command's folder


@pytest.mark.parametrize("vary,words", [
    ("nothing.here=1:2", "not a numeric field"),
    (f"{MEAN}=2:1", "LO < HI"),
    (f"{MEAN}=1", "expected a range LO:HI"),
    ("dispatch.rule=own_grid,pooled", "not a list of levels"),
    ("issue_types.request.service_time.dist=1:2", "not a number"),
    (f"{MEAN}=-1:1.5", "its LO, -1.0, is not allowed: issue_types.request.service_time.mean = -1.0: must be greater"),
])
def test_bad_vary_exits_2_naming_it(tmp_path, capsys, vary, words):
    path, _ = _small(tmp_path)
    assert main(["calibrate", str(path), "--vary", vary, "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # refused before the folder is written


@pytest.mark.parametrize("extra,words", [(["--replications", "1"], "at least 2"),
                                         (["--waves", "0"], "--waves 0: must be at least 1"),
                                         (["--runs-per-wave", "1"], "--runs-per-wave 1: must be at least 2"),
                                         (["--cutoff", "-1"], "--cutoff -1: must be above 0")])
def test_bad_options_exit_2(tmp_path, capsys, extra, words):
    path, _ = _small(tmp_path)
    assert main(["calibrate", str(path), "--vary", f"{MEAN}=0.5:1.5", "--quiet", *extra]) == 2
    assert words in capsys.readouterr().err


@pytest.mark.parametrize("vary", [f"{MEAN}=0.5:1.5:0.1", MEAN])
def test_a_malformed_vary_is_not_told_to_list_levels(tmp_path, capsys, vary):
    """calibrate refuses lists of levels, so its message must not offer them (sensitivity's does)."""
    path, _ = _small(tmp_path)
    assert main(["calibrate", str(path), "--vary", vary, "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "LO:HI" in err and "levels" not in err and "a,b" not in err and "own_grid" not in err


def test_a_categorical_field_with_a_range_is_refused_without_advising_levels(tmp_path, capsys):
    path, _ = _small(tmp_path)
    assert main(["calibrate", str(path), "--vary", "dispatch.rule=0:1", "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "history matching needs a numeric field" in err and "list of levels, e.g." not in err


def test_a_set_on_a_varied_key_is_refused(tmp_path, capsys):
    path, _ = _small(tmp_path)
    assert main(["calibrate", str(path), "--vary", f"{MEAN}=0.5:1.5", "--set", f"{MEAN}=1.0", "--quiet",
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"--set {MEAN}" in err and "no effect" in err and not (tmp_path / "o" / "wave-1").exists()


@pytest.mark.parametrize("extra", [["--waves", "2"], ["--cutoff", "2"], ["--rule", "second"],
                                   ["--runs-per-wave", "5"]])
def test_history_options_without_vary_are_refused(tmp_path, capsys, extra):
    path, _ = _small(tmp_path)
    assert main(["calibrate", str(path), *extra, "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert extra[0] in err and "--vary" in err and not (tmp_path / "o").exists()


# ---------------------------------------------------------------- the twin (issue 32, done when)


@pytest.mark.slow
def test_mm10_twin_keeps_the_truth_and_pins_the_load(tmp_path):
    """M/M/10 with lambda = 8/h and mean work time 1 h (load 0.8): targets utilisation 0.8 and the Erlang C mean
    wait; arrival rate and work time unknown over 0.5x..1.5x the truth. The truth must stay non-implausible and
    every plausible set must have a load within 10% of 0.8."""
    from sim import api

    twin = Twin(8.0, 1.0)
    path = twin.write(tmp_path / "twin.toml")
    hm = api.calibrate_history(path, twin.box(), waves=3, runs_per_wave=25,
                               options=api.Options(replications=3, workers=2, out=tmp_path / "o", quiet=True))
    h = hm.history
    assert h.region.inside(np.array([[168 * twin.lam, twin.mean]]))[0]
    assert len(h.plausible) > 0
    loads = np.array([twin.point_load(r, m) for r, m in h.plausible])
    assert np.all(np.abs(loads / twin.load - 1) <= 0.10)
    assert h.waves[-1].plausible_share < 0.5  # the targets rule out most of the box


# ---------------------------------------------------------------- --records fit.json


def _fit_json(tmp_path: Path, levels: dict[str, tuple[int, int]] | None = None) -> Path:
    """fit.json's arrivals, and with ``levels`` (level: (orders, of which open)) its level shares as gridsim fit
    writes them; a type the scenario lacks has orders at every level, which must count nowhere."""
    doc = {"issue_types": {"request": {"arrivals_per_week": {"mean": 1344.0, "ci95": [1300.0, 1390.0]}},
                           "not_in_the_scenario": {"arrivals_per_week": {"mean": 5.0, "ci95": [4.0, 6.0]}}}}
    if levels is not None:
        for key, t in doc["issue_types"].items():
            counts = levels if key == "request" else {lv: (50, 0) for lv in ("grid", "community", "street", "department")}
            n = sum(k for k, _ in counts.values())
            t["level_share"] = {lv: {"mean": k / n, "ci95": [0.0, 1.0], "n": k} for lv, (k, _) in counts.items()}
            t["resolution_hours"] = {lv: {"n": k, "open": o} for lv, (k, o) in counts.items() if k}
    p = tmp_path / "fit.json"
    p.write_text(json.dumps(doc))
    return p


def test_records_give_an_arrivals_target_with_the_ci_as_tolerance(tmp_path):
    from sim.decide.history.records import records_targets
    from sim.scenario import load_scenario

    path, _ = _small(tmp_path)  # a 4-day horizon with 1 day of warm-up: a window of 3/7 weeks
    (t,) = records_targets(_fit_json(tmp_path), load_scenario(path)).targets
    assert t.metric == "reported_request" and t.value == pytest.approx(1344 * 3 / 7)
    assert t.tolerance == pytest.approx(45 / 1344)
    # read as a 95% band: sd_target = half-width / 2 of the window's count
    assert t.sd == pytest.approx(45 * 3 / 7 / 2)


def _wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson's 95% interval by its formula (Wilson 1927)."""
    z = 1.959963984540054
    p, z2 = k / n, z * z
    centre, half = (p + z2 / (2 * n)) / (1 + z2 / n), z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def test_records_give_the_district_s_level_shares_with_their_wilson_band(tmp_path):
    """request: 90 orders at the grid, 10 at the community of which 4 still open, none at the street or department:
    96 closed, 90 at the grid and 6 at the community; the other type's orders count nowhere.  The scenario resolves
    at the grid, community and street, so the department constrains nothing, and says so."""
    from sim.decide.history.records import records_targets
    from sim.scenario import load_scenario

    path, _ = _small(tmp_path)
    sc = load_scenario(path, overrides=[("issue_types.request.level", {"grid": 0.7, "community": 0.2, "street": 0.1})])
    got = records_targets(_fit_json(tmp_path, {"grid": (90, 0), "community": (10, 4)}), sc)
    by = {t.metric: t for t in got.targets}
    assert set(by) == {"reported_request", "resolved_share_grid", "resolved_share_community", "resolved_share_street"}
    for metric, k in (("resolved_share_grid", 90), ("resolved_share_community", 6)):
        lo, hi = _wilson(k, 96)
        t = by[metric]
        assert t.value == pytest.approx(k / 96) and t.evidence == "records"
        assert t.tolerance == pytest.approx((hi - lo) / 2 / (k / 96))
        assert t.sd == pytest.approx((hi - lo) / 4)  # the band read as 2 sd
    # none at the street: a zero target, its tolerance the absolute half-width of Wilson's [0, z^2 / (n + z^2)]
    z2 = 1.959963984540054**2
    assert by["resolved_share_street"].value == 0
    assert by["resolved_share_street"].tolerance == pytest.approx(z2 / (96 + z2) / 2)
    (note,) = got.unused
    assert "department (0 of 96 closed orders) constrains nothing" in note and "resolved_share_department" in note


def test_level_shares_that_no_one_metric_matches_constrain_nothing_and_say_so(tmp_path):
    from sim.decide.history.records import records_targets
    from sim.scenario import load_scenario

    path, _ = _small(tmp_path)
    fit = _fit_json(tmp_path, {"grid": (90, 0), "community": (10, 0)})
    # a police grid: the model counts its orders under resolved_share_police, the records at the grid
    police = load_scenario(path, overrides=[("cadres.police.count", 1), ("cadres.police.types", ["request"])])
    got = records_targets(fit, police)
    assert [t.metric for t in got.targets] == ["reported_request"]
    assert any("grid (90 of 100 closed orders) constrains nothing" in u and "resolved_share_police" in u
               for u in got.unused)
    # a type of the scenario the records lack: its shares would count issues the records cannot show
    other = load_scenario(path, overrides=[("issue_types.extra", {"rate_per_1000_households_per_week": 1.0,
                                                                  "service_time": {"dist": "fixed", "value": 1.0}})])
    got = records_targets(fit, other)
    assert [t.metric for t in got.targets] == ["reported_request"]
    assert got.unused == [f"--records {fit}: the level shares constrain nothing: mmc_twin has issue types the "
                          "records do not (extra), so its resolved_share_<level> counts issues the records cannot show"]


def test_cli_matches_the_records_targets_too(tmp_path, capsys):
    path, _ = _small(tmp_path)
    out = tmp_path / "o"
    args = _cmd(path, "--out", str(out), "--records", str(_fit_json(tmp_path, {"grid": (96, 0)})))
    args[args.index("--waves") + 1] = "1"
    assert main(args) == 0
    hm = json.loads((out / "summary.json").read_text())["history_match"]
    assert set(hm["targets"]) == {UTIL, WAIT, "reported_request", "resolved_share_grid"}
    assert {"I_reported_request", "I_resolved_share_grid"} <= set(_rows(out / "points.csv")[0])
    # the levels the twin has no metric for are said
    assert "community (0 of 96 closed orders) constrains nothing" in capsys.readouterr().err


def test_a_metric_both_the_scenario_and_the_records_target_keeps_the_records_one(tmp_path, capsys):
    """The twin's own [[targets]] gets a published count of requests (500, ±10%); the records give the same metric
    (1344 a week over the 3/7-week window, ±45/1344): one target is matched, the records', and the note, the block
    and the report say which was kept and which dropped."""
    from sim.outputs.report.document import markdown
    from sim.outputs.report.history import history_document

    path, _ = _small(tmp_path)
    path.write_text(path.read_text() + '\n[[targets]]\nmetric = "reported_request"\nvalue = 500\ntolerance = 0.1\n'
                    'source = "a yearbook"\n')
    out = tmp_path / "o"
    args = _cmd(path, "--out", str(out), "--records", str(_fit_json(tmp_path)))
    args[args.index("--waves") + 1] = "1"
    assert main(args) == 0
    text = capsys.readouterr().out
    hm = json.loads((out / "summary.json").read_text())["history_match"]
    assert list(hm["targets"]) == [UTIL, WAIT, "reported_request"]
    kept = hm["targets"]["reported_request"]
    assert kept["value"] == pytest.approx(1344 * 3 / 7) and kept["evidence"] == "records"
    assert kept["tolerance"] == pytest.approx(45 / 1344)
    assert hm["replaced"] == {"reported_request": {"value": 500, "tolerance": 0.1, "source": "a yearbook",
                                                   "evidence": "predicted"}}
    (note,) = hm["notes"]
    assert note.startswith("reported_request: the scenario's target 500 (tolerance 0.1; a yearbook) is dropped, "
                           f"the records' {1344 * 3 / 7:.6g}")
    assert f"note: {note}" in text
    # the points are judged against the records' value: I by hand from a point's own mean and variance
    p = _rows(out / "points.csv")[0]
    sd = 45 / 1344 * (1344 * 3 / 7) / 2
    assert float(p["I_reported_request"]) == pytest.approx(
        abs(1344 * 3 / 7 - float(p["reported_request"])) / np.sqrt(float(p["reported_request_var"]) + sd**2))
    for lang, words in (("en", "a yearbook) dropped"), ("zh", "舍弃场景的目标（500")):
        assert words in markdown(history_document(out, lang))


def test_records_over_another_period_than_the_run_s_window_are_said(tmp_path):
    """The twin's window: 3 days from 2024-01-02 (a day of warm-up from 2024-01-01), 3/7 weeks."""
    from sim.decide.history.records import records_targets
    from sim.scenario import load_scenario

    path, _ = _small(tmp_path)
    sc, fit = load_scenario(path), _fit_json(tmp_path)
    doc = json.loads(fit.read_text())
    for start, weeks, said in (("2024-01-02 00:00:00", 3 / 7, False), ("2024-01-02 00:00:00", 1.0, True),
                               ("2023-06-01 00:00:00", 3 / 7, True)):
        fit.write_text(json.dumps({**doc, "window": {"start": start, "weeks": weeks}}))
        unused = records_targets(fit, sc).unused
        assert any("match the records against a run over their own period" in u for u in unused) == said, start


def test_two_scenario_targets_on_one_metric_are_still_refused(tmp_path, capsys):
    path, _ = _small(tmp_path)
    path.write_text(path.read_text() + f'\n[[targets]]\nmetric = "{UTIL}"\nvalue = 0.5\ntolerance = 0.1\n')
    assert main(_cmd(path, "--out", str(tmp_path / "o"))) == 2
    assert f"[[targets]] name {UTIL} more than once" in capsys.readouterr().err


def test_a_target_at_a_place_a_one_day_run_misses_is_accepted(tmp_path):
    """1% of requests resolved at the department: a one-day trial run of 2 requests an hour resolves none there
    (its metrics lack resolved_share_department, 0.99^48 = 62% of the time), but the shares say the place exists."""
    from sim.decide.calibrate import available_metrics, resolving_places, target_metrics
    from sim.scenario import load_scenario

    path = Twin(2.0, 1.0).write(tmp_path / "twin.toml")
    sc = load_scenario(path, overrides=[("issue_types.request.level", {"grid": 0.99, "department": 0.01})])
    assert resolving_places(sc) == {"grid", "department"}
    names = set(target_metrics(sc))
    assert {"resolved_share_department", "resolution_hours_mean_department"} <= names
    assert set(available_metrics(sc)) <= names and "resolved_share_street" not in names
    police = load_scenario(path, overrides=[("cadres.police.count", 1), ("cadres.police.types", ["request"])])
    assert resolving_places(police) == {"grid", "police"}


@pytest.mark.parametrize("content,words", [("{not json", "not JSON"), ("[]", "no 'issue_types'"),
                                           ('{"issue_types": {"x": {}}}', "none of its issue types")])
def test_bad_records_exit_2(tmp_path, capsys, content, words):
    path, _ = _small(tmp_path)
    (tmp_path / "fit.json").write_text(content)
    assert main(["calibrate", str(path), "--vary", f"{MEAN}=0.5:1.5", "--records", str(tmp_path / "fit.json"),
                 "--quiet"]) == 2
    assert words in capsys.readouterr().err
    assert main(["calibrate", str(path), "--records", str(tmp_path / "fit.json"), "--quiet"]) == 2
    assert "goes with --vary" in capsys.readouterr().err


@pytest.mark.parametrize("entry,shown", [({}, "is missing"), ({"arrivals_per_week": {"mean": 1344.0}}, '{"mean": 1344.0}'),
                                         ({"arrivals_per_week": "x"}, 'is "x"'),
                                         ({"arrivals_per_week": {"mean": 1.0, "ci95": [2.0, 1.0]}}, "[2.0, 1.0]")])
def test_a_malformed_arrivals_entry_of_a_matched_type_exits_2_naming_it(tmp_path, capsys, entry, shown):
    """The type is the scenario's (request), so the entry is used: a bad one is named, never a KeyError (exit 1)
    nor 'none of its issue types (request) is an issue type of ... (request)'."""
    path, _ = _small(tmp_path)
    (tmp_path / "fit.json").write_text(json.dumps({"issue_types": {"request": entry}}))
    assert main(["calibrate", str(path), "--vary", f"{MEAN}=0.5:1.5", "--records", str(tmp_path / "fit.json"),
                 "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'fit.json'}: issue_types.request.arrivals_per_week is" in err and shown in err
    assert "none of its issue types" not in err and "internal error" not in err


@pytest.mark.parametrize("levels,named", [({"grid": {"n": "x"}}, 'level_share.grid is {"n": "x"}'),
                                          ({"grid": 5}, "level_share.grid is 5"),
                                          ({"grid": {"n": 2.5}}, 'level_share.grid is {"n": 2.5}')])
def test_a_malformed_level_count_exits_2_naming_it(tmp_path, capsys, levels, named):
    path, _ = _small(tmp_path)
    doc = {"issue_types": {"request": {"arrivals_per_week": {"mean": 1344.0, "ci95": [1300.0, 1390.0]},
                                       "level_share": levels}}}
    (tmp_path / "fit.json").write_text(json.dumps(doc))
    assert main(["calibrate", str(path), "--vary", f"{MEAN}=0.5:1.5", "--records", str(tmp_path / "fit.json"),
                 "--quiet", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"issue_types.request.{named}; expected" in err and "internal error" not in err


def test_cli_no_plausible_setting_is_a_finding(tmp_path, capsys):
    """Work times of 0.3 to 0.4 h at 8 arrivals an hour load 10 cadres 24-32%, never the target's 80%."""
    path, _ = _small(tmp_path)
    out = tmp_path / "o"
    assert main(["calibrate", str(path), "--vary", f"{MEAN}=0.3:0.4", "--waves", "2", "--runs-per-wave", "6",
                 "--replications", "2", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert "no plausible setting" in capsys.readouterr().out
    assert (out / "plausible.csv").read_text().splitlines() == [MEAN]
    hm = json.loads((out / "summary.json").read_text())["history_match"]
    assert hm["plausible"] == 0 and hm["ranges"] == {} and UTIL in hm["conflicts"]
