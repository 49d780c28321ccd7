"""The district's layout: grids with households, communities and streets, police grids.

Where the run needs geometry (travel by distance, contiguous police grids), each grid's
polygon is the scenario's own (GeoJSON) or the synthetic layout's (``sim.scenario.layout``),
and the district keeps the grids' centroids (longitude, latitude): one row per grid, never
a matrix of all pairs, so a dispatch costs one distance whatever the number of grids.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model.streams import replication_root, scenario_stream, stream
from sim.scenario import GridSpec, Scenario
from sim.scenario.layout import synthetic_district

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG): great circles between centroids


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
    centroids: np.ndarray | None = None  # (n, 2) longitude, latitude (degrees); only when the run needs geometry
    police_base: np.ndarray | None = None  # per police unit, the grid its officers set out from (with centroids)
    issue_weight: np.ndarray | None = None  # per grid, issues per household relative to the others; None: all equal

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def n_communities(self) -> int:
        return len(self.community_names)

    @property
    def n_streets(self) -> int:
        return len(self.street_names)


class Trips:
    """Travel by distance (``dispatch.travel = "distance"``): hours from a cadre's origin grid
    (its home in a pool, its police grid's base for an officer; -1: never travels) to an
    issue's grid, as a straight line between centroids at a constant speed plus an overhead."""

    def __init__(self, overhead_hours: float, speed_kmh: float, centroids: np.ndarray, origin: list[int]):
        lon, lat = np.radians(centroids).T
        # Python floats: one trip is a handful of scalar operations, cheaper than numpy's per-call cost
        self.lat, self.lon, self.cos = lat.tolist(), lon.tolist(), np.cos(lat).tolist()
        self.overhead, self.speed, self.origin = overhead_hours, speed_kmh, origin

    def km(self, a: int, b: int) -> float:
        """Great-circle distance between the centroids of grids ``a`` and ``b`` (haversine)."""
        h = (math.sin((self.lat[b] - self.lat[a]) / 2) ** 2
             + self.cos[a] * self.cos[b] * math.sin((self.lon[b] - self.lon[a]) / 2) ** 2)
        return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))

    def hours(self, cadre: int, grid: int) -> float:
        a = self.origin[cadre]
        return 0.0 if a < 0 or a == grid else self.overhead + self.km(a, grid) / self.speed


def layout_stream(scenario: Scenario, seeds: np.random.SeedSequence | None) -> np.random.Generator:
    """Where generated household counts come from: the scenario's seed (one layout for every run), or with
    ``grids.generate.layout_per_replication`` the replication's ``seeds`` (None: replication 0's under the
    scenario's seed), which every policy shares at that replication."""
    gen = scenario.grids.generate
    if gen is None or not gen.layout_per_replication:
        return scenario_stream(scenario.seed, "grids")
    return stream(seeds if seeds is not None else replication_root(scenario.seed, 0), "layout")


def grid_rows(scenario: Scenario, seeds: np.random.SeedSequence | None = None) -> list[GridSpec]:
    """The scenario's grids, generating them when the file asks for it (``seeds``: see :func:`layout_stream`)."""
    g = scenario.grids
    if g.generate is None:
        return list(g.rows)
    gen = g.generate
    rng = layout_stream(scenario, seeds)
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


def grid_polygons(scenario: Scenario, rows: list[GridSpec]) -> list[Any]:
    """Shapely polygons of the grids, in grid order: the scenario's own, else the synthetic layout's."""
    from shapely.geometry import shape

    geoms = scenario.grids.geometry or synthetic_district(
        [r.street for r in rows], [r.community for r in rows], [r.households for r in rows], scenario.seed)
    return [shape(g) for g in geoms]


TOUCH_DEGREES = 1e-6  # about 0.1 m: gaps and overlaps this small are digitising noise, not a border or a gap
MIN_BORDER_DEGREES = 1e-4  # about 10 m of shared border makes neighbours; a corner or a pinch point does not


