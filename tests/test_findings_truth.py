"""No sentence of the Baota run and compare findings, in English or Chinese, says what the numbers contradict.

A short Baota run (the base scenario and the registration drive, which between them carry a target of each kind but
`predicted`), and a short compare of three policies.  Every sentence of their findings is split into clauses; each
number in it is read with its unit and its 95% CI and must be, to the digits printed, a quantity of a metric the
clause (or its sentence) names: a mean and CI from summary.json, a published target value or tolerance, a paired
difference worked out here from replications.csv (Student t over replications), or that difference relative to the
other policy's mean.  The test converts units itself (h, days, %, percentage points, cadre-days of 8 h).  Then the
claims: "does best" only where the named policy has the best mean and every listed gap's CI excludes zero; "cannot
be told apart" only where every CI of the best against another includes zero; "the same" only for equal values;
"consistent with the published" only for a figure the model predicts, within its tolerance (issue 29, sections 2
and 4).  The key results tables of both reports are checked the same way, cell by cell.
"""

from __future__ import annotations

import copy
import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import sim
from sim.outputs.glossary import metric_label
from sim.outputs.plots import Folder
from sim.outputs.report.findings import findings
from sim.outputs.report.say import capital

ROOT = Path(__file__).resolve().parent.parent
BAOTA = ROOT / "scenarios" / "baota.toml"
SHORT = [("calendar.horizon_days", 60)]
POLICIES = ["baseline", "by_households", "two_days"]
COST = "cadre_hours_on_duty"
LANGS = ["en", "zh"]

NUM = r"[+\-−]?\d[\d,]*(?:\.\d+)?"
UNITS = ["percentage points", "个百分点", "cadre-days", "人日", "households", "户", "issues", "件", "小时", "天",
         "days", "h", "%"]
TOKEN = re.compile(rf"(?<![A-Za-z0-9_.\-+])({NUM})( ?(?:{'|'.join(re.escape(u) for u in UNITS)})(?![A-Za-z]))?"
                   rf"(?: \[({NUM})%?, ({NUM})%?\])?")
RELATIVE = re.compile(rf" \(({NUM})% relative\)|（相对({NUM})%）")
TOLERANCE = re.compile(rf"±({NUM})%")
# fixed phrases whose numbers are not results: the CI's level, the p90's 90%
FIXED = {"95% CI": "CI", "95%置信区间": "置信区间", "90% were resolved": "were resolved", "90%的事项": "的事项",
         # the visit interval (Baota's 30 days) is an input, not a result
         "in the last 30 days": "in the last days", "在近30天内": "在近天内"}
# the run's opening sentence speaks of metrics without their labels
PHRASES = {
    "en": {"on average to resolve": "resolution_hours_mean", "were resolved within": "resolution_hours_p90",
           "within their type's time limit": "sla_attainment", "of all households had been visited": "coverage_mean",
           "worst-covered grid": "coverage_min_grid", "Cadres spent": COST, "in wartime mode": "wartime_cadre_hours",
           "were resolved above the grid": "escalation_rate",
           "because nobody took them up in time": "escalated_by_delay_rate", "as petitions above it": "petitions",
           "past the end of their shifts": "cadre_hours_overtime", "at the scenario's rates it cost": "cost_total"},
    "zh": {"平均办理时长": "resolution_hours_mean", "的事项在": "resolution_hours_p90", "在规定时限内办结": "sla_attainment",
           "天内得到入户走访": "coverage_mean", "覆盖率最低的网格": "coverage_min_grid", "干部在岗工作量": COST,
           "战时状态": "wartime_cadre_hours", "在网格以上层级办结": "escalation_rate",
           "因久拖未办而自行上交": "escalated_by_delay_rate", "成为越级上访": "petitions",
           "超出下班时间": "cadre_hours_overtime", "成本为": "cost_total"},
}


@dataclass(frozen=True)
class Quantity:
    metric: str
    kind: str  # "level", "diff", "relative", "tolerance"
    value: float
    lo: float | None = None
    hi: float | None = None


