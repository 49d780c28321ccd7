"""Experiments: common random numbers, auto replications, designs, warm-up check, progress output.

Fast by default (short horizons, few replications); the full-year warm-up check is
marked slow.  Commands go through ``sim.cli.main`` in-process where only files and
exit codes matter, and through a real ``python -m sim.cli`` subprocess where what
is printed on stderr (progress, stopping rule) is the subject.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim import api
from sim.cli import main
from sim.experiments.designs import DesignError, make_design, parse_vary
from sim.experiments.statistics import paired_differences, summarize
from sim.experiments.runs import replication_seed, variant_outcomes
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
BAOTA_SHORT = [("calendar.horizon_days", 60)]  # 42 days warm-up + 18 measured: ~0.2 s a run


def cli(*args: object, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def half_width(x: list[float]) -> float:
    x = np.asarray(x, float)
    return float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))


def mmc_with_policies(tmp_path: Path, extra: str = "") -> Path:
    """mmc.toml plus two policies: three cadres (as the file) and four."""
    text = MMC.read_text() + (
        "\n[policies.three]\ndescription = \"three cadres, as the file\"\ncadres.grid_workers.per_grid = 3\n"
        "\n[policies.four]\ndescription = \"one more cadre\"\ncadres.grid_workers.per_grid = 4\n" + extra)
    path = tmp_path / "mmc_policies.toml"
    path.write_text(text)
    return path


# ---------------------------------------------------------------- statistics basics


def test_summarize_is_mean_sample_std_and_student_t_interval():
    s = summarize([1.0, 2.0, 3.0, 4.0, float("nan")])  # NaN dropped
    assert s.n == 4 and s.mean == 2.5
    assert s.std == pytest.approx(math.sqrt(5 / 3))
    hw = 3.182446305284263 * math.sqrt(5 / 3) / 2  # t(0.975, 3) s / sqrt(n)
    assert s.ci95 == pytest.approx((2.5 - hw, 2.5 + hw))
    one = summarize([7.0])
    assert one.n == 1 and one.mean == 7.0 and math.isnan(one.ci95[0])


def test_replication_k_is_the_kth_child_of_the_root_whatever_n():
    root = np.random.SeedSequence(123)
    children = root.spawn(5)
    for k in (0, 3, 4):
        assert replication_seed(123, k).generate_state(4).tolist() == children[k].generate_state(4).tolist()
    assert replication_seed(123, 0).generate_state(4).tolist() != replication_seed(124, 0).generate_state(4).tolist()


# ---------------------------------------------------------------- common random numbers


def welch_half_width(a: list[float], b: list[float]) -> float:
    """Half-width of the unpaired (Welch) 95% CI of mean(b) - mean(a)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(stats.t.ppf(0.975, df) * math.sqrt(va + vb))


def test_crn_paired_ci_is_much_narrower_than_unpaired(tmp_path):
    """On the same runs, pairing replication k of two policies removes most of the noise.

    Measured (baota, 60-day horizon, 8 replications, file seed): paired / unpaired
    half-width of wait_hours_mean = 0.13 (staggered_days) and 0.14 (two_days); over
    seeds 1-3 it stayed within 0.08-0.19.  With independent seeds for the two
    policies (no CRN) the same ratio is 1.3-1.4.  A bound of 0.5 therefore has a wide
    margin both ways: it fails if replication k of the policies stops sharing its
    random numbers, and it does not fail by chance.
    """
    policies = ["baseline", "staggered_days", "two_days"]
    res = api.compare(BAOTA, policies, replications=8, workers=1, out=tmp_path / "cmp", overrides=BAOTA_SHORT)
    base = variant_outcomes(res.outcomes, "baseline")
    assert len(base) == 8
    for p in policies[1:]:
        other = variant_outcomes(res.outcomes, p)
        metric = "wait_hours_mean"
        paired = res.differences[p][metric]
        assert paired.n == 8
        a = [o.metrics[metric] for o in base]
        b = [o.metrics[metric] for o in other]
        assert paired.mean == pytest.approx(np.mean(b) - np.mean(a))
        unpaired = welch_half_width(a, b)
        ratio = paired.half_width / unpaired
        assert ratio < 0.5, f"{p}: paired half-width {paired.half_width:.4g} vs unpaired {unpaired:.4g}"
        # and the paired CI is what summary.json reports
        doc = json.loads((tmp_path / "cmp" / "summary.json").read_text())
        ci = doc["differences"][p]["metrics"][metric]["ci95"]
        assert ci == pytest.approx(list(paired.ci95))


