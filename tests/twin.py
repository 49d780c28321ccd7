"""The history-matching twin: an M/M/c queue (one grid, c cadres always on duty) whose targets are computed
from a known truth by the Erlang C formula (tests/test_history_match.py and benchmarks/bench_history_match.py).

The unknowns are the arrival rate (``RATE``, per 1,000 households per week: the grid has 1,000, so a rate of
lambda per hour is 168 lambda) and the work time's mean (``MEAN``, hours, mu = 1 / mean); the targets are the
utilisation lambda / (c mu) and the mean wait Wq, with relative tolerances that set Var_target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from oracles import erlang_c

RATE = "issue_types.request.rate_per_1000_households_per_week"
MEAN = "issue_types.request.service_time.mean"
UTIL, WAIT = "utilization_grid_workers", "wait_hours_mean"


@dataclass(frozen=True)
class Twin:
    lam: float  # arrivals per hour
    mean: float  # mean work time, hours
    c: int = 10

    @property
    def load(self) -> float:
        return self.lam * self.mean / self.c

    @property
    def wait(self) -> float:
        return erlang_c(self.lam, 1.0 / self.mean, self.c)[1]

    def point_load(self, rate: float, mean: float) -> float:
        """The load of a parameter set (RATE, MEAN)."""
        return rate / 168.0 * mean / self.c

    def write(self, path: Path, horizon_days: float = 20, warmup_days: float = 2, tol_util: float = 0.04,
              tol_wait: float = 0.2, seed: int = 1) -> Path:
        path.write_text(f"""\
name = "mmc_twin"
seed = {seed}
replications = 3

[calendar]
start = 2024-01-01
horizon_days = {horizon_days}
warmup_days = {warmup_days}

[grids]
list = [{{ id = "G1", households = 1000 }}]

[issue_types.request]
rate_per_1000_households_per_week = {168 * self.lam}
service_time = {{ dist = "exponential", mean = {self.mean} }}

[cadres.grid_workers]
per_grid = {self.c}
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
start_hour = 0
end_hour = 24
visits = false

[visits]
enabled = false

[wartime]
trigger = "off"

[[targets]]
metric = "{UTIL}"
value = {self.load}
tolerance = {tol_util}
source = "Erlang C: lambda / (c mu)"

[[targets]]
metric = "{WAIT}"
value = {self.wait}
tolerance = {tol_wait}
source = "Erlang C: P(wait) / (c mu - lambda)"
""")
        return path

    def box(self, lo: tuple[float, float] = (0.5, 0.5), hi: tuple[float, float] = (1.5, 1.5)) -> list[str]:
        """--vary items: RATE over [lo0, hi0] x the truth, MEAN over [lo1, hi1] x the truth."""
        return [f"{RATE}={168 * self.lam * lo[0]}:{168 * self.lam * hi[0]}",
                f"{MEAN}={self.mean * lo[1]}:{self.mean * hi[1]}"]
