"""fitted.toml: a complete scenario built from the estimates, which ``gridsim run`` accepts.

Grids come from ``--scenario``'s grid table (with its households, communities and streets), else from the
records (communities and streets as the records give them; households a stated default, with a warning).
Staffing (cadres, offices), dispatch, visits and wartime come from ``--scenario``, else the model's defaults,
with a warning; without ``--scenario`` visits are off (records cannot show what visits find).  Rates are the
records' arrivals per week over the district's households, split over the grids as the records split them (each
grid's ``issue_weight``); work times per level are the fitted work times
(resolved - accepted) where ``accepted`` is recorded, else the fitted resolution times, which include waiting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sim.fit.reading import FitError
from sim.model.district import build_district
from sim.scenario import Scenario, build_scenario
from sim.scenario.loading import read_toml

DEFAULT_HOUSEHOLDS = 300  # per grid, when neither --scenario nor the records give households
COPIED = ("cadres", "levels", "dispatch", "visits", "wartime")  # from --scenario, as the file has them


@dataclass(frozen=True)
class Base:
    """--scenario, read and validated once: the scenario, and its file's own tables (copied as the file has them)."""
    path: Path
    raw: dict[str, Any]
    scenario: Scenario


def read_base(path: Path) -> Base:
    """--scenario BASE.toml read once for everything the fit takes from it."""
    raw = read_toml(path)
    return Base(path, raw, build_scenario(raw, path))


