"""Sensitivity indices as text, shared by the analysis that warns of them (decide) and the report that words
them again (outputs), which may not import each other."""

from __future__ import annotations

import math


def index_text(x: float) -> str:
    """An index with 2 decimals, or 2 significant figures where 2 decimals would print it as 0.00 (-0.00069, not
    -0.00); never in scientific notation."""
    if not math.isfinite(x):
        return "–"
    d = 2 if x == 0 or abs(x) >= 0.005 else 1 - math.floor(math.log10(abs(x)))
    return f"{x:.{d}f}"


def problem_text(index: str, kind: str, v: float, c: float, st: float, beyond: bool = False) -> str:
    """One impossible index in words; ``beyond``: an index above 1 flagged only past its interval (an emulator's)."""
    v_, c_, st_ = index_text(v), index_text(c), index_text(st)
    return {"above_one": f"{index} = {v_} > 1" + (f" beyond its interval (±{c_})" if beyond else ""),
            "above_total": f"S1 = {v_} > ST = {st_}",
            "negative": f"{index} = {v_} < 0 beyond its interval (±{c_})",
            "wide": f"{index}'s 95% interval (±{c_}) is wider than the range [0, 1] an index can take"}[kind]
