"""Decisions over a plausible ensemble (issue 32, part 2): reading and refusing plausible.csv, choosing a spread
subset, compare --ensemble on an M/M/c queue whose answers are known (a fourth cadre lowers the wait in every
set; a policy identical to the reference differs by exactly 0 under common random numbers), the per-set
numbers against a paired t interval worked out here from replications.csv, the same results whatever the
workers and after --resume, and optimize --ensemble against Erlang C and against optimize run on each set alone."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from oracles import erlang_c
from sim import api
from sim.cli import main
from sim.experiments.ensemble import EnsembleError, ParameterSet, choose, load_ensemble, read_plausible
from sim.outputs.glossary import metric_label
from sim.outputs.plots.folder import Folder
from sim.outputs.report.findings import findings

ROOT = Path(__file__).resolve().parents[1]
MMC = (ROOT / "scenarios" / "validation" / "mmc.toml").read_text()
RATE = "issue_types.request.rate_per_1000_households_per_week"
POLICIES = """
[policies.baseline]
description = "three cadres, as the file has it"
[policies.more]
cadres.grid_workers.per_grid = 4
[policies.same]
description = "a policy that changes nothing: identical runs to baseline"
cadres.grid_workers.visits = false
"""
SHORT = [("calendar.horizon_days", 60), ("replications", 3)]
LAMBDAS = [2.0, 2.4, 2.6]  # arrivals per hour (one grid of 1,000 households: rate = 168 x lambda)


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "mmc.toml"
    path.write_text(MMC + POLICIES, encoding="utf-8")
    return path


def _plausible(tmp_path: Path, text: str, name: str = "plausible.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rates(tmp_path: Path, lambdas: list[float], name: str = "plausible.csv") -> Path:
    return _plausible(tmp_path, RATE + "\n" + "".join(f"{168 * x:g}\n" for x in lambdas), name)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- reading and refusing plausible.csv


def test_read_plausible_gives_one_set_per_row(tmp_path):
    p = _plausible(tmp_path, f"{RATE},visits.households_per_hour\n403.2,1.5\n 336 , 2\n")
    keys, sets = read_plausible(p)
    assert keys == [RATE, "visits.households_per_hour"]
    assert [(s.row, s.values) for s in sets] == [(1, {RATE: 403.2, "visits.households_per_hour": 1.5}),
                                                 (2, {RATE: 336, "visits.households_per_hour": 2})]
    assert sets[1].id == "set002" and sets[1].overrides() == [(RATE, 336), ("visits.households_per_hour", 2)]


@pytest.mark.parametrize("text,words", [
    ("", ["empty"]),
    (f"{RATE}\n", ["no rows"]),
    (f"{RATE};visits.households_per_hour\n403,2;1,5\n", ["header", "semicolon-separated", "must be comma-separated"]),
    (f"{RATE},{RATE}\n1,2\n", ["more than once", RATE]),
    ("rate per week\n1\n", ["column 1", "'rate per week'", "not a scenario key"]),
    (f"{RATE}\n403.2\nabc\n", ["row 2", f"column {RATE}", "'abc'", "not a finite number"]),
    (f"{RATE}\nnan\n", ["row 1", "'nan'"]),
    (f"{RATE},visits.households_per_hour\n1,2\n3\n", ["row 2", "1 value(s) for 2 column(s)"]),
])
def test_a_bad_plausible_csv_is_refused_naming_what_is_wrong(tmp_path, text, words):
    p = _plausible(tmp_path, text)
    with pytest.raises(EnsembleError) as e:
        read_plausible(p)
    assert str(p) in str(e.value)
    for w in words:
        assert w in str(e.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(EnsembleError, match="file not found"):
        read_plausible(tmp_path / "nope.csv")


@pytest.mark.parametrize("text,words", [
    (f"{RATE}\n403.2\n-5\n", ["row 2", f"column {RATE} = -5"]),  # a value the scenario refuses
    ("visits.no_such_field\n3\n", ["row 1", "column visits.no_such_field", "no_such_field"]),  # not a field
    ("visits.enabled\n1\n", ["column visits.enabled", "a true/false field", "numeric scenario fields only"]),
])
def test_the_command_line_refuses_what_the_scenario_refuses_with_exit_2(tmp_path, capsys, text, words):
    sc, p = _scenario(tmp_path), _plausible(tmp_path, text)
    code = main(["compare", str(sc), "--policies", "baseline,more", "--ensemble", str(p), "--replications", "2",
                 "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert str(p) in err
    for w in words:
        assert w in err
    assert not (tmp_path / "o" / "runs").exists()  # refused before running anything


def test_a_set_that_would_overwrite_a_set_option_is_refused(tmp_path, capsys):
    sc, p = _scenario(tmp_path), _rates(tmp_path, [2.0])
    code = main(["compare", str(sc), "--policies", "baseline,more", "--ensemble", str(p), "--set", f"{RATE}=300",
                 "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2 and f"--set {RATE}" in capsys.readouterr().err


def test_a_lever_on_a_column_of_the_ensemble_is_refused_naming_the_lever_and_the_file(tmp_path, capsys):
    p = _plausible(tmp_path, "cadres.grid_workers.per_grid\n3\n")
    code = main(["optimize", str(ROOT / "scenarios" / "validation" / "mmc.toml"), "--lever",
                 "cadres.grid_workers.per_grid=3:8:1", "--target", "wait_hours_mean<=0.5", "--ensemble", str(p),
                 "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--lever cadres.grid_workers.per_grid" in err and str(p) in err and "--set" not in err


# ---------------------------------------------------------------- choosing K of N sets


def test_every_set_is_run_when_k_is_at_least_their_number(tmp_path):
    p = _rates(tmp_path, [1.0, 2.0, 3.0])
    assert [s.row for s in load_ensemble(p, None, 1).sets] == [1, 2, 3]
    assert [s.row for s in load_ensemble(p, 5, 1).sets] == [1, 2, 3]


def test_a_subset_is_spread_over_the_ensemble_and_reproducible():
    """Three well-separated clumps of ten rows (two keys): three sets take one row from each clump, the same rows
    for the same seed."""
    rng = np.random.default_rng(0)
    centres = [(0.0, 0.0), (100.0, 5.0), (0.0, 10.0)]
    sets = [ParameterSet(i + 1, {"a": float(c[0] + rng.normal(0, 1)), "b": float(c[1] + rng.normal(0, 0.05))})
            for i, c in enumerate(x for x in centres for _ in range(10))]
    for seed in (1, 2, 3):
        chosen = choose(sets, ["a", "b"], 3, seed)
        assert sorted((s.row - 1) // 10 for s in chosen) == [0, 1, 2]
        assert chosen == choose(sets, ["a", "b"], 3, seed)
        assert len({s.row for s in chosen}) == 3


# ---------------------------------------------------------------- compare over an ensemble: a known answer


def _compare(tmp_path: Path, out: str, workers: int = 1, resume: bool = False, lambdas=LAMBDAS):
    return api.compare(_scenario(tmp_path), ["baseline", "more", "same"], ensemble=_rates(tmp_path, lambdas),
                       options=api.Options(overrides=SHORT, out=tmp_path / out, workers=workers, resume=resume))


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ens")
    return tmp, _compare(tmp, "c1", workers=1)


def test_a_fourth_cadre_lowers_the_wait_in_every_set_and_an_identical_policy_differs_by_exactly_zero(compared):
    tmp, res = compared
    e = json.loads((tmp / "c1" / "summary.json").read_text())["ensemble"]
    assert e["size"] == 3 and e["keys"] == [RATE] and e["reference"] == "baseline"
    assert [s["values"][RATE] for s in e["sets"]] == pytest.approx([168 * x for x in LAMBDAS])
    more = e["per_policy"]["more"]["wait_hours_mean"]
    # Erlang C: Wq(3) - Wq(4) is 0.36, 0.90 and 1.64 h at these loads: far outside a 3-replication CI's width
    assert {k: more[k] for k in ("better", "worse", "indistinguishable", "sets")} == \
        {"better": 3, "worse": 0, "indistinguishable": 0, "sets": 3}
    assert more["diff_max"] < 0
    same = e["per_policy"]["same"]
    for m, r in same.items():  # the very same runs: every difference is 0 in every replication of every set
        assert r["indistinguishable"] == r["sets"] == 3, m
        assert r["diff_min"] == r["diff_max"] == r["diff_mean"] == 0.0, m
    # with more load the fourth cadre saves more waiting (Erlang C: 0.36 < 0.90 < 1.64 h)
    by_set = {r["set"]: float(r["diff"]) for r in _rows(tmp / "c1" / "ensemble.csv")
              if r["policy"] == "more" and r["metric"] == "wait_hours_mean"}
    assert by_set["set001"] > by_set["set002"] > by_set["set003"]
    wq = [erlang_c(x, 1.0, 4)[1] - erlang_c(x, 1.0, 3)[1] for x in LAMBDAS]
    assert sorted(wq, reverse=True) == wq  # the oracle orders them the same way


def test_each_sets_difference_is_the_paired_t_interval_of_its_replications(compared):
    """The per-set numbers against a paired Student-t interval worked out here from replications.csv."""
    tmp, _ = compared
    reps = _rows(tmp / "c1" / "replications.csv")
    rows = {(r["set"], r["metric"]): r for r in _rows(tmp / "c1" / "ensemble.csv") if r["policy"] == "more"}
    for s in ("set001", "set002", "set003"):
        base = {r["replication"]: float(r["wait_hours_mean"]) for r in reps if r["set"] == s and r["policy"] == "baseline"}
        more = {r["replication"]: float(r["wait_hours_mean"]) for r in reps if r["set"] == s and r["policy"] == "more"}
        d = np.array([more[k] - base[k] for k in sorted(base)])
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
        got = rows[(s, "wait_hours_mean")]
        assert float(got["diff"]) == pytest.approx(d.mean())
        assert (float(got["diff_ci_lo"]), float(got["diff_ci_hi"])) == pytest.approx((d.mean() - half, d.mean() + half))
        assert got["verdict"] == ("better" if d.mean() + half < 0 else "worse" if d.mean() - half > 0
                                  else "indistinguishable")


def test_findings_say_the_counts_of_the_summary(compared):
    tmp, _ = compared
    f = Folder.load(tmp / "c1")
    assert f.variants == ["baseline", "more", "same"]  # the folder reads as one compare, pooled over the sets
    assert len([o for o in f.runs if o.variant == "more"]) == 9
    en, zh = findings(f, "en"), findings(f, "zh")
    assert en[0].startswith("Over 3 plausible parameter sets")
    mean = next(x for x in en if x.startswith("Mean resolution time, against baseline:"))
    assert "more is better in all 3 sets" in mean and "same is told apart from it in no set" in mean
    per = json.loads((tmp / "c1" / "summary.json").read_text())["ensemble"]["per_policy"]
    for m, r in per["more"].items():  # every count a sentence gives is the summary's (for the metrics it speaks of)
        said = [x for x in en if x.startswith(metric_label(m, "en")[:1].upper() + metric_label(m, "en")[1:] + ", against")]
        if r["better"] and said:
            n = "in all 3 sets" if r["better"] == r["sets"] else f"in {r['better']} of {r['sets']} sets"
            assert f"more is better {n}" in said[0], m
    assert all(r["indistinguishable"] == 3 for r in per["same"].values())
    assert not any(w in x for x in en for w in ("same is better", "same is worse", "same lowers", "same raises"))
    # 'more' is better than baseline in every set (above), and 'same' runs exactly as baseline: so it is ahead of both
    assert "More does best in all 3 sets, ahead of every other policy" in mean
    assert not any("**" in x or "(paired 95% CIs)" in x for x in en)  # the pooled compare findings are gone
    assert any("more在全部3个参数组中更优" in x for x in zh)


def test_each_policy_is_described_with_its_own_staffing_from_its_first_set(compared):
    """An ensemble folder keeps a policy's resolved scenario as set001-<policy> only: the report reads that one
    (it fell back to the base file's 3 grid workers for 'more', which has 4) and says which set it is."""
    from sim.outputs.report.sections import staffing

    tmp, _ = compared
    f = Folder.load(tmp / "c1")
    assert not (tmp / "c1" / "scenarios" / "more.resolved.toml").exists()
    text = {p: staffing(f, p, "en") for p in ("baseline", "more")}
    assert "3 grid workers per grid" in text["baseline"] and "4 grid workers per grid" in text["more"]
    assert f"as set in set001, the first parameter set; the sets change only {RATE}" in text["more"]


def test_the_figure_of_the_differences_is_drawn_in_both_languages(compared):
    tmp, _ = compared
    written = api.figures(tmp / "c1", lang="both")
    names = {p.name for p in written}
    assert {"ensemble-more.png", "ensemble-more.zh.png", "ensemble-same.png"} <= names


def test_the_same_results_whatever_the_workers(compared, tmp_path):
    tmp, _ = compared
    _compare(tmp_path, "c2", workers=2)
    a = json.loads((tmp / "c1" / "summary.json").read_text())["ensemble"]
    b = json.loads((tmp_path / "c2" / "summary.json").read_text())["ensemble"]
    assert {**a, "file": None} == {**b, "file": None}
    assert (tmp / "c1" / "ensemble.csv").read_text() == (tmp_path / "c2" / "ensemble.csv").read_text()


def test_resume_runs_only_what_is_missing_and_gives_the_same_results(compared, tmp_path):
    tmp, _ = compared
    shutil.copytree(tmp / "c1", tmp_path / "c1")
    shutil.copy(tmp / "plausible.csv", tmp_path / "plausible.csv")
    gone = tmp_path / "c1" / "runs" / "set002-more" / "r0001.json"
    gone.unlink()
    (tmp_path / "c1" / "summary.json").unlink()
    kept = {p: p.stat().st_mtime_ns for p in (tmp_path / "c1" / "runs").glob("*/r[0-9][0-9][0-9][0-9].json")}
    _compare(tmp_path, "c1", resume=True)
    assert gone.is_file()
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())  # nothing finished was run again
    assert (tmp_path / "c1" / "ensemble.csv").read_text() == (tmp / "c1" / "ensemble.csv").read_text()


