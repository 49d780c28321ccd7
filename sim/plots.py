"""Briefing figures, made from a results folder only (the model is never re-run).

One style, defined once (``STYLE``, ``PALETTE``): single-column width, units on
every axis (durations in days), the Okabe-Ito colour-blind-safe palette, a title
naming the subject, and a source line (scenario, replications, seed) in small
print.  ``lang="zh"`` labels everything in Chinese with a CJK font, and refuses
to draw (rather than draw empty boxes) when no CJK font is installed.
"""

from __future__ import annotations

import json
import math
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment import summarize
from sim.results import RunStore

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
WIDTH = 3.5  # inches: one column of a briefing paper
STYLE = {
    "figure.figsize": (WIDTH, 2.6),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "font.size": 7.5,
    "axes.titlesize": 8,
    "axes.titleweight": "bold",
    "axes.labelsize": 7.5,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.4,
    "lines.linewidth": 1.2,
    "axes.prop_cycle": None,  # set from PALETTE in _style()
    "pdf.fonttype": 42,  # embed TrueType: text stays text in PDF
    "svg.fonttype": "none",
}
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC",
                "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "day": "day of the run (days)", "backlog": "open issues (count)", "coverage": "households visited within interval (%)",
        "resolution_days": "resolution time (days)", "share_resolved": "share of issues resolved (%)",
        "utilization": "time working on issues (% of duty)", "role": "role",
        "t_backlog": "Backlog of open issues over the year", "t_ecdf": "How long residents wait for a resolution",
        "t_coverage": "Household visit coverage over time", "t_util": "How busy each role is with issues",
        "t_grid_p90": "Where issues take longest: p90 resolution by grid",
        "t_grid_cov": "Where visits fall short: coverage by grid",
        "t_policy": "Policies compared: means and 95% CIs", "t_forest": "Difference from {base} (paired 95% CI)",
        "diff_pct": "difference from {base} (% of its mean)",
        "t_sweep": "{metric} against {param}", "t_heat": "{metric} by design point",
        "emergency": "emergency", "wartime": "wartime mode", "warmup": "warm-up", "all_types": "all issues",
        "sla": "dotted: SLA of each type", "mean_band": "mean, 95% CI", "daily": "daily mean",
        "meets": "outlined: meets every target",
        "weekly_band": "7-day mean, 95% CI", "street": "street", "community": "community",
        "source": "gridsim · {scenario} · {what} · {n} replications · seed {seed}",
        "grid_workers": "grid workers", "sunk": "sunk cadres", "police": "police", "community_role": "community office",
        "street_role": "street office", "department": "departments",
        "resolution_hours_mean": "mean resolution (days)", "resolution_hours_p90": "p90 resolution (days)",
        "coverage_mean": "coverage (%)", "completion_rate": "completion (%)", "completion_rate_reported": "completion, reported (%)",
        "cadre_hours_on_duty": "cadre-days on duty (thousands)", "sla_attainment": "within SLA (%)",
        "backlog_mean": "mean backlog (issues)", "wait_hours_mean": "mean wait (days)", "coverage_min_grid": "worst-grid coverage (%)",
    },
    "zh": {
        "day": "运行天数（天）", "backlog": "未办结事项（件）", "coverage": "周期内入户走访覆盖率（%）",
        "resolution_days": "办理时长（天）", "share_resolved": "已办结事项占比（%）",
        "utilization": "办理事项时间占在岗时间（%）", "role": "岗位",
        "t_backlog": "全年未办结事项数量", "t_ecdf": "群众诉求办理时长分布",
        "t_coverage": "入户走访覆盖率变化", "t_util": "各岗位办理事项的忙碌程度",
        "t_grid_p90": "各网格办理时长（第90百分位）", "t_grid_cov": "各网格入户走访覆盖率",
        "t_policy": "方案比较：均值与95%置信区间", "t_forest": "与{base}方案之差（配对95%置信区间）",
        "diff_pct": "与{base}之差（占其均值的%）",
        "t_sweep": "{metric}随{param}的变化", "t_heat": "各方案点的{metric}",
        "emergency": "突发事件", "wartime": "战时状态", "warmup": "预热期", "all_types": "全部事项",
        "sla": "虚线：各类事项办理时限", "mean_band": "均值及95%置信区间", "daily": "日均值",
        "weekly_band": "7日均值及95%置信区间", "meets": "框出：全部指标达标", "street": "街道", "community": "社区",
        "source": "gridsim · {scenario} · {what} · {n}次重复 · 随机种子 {seed}",
        "grid_workers": "网格员", "sunk": "下沉干部", "police": "警格民警", "community_role": "社区",
        "street_role": "街道", "department": "区级部门",
        "resolution_hours_mean": "平均办理时长（天）", "resolution_hours_p90": "办理时长第90百分位（天）",
        "coverage_mean": "入户率（%）", "completion_rate": "办结率（%）", "completion_rate_reported": "办结率（已上报，%）",
        "cadre_hours_on_duty": "干部在岗人日（千）", "sla_attainment": "按时办结率（%）",
        "backlog_mean": "平均积压（件）", "wait_hours_mean": "平均等待（天）", "coverage_min_grid": "最差网格入户率（%）",
    },
}
# how a metric is shown: scale from its stored unit, and whether it is a duration in days
SCALE = {"resolution_hours_mean": 1 / 24, "resolution_hours_p90": 1 / 24, "wait_hours_mean": 1 / 24,
         "coverage_mean": 100, "coverage_min_grid": 100, "completion_rate": 100, "completion_rate_reported": 100,
         "sla_attainment": 100, "cadre_hours_on_duty": 1 / 8000, "backlog_mean": 1}
