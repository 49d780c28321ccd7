"""What an issue type says of issues left waiting: they worsen and go up by themselves.

Disputes left waiting grow into petitions (越级上访); finding and taking them up
early is what grid governance claims to prevent.  ``worsens_after`` is the
patience of an issue at the grid: still waiting unstarted (hidden, or in its
grid's queue) that many hours after it occurred, it goes up to the next level's
queue, or leaves the district's workflow as a petition.  Reference:
docs/scenario-reference.md (issue types, "Worsening").
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from sim.scenario.distributions import Distribution, FieldError
from sim.scenario.fields import LEVELS, _Model

OFFICES = LEVELS[1:]  # the levels above the grid


class Worsening(_Model):
    """The worsening fields of an issue type (IssueType inherits them)."""

    # hours from occurrence (a reported issue: its report) an issue may wait unstarted at the grid before it
    # worsens and goes up by itself; None: it waits as long as it takes
    worsens_after: Distribution | None = None
    # where a worsened issue goes: the next level's queue, or out of the workflow as a petition
    worsens_to: Literal["next_level", "petition"] = "next_level"
    # the same at the offices: hours from joining a level's queue it may wait there unstarted
    worsens_after_by_level: dict[Literal["community", "street", "department"], Distribution] = {}

    @model_validator(mode="after")
    def _patience_positive(self) -> "Worsening":
        # a patience of 0 would send every issue up at the instant it occurs unless a cadre is idle then
        for path, dist in [(("worsens_after",), self.worsens_after),
                           *((("worsens_after_by_level", lv), d) for lv, d in self.worsens_after_by_level.items())]:
            if dist is not None and dist.mean_value <= 0:
                raise FieldError(path, dist.mean_value, "a patience must be positive on average (hours an issue may "
                                 "wait unstarted); leave the field out for issues that never worsen")
        return self

    def worsens(self) -> bool:
        return self.worsens_after is not None or bool(self.worsens_after_by_level)

    def worsened_levels(self, reached: set[str], grid_up: bool) -> set[str]:
        """The levels worsening sends this type to, beyond ``reached`` (the levels its shares reach): from
        each level it can worsen at, the next one up (none when it worsens into a petition).  ``grid_up``:
        an issue worsening at the grid may go to the community (sequential, or resolved at the grid; a
        direct issue drawn for an office goes to that office)."""
        if self.worsens_to == "petition":
            return set()
        out: set[str] = set()
        frontier = set(reached)
        while frontier:
            up = set()
            for lv in frontier:
                k = LEVELS.index(lv)
                patience = (self.worsens_after if grid_up else None) if lv == "grid" else \
                    self.worsens_after_by_level.get(lv)
                if patience is not None and k + 1 < len(LEVELS) and LEVELS[k + 1] not in reached | out:
                    up.add(LEVELS[k + 1])
            out |= up
            frontier = up
        return out


def worsening_notes(sc: Any) -> list[str]:
    """Worsening fields that do nothing as given (warnings, not errors: a policy may add the rest)."""
    return [f"issue_types.{name}.worsens_to = \"petition\" has no effect: the type has no worsens_after or "
            "worsens_after_by_level, so its issues never worsen" for name, it in sc.issue_types.items()
            if it.worsens_to == "petition" and not it.worsens()]
