"""A Gaussian-process emulator of one simulated output over a box of inputs (scikit-learn).

    em = fit_emulator(x, y_mean, y_var_of_mean, lo, hi)
    mean, var = em.predict(x_new)          # var: the emulator's own uncertainty
    em.diagnostics().passed                # leave-one-out standardized errors

As in history matching (Vernon, Goldstein & Bower 2010; the hmer package), the
emulator is a regression plus a Gaussian process on its residuals:

- inputs are scaled to the unit cube, so one length-scale prior fits every field;
- the regression is linear in the scaled inputs (least squares); it carries the
  trend, so the process only models what is left and extrapolates back to the trend;
- the process has a constant amplitude and a Matern 5/2 kernel with one length
  scale per input (fitted by scikit-learn's marginal likelihood, restarted a few
  times from a fixed seed so the fit is reproducible);
- each design point's simulation noise is known, not fitted: the variance of the
  mean over its replications enters as that point's ``alpha`` (nugget).  So
  ``predict``'s variance is the emulator's uncertainty about the *expected*
  output, and simulation noise is added separately where it matters
  (implausibility).

**Diagnostics** (Bastos & O'Hagan 2009): the leave-one-out standardized error
of point i is (y_i − E_{-i}[y_i]) / sd_{-i}(y_i), from the closed form for a
Gaussian process with its hyperparameters held (Rasmussen & Williams 2006, §5.4.2):
r_i = [K⁻¹y]_i / [K⁻¹]_ii, var_i = 1 / [K⁻¹]_ii.  An emulator passes when at most
``LOO_MAX_OUT_SHARE`` of the points lie beyond ``LOO_CUTOFF`` (and never more than
one with fewer than 20 points); one that fails should not rule space out.

**Noise** (``smooth_noise``): a point's variance from K replications has K − 1 degrees
of freedom; at K = 2 or 3 one point in twenty is off by a factor of ten, and a point
whose noise is underestimated pins the process to its noise.  As in stochastic kriging
(Ankenman, Nelson & Staum 2010), the variances are smoothed first: a second emulator of
their logarithm, corrected for the log's bias (E log(s²/σ²) = ψ(ν/2) − log(ν/2) for ν
degrees of freedom) with the log's sampling variance ψ'(ν/2) as its nugget.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

LOO_CUTOFF = 3.0  # |standardized error| beyond this is a miss (hmer's validation uses 3)
LOO_MAX_OUT_SHARE = 0.05  # share of misses an emulator may have and still be trusted
RESTARTS = 3  # marginal-likelihood optimiser restarts
JITTER = 1e-8  # added to every nugget (scaled units) so K stays invertible with noiseless points


@dataclass(frozen=True)
class Diagnostics:
    """Leave-one-out standardized errors of an emulator's design points."""

    standardized_errors: np.ndarray

    @property
    def outside(self) -> int:
        """How many points lie beyond LOO_CUTOFF."""
        return int(np.sum(np.abs(self.standardized_errors) > LOO_CUTOFF))

    @property
    def passed(self) -> bool:
        n = len(self.standardized_errors)
        allowed = max(1, math.floor(LOO_MAX_OUT_SHARE * n)) if n >= 20 else 1
        return bool(np.all(np.isfinite(self.standardized_errors))) and self.outside <= allowed

    @property
    def max_abs(self) -> float:
        e = np.abs(self.standardized_errors)
        return float(np.max(e)) if len(e) else math.nan