def touching(polys: list[Any]) -> list[set[int]]:
    """Each grid's neighbours: grids sharing a stretch of border (at least ``MIN_BORDER_DEGREES`` long,
    within ``TOUCH_DEGREES``), not a mere corner.  An STRtree finds the candidate pairs: near-linear."""
    import shapely

    arr = np.array(polys, dtype=object)
    left, right = shapely.STRtree(arr).query(arr, predicate="dwithin", distance=TOUCH_DEGREES)
    keep = left < right
    left, right = left[keep], right[keep]
    near = shapely.buffer(arr, TOUCH_DEGREES)
    border = shapely.length(shapely.intersection(shapely.boundary(arr[left]), near[right]))
    shared = border > MIN_BORDER_DEGREES
    out: list[set[int]] = [set() for _ in polys]
    for i, j in zip(left[shared].tolist(), right[shared].tolist()):
        out[i].add(j)
        out[j].add(i)
    return out


def _xy(centroids: np.ndarray) -> np.ndarray:
    """Longitude/latitude as a local plane (longitude shrunk by the cosine of the mean latitude)."""
    return centroids * [np.cos(np.radians(centroids[:, 1].mean())), 1.0]


def _components(members: list[int], nbrs: list[set[int]]) -> list[list[int]]:
    """Connected parts of ``members`` (touching within them), each sorted, in order of their first grid."""
    left, out = set(members), []
    for g in members:
        if g in left:
            left.discard(g)
            part, todo = [g], [g]
            while todo:
                for h in nbrs[todo.pop()] & left:
                    left.discard(h)
                    part.append(h)
                    todo.append(h)
            out.append(sorted(part))
    return out


def _cuts(free: set[int], g: int, nbrs: list[set[int]]) -> bool:
    """Whether taking ``g`` out of ``free`` splits what is left of it in two (a search stopped early)."""
    ends = nbrs[g] & free
    if len(ends) < 2:
        return False
    start = min(ends)
    seen, todo = {start, g}, deque([start])
    while todo and not ends <= seen:
        for h in nbrs[todo.popleft()] & free:
            if h not in seen:
                seen.add(h)
                todo.append(h)
    return not ends <= seen


