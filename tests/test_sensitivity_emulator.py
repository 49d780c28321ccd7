"""Sobol indices from an emulator (issue 32, part 3: ``sensitivity --method sobol --emulator``).

The analysis is checked on the Ishigami function, whose indices are known in closed form
(Ishigami & Homma 1990; Sobol' & Levitan 1999): with a = 7, b = 0.1 on [-pi, pi]^3,
V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8,
V13 = b^2 pi^8 (1/18 - 1/50), so S1 = (V1, V2, 0)/V and ST = (V1 + V13, V2, V13)/V.
The command is checked on a short M/M/c grid (scenarios/validation/mmc.toml).  The
comparison with brute-force Sobol on the simulation model is benchmarks/bench_emulator_sobol.py.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.decide.emulator import Diagnostics
from sim.decide.sensitivity import emulated
from sim.decide.sensitivity.factors import SFactor

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SHORT = ["--set", "calendar.horizon_days=10", "--set", "calendar.warmup_days=1"]
CADRES = "cadres.grid_workers.per_grid=3:6"  # c = 3..6 at rho 0.8..0.4: dominates the wait
PACE = "visits.households_per_hour=2:8"  # visits are off: the model never reads it


def ishigami_exact() -> tuple[np.ndarray, np.ndarray]:
    a, b, p = 7.0, 0.1, math.pi
    v1, v2, v13 = (1 + b * p**4 / 5) ** 2 / 2, a**2 / 8, b**2 * p**8 * (1 / 18 - 1 / 50)
    v = a**2 / 8 + b * p**4 / 5 + b**2 * p**8 / 18 + 0.5
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_the_exact_ishigami_indices_are_the_published_ones():
    s1, st = ishigami_exact()
    assert s1 == pytest.approx([0.314, 0.442, 0.0], abs=1e-3)
    assert st == pytest.approx([0.558, 0.442, 0.244], abs=1e-3)


def smaller_samples(monkeypatch) -> None:
    """Smaller Saltelli samples than the command's, to keep the tests fast (Monte Carlo error about 0.02)."""
    monkeypatch.setattr(emulated, "MEAN_SAMPLES", 2**11)
    monkeypatch.setattr(emulated, "DRAW_POINTS", 1300)


def test_emulator_sobol_of_a_product_term_from_10_points_per_factor(monkeypatch):
    # Y = x1 + 2 x2 + x1 x3 on [0, 1]^3; with u = x - 1/2: Y = c + 1.5 u1 + 2 u2 + 0.5 u3 + u1 u3, so
    # V1 = 1.5^2/12, V2 = 2^2/12, V3 = 0.5^2/12, V13 = 1/144 and V = their sum
    smaller_samples(monkeypatch)
    v1, v2, v3, v13 = 2.25 / 12, 4 / 12, 0.25 / 12, 1 / 144
    v = v1 + v2 + v3 + v13
    s1, st = np.array([v1, v2, v3]) / v, np.array([v1 + v13, v2, v3 + v13]) / v
    factors = [SFactor(k, "real", 0.0, 1.0) for k in ("x1", "x2", "x3")]
    x = emulated.design({"bounds": [[0, 1]] * 3}, 30, seed=5)
    ind, check = emulated.indices(factors, x, x[:, 0] + 2 * x[:, 1] + x[:, 0] * x[:, 2], 0.0, seed=5)
    assert check.passed
    for j, f in enumerate(factors):
        d = ind[f.key]
        assert d["S1"] == pytest.approx(s1[j], abs=0.03) and d["ST"] == pytest.approx(st[j], abs=0.03)
        assert d["S1_lo"] <= s1[j] <= d["S1_hi"] and d["ST_lo"] <= st[j] <= d["ST_hi"]


def test_emulator_sobol_recovers_the_ishigami_indices(monkeypatch):
    smaller_samples(monkeypatch)
    factors = [SFactor(f"x{i}", "real", -math.pi, math.pi) for i in range(3)]
    prob = {"bounds": [[f.low, f.high] for f in factors]}
    x = emulated.design(prob, 150, seed=1)  # Ishigami is bumpy: 50 points per factor, not 10
    ind, check = emulated.indices(factors, x, ishigami(x), 0.0, seed=1)
    assert check.passed
    s1, st = ishigami_exact()
    for j, f in enumerate(factors):
        d = ind[f.key]
        assert d["S1"] == pytest.approx(s1[j], abs=0.05)
        assert d["ST"] == pytest.approx(st[j], abs=0.05)
        # the emulator interval holds the truth
        assert d["S1_lo"] <= s1[j] <= d["S1_hi"]
        assert d["ST_lo"] <= st[j] <= d["ST_hi"]


