"""Figures of a sensitivity study (from summary.json's ``sensitivity`` block; nothing is re-run).

- Morris: per metric, the mu*-sigma chart: each factor at (mu*, sigma) with mu*'s 95%
  bootstrap interval as a horizontal bar, and the line sigma = mu* (above it, the
  factor's effect changes a lot across the design: non-linear, or interacting).
- Sobol: per metric, S1 and ST bars per factor with their 95% bootstrap intervals.

Factors and metrics are named from the glossary (``param_label``, ``axis``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.outputs.glossary import param_label, unit_label, word
from sim.outputs.numbers import share_percent, stored_shown
from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.style import PALETTE, WIDTH



def _w(fg: Figures, key: str, **kw: Any) -> str:
    return word("sens_" + key, fg.lang, **kw)  # the figure's words are in the glossary


def _num(x: Any) -> float:
    return float(x) if isinstance(x, (int, float)) and x is not None and math.isfinite(x) else math.nan


def sensitivity_figures(fg: Figures) -> None:
    block = fg.f.summary.get("sensitivity") or {}
    for metric, by_factor in block.get("indices", {}).items():
        factors = block.get("ranking", {}).get(metric, list(by_factor))[::-1]  # most influential on top
        if block.get("method") == "morris":
            _morris(fg, block, metric, by_factor)
        else:
            _sobol(fg, block, metric, by_factor, factors)


def _title(fg: Figures, block: dict[str, Any], metric: str, key: str) -> str:
    name = fg.metric_name(metric)
    share = _num(block.get("noise_share", {}).get(metric))
    noise = _w(fg, "noise", x=share_percent(share)) if math.isfinite(share) else ""
    return _w(fg, key, metric=name) + (f" · {noise}" if noise else "")


def _save(fg: Figures, fig, block: dict[str, Any], name: str, metric: str) -> None:
    what = _w(fg, "what", method=str(block.get("method", "")).capitalize(), points=block.get("points"))
    if block.get("sample_too_small", {}).get(metric):  # the report's warning, where the bars are read too
        what += " · " + _w(fg, "small_emulator" if block.get("method") == "sobol-emulator" else "small")
    fg.save(fig, name, what)


def _morris(fg: Figures, block: dict[str, Any], metric: str, by_factor: dict[str, Any]) -> None:
    keys = list(by_factor)
    mu = np.array([_num(by_factor[k].get("mu_star")) for k in keys])
    conf = np.array([_num(by_factor[k].get("mu_star_conf")) for k in keys])
    sigma = np.array([_num(by_factor[k].get("sigma")) for k in keys])
    shown = stored_shown(metric, diff=True)  # effects are changes: the terminal's and the report's unit
    scale, unit = shown.scale, unit_label(shown.unit, fg.lang)
    mu, conf, sigma = mu * scale, conf * scale, sigma * scale
    fig, ax = fg.plt.subplots(figsize=(WIDTH, WIDTH * 0.85))
    top = float(np.nanmax(np.r_[mu + np.nan_to_num(conf), sigma, 1e-12])) * 1.1
    ax.plot([0, top], [0, top], ls="--", lw=0.7, color="#888888", label=_w(fg, "diagonal"))
    for i, k in enumerate(keys):
        lo = max(0.0, mu[i] - conf[i]) if math.isfinite(conf[i]) else mu[i]
        hi = mu[i] + conf[i] if math.isfinite(conf[i]) else mu[i]
        color = PALETTE[i % len(PALETTE)]
        ax.errorbar(mu[i], sigma[i], xerr=[[mu[i] - lo], [hi - mu[i]]], fmt="o", ms=4, color=color, capsize=2,
                    lw=0.9, label=param_label(k, fg.lang, fg.f.scenario))
    ax.set(xlim=(0, top), ylim=(0, top), xlabel=_w(fg, "mu_star", unit=unit), ylabel=_w(fg, "sigma", unit=unit))
    ax.set_title(_title(fg, block, metric, "t_morris"), fontsize=7.5)
    ax.legend(fontsize=5.5, loc="upper left")
    _save(fg, fig, block, f"sensitivity-morris-{metric}", metric)


def _sobol_err(by_factor: dict[str, Any], order: list[str], idx: str, v: np.ndarray) -> np.ndarray:
    """Error bars: the emulator's interval (``idx_lo``, ``idx_hi``) when there is one, else ± the bootstrap's."""
    if all(f"{idx}_lo" in by_factor[k] for k in order):
        lo = np.array([_num(by_factor[k].get(f"{idx}_lo")) for k in order])
        hi = np.array([_num(by_factor[k].get(f"{idx}_hi")) for k in order])
        return np.nan_to_num(np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)]))
    return np.nan_to_num(np.array([_num(by_factor[k].get(f"{idx}_conf")) for k in order]))


def _sobol(fg: Figures, block: dict[str, Any], metric: str, by_factor: dict[str, Any], order: list[str]) -> None:
    y = np.arange(len(order))
    fig, ax = fg.plt.subplots(figsize=(WIDTH, 0.9 + 0.32 * len(order)))
    for j, (idx, off) in enumerate((("S1", 0.18), ("ST", -0.18))):
        v = np.array([_num(by_factor[k].get(idx)) for k in order])
        ax.barh(y + off, v, height=0.34, color=PALETTE[j], label=_w(fg, idx))
        ax.errorbar(v, y + off, xerr=_sobol_err(by_factor, order, idx, v), fmt="none", ecolor="black", capsize=1.5,
                    lw=0.7)
    ax.set_yticks(y, [param_label(k, fg.lang, fg.f.scenario) for k in order])
    ax.axvline(0, color="black", lw=0.6)
    # an emulator's indices are of the expected output (it filters the noise out), brute force's of the point means
    ax.set_xlabel(_w(fg, "share_expected" if block.get("method") == "sobol-emulator" else "share"))
    ax.grid(axis="y", visible=False)
    ax.set_title(_title(fg, block, metric, "t_sobol"), fontsize=7.5)
    ax.legend(fontsize=6)
    _save(fg, fig, block, f"sensitivity-sobol-{metric}", metric)