def test_identical_policies_differ_by_exactly_zero(tmp_path):
    """A policy and an exact copy of it (another name) see the same issues: every metric, every replication."""
    path = tmp_path / "baota_copy.toml"
    path.write_text(BAOTA.read_text() + (
        "\n[policies.staggered_copy]\ndescription = \"the same as staggered_days\"\n"
        "cadres.sunk.service_days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]\ncadres.sunk.days_per_cadre = 1\n"))
    out = tmp_path / "cmp"
    res = api.compare(path, ["staggered_days", "staggered_copy"], replications=3, workers=1, out=out,
                      overrides=[("calendar.horizon_days", 50)])
    rows = read_rows(out / "replications.csv")
    by = {(r["policy"], r["replication"]): r for r in rows}
    metrics = [c for c in rows[0] if c not in ("policy", "replication", "seed")]
    assert len(metrics) >= 20 and len(rows) == 6
    for k in range(3):
        a, b = by[("staggered_days", str(k))], by[("staggered_copy", str(k))]
        for m in metrics:
            assert a[m] == b[m], (k, m)  # the same text, so the same float (or both empty)
    diffs = res.differences["staggered_copy"]
    assert set(diffs) == set(res.summaries["staggered_days"])
    for m, d in diffs.items():
        if d.n:  # a metric undefined in every replication (NaN) has no pairs
            assert d.mean == 0.0 and d.std == 0.0 and d.ci95 == (0.0, 0.0), m
    # paired_differences on its own: exact zeros, replication by replication
    same = paired_differences(variant_outcomes(res.outcomes, "staggered_days"),
                              variant_outcomes(res.outcomes, "staggered_copy"))
    assert all(d.mean == 0.0 for d in same.values() if d.n)


# ---------------------------------------------------------------- replications: the file's, fixed, auto


def test_replications_default_to_the_files(tmp_path):
    """Without --replications a command runs the file's 'replications' (mmc.toml: 20), not 'auto'."""
    out = tmp_path / "out"
    assert main(["run", str(MMC), "--set", "calendar.horizon_days=20", "--set", "calendar.warmup_days=2",
                 "--workers", "1", "--quiet", "--out", str(out)]) == 0
    doc = json.loads((out / "summary.json").read_text())
    assert doc["replications"] == 20
    assert json.loads((out / "command.json").read_text())["replications"] == 20
    assert len(read_rows(out / "replications.csv")) == 20


def checkpoints(stderr: str) -> list[int]:
    """The replication counts at which the stopping rule was checked: 10, then each 'going to N'."""
    return [10] + [int(n) for n in re.findall(r"going to (\d+) replications", stderr)]


