"""A synthetic history-matching results folder, written by hand to the contract of ``calibrate --vary``.

Two targets of a known function of three parameters (no model runs): reported disputes = 1350 * 16 * rate
(the campaign's households in thousands and weeks), and resolved disputes = 0.43 * reported * share, with
``share`` the third parameter.  Every implausibility is computed here from its formula, so a test knows every
number the outputs should state.  ``conflict=True`` sets the second target out of reach (nothing plausible).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

KEYS = ["issue_types.dispute.rate_per_1000_households_per_week", "issue_types.dispute.resolve_share",
        "cadres.sunk.count"]
BOX = {KEYS[0]: (0.2, 1.2), KEYS[1]: (0.3, 0.9), KEYS[2]: (50.0, 250.0)}
TARGETS = {"reported_dispute": {"value": 772.0, "tolerance": 0.10, "source": "000: 772"},
           "resolved_dispute": {"value": 334.0, "tolerance": 0.15, "source": "000: 334"}}
CUTOFF = 3.0
SCENARIO = """name = "dalad"
description = "Dalad Banner's 2015 campaign (synthetic test folder)"
[issue_types.dispute]
label = "dispute"
label_zh = "矛盾纠纷"
rate_per_1000_households_per_week = 0.58
"""


def outputs(x: np.ndarray, conflict: bool) -> dict[str, np.ndarray]:
    reported = 1350 * 16 * x[:, 0] / 27.0  # a campaign of 16 weeks over 1,350 thousand households / 27
    resolved = 0.43 * reported * x[:, 1] * (6.0 if conflict else 1.0) + 0 * x[:, 2]
    return {"reported_dispute": reported, "resolved_dispute": resolved}


def implausibility(x: np.ndarray, conflict: bool, var_sim: float = 0.0) -> dict[str, np.ndarray]:
    """I_M = |z - f(x)| / sqrt(Var_sim + Var_target), Var_target = (tolerance |z| / 2)^2 (HM_SPEC)."""
    f = outputs(x, conflict)
    return {m: np.abs(t["value"] - f[m]) / np.sqrt(var_sim + (t["tolerance"] * abs(t["value"]) / 2) ** 2)
            for m, t in TARGETS.items()}


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    lo = np.array([BOX[k][0] for k in KEYS])
    hi = np.array([BOX[k][1] for k in KEYS])
    return lo + rng.random((n, len(KEYS))) * (hi - lo)


def _write(path: Path, head: list[str], rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)


def write_folder(out: Path, conflict: bool = False, seed: int = 7) -> dict:
    """Write the folder; return its history_match block (what the outputs must state)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sample = _uniform(rng, 2000)
    imp = implausibility(sample, conflict)
    imax = np.maximum(*imp.values())
    # wave 1's emulator of resolved_dispute failed its diagnostics: only reported_dispute ruled space out
    ruled = np.where(imp["reported_dispute"] >= CUTOFF, 1, np.where(imax >= CUTOFF, 2, 0))
    shares = [float(np.mean(imp["reported_dispute"] < CUTOFF)), float(np.mean(imax < CUTOFF))]
    _write(out / "implausibility.csv", [*KEYS, "I_max", "wave_ruled_out"],
           [[*x, i, int(r)] for x, i, r in zip(sample, imax, ruled)])
    rows, design = [], []
    for wave, n in ((1, 30), (2, 30)):
        pts = _uniform(rng, 400)
        if wave == 2:  # wave 2 designs within what wave 1 left
            pts = pts[implausibility(pts, conflict)["reported_dispute"] < CUTOFF][:n]
        pts = pts[:n]
        design.append(len(pts))
        ii = implausibility(pts, conflict)
        f = outputs(pts, conflict)
        top = np.maximum(*ii.values())
        for p, x in enumerate(pts):
            cells = [c for m in TARGETS for c in (f[m][p], 0.0, ii[m][p])]
            rows.append([wave, p, *x, *cells, top[p], "true" if top[p] < CUTOFF else "false"])
    head = ["wave", "point", *KEYS, *[c for m in TARGETS for c in (m, f"{m}_var", f"I_{m}")], "I_max", "plausible"]
    _write(out / "points.csv", head, rows)
    last = np.array([r[2:2 + len(KEYS)] for r in rows if r[0] == 2 and r[-1] == "true"], dtype=float)
    # too few run points: add the sample's points judged non-implausible (as calibrate --vary does)
    plausible = np.vstack([last.reshape(-1, len(KEYS)), sample[imax < CUTOFF]])
    _write(out / "plausible.csv", KEYS, plausible.tolist())
    emul = [{"reported_dispute": (1.8, 0, True), "resolved_dispute": (4.6, 3, False)},
            {"reported_dispute": (2.1, 0, True), "resolved_dispute": (2.4, 0, True)}]
    _write(out / "waves.csv", ["wave", "points", "runs", "plausible_share", "target", "loo_max_abs", "loo_outside",
                               "emulator_passed"],
           [[w + 1, design[w], 2 * design[w], shares[w], m, a, o, "true" if ok else "false"]
            for w in range(2) for m, (a, o, ok) in emul[w].items()])
    block = {"vary": {k: list(BOX[k]) for k in KEYS}, "cutoff": CUTOFF, "rule": "max",
             "targets": {m: {**t, "sd_target": t["tolerance"] * abs(t["value"]) / 2} for m, t in TARGETS.items()},
             "waves": [{"wave": w + 1, "points": design[w], "runs": 2 * design[w], "plausible_share": shares[w],
                        "emulators": {m: {"loo_max_abs": a, "loo_outside": o, "passed": ok}
                                      for m, (a, o, ok) in emul[w].items()}} for w in range(2)],
             "plausible": len(plausible),
             "ranges": {k: [float(plausible[:, j].min()), float(plausible[:, j].max())] for j, k in enumerate(KEYS)}
             if len(plausible) else {},
             "conflicts": ["resolved_dispute"] if conflict else []}
    summary = {"command": "calibrate", "scenario": "dalad", "scenario_file": "scenarios/dalad.toml", "overrides": [],
               "replications": 2, "seeds": {"root": 20150615}, "warmup_days": 0, "horizon_days": 113,
               "runs_failed": 0, "warnings": [], "versions": {"gridsim": "test"}, "metrics": {},
               "history_match": block}
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    (out / "command.json").write_text(json.dumps({"command": "calibrate", "scenario_file": "scenarios/dalad.toml",
                                                  "variants": [], "seed": 20150615, "replications": 2}))
    (out / "scenario.resolved.toml").write_text(SCENARIO, encoding="utf-8")
    return block
