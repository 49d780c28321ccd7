"""Briefing figures, made from a results folder only (the model is never re-run).

One style, defined once (``style.py``): single-column width, units on every
axis (durations in days), the Okabe-Ito colour-blind-safe palette, a title
naming the subject, and a source line (scenario, replications, seed) in small
print.  ``lang="zh"`` labels everything in Chinese in the CJK font of ``sim.outputs.fonts``
(English figures fall back to it for Chinese place names) and refuses to draw (rather than
draw empty boxes) when that font file is missing; Chinese figures
are named with a ``.zh`` suffix (``backlog-baseline.zh.png``) beside the English ones.
Figures of a run (``run.py``), a comparison (``compare.py``), a sweep
(``sweep.py``), a sensitivity analysis and an optimization, one function per figure; of a
``gridsim fit`` folder (``fit.py``); of a ``gridsim check`` folder (``check.py``); of a history match, ``calibrate --vary`` (``history.py``).
"""

from __future__ import annotations

from pathlib import Path

from sim.outputs.plots.canvas import Figures
from sim.outputs.plots.check import check_figures
from sim.outputs.plots.compare import compare_figures
from sim.outputs.plots.ensemble import ensemble_figures
from sim.outputs.plots.fit import fit_figures
from sim.outputs.plots.folder import Folder
from sim.outputs.plots.optimize import allocation_map, tradeoff_figures
from sim.outputs.plots.run import run_figures
from sim.outputs.plots.sensitivity import sensitivity_figures
from sim.outputs.plots.style import PlotError
from sim.outputs.plots.sweep import DEFAULT_TARGETS, parse_target, sweep_figures

__all__ = ["Folder", "PlotError", "parse_target", "plot_folder"]


def plot_folder(path: str | Path, fmt: str = "png", lang: str = "en",
                targets: list[tuple[str, str, float]] | None = None) -> list[Path]:
    """Write every figure that fits the folder into ``path/figures``; return their paths."""
    if (Path(path) / "fit.json").is_file() and not (Path(path) / "command.json").is_file():
        return fit_figures(path, fmt, lang)  # a gridsim fit folder
    if (Path(path) / "check.json").is_file() and not (Path(path) / "command.json").is_file():
        return check_figures(path, fmt, lang)  # a gridsim check folder
    # imported here: sim.outputs.history derives its error from this package's PlotError, so a top-level import
    # would make the two packages' import order matter
    from sim.outputs.history import is_history
    from sim.outputs.plots.history import history_figures, history_folder

    if is_history(path):  # calibrate --vary: its CSVs and summary block, not its runs
        return history_figures(Figures(history_folder(path), fmt, lang))
    folder = Folder.load(path)
    fg = Figures(folder, fmt, lang, targets or DEFAULT_TARGETS, targets_given=bool(targets))
    if folder.command == "run":
        run_figures(fg, folder.variants[0])
    elif folder.command == "compare":
        compare_figures(fg)
        ensemble_figures(fg)  # compare --ensemble only
        for v in folder.variants:
            run_figures(fg, v)
    elif folder.command == "sweep":
        sweep_figures(fg, fg.targets)
    elif folder.command == "sensitivity":
        sensitivity_figures(fg)
    elif folder.command == "optimize":
        tradeoff_figures(fg)
        allocation_map(fg)
    return fg.written
