"""The deciding commands' words checked against the numbers they describe (issue 29, section 5).

Each case is a constructed result whose numbers are known by hand: the terminal's text and the
report's sentences must say what those numbers show, and nothing they do not.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.decide.optimize import optimization_text
from sim.decide.optimize.command import Optimization, decisions, optimum_block
from sim.decide.optimize.feasibility import Check, looks, t_quantile
from sim.decide.optimize.problem import make_problem
from sim.decide.optimize.search import Candidate
from sim.decide.select import Selection, run_selection
from sim.decide.selection_run import BestPolicy, selection_block, selection_text
from sim.decide.sensitivity.analysis import impossible
from sim.experiments.statistics import summarize
from sim.outputs.report.decisions import optimum, selection, sensitivity

# ---------------------------------------------------------------- optimize


def checked(name: str, level: int, values: list[float], problem, beta: float) -> Candidate:
    """A candidate of the lever value ``level`` whose check saw ``values`` of the one target metric, in order."""
    c = Candidate(name, {"cadres.sunk.count": level}, "bisection", 0)
    c.check = Check(problem.targets, beta, n0=10, max_reps=10)  # one look: the check decides at 10
    for v in values:
        c.check.add([v])
    return c


def optimization(next_values: list[float]) -> Optimization:
    """coverage_mean >= 0.9.  The answer: ten values 0.95 +- 0.01 (shown met).  The next cheaper: ``next_values``."""
    problem = make_problem(["cadres.sunk.count=100:200:100"], ["coverage_mean>=0.9"], "cadre_hours_on_duty", 0.95)
    beta = 0.05
    best = checked("c200", 200, [0.95 + 0.01 * (-1) ** i for i in range(10)], problem, beta)
    cheaper = checked("c100", 100, next_values, problem, beta)
    metrics = {c.name: {"coverage_mean": summarize(v), "cadre_hours_on_duty": summarize([cost] * 10)}
               for c, v, cost in ((best, [0.95 + 0.01 * (-1) ** i for i in range(10)], 2000.0),
                                  (cheaper, next_values, 1000.0))}
    return Optimization(problem, [best, cheaper], best, None, cheaper, metrics, Path("/tmp/x"), 20, 1, "s", 1)


# the next cheaper's ten values: mean 0.91, sd 0.0316 (alternating 0.88 / 0.94): its plain 95% CI
# 0.91 +- 2.262 * 0.0316 / sqrt(10) = [0.887, 0.933] straddles 0.9, and so does the check's interval
STRADDLING = [0.88, 0.94] * 5


def test_hand_computed_decision_interval():
    res = optimization(STRADDLING)
    (d,) = decisions(res.next_cheaper)
    sd = float(np.std(STRADDLING, ddof=1))
    half = t_quantile(1 - 0.05 / len(looks(10, 10)), 9) * sd / math.sqrt(10)
    assert (d.low, d.high) == pytest.approx((0.91 - half, 0.91 + half))
    assert d.status == "open" and d.low < 0.9 < d.high and d.level == pytest.approx(0.95)
    assert res.next_cheaper.verdict == "not distinguishable"


def test_a_next_cheaper_candidate_straddling_the_target_is_never_said_to_miss_no_target():
    res = optimization(STRADDLING)
    text = optimization_text(res)
    assert "misses no target" not in text and "no target" not in text
    assert "next cheaper: cadres.sunk.count=100" in text and "not distinguishable" in text
    assert "coverage_mean>=0.9 not shown either way" in text and "holds 0.9" in text
    # the intervals it decided with are printed, with their level
    assert "decided with" in text and "one-sided bound at 95%" in text
    block = optimum_block(res)
    (d,) = block["next_cheaper"]["decisions"]
    assert d["status"] == "open" and d["interval"][0] < 0.9 < d["interval"][1]
    for lang in ("en", "zh"):
        words = " ".join(optimum(SimpleNamespace(command="optimize", summary={"optimum": block}, scenario=None), lang))
        assert "met on average" not in words and "均值达标" not in words
        assert ("not shown either way" in words) if lang == "en" else ("无法判定" in words)


def test_a_next_cheaper_candidate_shown_to_miss_says_so_with_its_interval():
    res = optimization([0.80, 0.82] * 5)  # mean 0.81, far below 0.9
    text = optimization_text(res)
    assert res.next_cheaper.verdict == "infeasible"
    assert "coverage_mean>=0.9 shown missed" in text and "lies wholly on the wrong side of 0.9" in text


def test_the_guarantee_over_an_ensemble_names_the_sets_in_both_languages():
    """The English sentence is the command's guarantee; the Chinese one must not drop its 'in at least 2 of the 3
    plausible parameter sets' and claim every target met outright."""
    res = optimization(STRADDLING)
    res.ensemble = {"size": 3, "need": 2, "share": 0.5, "failing_at_answer": []}
    block = optimum_block(res)
    folder = SimpleNamespace(command="optimize", summary={"optimum": block}, scenario=None)
    en, zh = (" ".join(optimum(folder, lang)) for lang in ("en", "zh"))
    assert "meets every target in at least 2 of the 3 plausible parameter sets" in en
    assert "选定配置在3个合理参数组中的至少2组中满足全部目标" in zh
    res.ensemble = None
    assert "选定配置满足全部目标" in " ".join(optimum(SimpleNamespace(
        command="optimize", summary={"optimum": optimum_block(res)}, scenario=None), "zh"))