def unit_of(metric: str) -> str:
    """The stored unit, from the name alone (independent of the glossary under test)."""
    if metric.startswith("cadre_hours") or metric == "wartime_cadre_hours":
        return "cadre_hours"
    if "_hours" in metric:
        return "hours"
    if "households" in metric:
        return "households"
    if metric.endswith(("_rate", "_reported", "_share")) or metric.startswith(("coverage", "sla_", "utilization")):
        return "share"
    return "count"


def lower_is_better(metric: str) -> bool:
    # times and costs, and the shares and counts of issues that worsened (docs/metrics.md)
    return unit_of(metric) in ("hours", "cadre_hours") or metric in ("escalated_by_delay_rate", "petitions",
                                                                     "petition_rate")


def scale_for(metric: str, unit: str) -> float | None:
    """What multiplies the stored value to give the printed one; None when the unit cannot be this metric's."""
    stored = unit_of(metric)
    table = {("hours", "h"): 1.0, ("hours", "小时"): 1.0, ("hours", "days"): 1 / 24, ("hours", "天"): 1 / 24,
             ("share", "%"): 100.0, ("share", "percentage points"): 100.0, ("share", "个百分点"): 100.0,
             ("cadre_hours", "cadre-days"): 1 / 8, ("cadre_hours", "人日"): 1 / 8,
             ("households", "households"): 1.0, ("households", "户"): 1.0, ("households", ""): 1.0,
             ("count", ""): 1.0, ("count", "issues"): 1.0, ("count", "件"): 1.0}
    return table.get((stored, unit))


def number(text: str) -> tuple[float, float]:
    """The value and half a unit of its last printed digit (what rounding may hide)."""
    t = text.replace(",", "").replace("−", "-")
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t), 0.5 * 10 ** -decimals + 1e-9


def close(printed: str, x: float | None) -> bool:
    v, tol = number(printed)
    return x is not None and abs(v - x) <= tol * (1 + 1e-6)


# ---------------------------------------------------------------- the runs


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    base = tmp_path_factory.mktemp("truth")
    common = dict(overrides=SHORT, workers=2, quiet=True, replications=2)
    sim.run(BAOTA, None, out=base / "run", **common)
    sim.run(BAOTA, "registration_drive", out=base / "drive", **common)
    sim.compare(BAOTA, POLICIES, out=base / "compare", **common)
    return base


