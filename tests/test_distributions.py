"""Statistical tests of the scenario distributions (sim/scenario/distributions.py) against their documented parameters.

Each distribution is built from its scenario form (``{dist = ..., ...}`` through
the pydantic ``Distribution`` type), sampled N = 200,000 times from a fixed
seed, and checked against the distribution docs/scenario-reference.md defines
for those parameters, built independently in scipy.stats:

* sample mean: within z = 3.29 standard errors (two-sided 99.9%) of the
  specified mean, the standard error being the specified sd / sqrt(N) (CLT);
* sample variance: within 4 standard errors of the specified variance, the
  standard error being sqrt((mu4 - sigma^4) / N) with mu4 the fourth central
  moment of the specified distribution (the variance of s^2 to first order).
  4 rather than 3.29 because s^2 of a skewed distribution converges to
  normality slowly.  For the cases here (kurtosis <= 27, N = 200,000) that
  was checked by simulation: over 3,000 replicates of gamma(cv = 2) and of
  lognormal(cv = 0.8) the standardised s^2 had sd 1.00, skewness < 0.1 and
  never left +-3.5, so a false alarm is far rarer than 0.1%.  Heavy-tailed
  cases (lognormal with cv = 2, kurtosis ~ 1000) are left to the mean and KS
  checks;
* one-sample Kolmogorov-Smirnov test against the scipy cdf: p > 0.001.

With N = 200,000 a wrong shape or scale by a few percent fails all three.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from pydantic import TypeAdapter
from scipy import stats

from sim.scenario.distributions import Distribution
from sim.model.district import build_district
from sim.model.issues import generate_issues
from sim.scenario import build_scenario

N = 200_000
ALPHA = 1e-3
Z_MEAN = stats.norm.ppf(1 - ALPHA / 2)  # 3.29
Z_VAR = 4.0
ADAPTER = TypeAdapter(Distribution)


def parse(spec, base_dir: Path | None = None):
    return ADAPTER.validate_python(spec, context={"base_dir": base_dir} if base_dir else None)


def draw(dist, seed: int, n: int = N) -> np.ndarray:
    return dist.sample(np.random.default_rng(seed), n)


def reference(spec: dict):
    """The scipy distribution the reference page defines for ``spec`` (not taken from sim.scenario.distributions)."""
    kind = spec["dist"]
    if kind == "exponential":
        return stats.expon(scale=spec["mean"])
    if kind == "lognormal":  # sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2
        s2 = math.log(1 + spec["cv"] ** 2)
        return stats.lognorm(s=math.sqrt(s2), scale=math.exp(math.log(spec["mean"]) - s2 / 2))
    if kind == "gamma":  # shape 1/cv^2, scale mean cv^2
        return stats.gamma(a=1 / spec["cv"] ** 2, scale=spec["mean"] * spec["cv"] ** 2)
    if kind == "uniform":
        return stats.uniform(loc=spec["low"], scale=spec["high"] - spec["low"])
    raise ValueError(kind)


def specified_mean_sd(spec: dict) -> tuple[float, float]:
    """Mean and sd straight from the parameters as documented."""
    kind = spec["dist"]
    if kind == "exponential":
        return spec["mean"], spec["mean"]
    if kind in ("lognormal", "gamma"):
        return spec["mean"], spec["mean"] * spec["cv"]
    if kind == "uniform":
        return (spec["low"] + spec["high"]) / 2, (spec["high"] - spec["low"]) / math.sqrt(12)
    raise ValueError(kind)


def check_mean(x: np.ndarray, mean: float, sd: float, what: str) -> None:
    se = sd / math.sqrt(len(x))
    assert abs(x.mean() - mean) <= Z_MEAN * se, f"{what}: sample mean {x.mean():.5g}, specified {mean:.5g} (se {se:.3g})"
    assert Z_MEAN * se < 0.02 * mean, f"{what}: too few draws for the mean check to have power"


def check_variance(x: np.ndarray, var: float, kurtosis: float, what: str) -> None:
    """``kurtosis`` is the (non-excess) kurtosis mu4 / sigma^4 of the specified distribution."""
    se = math.sqrt((kurtosis - 1) * var**2 / len(x))
    s2 = x.var(ddof=1)
    assert abs(s2 - var) <= Z_VAR * se, f"{what}: sample variance {s2:.5g}, specified {var:.5g} (se {se:.3g})"
    assert Z_VAR * se < 0.1 * var, f"{what}: too few draws for the variance check to have power"


def check_ks(x: np.ndarray, ref, what: str) -> None:
    res = stats.kstest(x, ref.cdf)
    assert res.pvalue > ALPHA, f"{what}: Kolmogorov-Smirnov D = {res.statistic:.4g}, p = {res.pvalue:.2g}"


CONTINUOUS = [
    # (spec, whether the variance check applies: kurtosis small enough for s^2 to be near normal at N)
    ({"dist": "exponential", "mean": 2.0}, True),
    ({"dist": "exponential", "mean": 336.0}, True),
    ({"dist": "lognormal", "mean": 3.0, "cv": 0.8}, True),
    ({"dist": "lognormal", "mean": 0.5, "cv": 0.3}, True),
    ({"dist": "lognormal", "mean": 1.5, "cv": 2.0}, False),
    ({"dist": "gamma", "mean": 3.0, "cv": 1.0}, True),
    ({"dist": "gamma", "mean": 2.0, "cv": 0.5}, True),
    ({"dist": "gamma", "mean": 1.0, "cv": 2.0}, True),
    ({"dist": "uniform", "low": 1.0, "high": 5.0}, True),
    ({"dist": "uniform", "low": 0.0, "high": 0.25}, True),
]


@pytest.mark.parametrize(("k", "spec", "with_variance"), [(k, *case) for k, case in enumerate(CONTINUOUS)],
                         ids=[" ".join(f"{v}" for v in spec.values()) for spec, _ in CONTINUOUS])
def test_sample_moments_and_ks(k, spec, with_variance):
    dist = parse(spec)
    x = draw(dist, seed=1000 + k)
    assert x.shape == (N,) and np.all(np.isfinite(x)) and np.all(x >= 0)
    mean, sd = specified_mean_sd(spec)
    assert dist.mean_value == pytest.approx(mean)
    ref = reference(spec)
    # the scipy reference has the specified moments (a check on the reference itself)
    assert ref.mean() == pytest.approx(mean) and ref.std() == pytest.approx(sd)
    check_mean(x, mean, sd, str(spec))
    if with_variance:
        kurt = float(ref.stats(moments="k")) + 3.0
        assert kurt <= 27.5, "heavy tails: the variance check would be unreliable"
        check_variance(x, sd**2, kurt, str(spec))
    check_ks(x, ref, str(spec))
    if spec["dist"] == "uniform":
        assert x.min() >= spec["low"] and x.max() <= spec["high"]


def test_exponential_is_gamma_with_cv_one():
    # documented: gamma with cv = 1 is exponential; a two-sample KS between the two
    a = draw(parse({"dist": "gamma", "mean": 2.5, "cv": 1.0}), seed=3001)
    b = draw(parse({"dist": "exponential", "mean": 2.5}), seed=3002)
    assert stats.ks_2samp(a, b).pvalue > ALPHA


@pytest.mark.parametrize("spec", [{"dist": "fixed", "value": 2.5}, 2.5, 4, {"dist": "fixed", "value": 0}, 0])
def test_fixed_returns_exactly_its_value(spec):
    dist = parse(spec)
    value = spec["value"] if isinstance(spec, dict) else spec
    x = draw(dist, seed=4000, n=1000)
    assert x.shape == (1000,) and np.all(x == value)
    assert dist.mean_value == value
    assert len(draw(dist, seed=4000, n=0)) == 0


def test_empirical_resamples_the_column_uniformly(tmp_path):
    values = [0.5, 1.0, 1.0, 2.0, 4.0, 8.0, 0.0, 3.25]  # a repeated value and a zero
    rows = ["id,hours,other"] + [f"r{i},{v},x" for i, v in enumerate(values)]
    (tmp_path / "times.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    dist = parse({"dist": "empirical", "file": "times.csv", "column": "hours"}, base_dir=tmp_path)
    assert dist.mean_value == pytest.approx(np.mean(values))
    x = draw(dist, seed=5000)
    assert set(np.unique(x)) == set(values)
    check_mean(x, float(np.mean(values)), float(np.std(values)), "empirical")
    # each row equally likely (with replacement): counts per distinct value against rows per value, chi-square
    distinct, rows_per_value = np.unique(values, return_counts=True)
    counts = np.array([(x == v).sum() for v in distinct])
    res = stats.chisquare(counts, rows_per_value / len(values) * N)
    assert res.pvalue > ALPHA, f"empirical: chi-square p = {res.pvalue:.2g}"


def test_issue_service_times_are_drawn_from_the_type_distribution():
    # the distributions reach the issues: each type's service times follow its own spec
    specs = {
        "request": {"dist": "lognormal", "mean": 1.5, "cv": 0.8},
        "hazard": {"dist": "gamma", "mean": 3.0, "cv": 0.5},
    }
    sc = build_scenario({
        "calendar": {"horizon_days": 364, "warmup_days": 0},
        "grids": {"list": [{"id": "G1", "households": 5000}]},
        "issue_types": {
            name: {"rate_per_1000_households_per_week": 20.0, "service_time": spec} for name, spec in specs.items()
        },
    }, Path("dist.toml"))
    table = generate_issues(sc, build_district(sc), np.random.SeedSequence(6000))
    for k, (name, spec) in enumerate(specs.items()):
        x = table.service[table.type == k]
        assert len(x) > 4000
        mean, sd = specified_mean_sd(spec)
        se = sd / math.sqrt(len(x))  # ~5,000 draws: a 99.9% band of a few percent
        assert abs(x.mean() - mean) <= Z_MEAN * se, f"{name} service: mean {x.mean():.4g} vs {mean}"
        check_ks(x, reference(spec), f"{name} service")
