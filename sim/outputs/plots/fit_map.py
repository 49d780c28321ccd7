"""``fit-map-rates``: each grid's fitted orders per 1,000 households per week (all types together) on the
district's polygons, drawn from the fit folder alone: fit.json's per-grid arrivals and ``grids_geojson`` (the
copy of ``--scenario``'s GeoJSON that ``gridsim fit`` keeps in the folder, with its households).  A grid of the
polygons without any order in the records is 0; a grid of the records without a polygon is not drawn (the note
says how many).  Without ``grids_geojson`` there is no map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.outputs.geo import DistrictShapes
from sim.outputs.plots.canvas import LANG_SUFFIX
from sim.outputs.plots.labels import LABELS
from sim.outputs.plots.maps import draw_map
from sim.outputs.plots.style import WIDTH, PlotError
from sim.scenario import FieldError
from sim.scenario.geometry import read_geojson

MAP = "fit-map-rates"
WORDS = {
    "en": {"title": "Fitted orders per 1,000 households per week, by grid (all types)",
           "unit": "orders per 1,000 households per week", "missing": "{n} grid(s) of the records have no polygon"},
    "zh": {"title": "各网格拟合工单率（全部类型）", "unit": "每千户每周工单数", "missing": "记录中有{n}个网格无边界"},
}


class _Canvas:
    """What the run maps' drawing needs of a figure set: words and pyplot."""

    def __init__(self, plt: Any, lang: str):
        self.plt, self.L = plt, LABELS[lang]

    def label(self, key: str, **kw: Any) -> str:
        return self.L.get(key, key).format(**kw)


def grid_rates(folder: Path, doc: dict[str, Any]) -> tuple[DistrictShapes, np.ndarray, int] | None:
    """The polygons of fit.json's ``grids_geojson``, each grid's fitted orders per 1,000 households per week (in
    the polygons' order) and the number of the records' grids without a polygon; None without polygons."""
    from shapely.geometry import shape

    g = doc.get("grids_geojson")
    if not g:
        return None
    try:
        props, geoms = read_geojson(g["file"], folder, g.get("properties"))
    except FieldError as e:
        raise PlotError(f"{folder / 'fit.json'}: grids_geojson: {e}") from None
    ids = [p["id"] for p in props]
    streets = [str(p.get("street", "")) for p in props]
    d = DistrictShapes(ids, streets, [f"{s}/{p.get('community', '')}" for s, p in zip(streets, props)],
                       [shape(x) for x in geoms], True)
    fitted = doc["grids"]
    per_week = np.array([fitted[i]["arrivals_per_week"]["mean"] if i in fitted else 0.0 for i in ids])
    households = np.array([p["households"] for p in props], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a grid of no households has no rate (grey)
        rates = np.where(households > 0, 1000 * per_week / households, np.nan)
    return d, rates, len(set(fitted) - set(ids))


def rate_map(folder: Path, doc: dict[str, Any], plt: Any, lang: str, fmt: str) -> Path | None:
    """Draw ``figures/fit-map-rates`` (None when the fit kept no polygons)."""
    found = grid_rates(folder, doc)
    if found is None:
        return None
    d, rates, missing = found
    w = WORDS[lang]
    fig, ax = plt.subplots(figsize=(WIDTH, WIDTH))
    draw_map(_Canvas(plt, lang), fig, ax, d, rates, "viridis", w["unit"])
    ax.set_title(w["title"], fontsize=7.5)
    if missing:
        fig.text(0.5, 0.0, w["missing"].format(n=missing), fontsize=5.5, color="#555555", ha="center", va="top")
    path = folder / "figures" / f"{MAP}{LANG_SUFFIX[lang]}.{fmt}"
    fig.savefig(path)
    plt.close(fig)
    return path
