"""t intervals, paired differences and Fieller's ratio interval."""

import numpy as np
import pytest
from scipy import stats as st

from sim.results.stats import paired_differences, paired_interval, ratio_interval, t_interval


def test_t_interval_matches_scipy_and_drops_missing_values():
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 0.5, 9)
    got = t_interval(np.append(x, np.nan))
    lo, hi = st.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=st.sem(x))
    assert got.n == 9
    assert got.mean == pytest.approx(x.mean()) and got.sd == pytest.approx(x.std(ddof=1))
    assert (got.low, got.high) == pytest.approx((lo, hi))


def test_t_interval_of_one_value_has_no_spread_and_of_none_has_no_mean():
    one = t_interval([4.0])
    assert one.mean == 4.0 and one.n == 1 and np.isnan(one.sd) and np.isnan(one.low) and np.isnan(one.high)
    assert np.isnan(t_interval([np.nan, np.nan]).mean) and t_interval([]).n == 0


def test_paired_interval_is_the_interval_of_the_differences_and_is_narrower_under_shared_noise():
    rng = np.random.default_rng(5)
    shared = rng.normal(0, 1.0, 20)           # replicate effect common to both policies
    a = 1.0 + shared + rng.normal(0, 0.05, 20)
    b = shared + rng.normal(0, 0.05, 20)
    d = paired_interval(a, b)
    direct = t_interval(a - b)
    assert (d.mean, d.low, d.high, d.n) == pytest.approx((direct.mean, direct.low, direct.high, direct.n))
    unpaired_half = st.t.ppf(0.975, 38) * np.sqrt(a.var(ddof=1) / 20 + b.var(ddof=1) / 20)
    assert d.high - d.mean < unpaired_half / 5
    assert d.excludes_zero


def test_paired_differences_drop_incomplete_pairs_and_reject_unequal_lengths():
    assert list(paired_differences([1, np.nan, 3], [0, 1, np.nan])) == [1.0]
    with pytest.raises(ValueError):
        paired_differences([1, 2], [1])


def test_ratio_interval_without_noise_collapses_on_the_ratio():
    r = ratio_interval([2.0, 2.0, 2.0], [4.0, 4.0, 4.0])
    assert r.mean == pytest.approx(0.5) and r.low == pytest.approx(0.5) and r.high == pytest.approx(0.5)


def test_ratio_interval_is_unbounded_when_the_denominator_straddles_zero():
    r = ratio_interval([1.0, 2.0, 1.5, 0.5], [1.0, -1.0, 0.5, -0.6])
    assert np.isfinite(r.mean) and np.isnan(r.low) and np.isnan(r.high)


def test_ratio_interval_covers_the_true_ratio_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    hits = 0
    for _ in range(400):
        den = rng.normal(10.0, 2.0, 12)
        num = 3.0 * den + rng.normal(0, 4.0, 12)
        r = ratio_interval(num, den)
        hits += r.low <= 3.0 <= r.high
    assert 0.90 <= hits / 400 <= 0.99
