"""Which idle cadre takes an issue: the one idle longest, preferring cadres of the issue's grid."""

from __future__ import annotations

from sim.model.cadres import Cadre
from sim.model.dispatch import Unit


def cadres(unit: Unit, homes: list[int]) -> list[Cadre]:
    return [Cadre(k, 0, h, unit, False) for k, h in enumerate(homes)]


def test_longest_idle_cadre_takes_the_issue():
    unit = Unit("grid G1")
    c = cadres(unit, [0, 0, 0])
    for k in (1, 0, 2):  # become idle in this order
        unit.add_idle(c[k])
    assert [unit.take_idle(0).id for _ in range(3)] == [1, 0, 2]
    assert unit.take_idle(0) is None


def test_a_cadre_back_from_a_task_queues_behind_the_others():
    unit = Unit("grid G1")
    c = cadres(unit, [0, 0])
    unit.add_idle(c[0])
    unit.add_idle(c[1])
    first = unit.take_idle(0)
    unit.add_idle(first)  # finished its task: now the most recently idle
    assert unit.take_idle(0).id == 1


def test_pool_prefers_the_issue_grid_then_longest_idle():
    pool = Unit("pool C1", pooled=True)
    c = cadres(pool, [5, 7, 5, 9])
    for k in (3, 0, 1, 2):
        pool.add_idle(c[k])
    assert pool.take_idle(5).id == 0  # grid 5's cadres, longest idle first
    assert pool.take_idle(5).id == 2
    assert pool.take_idle(5).id == 3  # none left in grid 5: the pool's longest idle
    assert pool.take_idle(8).id == 1
    assert pool.take_idle(5) is None and not pool.idle and not any(pool.idle_by_grid.values())
