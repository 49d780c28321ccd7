"""Issues drawn before the run: arrival times by non-homogeneous Poisson thinning, and attributes.

Everything about an issue that does not depend on the policy (when and where
it occurs, whether it is hidden, its service and intake times, its level, its
report delay, where in the visiting round its household sits) is drawn here,
vectorised, from the replication's named streams.  Every policy then sees the
same issues: common random numbers by construction.

A district-wide Poisson stream per type, split over grids in proportion to
households, is the same process as independent per-grid streams (superposition
and thinning of Poisson processes), at a fraction of the cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.clock import Clock
from sim.model.district import District
from sim.model.streams import stream
from sim.scenario import LEVELS, WORKPLACES, Profile, Scenario
from sim.scenario.worsening import OFFICES
from sim.scenario.settling import settles_by_attempt

# an issue's place in its life, kept as live model state (the conservation check counts on it)
NOT_YET, HIDDEN, KNOWN, RESOLVED, PETITION = 0, 1, 2, 3, 4  # PETITION: left the workflow (worsens_to)


@dataclass
class IssueTable:
    """One row per issue, sorted by occurrence time."""

    type_names: list[str]
    occur: np.ndarray  # hours
    type: np.ndarray  # index into type_names
    grid: np.ndarray
    hidden: np.ndarray  # bool
    report_delay: np.ndarray  # hours after occurrence a hidden issue is reported by the resident
    service: np.ndarray  # hours of work at the resolving level
    intake: np.ndarray  # hours of grid intake before escalation
    travel: np.ndarray  # hours of travel when a pooled cadre serves another grid (by distance: the last trip)
    # 0 grid, 1 community, 2 street, 3 department: where the issue ends, drawn before the run, or (settled by
    # attempt) 3 until a level settles it; during and after the run a view of the run's live state (IssuePath)
    level: np.ndarray
    visit_offset: np.ndarray  # households of visiting, in units of the grid's size, until a visit finds it
    police: np.ndarray  # bool: taken by its grid's police unit (a police type in a grid that has one)
    sequential: np.ndarray  # bool: escalated level by level (the type's escalation = "sequential")
    attempts: np.ndarray  # (n, 2) hours: the community's and the street's attempt when the issue passes them
    response: np.ndarray  # hours a named department unit takes to respond before work starts (empty: no units)
    lead: np.ndarray  # (n, 4) hours the case waits at each level after the work there (n, 0: no lead times)
    feedback: np.ndarray  # hours of grid work after an escalated issue is resolved above (empty: none)
    # hours after occurrence an issue still waiting unstarted at the grid worsens (inf: never; empty: no type
    # worsens at the grid), and (n, 3) at community, street and department from joining their queue (n, 0: none)
    worsen: np.ndarray = field(default_factory=lambda: np.zeros(0))
    worsen_office: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # settled by attempt (sim.scenario.settling): the uniform each level's settling draws from, in turn
    # (the level draw's own; 0 for other types; empty when no type is settled by attempt)
    settle: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # the level drawn before the run (the same under every policy), kept when ``level`` becomes the run's outcome
    drawn_level: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.occur)

    @property
    def resolver(self) -> np.ndarray:
        """Where each issue is resolved, as an index into WORKPLACES: its level, or police grids apart."""
        return where_resolved(self.level, self.police)


def where_resolved(level: np.ndarray, police: np.ndarray) -> np.ndarray:
    return np.where(police & (level == 0), WORKPLACES.index("police"), level)


def _normalised(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.mean()


def intensity(scenario: Scenario, type_name: str, clock: Clock, t: np.ndarray) -> np.ndarray:
    """Relative intensity (mean 1 outside emergencies) of a type at times ``t``."""
    prof: Profile = scenario.issue_types[type_name].profile or scenario.arrival_profile
    f = _normalised(prof.weekday)[clock.weekday(t)] * _normalised(prof.hour)[clock.hour_of_day(t)]
    if any(w != prof.month[0] for w in prof.month):
        f = f * _normalised(prof.month)[clock.month(t)]
    for em in scenario.emergencies:
        m = em.multipliers.get(type_name, 1.0)
        if m != 1.0:
            a, b = scenario.emergency_window(em)
            f = np.where((t >= a) & (t < b), f * m, f)
    return f


def _max_intensity(scenario: Scenario, type_name: str) -> float:
    prof = scenario.issue_types[type_name].profile or scenario.arrival_profile
    peak = _normalised(prof.weekday).max() * _normalised(prof.hour).max() * _normalised(prof.month).max()
    mults = [em.multipliers.get(type_name, 1.0) for em in scenario.emergencies]
    return peak * np.prod([m for m in mults if m > 1.0])


def failed_passes(u: np.ndarray, p: float) -> np.ndarray:
    """Visits that pass a hidden issue without noticing it, before the one that does (geometric).

    By inversion of one uniform per issue, so that a change of ``p`` moves each
    issue's count monotonically instead of re-drawing it: common random numbers.
    """
    if p <= 0:
        return np.full(u.size, np.inf)
    if p >= 1:
        return np.zeros(u.size)
    return np.floor(np.log1p(-u) / np.log1p(-p))


def generate_issues(scenario: Scenario, district: District, seeds: np.random.SeedSequence) -> IssueTable:
    clock = Clock(scenario.calendar.start)
    horizon = scenario.horizon_hours
    hh = district.households.astype(float)
    weighted = hh if district.issue_weight is None else hh * district.issue_weight
    p_grid = weighted / weighted.sum()
    names = list(scenario.issue_types)
    any_sequential = any(it.escalation == "sequential" for it in scenario.issue_types.values())
    units = scenario.levels.department.units
    any_lead = any(it.lead_time_by_level for it in scenario.issue_types.values())
    any_feedback = any(it.feedback_time is not None for it in scenario.issue_types.values())
    any_worsen = any(it.worsens_after is not None for it in scenario.issue_types.values())
    any_worsen_office = any(it.worsens_after_by_level for it in scenario.issue_types.values())
    any_settled = any(settles_by_attempt(scenario, name) for name in names)
    parts = []
    for k, name in enumerate(names):
        it = scenario.issue_types[name]
        rng = stream(seeds, "arrivals", name)
        base = it.rate_per_1000_households_per_week * hh.sum() / 1000.0 / 168.0  # per hour, district
        fmax = _max_intensity(scenario, name)
        n_cand = rng.poisson(base * fmax * horizon)
        t = np.sort(rng.uniform(0.0, horizon, n_cand))
        keep = rng.uniform(0.0, fmax, n_cand) < intensity(scenario, name, clock, t)
        t = t[keep]
        n = len(t)
        grid = rng.choice(district.n, size=n, p=p_grid)
        # Each attribute has a stream of its own, derived by name and always drawn for
        # every issue, so that changing one attribute's distribution (or a share, or the
        # discovery probability) leaves every other attribute where it was.
        def draw(attr: str) -> np.random.Generator:
            return stream(seeds, "attributes", name, attr)

        hidden = draw("hidden").uniform(size=n) < it.hidden_share
        delay = it.report_delay.sample(draw("report_delay"), n)
        service = it.service_time.sample(draw("service_time"), n)
        intake = it.intake_time.sample(draw("intake_time"), n)
        travel = (scenario.dispatch.travel_time.sample(draw("travel_time"), n) if scenario.dispatch.travel == "drawn"
                  else np.zeros(n))  # by distance it depends on who serves: the run fills it in
        shares = np.array([it.level.get(lv, 0.0) for lv in LEVELS])
        u_level = draw("level").uniform(size=n)
        level = np.minimum(np.searchsorted(np.cumsum(shares), u_level, side="right"), len(LEVELS) - 1)
        # settled by attempt: the level is an outcome; each level settles by the same uniform, in turn, so
        # that with the chances the shares imply it ends where the drawn level would (CRN across both ways)
        settled = settles_by_attempt(scenario, name)
        settle = u_level if settled else np.zeros(n if any_settled else 0)
        if settled:
            level = np.full(n, len(LEVELS) - 1)
        offset = draw("visit_position").uniform(size=n) + failed_passes(
            draw("visit_passes").uniform(size=n), scenario.visits.discovery_probability)
        police = np.full(n, name in scenario.cadres.police.types) & (district.police_unit[grid] >= 0)
        # the work where the issue is resolved: the level's own distribution where the type gives one
        # (drawn for every issue from a stream of its own, so the others' draws stay where they were)
        resolver = where_resolved(level, police)
        for where, dist in it.service_time_by_level.items():
            own = resolver == WORKPLACES.index(where)
            service = np.where(own, dist.sample(draw(f"service_time.{where}"), n), service)
        sequential = np.full(n, it.escalation == "sequential")
        attempts = np.zeros((n, 2 if any_sequential else 0))  # no column at all when nothing is sequential
        if it.escalation == "sequential":  # a level passed on takes its own work too; the grid's replaces intake
            def work(where: str) -> np.ndarray:
                dist = it.service_time_by_level.get(where, it.service_time)
                return dist.sample(draw(f"attempt.{where}"), n)

            intake = np.where(police, work("police"), work("grid"))
            attempts = np.column_stack([work("community"), work("street")])
        unit = scenario.department_unit(name)
        response = (units[unit].response_time.sample(draw("response_time"), n) if unit is not None
                    else np.zeros(n if units else 0))
        lead = np.zeros((n, len(LEVELS) if any_lead else 0))
        for where, dist in it.lead_time_by_level.items():
            lead[:, LEVELS.index(where)] = dist.sample(draw(f"lead_time.{where}"), n)
        feedback = (it.feedback_time.sample(draw("feedback_time"), n) if it.feedback_time is not None
                    else np.zeros(n if any_feedback else 0))
        worsen = (it.worsens_after.sample(draw("worsens_after"), n) if it.worsens_after is not None
                   else np.full(n if any_worsen else 0, np.inf))
        worsen_office = np.full((n, len(OFFICES) if any_worsen_office else 0), np.inf)
        for where, dist in it.worsens_after_by_level.items():
            worsen_office[:, OFFICES.index(where)] = dist.sample(draw(f"worsens_after.{where}"), n)
        # indices in the smallest types that hold them: bytes per issue are what limits big districts
        parts.append((t, np.full(n, k, np.int16), grid.astype(np.int32), hidden, delay, service, intake, travel,
                      level.astype(np.int8), offset, police,
                      sequential, attempts, response, lead, feedback, worsen, worsen_office, settle))
    cols = [np.concatenate(c) for c in zip(*parts)]
    order = np.argsort(cols[0], kind="stable")
    cols = [c[order] if len(c) else c for c in cols]  # an empty column (no such feature) stays empty
    return IssueTable(names, *cols)