def test_resume_with_another_ensemble_is_refused(compared, tmp_path, capsys):
    tmp, _ = compared
    shutil.copytree(tmp / "c1", tmp_path / "c1")
    sc, p = _scenario(tmp_path), _rates(tmp_path, [2.0, 2.4, 2.7], "other.csv")
    code = main(["compare", str(sc), "--policies", "baseline,more,same", "--ensemble", str(p), "--set",
                 "calendar.horizon_days=60", "--replications", "3", "--resume", str(tmp_path / "c1"), "--quiet"])
    assert code == 2 and "different command or scenario" in capsys.readouterr().err


# ---------------------------------------------------------------- optimize over an ensemble


OPT = dict(levers=["cadres.grid_workers.per_grid=1:12:1"], targets=["wait_hours_mean<=0.5"])
HARD = [2.4, 3.6]  # Erlang C: the fewest cadres for Wq <= 0.5 h are 4 (Wq 0.18 h) and 5 (Wq 0.29 h)


def _optimize(tmp_path: Path, out: str, **kw):
    return api.optimize(ROOT / "scenarios" / "validation" / "mmc.toml", OPT["levers"], OPT["targets"],
                        options=api.Options(overrides=kw.pop("overrides", []) + [("calendar.horizon_days", 60)],
                                            out=tmp_path / out, workers=2), **kw)