def test_auto_replications_run_stops_at_the_precision_and_extends_a_fixed_run(tmp_path):
    out = tmp_path / "auto"
    short = ["--set", "calendar.horizon_days=60"]  # 50 measured days: needs 10 -> 24 -> 39 replications
    proc = cli("run", MMC, *short, "--replications", "auto", "--precision", "0.05", "--workers", "1",
               "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "summary.json").read_text())
    n = doc["replications"]
    checks = checkpoints(proc.stderr)
    assert len(checks) >= 2 and checks[-1] == n, proc.stderr  # it did go past the first 10
    m = doc["metrics"]["resolution_hours_mean"]
    assert m["n"] == n
    assert (m["ci95"][1] - m["ci95"][0]) / 2 <= 0.05 * abs(m["mean"])
    # the rule: not reached at any earlier check, reached at the last
    x = [float(r["resolution_hours_mean"]) for r in read_rows(out / "replications.csv")]
    assert len(x) == n
    for c in checks[:-1]:
        assert half_width(x[:c]) > 0.05 * abs(np.mean(x[:c])), c
    assert half_width(x) <= 0.05 * abs(np.mean(x))
    # replication k is the same as in a fixed-N run: the files are byte-equal
    fixed = tmp_path / "fixed"
    assert main(["run", str(MMC), *short, "--replications", str(n), "--workers", "1", "--quiet",
                 "--out", str(fixed)]) == 0
    assert (out / "replications.csv").read_bytes() == (fixed / "replications.csv").read_bytes()
    assert json.loads((fixed / "summary.json").read_text())["metrics"] == doc["metrics"]


def test_auto_replications_compare_reaches_the_precision_for_every_policy(tmp_path):
    path = mmc_with_policies(tmp_path)
    out = tmp_path / "auto"
    short = ["--set", "calendar.horizon_days=100"]  # 10 -> 20 replications
    proc = cli("compare", path, *short, "--replications", "auto", "--precision", "0.05", "--workers", "1",
               "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "summary.json").read_text())
    n = doc["replications"]
    assert len(checkpoints(proc.stderr)) >= 2 and checkpoints(proc.stderr)[-1] == n, proc.stderr
    for p in ("three", "four"):
        m = doc["by_policy"][p]["metrics"]["resolution_hours_mean"]
        assert m["n"] == n
        assert (m["ci95"][1] - m["ci95"][0]) / 2 <= 0.05 * abs(m["mean"]), p
    fixed = tmp_path / "fixed"
    assert main(["compare", str(path), *short, "--replications", str(n), "--workers", "1", "--quiet",
                 "--out", str(fixed)]) == 0
    assert (out / "replications.csv").read_bytes() == (fixed / "replications.csv").read_bytes()
    assert (out / "comparison.csv").read_bytes() == (fixed / "comparison.csv").read_bytes()


def test_auto_replications_stop_at_the_cap(tmp_path):
    out = tmp_path / "cap"
    proc = cli("run", MMC, "--set", "calendar.horizon_days=30", "--replications", "auto", "--precision", "0.001",
               "--max-replications", "12", "--workers", "1", "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "summary.json").read_text())
    assert doc["replications"] == 12 and doc["metrics"]["resolution_hours_mean"]["n"] == 12
    assert "not reached" in proc.stderr and "12" in proc.stderr
    assert len(read_rows(out / "replications.csv")) == 12


# ---------------------------------------------------------------- designs


ISSUE_EXAMPLE = ["cadres.sunk.count=600:1400:200", "cadres.sunk.service_days=Wed,Mon+Thu"]


def test_grid_design_is_the_full_factorial_in_a_stable_order():
    factors, points = make_design(ISSUE_EXAMPLE, "grid", None, seed=1)
    assert [f.values for f in factors] == [(600, 800, 1000, 1200, 1400), ("Wed", "Mon+Thu")]
    expected = [{"cadres.sunk.count": c, "cadres.sunk.service_days": d}
                for c in (600, 800, 1000, 1200, 1400) for d in ("Wed", "Mon+Thu")]
    assert points == expected  # first factor slowest, each factor in the order given
    assert make_design(ISSUE_EXAMPLE, "grid", None, seed=99)[1] == expected  # no randomness
    assert [p["cadres.sunk.count"] for p in make_design(["cadres.sunk.count=1:2:0.25"], "grid", None, 1)[1]] == \
        [1.0, 1.25, 1.5, 1.75, 2.0]


def test_grid_sweep_runs_every_point_with_its_values(tmp_path):
    out = tmp_path / "sweep"
    args = ["sweep", str(BAOTA), *sum((["--vary", v] for v in ISSUE_EXAMPLE), []), "--replications", "1",
            "--set", "calendar.horizon_days=44", "--set", "calendar.warmup_days=40",
            "--workers", "1", "--quiet", "--out", str(out)]
    assert main(args) == 0
    points = read_rows(out / "points.csv")
    assert [p["point"] for p in points] == [f"p{i:04d}" for i in range(10)]
    assert [(p["cadres.sunk.count"], p["cadres.sunk.service_days"]) for p in points] == \
        [(str(c), d) for c in (600, 800, 1000, 1200, 1400) for d in ("Wed", "Mon+Thu")]
    assert all(p["n"] == "1" for p in points)
    for i, (count, days) in enumerate((c, d) for c in (600, 800, 1000, 1200, 1400)
                                      for d in (["Wed"], ["Mon", "Thu"])):
        file = out / "scenarios" / f"p{i:04d}.resolved.toml"
        resolved = tomllib.loads(file.read_text())
        assert resolved["cadres"]["sunk"]["count"] == count
        assert resolved["calendar"]["horizon_days"] == 44  # the --set overrides too
        sc = load_scenario(file)  # the point's scenario, as run: Mon+Thu became ["Mon", "Thu"]
        assert sc.cadres.sunk.count == count and list(sc.cadres.sunk.service_days) == days, i
    doc = json.loads((out / "summary.json").read_text())
    assert doc["points"]["p0001"]["params"] == {"cadres.sunk.count": 600, "cadres.sunk.service_days": "Mon+Thu"}
    assert len(read_rows(out / "replications.csv")) == 10


def assert_stratified(values: list[float], lo: float, hi: float, step: float) -> None:
    """One value in each of the N equal strata of [lo, hi], up to the snap to STEP (at most step / 2)."""
    n = len(values)
    u = np.sort((np.asarray(values, float) - lo) / (hi - lo))
    tol = step / 2 / (hi - lo) + 1e-12
    for i, x in enumerate(u):
        assert i / n - tol <= x <= (i + 1) / n + tol, (i, x, n)


def test_lhs_gives_n_stratified_points_reproducible_for_a_seed():
    varies = ["cadres.sunk.count=600:1400:1", "visits.households_per_hour=1:3:0.001",
              "cadres.sunk.service_days=Wed,Mon+Thu,Tue+Fri,Sat"]
    for n in (4, 8, 13):
        factors, points = make_design(varies, "lhs", n, seed=20220801)
        assert len(points) == n
        counts = [p["cadres.sunk.count"] for p in points]
        assert all(isinstance(c, int) and 600 <= c <= 1400 for c in counts)
        assert_stratified(counts, 600, 1400, 1)
        assert_stratified([p["visits.households_per_hour"] for p in points], 1, 3, 0.001)
        days = [p["cadres.sunk.service_days"] for p in points]
        if n % 4 == 0:  # a list factor's values get equal strata: each value n/4 times
            assert sorted(days.count(v) for v in factors[2].values) == [n // 4] * 4
        assert make_design(varies, "lhs", n, seed=20220801)[1] == points  # reproducible
        assert make_design(varies, "lhs", n, seed=7)[1] != points  # and the seed matters


def test_lhs_sweep_from_the_command_line(tmp_path):
    out = tmp_path / "lhs"
    assert main(["sweep", str(MMC), "--vary", "cadres.grid_workers.per_grid=3:8:1",
                 "--vary", "issue_types.request.rate_per_1000_households_per_week=200:400:0.1",
                 "--design", "lhs", "--samples", "6", "--replications", "1", "--seed", "3",
                 "--set", "calendar.horizon_days=12", "--set", "calendar.warmup_days=2",
                 "--workers", "1", "--quiet", "--out", str(out)]) == 0
    points = read_rows(out / "points.csv")
    assert len(points) == 6
    assert_stratified([float(p["issue_types.request.rate_per_1000_households_per_week"]) for p in points],
                      200, 400, 0.1)
    assert_stratified([int(p["cadres.grid_workers.per_grid"]) for p in points], 3, 8, 1)
    assert json.loads((out / "summary.json").read_text())["design"] == "lhs"


@pytest.mark.parametrize("extra, needle", [
    (["--vary", "cadres.sunk.count"], "expected KEY=SPEC"),
    (["--vary", "=600,800"], "expected KEY=SPEC"),
    (["--vary", "cadres.sunk.count=1400:600:200"], "HI >= LO"),
    (["--vary", "cadres.sunk.count=600:1400:0"], "STEP > 0"),
    (["--vary", "cadres.sunk.count=a:b:c"], "LO:HI:STEP with numbers"),
    (["--vary", "cadres.sunk.count=600,,800"], "empty value"),
    (["--vary", "cadres.sunk.count=600,800", "--vary", "cadres.sunk.count=1,2"], "names a key twice"),
    (["--vary", "cadres.sunk.nonsense=1,2"], "cadres.sunk.nonsense"),
    (["--vary", "cadres.sunk.count=-5,800"], "cadres.sunk.count"),
    (["--vary", "cadres.sunk.count=600,800", "--design", "lhs"], "--samples"),
    (["--vary", "cadres.sunk.count=600,800", "--samples", "4"], "--design lhs"),
])
def test_bad_vary_exits_2_with_a_clear_message(tmp_path, capsys, extra, needle):
    code = main(["sweep", str(BAOTA), *extra, "--replications", "1", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and "gridsim: error" in err
    assert not (tmp_path / "out" / "runs").exists()  # nothing was run


def test_bad_vary_from_a_shell_has_no_traceback():
    proc = cli("sweep", BAOTA, "--vary", "cadres.sunk.count=1400:600:200", "--quiet")
    assert proc.returncode == 2 and "cadres.sunk.count=1400:600:200" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_parse_vary_values_are_read_like_set_values():
    assert parse_vary("a.b=600:1000:200").values == (600, 800, 1000)
    assert parse_vary("a.b=0.5:1:0.25").values == (0.5, 0.75, 1.0)
    assert parse_vary("a.b=1,2.5,x").values == (1, 2.5, "x")
    with pytest.raises(DesignError):
        parse_vary("a.b=1:2:-1")


# ---------------------------------------------------------------- warm-up check

TRANSIENT = """\
name = "transient"
description = "M/M/3 overloaded for its first 15 days (rho 1.2), then rho 0.6: a strong initial transient"
seed = 1
replications = 3

[calendar]
start = 2024-01-01
horizon_days = 90
warmup_days = 0

[grids]
list = [{ id = "G1", households = 1000 }]

[issue_types.request]
rate_per_1000_households_per_week = 302.4   # 1.8 an hour; 3 cadres at 1 an hour each: rho 0.6
service_time = { dist = "exponential", mean = 1.0 }

[cadres.grid_workers]
per_grid = 3
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
start_hour = 0
end_hour = 24
visits = false

[visits]
enabled = false

[wartime]
trigger = "off"

[[emergencies]]
name = "surge"
start = 0
duration_days = 15
wartime = false
multipliers = { request = 2.0 }   # rho 1.2 for 15 days: a backlog of ~200 that takes weeks to clear
"""


def test_warmup_check_warns_on_a_strong_initial_transient(tmp_path, capsys):
    path = tmp_path / "transient.toml"
    path.write_text(TRANSIENT)
    out = tmp_path / "out"
    assert main(["run", str(path), "--replications", "3", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "MSER-5" in err and "warmup_days" in err and "warning" in err
    check = json.loads((out / "summary.json").read_text())["warmup_check"]["base"]
    assert check["long_enough"] is False and check["warmup_days"] == 0
    assert check["mser5_median_days"] >= 15  # at least the surge itself


def test_warmup_check_is_quiet_for_baota(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(BAOTA), "--policy", "baseline", "--replications", "3", "--set",
                 "calendar.horizon_days=120", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert "MSER-5" not in capsys.readouterr().err
    check = json.loads((out / "summary.json").read_text())["warmup_check"]["baseline"]
    assert check["long_enough"] is True and check["warmup_days"] == 42


@pytest.mark.slow
def test_warmup_check_is_quiet_for_baota_over_the_full_year_for_every_policy(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(BAOTA), "--replications", "3", "--workers", "2", "--quiet", "--out", str(out)]) == 0
    assert "MSER-5" not in capsys.readouterr().err
    checks = json.loads((out / "summary.json").read_text())["warmup_check"]
    policies = tomllib.loads(BAOTA.read_text())["policies"]
    assert set(checks) == set(policies) and all(c["long_enough"] for c in checks.values()), checks


# ---------------------------------------------------------------- progress output

MMC_QUICK = ["--set", "calendar.horizon_days=30", "--replications", "5", "--workers", "1"]  # no warm-up warning


def test_quiet_prints_nothing_on_stderr(tmp_path):
    proc = cli("run", MMC, *MMC_QUICK, "--quiet", "--out", tmp_path / "q")
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert "resolution_hours_mean" in proc.stdout  # the results still go to stdout


def test_progress_without_a_terminal_is_plain_lines(tmp_path):
    proc = cli("run", MMC, *MMC_QUICK, "--out", tmp_path / "p")
    assert proc.returncode == 0
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("gridsim: ") for line in lines), proc.stderr
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr  # no bar, no terminal codes
    assert re.search(r"runs \d+/5 done", proc.stderr)
    assert "runs 5/5 done" in lines[-1]


def test_progress_on_a_terminal_is_a_bar(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    try:
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", str(MMC), *MMC_QUICK,
                                 "--out", str(tmp_path / "t")], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=60) == 0
    finally:
        os.close(master)
    text = b"".join(chunks).decode(errors="replace")
    assert "5/5" in text and "100%|" in text, text  # tqdm: "100%|####| 5/5 [...]"
    assert "runs 5/5 done" not in text  # the bar, not the plain lines


def test_progress_follows_a_redirected_stderr(tmp_path):
    """Progress goes to sys.stderr as it is when the command runs (redirect_stderr, notebooks, capsys)."""
    from contextlib import redirect_stderr

    buf = io.StringIO()
    with redirect_stderr(buf):
        api.run(MMC, replications=3, workers=1, out=tmp_path / "r", quiet=False,
                overrides=[("calendar.horizon_days", 30)])
    assert "runs 3/3 done" in buf.getvalue()
