"""Model time: hours since midnight of the calendar's start date, and weekly schedules."""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable

import numpy as np

WEEK = 168.0
TIE_HOURS = 1e-9  # times this close are one instant (sums of float durations drift by ~1e-14)
# Event times computed from schedules carry rounding error; a flip within _EPS hours counts as passed.
_EPS = 1e-7


class Clock:
    """Maps model hours to weekday, hour of day and month."""

    def __init__(self, start: dt.date):
        self.start = start
        self.offset = start.weekday() * 24.0  # hour-of-week of model time 0 (Monday 00:00 = 0)

    def hour_of_week(self, t: np.ndarray | float) -> np.ndarray | float:
        return (t + self.offset) % WEEK

    def weekday(self, t: np.ndarray) -> np.ndarray:
        return (self.hour_of_week(t) // 24).astype(int)

    def hour_of_day(self, t: np.ndarray) -> np.ndarray:
        return (np.asarray(t) % 24).astype(int)

    def month(self, t: np.ndarray) -> np.ndarray:
        """Month index 0..11 of each time."""
        base = np.datetime64(self.start, "s")
        stamps = base + (np.asarray(t) * 3600).astype("timedelta64[s]")
        return stamps.astype("datetime64[M]").astype(int) % 12


class WeeklySchedule:
    """On-duty intervals repeating every week, in hours of the week.

    Overlapping and adjacent intervals merge, so a cadre on duty 0-24 every day
    is simply always on duty and never changes.
    """

    def __init__(self, spans: Iterable[tuple[float, float]], clock: Clock):
        self.raw = sorted(spans)
        merged: list[list[float]] = []
        for a, b in self.raw:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        # a span ending at the week's end joins one starting at 0
        if len(merged) > 1 and merged[-1][1] >= WEEK and merged[0][0] <= 0:
            merged[0][0] = merged[-1][0] - WEEK
            merged.pop()
        self.spans = [(a, b) for a, b in merged]
        self.always = len(self.spans) == 1 and self.spans[0][1] - self.spans[0][0] >= WEEK
        self.never = not self.spans
        self.clock = clock
        # flip points within one week, sorted, and the state just after each
        flips = []
        for a, b in self.spans:
            flips.append((a % WEEK, True))
            flips.append((b % WEEK, False))
        flips.sort()
        self._times = [f[0] for f in flips]
        self._after = [f[1] for f in flips]

    @classmethod
    def daily(cls, days: Iterable[int], start_hour: float, end_hour: float, clock: Clock) -> "WeeklySchedule":
        """On duty from start_hour to end_hour on each of ``days`` (0 = Monday)."""
        return cls([(d * 24.0 + start_hour, d * 24.0 + end_hour) for d in set(days)], clock)

    def union(self, other: "WeeklySchedule") -> "WeeklySchedule":
        return WeeklySchedule(self.raw + other.raw, self.clock)

    def minus(self, other: "WeeklySchedule") -> "WeeklySchedule":
        """On duty when this schedule is and ``other`` is not."""
        cut = other._within_week()
        out = []
        for a, b in self._within_week():
            for c, d in cut:
                if c >= b or d <= a:
                    continue
                if c > a:
                    out.append((a, c))
                a = max(a, d)
                if a >= b:
                    break
            if a < b:
                out.append((a, b))
        return WeeklySchedule(out, self.clock)

    def _within_week(self) -> list[tuple[float, float]]:
        """The spans as sorted pieces of [0, WEEK) (a span across the week's end split in two)."""
        if self.always:
            return [(0.0, WEEK)]
        out = []
        for a, b in self.spans:
            if a < 0:
                out += [(a + WEEK, WEEK), (0.0, b)]
            elif b > WEEK:
                out += [(a, WEEK), (0.0, b - WEEK)]
            else:
                out.append((a, b))
        return sorted(out)

    def on_duty(self, t: float) -> bool:
        if self.always or self.never:
            return self.always
        w = self.clock.hour_of_week(t) + _EPS
        i = bisect.bisect_right(self._times, w) - 1
        return self._after[i]  # i == -1 wraps to the last flip of the week, as wanted

    def next_change(self, t: float) -> float:
        """The first time strictly after ``t`` at which the on-duty state flips (inf if never)."""
        if self.always or self.never:
            return math.inf
        w = self.clock.hour_of_week(t)
        i = bisect.bisect_right(self._times, w + _EPS)
        week_start = t - w
        if i < len(self._times):
            return week_start + self._times[i]
        return week_start + WEEK + self._times[0]

    def duty_hours(self, t0: float, t1: float) -> float:
        """On-duty hours within [t0, t1] (used to check the simulation's own bookkeeping)."""
        total, t, on = 0.0, t0, self.on_duty(t0)
        while t < t1:
            nxt = min(self.next_change(t), t1)
            if on:
                total += nxt - t
            t, on = nxt, not on
        return total


class DatedSchedule(WeeklySchedule):
    """A weekly schedule in force only within [``lo``, ``hi``) model hours (a role's start and end dates):
    off duty before and after.  Each call is O(log spans), as the weekly schedule's own."""

    def __init__(self, spans: Iterable[tuple[float, float]], clock: Clock, lo: float, hi: float):
        super().__init__(spans, clock)
        self.lo, self.hi = lo, hi
        self._always = self.always  # the weekly schedule's own
        self.never = self.never or hi <= lo
        self.always = False  # the window ends (or starts) some time

    @classmethod
    def within(cls, weekly: WeeklySchedule, lo: float, hi: float) -> "DatedSchedule":
        return cls(weekly.raw, weekly.clock, lo, hi)

    def union(self, other: WeeklySchedule) -> "DatedSchedule":
        return DatedSchedule(self.raw + other.raw, self.clock, self.lo, self.hi)

    def minus(self, other: WeeklySchedule) -> "DatedSchedule":
        return DatedSchedule.within(WeeklySchedule.minus(self, other), self.lo, self.hi)

    def _within_week(self) -> list[tuple[float, float]]:
        return WeeklySchedule(self.raw, self.clock)._within_week()

    def on_duty(self, t: float) -> bool:
        if t + _EPS < self.lo or t + _EPS >= self.hi:
            return False
        return self._weekly_on(t)

    def _weekly_on(self, t: float) -> bool:
        if self._always or not self._times:
            return self._always
        w = self.clock.hour_of_week(t) + _EPS
        return self._after[bisect.bisect_right(self._times, w) - 1]

    def _weekly_next(self, t: float) -> float:
        if self._always or not self._times:
            return math.inf
        w = self.clock.hour_of_week(t)
        i = bisect.bisect_right(self._times, w + _EPS)
        return t - w + (self._times[i] if i < len(self._times) else WEEK + self._times[0])

    def next_change(self, t: float) -> float:
        """The first time strictly after ``t`` at which the on-duty state flips (inf if never)."""
        if t + _EPS >= self.hi:
            return math.inf
        if t + _EPS < self.lo:  # before the window: on at lo, or at the first weekly start inside it
            if self._weekly_on(self.lo):
                return self.lo
            t = self.lo
        elif self._weekly_on(t):  # on: until the weekly schedule or the window ends
            return min(self._weekly_next(t), self.hi)
        nxt = self._weekly_next(t)  # off: the next weekly start, if inside the window
        return nxt if nxt + _EPS < self.hi else math.inf
