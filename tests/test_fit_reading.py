"""Reading work-order exports: the same orders from UTF-8 with and without a BOM, GBK and an Excel workbook;
dates as exports write them; levels as records name them; Kaplan-Meier and the censored fit on small cases
worked out by hand."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy import stats
from openpyxl import Workbook

from fit_export import HEADER, make_export
from sim.fit.censored import restricted_mean, Durations, fit_durations, kaplan_meier
from sim.fit.dates import parse_datetime
from sim.fit.reading import FitError, parse_columns, read_records
from sim.fit.rows import level_of, unrecognised_levels, orders_from


@pytest.fixture(scope="module")
def small():
    return make_export(seed=7, weeks=2)


def _orders(path, **kw):
    return orders_from(read_records(path, **kw))


def _same(a, b):
    assert a.id == b.id and a.grid == b.grid and a.type == b.type and a.level == b.level
    np.testing.assert_allclose(a.reported, b.reported, atol=1e-6)  # hours: the serial numbers' 8 decimals
    np.testing.assert_allclose(a.resolved, b.resolved, atol=1e-6)
    assert [(r.row, r.reason) for r in a.refused] == [(r.row, r.reason) for r in b.refused]


def test_bom_no_bom_and_gbk_read_the_same(small, tmp_path):
    text = small.csv_text()
    paths = {}
    for name, enc in (("bom", "utf-8-sig"), ("plain", "utf-8"), ("gbk", "gbk")):
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_bytes(text.encode(enc))
    # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    paths["utf16"] = tmp_path / "utf16.txt"
    paths["utf16"].write_bytes(text.replace(",", "\t").encode("utf-16"))
    ref = _orders(paths["bom"])
    assert len(ref) + len(ref.refused) == len(small.rows)
    for name in ("plain", "gbk", "utf16"):
        _same(_orders(paths[name]), ref)


def test_a_workbook_with_a_title_row_and_date_cells_reads_the_same(small, tmp_path):
    csv_path = tmp_path / "x.csv"
    csv_path.write_text(small.csv_text(), encoding="utf-8")
    book = Workbook()
    ws = book.active
    ws.title = "工单"
    book.create_sheet("说明", 0)  # a notes sheet first: --sheet picks the orders
    ws.append(["某区网格事件导出（2024年）"])  # a title above the header
    ws.append(HEADER)
    for row in small.rows:
        cells = list(row)
        for j in (5, 6, 7):  # times as Excel keeps them: date cells (and serial numbers as numbers)
            try:
                cells[j] = float(cells[j])
            except ValueError:
                t = parse_datetime(cells[j]) if cells[j] else None
                cells[j] = t if t is not None else cells[j]
        ws.append(cells)
    path = tmp_path / "x.xlsx"
    book.save(path)
    got = _orders(path, sheet="工单")
    ref = _orders(csv_path)
    # a workbook's rows sit one lower (the title), so are the rows its refusals name
    assert [(r.id, re.sub(r"row \d+", "", r.reason)) for r in got.refused] == \
        [(r.id, re.sub(r"row \d+", "", r.reason)) for r in ref.refused]
    assert [r.row for r in got.refused] == [r.row + 1 for r in ref.refused]
    assert got.id == ref.id
    np.testing.assert_allclose(got.reported, ref.reported, atol=1e-6)
    np.testing.assert_allclose(got.resolved, ref.resolved, atol=1e-6)
    with pytest.raises(FitError, match="no such sheet; sheets: 说明, 工单"):
        read_records(path, sheet="orders")


@pytest.mark.parametrize("text", ["2024/3/5 8:00", "2024-03-05 08:00:00", "2024-03-05T08:00:00",
                                  "2024-03-05T08:00:00+08:00", "2024年3月5日 8时0分", "2024.3.5 8:00",
                                  "45356.3333333333", 45356 + 1 / 3])
def test_dates_as_exports_write_them(text):
    # 2024-03-05 is day 45356 counted from Excel's 1899-12-30 (1900-01-01 is day 1, after the phantom 29 Feb 1900)
    assert (datetime(2024, 3, 5) - datetime(1899, 12, 30)).days == 45356
    assert abs(parse_datetime(text) - datetime(2024, 3, 5, 8)) < timedelta(seconds=1)


def test_not_a_date_is_refused_with_its_value():
    with pytest.raises(ValueError, match="'yesterday' is not a date-time"):
        parse_datetime("yesterday")
    with pytest.raises(ValueError, match="serial"):
        parse_datetime("12")
    assert parse_datetime("  ") is None


@pytest.mark.parametrize("text,level", [("网格", "grid"), ("社区", "community"), ("村", "community"),
                                        ("街道", "street"), ("乡镇", "street"), ("部门", "department"),
                                        ("住建局", "department"), ("农业农村局", "department"),
                                        ("城管执法大队", "department"), ("Community", "community"),
                                        ("grid", "grid"), ("", "")])
def test_levels_as_records_name_them(text, level):
    assert level_of(text) == level


def test_level_texts_that_name_nothing_are_flagged():
    # a status in the level column would be read as a department's name: fit warns about such texts
    assert unrecognised_levels(["办理中", "住建局", "部门", "区级部门", "网格", "待定", ""]) == ["办理中", "待定"]


def test_kaplan_meier_by_hand():
    # times 1, 2, 2+, 3, 4+: S(1) = 4/5, S(2) = 0.8 * 3/4 = 0.6, S(3) = 0.6 * 1/2 = 0.3
    t, s, lo, hi = kaplan_meier(Durations(np.array([1.0, 2, 2, 3, 4]), np.array([True, True, False, True, False])))
    assert list(t[:3]) == [1, 2, 3]
    np.testing.assert_allclose(s[:3], [0.8, 0.6, 0.3])
    assert np.all(lo[:3] <= s[:3]) and np.all(s[:3] <= hi[:3])


def test_exponential_censored_fit_matches_its_closed_form():
    # censored exponential MLE: mean = total time / events, and se(log mean) = 1/sqrt(events)
    rng = np.random.default_rng(3)
    x, c = rng.exponential(10, 4000), rng.uniform(0, 30, 4000)
    d = Durations(np.minimum(x, c), x <= c)
    f = fit_durations(d)
    assert f.dist in ("exponential", "gamma", "weibull")  # the nested families may win by chance
    mle = d.hours.sum() / d.ended.sum()
    assert f.mean == pytest.approx(mle, rel=0.03)
    assert f.mean == pytest.approx(10, rel=0.06)  # 3000 events: SE 1.8%
    if f.dist == "exponential":
        half = 1.96 / math.sqrt(d.ended.sum())
        assert f.ci95 == pytest.approx((mle * math.exp(-half), mle * math.exp(half)), rel=1e-3)


def test_restricted_mean_by_hand_and_without_censoring():
    # times 1, 2, 2+, 3, 5+: S = 1 until 1, 0.8 until 2, 0.6 until 3 (the open 2 leaves 2 at risk and one ends):
    # area up to the last end, 3: 1 + 0.8 + 0.6 = 2.4
    r = restricted_mean(Durations(np.array([1.0, 2, 2, 3, 5]), np.array([True, True, False, True, False])))
    assert r.mean == pytest.approx(2.4) and r.tau == 3
    # uncensored: the plain mean, with the plain standard error times sqrt((n - 1) / n)
    x = np.random.default_rng(4).gamma(2.0, 3.0, 500)
    r = restricted_mean(Durations(x, np.ones(500, bool)))
    assert r.mean == pytest.approx(x.mean(), rel=1e-12)
    half = 1.959963984540054 * x.std(ddof=0) / math.sqrt(500)
    assert r.ci95 == pytest.approx((x.mean() - half, x.mean() + half), rel=1e-9)


def test_a_family_whose_mean_misses_kaplan_meier_is_passed_over():
    # two clusters, 0.5 h and 100 h: a lognormal wins on AIC but its mean is far off; the fit's mean must be
    # the sample's (every order ended, so Kaplan-Meier's mean is the plain mean)
    rng = np.random.default_rng(2)
    x = np.concatenate([0.5 + rng.uniform(0, 0.01, 800), 100 + rng.uniform(0, 1, 200)])
    f = fit_durations(Durations(x, np.ones(len(x), bool)))
    assert min(f.aic, key=f.aic.get) == "lognormal" and f.dist != "lognormal"
    assert f.ci95[0] <= x.mean() <= f.ci95[1] and f.guard


def test_no_family_agreeing_means_the_scale_is_set_to_match_kaplan_meier():
    from sim.fit.censored import FAMILIES, MEAN_SET, RestrictedMean, _guarded, _restricted

    fits = {f.name: (f, np.log([2.0, 3.0]) if f.shape else np.log([3.0]), aic) for f, aic in zip(FAMILIES, [4, 3, 2, 1])}
    fam, theta, guard = _guarded(fits, RestrictedMean(20.0, (19.0, 21.0), 40.0))
    assert fam.name == "weibull" and guard.endswith(MEAN_SET)
    # E[min(X, 40)] of the rescaled Weibull, by simulation: about 20
    x = np.minimum(stats.weibull_min(math.exp(theta[0]), scale=math.exp(theta[1])).rvs(200_000, random_state=1), 40)
    assert x.mean() == pytest.approx(20.0, rel=0.01) and _restricted(fam, theta, 40.0) == pytest.approx(20.0)


def test_too_few_closed_cannot_be_fitted():
    assert fit_durations(Durations(np.array([5.0, 6, 7]), np.array([True, False, False]))) is None


def test_columns_refuses_an_unknown_field():
    with pytest.raises(FitError, match="'gird' is not a field; fields: id, grid"):
        parse_columns(["gird=网格"])
    assert parse_columns(["grid = 网格名称"]) == {"grid": "网格名称"}
    with pytest.raises(FitError, match="grid is required and cannot be left unread"):
        parse_columns(["grid="])


def test_an_optional_field_left_unread(small, tmp_path):
    # 签收时间 is there, but --columns accepted= says it is no start of work: no work times are fitted
    path = tmp_path / "orders.csv"
    path.write_text(small.csv_text(), encoding="utf-8")
    assert "accepted" in read_records(path).columns
    raw = read_records(path, parse_columns(["accepted="]))
    assert "accepted" not in raw.columns


def test_thin_inputs_get_messages_that_say_what_to_do(tmp_path):
    from sim.fit.dates import parse_datetime

    with pytest.raises(ValueError, match=r"'2024-13-45 8:00' is not a date-time \(month must be in 1..12\)"):
        parse_datetime("2024-13-45 8:00")
    (tmp_path / "a.csv").write_text("x", encoding="utf-8")
    with pytest.raises(FitError, match="a folder, not a file; give the work-order export itself .* one of: a.csv"):
        read_records(tmp_path)
    (tmp_path / "s.toml").write_text('name = "s"', encoding="utf-8")
    with pytest.raises(FitError, match="a scenario file, not a work-order export"):
        read_records(tmp_path / "s.toml")
