"""The wave loop of history matching, independent of what computes the outputs.

    hist = history_match(box, targets, simulate, waves=3, runs_per_wave=40, replications=5)

``simulate(wave, x)`` runs the rows of ``x`` and returns, per row and target, the mean
over the replications and the variance of that mean.  Each wave:

1. designs points: a Latin hypercube over the box (wave 1), else a space-filling design in
   the region the earlier waves have not ruled out (``space.sample_region``);
2. runs them;
3. fits, per target, an emulator (``sim.decide.emulator``) on every point run so far that lies
   in that region, and checks it by leave-one-out; one that fails rules nothing out this wave;
   the simulation variance at any x is emulated too (a second emulator of its logarithm);
4. the region shrinks to where every wave's implausibility (``implausibility.combine`` by the
   rule) stays below the cutoff; its share of the box is measured on a fixed uniform sample.

It stops early when nothing is left (no plausible set: a finding, with the conflicting targets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.decide.emulator import Emulator, fit_emulator, noise_at, noise_emulator
from sim.decide.history.implausibility import combine, implausibility, sd_target
from sim.decide.history.space import Box, latin_hypercube, sample_region, uniform

SAMPLE_SIZE = 2000  # the fixed uniform sample of the box that measures what is still plausible
MIN_PLAUSIBLE = 100  # plausible.csv is filled up to this many rows from the emulators' region

Simulator = Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class TargetSpec:
    """A target as history matching uses it: the value z and the tolerance that sets Var_target."""

    metric: str
    value: float
    tolerance: float
    source: str = ""
    evidence: str = ""  # the scenario target's kind (EVIDENCE); "records" for a fit.json's arrivals

    @property
    def sd(self) -> float:
        return sd_target(self.value, self.tolerance)


@dataclass
class WaveModel:
    """One wave's emulators (per target: None when there were too few points to fit one)."""

    emulators: dict[str, Emulator | None]
    noise: dict[str, Emulator | float]  # per target: emulator of log Var_simulation, or a pooled variance
    passed: dict[str, bool]

    def var_simulation(self, metric: str, x: np.ndarray) -> np.ndarray:
        v = self.noise[metric]
        return np.full(len(x), v) if isinstance(v, float) else noise_at(v, x)

    def implausibilities(self, x: np.ndarray, targets: list[TargetSpec]) -> np.ndarray:
        """Rows: points; columns: targets; 0 where the target's emulator failed or is missing."""
        out = np.zeros((len(x), len(targets)))
        for j, t in enumerate(targets):
            em = self.emulators[t.metric]
            if em is None or not self.passed[t.metric]:
                continue
            mean, var_em = em.predict(x)
            out[:, j] = implausibility(t.value, mean, var_em + self.var_simulation(t.metric, x) + t.sd**2)
        return out