# ---------------------------------------------------------------- select-best


def sel(**kw) -> Selection:
    base = dict(direction="minimize", delta=0.25, confidence=0.95, first_stage=10, best="a",
                replications={"a": 200, "b": 200}, eliminated={}, mcb={}, still_in_contention=["a", "b"],
                means={"a": 20.0, "b": 23.5}, first_stage_sd={"b": 9.0}, paired_sd={"b": 2.5})
    base.update(kw)
    return Selection(**base)


def report(s: Selection, lang: str) -> str:
    f = SimpleNamespace(command="compare", summary={"selection": selection_block(s, "resolution_hours_p90")},
                        scenario=None)
    return " ".join(selection(f, lang))


def test_two_policies_clearly_separated_at_the_cap_are_not_said_to_be_inseparable():
    # the paired difference a - b is about -3.5 h, its interval [-3.87, -3.17]: a's MCB interval (minimising: a minus
    # the lowest of the others) is [-3.87, 0], wholly on the better side
    s = sel(mcb={"a": (-3.87, 0.0), "b": (0.0, 3.87)})
    text = selection_text(BestPolicy("resolution_hours_p90", s, None), "h")
    assert "do not yet separate" not in text and "do not separate" not in text
    assert "the MCB intervals separate them" in text and "a has the lowest mean" in text
    assert "paired sd vs a" in text and "9.00 / 2.50" in text  # the variance KN used, and the one over all runs
    for lang in ("en", "zh"):
        words = report(s, lang)
        assert "do not separate" not in words and "无法以" not in words
    assert "the MCB intervals separate them" in report(s, "en")


def test_two_policies_not_separated_at_the_cap_are_said_so():
    s = sel(mcb={"a": (-0.4, 0.3), "b": (-0.3, 0.4)}, means={"a": 20.0, "b": 20.1})
    text = selection_text(BestPolicy("resolution_hours_p90", s, None), "h")
    assert "not decided" in text and "the data do not separate them at 95% confidence" in text
    assert "no policy is selected" in report(s, "en")


def test_an_identical_policy_is_tied_not_eliminated():
    same = run_selection(["x", "y", "z"], lambda p, r: float(r % 4) + (5.0 if p == "z" else 0.0), delta=1.0,
                         maximize=True, n0=5)
    assert same.best == "z" and same.eliminated == {"x": 5, "y": 5}  # x and y (identical) both worse than z
    pair = run_selection(["x", "y", "z"], lambda p, r: float(r % 4) - (5.0 if p == "z" else 0.0), delta=1.0,
                         maximize=True, n0=5)
    assert pair.best == "x" and pair.tied == {"y": 5} and pair.eliminated == {"z": 5}
    text = selection_text(BestPolicy("m", pair, None))
    assert "tied with x (the same value on every replication): y" in text
    assert "eliminated, in order: z after 5 replications" in text and "y after" not in text
    words = report(pair, "en")
    assert "Tied with **x**" in words and "Eliminated: z after 5 replications." in words
    assert "并列" in report(pair, "zh")


