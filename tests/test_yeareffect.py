"""The year effect (issue 22, point 1): a year beyond every year the history has seen stretches that side of
its ranges, P(miss) with them, in the backtest and in a projection alike; an ordinary year is left as it was."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

from forecast.data import schema as s
from forecast.model import backtest as B
from forecast.model import features as F
from forecast.model import models as M
from forecast.model import projection as P
from forecast.model import yeareffect as YE


def _calibration(seed: int = 0) -> M.Calibration:
    rng = np.random.default_rng(seed)
    mid = rng.uniform(0.3, 0.9, 400)
    spread = np.full(400, 0.1)
    return M.Calibration.fit(mid + rng.normal(0, 0.1, 400), mid, spread)


def test_a_stretch_moves_only_its_side_and_the_probability_follows_the_same_distribution():
    cal = _calibration()
    mid, spread = np.array([0.5, 0.7, 0.8]), np.array([0.1, 0.1, 0.1])
    plain = {q: cal.quantile(mid, spread, q) for q in (0.1, 0.5, 0.9)}
    assert np.array_equal(cal.quantile(mid, spread, 0.9, M.NO_STRETCH), plain[0.9])  # no stretch: as calibrated
    up = {q: cal.quantile(mid, spread, q, (2.0, 1.0)) for q in (0.1, 0.5, 0.9)}
    assert np.array_equal(up[0.1], plain[0.1])
    assert (plain[0.9] > mid).all()  # the residuals above the point prediction, twice as far from it
    assert up[0.9] - mid == pytest.approx(2 * (plain[0.9] - mid), abs=1e-12)
    for stretch in ((2.0, 1.0), (1.0, 1.7), (1.3, 2.5)):
        for q in (0.05, 0.3, 0.5, 0.8, 0.95):  # P(share < its own q-quantile) = q: one distribution
            x = cal.quantile(mid, spread, q, stretch)
            assert cal.cdf(mid, spread, x, recalibrate=False, stretch=stretch) == pytest.approx(q, abs=2e-3)
    threshold = 0.93  # above every median: a wider upper side leaves less mass below the target
    assert (cal.cdf(mid, spread, threshold, stretch=(2.0, 1.0)) <= cal.cdf(mid, spread, threshold)).all()


def test_the_year_effect_is_the_distance_beyond_the_years_seen_in_their_spread():
    past = {2565: 0.20, 2566: 0.25, 2567: 0.30}
    sd = float(np.std(list(past.values()), ddof=1))
    assert YE.estimate(0.27, past) == YE.YearEffect(0.27, 0.20, 0.30, sd, 3)  # within: as calibrated
    assert not YE.estimate(0.32, past).widened  # type: ignore[union-attr]  # within half a spread: ordinary
    beyond = YE.estimate(0.375, past)
    assert beyond is not None and beyond.widened and beyond.down == 1.0
    assert beyond.up == pytest.approx(1 + 0.075 / sd - YE.DEAD_ZONE) == pytest.approx(2.0)
    assert YE.estimate(0.0, past).down == YE.MAX_STRETCH  # type: ignore[union-attr]  # a freeze: capped
    assert YE.estimate(0.35, {2565: 0.2, 2566: 0.3}) is None  # two years: too few to tell
    assert YE.estimate(0.33, {2565: 0.30, 2566: 0.30, 2567: 0.30}).up == pytest.approx(2.0)  # type: ignore[union-attr]


def test_the_statistic_is_the_median_share_of_the_lines_with_a_budget():
    X = pl.DataFrame(
        {
            s.FISCAL_YEAR: [2567, 2567, 2567, 2568, 2568],
            s.BUDGET: [1.0, 2.0, 0.0, 1.0, 1.0],
            YE.SHARE: [0.1, 0.3, 0.9, None, 0.5],
        }
    )
    assert YE.by_year(X) == {2567: pytest.approx(0.2), 2568: 0.5}
    assert YE.statistic(X.filter(pl.col(s.FISCAL_YEAR) == 2567)) == pytest.approx(0.2)
    assert YE.statistic(X.filter(pl.col(s.BUDGET) == 0)) is None


def test_a_projection_in_a_year_beyond_the_history_widens_that_side(trained, reference):
    """The reference year against a model set whose history ran well behind it at Q2."""
    _, ms, _ = trained
    snap = reference.snapshot()
    plain = P.project(snap, ms)
    X = F.build_current(F.panel(snap)).filter(pl.col(s.FISCAL_YEAR) == snap.fiscal_year)
    now = YE.statistic(X.filter(pl.col(F.ORIGIN) == 2))
    assert now is not None and now > 0.1
    behind = {str(snap.fiscal_year - k): now - 0.3 + 0.05 * k for k in (1, 2, 3)}  # sd 5 points, 20 beyond
    profile = {**ms.manifest.get("year_profile", {}), "2": {"all": behind, "agency": {}}}
    wide = P.project(snap, dataclasses.replace(ms, manifest={**ms.manifest, "year_profile": profile}))
    lo, hi = P.projected(s.DISBURSED, 10), P.projected(s.DISBURSED, 90)
    q2 = pl.col(F.ORIGIN) == 2
    a, b = plain.filter(q2), wide.filter(q2)
    assert a.height == 9 and (b[hi] >= a[hi]).all() and (b[hi] > a[hi]).any()
    assert (b[lo] == a[lo]).all() and (b[P.P_MISS_DISBURSEMENT] <= a[P.P_MISS_DISBURSEMENT] + 1e-12).all()
    assert plain.filter(~q2).equals(wide.filter(~q2))  # other origins: their own (ordinary) year effect


def test_the_backtest_stretches_only_the_years_beyond_the_ones_before_them():
    """A year far above the three before it: its ranges widen; the years within them are as calibrated."""
    rng = np.random.default_rng(7)
    rows = []
    for year, level in ((2561, 0.3), (2562, 0.35), (2563, 0.32), (2564, 0.33), (2565, 0.6)):
        rows.append(
            pl.DataFrame(
                {
                    s.FISCAL_YEAR: year,
                    s.BUDGET: 1.0,
                    YE.SHARE: np.clip(level + rng.normal(0, 0.05, 40), 0, 1),
                }
            )
        )
    X = pl.concat(rows)
    scores = B._Scores(X, sorted(X[s.FISCAL_YEAR].unique().to_list()), (), {}, 0.93, 2.0)
    assert scores.stretch[2564] == M.NO_STRETCH and scores.stretch[2565][0] > 2
    assert B._Scores(X, [2565], (), {}, 0.93, 2.0, year_effect=False).stretch[2565] == M.NO_STRETCH
