"""The district's layout: grids with households, communities and streets, police grids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.streams import scenario_stream
from sim.scenario import GridSpec, Scenario


@dataclass(frozen=True)
class District:
    ids: list[str]
    households: np.ndarray  # int, per grid
    population: np.ndarray  # float, per grid
    community: np.ndarray  # int index per grid
    street: np.ndarray  # int index per grid
    community_names: list[str]
    street_names: list[str]
    police_unit: np.ndarray  # int index per grid, -1 where no police grid covers it
    n_police_units: int

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def n_communities(self) -> int:
        return len(self.community_names)

    @property
    def n_streets(self) -> int:
        return len(self.street_names)


def grid_rows(scenario: Scenario) -> list[GridSpec]:
    """The scenario's grids, generating them when the file asks for it."""
    g = scenario.grids
    if g.generate is None:
        return list(g.rows)
    gen = g.generate
    rng = scenario_stream(scenario.seed, "grids")
    hh = np.maximum(1, np.rint(gen.households.sample(rng, gen.count))).astype(int)
    comm = (np.arange(gen.count) * gen.communities) // gen.count
    street = (np.arange(gen.communities) * gen.streets) // gen.communities
    return [
        GridSpec(
            id=gid,
            community=f"C{comm[i] + 1:0{len(str(gen.communities))}d}",
            street=f"S{street[comm[i]] + 1}",
            households=int(hh[i]),
            population=float(hh[i] * gen.people_per_household),
        )
        for i, gid in enumerate(gen.ids())
    ]


def _index(names: list[str]) -> tuple[np.ndarray, list[str]]:
    order: dict[str, int] = {}
    idx = np.array([order.setdefault(n, len(order)) for n in names], dtype=int)
    return idx, list(order)


def build_district(scenario: Scenario) -> District:
    rows = grid_rows(scenario)
    ids = [r.id for r in rows]
    community, community_names = _index([f"{r.street}/{r.community}" for r in rows])
    street, street_names = _index([r.street for r in rows])
    hh = np.array([r.households for r in rows], dtype=int)
    pop = np.array([r.population if r.population is not None else np.nan for r in rows], dtype=float)

    police = scenario.cadres.police
    unit = np.full(len(rows), -1, dtype=int)
    if police.units is not None:
        pos = {gid: i for i, gid in enumerate(ids)}
        for u, spec in enumerate(police.units):
            unit[[pos[g] for g in spec.grids]] = u
        n_units = len(police.units)
    else:
        n_units = min(police.count, len(rows))
        for u, block in enumerate(np.array_split(np.arange(len(rows)), n_units) if n_units else []):
            unit[block] = u
    return District(
        ids=ids,
        households=hh,
        population=pop,
        community=community,
        street=street,
        community_names=[n.split("/", 1)[1] for n in community_names],
        street_names=street_names,
        police_unit=unit,
        n_police_units=n_units,
    )