def test_when_every_policy_is_the_same_no_best_is_named():
    s = run_selection(["x", "y", "z"], lambda p, r: float(r), delta=1.0, maximize=True, n0=4)
    assert s.tied == {"y": 4, "z": 4} and s.eliminated == {}
    text = selection_text(BestPolicy("m", s, None))
    assert "no policy is better: all 3 gave the same m on every replication" in text and "selected: x." not in text
    words = report(s, "en")
    assert "No policy is better" in words and "With 95% confidence" not in words and "Eliminated" not in words


# ---------------------------------------------------------------- Sobol


def test_sobol_estimates_no_true_index_can_have_are_flagged():
    indices = {
        "fine": {"S1": 0.40, "S1_conf": 0.05, "ST": 0.45, "ST_conf": 0.05},
        "noise": {"S1": 0.42, "S1_conf": 0.05, "ST": 0.40, "ST_conf": 0.05},  # S1 > ST within S1's interval: noise
        "s1_over_st": {"S1": 0.60, "S1_conf": 0.05, "ST": 0.40, "ST_conf": 0.05},  # 0.55 > 0.40: impossible
        "over_one": {"S1": 0.30, "S1_conf": 0.10, "ST": 1.20, "ST_conf": 0.10},
        "negative": {"S1": -0.30, "S1_conf": 0.10, "ST": 0.10, "ST_conf": 0.05},  # -0.3 + 0.1 < 0
        "wide": {"S1": 0.10, "S1_conf": 0.60, "ST": 0.20, "ST_conf": 0.30},  # +-0.6: wider than [0, 1]
    }
    bad = impossible(indices)
    assert set(bad) == {"s1_over_st", "over_one", "negative", "wide"}
    assert [p["kind"] for p in bad["s1_over_st"]] == ["above_total"]
    assert bad["s1_over_st"][0]["text"] == "S1 = 0.60 > ST = 0.40"
    assert [(p["index"], p["kind"]) for p in bad["over_one"]] == [("ST", "above_one")]
    assert [(p["index"], p["kind"]) for p in bad["negative"]] == [("S1", "negative")]
    assert [(p["index"], p["kind"]) for p in bad["wide"]] == [("S1", "wide")]


def test_a_sobol_result_with_s1_above_st_warns_in_the_report():
    ind = {"k": {"S1": 0.60, "S1_conf": 0.05, "ST": 0.40, "ST_conf": 0.05}}
    block = {"method": "sobol", "factors": [{"key": "k"}], "points": 32, "replications": 2,
             "indices": {"wait_hours_mean": ind}, "ranking": {"wait_hours_mean": ["k"]},
             "sample_too_small": {"wait_hours_mean": impossible(ind)}}
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": block}, scenario=None)
    en, zh = " ".join(sensitivity(f, "en")), " ".join(sensitivity(f, "zh"))
    assert "Warning: the sample is too small for these indices" in en and "S1 = 0.60 > ST = 0.40" in en
    assert "样本量不足" in zh and "S1 = 0.60 > ST = 0.40" in zh
    block["sample_too_small"] = {}
    assert "too small" not in " ".join(sensitivity(f, "en"))


def test_overlapping_emulator_intervals_point_at_the_design_not_at_a_sample_size():
    """With --emulator there is no --samples to raise: the remedy is design points or replications."""
    ind = {"a": {"ST": 0.67, "ST_lo": 0.55, "ST_hi": 0.81}, "b": {"ST": 0.51, "ST_lo": 0.40, "ST_hi": 0.64}}
    block = {"method": "sobol-emulator", "factors": [{"key": "a"}, {"key": "b"}], "points": 20, "replications": 2,
             "indices": {"wait_hours_mean": ind}, "ranking": {"wait_hours_mean": ["a", "b"]}}
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": block}, scenario=None)
    en, zh = " ".join(sensitivity(f, "en")), " ".join(sensitivity(f, "zh"))
    assert "not settled with this design" in en and "sample size" not in en
    assert "在当前设计点和重复次数下二者次序未定" in zh and "样本量" not in zh
    block["method"] = "sobol"
    ind.update({"a": {"ST": 0.67, "ST_conf": 0.13}, "b": {"ST": 0.51, "ST_conf": 0.12}})
    assert "not settled at this sample size" in " ".join(sensitivity(f, "en"))


