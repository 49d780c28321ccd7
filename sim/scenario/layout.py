"""A synthetic district for grids without geometry: nested streets, communities and grids as a treemap.

The district is a rectangle cut recursively by area shares: into street blocks, each
street into its communities, each community into its grids (a slicing treemap: every
cut is a straight line through its parent rectangle, so the polygons are valid, tile
their parent exactly, without gaps or overlaps, and nest exactly).  A grid's area is
proportional to the square root of its households (``AREA_KM2_PER_SQRT_HOUSEHOLD`` km²
per unit: a 400-household grid covers about 0.4 km²), so denser grids are smaller per
household while larger grids still look larger.  The scenario's seed chooses the
district's aspect ratio and where each group of blocks is cut in two (among the
near-balanced cuts), so the same scenario always gives the same map.

Coordinates are nominal longitude/latitude around 0°N 0°E (a local plane, 1 km =
1/111.32°), deliberately not a real place; :func:`synthetic_district` returns
GeoJSON geometries in grid order.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

AREA_KM2_PER_SQRT_HOUSEHOLD = 0.02
KM_PER_DEGREE = 111.32
Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 (km)


def grid_weights(households: Sequence[int]) -> np.ndarray:
    """Each grid's area in km² (the documented rule: proportional to sqrt(households))."""
    return AREA_KM2_PER_SQRT_HOUSEHOLD * np.sqrt(np.maximum(1, np.asarray(households, dtype=float)))


def _split(rect: Rect, weights: list[float], rng: np.random.Generator) -> list[Rect]:
    """Cut ``rect`` into len(weights) rectangles of areas proportional to ``weights`` (in order)."""
    if len(weights) == 1:
        return [rect]
    total = sum(weights)
    cum = np.cumsum(weights)[:-1] / total
    # near-balanced cuts: the one closest to half and, when close, its neighbour; the seed picks
    order = np.argsort(np.abs(cum - 0.5), kind="stable")
    cands = [int(order[0])] + [int(k) for k in order[1:2] if abs(cum[k] - 0.5) < 0.2]
    k = cands[int(rng.integers(len(cands)))] if len(cands) > 1 else cands[0]
    share = float(cum[k])
    x0, y0, x1, y1 = rect
    if x1 - x0 >= y1 - y0:  # cut across the longer side, so the pieces stay compact
        xm = x0 + (x1 - x0) * share
        a, b = (x0, y0, xm, y1), (xm, y0, x1, y1)
    else:
        ym = y0 + (y1 - y0) * share
        a, b = (x0, y0, x1, ym), (x0, ym, x1, y1)
    return _split(a, weights[: k + 1], rng) + _split(b, weights[k + 1:], rng)


def _groups(keys: Sequence[Any]) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return out


def layout_rects(streets: Sequence[str], communities: Sequence[str], households: Sequence[int], seed: int) -> list[Rect]:
    """Each grid's rectangle (km): street blocks, then communities inside streets, then grids inside communities.

    Communities are told apart within their street (the same name in two streets is two communities);
    streets and communities keep the order of their first grid.
    """
    rng = np.random.default_rng([int(seed), 0x6D6170])  # its own stream: the layout draws nothing else
    w = grid_weights(households)
    total = float(w.sum())
    aspect = float(rng.uniform(1.0, 1.6))
    width = math.sqrt(total * aspect)
    out: list[Rect | None] = [None] * len(w)
    by_street = _groups(list(streets))
    street_rects = _split((0.0, 0.0, width, total / width), [float(w[g].sum()) for g in by_street.values()], rng)
    for srect, members in zip(street_rects, by_street.values()):
        by_comm = _groups([communities[i] for i in members])
        comm_members = [[members[j] for j in js] for js in by_comm.values()]
        comm_rects = _split(srect, [float(w[m].sum()) for m in comm_members], rng)
        for crect, grids in zip(comm_rects, comm_members):
            for g, r in zip(grids, _split(crect, [float(w[i]) for i in grids], rng)):
                out[g] = r
    return out  # type: ignore[return-value]


def _lonlat(rect: Rect, x_mid: float, y_mid: float) -> dict[str, Any]:
    x0, y0, x1, y1 = ((v - m) / KM_PER_DEGREE for v, m in zip(rect, (x_mid, y_mid, x_mid, y_mid)))
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]  # counter-clockwise, as RFC 7946 asks
    return {"type": "Polygon", "coordinates": [ring]}


def synthetic_district(streets: Sequence[str], communities: Sequence[str], households: Sequence[int],
                       seed: int) -> list[dict[str, Any]]:
    """GeoJSON Polygons, one per grid in the order given, of a synthetic district (see the module)."""
    rects = layout_rects(streets, communities, households, seed)
    x_mid = max(r[2] for r in rects) / 2
    y_mid = max(r[3] for r in rects) / 2
    return [_lonlat(r, x_mid, y_mid) for r in rects]
