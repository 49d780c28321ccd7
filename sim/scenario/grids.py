"""The district's grids: listed inline, generated, or read from a CSV file."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    NonNegativeInt,
    ValidationInfo,
    model_validator,
)

from sim.scenario.distributions import Distribution, FieldError
from sim.scenario.fields import _Model
from sim.scenario.geometry import GRID_FIELDS, grid_rows_from_geojson
from sim.scenario.grid_table import read_grid_table

MAX_HOUSEHOLDS = 1_000_000  # in one grid (a grid is a few hundred; a whole district a few hundred thousand)
MAX_GRIDS = 1_000_000  # generated grids (a province has tens of thousands)


class GridSpec(_Model):
    id: str = Field(min_length=1)
    community: str = "C1"
    street: str = "S1"
    households: Annotated[int, Field(ge=1, le=MAX_HOUSEHOLDS)]
    population: NonNegativeFloat | None = None
    sunk_cadres: NonNegativeInt | None = None  # with cadres.sunk.allocation = "table"
    # issues per household relative to the district's other grids (records show busier grids); the district's
    # total stays rate x households, only its split over grids moves
    issue_weight: NonNegativeFloat = 1.0


class GridGenerator(_Model):
    """Generate ``count`` grids in ``communities`` communities within ``streets`` streets.

    Grids are split into communities, and communities into streets, in equal
    contiguous blocks; household counts are drawn from ``households`` with the
    scenario's seed (a fixed stream, the same for every replication and policy).
    With ``layout_per_replication``, each replication draws its own household counts
    from its own seed instead (the same for every policy at that replication), so that
    confidence intervals cover the layout's uncertainty too.
    """

    count: Annotated[int, Field(ge=1, le=MAX_GRIDS)]
    communities: PositiveInt = 1
    streets: PositiveInt = 1
    households: Distribution
    people_per_household: PositiveFloat = 2.7
    layout_per_replication: bool = False

    def ids(self) -> list[str]:
        """The generated grids' ids: G1..G9, G01..G99, ... by the width of ``count``."""
        width = len(str(self.count))
        return [f"G{i + 1:0{width}d}" for i in range(self.count)]

    @model_validator(mode="after")
    def _nesting(self) -> "GridGenerator":
        if self.communities > self.count:
            raise FieldError("communities", self.communities, f"cannot exceed count ({self.count})")
        if self.streets > self.communities:
            raise FieldError("streets", self.streets, f"cannot exceed communities ({self.communities})")
        return self