def test_the_terminal_and_summary_warn_when_the_sobol_sample_is_too_small():
    from sim.decide.sensitivity import sensitivity_table
    from sim.decide.sensitivity.command import Sensitivity, _warnings

    ind = {"wait_hours_mean": {"k": {"S1": 1.30, "S1_conf": 0.20, "ST": 0.90, "ST_conf": 0.20}},
           "coverage_mean": {"k": {"S1": 0.30, "S1_conf": 0.05, "ST": 0.35, "ST_conf": 0.05}}}
    s = Sensitivity("sobol", [], list(ind), ind, {}, 16, False, SimpleNamespace(replications=2))
    (w,) = _warnings(s)  # one warning: wait_hours_mean only
    assert w.startswith("wait_hours_mean: the Sobol sample (N = 16) is too small")
    assert "S1 = 1.30 > 1" in w and "S1 = 1.30 > ST = 0.90" in w
    table = sensitivity_table(s)
    head, _, rest = table.partition("coverage_mean")
    assert "the sample is too small" in head and "the sample is too small" not in rest.split("S1:")[0]
    assert s.sample_warning("coverage_mean") is None


def test_the_api_optimize_text_shows_a_share_s_levels_in_percent_not_points():
    from sim.api import optimization_text as api_text

    text = api_text(optimization([0.80, 0.82] * 5))
    assert "percentage points" not in text
    assert "wrong side of 90.0%" in text or "wrong side of 90%" in text


def test_a_flagged_sobol_sample_ranks_nothing_and_prints_tiny_indices_with_two_significant_figures(tmp_path):
    ind = {"a": {"S1": 0.60, "S1_conf": 0.05, "ST": 0.70, "ST_conf": 0.05},
           "b": {"S1": -0.00069, "S1_conf": 0.00045, "ST": 0.10, "ST_conf": 0.05}}  # a's interval clear of b's
    bad = impossible(ind)
    assert bad["b"][0]["text"] == "S1 = -0.00069 < 0 beyond its interval (±0.00045)"
    block = {"method": "sobol", "factors": [{"key": "a"}, {"key": "b"}], "points": 16, "replications": 2,
             "indices": {"wait_hours_mean": ind}, "ranking": {"wait_hours_mean": ["a", "b"]},
             "sample_too_small": {"wait_hours_mean": bad}}
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": block}, scenario=None)
    en, zh = " ".join(sensitivity(f, "en")), " ".join(sensitivity(f, "zh"))
    assert "clearly ahead" not in en and "明显大于" not in zh
    assert "too small to rank them" in en and "-0.00069" in zh and "-0.00" + "<" not in zh
    # the figure's footer carries the warning
    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.sensitivity import sensitivity_figures

    folder = SimpleNamespace(path=tmp_path, summary={"sensitivity": block, "seeds": {"root": 1}, "scenario": "t"},
                             scenario={}, n=2, command="sensitivity")
    fg = Figures(folder, "png", "en")
    texts = []
    close = fg.plt.close
    fg.plt.close = lambda fig: texts.extend(t.get_text() for t in fig.texts)
    try:
        sensitivity_figures(fg)
    finally:
        fg.plt.close = close
    assert any("the sample is too small" in t.replace("\n", " ") for t in texts), texts