def _grow(piece: list[int], k: int, nbrs: list[set[int]], xy: np.ndarray) -> list[list[int]]:
    """``k`` blocks of touching grids of a connected ``piece``, of nearly equal size.

    Each block takes its share of the grids still free (rounded up), starts at the free grid
    farthest from their centre (so blocks eat in from the edge) and grows by the free
    neighbour touching most of it, then the nearest.  A seed or neighbour whose taking would
    split the free grids is passed over while another will do; when none will, the pockets cut
    off (all but the largest part) join the block at once, so that no later block is
    stranded in one.  A block enclosed before its size is reached stays smaller."""
    free, blocks, pts = set(piece), [], xy.tolist()
    for j in range(k):
        if not free:
            break
        size = -(-len(free) // (k - j))
        cand = np.array(sorted(free))
        far = ((xy[cand] - xy[cand].mean(axis=0)) ** 2).sum(axis=1)
        edge = cand[np.lexsort((cand, -far))].tolist()  # farthest first, then grid order
        seed = next((g for g in edge if not _cuts(free, g, nbrs)), edge[0])
        block, mine = [seed], {seed}
        free.discard(seed)
        while len(block) < size and (front := {h for g in block for h in nbrs[g]} & free):
            ax, ay = xy[block].mean(axis=0).tolist()
            ranked = sorted(front, key=lambda h: (-len(nbrs[h] & mine), (pts[h][0] - ax) ** 2 + (pts[h][1] - ay) ** 2, h))
            g = next((h for h in ranked if not _cuts(free, h, nbrs)), None)
            taken = [g] if g is not None else [ranked[0]]
            free.discard(taken[0])
            if g is None:  # forced to split the free grids: the pockets come along
                parts = sorted(_components(sorted(free), nbrs), key=len)
                taken += [h for part in parts[:-1] for h in part]
                free.difference_update(taken)
            block += taken
            mine.update(taken)
        blocks.append(block)
    return blocks


def contiguous_units(count: int, street: np.ndarray, nbrs: list[set[int]], xy: np.ndarray) -> np.ndarray:
    """Police unit of each grid: ``count`` blocks of touching grids, within streets.

    Each connected part of a street gets units by the D'Hondt rule on its grids (the most
    grids per unit next), grown by :func:`_grow`; a part that gets none (a small street when
    police grids are fewer than streets, an island) and grids a block left over join the
    touching block with the fewest grids, or the block of the nearest grid when none touches."""
    n = len(street)
    parts = [p for s in range(int(street.max()) + 1 if n else 0)
             for p in _components(np.flatnonzero(street == s).tolist(), nbrs)]
    seats = [0] * len(parts)
    for _ in range(min(count, n)):
        best = max(range(len(parts)), key=lambda j: (len(parts[j]) / (seats[j] + 1), -j))
        seats[best] += 1
    unit = np.full(n, -1, dtype=int)
    blocks = [b for p, k in zip(parts, seats) if k for b in _grow(p, k, nbrs, xy)]
    for u, b in enumerate(blocks):
        unit[b] = u
    size = np.bincount(unit[unit >= 0], minlength=len(blocks))
    while (left := np.flatnonzero(unit < 0)).size:
        joined = False
        for part in _components(left.tolist(), nbrs):
            near = {int(unit[h]) for g in part for h in nbrs[g] if unit[h] >= 0}
            if near:
                u = min(near, key=lambda v: (size[v], v))
                unit[part], size[u], joined = u, size[u] + len(part), True
        if not joined:  # islands: the nearest grid in a block, by centroid
            part = _components(left.tolist(), nbrs)[0]
            taken = np.flatnonzero(unit >= 0)
            d2 = ((xy[taken][:, None, :] - xy[part][None, :, :]) ** 2).sum(axis=2).min(axis=1)
            u = int(unit[taken[int(np.argmin(d2))]])
            unit[part], size[u] = u, size[u] + len(part)
    return unit


def police_bases(unit: np.ndarray, n_units: int, xy: np.ndarray) -> np.ndarray:
    """Per police unit, its grid nearest the middle of its grids: where its officers set out from."""
    base = np.zeros(n_units, dtype=int)
    for u in range(n_units):
        grids = np.flatnonzero(unit == u)
        base[u] = grids[int(np.argmin(((xy[grids] - xy[grids].mean(axis=0)) ** 2).sum(axis=1)))]
    return base


def build_district(scenario: Scenario, seeds: np.random.SeedSequence | None = None) -> District:
    """The district of one run (``seeds``: the replication's, for a layout drawn per replication)."""
    rows = grid_rows(scenario, seeds)
    ids = [r.id for r in rows]
    community, community_names = _index([f"{r.street}/{r.community}" for r in rows])
    street, street_names = _index([r.street for r in rows])
    hh = np.array([r.households for r in rows], dtype=int)
    pop = np.array([r.population if r.population is not None else np.nan for r in rows], dtype=float)

    police = scenario.cadres.police
    contiguous = police.units is None and police.blocks == "contiguous" and police.count > 0
    polys = grid_polygons(scenario, rows) if contiguous or scenario.dispatch.travel == "distance" else None
    centroids = None
    if polys is not None:
        import shapely

        centroids = shapely.get_coordinates(shapely.centroid(np.array(polys, dtype=object)))
    unit = np.full(len(rows), -1, dtype=int)
    if police.units is not None:
        pos = {gid: i for i, gid in enumerate(ids)}
        for u, spec in enumerate(police.units):
            unit[[pos[g] for g in spec.grids]] = u
        n_units = len(police.units)
    elif contiguous:
        unit = contiguous_units(police.count, street, touching(polys), _xy(centroids))
        n_units = int(unit.max()) + 1
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
        centroids=centroids,
        police_base=police_bases(unit, n_units, _xy(centroids)) if centroids is not None else None,
        issue_weight=_weights([r.issue_weight for r in rows]),
    )


def _weights(weights: list[float]) -> np.ndarray | None:
    """The grids' issue weights; None when all are equal, so such a district draws exactly as before."""
    w = np.array(weights, dtype=float)
    return None if np.all(w == w[0]) and w[0] > 0 else w
