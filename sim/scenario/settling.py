"""Settling by attempt: the chance that a level settles what reaches it, by who works it.

``issue_types.NAME.resolve_chance`` (with ``escalation = "sequential"``) gives
that chance per role (``grid_workers``, ``sunk``, ``police``, a named role:
whoever works the issue at the grid or its police grid) or per office
(``community``, ``street``, ``department``); a level with no entry keeps the
chance its ``level`` shares imply.  ``cadres.sunk.department_types`` lets sunk
cadres settle the listed types at the grid (把问题带出网格).  The model side is
sim/model/settling.py; reference: docs/scenario-reference.md.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.distributions import FieldError
from sim.scenario.errors import few
from sim.scenario.fields import LEVELS, ROLES

OFFICES = LEVELS[1:]  # the levels above the grid, each worked by its office's staff


def level_of(role: str) -> int:
    """The level a role works at: an office's own, else the grid (grid workers, sunk cadres, police, named roles)."""
    return LEVELS.index(role) if role in OFFICES else 0


def implied_chances(shares: dict[str, float]) -> list[float]:
    """Per level, the chance it settles what reaches it that the level shares imply: its share over the
    shares of it and the levels above (1 where nothing is left above, so the department settles all)."""
    s = [shares.get(lv, 0.0) for lv in LEVELS]
    return [s[k] / sum(s[k:]) if sum(s[k:]) > 0 else 1.0 for k in range(len(LEVELS) - 1)] + [1.0]


def last_level(chance: dict[str, float], shares: dict[str, float]) -> int:
    """The highest level a type settled by attempt can reach: the first that settles everything (its
    implied chance and every entry for it 1), else the department."""
    implied = implied_chances(shares)
    for k in range(len(LEVELS) - 1):
        if implied[k] >= 1 and all(p >= 1 for role, p in chance.items() if level_of(role) == k):
            return k
    return len(LEVELS) - 1


def check_type(chance: dict[str, float] | None, escalation: str) -> None:
    """What an issue type alone can say is wrong with its resolve_chance."""
    if chance is None:
        return
    if escalation != "sequential":
        raise FieldError("resolve_chance", chance, 'applies only with escalation = "sequential" (each level from '
                         'the grid up tries in turn, and an attempt that fails sends the issue up); this type is '
                         f'"{escalation}": set escalation = "sequential" or drop resolve_chance')
    if chance.get("department", 1.0) < 1:
        raise FieldError(("resolve_chance", "department"), chance["department"],
                         "the department is the top level and settles everything that reaches it: give 1 or "
                         "leave it out (to send fewer issues there, raise the chances of the levels below)")


def check_scenario(sc: Any) -> None:
    """Scenario-level checks (``sc``: a Scenario): each resolve_chance key is a role that works the type or
    an office; each of cadres.sunk.department_types an issue type that can reach the department, once."""
    police = set(sc.cadres.police.types)
    for name, it in sc.issue_types.items():
        allowed = [r for r in sc.cadres.role_names if r != "police" or name in police]
        for role, p in (it.resolve_chance or {}).items():
            where = ("issue_types", name, "resolve_chance", role)
            if role not in allowed:
                why = ("police grids do not take this type (cadres.police.types)" if role == "police"
                       else "not a role or an office")
                raise FieldError(where, p, f"{why}; allowed keys: {', '.join(allowed)}")
            types = sc.cadres.roles[role].types if role in sc.cadres.roles else None
            if types is not None and name not in types:
                raise FieldError(where, p, f"cadres.roles.{role}.types does not list {name!r}: its cadres never "
                                 "work it; drop this entry or add the type there")
    listed = sc.cadres.sunk.department_types
    for j, name in enumerate(listed):
        where = ("cadres", "sunk", "department_types", j)
        if name not in sc.issue_types:
            raise FieldError(where, name, f"not an issue type; defined issue types: {few(sc.issue_types)}")
        if listed.index(name) != j:
            raise FieldError(where, name, "listed more than once; give each type once")
        if "department" not in sc.issue_types[name].levels_reached():
            raise FieldError(where, name, f"{name!r} never reaches the department (its level shares: "
                             f"{sc.issue_types[name].shares_text}): there is nothing for sunk cadres to take over")


def settles_by_attempt(sc: Any, name: str) -> bool:
    """Whether issues of this type settle level by level, by who works them (not at a level drawn on
    arrival): sequential, with resolve_chance or listed in cadres.sunk.department_types."""
    it = sc.issue_types[name]
    return it.escalation == "sequential" and (it.resolve_chance is not None
                                              or name in sc.cadres.sunk.department_types)


def chances(sc: Any, name: str) -> list[float] | None:
    """Per role (an index into cadres.role_names), the chance that its cadre settles an issue of this type it
    worked at its level; None for a type not settled by attempt.  A sunk cadre settles a type of
    cadres.sunk.department_types for sure."""
    if not settles_by_attempt(sc, name):
        return None
    it = sc.issue_types[name]
    given, implied = it.resolve_chance or {}, implied_chances(it.level)
    out = [given.get(role, implied[level_of(role)]) for role in sc.cadres.role_names]
    if name in sc.cadres.sunk.department_types:
        out[ROLES.index("sunk")] = 1.0
    return out


def settling_notes(sc: Any) -> list[str]:
    """Settling fields that do nothing as given (warnings: a policy may add what they need)."""
    sunk = sc.cadres.sunk
    out = [f"cadres.sunk.department_types = {sunk.department_types} has no effect: there are no sunk cadres "
           "(cadres.sunk.count = 0)"] if sunk.department_types and not sunk.count else []
    for name in sunk.department_types:
        it = sc.issue_types[name]
        if it.escalation == "direct" and it.intake_time.mean_value == 0:
            out.append(f"cadres.sunk.department_types: {name!r} has intake_time 0, so its issues go straight to their "
                       "office and no sunk cadre takes them in at the grid: the entry has no effect")
        if it.resolve_chance and "sunk" in it.resolve_chance:
            out.append(f"issue_types.{name}.resolve_chance.sunk is not used: {name!r} is in "
                       "cadres.sunk.department_types, so a sunk cadre settles it for sure")
    return out
