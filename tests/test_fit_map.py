"""The fit report's map of per-grid rates: drawn from the fit folder alone when --scenario has grids.geojson,
its colours each grid's orders per 1,000 households per week counted here from the export; without polygons
no map, and the report says what it needs."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from fit_export import GRIDS, make_export
from sim.cli import main

WEEKS = 4
HOUSEHOLDS = {g: 200 + 37 * i for i, (g, _, _) in enumerate(GRIDS)}
NO_ORDERS = "第99网格"  # a polygon without records: rate 0
NO_POLYGON = GRIDS[-1][0]  # a grid of the records without a polygon: not drawn, counted in the note


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    ex = make_export(seed=5, weeks=WEEKS)
    path = tmp_path_factory.mktemp("map") / "orders.csv"
    path.write_text(ex.csv_text(), encoding="utf-8")
    return ex, path


def _base(folder) -> tuple:
    grids = [(g, c, s) for g, c, s in GRIDS if g != NO_POLYGON] + [(NO_ORDERS, "社区9", "街道9")]
    feats = [{"type": "Feature", "properties": {"code": g, "hh": HOUSEHOLDS.get(g, 500), "community": c, "street": s},
              "geometry": {"type": "Polygon", "coordinates": [[[109.4 + 0.01 * i, 36.6], [109.41 + 0.01 * i, 36.6],
                                                               [109.41 + 0.01 * i, 36.61], [109.4 + 0.01 * i, 36.61],
                                                               [109.4 + 0.01 * i, 36.6]]]}}
             for i, (g, c, s) in enumerate(grids)]
    (folder / "shapes").mkdir()
    (folder / "shapes" / "district.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                                                         encoding="utf-8")
    base = folder / "base.toml"
    base.write_text('name = "mapped"\n[grids]\ngeojson = "shapes/district.geojson"\nid = "code"\nhouseholds = "hh"\n'
                    '[issue_types.leak]\nrate_per_1000_households_per_week = 1\nservice_time = 2\n', encoding="utf-8")
    return base, [g for g, _, _ in grids]


def _captured(monkeypatch) -> dict:
    """The figures saved from now on, by file name, kept open."""
    from matplotlib.figure import Figure

    figs, save = {}, Figure.savefig

    def keep(self, path, *a, **k):
        figs[str(path).rsplit("/", 1)[-1]] = self
        return save(self, path, *a, **k)

    monkeypatch.setattr(Figure, "savefig", keep)
    monkeypatch.setattr("matplotlib.pyplot.close", lambda *a, **k: None)
    return figs


def test_map_colours_are_the_fitted_grid_rates(export, tmp_path, monkeypatch, capsys):
    from matplotlib.collections import PatchCollection

    ex, path = export
    base, ids = _base(tmp_path)
    out = tmp_path / "out"
    assert main(["fit", str(path), "--out", str(out), "--quiet", "--scenario", str(base), "--lang", "both"]) == 0, \
        capsys.readouterr().err
    assert (out / "figures" / "fit-map-rates.png").is_file() and (out / "figures" / "fit-map-rates.zh.png").is_file()
    (tmp_path / "shapes" / "district.geojson").unlink()  # the folder alone redraws it
    figs = _captured(monkeypatch)
    assert main(["plot", str(out)]) == 0, capsys.readouterr().err
    fig = figs["fit-map-rates.png"]
    values = next(c for c in fig.axes[0].collections if isinstance(c, PatchCollection)).get_array()
    used = Counter(r[3] for i, r in enumerate(ex.rows) if i + 2 not in ex.refused)  # column 3: the grid
    weeks = json.loads((out / "fit.json").read_text(encoding="utf-8"))["window"]["weeks"]
    expected = [1000 * used[g] / weeks / HOUSEHOLDS.get(g, 500) for g in ids]
    assert used[NO_POLYGON] > 0 and expected[-1] == 0
    assert list(values) == pytest.approx(expected, rel=1e-9)
    assert any("1 grid(s) of the records have no polygon" in t.get_text() for t in fig.texts)
    for name in ("report.md", "report.zh.md"):
        report = (out / name).read_text(encoding="utf-8")
        assert "fit-map-rates" in report and "grids.geojson" not in report


def test_without_polygons_no_map_and_the_report_says_why(export, tmp_path, capsys):
    _, path = export
    out = tmp_path / "out"
    assert main(["fit", str(path), "--out", str(out), "--quiet", "--lang", "both"]) == 0, capsys.readouterr().err
    assert not list((out / "figures").glob("fit-map-rates*"))
    assert "needs the grids' polygons, a scenario with grids.geojson" in (out / "report.md").read_text(encoding="utf-8")
    assert "含 grids.geojson 的情景" in (out / "report.zh.md").read_text(encoding="utf-8")