def test_a_failed_leave_one_out_check_is_said_loudly():
    errors = Diagnostics(np.array([0.5] * 37 + [4.0, -4.0, 5.0]))  # 3 of 40 beyond 3: more than the 5% allowed
    check = emulated.Check(40, errors.outside, errors.max_abs, errors.passed)
    text = emulated.check_warning("wait_hours_mean", check)
    assert "FAILS ITS LEAVE-ONE-OUT CHECK" in text and "3 of 40" in text and "largest 5.0" in text
    ok = Diagnostics(np.array([0.5] * 38 + [4.0, -4.0]))
    assert emulated.check_warning("m", emulated.Check(40, ok.outside, ok.max_abs, ok.passed)) is None


def test_integer_factors_enter_the_emulator_as_the_model_sees_them():
    fs = [SFactor("c", "integer", 3.0, 6.0), SFactor("r", "real", 0.0, 1.0)]
    out = emulated._inputs(fs, np.array([[3.49, 0.25], [3.5, 0.5], [5.99, 0.75]]))
    assert out.tolist() == [[3.0, 0.25], [4.0, 0.5], [6.0, 0.75]]


def sensitivity(out: Path, *args: str, vary=(CADRES, PACE), reps: int = 2) -> int:
    argv = ["sensitivity", str(MMC), *SHORT, "--replications", str(reps), "--out", str(out), "--quiet",
            "--workers", "1", "--metric", "wait_hours_mean", *[a for v in vary for a in ("--vary", v)], *args]
    return main(argv)


def test_emulator_sobol_on_an_mmc_grid(tmp_path, capsys, monkeypatch):
    out = tmp_path / "em"
    assert sensitivity(out, "--method", "sobol", "--emulator") == 0
    printed = capsys.readouterr().out
    assert "emulator leave-one-out" in printed
    with open(out / "sensitivity.csv", newline="") as fh:
        r = csv.DictReader(fh)
        head, table = r.fieldnames, {row["factor"]: row for row in r}
    assert head == ["factor", "metric", "method", "S1", "S1_conf", "ST", "ST_conf", "S1_lo", "S1_hi", "ST_lo", "ST_hi"]
    assert {row["method"] for row in table.values()} == {"sobol-emulator"}
    cad, pace = table["cadres.grid_workers.per_grid"], table["visits.households_per_hour"]
    # the number of cadres is nearly all the wait's variance; the pace the model never reads, nearly none
    assert float(cad["ST_lo"]) > 0.8 and float(cad["S1"]) > 0.8
    assert float(pace["ST"]) < 0.05 and float(pace["ST_hi"]) < 0.1
    for row in table.values():
        assert float(row["S1_lo"]) <= float(row["S1_hi"]) and float(row["ST_lo"]) <= float(row["ST_hi"])
    s = json.loads((out / "summary.json").read_text())
    b = s["sensitivity"]
    assert b["method"] == "sobol-emulator" and s["design"] == "lhs"
    assert b["points"] == b["design_points"] == 20  # 10 per factor
    assert b["runs"] == 40
    d = b["emulator"]["diagnostics"]["wait_hours_mean"]
    assert d["points"] == 20 and isinstance(d["passed"], bool)
    assert len(list((out / "runs").iterdir())) == 20  # a folder per point
    from openpyxl import load_workbook  # the workbook's command line repeats --emulator and the design's size

    cells = [str(c) for row in load_workbook(out / "results.xlsx")["about"].values for c in row if c]
    assert any("--method sobol" in c and "--emulator --design-points 20" in c for c in cells)
    from sim.outputs.plots.canvas import Figures

    labels, save = {}, Figures.save
    monkeypatch.setattr(Figures, "save", lambda fg, fig, name, *a, **k: (labels.setdefault(
        (name, fg.lang), fig.axes[0].get_xlabel()), save(fg, fig, name, *a, **k))[1])
    for lang in ("en", "zh"):  # the report says where the indices come from, with the bars drawn
        assert main(["report", str(out), "--lang", lang]) == 0
    md, zh = (out / "report.md").read_text(), (out / "report.zh.md").read_text()
    assert "Gaussian-process emulator" in md
    assert (out / "figures" / "sensitivity-sobol-wait_hours_mean.png").exists()
    # the emulator's indices are of the expected output, not of the point means (which carry the noise)
    assert labels["sensitivity-sobol-wait_hours_mean", "en"] == "share of the variance of the expected output"
    assert labels["sensitivity-sobol-wait_hours_mean", "zh"] == "占期望输出方差的比例"
    # its leave-one-out check, in both languages, from summary.json; the method section says how the indices and
    # their interval were computed, not "over replications"
    x = f"{d['max_abs_standardized_error']:.1f}"
    assert f"{d['outside']} of 20 points beyond 3 standard errors, largest {x}" in md
    assert f"20个点中{d['outside']}个超出3个标准误，最大{x}" in zh
    assert "100 joint posterior draws of the emulator" in md and "代理模型100次联合后验抽样" in zh
    share = b["noise_share"]["wait_hours_mean"]
    assert 0 < share < 0.1 and "noise is 0% " not in md and "的0%" not in zh  # a small share keeps a digit
    assert f" {100 * share:.1f}% of the variance of the point means" in md