def replication_table(path: Path) -> dict[str, list[dict[str, float]]]:
    by: dict[str, list[dict[str, float]]] = {}
    with (path / "replications.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            vals = {}
            for k, v in row.items():
                try:
                    vals[k] = float(v)
                except (TypeError, ValueError):
                    pass
            by.setdefault(row.get("policy") or "", []).append(vals)
    for rows in by.values():
        rows.sort(key=lambda r: r["replication"])
    return by


def paired(reps: dict[str, list[dict[str, float]]], metric: str, a: str, b: str) -> Quantity | None:
    """a − b over replications with the same number (common random numbers), Student t 95% CI."""
    xa = {r["replication"]: r.get(metric) for r in reps[a]}
    xb = {r["replication"]: r.get(metric) for r in reps[b]}
    d = np.array([xa[k] - xb[k] for k in xa if k in xb and xa[k] is not None and xb[k] is not None
                  and np.isfinite(xa[k]) and np.isfinite(xb[k])])
    if d.size < 2:
        return None
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    return Quantity(metric, "diff", float(d.mean()), float(d.mean() - half), float(d.mean() + half))


def level(metric: str, s: dict | None) -> Quantity | None:
    if not s or s.get("mean") is None:
        return None
    lo, hi = s.get("ci95") or (None, None)
    return Quantity(metric, "level", s["mean"], lo, hi)


# ---------------------------------------------------------------- reading a sentence


def sentences(paragraph: str, lang: str) -> list[str]:
    parts = paragraph.split("。") if lang == "zh" else re.split(r"(?<=\.)\s+(?=[A-Z*])", paragraph)
    return [p.strip() for p in parts if p.strip()]


def clauses(sentence: str, lang: str) -> list[str]:
    masked = re.sub(r"\[([^\]]*)\]", lambda m: "[" + m.group(1).replace(", ", "|") + "]", sentence)
    parts = re.split(r"[；，:：;]\s*" if lang == "zh" else r"(?:, (?=\D)|; |: )", masked)
    return [p.replace("|", ", ") for p in parts if p.strip()]


def named(text: str, metrics: list[str], lang: str) -> list[str]:
    """Metrics whose label (longest first, so 'worst-grid visit coverage' is not also 'visit coverage') or whose
    phrase (the run's opening sentence) the text holds."""
    found, rest = [], text.lower()
    for m in sorted(metrics, key=lambda m: -len(metric_label(m, lang))):
        label = metric_label(m, lang).lower()
        if label and label in rest:
            found.append(m)
            rest = rest.replace(label, " ")
    for m in metrics:  # a label strip_fixed set aside
        if f"‹{m}›" in text and m not in found:
            found.append(m)
    for phrase, m in PHRASES[lang].items():
        if phrase.lower() in text.lower() and m in metrics and m not in found:
            found.append(m)
    return found


def check_numbers(text: str, candidates: list[Quantity], lang: str, where: str) -> None:
    """Every number of ``text`` is one of ``candidates`` in a unit that metric can be read in."""
    for m in RELATIVE.finditer(text):
        printed = m.group(1) or m.group(2)
        assert any(q.kind == "relative" and close(printed, q.value) for q in candidates), \
            f"{where}: relative change {printed}% matches no paired difference / mean:\n{text}"
    text = RELATIVE.sub(" ", text)
    for m in TOLERANCE.finditer(text):
        assert any(q.kind == "tolerance" and close(m.group(1), q.value) for q in candidates), \
            f"{where}: ±{m.group(1)}% is no target's tolerance:\n{text}"
    text = TOLERANCE.sub(" ", text)
    for m in TOKEN.finditer(text):
        value, unit, lo, hi = m.group(1), (m.group(2) or "").strip(), m.group(3), m.group(4)
        signed = value[0] in "+-−"
        if unit == "%" and signed:
            pytest.fail(f"{where}: a difference of shares in % ({m.group(0)}), not percentage points:\n{text}")
        ok = False
        for q in candidates:
            scale = scale_for(q.metric, unit)
            if scale is None or q.kind not in ("level", "diff"):
                continue
            if q.kind == "level" and (signed or unit in ("percentage points", "个百分点")):
                continue
            if q.kind == "diff" and not signed and not (unit in ("percentage points", "个百分点") or number(value)[0] == 0):
                continue
            if not close(value, q.value * scale):
                continue
            if lo is not None and not (q.lo is not None and close(lo, q.lo * scale) and close(hi, q.hi * scale)):
                continue
            ok = True
            break
        assert ok, (f"{where}: '{m.group(0)}' matches no quantity of "
                    f"{sorted({q.metric for q in candidates})} in summary.json / replications.csv:\n{text}")


def strip_fixed(text: str, lang: str = "en") -> str:
    """Numbers that are no results: the CI's level, the p90's 90% (also inside a label: 办理时长第90百分位)."""
    for phrase, words in FIXED.items():
        text = text.replace(phrase, words)
    for m in ("resolution_hours_p90", "true_resolution_hours_p90", "resolution_hours_p95", "resolution_hours_p50"):
        text = text.replace(metric_label(m, lang), "‹" + m + "›").replace(capital(metric_label(m, lang)), "‹" + m + "›")
    text = re.sub(r"\(grid [^)]*\)|（网格[^）]*）", " ", text)  # grid, community and street names
    return text


# ---------------------------------------------------------------- run findings


def run_candidates(f: Folder, metrics: list[str]) -> list[Quantity]:
    m = f.summary["metrics"]
    out = [q for name in metrics if (q := level(name, m.get(name)))]
    for t in f.scenario.get("targets", []):
        if t["metric"] in metrics:
            out += [Quantity(t["metric"], "level", float(t["value"])),
                    Quantity(t["metric"], "tolerance", 100 * float(t.get("tolerance", 0.1)))]
    return out


def check_target_sentence(f: Folder, sentence: str, lang: str) -> bool:
    """The kind-of-evidence rule for a sentence about a published figure; False if it is not one."""
    m = f.summary["metrics"]
    for t in f.scenario.get("targets", []):
        label = metric_label(t["metric"], lang)
        if not sentence.lower().startswith(label.lower()):
            continue
        mean, value, tol = m[t["metric"]]["mean"], float(t["value"]), float(t.get("tolerance", 0.1))
        inside = abs(mean - value) <= tol * abs(value)
        consistent = bool(re.search(r"consistent with the published" if lang == "en" else r"与公开数字[^，；（]*相符",
                                    sentence))
        assert consistent == (t["evidence"] == "predicted" and inside), (t, sentence)
        words = {"en": {"fitted": "fitted to, so agreement is by construction", "layout": "checks the layout only",
                        "other_district": "a cross-district comparison"},
                 "zh": {"fitted": "构造使然", "layout": "只检验布局", "other_district": "跨地区比较"}}[lang]
        if t["evidence"] == "fitted" and not inside:  # missed although fitted: no agreement to explain
            words[t["evidence"]] = "although a rate of the scenario was fitted to it" if lang == "en" else "尽管"
        if t["evidence"] in words:
            assert words[t["evidence"]] in sentence, (t["evidence"], sentence)
        within = ("within its ±" if lang == "en" else "以内") in sentence
        assert within == inside, (t, mean, sentence)
        assert ("by construction" in sentence or "构造使然" in sentence) == (t["evidence"] == "fitted" and inside)
        if not inside:
            side = ("below" if lang == "en" else "低于") if mean < value else ("above" if lang == "en" else "高于")
            assert side in sentence, (mean, value, sentence)
        for text in (t.get("district", ""), t.get("district_zh", "")):
            sentence = sentence.replace(text, " ") if text else sentence
        check_numbers(strip_fixed(sentence, lang), run_candidates(f, [t["metric"]]), lang, "target")
        return True
    return False


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["run", "drive"])
def test_run_findings_say_nothing_summary_json_contradicts(folders, kind, lang):
    f = Folder.load(folders / kind)
    summary = json.loads((folders / kind / "summary.json").read_text(encoding="utf-8"))
    assert summary["metrics"] == f.summary["metrics"]
    metrics = list(summary["metrics"])
    paragraphs = findings(f, lang)
    checked = 0
    for paragraph in paragraphs:
        for s in sentences(paragraph, lang):
            opener = re.search(r"Over (\d+) replications of (\d+) days|在(\d+)次、每次(\d+)天", s)
            if opener:
                n, days = (opener.group(1), opener.group(2)) if lang == "en" else (opener.group(3), opener.group(4))
                assert int(n) == summary["replications"] and float(days) == summary["horizon_days"], s
                s = s.replace(opener.group(0), " ")
            if check_target_sentence(f, s, lang):
                checked += 1
                continue
            text = strip_fixed(s, lang)
            whole = named(text, metrics, lang)
            for c in clauses(text, lang):
                if not TOKEN.search(c):
                    continue
                names = named(c, metrics, lang) or whole
                assert names, f"a number in a clause that names no metric: {c!r} in {s!r}"
                check_numbers(c, run_candidates(f, names), lang, kind)
                checked += 1
    assert checked >= 4  # the opening sentence's clauses, coverage, cost, and the targets
    # every target the run measured is worded
    assert sum(check_target_sentence(f, s, lang) for p in paragraphs for s in sentences(p, lang)) == \
        len(f.scenario.get("targets", []))