def test_the_optimize_figure_footer_gives_each_candidate_s_replications(tmp_path):
    from sim.outputs.plots.canvas import Figures
    from sim.outputs.plots.optimize import _replications

    each = _replications([{"replications": "3"}, {"replications": "5"}, {"replications": "4"}])
    assert each == "3–5" and _replications([{"replications": "5"}]) == "5"
    folder = SimpleNamespace(path=tmp_path, summary={"seeds": {"root": 1}, "scenario": "t", "replications": 5},
                             scenario={}, n=5, command="optimize")
    for lang, words in (("en", "3–5 replications per candidate"), ("zh", "每个候选方案3–5次重复")):
        fg = Figures(folder, "png", lang)
        fig, _ = fg.plt.subplots()
        fg.source(fig, "x", each)
        text = " ".join(t.get_text().replace("\n", " ") for t in fig.texts)
        fg.plt.close(fig)
        assert words in text and "· 5 replications" not in text, text


def test_a_long_y_label_of_the_optimize_figure_is_wrapped(tmp_path):
    import csv

    from sim.outputs.plots.canvas import AXIS_LABEL_WIDTH, Figures, axis_text
    from sim.outputs.plots.optimize import tradeoff_figures

    assert axis_text("share of households visited within the interval (%)") == \
        "share of households visited\nwithin the interval (%)"
    cols = ["candidate", "verdict", "chosen", "replications", "decision_level"] + \
        [f"cost_cadre_hours_on_duty_{e}" for e in ("mean", "ci_lo", "ci_hi")] + \
        [f"coverage_mean_{e}" for e in ("mean", "decided_lo", "decided_hi")]
    with open(tmp_path / "candidates.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerow(["a", "feasible", "yes", "5", "0.99", "100", "99", "101", "0.9", "0.89", "0.91"])
        w.writerow(["b", "infeasible", "no", "3", "0.99", "80", "79", "81", "0.8", "0.79", "0.81"])
    folder = SimpleNamespace(path=tmp_path, scenario={}, n=5, command="optimize", summary={
        "seeds": {"root": 1}, "scenario": "t", "replications": 5,
        "optimum": {"cost": {"metric": "cadre_hours_on_duty"}, "metrics": {"coverage_mean": {"target": "coverage_mean>=0.88"}}}})
    fg = Figures(folder, "png", "en")
    labels = []
    close = fg.plt.close
    fg.plt.close = lambda fig: (labels.append(fig.axes[0].get_ylabel()), close(fig))
    try:
        tradeoff_figures(fg)
    finally:
        fg.plt.close = close
    (label,) = labels
    assert "\n" in label and max(map(len, label.splitlines())) <= AXIS_LABEL_WIDTH, label


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_mcb_interval_and_the_bound_named_from_it_print_alike(lang):
    import re

    s = sel(mcb={"a": (-0.664, 0.0), "b": (0.0, 0.664)}, still_in_contention=["a"])
    words = report(s, lang)
    (low,) = re.findall(r"\[-([\d.]+), [\d.]+\]", words)
    assert re.search(rf"(up to |至多){re.escape(low)}(\s?h|小时)", words), words  # [-0.7, 0.0] ... up to 0.7 h
    s = sel(mcb={"a": (0.0, 0.664), "b": (-0.664, 0.0)}, still_in_contention=["a"], direction="maximize")
    words = report(s, lang)
    (high,) = re.findall(r"\[-?[\d.]+, \+?([\d.]+)\]", words)
    assert re.search(rf"(up to |至多){re.escape(high)}(\s?h|小时)", words), words


def test_an_older_folder_s_warning_is_worded_again_from_its_values():
    old = {"index": "S1", "kind": "negative", "value": -0.00069, "conf": 0.00045,
           "text": "S1 = -0.00 < 0 beyond its interval (±0.00)"}  # as summary.json held it before
    ind = {"k": {"S1": -0.00069, "S1_conf": 0.00045, "ST": 0.1, "ST_conf": 0.05}}
    block = {"method": "sobol", "factors": [{"key": "k"}], "points": 16, "replications": 2,
             "indices": {"wait_hours_mean": ind}, "ranking": {"wait_hours_mean": ["k"]},
             "sample_too_small": {"wait_hours_mean": {"k": [old]}}}
    f = SimpleNamespace(command="sensitivity", summary={"sensitivity": block}, scenario=None)
    en = " ".join(sensitivity(f, "en"))
    assert "S1 = -0.00069 < 0 beyond its interval (±0.00045)" in en and "-0.00 " not in en