@pytest.mark.slow
def test_optimize_over_an_ensemble_covers_the_harder_set(tmp_path):
    """The cheapest deployment feasible in every set is the harder set's own optimum (optimize run on that set
    alone, and Erlang C); feasible in half the sets, the easier set's, with the harder set named as failing."""
    p = _rates(tmp_path, HARD)
    fewest = [next(c for c in range(int(x) + 1, 12) if erlang_c(x, 1.0, c)[1] <= 0.5) for x in HARD]  # stable c only
    assert fewest == [4, 5]
    alone = [_optimize(tmp_path, f"alone{i}", overrides=[(RATE, 168 * x)]).optimum.levers for i, x in enumerate(HARD)]
    assert alone == [{"cadres.grid_workers.per_grid": c} for c in fewest]
    every = _optimize(tmp_path, "every", ensemble=p)
    assert every.optimum.levers == alone[1]
    assert every.next_cheaper.levers == {"cadres.grid_workers.per_grid": 4}
    block = json.loads((tmp_path / "every" / "summary.json").read_text())["optimum"]["ensemble"]
    assert (block["size"], block["need"], block["failing_at_answer"]) == (2, 2, [])
    from sim.outputs.plots import Folder
    from sim.outputs.report.decisions import optimum

    said = next(x for x in optimum(Folder.load(tmp_path / "every"), "en") if x.startswith("The next cheaper"))
    assert "was not shown feasible in 2 of the 2 sets after" in said  # not 'infeasible': an open set counts against
    half = _optimize(tmp_path, "half", ensemble=p, ensemble_share=0.5)
    assert half.optimum.levers == alone[0]
    block = json.loads((tmp_path / "half" / "summary.json").read_text())["optimum"]["ensemble"]
    assert block["need"] == 1
    assert [(f["id"], f["row"], f["verdict"]) for f in block["failing_at_answer"]] == [("set002", 2, "infeasible")]


