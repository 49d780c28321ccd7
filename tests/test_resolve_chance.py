"""Settling by attempt (issue 30, section 2): ``resolve_chance`` and ``cadres.sunk.department_types``.

- shares by level: with chances p_l per level, an issue ends at level l with chance
  prod_{m<l}(1 - p_m) * p_l (hand-computed), checked with a binomial CI over thousands of issues;
- by whom: in one grid worked by a grid worker and a sunk cadre with different chances, the share
  settled at the grid among the issues each one worked is that one's chance;
- department_types: a sunk cadre settles the type at the grid, in sequential mode (for sure) and in
  direct mode (for the department's work, no intake), exactly, per issue;
- common random numbers: raising a chance never makes an issue of the same seed end higher, and with
  the chances the level shares imply an issue ends where the drawn level puts it;
- bad input is refused at the command line (exit 2) with the field named.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from oracles import ONE_GRID, run_checked
from sim.cli import main
from sim.metrics import compute_metrics
from sim.scenario import ROLES, build_scenario

ROOT = Path(__file__).resolve().parent.parent
ALWAYS = {"days": "Mon+Tue+Wed+Thu+Fri+Sat+Sun", "start_hour": 0, "end_hour": 24}
SUNK_ALWAYS = {"service_days": ALWAYS["days"], "start_hour": 0, "end_hour": 24, "visits": False}


def ladder(gw: int = 1, sunk: int = 0, rate: float = 700.0, **type_fields) -> dict:
    """One grid, every level always staffed, light load; a sequential type."""
    return {
        "name": "chance",
        "calendar": {"start": "2024-01-01", "horizon_days": 60, "warmup_days": 2},
        "grids": {"list": [{"id": "G1", "community": "C1", "households": 1000}]},
        "issue_types": {"req": {"rate_per_1000_households_per_week": rate, "escalation": "sequential",
                                "service_time": {"dist": "exponential", "mean": 0.1}, **type_fields}},
        "cadres": {"grid_workers": {"per_grid": gw, "visits": False, **ALWAYS},
                   "sunk": {"count": sunk, **SUNK_ALWAYS}},
        "levels": {lv: {"staff_per_unit": 2, **ALWAYS} for lv in ("community", "street", "department")},
        "visits": {"enabled": False},
        "wartime": {"trigger": "off"},
    }


def run(data: dict, seed: int = 0):
    """The run's records, every invariant checked (work content included: each attempt's work)."""
    return run_checked(build_scenario(data, ROOT / "x.toml"), seed)


def assert_share(hits: int, n: int, p: float, what: str) -> None:
    """A binomial proportion agrees with p: p within the exact 99.9% interval (Clopper-Pearson)."""
    lo, hi = stats.binomtest(hits, n).proportion_ci(0.999)
    assert lo <= p <= hi, f"{what}: {hits}/{n} = {hits / n:.4f}, 99.9% CI [{lo:.4f}, {hi:.4f}] excludes {p}"
    assert hi - lo < 0.08, f"{what}: too few issues ({n}) for a useful test"


def first_worker(r) -> np.ndarray:
    """Per issue, the role of the cadre whose stretch of work came first (the grid's, with no shift ends)."""
    order = np.lexsort((r.work_start, r.work_issue))
    issue, cadre = r.work_issue[order], r.work_cadre[order]
    first = np.r_[True, issue[1:] != issue[:-1]]
    out = np.full(len(r.report), -1)
    out[issue[first]] = r.cadre_role[cadre[first]]
    return out


def test_shares_by_level_are_the_product_of_chances():
    # grid 0.6; community 0.4 * 0.5 = 0.2; street 0.4 * 0.5 * 0.5 = 0.1; the department settles the rest, 0.1
    r = run(ladder(resolve_chance={"grid_workers": 0.6, "community": 0.5, "street": 0.5}))
    done = r.resolved_level >= 0
    n = int(done.sum())
    assert n > 3000 and done.mean() > 0.99
    for lv, p in enumerate((0.6, 0.2, 0.1, 0.1)):
        assert_share(int((r.resolved_level[done] == lv).sum()), n, p, f"level {lv}")
    m = compute_metrics(r)
    shares = [m[f"resolved_share_{w}"] for w in ("grid", "community", "street", "department")]
    assert sum(shares) == pytest.approx(1.0) and m["escalation_rate"] == pytest.approx(1 - shares[0])
    # each level above the grid worked only what reached it: the offices' work rows are its own staff's
    roles = r.cadre_role[r.work_cadre]
    assert {ROLES[k] for k in np.unique(roles)} == {"grid_workers", "community", "street", "department"}


def test_a_level_without_an_entry_keeps_the_chance_its_shares_imply():
    # shares grid 0.5, community 0.25, street 0.25 imply community 0.5, street 1; the grid's chance is given
    r = run(ladder(level={"grid": 0.5, "community": 0.25, "street": 0.25}, resolve_chance={"grid_workers": 0.2}))
    done = r.resolved_level >= 0
    n = int(done.sum())
    for lv, p in enumerate((0.2, 0.8 * 0.5, 0.8 * 0.5, 0.0)):
        assert_share(int((r.resolved_level[done] == lv).sum()), n, p, f"level {lv}")
    assert not (r.cadre_role == ROLES.index("department")).any()  # nothing can reach it: no department staffed


def test_the_chance_is_that_of_whoever_worked_it():
    """A grid worker and a sunk cadre share one grid; each settles the issues it worked with its own chance."""
    r = run(ladder(gw=1, sunk=1, resolve_chance={"grid_workers": 0.3, "sunk": 0.9}))
    done = r.resolved_level >= 0
    who = first_worker(r)
    for role, p in (("grid_workers", 0.3), ("sunk", 0.9)):
        mine = done & (who == ROLES.index(role))
        assert_share(int((r.resolved_level[mine] == 0).sum()), int(mine.sum()), p, role)


@pytest.mark.parametrize("role, p", [("grid_workers", 0.3), ("sunk", 0.9)])
def test_a_grid_with_only_one_role_on_duty_settles_at_its_chance(role, p):
    data = ladder(gw=int(role == "grid_workers"), sunk=int(role == "sunk"), resolve_chance={"grid_workers": 0.3, "sunk": 0.9})
    r = run(data)
    done = r.resolved_level >= 0
    assert_share(int((r.resolved_level[done] == 0).sum()), int(done.sum()), p, role)
    window = done & (r.issues.occur >= r.warmup)  # the metrics count the issues of the window
    assert compute_metrics(r)["resolved_share_grid"] == pytest.approx((r.resolved_level[window] == 0).mean())


def test_a_named_role_and_a_police_grid_settle_at_their_own_chances():
    data = ladder(gw=0, resolve_chance={"vol": 0.25, "police": 0.8, "grid_workers": 0.0})
    data["grids"]["list"].append({"id": "G2", "community": "C1", "households": 1000})
    data["cadres"]["roles"] = {"vol": {"per_grid": 1, "visits": False, **ALWAYS}}
    data["cadres"]["police"] = {"units": [{"grids": ["G2"]}], "types": ["req"], **ALWAYS}
    r = run(data)
    done = r.resolved_level >= 0
    for grid, p in ((0, 0.25), (1, 0.8)):  # G1: the role's members; G2: its police grid
        mine = done & (r.issues.grid == grid)
        assert_share(int((r.resolved_level[mine] == 0).sum()), int(mine.sum()), p, f"grid {grid}")
    m = compute_metrics(r)
    assert m["resolved_share_police"] > m["resolved_share_grid"] > 0


def test_sunk_department_types_settle_at_the_grid_in_sequential_mode():
    level = {"grid": 0.5, "department": 0.5}
    data = ladder(gw=0, sunk=1, level=level)
    data["cadres"]["sunk"]["department_types"] = ["req"]
    r = run(data)
    done = r.resolved_level >= 0
    assert done.sum() > 3000 and np.all(r.resolved_level[done] == 0)  # a sunk cadre worked each: all settled
    # the same with a grid worker only: half go up (the shares' own chance at the grid, 0.5)
    data = ladder(gw=1, sunk=0, level=level)
    data["cadres"]["sunk"]["department_types"] = ["req"]
    r = run(data)
    done = r.resolved_level >= 0
    assert_share(int((r.resolved_level[done] == 0).sum()), int(done.sum()), 0.5, "grid worker")


def test_sunk_department_types_settle_direct_issues_at_the_grid_with_the_departments_work():
    """Direct: an issue drawn to end at the department that a sunk cadre takes in is settled at the grid, for
    the department's work (3 h) and no intake; one a grid worker takes in goes to the department (0.25 + 3 h)."""
    data = ladder(gw=1, sunk=1, rate=200.0, escalation="direct", level={"grid": 0.5, "department": 0.5},
                  service_time={"dist": "fixed", "value": 1.0}, intake_time=0.25,
                  service_time_by_level={"department": {"dist": "fixed", "value": 3.0}})
    data["cadres"]["sunk"]["department_types"] = ["req"]
    r = run(data)
    done = r.resolved_level >= 0
    to_dept = done & (r.issues.service == 3.0)  # drawn to end at the department
    who = first_worker(r)
    by_sunk, by_gw = to_dept & (who == ROLES.index("sunk")), to_dept & (who == ROLES.index("grid_workers"))
    assert by_sunk.sum() > 100 and by_gw.sum() > 100
    assert np.all(r.resolved_level[by_sunk] == 0) and np.all(r.resolved_level[by_gw] == 3)
    work = np.bincount(r.work_issue, weights=r.work_end - r.work_start, minlength=len(r.report))
    assert np.allclose(work[by_sunk], 3.0) and np.allclose(work[by_gw], 3.25)
    dept_rows = np.isin(r.work_issue, np.flatnonzero(by_sunk)) & (r.cadre_role[r.work_cadre] == ROLES.index("department"))
    assert not dept_rows.any()
    window = done & (r.issues.occur >= r.warmup)  # the metrics count the issues of the window
    assert compute_metrics(r)["escalation_rate"] == pytest.approx((r.resolved_level[window] > 0).mean())


@pytest.mark.parametrize("raise_", [{"grid_workers": 0.8}, {"community": 0.9}, {"street": 1.0}])
def test_raising_a_chance_never_makes_an_issue_end_higher(raise_):
    base = {"grid_workers": 0.4, "community": 0.5, "street": 0.3}
    a = run(ladder(resolve_chance=base), seed=7)
    b = run(ladder(resolve_chance={**base, **raise_}), seed=7)
    both = (a.resolved_level >= 0) & (b.resolved_level >= 0)
    assert both.sum() > 3000
    assert np.all(b.resolved_level[both] <= a.resolved_level[both])
    assert (b.resolved_level[both] < a.resolved_level[both]).sum() > 50  # and some end lower


def test_the_implied_chances_end_issues_where_the_drawn_level_does():
    """resolve_chance = {} settles by attempt with the chances the shares imply, from the same uniform
    as the drawn level: each issue ends at the level drawn for it without resolve_chance (same seed)."""
    shares = {"grid": 0.5, "community": 0.2, "street": 0.2, "department": 0.1}
    drawn = run(ladder(level=shares), seed=3)
    settled = run(ladder(level=shares, resolve_chance={}), seed=3)
    both = (drawn.resolved_level >= 0) & (settled.resolved_level >= 0)
    assert both.sum() > 3000
    np.testing.assert_array_equal(settled.resolved_level[both], drawn.resolved_level[both])


@pytest.mark.parametrize("patch, named", [
    ('resolve_chance = { grid_workers = 0.5 }', 'issue_types.request.resolve_chance = {grid_workers = 0.5}: '
     'applies only with escalation = "sequential"'),
    ('escalation = "sequential"\nresolve_chance = { mayor = 0.5 }',
     'issue_types.request.resolve_chance.mayor = 0.5: not a role or an office; allowed keys: grid_workers, sunk, '
     'community, street, department'),
    ('escalation = "sequential"\nresolve_chance = { police = 0.5 }',
     'issue_types.request.resolve_chance.police = 0.5: police grids do not take this type'),
    ('escalation = "sequential"\nresolve_chance = { grid_workers = 1.5 }',
     'issue_types.request.resolve_chance.grid_workers = 1.5: must be less than or equal to 1'),
    ('escalation = "sequential"\nlevel = { grid = 0.5, department = 0.5 }\nresolve_chance = { department = 0.9 }',
     'issue_types.request.resolve_chance.department = 0.9: the department is the top level'),
    ('level = "street"\n\n[cadres.sunk]\ndepartment_types = ["request"]',
     'cadres.sunk.department_types.0 = "request": \'request\' never reaches the department'),
    ('level = "department"\n\n[cadres.sunk]\ndepartment_types = ["requests"]',
     'cadres.sunk.department_types.0 = "requests": not an issue type; defined issue types: request'),
])
def test_bad_settling_input_is_refused_with_the_field_named(tmp_path, capsys, patch, named):
    path = tmp_path / "s.toml"
    path.write_text(ONE_GRID + patch + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert named in err and str(path) in err and "Traceback" not in err, err


def test_settling_that_does_nothing_is_warned_about():
    from sim.scenario import load_scenario, parse_set

    root = Path(__file__).resolve().parent.parent / "scenarios"
    sc = load_scenario(root / "baota.toml", None, parse_set(["cadres.sunk.count=0"]))
    assert any("department_types = ['assistance'] has no effect" in w for w in sc.measurement_warnings())
    sc = load_scenario(root / "baota.toml", None, parse_set(["issue_types.assistance.intake_time=0"]))
    assert any("'assistance' has intake_time 0" in w for w in sc.measurement_warnings())