@dataclass
class Emulator:
    """Regression plus Gaussian process for one output; see the module's docstring."""

    lo: np.ndarray
    hi: np.ndarray
    coef: np.ndarray  # linear trend on [1, scaled x]
    scale: float  # residuals are divided by this before the process sees them
    gp: object  # sklearn.gaussian_process.GaussianProcessRegressor, fitted on scaled residuals
    x_unit: np.ndarray
    y: np.ndarray

    def unit(self, x: np.ndarray) -> np.ndarray:
        """Inputs scaled to the unit cube of the box."""
        return (np.atleast_2d(np.asarray(x, dtype=float)) - self.lo) / (self.hi - self.lo)

    def _trend(self, u: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(len(u)), u]) @ self.coef

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Expected output and the emulator's variance at each row of ``x`` (in the output's units)."""
        u = self.unit(x)
        m, s = self.gp.predict(u, return_std=True)
        return self._trend(u) + self.scale * m, (self.scale * s) ** 2

    def sample(self, x: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` joint draws of the expected output at the rows of ``x`` (shape len(x) × n): for intervals that
        carry the emulator's uncertainty into what is computed from it."""
        u = self.unit(x)
        m, cov = self.gp.predict(u, return_cov=True)
        cov = 0.5 * (cov + cov.T) + JITTER * np.eye(len(u))
        w, v = np.linalg.eigh(cov)
        root = v * np.sqrt(np.clip(w, 0.0, None))
        draws = m[:, None] + root @ rng.standard_normal((len(u), n))
        return self._trend(u)[:, None] + self.scale * draws

    def diagnostics(self) -> Diagnostics:
        """Leave-one-out standardized errors with the fitted hyperparameters held."""
        gp = self.gp
        k = gp.kernel_(self.x_unit) + np.diag(np.broadcast_to(gp.alpha, (len(self.x_unit),)))
        kinv = np.linalg.inv(k)
        resid = (self.y - self._trend(self.x_unit)) / self.scale
        d = np.diag(kinv)
        return Diagnostics((kinv @ resid) / np.sqrt(d))


def noise_emulator(x: np.ndarray, var: np.ndarray, dof: float, lo: np.ndarray, hi: np.ndarray,
                   seed: int = 0) -> Emulator | None:
    """An emulator of log σ² from sample variances ``var`` (rows of ``x``) with ``dof`` degrees of freedom each;
    None when they cannot be smoothed on the log scale (a variance not positive, fewer than 1 degree of freedom,
    too few points): see the module's docstring."""
    from scipy.special import digamma, polygamma

    var = np.asarray(var, dtype=float)
    x = np.atleast_2d(np.asarray(x, dtype=float))
    if dof < 1 or len(var) < x.shape[1] + 3 or not np.all(np.isfinite(var) & (var > 0)):
        return None
    bias = float(digamma(dof / 2) - math.log(dof / 2))
    return fit_emulator(x, np.log(var) - bias, float(polygamma(1, dof / 2)), lo, hi, seed)


def noise_at(em: Emulator, x: np.ndarray) -> np.ndarray:
    """The variance a ``noise_emulator`` predicts at the rows of ``x``."""
    return np.exp(em.predict(x)[0])


def smooth_noise(x: np.ndarray, var: np.ndarray, dof: float, lo: np.ndarray, hi: np.ndarray,
                 seed: int = 0) -> np.ndarray:
    """The variances ``var`` at ``x`` smoothed by ``noise_emulator`` (unchanged when it cannot fit one)."""
    em = noise_emulator(x, var, dof, lo, hi, seed)
    return np.asarray(var, dtype=float) if em is None else noise_at(em, x)


def fit_emulator(x: np.ndarray, y: np.ndarray, var_of_mean: np.ndarray | float, lo: np.ndarray, hi: np.ndarray,
                 seed: int = 0) -> Emulator:
    """Fit an emulator to point means ``y`` at design points ``x`` (rows) within the box [lo, hi].

    ``var_of_mean`` is each point's simulation variance of its mean (variance over replications / their number),
    or 0 for a deterministic output.
    """
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern

    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.asarray(y, dtype=float)
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    u = (x - lo) / (hi - lo)
    basis = np.column_stack([np.ones(len(u)), u])
    coef = np.linalg.lstsq(basis, y, rcond=None)[0]
    resid = y - basis @ coef
    scale = float(np.std(resid)) or float(np.std(y)) or 1.0
    nugget = np.broadcast_to(np.asarray(var_of_mean, dtype=float), y.shape) / scale**2 + JITTER
    d = u.shape[1]
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(0.05, 20.0),
                                                       nu=2.5)
    gp = GaussianProcessRegressor(kernel, alpha=nugget, n_restarts_optimizer=RESTARTS, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at a bound: the bound is then the answer
        gp.fit(u, resid / scale)
    return Emulator(lo, hi, coef, scale, gp, u, y)
