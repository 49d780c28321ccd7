"""Making and saving the figures of one folder: labels, source line, shading of warm-up, emergencies, wartime."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.outputs.glossary import emergency_label
from sim.outputs.plots.folder import Folder
from sim.outputs.plots.labels import LABELS, SCALE
from sim.outputs.plots.style import PALETTE, PlotError, pyplot_styled


LANG_SUFFIX = {"en": "", "zh": ".zh"}


class Figures:
    """Makes and saves the figures of one folder, in one language and format."""

    def __init__(self, folder: Folder, fmt: str, lang: str):
        if fmt not in ("png", "pdf", "svg"):
            raise PlotError(f"--format {fmt}: allowed: png, pdf, svg")
        if lang not in LABELS:
            raise PlotError(f"--lang {lang}: allowed: {', '.join(LABELS)}")
        self.f, self.fmt, self.lang = folder, fmt, lang
        self.L = LABELS[lang]
        self.plt = pyplot_styled(lang)
        self.out = folder.path / "figures"
        self.out.mkdir(exist_ok=True)
        self.written: list[Path] = []
        self._shared: dict[str, Any] = {}

    def label(self, key: str, **kw: Any) -> str:
        return self.L.get(key, key).format(**kw)

    def policy_label(self, policy: str) -> str:
        """A policy as readers see it: the scenario's label/label_zh, else its name in words."""
        from sim.outputs.glossary import label

        return label(f"policy:{policy}", self.lang, self.f.scenario)

    def param_label(self, key: str) -> str:
        """A parameter as readers see it (``cadres.sunk.count`` -> 'sunk cadres')."""
        from sim.outputs.glossary import param_label

        return param_label(key, self.lang, self.f.scenario)

    def type_label(self, name: str) -> str:
        """An issue type as readers see it: the scenario's label/label_zh, else its name."""
        from sim.outputs.glossary import label

        return label(f"type:{name}", self.lang, self.f.scenario)

    def policies_label(self, policies: list[str]) -> str:
        """Policies as the source line names them: their labels, joined."""
        return ("、" if self.lang == "zh" else ", ").join(self.policy_label(p) for p in policies)

    def shared(self, key: str, compute) -> Any:
        """A value computed once over every policy of the folder (an axis range, a colour scale), so that
        the same metric is drawn on the same scale whichever policy a figure shows."""
        if key not in self._shared:
            self._shared[key] = compute([self.f.series(v) for v in self.f.variants])
        return self._shared[key]

    def start_date(self) -> dt.date:
        start = self.f.scenario.get("calendar", {}).get("start", dt.date(2022, 1, 3))
        return start.date() if isinstance(start, dt.datetime) else start

    def time_axis(self, ax, days: float) -> None:
        """Days of the run shown as dates: months for runs over 90 days, else weeks."""
        from matplotlib.ticker import FixedLocator

        start = self.start_date()
        end = start + dt.timedelta(days=math.ceil(days))
        if days > 90:
            ticks = [dt.date(y, m, 1) for y in range(start.year, end.year + 1) for m in range(1, 13)]
            ticks = [d for d in ticks if start <= d <= end]
            text = [(f"{d.month}月" if self.lang == "zh" else d.strftime("%b")) for d in ticks]
        else:
            ticks = [start + dt.timedelta(days=k) for k in range(0, int(days) + 1, 7)]
            text = [(f"{d.month}月{d.day}日" if self.lang == "zh" else f"{d.strftime('%b')} {d.day}") for d in ticks]
        ax.xaxis.set_major_locator(FixedLocator([(d - start).days for d in ticks]))
        ax.set_xticklabels(text)
        years = sorted({start.year, (end - dt.timedelta(days=1)).year})
        ax.set_xlabel(self.label("month_of", y="–".join(map(str, years))) if days > 90 else
                      f"{self.label('date')} ({'–'.join(map(str, years))})")

    @staticmethod
    def legend_below(ax) -> None:
        """The legend under the axes, where it hides no data (time series fill their whole width)."""
        n = len(ax.get_legend_handles_labels()[0])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), ncols=min(3, n), fontsize=6, borderaxespad=0)

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
        path = self.out / f"{name}{LANG_SUFFIX[self.lang]}.{self.fmt}"  # zh beside en: neither overwrites the other
        fig.savefig(path)
        self.plt.close(fig)
        self.written.append(path)
        return path

    def _emergency_spans(self) -> list[tuple[float, float, dict[str, Any]]]:
        horizon = self.f.hours("horizon_days") / 24
        return [(a, min(b, horizon), em) for (a, b), em in zip(self.f.emergencies(), self.f.scenario.get("emergencies", []))
                if a < horizon]

    def shade_periods(self, ax, variant: str) -> None:
        """Warm-up and emergencies shaded; wartime as a bar along the top of the axes."""
        warm = self.f.hours("warmup_days") / 24
        ax.axvspan(0, warm, color="#e4e4e4", lw=0, label=self.label("warmup"))
        share = self.wartime_share(variant)
        for i, (a, b, _) in enumerate(self._emergency_spans()):
            ax.axvspan(a, b, color=PALETTE[1], alpha=0.3, lw=0, label=self.label("emergency") if i == 0 else None)
        if share is not None and share.max() > 0:
            days = np.arange(share.size)
            ax.fill_between(days, 0.96, 1.0, where=share >= 0.5, transform=ax.get_xaxis_transform(), step="post",
                            color=PALETTE[3], lw=0, label=self.label("wartime"))

    def name_emergencies(self, ax, variant: str) -> None:
        """Beside each emergency, what explains the curve there (its name, its wartime duty, the visiting pause),
        at the height where the plotted lines leave the most room (called once the data are drawn)."""
        pause = self.f.scenario.get("wartime", {}).get("pause_visits", True)
        share = self.wartime_share(variant)
        for a, b, em in self._emergency_spans():
            war = share is not None and share[int(a):int(math.ceil(b)) + 1].max(initial=0) >= 0.5
            words = [emergency_label(em, self.lang)] + ([self.label("wartime")] if war else []) + \
                ([self.label("visits_paused")] if war and pause else [])
            ax.annotate("\n".join(words), xy=(b, self._free_height(ax, b, b + 30)), xycoords=("data", "axes fraction"),
                        xytext=(3, 0), textcoords="offset points", fontsize=5.5, color="#8a5a00", va="center")

    @staticmethod
    def _free_height(ax, x0: float, x1: float) -> float:
        """The middle of the widest vertical gap (axes fraction, 0.12-0.85) between the lines over [x0, x1]."""
        lo, hi = ax.get_ylim()
        ys = [0.12, 0.85]
        for line in ax.get_lines():
            x, y = (np.asarray(v, float) for v in line.get_data())
            inside = (x >= x0) & (x <= x1) & np.isfinite(y)
            ys += np.clip((y[inside] - lo) / (hi - lo), 0.12, 0.85).tolist()
        ys = np.unique(ys)
        k = int(np.argmax(np.diff(ys)))
        return float((ys[k] + ys[k + 1]) / 2)

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