def test_optimize_refuses_a_bad_share_and_the_allocation_lever_with_exit_2(tmp_path, capsys):
    p = _rates(tmp_path, HARD)
    mmc = str(ROOT / "scenarios" / "validation" / "mmc.toml")
    for extra, words in [(["--ensemble-share", "1.5"], "--ensemble-share 1.5"),
                         (["--lever", "cadres.sunk.per_grid=0:3"], "per-grid allocation")]:
        lever = [] if "--lever" in extra else ["--lever", OPT["levers"][0]]
        code = main(["optimize", mmc, *lever, "--target", OPT["targets"][0], "--ensemble", str(p), *extra,
                     "--out", str(tmp_path / "o"), "--quiet"])
        assert code == 2 and words in capsys.readouterr().err


def test_the_command_line_prints_the_robustness_table(compared, tmp_path, capsys):
    """compare --ensemble on the command line (a resume of the finished folder: nothing runs again)."""
    tmp, _ = compared
    shutil.copytree(tmp / "c1", tmp_path / "c1")
    code = main(["compare", str(tmp / "mmc.toml"), "--policies", "baseline,more,same", "--ensemble",
                 str(tmp / "plausible.csv"), "--set", "calendar.horizon_days=60", "--set", "replications=3",
                 "--resume", str(tmp_path / "c1"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 replication(s) each in each of 3 parameter sets" in out
    row = next(line for line in out.splitlines() if line.startswith("more ") and " wait_hours_mean " in line)
    assert row.split()[3:6] == ["3/3", "0/3", "0/3"]  # better, worse, not distinguishable


def test_an_ensemble_optimum_is_plotted_and_reported_with_the_set_its_interval_comes_from(tmp_path, capsys):
    """The pooled mean need not lie in the hardest set's decision interval: the figure draws them apart (it used to
    fail on a negative error bar), and terminal, candidates.csv, summary and report name the set."""
    p = _rates(tmp_path, [2.4, 3.6])
    out = tmp_path / "o"
    code = main(["optimize", str(ROOT / "scenarios" / "validation" / "mmc.toml"), "--lever",
                 "cadres.grid_workers.per_grid=4:6:1", "--target", "wait_hours_mean<=0.5", "--ensemble", str(p),
                 "--replications", "5", "--set", "calendar.horizon_days=60", "--set", "calendar.warmup_days=7",
                 "--plot", "--out", str(out)])
    said = capsys.readouterr()
    text = said.out
    assert code == 0 and (out / "figures" / "optimize-wait_hours_mean.png").is_file()
    assert "size: 2 variant(s) x 5 replication(s) = 10 run(s)" in said.err  # a candidate's first stage in 2 sets
    rows = {r["cadres.grid_workers.per_grid"]: r for r in _rows(out / "candidates.csv")}
    five = rows["5"]
    assert five["chosen"] == "yes"
    lo, hi, mean = (float(five[f"wait_hours_mean_{k}"]) for k in ("decided_lo", "decided_hi", "mean"))
    assert not lo <= mean <= hi  # the case that crashed: the pooled mean outside the hardest set's interval
    assert five["wait_hours_mean_decided_set"] == "set002"  # the higher arrival rate: the harder set
    decision = json.loads((out / "summary.json").read_text())["optimum"]["decisions"][0]
    assert decision["set"] == "set002" and decision["interval"] == pytest.approx([lo, hi])
    assert "(set002, 5 replications)" in text and "all sets pooled" in text
    assert main(["report", str(out)]) == 0
    assert "in set002, the set where it is hardest to meet" in (out / "report.md").read_text()


def test_the_method_section_of_an_ensemble_folder_says_what_covers_the_parameters(compared, tmp_path):
    """Not 'only a comparison over an ensemble covers the parameters' in the very folder of one: the sets' counts do,
    and the pooled CIs are no district's."""
    from sim.outputs.report.uncertainty import covers

    tmp, _ = compared
    f = Folder.load(tmp / "c1")
    text = covers(f.scenario, "en", f.summary)
    assert "which only a comparison over an ensemble" not in text
    assert "robustness counts over the 3 plausible parameter sets" in text and RATE in text
    assert "not a confidence interval for any one district" in text
    assert "which only a comparison over an ensemble" in covers(f.scenario, "en", {})  # a one-scenario folder
    for command in ("sensitivity", "sweep"):  # a study that varies the parameters does not disown them
        text = covers(f.scenario, "en", {"command": command})
        assert "do not cover uncertainty in the parameters" not in text and "how much each matters" in text
        assert "各参数影响多大" in covers(f.scenario, "zh", {"command": command})
    opt = {"optimum": {"ensemble": {"keys": [RATE], "size": 2, "need": 2}}}
    assert "shown feasible in at least 2 of them" in covers(f.scenario, "en", opt)
    assert "none of them is a finding about one district" in findings(f, "en")[-1]


def test_a_size_beyond_the_files_rows_is_warned_of(compared, tmp_path, capsys):
    """--ensemble-size 5 on 3 rows runs the 3 (a resume of the finished folder: nothing runs again) and says so on
    stderr and in summary.json's warnings."""
    tmp, _ = compared
    shutil.copytree(tmp / "c1", tmp_path / "c1")
    assert load_ensemble(tmp / "plausible.csv", 3, 1).warnings() == []
    code = main(["compare", str(tmp / "mmc.toml"), "--policies", "baseline,more,same", "--ensemble",
                 str(tmp / "plausible.csv"), "--ensemble-size", "5", "--set", "calendar.horizon_days=60",
                 "--set", "replications=3", "--resume", str(tmp_path / "c1"), "--quiet"])
    said = f"--ensemble-size 5: {tmp / 'plausible.csv'} has only 3 parameter set(s); all 3 are run"
    assert code == 0 and said in capsys.readouterr().err
    assert said in json.loads((tmp_path / "c1" / "summary.json").read_text())["warnings"]


# ---------------------------------------------------------------- findings and figures set by set, never pooled


P90 = "resolution_hours_p90"
# per set, the paired differences (policy - baseline) of p90 resolution time in its 2 replications
SMALL = [(-1.0, -0.2), (-0.9, -0.3), (-1.1, -0.1)]  # no set tells it apart (t(1) is 12.7); pooled, t(5) does
SPLIT = [(-2.0, -2.1), (2.0, 2.1), (-0.1, 0.1)]  # better in set 1, worse in set 2, neither in set 3


def _constructed(tmp_path: Path) -> Folder:
    """A compare --ensemble folder built by hand: 3 sets of 2 replications, baseline at 50 + 10 i + r hours in set
    i, 'small' a little better in every set, 'split' better in one set and worse in another."""
    from sim.experiments.ensemble_compare import robustness
    from sim.experiments.results import summary_dict
    from sim.experiments.runs import RunOutcome
    from sim.experiments.statistics import paired_differences, summarize_metrics
    from sim.outputs.numbers import better

    def run(p: str, i: int, r: int, d: float) -> RunOutcome:
        return RunOutcome(p, 2 * i + r, 0, {P90: 50 + 10 * i + r + d, "cadre_hours_on_duty": 100.0})
    runs = {"baseline": [run("baseline", i, r, 0) for i in range(3) for r in range(2)],
            "small": [run("small", i, r, SMALL[i][r]) for i in range(3) for r in range(2)],
            "split": [run("split", i, r, SPLIT[i][r]) for i in range(3) for r in range(2)]}
    sets = [{"id": f"set00{i + 1}", "row": i + 1, "values": {RATE: 300 + i}} for i in range(3)]
    per_set = {s["id"]: {p: paired_differences(runs["baseline"][2 * i:2 * i + 2], runs[p][2 * i:2 * i + 2])
                         for p in ("small", "split")} for i, s in enumerate(sets)}
    summary = {"policies": list(runs), "reference": "baseline", "replications": 2,
               "by_policy": {p: {"metrics": summary_dict(summarize_metrics(r))} for p, r in runs.items()},
               "differences": {p: {"metrics": summary_dict(paired_differences(runs["baseline"], runs[p]))}
                               for p in ("small", "split")},
               "ensemble": {"file": str(tmp_path / "plausible.csv"), "rows": 3, "size": 3, "keys": [RATE], "sets": sets,
                            "replications_per_set": 2, "reference": "baseline",
                            "per_policy": robustness(per_set, ["small", "split"], better)}}
    return Folder(tmp_path, "compare", summary, {}, list(runs), [o for r in runs.values() for o in r])


def _t_verdict(ds: tuple[float, float]) -> str:
    d = np.array(ds)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return "better" if d.mean() + half < 0 else "worse" if d.mean() - half > 0 else "same"


def test_findings_give_the_per_set_truth_where_pooling_shows_a_difference_no_set_does(tmp_path):
    f = _constructed(tmp_path)
    # the case, worked out here: pooled over the 6 pairs 'small' is better (t(5)), in no set alone (t(1))
    pooled = np.array([d for ds in SMALL for d in ds])
    half = stats.t.ppf(0.975, 5) * pooled.std(ddof=1) / math.sqrt(6)
    assert pooled.mean() + half < 0 and [_t_verdict(x) for x in SMALL] == ["same"] * 3
    assert f.summary["differences"]["small"]["metrics"][P90]["ci95"][1] < 0  # the folder's pooled CI says so too
    assert [_t_verdict(x) for x in SPLIT] == ["better", "worse", "same"]
    for lang in ("en", "zh"):
        text = findings(f, lang)
        joined = "\n".join(text)
        assert "**" not in joined and "does best" not in joined and "最优：" not in joined  # no pooled best
        name = metric_label(P90, lang)
        p90 = next(x for x in text if x.lower().startswith(name.lower()))
        if lang == "en":
            assert "small is told apart from it in no set" in p90 and "split is better in 1 of 3 sets, worse in 1" in p90
            # set 1: split is best, but split - small is (-1.0, -1.9), a t(1) CI holding zero; sets 2 and 3: small
            # is best, and tells apart from baseline in neither
            assert "No policy is ahead of every other in any set" in p90
            assert "none of them is a finding about one district" in text[-1]
        else:
            assert "small在任何参数组中均无法区分" in p90 and "split在3个参数组中的1个里更优，在1个里更差" in p90
            assert "没有任何一组中有方案领先其他所有方案" in p90
            assert "均不是关于某一辖区的结论" in text[-1]
        # the pooled difference, as the compare findings would quote it, is quoted nowhere
        from sim.outputs.numbers import format_diff
        d = f.summary["differences"]["small"]["metrics"][P90]
        assert format_diff(P90, d["mean"], *d["ci95"], True, lang) not in joined


def test_every_pooled_figure_says_so_and_the_policies_figure_shows_each_set(compared, monkeypatch):
    """Over an ensemble, each figure drawn from the pooled runs carries the pooled-over-sets banner (both languages);
    the figures drawn set by set do not, and the policies figure has one dot per set at that set's mean, worked
    out here from replications.csv."""
    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.labels import SCALE

    tmp, _ = compared
    seen: dict[str, tuple[list[str], object]] = {}
    save = Figures.save

    def spy(self, fig, name, what, each=None, per_set=False):
        path = save(self, fig, name, what, each, per_set)
        texts = [t.get_text() for t in fig.texts] + [ax.get_title() for ax in fig.axes]
        seen[f"{name}.{self.lang}"] = (texts, fig)
        return path
    monkeypatch.setattr(Figures, "save", spy)
    api.figures(tmp / "c1", lang="both")
    banner = {"en": "Pooled over 3 plausible parameter sets", "zh": "合并3个合理参数组的全部运行"}
    assert {"ensemble-more.en", "policies.en", "differences.zh", "backlog-baseline.en"} <= set(seen)
    for key, (texts, _) in seen.items():
        name, lang = key.rsplit(".", 1)
        pooled = any(banner[lang] in t for t in texts)
        assert pooled == (not (name.startswith("ensemble-") or name == "policies")), key
    texts, fig = seen["policies.en"]
    assert any("Each policy in each of 3 plausible parameter sets" in t for t in texts)
    assert any("3个合理参数组中各方案的结果" in t for t in seen["policies.zh"][0])
    reps = _rows(tmp / "c1" / "replications.csv")
    m = "resolution_hours_mean"
    want = [np.mean([float(r[m]) for r in reps if r["set"] == s and r["policy"] == "more"]) * SCALE.get(m, 1.0)
            for s in ("set001", "set002", "set003")]
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith(metric_label(m, "en"))
    dots = [line for line in ax.get_lines() if line.get_marker() == "o" and set(line.get_ydata()) == {1}]
    assert len(dots) == 1 and list(dots[0].get_xdata()) == pytest.approx(want)


def test_the_report_of_an_ensemble_folder_gives_means_over_the_sets_not_pooled_cis(compared, tmp_path):
    from sim.outputs.report.ensemble_results import ensemble_key_table

    tmp, _ = compared
    f = Folder.load(tmp / "c1")
    table = ensemble_key_table(f, "en")
    row = next(r for r in table.rows if r[0] == metric_label("resolution_hours_mean", "en"))
    reps = _rows(tmp / "c1" / "replications.csv")
    per_set = [np.mean([float(r["resolution_hours_mean"]) for r in reps if r["set"] == s and r["policy"] == "more"])
               for s in ("set001", "set002", "set003")]
    from sim.outputs.numbers import format_value
    assert row[2] == (f"{format_value('resolution_hours_mean', np.mean(per_set))} "
                      f"({format_value('resolution_hours_mean', min(per_set))} to "
                      f"{format_value('resolution_hours_mean', max(per_set))})")
    assert "*" not in "".join(c for r in table.rows for c in r)
    # the report's figures: the per-set ones only, a difference figure per policy and then the means per set
    from sim.outputs.report.sections import telling_figures
    written = [tmp / "c1" / "figures" / f"{n}.png" for n in
               ("policies", "differences", "ensemble-more", "map-coverage-difference", "ensemble-same", "backlog-baseline")]
    assert [p.stem for p in telling_figures(f, written)] == ["ensemble-more", "ensemble-same", "policies"]


def test_the_workbook_has_each_sets_verdicts_and_says_what_it_pools(compared, tmp_path):
    import openpyxl
    from sim.outputs.excel import write_workbook

    tmp, _ = compared
    shutil.copytree(tmp / "c1", tmp_path / "c1")
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "c1", "en"))
    rows = list(wb["ensemble"].iter_rows(values_only=True))
    want = _rows(tmp / "c1" / "ensemble.csv")
    assert rows[0] == ("set", "row", "policy", "metric", "diff", "diff_ci_lo", "diff_ci_hi", "n", "verdict")
    assert [(r[0], r[2], r[3], r[8]) for r in rows[1:]] == [(w["set"], w["policy"], w["metric"], w["verdict"]) for w in want]
    given = [(r[4], float(w["diff"])) for r, w in zip(rows[1:], want) if w["diff"]]  # blank: no value in that set
    assert len(given) > len(want) / 2 and [a for a, _ in given] == pytest.approx([b for _, b in given])
    about = dict(r[:2] for r in wb["about"].iter_rows(values_only=True))
    assert "pool the runs of all 3 sets" in about["plausible parameter sets"]


def test_two_sets_read_as_both_not_all_2():
    from sim.outputs.report.ensemble_findings import _clause

    r = {"sets": 2, "better": 2, "worse": 0, "indistinguishable": 0, "diff_min": -0.2, "diff_max": -0.1,
         "diff_mean": -0.15}
    assert _clause("wait_hours_mean", r, "en").startswith("is better in both sets (")
    assert _clause("wait_hours_mean", {**r, "sets": 3, "better": 3}, "en").startswith("is better in all 3 sets (")
    assert "在全部2个参数组中" in _clause("wait_hours_mean", r, "zh")
