"""Weekly schedules: flips, wrap-around, unions (wartime adds to normal hours)."""

from __future__ import annotations

import datetime as dt
import math

from sim.model.clock import Clock, WeeklySchedule

MONDAY = Clock(dt.date(2024, 1, 1))  # a Monday: model hour 0 is Monday 00:00
WEDNESDAY = Clock(dt.date(2024, 1, 3))


def test_wednesday_shift_flips_at_its_hours():
    s = WeeklySchedule.daily([2], 9, 17, MONDAY)
    assert not s.on_duty(2 * 24 + 8.99) and s.on_duty(2 * 24 + 9) and not s.on_duty(2 * 24 + 17)
    assert s.next_change(0) == 2 * 24 + 9
    assert s.next_change(2 * 24 + 9) == 2 * 24 + 17
    assert s.next_change(2 * 24 + 17) == 168 + 2 * 24 + 9  # next week
    assert s.duty_hours(0, 4 * 168) == 4 * 8


def test_clock_offset_follows_the_start_weekday():
    s = WeeklySchedule.daily([2], 9, 17, WEDNESDAY)  # starts on a Wednesday
    assert s.on_duty(9.5) and s.next_change(0) == 9


def test_always_on_never_changes_and_wraps():
    s = WeeklySchedule.daily(range(7), 0, 24, MONDAY)
    assert s.always and s.on_duty(12345.6) and math.isinf(s.next_change(3.0))
    night = WeeklySchedule.daily([6], 20, 24, MONDAY).union(WeeklySchedule.daily([0], 0, 6, MONDAY))
    assert night.on_duty(167) and night.on_duty(168 + 1) and night.next_change(6 * 24 + 20) == 168 + 6


def test_union_keeps_normal_hours_outside_the_wartime_window():
    normal = WeeklySchedule.daily(range(7), 0, 24, MONDAY)
    war = normal.union(WeeklySchedule.daily(range(7), 7, 21, MONDAY))
    assert war.always  # a 24-hour role loses nothing in wartime
    day = WeeklySchedule.daily([0], 8, 17, MONDAY).union(WeeklySchedule.daily(range(7), 7, 21, MONDAY))
    assert day.duty_hours(0, 168) == 7 * 14
