"""The Gaussian-process emulator (sim/decide/emulator.py) against functions known exactly."""

import numpy as np
import pytest
from scipy.stats import qmc

from sim.decide.emulator import fit_emulator


def f(x):
    return np.sin(3 * x[:, 0]) + 2 * x[:, 1] ** 2 + 5 * x[:, 0]


LO, HI = np.array([0.0, 0.0]), np.array([2.0, 1.0])


def design(n, seed):
    return qmc.scale(qmc.LatinHypercube(d=2, seed=seed).random(n), LO, HI)


def test_smooth_function_is_predicted_with_honest_uncertainty():
    x = design(40, 1)
    em = fit_emulator(x, f(x), 0.0, LO, HI)
    xt = design(400, 2)
    m, v = em.predict(xt)
    err = f(xt) - m
    # accurate: the truth ranges over ~11 units, the emulator is off by a few hundredths
    assert np.sqrt(np.mean(err**2)) < 0.05
    # honest: the truth lies within 3 emulator standard deviations nearly everywhere
    z = np.abs(err) / np.sqrt(v + 1e-12)
    assert np.mean(z < 3) > 0.9
    assert em.diagnostics().passed


def test_known_noise_is_a_nugget_and_standardized_errors_look_normal():
    rng = np.random.default_rng(3)
    x = design(60, 4)
    sd = 0.3
    y = f(x) + rng.normal(0, sd, len(x))
    em = fit_emulator(x, y, sd**2, LO, HI)
    e = em.diagnostics().standardized_errors
    # leave-one-out errors of a right model are about N(0, 1): with 60 points their spread is 1 within ±0.35
    assert 0.65 < np.std(e) < 1.35
    assert em.diagnostics().passed
    xt = design(300, 5)
    m, v = em.predict(xt)
    # the emulator of the expected output is closer to it than the noisy data are (their error is sd)
    assert np.sqrt(np.mean((m - f(xt)) ** 2)) < 0.7 * sd


def test_leave_one_out_closed_form_matches_refitting_without_each_point():
    from sklearn.gaussian_process import GaussianProcessRegressor

    rng = np.random.default_rng(6)
    x = design(15, 7)
    y = f(x) + rng.normal(0, 0.2, len(x))
    em = fit_emulator(x, y, 0.04, LO, HI)
    e = em.diagnostics().standardized_errors
    resid = (y - em._trend(em.x_unit)) / em.scale
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        gp = GaussianProcessRegressor(em.gp.kernel_, alpha=em.gp.alpha[keep], optimizer=None)
        gp.fit(em.x_unit[keep], resid[keep])
        m, s = gp.predict(em.x_unit[i:i + 1], return_std=True)
        # the held-out mean's variance adds the point's own noise (it is a noisy mean, like the one held out)
        assert e[i] == pytest.approx((resid[i] - m[0]) / np.sqrt(s[0] ** 2 + em.gp.alpha[i]), rel=1e-5, abs=1e-7)


def test_an_emulator_with_many_standardized_errors_beyond_3_fails():
    from sim.decide.emulator import Diagnostics

    assert Diagnostics(np.array([0.5, -1.0, 2.9] * 10)).passed
    assert not Diagnostics(np.array([0.5, -1.0, 3.5] * 10)).passed
    assert Diagnostics(np.array([0.5] * 38 + [4.0, -4.0])).passed  # 2 of 40 is the 5% allowed
    assert not Diagnostics(np.array([0.5] * 37 + [4.0, -4.0, 5.0])).passed
    assert not Diagnostics(np.array([0.5, np.nan])).passed


def test_draws_have_the_predicted_mean_and_variance():
    x = design(25, 8)
    em = fit_emulator(x, f(x), 0.01, LO, HI)
    xt = design(5, 9)
    m, v = em.predict(xt)
    s = em.sample(xt, 4000, np.random.default_rng(10))
    assert s.shape == (5, 4000)
    assert np.allclose(s.mean(axis=1), m, atol=4 * np.sqrt(v.max() / 4000) + 1e-9)
    assert np.allclose(s.var(axis=1), v, rtol=0.15, atol=1e-8)


def test_same_data_same_emulator():
    x = design(20, 11)
    a = fit_emulator(x, f(x), 0.0, LO, HI).predict(x[:3])[0]
    b = fit_emulator(x, f(x), 0.0, LO, HI).predict(x[:3])[0]
    assert np.array_equal(a, b)


@pytest.mark.parametrize("k", [2, 3, 6])
def test_smoothed_noise_recovers_the_variance_function_without_the_logs_bias(k):
    """Sample variances from K replications (sigma^2 chi^2_{K-1} / (K - 1)) around a known sigma^2(x) = exp(1 + x0):
    smoothed, they are closer to it than the raw ones (whose log errors have sd sqrt(psi'((K-1)/2)): 1.28 at K = 2)
    and unbiased on the log scale, where the plain log of a sample variance is low by psi(nu/2) - log(nu/2)
    (-1.27 at K = 2, -0.58 at K = 3); over 20 designs the mean log error is 0 within 0.15."""
    from scipy.special import digamma

    from sim.decide.emulator import smooth_noise

    nu = k - 1
    errs, raw_errs = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = design(60, 100 + seed)
        true = np.exp(1 + x[:, 0])
        v = true * rng.chisquare(nu, len(x)) / nu
        errs.append(np.log(smooth_noise(x, v, nu, LO, HI, seed)) - np.log(true))
        raw_errs.append(np.log(v) - np.log(true))
    errs, raw_errs = np.array(errs), np.array(raw_errs)
    assert np.mean(raw_errs) == pytest.approx(digamma(nu / 2) - np.log(nu / 2), abs=0.1)  # the bias, as stated
    assert abs(np.mean(errs)) < 0.15
    assert np.sqrt(np.mean(errs**2)) < 0.5 * np.sqrt(np.mean(raw_errs**2))


def test_noise_that_cannot_be_smoothed_is_kept():
    from sim.decide.emulator import noise_emulator, smooth_noise

    x = design(20, 1)
    v = np.linspace(1, 2, 20)
    v[3] = 0.0  # a deterministic point: no log
    assert noise_emulator(x, v, 2, LO, HI) is None
    assert np.array_equal(smooth_noise(x, v, 2, LO, HI), v)
    assert noise_emulator(x, np.ones(20), 0, LO, HI) is None  # K = 1: no degrees of freedom