# ---------------------------------------------------------------- compare findings


def policy_labels(f: Folder, lang: str) -> dict[str, str]:
    pols = f.scenario.get("policies", {})
    key = "label_zh" if lang == "zh" else "label"
    return {p: pols.get(p, {}).get(key) or pols.get(p, {}).get("label") or p.replace("_", " ") for p in POLICIES}


def best_of(f: Folder, metric: str) -> list[str]:
    means = {p: f.summary["by_policy"][p]["metrics"][metric]["mean"] for p in POLICIES}
    top = (min if lower_is_better(metric) else max)(means.values())
    return [p for p, v in means.items() if v == top]


def levels(summary: dict, metrics: list[str]) -> list[Quantity]:
    """Every policy's mean and CI of each metric."""
    return [q for m in metrics for p in POLICIES if (q := level(m, summary["by_policy"][p]["metrics"].get(m)))]


def diffs_and_relatives(f: Folder, reps, metric: str, pairs: list[tuple[str, str]]) -> list[Quantity]:
    out = []
    for a, b in pairs:
        d = paired(reps, metric, a, b)
        if d is None:
            continue
        out.append(d)
        base = f.summary["by_policy"][b]["metrics"][metric]["mean"]
        if base:
            out.append(Quantity(metric, "relative", 100 * d.value / base))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_compare_findings_say_nothing_the_numbers_contradict(folders, lang):
    f = Folder.load(folders / "compare")
    summary = json.loads((folders / "compare" / "summary.json").read_text(encoding="utf-8"))
    assert summary["by_policy"] == f.summary["by_policy"]
    reps = replication_table(folders / "compare")
    metrics = list(summary["by_policy"]["baseline"]["metrics"])
    labels = policy_labels(f, lang)
    ref = summary["reference"]
    text = " ".join(findings(f, lang))
    best_claims = 0
    for s in sentences(text, lang):
        bold = re.findall(r"\*\*(.+?)\*\*", s)
        main = named(s.split(",")[0] if lang == "en" else s.split("，")[0], metrics, lang)
        if bold:  # On M, **P** does best: ... / has the best mean, but cannot be told apart from ...
            best_claims += 1
            assert ("does best" if lang == "en" else "最优") in s or ("has the best mean" if lang == "en" else "均值最优") in s
            best = next(p for p, lab in labels.items() if lab == bold[0])
            metric = main[0]
            assert best in best_of(f, metric), (metric, best, s)
            ahead = [p for p in POLICIES if p != best and re.search(
                (r"against " + re.escape(labels[p]) + r"(?![\w ]*days a week)") if lang == "en"
                else "较" + re.escape(labels[p]), s.split(", with cadre time")[0] if lang == "en" else s.split("，干部在岗")[0])]
            assert ahead, s
            for p in ahead:  # each gap named is distinguishable from zero, on the better side
                d = paired(reps, metric, best, p)
                assert d.lo > 0 or d.hi < 0, (metric, best, p, d)
                assert (d.value < 0) == lower_is_better(metric), (metric, best, p, d)
            tied = re.search(r"cannot be told apart from (.+?);|与(.+?)无法区分", s)
            # 'does best' only when ahead of every other policy; else the tied ones are named
            assert bool(tied) == (("has the best mean" if lang == "en" else "均值最优") in s), s
            assert len(ahead) + (len(re.split(r", | and |、|和", tied.group(1) or tied.group(2))) if tied else 0) \
                == len(POLICIES) - 1, s
            for p in [p for p in POLICIES if tied and labels[p] in (tied.group(1) or tied.group(2))]:
                d = paired(reps, metric, best, p)
                assert d.lo <= 0 <= d.hi, (metric, best, p, d)
            # the cost of the gain, in the same sentence
            assert (labels_cost := metric_label(COST, lang)) in s, f"no cost beside the gain: {s}"
            pairs = [(best, p) for p in POLICIES if p != best]
            cands = [*levels(summary, [metric, COST]), *diffs_and_relatives(f, reps, metric, pairs),
                     *diffs_and_relatives(f, reps, COST, pairs)]
            same = re.findall(r"the same as (.+?)(?: and |$)|与(.+?)相同", s[s.index(labels_cost):])
            for g in same:
                p = next(p for p, lab in labels.items() if lab == (g[0] or g[1]))
                assert all(x[COST] == y[COST] for x, y in zip(reps[best], reps[p])), (best, p, s)
            check_numbers(strip_fixed(s, lang), cands, lang, "compare")
        elif s.startswith("Against ") or s.startswith("与") and "相比" in s.split("，")[0]:
            # a policy against the reference: each metric said better (worse) is on that side of zero
            after = s.split(", ", 1)[1] if lang == "en" else s.split("相比，", 1)[1]
            p = max((p for p, lab in labels.items() if p != ref and after.startswith(lab)), key=lambda p: len(labels[p]))
            for side, pattern in (("better", r"better on (.+?)(?: and worse on|;|\.$)|相比，.+?在(.+?)上更优"),
                                  ("worse", r"worse on (.+?)(?:;|\.$)|在([^在]+?)上更差")):
                m = re.search(pattern, s)
                for metric in (named(m.group(1) or m.group(2), metrics, lang) if m else []):
                    d = paired(reps, metric, p, ref)
                    assert d.lo > 0 or d.hi < 0, (metric, p, d, s)
                    assert ((d.value < 0) == lower_is_better(metric)) == (side == "better"), (metric, p, d, s)
            cands = [q for metric in metrics for q in diffs_and_relatives(f, reps, metric, [(p, ref)])]
            check_numbers(strip_fixed(s, lang), cands, lang, "against reference")
        elif ("cannot be told apart" if lang == "en" else "无法区分") in s:
            for metric in named(s, metrics, lang):
                best = best_of(f, metric)[0]
                for p in POLICIES:
                    if p != best:
                        d = paired(reps, metric, best, p)
                        assert d.lo <= 0 <= d.hi, (metric, best, p, d, s)
            assert not TOKEN.search(strip_fixed(s, lang)), s
        elif ("every policy has the same value" if lang == "en" else "数值相同") in s:
            for metric in named(s, metrics, lang):
                assert len({summary["by_policy"][p]["metrics"][metric]["mean"] for p in POLICIES}) == 1, (metric, s)
            check_numbers(strip_fixed(s, lang), levels(summary, named(s, metrics, lang)), lang, "same")
        else:  # the cost of each policy against the reference
            assert s.startswith(metric_label(COST, lang)[:1].upper() + metric_label(COST, lang)[1:]) or \
                s.startswith(metric_label(COST, lang)), s
            pairs = [(p, ref) for p in POLICIES if p != ref]
            cands = [*levels(summary, [COST]), *diffs_and_relatives(f, reps, COST, pairs)]
            check_numbers(strip_fixed(s, lang), cands, lang, "cost")
    assert best_claims >= 1


