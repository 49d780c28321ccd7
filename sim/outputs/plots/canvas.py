"""Making and saving the figures of one folder: labels, source line, shading of warm-up, emergencies, wartime."""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from sim.outputs.glossary import emergency_label
from sim.outputs.plots.folder import Folder
from sim.outputs.plots.labels import LABELS, SCALE, figure_value
from sim.outputs.plots.style import PALETTE, PlotError, pyplot_styled


LANG_SUFFIX = {"en": "", "zh": ".zh"}


class Figures:
    """Makes and saves the figures of one folder, in one language and format."""

    def __init__(self, folder: Folder, fmt: str, lang: str, targets: list[tuple[str, str, float]] = (),
                 targets_given: bool = True):
        if fmt not in ("png", "pdf", "svg"):
            raise PlotError(f"--format {fmt}: allowed: png, pdf, svg")
        if lang not in LABELS:
            raise PlotError(f"--lang {lang}: allowed: {', '.join(LABELS)}")
        self.f, self.fmt, self.lang = folder, fmt, lang
        self.targets = list(targets)  # (metric, '<=' or '>=', value in the stored unit): drawn where they apply
        self.targets_given = targets_given  # False: gridsim's illustrative defaults, not anyone's published target
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

    def metric_name(self, metric: str) -> str:
        """A metric's name as readers see it, without its unit (the unit goes on the axis)."""
        from sim.outputs.glossary import metric_label

        return metric_label(metric, self.lang, self.f.scenario)

    def param_label(self, key: str) -> str:
        """A parameter as readers see it (``cadres.sunk.count`` -> 'sunk cadres')."""
        from sim.outputs.glossary import param_label

        return param_label(key, self.lang, self.f.scenario)

    def type_label(self, name: str) -> str:
        """An issue type as readers see it: the scenario's label/label_zh, else its name."""
        from sim.outputs.glossary import label

        return label(f"type:{name}", self.lang, self.f.scenario)

    def target_text(self, targets: list[tuple[str, str, float]]) -> str:
        """Targets in the reader's words and the axes' units: 'p90 resolution time ≤ 72 h, visit coverage ≥ 95%'."""
        from sim.outputs.glossary import metric_label

        return ("，" if self.lang == "zh" else ", ").join(
            f"{metric_label(m, self.lang)} {'≤' if op == '<=' else '≥'} {figure_value(m, v, self.lang)}"
            for m, op, v in targets)

    def target_of(self, metric: str) -> tuple[str, str, float] | None:
        return next((t for t in self.targets if t[0] == metric), None)

    def listing(self, items) -> str:
        """Names in a row: 'a, b' in English, 'a、b' in Chinese."""
        return ("、" if self.lang == "zh" else ", ").join(items)

    def policies_label(self, policies: list[str]) -> str:
        """Policies as the source line names them: their labels, joined."""
        return self.listing(self.policy_label(p) for p in policies)

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
        """Days of the run shown as dates: months for runs over 90 days (every other month over 300 days, quarters
        over 600, each January by its year), else weeks (fortnights over 49 days)."""
        from matplotlib.ticker import FixedLocator

        start = self.start_date()
        end = start + dt.timedelta(days=math.ceil(days))
        ticks, text = self._months(start, end, days) if days > 90 else self._weeks(start, days)
        ax.xaxis.set_major_locator(FixedLocator([(d - start).days for d in ticks]))
        ax.set_xticklabels(text)
        if days > 300:  # the months between the labelled ones
            firsts = [dt.date(y, m, 1) for y in range(start.year, end.year + 1) for m in range(1, 13)]
            ax.xaxis.set_minor_locator(FixedLocator([(d - start).days for d in firsts if start <= d <= end]))
        years = sorted({start.year, (end - dt.timedelta(days=1)).year})
        span = "–".join(map(str, years))
        ax.set_xlabel(self.label("month_of", y=span) if days > 90 else
                      f"{self.label('date')}（{span}年）" if self.lang == "zh" else f"{self.label('date')} ({span})")

    def _months(self, start: dt.date, end: dt.date, days: float) -> tuple[list[dt.date], list[str]]:
        step = 1 if days <= 300 else 2 if days <= 600 else 3 * math.ceil(days / 1100)  # labels that never touch
        ticks = [dt.date(y, m, 1) for y in range(start.year, end.year + 1) for m in range(1, 13, step)]
        ticks = [d for d in ticks if start <= d <= end]
        zh = self.lang == "zh"
        return ticks, [(f"{d.year}年" if zh else str(d.year)) if d.month == 1 and end.year > start.year else
                       (f"{d.month}月" if zh else d.strftime("%b")) for d in ticks]

    def _weeks(self, start: dt.date, days: float) -> tuple[list[dt.date], list[str]]:
        step = 7 * math.ceil(days / 49)  # weekly up to seven weeks, then fortnightly: no labels run together
        ticks = [start + dt.timedelta(days=k) for k in range(0, int(days) + 1, step)]
        return ticks, [(f"{d.month}月{d.day}日" if self.lang == "zh" else f"{d.strftime('%b')} {d.day}") for d in ticks]

    @staticmethod
    def legend_below(ax) -> None:
        """The legend under the axes, where it hides no data (time series fill their whole width)."""
        n = len(ax.get_legend_handles_labels()[0])
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.24), ncols=min(3, n), fontsize=6, borderaxespad=0)

    def role_label(self, role: str) -> str:
        return self.label({"community": "community_role", "street": "street_role"}.get(role, role))

    def source(self, fig, what: str, each: str | None = None) -> None:
        """The source line, just below everything else drawn (so it never covers an axis label). ``each``: the
        replications of each of several candidates ('3–5') where they differ from the folder's count."""
        seed = self.f.summary.get("seeds", {}).get("root", "?")
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        text = self.label("source" if each is None else "source_each", scenario=self.f.summary.get("scenario", "?"),
                          what=what, n=self.f.n if each is None else each, seed=seed)
        fig.text(box.x0 / fig.get_figwidth(), (box.y0 - 0.04) / fig.get_figheight(), _wrap(text, 25 * box.width),
                 fontsize=5.5, color="#555555", ha="left", va="top")

    def pooled_sets(self) -> int:
        """How many plausible parameter sets the folder's runs pool (compare --ensemble), else 0."""
        e = self.f.summary.get("ensemble") if self.f.command == "compare" else None
        return len(e.get("sets") or []) if e else 0

    def _pooled_banner(self, fig) -> None:
        """Above everything drawn, that a figure of pooled runs is an average over the plausible sets: its means
        and bands mix districts, so it must not read as one district's."""
        box = fig.get_tightbbox(fig.canvas.get_renderer())
        text = self.label("pooled_sets", k=self.pooled_sets())
        fig.text(box.x0 / fig.get_figwidth(), (box.y1 + 0.07) / fig.get_figheight(), _wrap(text, 21 * box.width),
                 fontsize=6.5, color="#8a5a00", ha="left", va="bottom")

    def save(self, fig, name: str, what: str, each: str | None = None, per_set: bool = False) -> Path:
        """Write the figure with its source line; over an ensemble, a figure not drawn ``per_set`` says that it
        pools the sets."""
        if self.pooled_sets() and not per_set:
            self._pooled_banner(fig)
        self.source(fig, what, each)
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
        on the side and at the height where the plotted data leave the most room (called once the data are drawn)."""
        scenario = self.f.variant_scenario(variant)
        pause = scenario.get("wartime", {}).get("pause_visits", True) and scenario.get("visits", {}).get("enabled", True)
        share = self.wartime_share(variant)
        for a, b, em in self._emergency_spans():
            war = share is not None and share[int(a):int(math.ceil(b)) + 1].max(initial=0) >= 0.5
            words = [emergency_label(em, self.lang)] + ([self.label("wartime")] if war else []) + \
                ([self.label("visits_paused")] if war and pause else [])
            x, y, right = self._note_place(ax, a, b)
            ax.annotate("\n".join(words), xy=(x, y), xycoords=("data", "axes fraction"), xytext=(3 if right else -3, 0),
                        textcoords="offset points", fontsize=5.5, color="#8a5a00", va="center",
                        ha="left" if right else "right")

    @classmethod
    def _note_place(cls, ax, a: float, b: float) -> tuple[float, float, bool]:
        """(x, height, right of the span?): the side of the span [a, b] whose widest gap is widest, counting
        only the room that lies inside the axes."""
        lo, hi = ax.get_xlim()
        w = 0.2 * (hi - lo)
        sides = []
        for x, x0, x1, right in ((b, b, b + w, True), (a, a - w, a, False)):
            mid, gap = cls._free_height(ax, x0, x1)
            sides.append((gap * min(1.0, (hi - b if right else a - lo) / w), x, mid, right))
        _, x, mid, right = max(sides, key=lambda t: t[0])
        return x, mid, right

    @staticmethod
    def _free_height(ax, x0: float, x1: float) -> tuple[float, float]:
        """The middle and the height of the widest vertical gap (axes fraction, 0.12-0.85) that the lines and
        bands drawn over [x0, x1] leave."""
        levels = np.linspace(0.12, 0.85, 74)
        free = np.ones(levels.size, bool)
        for y0, y1 in _occupied(ax, x0, x1):
            free &= (levels < y0 - 0.03) | (levels > y1 + 0.03)
        if not free.any():
            return 0.5, 0.0
        edges = np.flatnonzero(np.diff(np.r_[0, free.astype(int), 0]))
        starts, ends = edges[::2], edges[1::2] - 1
        k = int(np.argmax(ends - starts))
        return float((levels[starts[k]] + levels[ends[k]]) / 2), float(levels[ends[k]] - levels[starts[k]])

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


def _occupied(ax, x0: float, x1: float):
    """Vertical spans (axes fraction) covered over [x0, x1]: each segment of each line, each band in data units."""
    lo, hi = ax.get_ylim()
    for line in ax.get_lines():
        x, y = (np.asarray(v, float) for v in line.get_data())
        keep = (x >= x0) & (x <= x1) & np.isfinite(y)
        y = (y[keep] - lo) / (hi - lo)
        if y.size:
            pairs = np.stack([y[:-1], y[1:]]) if y.size > 1 else np.stack([y, y])
            yield from zip(pairs.min(axis=0), pairs.max(axis=0))
    for coll in ax.collections:
        if coll.get_transform() != ax.transData:  # the wartime bar lies along the top, outside the notes' room
            continue
        for path in coll.get_paths():
            v = path.vertices[(path.vertices[:, 0] >= x0) & (path.vertices[:, 0] <= x1)]
            if v.size:
                yield (v[:, 1].min() - lo) / (hi - lo), (v[:, 1].max() - lo) / (hi - lo)


AXIS_LABEL_WIDTH = 32  # characters: a longer y label, upright beside a figure's short axes, runs into the title


def axis_text(text: str, width: int = AXIS_LABEL_WIDTH) -> str:
    """A long axis label on lines of at most ``width`` characters, broken between words (a Chinese label, with
    no spaces, is left whole)."""
    return textwrap.fill(text, width, break_long_words=False)


def _wrap(text: str, width: float) -> str:
    """``text`` in lines of at most ``width`` Latin characters of 5.5 pt type (a CJK one counts two), broken after
    its separators (' · ', ', ', '、'): a long list of policies must not widen the figure."""
    lines = [""]
    for part in re.split(r"(?<=· )|(?<=, )|(?<=、)", text):
        if lines[-1] and sum(2 if ord(c) > 0x2E80 else 1 for c in lines[-1] + part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(line.rstrip() for line in lines)