def _sig(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def scenario_dist(entry: dict[str, Any]) -> dict[str, Any]:
    """A fitted family in the scenario's syntax: a Weibull becomes the gamma of its mean and cv (the
    scenario has no Weibull; the two agree in mean and spread)."""
    if entry["dist"] == "exponential":
        return {"dist": "exponential", "mean": _sig(entry["mean"])}
    return {"dist": "lognormal" if entry["dist"] == "lognormal" else "gamma", "mean": _sig(entry["mean"]),
            "cv": _sig(min(max(entry["cv"], 1e-6), 100))}


def _shares(level_share: dict[str, Any]) -> dict[str, float]:
    """Level shares that sum to 1 exactly, the rounding put on the largest."""
    shares = {lv: round(v["mean"], 6) for lv, v in level_share.items() if v["n"] > 0}
    if not shares:
        return {"grid": 1.0}
    top = max(shares, key=shares.__getitem__)
    shares[top] = round(1 - sum(v for lv, v in shares.items() if lv != top), 6)
    return shares


def _service(key: str, t: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """service_time (the most common level's) and service_time_by_level (the others')."""
    by_level = {}
    for lv, share in sorted(_shares(t["level_share"]).items(), key=lambda kv: -kv[1]):
        work, res = t["work_hours"].get(lv, {}), t["resolution_hours"].get(lv, {})
        if work.get("dist") == "weibull" or (not work.get("dist") and res.get("dist") == "weibull"):
            warnings.append(f"{key} at {lv}: a Weibull fits best; written as the gamma of its mean and cv")
        used = work if work.get("dist") else res
        if used.get("guard"):
            warnings.append(f"{key} at {lv}: the best family by AIC misses the records' mean; written as the "
                            f"{used['guard']}")
        if work.get("dist"):
            by_level[lv] = scenario_dist(work)
        elif res.get("dist"):
            by_level[lv] = scenario_dist(res)
            warnings.append(f"{key} at {lv}: no accepted times; its work time is the fitted resolution time, "
                            "which includes waiting (an upper bound)")
        else:
            few = work if work.get("n") else res
            guess, closed = few.get("mean_exponential") or 1.0, few.get("n", 0) - few.get("open", 0)
            by_level[lv] = {"dist": "exponential", "mean": _sig(guess)}
            warnings.append(f"{key} at {lv}: {closed} closed order(s), too few to fit; work time exponential with "
                            f"the censored estimate, all hours open or closed over the closed count "
                            f"({guess:.3g} h{', as if one were about to close: a guess that errs long' if not closed else ''})")
    first = next(iter(by_level))
    out: dict[str, Any] = {"service_time": by_level.pop(first)}
    if by_level:
        out["service_time_by_level"] = by_level
    return out


def _weighted(grids: list[dict[str, Any]], est: dict[str, Any]) -> list[dict[str, Any]]:
    """Each grid's ``issue_weight``: its share of the orders over its share of the households, so the model splits
    a type's arrivals over grids as the records do.  Half an order is added to every grid, so that a grid with
    none in a short export is taken as quiet, not as never having an issue."""
    counts = [est["grids"].get(g["id"], {}).get("arrivals_per_week", {}).get("count", 0) + 0.5 for g in grids]
    households = [g["households"] for g in grids]
    hh, n = sum(households), sum(counts)
    return [g | {"issue_weight": _sig((c / n) / (h / hh))} for g, c, h in zip(grids, counts, households)]


def _grids(est: dict[str, Any], base: Any, warnings: list[str]) -> list[dict[str, Any]]:
    return _weighted(_layout(est, base, warnings), est)


def _layout(est: dict[str, Any], base: Any, warnings: list[str]) -> list[dict[str, Any]]:
    if base is not None:
        d = build_district(base)
        sunk = base.grids.table_sunk() or {}
        unknown = sorted(set(est["grids"]) - set(d.ids))
        if len(unknown) == len(est["grids"]):
            raise FitError(f"--scenario: none of the records' {len(unknown)} grid(s) is in its grid table (records: "
                           f"{', '.join(unknown[:3])}{', ...' if len(unknown) > 3 else ''}; scenario: "
                           f"{', '.join(d.ids[:3])}{', ...' if len(d.ids) > 3 else ''}); the grid column must hold the "
                           "grid table's ids: map another column with --columns grid=COLUMN, or give the district's "
                           "own scenario")
        if unknown:
            warnings.append(f"{len(unknown)} grid(s) of the records are not in --scenario's grid table "
                            f"({', '.join(unknown[:5])}{', ...' if len(unknown) > 5 else ''}); their orders still "
                            "count in the district's rates")
        return [{"id": g, "households": int(d.households[i]), "community": d.community_names[d.community[i]],
                 "street": d.street_names[d.street[i]], **({"sunk_cadres": sunk[g]} if g in sunk else {})}
                for i, g in enumerate(d.ids)]
    warnings.append(f"households: {DEFAULT_HOUSEHOLDS} per grid assumed (records do not hold them), so the rates "
                    "per 1,000 households are district averages; give --scenario BASE.toml with your grid table")
    return [{"id": g, "households": DEFAULT_HOUSEHOLDS, "community": v["community"] or "C1",
             "street": v["street"] or "S1"} for g, v in est["grids"].items()]


def _only_types(table: Any, types: set[str], department: set[str], warnings: list[str], path: str) -> Any:
    """The base's tables with the issue types the records do not have left out of every ``types`` list (and out
    of a department unit's, the types the records never close at the department); a department unit left with
    none is dropped, and a list left empty is a warning (a role's empty list would mean every type)."""
    if not isinstance(table, dict):
        return table
    out = {k: _only_types(v, types, department, warnings, f"{path}.{k}") for k, v in table.items()}
    if isinstance(out.get("types"), list) and out["types"]:
        allowed = department if path.startswith("levels.department.units.") else types
        out["types"] = [t for t in out["types"] if t in allowed]
        if not out["types"] and not path.startswith("levels.department.units."):
            warnings.append(f"{path}.types: names only issue types the records do not have "
                            f"({', '.join(table['types'])}); left empty: check it")
    if isinstance(out.get("units"), dict) and path == "levels.department":
        out["units"] = {k: u for k, u in out["units"].items() if not isinstance(u, dict) or u.get("types")}
    return out


def fitted_scenario(est: dict[str, Any], records: Path, given: Base | None) -> tuple[dict[str, Any], list[str]]:
    """The scenario as TOML data, and the warnings of what it had to assume."""
    warnings: list[str] = []
    base = given.scenario if given is not None else None
    grids = _grids(est, base, warnings)
    households = sum(g["households"] for g in grids)
    days = max(math.ceil(est["window"]["weeks"] * 7), 1)
    data: dict[str, Any] = {
        "name": f"{base.name}_fitted" if base is not None else "fitted",
        "description": f"Fitted to the work orders in {records.name}",
        "description_zh": f"由工单记录 {records.name} 拟合",
        "seed": base.seed if base is not None else 1,
        "replications": base.replications if base is not None else 10,
        "calendar": {"start": date.fromisoformat(est["window"]["start"][:10]), "horizon_days": days,
                     "warmup_days": min(28, math.floor(days / 4))},
        "grids": {"list": grids},
        "arrival_profile": est["profile"],
        "issue_types": {},
    }
    for key, t in est["issue_types"].items():
        if not any(v["n"] for v in t["level_share"].values()):
            warnings.append(f"{key}: no order has a level in the records; every one is taken as resolved at the grid")
        rate = t["arrivals_per_week"]["mean"] / households * 1000
        data["issue_types"][key] = {"label": key, "label_zh": t["name_in_records"],
                                    "rate_per_1000_households_per_week": _sig(rate, 6),
                                    "level": _shares(t["level_share"]), **_service(key, t, warnings)}
    if given is not None:
        raw = given.raw
        department = {k for k, t in data["issue_types"].items() if t["level"].get("department", 0) > 0}
        data.update({k: _only_types(raw[k], set(data["issue_types"]), department, warnings, k)
                     for k in COPIED if k in raw})
    else:
        warnings.append("staffing: the model's defaults (1 grid worker per grid Mon-Sat 8:30-17:30; community and "
                        "street offices 1 staff each, departments 2, Mon-Fri 8-17); give --scenario BASE.toml with "
                        "your district's staffing")
        data.update({"visits": {"enabled": False}, "wartime": {"trigger": "off"}})
    return data, warnings