@pytest.mark.parametrize("vary,extra,needle", [
    ((CADRES, "dispatch.rule=own_grid,pooled"), ["--method", "sobol", "--emulator"], "dispatch.rule=own_grid,pooled"),
    ((CADRES,), ["--emulator"], "--method sobol"),
    ((CADRES,), ["--method", "sobol", "--design-points", "20"], "--design-points goes with --emulator"),
    ((CADRES,), ["--method", "sobol", "--emulator", "--samples", "64"], "--design-points P"),
    ((CADRES,), ["--method", "sobol", "--emulator", "--design-points", "2"], "at least 4"),
])
def test_bad_emulator_options_exit_2_naming_them(tmp_path, capsys, vary, extra, needle):
    assert sensitivity(tmp_path / "bad", *extra, vary=vary) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "bad" / "runs").exists()


def test_help_says_what_emulator_does_and_costs(capsys):
    with pytest.raises(SystemExit):
        main(["sensitivity", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--emulator" in text and "--design-points" in text and "instead of N(D+2)" in text
    assert "sobol-emulator" in text and "S1_lo, S1_hi, ST_lo, ST_hi" in text


def test_the_nugget_is_the_noise_common_random_numbers_do_not_share():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(200, 1)) * 5, rng.normal(size=(1, 4)) * 3  # point effects; noise shared by every point
    assert np.allclose(emulated.nugget(a + b), 0.0)  # all the replication noise is shared: none is the emulator's
    sd = np.where(np.arange(200) < 100, 0.5, 2.0)[:, None]  # heteroscedastic: kept per point
    v = emulated.nugget(a + b + rng.normal(size=(200, 4)) * sd)
    # the variance of a mean of K = 4 is sd^2 / 4; a point's estimate has 3 degrees of freedom (relative sd 0.82),
    # so the mean of 100 is within 25% (3 of its standard errors)
    assert np.mean(v[:100]) == pytest.approx(0.25 / 4, rel=0.25)
    assert np.mean(v[100:]) == pytest.approx(4.0 / 4, rel=0.25)
    assert emulated.nugget(np.ones((5, 1))) == 0.0  # K = 1: unknown


def test_emulator_sobol_of_an_mmc_grid_matches_erlang_c(tmp_path):
    """The simulation model itself: Sobol from an emulator of 30 points x 6 replications of 90 days is within the
    issue's ±0.05 of the exact indices of the expected wait and resolution time (Erlang C).  The setting is the
    benchmark's (benchmarks/bench_emulator_sobol.py), where 12 of 12 studies (6 seeds, 30 and 60 points) held,
    the largest difference 0.045, so this seed is not a lucky one; with 3 replications of 45 days (8 times the
    noise) 5 of 16 did not."""
    from oracles import mmc_sobol_exact

    box = [[3, 5], [200, 300], [0.8, 1.2]]
    keys = ["cadres.grid_workers.per_grid", "issue_types.request.rate_per_1000_households_per_week",
            "issue_types.request.service_time.mean"]
    out = tmp_path / "em"
    argv = ["sensitivity", str(MMC), "--set", "calendar.horizon_days=90", "--set", "calendar.warmup_days=10",
            "--replications", "6", "--out", str(out), "--quiet", "--workers", "1", "--method", "sobol", "--emulator",
            "--design-points", "30", "--metric", "wait_hours_mean", "--metric", "resolution_hours_mean"]
    for k, (lo, hi) in zip(keys, box):
        argv += ["--vary", f"{k}={lo}:{hi}"]
    assert main(argv) == 0
    with open(out / "sensitivity.csv", newline="") as fh:
        got = {(r["metric"], r["factor"]): r for r in csv.DictReader(fh)}
    for metric, (s1, st) in mmc_sobol_exact(box).items():
        for j, k in enumerate(keys):
            assert float(got[(metric, k)]["S1"]) == pytest.approx(s1[j], abs=0.05), (metric, k)
            assert float(got[(metric, k)]["ST"]) == pytest.approx(st[j], abs=0.05), (metric, k)


def test_one_factors_interval_is_clipped_to_the_shares_an_index_can_be():
    """With one factor S1 = ST = 1 exactly (it explains all the variance); the bootstrap of the draws spreads
    around 1, but an index is a share: its interval stays in [0, 1] and, here, reaches 1."""
    x = np.linspace(0.0, 1.0, 10)[:, None]
    out, _ = emulated.indices([SFactor("a", "real", 0.0, 1.0)], x, np.sin(3 * x[:, 0]) + 2.0, 1e-4, 5)
    a = out["a"]
    assert a["S1"] == pytest.approx(1.0, abs=0.02) and a["ST"] == pytest.approx(1.0, abs=0.02)
    for i in ("S1", "ST"):
        assert 0.0 <= a[f"{i}_lo"] <= a[f"{i}_hi"] <= 1.0
        assert a[f"{i}_hi"] == 1.0


def emulator_result(ind: dict, points: int = 20):
    """A Sensitivity of the emulator method on metric 'm' whose emulator passed its check."""
    from types import SimpleNamespace

    from sim.decide.sensitivity.command import Sensitivity

    check = emulated.Check(points, 0, 1.0, True)
    return Sensitivity("sobol", [], ["m"], {"m": ind}, {}, points, False, SimpleNamespace(replications=2),
                       emulator={"m": check})


def test_one_factor_that_explains_everything_is_no_sample_problem_with_the_emulator():
    """y = 1 + a, b ignored: the true S1 = ST of a is 1; the emulator's Saltelli estimate is 1 plus Monte Carlo error
    far below its bootstrap half-width, which is no problem of the design and no reason for more --samples."""
    from sim.decide.sensitivity import sensitivity_table
    from sim.decide.sensitivity.analysis import impossible
    from sim.decide.sensitivity.command import _warnings

    factors = [SFactor("a", "real", 0.0, 1.0), SFactor("b", "real", 0.0, 1.0)]
    x = emulated.design({"bounds": [[0, 1]] * 2}, 20, seed=1)
    ind, check = emulated.indices(factors, x, 1.0 + x[:, 0], 0.0, seed=1)
    a = ind["a"]
    assert check.passed and a["S1"] == pytest.approx(1.0, abs=a["S1_conf"]) and a["ST"] == pytest.approx(1.0, abs=a["ST_conf"])
    assert max(a["S1"], a["ST"]) > 1  # the case that misled: brute force's rule flags it
    assert impossible(ind)["a"][0]["kind"] == "above_one"
    s = emulator_result(ind)
    assert s.impossible("m") == {} and _warnings(s) == [] and "too small" not in sensitivity_table(s)


def test_an_emulator_index_above_one_beyond_its_interval_still_warns_with_the_emulator_s_remedy():
    from types import SimpleNamespace

    from sim.decide.sensitivity import sensitivity_table
    from sim.decide.sensitivity.command import Sensitivity, _warnings
    from sim.outputs.report.decisions import sensitivity as report

    ind = {"a": {"S1": 1.20, "S1_conf": 0.04, "ST": 1.02, "ST_conf": 0.03},  # 1.20 - 0.04 > 1; 1.02 - 0.03 is not
           "b": {"S1": 0.01, "S1_conf": 0.01, "ST": 0.02, "ST_conf": 0.01}}
    s = emulator_result(ind)
    assert [(p["index"], p["kind"]) for p in s.impossible("m")["a"]] == [("S1", "above_one"), ("S1", "above_total")]
    (w,) = _warnings(s)
    assert "S1 = 1.20 > 1 beyond its interval (±0.04)" in w and "--design-points (now 20) or --replications" in w
    assert "--samples" not in w
    assert "more --design-points or --replications" in sensitivity_table(s)
    # brute force on the same numbers: as before, both indices above 1 flagged, and more --samples
    brute = Sensitivity("sobol", [], ["m"], {"m": ind}, {}, 16, False, SimpleNamespace(replications=2))
    assert [p["text"] for p in brute.impossible("m")["a"]][:2] == ["S1 = 1.20 > 1", "ST = 1.02 > 1"]
    assert _warnings(brute)[0].endswith("use more --samples (and --replications)")
    block = {"method": "sobol-emulator", "factors": [{"key": "a"}, {"key": "b"}], "points": 20, "replications": 2,
             "indices": {"m": ind}, "ranking": {"m": ["a", "b"]}, "sample_too_small": {"m": s.impossible("m")}}
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": block}, scenario=None)
    en, zh = " ".join(report(f, "en")), " ".join(report(f, "zh"))
    assert "use more design points or replications" in en and "more samples" not in en
    assert "S1 = 1.20 > 1，超出其区间（±0.04）" in zh and "更多设计点或重复" in zh and "需要更多样本" not in zh