@pytest.mark.parametrize("lang", LANGS)
def test_no_best_is_named_where_every_policy_has_the_same_value(folders, lang):
    """Every policy at 100% SLA: 'none does best', with the value, and no 'does best' on that metric."""
    f = Folder.load(folders / "compare")
    f.summary = copy.deepcopy(f.summary)
    full = {"mean": 1.0, "std": 0.0, "ci95": [1.0, 1.0], "n": 2}
    for p in POLICIES:
        f.summary["by_policy"][p]["metrics"]["sla_attainment"] = dict(full)
        if p != f.summary["reference"]:
            f.summary["differences"][p]["metrics"]["sla_attainment"] = {"mean": 0.0, "std": 0.0, "ci95": [0.0, 0.0],
                                                                        "n": 2}
    text = " ".join(findings(f, lang))
    label = metric_label("sla_attainment", lang)
    same = next(s for s in sentences(text, lang) if label in s)
    assert ("every policy has the same value, so none does best" if lang == "en" else "各方案数值相同") in same
    assert "100%" in same and "**" not in same


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["run", "compare"])
def test_key_results_tables_hold_summary_json_numbers(folders, kind, lang):
    """The report's key results: each cell is its row's metric for its column's policy, mean and CI, and a '*'
    exactly where the paired CI against the reference (worked out here) excludes zero."""
    from sim.outputs.report.sections import key_table

    f = Folder.load(folders / kind)
    summary = json.loads((folders / kind / "summary.json").read_text(encoding="utf-8"))
    table = key_table(f, lang)
    labels = {metric_label(m, lang): m for m in (summary.get("metrics") or summary["by_policy"]["baseline"]["metrics"])}
    columns = POLICIES if kind == "compare" else [None]
    reps = replication_table(folders / kind) if kind == "compare" else {}
    assert len(table.rows) >= 5
    for row in table.rows:
        metric = labels[row[0]]
        for p, text in zip(columns, row[1:]):
            star = text.endswith(" *")
            s = summary["metrics"][metric] if p is None else summary["by_policy"][p]["metrics"][metric]
            check_numbers(text.removesuffix(" *"), [level(metric, s)], lang, f"{kind} table {metric} {p}")
            if p is not None and p != summary["reference"]:
                d = paired(reps, metric, p, summary["reference"])
                assert star == (d is not None and (d.lo > 0 or d.hi < 0)), (metric, p, d, text)
