"""The factors of a sensitivity study: ``--vary KEY=LO:HI`` or ``--vary KEY=a,b,c``, as SALib sees them.

SALib samples every factor as a number between its bounds; this module says how
that number becomes a scenario value (``SFactor.value``):

- **real** (``visits.households_per_hour=4:8``): the number itself, uniform on [LO, HI].
- **integer** (a field whose value in the scenario is a whole number, such as
  ``cadres.sunk.count=800:1400``): sampled on [LO, HI] as a real number and rounded
  half up to a whole number.  Morris's levels are then the rounded points of its grid
  (with 4 levels: LO, LO + (HI-LO)/3, LO + 2(HI-LO)/3, HI); a range narrower than a
  few units makes some steps round to no change (an elementary effect of 0).
- **categorical** (``dispatch.rule=own_grid,pooled``, ``visits.enabled=true,false``):
  L levels on [0, L), level i owning [i, i+1); the index is the integer part
  (the value L itself, Morris's top level, is the last level).  Effects are per move
  across that index range, so they compare with other factors only as a screening.

Whether a field is an integer is read from the scenario (its current value), not from
how LO and HI are written, so ``visits.households_per_hour=4:8`` stays real.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.experiments.designs import DesignError
from sim.scenario import Scenario, ScenarioError, parse_value

KINDS = ("real", "integer", "categorical")


@dataclass(frozen=True)
class SFactor:
    """One factor: its dotted scenario key, kind, SALib bounds and (categorical) levels."""

    key: str
    kind: str  # one of KINDS
    low: float  # SALib bounds: [LO, HI], or [0, L] for L categorical levels
    high: float
    levels: tuple[Any, ...] = ()

    def value(self, x: float) -> Any:
        """The scenario value at SALib's number ``x``."""
        if self.kind == "real":
            return float(x)
        if self.kind == "integer":
            return int(math.floor(x + 0.5))
        return self.levels[min(int(math.floor(x)), len(self.levels) - 1)]

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "kind": self.kind, "low": self.low, "high": self.high}
        if self.levels:
            d["levels"] = list(self.levels)
        return d


def current_value(sc: Scenario, key: str) -> Any:
    """The scenario's value at a dotted key, or None when the key names nothing (yet)."""
    node: Any = sc.model_dump()
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def parse_factor(item: str, base: Scenario) -> SFactor:
    """``KEY=LO:HI`` (a numeric range) or ``KEY=a,b,...`` (at least two levels); DesignError if neither."""
    key, sep, spec = item.partition("=")
    key, spec = key.strip(), spec.strip()
    example = "e.g. visits.households_per_hour=4:8 or dispatch.rule=own_grid,pooled"
    if not sep or not key or not spec:
        raise DesignError(f"--vary {item!r}: expected KEY=LO:HI or KEY=a,b,...; {example}")
    now = current_value(base, key)
    if "," in spec:
        levels = tuple(parse_value(v.strip()) for v in spec.split(","))
        if any(v == "" for v in levels) or len(set(map(repr, levels))) != len(levels):
            raise DesignError(f"--vary {key}={spec}: the levels must be different and none empty")
        return SFactor(key, "categorical", 0.0, float(len(levels)), levels)
    parts = spec.split(":")
    if len(parts) != 2:
        raise DesignError(f"--vary {key}={spec}: expected a range LO:HI (two numbers; sensitivity samples "
                          f"between them, so there is no STEP) or a list of levels a,b,...; {example}")
    lo, hi = (parse_value(p.strip()) for p in parts)
    if not (_number(lo) and _number(hi)) or not (math.isfinite(lo) and math.isfinite(hi)):
        raise DesignError(f"--vary {key}={spec}: LO and HI must be finite numbers")
    if not lo < hi:
        raise DesignError(f"--vary {key}={spec}: needs LO < HI")
    if isinstance(now, bool) or (now is not None and not _number(now)):
        raise DesignError(f"--vary {key}={spec}: {key} is {now!r} in the scenario, not a number; "
                          f"give its values as a list of levels, e.g. {key}={_levels_hint(now)}")
    kind = "integer" if isinstance(now, int) else "real"
    if kind == "integer" and math.floor(hi + 0.5) == math.floor(lo + 0.5):
        raise DesignError(f"--vary {key}={spec}: {key} is a whole number and the range holds only one")
    return SFactor(key, kind, float(lo), float(hi))


def _levels_hint(now: Any) -> str:
    if isinstance(now, bool):
        return "true,false"
    if isinstance(now, list):
        return "Wed,Mon+Thu"
    return "a,b"


def parse_factors(varies: list[str], base: Scenario) -> list[SFactor]:
    if not varies:
        raise DesignError("sensitivity needs at least one --vary KEY=LO:HI (or KEY=a,b,...)")
    factors = [parse_factor(v, base) for v in varies]
    keys = [f.key for f in factors]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise DesignError(f"--vary names a key twice: {', '.join(twice)}")
    return factors


def check_ends(factors: list[SFactor], load: Callable[[list[tuple[str, Any]]], Any]) -> None:
    """DesignError naming the --vary, the end and the scenario's objection when a factor's LO or HI (or a level) makes
    an invalid scenario, the others at the scenario's values: before any folder is written or run started, not at
    the first design point that happens to come near it.  ``load``: the scenario with these overrides added."""
    for f in factors:
        ends = [("level", v) for v in f.levels] or [("LO", f.value(f.low)), ("HI", f.value(f.high))]
        for end, value in ends:
            try:
                load([(f.key, value)])
            except ScenarioError as e:
                where = f" (from --set {f.key})"  # the override is the --vary's, not a --set the user gave
                why = "; ".join(p.replace(where, "") for p in e.problems)
                raise DesignError(f"--vary {f.key}: its {end}, {value!r}, is not allowed: {why}") from None


def problem(factors: list[SFactor]) -> dict[str, Any]:
    """SALib's problem definition."""
    return {"num_vars": len(factors), "names": [f.key for f in factors],
            "bounds": [[f.low, f.high] for f in factors]}
