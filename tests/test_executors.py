"""Executors: the same numbers with 1 worker, 2 worker processes and a real Dask cluster;
one failing run does not sink a sweep, on any of them.

The Dask cluster is a real ``distributed.LocalCluster`` (a scheduler and two worker
processes on loopback), started by the tests and closed after them.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from sim import api
from sim.cli import main
from sim.experiments.executors import InlineExecutor, open_executor
from sim.experiments.runs import FAIL_ENV

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"


def local_cluster():
    return distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                    dashboard_address=":0", worker_dashboard_address=":0")


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as c:
        yield c


def cli(*args: object, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def workers_ran_sim(address: str) -> dict[str, bool]:
    """Whether each Dask worker process has imported the experiments module (it ran runs)."""
    with distributed.Client(address, timeout="10s") as client:
        return client.run(lambda: "sim.experiments.runs" in sys.modules)


# ---------------------------------------------------------------- open_executor


def test_open_executor_inline_for_one_worker_pool_for_more():
    with open_executor(1) as (ex, slots):
        assert isinstance(ex, InlineExecutor) and slots == 1
        assert ex.submit(pow, 2, 10).result() == 1024
        assert isinstance(ex.submit(int, "x").exception(), ValueError)  # errors come back in the future
    with open_executor(2) as (ex, slots):
        assert isinstance(ex, ProcessPoolExecutor) and slots == 2
        assert ex._mp_context.get_start_method() == "spawn"
        assert ex.submit(pow, 3, 3).result() == 27


def test_open_executor_on_a_dask_cluster_counts_its_threads(cluster):
    with open_executor(scheduler=cluster.scheduler_address) as (ex, slots):
        assert slots == 2
        assert ex.submit(pow, 2, 5).result() == 32


# ---------------------------------------------------------------- same numbers everywhere

SWEEP = dict(vary=["cadres.sunk.count=600,1000", "cadres.sunk.service_days=Wed,Mon+Thu"], replications=2,
             overrides=[("calendar.horizon_days", 50)])  # 4 points x 2 replications of baota, ~0.2 s a run


def test_sweep_results_identical_with_1_worker_2_workers_and_dask(tmp_path, cluster):
    outs = {"w1": tmp_path / "w1", "w2": tmp_path / "w2", "dask": tmp_path / "dask"}
    api.sweep(BAOTA, **SWEEP, workers=1, out=outs["w1"])
    api.sweep(BAOTA, **SWEEP, workers=2, out=outs["w2"])
    res = api.sweep(BAOTA, **SWEEP, scheduler=cluster.scheduler_address, out=outs["dask"])
    assert len(res.outcomes) == 8 and not res.failures
    ran = workers_ran_sim(cluster.scheduler_address)
    assert len(ran) == 2 and any(ran.values())  # the runs really went to the cluster's workers
    for name in ("replications.csv", "points.csv"):
        ref = (outs["w1"] / name).read_bytes()
        assert len(ref.splitlines()) > 4
        assert (outs["w2"] / name).read_bytes() == ref, name
        assert (outs["dask"] / name).read_bytes() == ref, name
    metrics = [json.loads((o / "summary.json").read_text())["points"] for o in outs.values()]
    assert metrics[0] == metrics[1] == metrics[2]


@pytest.mark.slow  # the API test above covers the fast set; this adds a separate client process
def test_cli_sweep_identical_with_2_workers_and_dask(tmp_path, cluster):
    """The same through the command line (a separate process as the client of the cluster)."""
    args = ["sweep", MMC, "--vary", "cadres.grid_workers.per_grid=3,4", "--vary",
            "issue_types.request.rate_per_1000_households_per_week=300,400", "--replications", "3",
            "--set", "calendar.horizon_days=30", "--quiet"]
    a = cli(*args, "--workers", "2", "--out", tmp_path / "w2")
    b = cli(*args, "--scheduler", cluster.scheduler_address, "--out", tmp_path / "dask")
    assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
    assert main([str(x) for x in args] + ["--workers", "1", "--out", str(tmp_path / "w1")]) == 0
    for name in ("replications.csv", "points.csv"):
        ref = (tmp_path / "w1" / name).read_bytes()
        assert (tmp_path / "w2" / name).read_bytes() == ref
        assert (tmp_path / "dask" / name).read_bytes() == ref
    assert a.stdout.split("results:")[0] == b.stdout.split("results:")[0]  # the printed tables too


@pytest.mark.slow  # Dask tries for its 10 s connect timeout before giving up
def test_unreachable_scheduler_exits_2_with_a_message(tmp_path):
    proc = cli("run", MMC, "--replications", "1", "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path / "o")
    assert proc.returncode == 2
    assert "--scheduler tcp://127.0.0.1:9" in proc.stderr and "cannot connect" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_workers_and_scheduler_together_exit_2(tmp_path, capsys):
    code = main(["run", str(MMC), "--workers", "2", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "o")])
    assert code == 2 and "--workers or --scheduler" in capsys.readouterr().err


# ---------------------------------------------------------------- one failing run

FAIL_KEY = "p0002/r0001"  # point p0002 (per_grid = 5), replication 1
FAIL_SWEEP = ["sweep", MMC, "--vary", "cadres.grid_workers.per_grid=3,4,5", "--replications", "3", "--set",
              "calendar.horizon_days=20", "--set", "calendar.warmup_days=10"]


@pytest.mark.parametrize("engine", ["inline", "processes", "dask"])
def test_one_failing_run_does_not_sink_the_sweep(tmp_path, monkeypatch, engine):
    monkeypatch.setenv(FAIL_ENV, FAIL_KEY)  # before any executor starts: spawned workers inherit it
    out = tmp_path / "out"
    if engine == "dask":
        with local_cluster() as c:  # started after the variable is set, so its workers have it
            proc = cli(*FAIL_SWEEP, "--scheduler", c.scheduler_address, "--out", out)
    else:
        proc = cli(*FAIL_SWEEP, "--workers", "1" if engine == "inline" else "2", "--out", out)
    assert proc.returncode == 1, proc.stderr
    # a clear summary: how many failed, which, why, and where the list is
    assert "1 run(s) failed; the others completed" in proc.stderr
    assert FAIL_KEY in proc.stderr and "injected failure" in proc.stderr and "failures.csv" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "results:" in proc.stdout and "p0002" in proc.stdout  # the table of what did finish
    fails = read_rows(out / "failures.csv")
    assert len(fails) == 1
    f = fails[0]
    assert (f["point"], f["replication"], f["seed"]) == ("p0002", "1", "1")
    assert "RuntimeError: injected failure" in f["error"] and FAIL_KEY in f["error"]
    rows = read_rows(out / "replications.csv")
    assert sorted((r["point"], r["replication"]) for r in rows) == sorted(
        (f"p{p:04d}", str(k)) for p in range(3) for k in range(3) if (p, k) != (2, 1))
    doc = json.loads((out / "summary.json").read_text())
    assert doc["runs_failed"] == 1
    assert doc["points"]["p0002"]["metrics"]["resolution_hours_mean"]["n"] == 2
    assert doc["points"]["p0002"]["params"] == {"cadres.grid_workers.per_grid": 5}
    run_files = sorted((out / "runs").glob("*/r*[0-9].json"))
    assert len(run_files) == 9  # the failed run is recorded too (with its error), to be retried

    # --resume without the fault finishes it (on another executor: the folder does not care) and exits 0
    monkeypatch.delenv(FAIL_ENV)
    before = {p: p.stat().st_mtime_ns for p in run_files if "p0002/r0001" not in str(p)}
    assert main([str(a) for a in FAIL_SWEEP] + ["--workers", "1", "--quiet", "--resume", str(out)]) == 0
    assert not (out / "failures.csv").exists()
    assert {p: p.stat().st_mtime_ns for p in before} == before  # the 8 good runs were not redone
    assert json.loads((out / "summary.json").read_text())["runs_failed"] == 0
    clean = tmp_path / "clean"
    assert main([str(a) for a in FAIL_SWEEP] + ["--workers", "1", "--quiet", "--out", str(clean)]) == 0
    assert (out / "replications.csv").read_bytes() == (clean / "replications.csv").read_bytes()
    assert (out / "points.csv").read_bytes() == (clean / "points.csv").read_bytes()


def test_shipped_dask_worker_settings_are_real_dask_keys_and_load_with_dask_config():
    """deploy/dask/gridsim.yaml (README: DASK_CONFIG=deploy/dask): a misspelt key would be ignored
    by Dask without a word, so every key must exist in Dask's defaults and take the file's value."""
    import dask
    import yaml

    def leaves(tree: dict, prefix: str = ""):
        for k, v in tree.items():
            yield from leaves(v, f"{prefix}{k}.") if isinstance(v, dict) else [(f"{prefix}{k}", v)]

    settings = dict(leaves(yaml.safe_load((ROOT / "deploy" / "dask" / "gridsim.yaml").read_text())))
    assert "distributed.worker.profile.enabled" in settings
    for key in settings:
        dask.config.get(key)  # KeyError if Dask has no such setting
    probe = "import json, dask, distributed; print(json.dumps({k: dask.config.get(k) for k in %r}))" % list(settings)
    env = {**os.environ, "DASK_CONFIG": str(ROOT / "deploy" / "dask")}
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                                       check=True).stdout)
    assert loaded == settings
