"""Which idle cadre takes an issue: the one idle longest, preferring cadres of the issue's grid."""

from __future__ import annotations

import pytest

from sim.model.cadres import Cadre
from sim.model.dispatch import IdleBook, SmallUnit, Unit


def cadres(unit: Unit, homes: list[int]) -> list[Cadre]:
    out = [Cadre(k, 0, h, unit, False) for k, h in enumerate(homes)]
    if isinstance(unit, SmallUnit):
        unit.members = out
    return out


def grid_unit(kind: str) -> Unit:
    """A plain grid unit, or the SmallUnit that serves in its place (idle cadres marked by stamps)."""
    return Unit("grid G1") if kind == "plain" else SmallUnit("grid G1", IdleBook(8, 1), 0, [])


@pytest.mark.parametrize("kind", ["plain", "small"])
def test_longest_idle_cadre_takes_the_issue(kind):
    unit = grid_unit(kind)
    c = cadres(unit, [0, 0, 0])
    for k in (1, 0, 2):  # become idle in this order
        unit.add_idle(c[k])
    assert [unit.take_idle(0).id for _ in range(3)] == [1, 0, 2]
    assert unit.take_idle(0) is None


@pytest.mark.parametrize("kind", ["plain", "small"])
def test_a_cadre_back_from_a_task_queues_behind_the_others(kind):
    unit = grid_unit(kind)
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


def test_small_unit_counts_the_issues_in_its_queue_and_marks_idle_cadres_in_bulk():
    """The counts a shift change reads (``IdleBook.queued``) follow pushes, pops and raised priorities; cadres
    marked idle together (a shift start) are taken in the order they were marked."""
    import numpy as np

    unit = grid_unit("small")
    c = cadres(unit, [0, 0, 0])
    book = unit.book
    unit.push(3, 1.0, 10)
    unit.push(3, 2.0, 11)
    unit.raise_priority(3, 1, 2.0, 11)  # a void entry and a new one: still two issues waiting
    assert book.queued[0] == 2
    assert unit.pop() == 11 and unit.pop() == 10 and unit.pop() is None
    assert book.queued[0] == 0
    book.mark_idle(np.array([2, 0]))
    unit.add_idle(c[1])
    assert [unit.take_idle(0).id for _ in range(3)] == [2, 0, 1]
    assert unit.take_idle(0) is None and list(book.since[:3]) == [-1, -1, -1]


@pytest.mark.parametrize("kind", ["plain", "small", "skilled"])
def test_a_withdrawn_issue_queued_again_is_served(kind):
    """Found by the random tester: an issue taken out of its queue (a cadre called to it) and queued again
    later with the same key (handed back at a shift end) is waiting once, and served once.  Marked void
    instead of taken out, its old entry hid the new one from the queue's count: at the horizon the issue
    was in no place (the conservation check)."""
    if kind == "skilled":
        from array import array

        from sim.model.dispatch import SkilledUnit
        unit = SkilledUnit("g", array("H", [0] * 10))
        unit.skill_of(None)
        unit.seal(1)
    elif kind == "small":
        unit = SmallUnit("g", IdleBook(1, 1), 0, [])
    else:
        unit = Unit("g")
    unit.push(1, 5.0, 7)
    unit.push(2, 6.0, 8)
    unit.withdraw(1, 5.0, 7)
    assert unit.waiting() == [8]
    unit.push(1, 5.0, 7)
    assert sorted(unit.waiting()) == [7, 8]
    assert [unit.pop(), unit.pop(), unit.pop()] == [7, 8, None]
    if kind == "small":
        assert unit.book.queued[0] == 0
