"""gridsim sensitivity (issue 14, "Global sensitivity"): SALib's Morris and Sobol on common random numbers.

Fast CLI-level tests on a short M/M/c grid (scenarios/validation/mmc.toml: one grid, c cadres
always on duty, exponential service, visits off); the longer checks are marked slow.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.decide.sensitivity.analysis import noise_share
from sim.decide.sensitivity.factors import parse_factor
from sim.experiments.designs import DesignError
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
SHORT = ["--set", "calendar.horizon_days=10", "--set", "calendar.warmup_days=1"]
CADRES = "cadres.grid_workers.per_grid=3:6"  # c = 3..6 at rho 0.8..0.4: dominates the wait
PACE = "visits.households_per_hour=2:8"  # visits are off: the model never reads it


def sensitivity(out: Path, *args: str, vary=(CADRES, PACE), metrics=("wait_hours_mean", "resolution_hours_mean"),
                reps: int = 2) -> int:
    argv = ["sensitivity", str(MMC), *SHORT, "--replications", str(reps), "--out", str(out), "--quiet",
            *[a for v in vary for a in ("--vary", v)], *[a for m in metrics for a in ("--metric", m)], *args]
    if "--workers" not in args and "--scheduler" not in args:
        argv += ["--workers", "1"]
    return main(argv)


def rows(out: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(out / "sensitivity.csv", newline="") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames or []), list(r)


def index(table: list[dict[str, str]], factor: str, metric: str) -> dict[str, str]:
    return next(r for r in table if r["factor"] == factor.split("=")[0] and r["metric"] == metric)


@pytest.fixture(scope="module")
def morris(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sens") / "morris"
    assert sensitivity(out, "--trajectories", "6") == 0
    return out


def test_an_ignored_factor_gets_exactly_zero(morris):
    head, table = rows(morris)
    for metric in ("wait_hours_mean", "resolution_hours_mean"):
        r = index(table, PACE, metric)
        assert float(r["mu_star"]) == 0.0 and float(r["sigma"]) == 0.0 and float(r["mu_star_conf"]) == 0.0
    block = json.loads((morris / "summary.json").read_text())["sensitivity"]
    assert block["indices"]["resolution_hours_mean"]["visits.households_per_hour"]["mu"] == 0.0


def test_the_cadre_count_dominates_the_wait_on_an_mmc_grid(morris):
    _, table = rows(morris)
    c, pace = index(table, CADRES, "wait_hours_mean"), index(table, PACE, "wait_hours_mean")
    assert float(c["mu_star"]) > 0 and float(c["mu_star"]) - float(c["mu_star_conf"]) > 0  # established
    assert float(c["mu_star"]) > float(pace["mu_star"])
    block = json.loads((morris / "summary.json").read_text())["sensitivity"]
    assert block["ranking"]["wait_hours_mean"] == ["cadres.grid_workers.per_grid", "visits.households_per_hour"]


def test_the_csv_columns_and_the_summary_block(morris):
    head, table = rows(morris)
    assert head == ["factor", "metric", "method", "mu_star", "mu_star_conf", "sigma"]
    assert {r["method"] for r in table} == {"morris"} and len(table) == 4
    s = json.loads((morris / "summary.json").read_text())
    b = s["sensitivity"]
    assert b["method"] == "morris" and b["trajectories"] == 6 and b["points"] == 6 * 3
    assert b["runs"] == 18 * 2 and b["replications"] == 2
    assert 0 <= b["noise_share"]["wait_hours_mean"] <= 1
    assert [f["kind"] for f in b["factors"]] == ["integer", "real"]
    # integer factors are whole numbers at every point
    assert all(isinstance(p["params"]["cadres.grid_workers.per_grid"], int) for p in s["points"].values())
    assert (morris / "points.csv").is_file() and (morris / "replications.csv").is_file()


def test_the_terminal_ranks_the_factors_with_cis_and_noise_share(tmp_path, capsys):
    assert sensitivity(tmp_path / "o", "--trajectories", "3", metrics=("wait_hours_mean",)) == 0
    text = capsys.readouterr().out
    assert "noise share" in text and "95% CI" in text
    lines = [x for x in text.splitlines() if x.strip().startswith(("1 ", "2 "))]
    assert "cadres.grid_workers.per_grid" in lines[0] and "visits.households_per_hour" in lines[1]


def test_sobol_ranks_right_and_an_ignored_factor_explains_nothing(tmp_path):
    out = tmp_path / "sobol"
    assert sensitivity(out, "--method", "sobol", "--samples", "8", metrics=("wait_hours_mean", "cadre_hours_on_duty")) == 0
    head, table = rows(out)
    assert head == ["factor", "metric", "method", "S1", "S1_conf", "ST", "ST_conf"]
    for metric in ("wait_hours_mean", "cadre_hours_on_duty"):
        c, pace = index(table, CADRES, metric), index(table, PACE, metric)
        assert float(pace["S1"]) == 0.0 and float(pace["ST"]) == 0.0
        assert float(c["ST"]) > 0
    # on-duty hours are c x 24 h x days: all of their variance is the cadre count's (N = 8 estimates it roughly)
    assert float(index(table, CADRES, "cadre_hours_on_duty")["ST"]) > 0.7
    b = json.loads((out / "summary.json").read_text())["sensitivity"]
    assert b["points"] == 8 * (2 + 2) and b["samples"] == 8


def test_the_number_of_runs_is_printed_before_starting(tmp_path, capsys):
    argv = ["sensitivity", str(MMC), *SHORT, "--replications", "2", "--out", str(tmp_path / "o"), "--workers", "1",
            "--vary", CADRES, "--vary", PACE, "--method", "sobol", "--samples", "4", "--second-order",
            "--metric", "wait_hours_mean"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "24 point(s) x 2 replication(s) = 48 run(s)" in err  # N(2D+2) = 4 x 6
    assert err.index("48 run(s)") < err.index("done")


@pytest.mark.parametrize("vary, extra, needle", [
    (["visits.no_such_field=1:2"], [], "no_such_field"),
    (["cadres.grid_workers.per_grid=5:3"], [], "LO < HI"),
    (["cadres.grid_workers.per_grid=3:5:1"], [], "LO:HI"),
    (["cadres.grid_workers.per_grid=a:b"], [], "finite numbers"),
    (["visits.enabled=0:1"], [], "true,false"),
    (["issue_types.request.service_time.mean=-2:1"], [], "its LO, -2.0, is not allowed: "
                                                          "issue_types.request.service_time.mean = -2.0: must be greater than 0"),
    (["issue_types.request.service_time.mean=0.5:1", "dispatch.rule=own_grid,nowhere"], [], "its level, 'nowhere', is not allowed"),
    ([CADRES, CADRES], [], "twice"),
    ([CADRES], ["--metric", "no_such_metric"], "no_such_metric"),
    ([CADRES], ["--replications", "auto"], "auto"),
    ([CADRES], ["--samples", "8"], "--method sobol"),
    ([CADRES], ["--method", "sobol", "--trajectories", "4"], "goes with --method morris"),
    ([CADRES], ["--trajectories", "4", "--samples", "8"], "not allowed with argument"),
    ([CADRES], ["--trajectories", "1"], "at least 2"),
])
def test_bad_input_exits_2_naming_it(tmp_path, capsys, vary, extra, needle):
    argv = ["sensitivity", str(MMC), *SHORT, "--out", str(tmp_path / "o"), "--workers", "1",
            *[a for v in vary for a in ("--vary", v)], *extra]
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own checks
        code = e.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "o" / "runs").exists()  # refused before any run


def test_resume_gives_identical_files(tmp_path, morris):
    part = tmp_path / "part"
    shutil.copytree(morris, part)
    for name in ("sensitivity.csv", "summary.json", "points.csv", "replications.csv"):
        (part / name).unlink()
    shutil.rmtree(part / "runs" / "p0003")
    (part / "runs" / "p0007" / "r0001.json").unlink()
    assert sensitivity(part, "--trajectories", "6") != 0  # --out on a folder with runs: refused
    code = main(["sensitivity", str(MMC), *SHORT, "--replications", "2", "--resume", str(part), "--quiet",
                 "--workers", "1", "--vary", CADRES, "--vary", PACE, "--metric", "wait_hours_mean",
                 "--metric", "resolution_hours_mean", "--trajectories", "6"])
    assert code == 0
    for name in ("sensitivity.csv", "summary.json", "points.csv", "replications.csv"):
        assert (part / name).read_bytes() == (morris / name).read_bytes(), name


def test_workers_1_and_2_give_identical_files(tmp_path, morris):
    out = tmp_path / "w2"
    assert sensitivity(out, "--trajectories", "6", "--workers", "2") == 0
    for name in ("sensitivity.csv", "points.csv", "replications.csv"):
        assert (out / name).read_bytes() == (morris / name).read_bytes(), name


def test_plot_and_report_of_a_sensitivity_folder(tmp_path, morris, capsys):
    folder = tmp_path / "m"
    shutil.copytree(morris, folder)
    assert main(["plot", str(folder)]) == 0
    assert (folder / "figures" / "sensitivity-morris-wait_hours_mean.png").is_file()
    assert main(["report", str(folder)]) == 0
    md = (folder / "report.md").read_text()
    assert "most influential factor is grid workers per grid" in md
    assert "Households visited per hour had no effect at all" in md


def test_plot_flag_draws_english_and_chinese(tmp_path):
    out = tmp_path / "p"
    assert sensitivity(out, "--trajectories", "2", "--plot", "--lang", "both", metrics=("wait_hours_mean",)) == 0
    assert (out / "figures" / "sensitivity-morris-wait_hours_mean.png").is_file()
    import openpyxl

    assert {"summary", "points", "replications", "about"} <= set(openpyxl.load_workbook(out / "results.xlsx").sheetnames)
    assert (out / "figures" / "sensitivity-morris-wait_hours_mean.zh.png").is_file()


def test_factor_kinds_come_from_the_scenario_field():
    sc = load_scenario(ROOT / "scenarios" / "baota.toml")
    assert parse_factor("cadres.sunk.count=800:1400", sc).kind == "integer"
    f = parse_factor("visits.households_per_hour=4:8", sc)  # written as whole numbers, still a real field
    assert f.kind == "real" and f.value(5.0) == 5.0 and isinstance(f.value(5.0), float)
    n = parse_factor("cadres.sunk.count=800:1400", sc)
    assert n.value(1000.5) == 1001 and n.value(1000.49) == 1000
    cat = parse_factor("dispatch.rule=own_grid,pooled", sc)
    assert cat.kind == "categorical" and (cat.low, cat.high) == (0.0, 2.0)
    assert [cat.value(x) for x in (0.0, 0.99, 1.0, 2.0)] == ["own_grid", "own_grid", "pooled", "pooled"]
    with pytest.raises(DesignError, match="one"):
        parse_factor("cadres.sunk.count=800.1:800.3", sc)


def test_noise_share():
    rng = np.random.default_rng(1)
    signal = np.arange(10.0)[:, None]
    assert noise_share(np.repeat(signal, 3, axis=1)) == 0.0  # no noise at all
    assert noise_share(signal + rng.normal(size=(1, 5))) == pytest.approx(0.0, abs=1e-12)  # shared (CRN) only
    assert math.isnan(noise_share(signal))  # one replication
    assert noise_share(rng.normal(size=(50, 4))) > 0.5  # pure noise
    assert noise_share(signal * 10 + rng.normal(size=(10, 4))) < 0.05


@pytest.mark.slow
def test_sobol_on_an_mmc_grid_with_more_samples(tmp_path):
    """c dominates the wait (most of its variance), the service mean matters less, the pace not at all."""
    out = tmp_path / "s"
    vary = ("cadres.grid_workers.per_grid=3:6", "issue_types.request.service_time.mean=0.9:1.0", PACE)
    argv_extra = ["--method", "sobol", "--samples", "32", "--workers", "2"]
    assert sensitivity(out, *argv_extra, vary=vary, metrics=("wait_hours_mean",), reps=3) == 0
    b = json.loads((out / "summary.json").read_text())["sensitivity"]
    ind = b["indices"]["wait_hours_mean"]
    assert b["ranking"]["wait_hours_mean"] == [v.split("=")[0] for v in vary]
    assert ind["cadres.grid_workers.per_grid"]["S1"] > 0.5
    assert ind["visits.households_per_hour"]["ST"] == 0.0