@dataclass
class Region:
    """What the waves so far leave: a point is in it when no wave's implausibility reaches the cutoff."""

    targets: list[TargetSpec]
    cutoff: float
    rule: str
    models: list[WaveModel] = field(default_factory=list)

    def judge(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row: the wave that ruled it out (0: none), the combined implausibility then (or after the last
        wave), and the per-target implausibilities of that wave."""
        x = np.atleast_2d(x)
        ruled = np.zeros(len(x), dtype=int)
        i_comb = np.zeros(len(x))
        i_each = np.zeros((len(x), len(self.targets)))
        for w, model in enumerate(self.models, 1):
            live = ruled == 0
            if not live.any():
                break
            each = model.implausibilities(x[live], self.targets)
            comb = combine(each, self.rule)
            i_each[live], i_comb[live] = each, comb
            ruled[np.flatnonzero(live)[comb >= self.cutoff]] = w
        return ruled, i_comb, i_each

    def inside(self, x: np.ndarray) -> np.ndarray:
        return self.judge(x)[0] == 0


@dataclass
class WaveRecord:
    wave: int
    points: int
    runs: int
    plausible_share: float
    emulators: dict[str, dict[str, float | int | bool | None]]  # metric -> loo_max_abs, loo_outside, passed


@dataclass
class History:
    """Everything a history match found; ``command.py`` writes it into the results folder."""

    box: Box
    targets: list[TargetSpec]
    cutoff: float
    rule: str
    replications: int
    region: Region
    waves: list[WaveRecord]
    x: np.ndarray  # every point run (rows), in the order run
    wave_of: np.ndarray  # the wave each point ran in
    means: np.ndarray  # rows: points; columns: targets
    var_of_mean: np.ndarray
    sample: np.ndarray  # the fixed uniform sample of the box
    plausible: np.ndarray  # the plausible parameter sets (rows)

    def point_implausibility(self) -> np.ndarray:
        """Per point and target: |z - simulated mean| / sqrt(Var_simulation + Var_target)."""
        z = np.array([t.value for t in self.targets])
        sd = np.array([t.sd for t in self.targets])
        return np.abs(z - self.means) / np.sqrt(self.var_of_mean + sd**2)

    def point_plausible(self) -> np.ndarray:
        return combine(self.point_implausibility(), self.rule) < self.cutoff

    def spread(self) -> dict[str, float]:
        """Per target, the range of its simulated means over every point run: one within its sd_target cannot
        rule anything out (the box barely moves it)."""
        return {t.metric: float(np.nanmax(self.means[:, j]) - np.nanmin(self.means[:, j]))
                if np.isfinite(self.means[:, j]).any() else float("nan") for j, t in enumerate(self.targets)}

    def conflicts(self) -> list[str]:
        """When nothing is plausible: the targets that rule out most of the box on their own (largest first)."""
        if len(self.plausible):
            return []
        _, _, each = self.region.judge(self.sample)
        share = (each >= self.cutoff).mean(axis=0)
        if not self.region.models:  # no emulator: judge by the points run
            share = (np.nan_to_num(self.point_implausibility(), nan=0.0) >= self.cutoff).mean(axis=0)
        order = np.argsort(-share, kind="stable")
        top = share[order[0]]
        return [self.targets[j].metric for j in order if share[j] > 0 and share[j] >= top / 2]


def _fit(x: np.ndarray, y: np.ndarray, v: np.ndarray, dof: int, lo: np.ndarray, hi: np.ndarray,
         seed: int) -> tuple[Emulator | None, Emulator | float]:
    """An emulator of the mean, and one of log Var_simulation from the points' variances of their means (``dof``
    degrees of freedom each), which also smooths the mean emulator's nugget; a pooled variance when some point has
    none."""
    ok = np.isfinite(y) & np.isfinite(v)
    x, y, v = x[ok], y[ok], v[ok]
    if len(x) < x.shape[1] + 3:
        return None, float(np.median(v)) if len(v) else 0.0
    noise = noise_emulator(x, v, dof, lo, hi, seed)
    if noise is None:
        return fit_emulator(x, y, v, lo, hi, seed), float(np.median(v))
    return fit_emulator(x, y, noise_at(noise, x), lo, hi, seed), noise


def _fit_wave(region: Region, x: np.ndarray, means: np.ndarray, var: np.ndarray, box: Box, dof: int,
              seed: int) -> tuple[WaveModel, dict[str, dict[str, float | int | bool | None]]]:
    train = region.inside(x)
    xs = x[train]
    lo, hi = xs.min(axis=0), xs.max(axis=0)
    wide = hi - lo <= 0
    lo, hi = np.where(wide, box.lo, lo), np.where(wide, box.hi, hi)
    ems, noise, passed, diag = {}, {}, {}, {}
    for j, t in enumerate(region.targets):
        em, noise[t.metric] = _fit(xs, means[train, j], var[train, j], dof, lo, hi, seed)
        ems[t.metric] = em
        d = em.diagnostics() if em is not None else None
        passed[t.metric] = bool(d is not None and d.passed)
        diag[t.metric] = {"loo_max_abs": d.max_abs if d else None, "loo_outside": d.outside if d else 0,
                          "passed": passed[t.metric]}
    return WaveModel(ems, noise, passed), diag


def history_match(box: Box, targets: list[TargetSpec], simulate: Simulator, waves: int, runs_per_wave: int,
                  replications: int, cutoff: float, rule: str, seed: int,
                  on_wave: Callable[[WaveRecord], None] = lambda _: None) -> History:
    """Run the waves (see the module's docstring)."""
    region = Region(targets, cutoff, rule)
    sample = uniform(box, SAMPLE_SIZE, seed)
    d, t = len(box.factors), len(targets)
    x, wave_of = np.empty((0, d)), np.empty(0, dtype=int)
    means, var = np.empty((0, t)), np.empty((0, t))
    records: list[WaveRecord] = []
    for w in range(1, waves + 1):
        if w == 1:
            design = latin_hypercube(box, runs_per_wave, seed)
        else:
            design = sample_region(box, runs_per_wave, region.inside, sample[region.inside(sample)], seed + w)
        if not len(design):
            break
        m, v = simulate(w, design)
        x, wave_of = np.vstack([x, design]), np.concatenate([wave_of, np.full(len(design), w)])
        means, var = np.vstack([means, m]), np.vstack([var, v])
        model, diag = _fit_wave(region, x, means, var, box, replications - 1, seed)
        region.models.append(model)
        share = float(region.inside(sample).mean())
        records.append(WaveRecord(w, len(design), len(design) * replications, share, diag))
        on_wave(records[-1])
        if share == 0:
            break
    hist = History(box, targets, cutoff, rule, replications, region, records, x, wave_of, means, var, sample,
                   np.empty((0, d)))
    hist.plausible = _plausible(hist, seed)
    return hist


def _plausible(h: History, seed: int) -> np.ndarray:
    """The last wave's points plausible by their simulated means and inside the region, filled up to
    MIN_PLAUSIBLE from a large sample of the box the emulators do not rule out."""
    last = h.wave_of == h.waves[-1].wave if h.waves else np.zeros(len(h.x), dtype=bool)
    ran = h.x[last & h.point_plausible() & h.region.inside(h.x)] if len(h.x) else h.x
    if len(ran) >= MIN_PLAUSIBLE or not h.region.inside(h.sample).any():
        return ran
    more = sample_region(h.box, MIN_PLAUSIBLE - len(ran), h.region.inside, h.sample[h.region.inside(h.sample)],
                         seed + 10_000)
    return np.vstack([ran, more])