KEY_METRICS = ["resolution_hours_mean", "resolution_hours_p90", "coverage_mean", "completion_rate",
               "cadre_hours_on_duty"]


class PlotError(Exception):
    """The folder or the request cannot be plotted (exit code 2)."""


def _style(lang: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cycler import cycler

    style = dict(STYLE, **{"axes.prop_cycle": cycler(color=PALETTE)})
    if lang == "zh":
        style["font.family"] = "sans-serif"
        style["font.sans-serif"] = [cjk_font(), "DejaVu Sans"]
        style["axes.unicode_minus"] = False
    plt.rcParams.update(style)
    return plt


def cjk_font() -> str:
    """The name of an installed CJK font, or a PlotError saying how to get one."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in names:
            return fam
    raise PlotError("--lang zh needs a CJK font and none is installed: on Debian/Ubuntu "
                    "'apt-get install fonts-noto-cjk' (make setup does this when run as root), "
                    "then remove ~/.cache/matplotlib so matplotlib sees it")


# ---------------------------------------------------------------- reading a folder


@dataclass
class Folder:
    path: Path
    command: str
    summary: dict[str, Any]
    scenario: dict[str, Any]  # the resolved TOML of the first variant
    variants: list[str]
    runs: list[Any]  # RunOutcome, successful ones

    @classmethod
    def load(cls, path: str | Path) -> "Folder":
        path = Path(path)
        for name in ("command.json", "summary.json", "scenario.resolved.toml"):
            if not (path / name).is_file():
                raise PlotError(f"{path}: not a gridsim results folder (no {name}); "
                                "give the folder a run, compare or sweep wrote")
        command = json.loads((path / "command.json").read_text())
        runs = [o for o in RunStore(path).load() if o.ok]
        if not runs:
            raise PlotError(f"{path}: holds no finished runs to plot")
        return cls(path, command["command"], json.loads((path / "summary.json").read_text()),
                   tomllib.loads((path / "scenario.resolved.toml").read_text()), command["variants"], runs)

    @property
    def n(self) -> int:
        return self.summary.get("replications", 0)

    def series(self, variant: str) -> list[dict[str, list[float]]]:
        store = RunStore(self.path)
        found = [store.load_series(o.key) for o in self.runs if o.variant == variant]
        return [s for s in found if s is not None]

    def hours(self, key: str) -> float:
        cal = self.scenario.get("calendar", {})
        return float(cal.get(key, {"warmup_days": 28, "horizon_days": 365}[key])) * 24

    def emergencies(self) -> list[tuple[float, float]]:
        """Emergency windows in days since the start."""
        import datetime as dt

        start = self.scenario.get("calendar", {}).get("start", dt.date(2022, 1, 3))
        out = []
        for em in self.scenario.get("emergencies", []):
            s = em["start"]
            if isinstance(s, dt.datetime):
                d0 = (s - dt.datetime.combine(start, dt.time())).total_seconds() / 86400
            elif isinstance(s, dt.date):
                d0 = (s - start).days
            else:
                d0 = float(s)
            out.append((d0, d0 + float(em["duration_days"])))
        return out

    def sla_days(self) -> dict[str, float]:
        return {name: float(t.get("sla_hours", 72.0)) / 24 for name, t in self.scenario.get("issue_types", {}).items()}


# ---------------------------------------------------------------- helpers


class Figures:
    """Makes and saves the figures of one folder, in one language and format."""

    def __init__(self, folder: Folder, fmt: str, lang: str):
        if fmt not in ("png", "pdf", "svg"):
            raise PlotError(f"--format {fmt}: allowed: png, pdf, svg")
        if lang not in LABELS:
            raise PlotError(f"--lang {lang}: allowed: {', '.join(LABELS)}")
        self.f, self.fmt, self.lang = folder, fmt, lang
        self.L = LABELS[lang]
        self.plt = _style(lang)
        self.out = folder.path / "figures"
        self.out.mkdir(exist_ok=True)
        self.written: list[Path] = []

    def label(self, key: str, **kw: Any) -> str:
        return self.L.get(key, key).format(**kw)

    def role_label(self, role: str) -> str:
        return self.label({"community": "community_role", "street": "street_role"}.get(role, role))

    def source(self, fig, what: str) -> None:
        """The source line, just below everything else drawn (so it never covers an axis label)."""
        seed = self.f.summary.get("seeds", {}).get("root", "?")
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        fig.text(box.x0 / fig.get_figwidth(), (box.y0 - 0.04) / fig.get_figheight(),
                 self.label("source", scenario=self.f.summary.get("scenario", "?"), what=what, n=self.f.n, seed=seed),
                 fontsize=5.5, color="#555555", ha="left", va="top")

    def save(self, fig, name: str, what: str) -> Path:
        self.source(fig, what)
        path = self.out / f"{name}.{self.fmt}"
        fig.savefig(path)
        self.plt.close(fig)
        self.written.append(path)
        return path

    def shade_periods(self, ax, variant: str) -> None:
        """Warm-up and emergencies shaded; wartime as a bar along the top of the axes."""
        warm = self.f.hours("warmup_days") / 24
        ax.axvspan(0, warm, color="#e4e4e4", lw=0, label=self.label("warmup"))
        for i, (a, b) in enumerate(self.f.emergencies()):
            ax.axvspan(a, b, color=PALETTE[1], alpha=0.3, lw=0, label=self.label("emergency") if i == 0 else None)
        share = self.wartime_share(variant)
        if share is not None and share.max() > 0:
            days = np.arange(share.size)
            ax.fill_between(days, 0.96, 1.0, where=share >= 0.5, transform=ax.get_xaxis_transform(), step="post",
                            color=PALETTE[3], lw=0, label=self.label("wartime"))

    def wartime_share(self, variant: str) -> np.ndarray | None:
        """Per day, the share of replications in wartime mode at noon."""
        runs = [o for o in self.f.runs if o.variant == variant]
        if not runs:
            return None
        days = int(math.ceil(self.f.hours("horizon_days") / 24))
        noon = np.arange(days) * 24 + 12
        on = np.zeros(days)
        for o in runs:
            for a, b in o.wartime:
                on += (noon >= a) & (noon < b)
        return on / len(runs)

    @staticmethod
    def band(series: list[list[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean over replications and its 95% CI, point by point."""
        a = np.array(series, dtype=float)
        mean = np.nanmean(a, axis=0)
        if a.shape[0] < 2:
            return mean, mean, mean
        from scipy import stats

        half = stats.t.ppf(0.975, a.shape[0] - 1) * np.nanstd(a, axis=0, ddof=1) / math.sqrt(a.shape[0])
        return mean, mean - half, mean + half

    def metric_value(self, name: str, x: float) -> float:
        return x * SCALE.get(name, 1.0)


# ---------------------------------------------------------------- run figures


def run_figures(fg: Figures, variant: str) -> None:
    series = fg.f.series(variant)
    if not series:
        return
    days = np.arange(len(series[0]["backlog_daily"])) + 0.5
    what = variant

    fig, ax = fg.plt.subplots()
    weekly = [np.convolve(s["backlog_daily"], np.ones(7) / 7, mode="same") for s in series]
    mean, lo, hi = fg.band(weekly)
    fg.shade_periods(ax, variant)
    ax.plot(days, np.mean([s["backlog_daily"] for s in series], axis=0), color=PALETTE[5], lw=0.4,
            label=fg.label("daily"))
    ax.fill_between(days[3:-3], lo[3:-3], hi[3:-3], color=PALETTE[0], alpha=0.3, lw=0)
    ax.plot(days[3:-3], mean[3:-3], color=PALETTE[0], label=fg.label("weekly_band"))
    ax.set(xlabel=fg.label("day"), ylabel=fg.label("backlog"), title=fg.label("t_backlog"), xlim=(0, days[-1] + 0.5))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.35)
    ax.legend(loc="upper left", ncols=2)
    fg.save(fig, f"backlog-{variant}", what)

    if "coverage_daily" in series[0]:
        fig, ax = fg.plt.subplots()
        mean, lo, hi = fg.band([s["coverage_daily"] for s in series])
        fg.shade_periods(ax, variant)
        ax.fill_between(days, 100 * lo, 100 * hi, color=PALETTE[2], alpha=0.25, lw=0)
        ax.plot(days, 100 * mean, color=PALETTE[2], label=fg.label("mean_band"))
        bottom = max(0.0, 5 * math.floor((100 * np.nanmin(lo) - 4) / 5))  # the data's range, not 0-100
        ax.set(xlabel=fg.label("day"), ylabel=fg.label("coverage"), title=fg.label("t_coverage"),
               xlim=(0, days[-1] + 0.5), ylim=(bottom, 100.5))
        ax.legend(loc="lower right", ncols=2)
        fg.save(fig, f"coverage-{variant}", what)

    fig, ax = fg.plt.subplots()
    pct = np.linspace(0, 100, 101)
    overall = [s["resolution_quantiles"] for s in series if s.get("resolution_quantiles")]
    if overall:  # percentiles averaged over replications (Vincentization)
        ax.plot(np.mean(overall, axis=0) / 24, pct, color=PALETTE[7], lw=1.6, label=fg.label("all_types"))
    sla = fg.f.sla_days()
    for i, name in enumerate(sla):
        q = [s.get(f"resolution_quantiles_{name}") for s in series]
        q = [x for x in q if x]
        color = PALETTE[i % (len(PALETTE) - 1)]
        if q:
            ax.plot(np.mean(q, axis=0) / 24, pct, color=color, lw=0.8, label=name)
        ax.axvline(sla[name], color=color, lw=0.7, ls=":")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    ax.set_xscale("log")
    ax.set_xlim(left=0.01)
    ax.xaxis.set_major_locator(FixedLocator([0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set(xlabel=fg.label("resolution_days"), ylabel=fg.label("share_resolved"), title=fg.label("t_ecdf"), ylim=(0, 100))
    ax.legend(loc="lower right", title=fg.label("sla"), title_fontsize=6)
    fg.save(fig, f"resolution-ecdf-{variant}", what)

    metrics = fg.f.summary["metrics"] if fg.f.command == "run" else fg.f.summary["by_policy"][variant]["metrics"]
    roles = [(k.removeprefix("utilization_"), v) for k, v in metrics.items() if k.startswith("utilization_")]
    if roles:
        fig, ax = fg.plt.subplots()
        y = np.arange(len(roles))
        means = [100 * (v["mean"] or 0) for _, v in roles]
        errs = [[100 * ((v["mean"] or 0) - (v["ci95"][0] if v["ci95"][0] is not None else v["mean"] or 0)) for _, v in roles],
                [100 * ((v["ci95"][1] if v["ci95"][1] is not None else v["mean"] or 0) - (v["mean"] or 0)) for _, v in roles]]
        ax.barh(y, means, xerr=errs, color=PALETTE[0], error_kw={"lw": 0.8, "capsize": 2})
        ax.set_yticks(y, [fg.role_label(r) for r, _ in roles])
        ax.invert_yaxis()
        ax.set(xlabel=fg.label("utilization"), title=fg.label("t_util"))
        ax.grid(axis="y", visible=False)
        fg.save(fig, f"utilization-{variant}", what)

    grid_map(fg, variant, series, "grid_resolution_p90", "t_grid_p90", "resolution_days", 1 / 24, "viridis_r")
    if "grid_coverage" in series[0]:
        grid_map(fg, variant, series, "grid_coverage", "t_grid_cov", "coverage", 100, "viridis")


def grid_map(fg: Figures, variant: str, series, key: str, title: str, unit: str, scale: float, cmap: str) -> None:
    """Grids as tiles: one block per community, communities in rows by street."""
    import csv

    path = fg.f.path / "grids.csv"
    if not path.is_file():
        return
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    with warnings.catch_warnings():  # a grid with no resolved issue in any run stays NaN (grey)
        warnings.simplefilter("ignore", RuntimeWarning)
        values = np.nanmean(np.array([s[key] for s in series], dtype=float), axis=0) * scale
    streets: dict[str, dict[str, list[int]]] = {}
    for i, r in enumerate(rows):
        streets.setdefault(r["street"], {}).setdefault(r["community"], []).append(i)
    per_row = max(1, math.ceil(math.sqrt(max(len(g) for c in streets.values() for g in c.values()))))
    fig, ax = fg.plt.subplots(figsize=(WIDTH, WIDTH))
    ax.set_axis_off()
    import matplotlib.patches as mpatches
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    finite = values[np.isfinite(values)]
    norm = Normalize(vmin=float(finite.min()) if finite.size else 0, vmax=float(finite.max()) if finite.size else 1)
    cm = colormaps[cmap]
    y0 = 0.0
    for street, comms in streets.items():
        x0 = 0.0
        height = 0
        for comm, grids in comms.items():
            cols = min(per_row, len(grids))
            for j, g in enumerate(grids):
                cx, cy = x0 + j % cols, y0 + j // cols
                v = values[g]
                ax.add_patch(mpatches.Rectangle((cx, -cy), 0.92, 0.92, lw=0,
                                                color=cm(norm(v)) if np.isfinite(v) else "#cccccc"))
            height = max(height, math.ceil(len(grids) / cols))
            x0 += cols + 0.6
        ax.text(-0.5, -y0 + 0.45, street, ha="right", va="center", fontsize=6)
        y0 += height + 0.6
    width = max(sum(min(per_row, len(g)) + 0.6 for g in comms.values()) for comms in streets.values())
    ax.set_xlim(-2.5, width)
    ax.set_ylim(-y0 + 0.4, 1.2)
    ax.set_aspect("equal")
    sm = fg.plt.cm.ScalarMappable(norm=norm, cmap=cm)
    cb = fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.05, pad=0.02)
    cb.set_label(fg.label(unit), fontsize=6.5)
    cb.ax.tick_params(labelsize=6)
    ax.set_title(fg.label(title) + f"\n({fg.label('street')} ↓, {fg.label('community')} →)", fontsize=7.5)
    fg.save(fig, f"{key.replace('_', '-')}-{variant}", variant)


# ---------------------------------------------------------------- compare figures


def compare_figures(fg: Figures) -> None:
    s = fg.f.summary
    policies = s["policies"]
    base = s["reference"]
    metrics = [m for m in KEY_METRICS if m in s["by_policy"][base]["metrics"]]
    fig, axes = fg.plt.subplots(len(metrics), 1, figsize=(WIDTH, 0.55 + 0.62 * len(metrics) + 0.08 * len(policies) * len(metrics)),
                                sharex=False)
    axes = np.atleast_1d(axes)
    for ax, m in zip(axes, metrics):
        y = np.arange(len(policies))
        for i, p in enumerate(policies):
            v = s["by_policy"][p]["metrics"][m]
            mean = fg.metric_value(m, v["mean"])
            lo = fg.metric_value(m, v["ci95"][0] if v["ci95"][0] is not None else v["mean"])
            hi = fg.metric_value(m, v["ci95"][1] if v["ci95"][1] is not None else v["mean"])
            ax.errorbar(mean, i, xerr=[[mean - lo], [hi - mean]], fmt="o", ms=3, color=PALETTE[i % len(PALETTE)], capsize=2, lw=0.9)
        ax.set_yticks(y, policies)
        ax.invert_yaxis()
        ax.set_xlabel(fg.label(m), labelpad=1)
        ax.grid(axis="y", visible=False)
    axes[0].set_title(fg.label("t_policy"))
    fig.tight_layout(h_pad=0.6)
    fg.save(fig, "policies", ", ".join(policies))

    # forest plot: paired differences as % of the reference's mean, on one axis
    rows = []
    for m in metrics:
        ref = s["by_policy"][base]["metrics"][m]["mean"]
        for p in policies[1:]:
            d = s["differences"][p]["metrics"].get(m)
            if d is None or not ref:
                continue
            lo = d["ci95"][0] if d["ci95"][0] is not None else d["mean"]
            hi = d["ci95"][1] if d["ci95"][1] is not None else d["mean"]
            rows.append((m, p, 100 * d["mean"] / abs(ref), 100 * lo / abs(ref), 100 * hi / abs(ref)))
    if rows:
        fig, ax = fg.plt.subplots(figsize=(WIDTH, 0.7 + 0.17 * len(rows)))
        for i, (m, p, mean, lo, hi) in enumerate(rows):
            k = policies.index(p)
            ax.errorbar(mean, i, xerr=[[mean - lo], [hi - mean]], fmt="s", ms=3, color=PALETTE[k % len(PALETTE)], capsize=2, lw=0.9)
        ax.axvline(0, color="#333333", lw=0.7)
        ax.set_yticks(range(len(rows)), [f"{fg.label(m).split(' (')[0].split('（')[0]} · {p}" for m, p, *_ in rows])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set(xlabel=fg.label("diff_pct", base=base), title=fg.label("t_forest", base=base))
        fg.save(fig, "differences", ", ".join(policies))


# ---------------------------------------------------------------- sweep figures


def _sweep_table(fg: Figures):
    pts = fg.f.summary["points"]
    factors = [f["key"] for f in fg.f.summary["factors"]]
    return pts, factors


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _show(v: Any) -> str:
    return "+".join(map(str, v)) if isinstance(v, list) else str(v)


def sweep_figures(fg: Figures, targets: list[tuple[str, str, float]]) -> None:
    pts, factors = _sweep_table(fg)
    metrics = [m for m in KEY_METRICS if any(m in p["metrics"] for p in pts.values())]
    lhs = fg.f.summary.get("design") == "lhs"
    for x in factors:
        xs_all = [p["params"][x] for p in pts.values()]
        others = [f for f in factors if f != x]
        group_by = others[0] if others and len({_show(p["params"][others[0]]) for p in pts.values()}) <= 6 and not lhs else None
        for m in metrics:
            fig, ax = fg.plt.subplots()
            groups: dict[str, list[dict]] = {}
            for p in pts.values():
                groups.setdefault(_show(p["params"][group_by]) if group_by else "", []).append(p)
            for i, (g, members) in enumerate(groups.items()):
                members = sorted(members, key=lambda p: (p["params"][x] if _numeric(xs_all) else _show(p["params"][x])))
                xv = [p["params"][x] if _numeric(xs_all) else _show(p["params"][x]) for p in members]
                v = [p["metrics"].get(m) for p in members]
                mean = np.array([fg.metric_value(m, a["mean"]) if a and a["mean"] is not None else np.nan for a in v])
                lo = np.array([fg.metric_value(m, a["ci95"][0]) if a and a["ci95"][0] is not None else np.nan for a in v])
                hi = np.array([fg.metric_value(m, a["ci95"][1]) if a and a["ci95"][1] is not None else np.nan for a in v])
                color = PALETTE[i % len(PALETTE)]
                label = f"{group_by.split('.')[-1]} = {g}" if group_by else fg.label("mean_band")
                if lhs or not _numeric(xs_all):
                    ax.errorbar(xv, mean, yerr=[mean - lo, hi - mean], fmt="o", ms=2.5, color=color, capsize=1.5, lw=0.7, label=label)
                else:
                    ax.fill_between(xv, lo, hi, color=color, alpha=0.2, lw=0)
                    ax.plot(xv, mean, marker="o", ms=2.5, color=color, label=label)
            ax.set(xlabel=x, ylabel=fg.label(m), title=fg.label("t_sweep", metric=fg.label(m).split(" (")[0].split("（")[0],
                                                                     param=x.split(".")[-1]))
            ax.legend()
            fg.save(fig, f"sweep-{m}-by-{x.split('.')[-1]}", f"sweep of {', '.join(factors)}")
    if len(factors) == 2 and not lhs:
        heatmaps(fg, pts, factors, targets)


def heatmaps(fg: Figures, pts, factors: list[str], targets: list[tuple[str, str, float]]) -> None:
    fx, fy = factors
    xs = sorted({_show(p["params"][fx]) for p in pts.values()}, key=lambda v: _sortable(v))
    ys = sorted({_show(p["params"][fy]) for p in pts.values()}, key=lambda v: _sortable(v))
    cell = {(_show(p["params"][fx]), _show(p["params"][fy])): p["metrics"] for p in pts.values()}
    ok = np.zeros((len(ys), len(xs)), bool)
    for (xv, yv), met in cell.items():
        ok[ys.index(yv), xs.index(xv)] = all(_meets(met, *t) for t in targets)
    for m in ("resolution_hours_p90", "coverage_mean"):
        z = np.full((len(ys), len(xs)), np.nan)
        for (xv, yv), met in cell.items():
            if m in met and met[m]["mean"] is not None:
                z[ys.index(yv), xs.index(xv)] = fg.metric_value(m, met[m]["mean"])
        if np.isnan(z).all():
            continue
        fig, ax = fg.plt.subplots()
        im = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis_r" if "hours" in m else "viridis")
        ax.set_xticks(range(len(xs)), xs, rotation=45 if len(xs) > 6 else 0)
        ax.set_yticks(range(len(ys)), ys)
        ax.grid(False)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(z[i, j]) and len(xs) * len(ys) <= 60:
                    ax.text(j, i, f"{z[i, j]:.3g}", ha="center", va="center", fontsize=5.5,
                            color="white" if im.norm(z[i, j]) < 0.5 else "black")
                if ok[i, j]:
                    ax.add_patch(fg.plt.Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, ec=PALETTE[3], lw=1.8))
        cb = fig.colorbar(im, ax=ax)
        cb.set_label(fg.label(m))
        rule = " & ".join(f"{k} {op} {v:g}" for k, op, v in targets)
        ax.set(xlabel=fx, ylabel=fy)
        ax.set_title(fg.label("t_heat", metric=fg.label(m).split(" (")[0].split("（")[0])
                     + f"\n{fg.label('meets')} (□): {rule}", fontsize=7)
        fg.save(fig, f"heatmap-{m}", f"sweep of {fx}, {fy}")


def _sortable(v: str) -> tuple:
    try:
        return (0, float(v), v)
    except ValueError:
        return (1, 0.0, v)


def _meets(metrics: dict[str, Any], name: str, op: str, value: float) -> bool:
    m = metrics.get(name)
    if m is None or m["mean"] is None:
        return False
    return m["mean"] <= value if op == "<=" else m["mean"] >= value


DEFAULT_TARGETS = [("resolution_hours_p90", "<=", 72.0), ("coverage_mean", ">=", 0.95)]


def parse_target(text: str) -> tuple[str, str, float]:
    """'resolution_hours_p90<=72' -> (metric, '<=', 72.0), in the metric's stored unit."""
    for op in ("<=", ">="):
        if op in text:
            name, _, value = text.partition(op)
            try:
                return name.strip(), op, float(value)
            except ValueError:
                break
    raise PlotError(f"--target {text!r}: expected METRIC<=VALUE or METRIC>=VALUE, e.g. resolution_hours_p90<=72")


def plot_folder(path: str | Path, fmt: str = "png", lang: str = "en",
                targets: list[tuple[str, str, float]] | None = None) -> list[Path]:
    """Write every figure that fits the folder into ``path/figures``; return their paths."""
    folder = Folder.load(path)
    fg = Figures(folder, fmt, lang)
    if folder.command == "run":
        run_figures(fg, folder.variants[0])
    elif folder.command == "compare":
        compare_figures(fg)
        for v in folder.variants:
            run_figures(fg, v)
    elif folder.command == "sweep":
        sweep_figures(fg, targets or DEFAULT_TARGETS)
    return fg.written


def summarize_runs(values: list[float]):
    return summarize(values)
