"""Reference solver: an M/M/c queue whose servers follow a periodic (e.g. weekly) on/off schedule.

The number in system n is a birth-death chain with a periodic generator:
arrivals at rate ``lam`` at all times, and service at rate ``mu * min(n, c(t))``
where ``c(t)`` is the number of servers on duty (``c`` when the schedule says
on, 0 when off).  Over a period (a week, for shifts) the generator is
piecewise constant, so the period's transition matrix is a product of matrix
exponentials.  This module depends on numpy and scipy only (not on gridsim),
so it is an independent reference for the model's shift logic.

Method (exact up to truncation and floating point):
- truncate the state space to 0..N (arrivals blocked at N);
- per constant piece of length d: E = expm(Q d) and F = int_0^d expm(Q s) ds,
  both read off one exponential of the augmented matrix [[Q, I], [0, 0]]
  (Van Loan 1978), taken over sub-steps of at most an hour so that the
  distribution can also be watched within each piece;
- the distribution at the period's start solves the fixed point p = p P, sum p = 1;
- the long-run time-average distribution is (1/period) sum_k p_k F_k over the
  sub-steps, from which L (mean number in system), Lq (mean number not being
  served, which is everyone while the servers are off), the mean number in
  service and, by Little's law, W = L / lam.
N starts small and doubles until the probability of the boundary state N,
at every sub-step boundary of the period, is below ``tail_tol``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

WEEK = 168.0
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Result:
    L: float  # long-run time-average number in system
    W: float  # mean time in system, L / lam (Little)
    Lq: float  # time-average number in system and not being served
    busy: float  # time-average number being served; mu * busy = lam in steady state (flow balance)
    boundary_mass: float  # max over the period of P(n = N): the truncation is harmless if tiny
    n_max: int  # N used


def weekly_pieces(days: Iterable[str], start_hour: float, end_hour: float, c: int) -> list[tuple[float, int]]:
    """(duration in hours, servers on duty) pieces covering one week from Monday 00:00.

    Each listed day is on during [day * 24 + start_hour, day * 24 + end_hour):
    half-open, as the model's shifts are (on at start, off at end).
    """
    on = sorted((WEEKDAYS.index(d) * 24.0 + start_hour, WEEKDAYS.index(d) * 24.0 + end_hour) for d in set(days))
    cuts = sorted({0.0, WEEK, *(x for span in on for x in span)})
    pieces = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        servers = c if any(s <= a < e for s, e in on) else 0
        if pieces and pieces[-1][1] == servers:  # merge adjacent pieces with the same servers
            pieces[-1] = (pieces[-1][0] + b - a, servers)
        else:
            pieces.append((b - a, servers))
    return pieces


def _generator(lam: float, mu: float, servers: int, n_max: int) -> np.ndarray:
    n = np.arange(n_max + 1)
    q = np.zeros((n_max + 1, n_max + 1))
    q[n[:-1], n[:-1] + 1] = lam
    q[n[1:], n[1:] - 1] = mu * np.minimum(n[1:], servers)
    q[n, n] = -q.sum(axis=1)
    return q


def _step(q: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """expm(Q h) and int_0^h expm(Q s) ds, from one exponential of [[Q, I], [0, 0]] h."""
    m = q.shape[0]
    big = np.zeros((2 * m, 2 * m))
    big[:m, :m] = q
    big[:m, m:] = np.eye(m)
    e = expm(big * h)
    return e[:m, :m], e[:m, m:]


def _solve(lam: float, mu: float, pieces: list[tuple[float, int]], n_max: int) -> Result:
    n = np.arange(n_max + 1, dtype=float)
    steps = []  # (E, F, servers, repeats) per piece; sub-steps of at most one hour
    cache: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = {}
    for d, servers in pieces:
        k = max(1, math.ceil(d - 1e-9))
        h = d / k
        key = (servers, round(h, 12))
        if key not in cache:
            cache[key] = _step(_generator(lam, mu, servers, n_max), h)
        steps.append((*cache[key], servers, k))
    # the period's transition matrix and its stationary vector p = p P (one equation swapped for sum p = 1)
    p_period = np.eye(n_max + 1)
    for e, _, _, k in steps:
        p_period = p_period @ np.linalg.matrix_power(e, k)
    a = (p_period - np.eye(n_max + 1)).T
    a[-1, :] = 1.0
    b = np.zeros(n_max + 1)
    b[-1] = 1.0
    p = np.linalg.solve(a, b)
    p = np.clip(p, 0.0, None)
    p /= p.sum()
    # time-average distribution over the period, and the boundary mass along the way
    avg = np.zeros(n_max + 1)
    lq = busy = 0.0
    edge = p[-1]
    for e, f, servers, k in steps:
        for _ in range(k):
            occ = p @ f  # expected time spent in each state during this sub-step
            avg += occ
            lq += occ @ np.maximum(n - servers, 0.0)
            busy += occ @ np.minimum(n, servers)
            p = p @ e
            edge = max(edge, p[-1])
    period = sum(d for d, _ in pieces)
    L = float(avg @ n / period)
    return Result(L=L, W=L / lam, Lq=float(lq / period), busy=float(busy / period), boundary_mass=float(edge),
                  n_max=n_max)


def solve(
    lam: float, mu: float, pieces: list[tuple[float, int]], n_max: int | None = None, tail_tol: float = 1e-12
) -> Result:
    """Long-run L, W, Lq of the M/M/c queue whose ``(duration, servers)`` pieces repeat forever.

    ``pieces`` is one period, e.g. a week from :func:`weekly_pieces`.  With ``n_max``
    None, N doubles from 64 (up to 1024) until the boundary mass is below ``tail_tol``.
    """
    assert pieces and all(d > 0 for d, _ in pieces), "pieces need positive durations"
    if n_max is not None:
        return _solve(lam, mu, pieces, n_max)
    n_max = 64
    while True:
        res = _solve(lam, mu, pieces, n_max)
        if res.boundary_mass < tail_tol or n_max >= 1024:  # an unstable queue stops here, with a large mass
            return res
        n_max *= 2
