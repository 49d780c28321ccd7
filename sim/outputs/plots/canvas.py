"""Making and saving the figures of one folder: labels, source line, shading of warm-up, emergencies, wartime."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

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

    def label(self, key: str, **kw: Any) -> str:
        return self.L.get(key, key).format(**kw)

    def policy_label(self, policy: str) -> str:
        """A policy as readers see it: the scenario's label/label_zh, else its name in words."""
        from sim.outputs.glossary import label

        return label(f"policy:{policy}", self.lang, self.f.scenario)

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