class Grids(_Model):
    """Exactly one of ``list`` (inline), ``generate``, ``csv``, ``xlsx`` or ``geojson`` (paths relative to the scenario).

    A CSV or workbook (``sheet``: its sheet, default the first) has a header row naming the
    columns: ``id``, ``households`` and optionally ``community``, ``street``, ``population`` and
    ``sunk_cadres`` (read with ``cadres.sunk.allocation = "table"``).  With ``geojson``, ``id``,
    ``households``, ``community``, ``street``, ``population`` and ``sunk_cadres`` name the feature
    properties holding those fields (default: the same names); the polygons are kept in
    ``geometry`` (GeoJSON, in grid order) for maps, like ``rows`` not part of the file.
    """

    list: builtins.list[GridSpec] | None = None  # the field is named "list" in files
    generate: GridGenerator | None = None
    csv: str | None = None
    xlsx: str | None = None
    sheet: str | None = Field(default=None, min_length=1)
    geojson: str | None = None
    id: str | None = Field(default=None, min_length=1)
    households: str | None = Field(default=None, min_length=1)
    community: str | None = Field(default=None, min_length=1)
    street: str | None = Field(default=None, min_length=1)
    population: str | None = Field(default=None, min_length=1)
    sunk_cadres: str | None = Field(default=None, min_length=1)
    rows: tuple[GridSpec, ...] = Field(default=(), exclude=True)
    geometry: tuple[dict, ...] = Field(default=(), exclude=True)
    notes: tuple[str, ...] = Field(default=(), exclude=True)  # how the grid table was read (merged cells)

    def ids(self) -> list[str]:
        """The grids' ids in grid order, generated ones included (before the layout is drawn)."""
        return self.generate.ids() if self.generate is not None else [g.id for g in self.rows]

    @model_validator(mode="before")
    @classmethod
    def _layout_only_generated(cls, data: Any) -> Any:
        """``layout_per_replication`` redraws a generated layout: refuse it, by name, anywhere else."""
        if not isinstance(data, dict):
            return data
        table = next((k for k in ("list", "csv", "xlsx", "geojson") if data.get(k) is not None), None)
        fixed = f"{table} gives a table of grids: one layout, the same in every replication" if table else ""
        gen = data.get("generate")
        if isinstance(gen, dict) and "layout_per_replication" in gen and table:
            where, value = ("generate", "layout_per_replication"), gen["layout_per_replication"]
        elif "layout_per_replication" in data:
            where, value = ("layout_per_replication",), data["layout_per_replication"]
            fixed = "; ".join(x for x in ("it belongs in [grids.generate]", fixed) if x)
        else:
            return data
        raise FieldError(where, value, f"draws a new generated layout in each replication, only with grids.generate; {fixed}")

    @model_validator(mode="after")
    def _exactly_one(self, info: ValidationInfo) -> "Grids":
        sources = ("list", "generate", "csv", "xlsx", "geojson")
        given = [k for k in sources if getattr(self, k) is not None]
        if not given:
            raise ValueError("give one of list (inline grids), generate, csv, xlsx or geojson (a file); none is given")
        if len(given) > 1:
            raise FieldError(given[1], getattr(self, given[1]), f"give only one of {', '.join(sources)} ({given[0]} is also given)")
        mapping = {k: getattr(self, k) for k in GRID_FIELDS if getattr(self, k) is not None}
        if mapping and self.geojson is None:
            k = next(iter(mapping))
            raise FieldError(k, mapping[k], "names a GeoJSON feature property: only with geojson = \"file.geojson\"")
        if self.sheet is not None and self.xlsx is None:
            raise FieldError("sheet", self.sheet, "names a workbook's sheet: only with xlsx = \"file.xlsx\"")
        base_dir = Path((info.context or {}).get("base_dir", "."))
        if self.geojson is not None:
            rows, geometry = grid_rows_from_geojson(self.geojson, base_dir, mapping, GridSpec)
            object.__setattr__(self, "geometry", geometry)
        elif self.list is not None:
            if not self.list:
                raise FieldError("list", [], 'is empty; give at least one grid, e.g. [{id = "G1", households = 1000}]')
            rows = tuple(self.list)
        elif self.csv is not None or self.xlsx is not None:
            field = "csv" if self.csv is not None else "xlsx"
            table = read_grid_table(field, getattr(self, field), base_dir, GridSpec, self.sheet)
            rows = table.rows
            object.__setattr__(self, "notes", table.notes)
        else:
            rows = ()
        seen: set[str] = set()
        for i, r in enumerate(rows):
            if r.id in seen:
                where = ("list", i, "id") if self.list is not None else given[0]
                raise FieldError(where, r.id if self.list is not None else getattr(self, given[0]),
                                 f"grid id {r.id!r} is repeated; ids must be unique")
            seen.add(r.id)
        if rows and not any(r.issue_weight > 0 for r in rows):
            where = ("list", 0, "issue_weight") if self.list is not None else given[0]
            raise FieldError(where, 0, "every grid's issue_weight is 0, so no issue could arise anywhere; give at "
                             "least one grid a weight above 0 (1 is the default)")
        object.__setattr__(self, "rows", rows)
        return self

    def table_sunk(self) -> dict[str, int] | None:
        """Each grid's sunk cadres from the table's ``sunk_cadres`` column (None when no grid gives one)."""
        if not any(r.sunk_cadres is not None for r in self.rows):
            return None
        return {r.id: r.sunk_cadres or 0 for r in self.rows}
