"""How many people a scenario puts in the model: each staffing field's cadres, and a bound on the total.

Every cadre and office worker is an object of the run, so a staffing typo (``per_grid = 1e12``)
would hang the roster or exhaust memory.  The bound is far beyond any real district (Baota has
about 1,500 cadres; a whole province's grid workers are a few hundred thousand), so only a typo
meets it.  ``sim.experiments.sizing`` also counts these people in a run's memory.
"""

from __future__ import annotations

from typing import Any

MAX_PEOPLE = 1_000_000  # cadres and office staff of one scenario, all roles together


def _units(sc: Any) -> tuple[int, int, int]:
    """Grids, communities and streets of the scenario's grids (``sc``: a Scenario)."""
    gen = sc.grids.generate
    if gen is not None:
        return gen.count, gen.communities, gen.streets
    rows = sc.grids.rows
    return len(rows), len({(r.street, r.community) for r in rows}), len({r.street for r in rows})


def _of(k: int, noun: str) -> str:
    return f"{k:,} {noun}{'' if k == 1 else 's'}"


def staffing(sc: Any) -> list[tuple[tuple[str, ...], int, int, str]]:
    """Each staffing field that places people: (its path, its value, the people it places, where)."""
    grids, communities, streets = _units(sc)
    c, lv = sc.cadres, sc.levels
    out = [(("cadres", "grid_workers", "per_grid"), c.grid_workers.per_grid, c.grid_workers.per_grid * grids,
            f"in each of {_of(grids, 'grid')}"),
           (("cadres", "sunk", "count"), c.sunk.count, c.sunk.count, "in the district")]
    for name, role in c.roles.items():
        if role.per_grid is not None:
            n = len(role.grids) or grids
            out.append((("cadres", "roles", name, "per_grid"), role.per_grid, role.per_grid * n,
                        f"in each of {_of(n, 'grid')}"))
        else:
            out.append((("cadres", "roles", name, "count"), role.count or 0, role.count or 0, "in the district"))
    police = len(c.police.units) if c.police.units is not None else min(c.police.count, grids)
    out.append((("cadres", "police", "officers_per_unit"), c.police.officers_per_unit,
                c.police.officers_per_unit * police, f"in each of {_of(police, 'police grid')}"))
    for level, units in (("community", communities), ("street", streets)):
        staff = getattr(lv, level).staff_per_unit
        out.append((("levels", level, "staff_per_unit"), staff, staff * units, f"in each of {_of(units, level + ' office')}"))
    out.append((("levels", "department", "staff_per_unit"), lv.department.staff_per_unit,
                lv.department.staff_per_unit, "in the department"))
    for name, unit in lv.department.units.items():
        out.append((("levels", "department", "units", name, "staff"), unit.staff, unit.staff, "in the unit"))
    return out


def people(sc: Any) -> int:
    """Cadres and office staff the scenario puts in a run."""
    return sum(n for _, _, n, _ in staffing(sc))


def check_headcount(sc: Any) -> tuple[tuple[str, ...], int, str] | None:
    """None when the scenario's people are within MAX_PEOPLE; else the largest field's path, value and why."""
    fields = staffing(sc)
    total = sum(n for _, _, n, _ in fields)
    if total <= MAX_PEOPLE:
        return None
    path, value, n, where = max(fields, key=lambda f: f[2])
    return path, value, (f"{value:,} {where} makes {n:,} people ({total:,} with the other roles and offices); "
                         f"allowed: at most {MAX_PEOPLE:,} cadres and office staff in a scenario, far beyond any "
                         "real district (a typo?)")
