"""A work-order export made outside gridsim, with numpy, from a known truth: what a grid platform would give.

Orders arrive as a Poisson stream per type over 52 weeks (more by day than by night), in 12 grids; each is
accepted after an exponential wait and resolved after a work time drawn per level.  Orders not resolved by
the export are open (blank resolved time).  A few bad rows of each kind are mixed in at known rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

START = datetime(2024, 1, 1)  # a Monday
WEEKS = 52
T = WEEKS * 168.0  # the export, in hours from START
HEADER = ["工单编号", "所属街道", "所属社区", "所属网格", "事件类型", "上报时间", "签收时间", "办结时间", "处置层级", "事件来源"]
LEVEL_WORDS = {"grid": ["网格"], "community": ["社区"], "street": ["街道"], "department": ["住建局", "城管执法局"]}
HOUR_WEIGHTS = np.array([1] * 7 + [4] * 11 + [2] * 6, dtype=float)  # 0-7 quiet, 7-18 busy, 18-24 between


@dataclass(frozen=True)
class TypeTruth:
    name: str
    per_week: float
    levels: dict[str, float]
    work: dict[str, tuple[str, float, float]]  # level -> (family, mean, cv) of the work time, hours
    wait: float = 3.0  # mean hours from report to accepted (exponential)

    def resolution_mean(self, level: str) -> float:
        return self.wait + self.work[level][1]


TRUTH = (
    TypeTruth("政策咨询", 80, {"grid": 0.85, "community": 0.15},
              {"grid": ("lognormal", 6.0, 1.0), "community": ("lognormal", 30.0, 0.8)}),
    TypeTruth("矛盾纠纷", 70, {"grid": 0.6, "community": 0.25, "street": 0.15},
              {"grid": ("gamma", 20.0, 1.0), "community": ("gamma", 60.0, 0.8), "street": ("gamma", 120.0, 0.7)}),
    # long cases: a mean of about ten weeks, so about a fifth are still open at the export
    TypeTruth("房屋安全隐患", 70, {"street": 0.6, "department": 0.4},
              {"street": ("lognormal", 1500.0, 1.0), "department": ("lognormal", 2000.0, 1.0)}),
)
GRIDS = [(f"第{i + 1}网格", f"社区{i // 3 + 1}", f"街道{i // 6 + 1}") for i in range(12)]


def _draw(rng: np.random.Generator, family: str, mean: float, cv: float, n: int) -> np.ndarray:
    if family == "lognormal":
        s2 = np.log1p(cv * cv)
        return rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
    shape = 1 / cv**2
    return rng.gamma(shape, mean / shape, n)


def _when(hours: float, style: int) -> str:
    """A time written as exports write it, in one of four styles."""
    t = START + timedelta(hours=float(hours))
    if style == 0:
        return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"
    if style == 1:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if style == 2:
        return t.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{(t - datetime(1899, 12, 30)) / timedelta(days=1):.8f}"  # an Excel serial number


@dataclass
class Export:
    rows: list[list[str]]  # data rows, in file order
    refused: dict[int, str] = field(default_factory=dict)  # file row (header = 1) -> a word of the reason

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows(self.rows)
        return buf.getvalue()


def make_export(seed: int = 20240101, weeks: int = WEEKS) -> Export:
    rng = np.random.default_rng(seed)
    end = weeks * 168.0
    orders = []
    for t in TRUTH:
        n = rng.poisson(t.per_week * weeks)
        day = rng.integers(0, weeks * 7, n)
        hour = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        reported = day * 24.0 + hour + rng.uniform(0, 1, n)
        level = rng.choice(list(t.levels), n, p=list(t.levels.values()))
        accepted = reported + rng.exponential(t.wait, n)
        resolved = accepted.copy()
        for lv, (family, mean, cv) in t.work.items():
            at = level == lv
            resolved[at] += _draw(rng, family, mean, cv, int(at.sum()))
        grid = rng.integers(0, len(GRIDS), n)
        for i in range(n):
            orders.append((reported[i], t.name, level[i], accepted[i], resolved[i], grid[i]))
    orders.sort(key=lambda o: o[0])
    rows = []
    for k, (rep, name, lv, acc, res, g) in enumerate(orders):
        words = LEVEL_WORDS[lv]
        style = k % 4
        rows.append([f"GD{k + 1:06d}", GRIDS[g][2], GRIDS[g][1], GRIDS[g][0], name, _when(rep, style),
                     _when(acc, style) if acc <= end else "", _when(res, style) if res <= end else "",
                     words[k % len(words)], "居民上报" if k % 3 else "走访发现"])
    return _with_bad_rows(rows, rng)


def _with_bad_rows(rows: list[list[str]], rng: np.random.Generator) -> Export:
    """Three bad rows of each kind at random places, and a totals row at the end."""
    bad = []
    for k in range(3):
        dup = list(rows[int(rng.integers(0, len(rows) // 2))])  # an id seen earlier in the file
        dup[9] = "重复导出"
        bad.append((dup, "duplicate id"))
        early = list(rows[int(rng.integers(0, len(rows)))])
        early[0], early[7] = f"BAD-R{k}", "2023/12/1 8:00"
        bad.append((early, "resolved before reported"))
        nogrid = list(rows[int(rng.integers(0, len(rows)))])
        nogrid[0], nogrid[3] = f"BAD-G{k}", ""
        bad.append((nogrid, "no grid"))
        notime = list(rows[int(rng.integers(0, len(rows)))])
        notime[0], notime[5] = f"BAD-T{k}", ""
        bad.append((notime, "no report time"))
    out = list(rows)
    # late positions, so a duplicate always comes after its first row
    for pos, (row, _) in zip(sorted(rng.choice(np.arange(len(rows) // 2, len(rows)), len(bad), replace=False))[::-1],
                             bad[::-1]):
        out.insert(int(pos), row)
    out.append(["合计", "", "", "", "", "", "", "", "", f"{len(rows)}"])
    ids = {id(r): reason for r, reason in bad}
    refused = {i + 2: ids[id(r)] for i, r in enumerate(out) if id(r) in ids}
    refused[len(out) + 1] = "totals row"
    return Export(out, refused)
