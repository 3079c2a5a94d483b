"""The KPI model: scikit-learn's contract, plain-number round trip, ordered tiers, no look-ahead, and that it
learns from KPI history where the rules cannot."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import polars as pl
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from forecast.data import schema as s
from forecast.model import kpi as KM
from forecast.model import kpi_features as KF
from forecast.model.kpi_model import KpiDistribution


@parametrize_with_checks([KpiDistribution(n_folds=2)])
def test_sklearn_contract(estimator, check):
    check(estimator)


def _gaps(seed: int = 0, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    spread = np.exp(0.5 * X[:, 1])
    y = 0.8 * X[:, 0] + spread * rng.normal(size=n)
    return X, y, rng.integers(0, 4, n)


def test_round_trip_through_plain_numbers_is_exact():
    X, y, g = _gaps()
    est = KpiDistribution().fit(X, y, groups=g)
    back = KpiDistribution.from_dict(est.to_dict())
    np.testing.assert_array_equal(est.exceed(X, 0.0), back.exceed(X, 0.0))
    np.testing.assert_array_equal(est.quantiles(X), back.quantiles(X))


def test_chances_and_quantiles_come_from_one_distribution():
    X, y, g = _gaps(1)
    est = KpiDistribution().fit(X, y, groups=g)
    p = np.column_stack([est.exceed(X, t) for t in (-1.0, 0.0, 1.0)])
    assert (np.diff(p, axis=1) <= 1e-12).all()  # a higher threshold is never likelier: tiers stay ordered
    q = est.quantiles(X, (0.1, 0.5, 0.9))
    assert (np.diff(q, axis=1) >= 0).all()
    # the median sits where the chance of exceeding it is one half
    assert np.abs(est.exceed(X, q[:, 1]) - 0.5).max() < 0.05


def test_ranges_hold_about_eighty_percent_out_of_sample():
    X, y, g = _gaps(2, 2000)
    est = KpiDistribution().fit(X[:1000], y[:1000], groups=g[:1000])
    q = est.quantiles(X[1000:], (0.1, 0.9))
    inside = ((y[1000:] >= q[:, 0]) & (y[1000:] <= q[:, 1])).mean()
    assert 0.75 <= inside <= 0.85
    # and the spread follows the second feature, as generated
    lo, hi = X[1000:, 1] < -1, X[1000:, 1] > 1
    width = q[:, 1] - q[:, 0]
    assert width[hi].mean() > 2 * width[lo].mean()


def _history() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Three years of one project's two level KPIs (percent, higher is better; a rate, lower is better)."""
    kpis, results = [], []
    rng = np.random.default_rng(5)
    for fy in (2020, 2021, 2022):
        for kid, unit, cmp_, target in (("1", "percent", ">=", 95.0), ("2", "item", "<=", 1.2)):
            kpis.append(
                {
                    s.FISCAL_YEAR: fy,
                    s.PROJECT_ID: "p",
                    s.KPI_ID: kid,
                    s.AS_OF: dt.date(fy, 3, 31),
                    s.NAME_EN: kid,
                    s.UNIT: unit,
                    s.COMPARATOR: cmp_,
                    s.TARGET: target,
                    **{p: target for p in s.PLAN_Q},
                    s.PLAN_IS_CUMULATIVE: True,
                }
            )
            level = target * (1 + rng.normal(0, 0.02))
            for q in (1, 2, 3, 4):
                level += target * rng.normal(0, 0.005)
                results.append(
                    {
                        s.FISCAL_YEAR: fy,
                        s.PROJECT_ID: "p",
                        s.KPI_ID: kid,
                        s.QUARTER: q,
                        s.AS_OF: dt.date(fy, 3 * q, 28),
                        s.VALUE: round(level, 3),
                        s.STATUS_TEXT: "",
                    }
                )
    return (
        pl.DataFrame(kpis).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32)),
        pl.DataFrame(results).with_columns(pl.col(s.FISCAL_YEAR).cast(pl.Int32), pl.col(s.QUARTER).cast(pl.Int8)),
    )


def test_features_know_nothing_after_the_origin_report():
    kpis, results = _history()
    rows = KF.training_rows(kpis, results)
    later = results.with_columns(  # change every result after Q1: the Q1 features must not move
        pl.when(pl.col(s.QUARTER) > 1).then(pl.col(s.VALUE) * 3).otherwise(pl.col(s.VALUE)).alias(s.VALUE)
    )
    rows2 = KF.training_rows(kpis, later)
    q1 = pl.col(KF.ORIGIN) == 1
    cols = [c for c in KF.FEATURES if c not in (KF.PRIOR_GAP, KF.HAS_PRIOR)]  # the prior year's Q4 did change
    first_year = pl.col(s.FISCAL_YEAR) == 2020
    assert rows.filter(q1 & first_year).select(cols).equals(rows2.filter(q1 & first_year).select(cols))
    assert not rows.filter(q1).select(KF.GAP_END).equals(rows2.filter(q1).select(KF.GAP_END))


def test_a_restatement_after_the_origin_does_not_leak():
    kpis, results = _history()
    restated = results.filter((pl.col(s.QUARTER) == 1) & (pl.col(s.FISCAL_YEAR) == 2021)).with_columns(
        pl.lit(dt.date(2021, 9, 30)).alias(s.AS_OF), (pl.col(s.VALUE) * 2).alias(s.VALUE)
    )
    a = KF.training_rows(kpis, results).filter((pl.col(KF.ORIGIN) == 1) & (pl.col(s.FISCAL_YEAR) == 2021))
    b = KF.training_rows(kpis, pl.concat([results, restated])).filter(
        (pl.col(KF.ORIGIN) == 1) & (pl.col(s.FISCAL_YEAR) == 2021)
    )
    assert a[KF.VALUE_TO_DATE].to_list() == b[KF.VALUE_TO_DATE].to_list()  # Q1 as first reported


def test_lower_is_better_gaps_point_the_right_way():
    kpis, results = _history()
    rows = KF.training_rows(kpis, results)
    rate = rows.filter(pl.col(s.KPI_ID) == "2")
    assert (rate[KF.DIRECTION] == -1).all() and (rate[s.MEASURE] == s.LEVEL).all()
    met = rate[KF.FINAL_VALUE] <= rate[s.TARGET]
    assert (met == rate[KF.MET]).all() and ((rate[KF.GAP_END] >= 0) == met).all()


def test_p_any_miss_is_exact_without_dependence_and_monotone_in_it():
    p = np.array([0.9, 0.6, 0.8, 0.5])
    g = np.array(["a", "a", "b", "b"])
    codes, indep = KM.p_any_miss(p, g, 0.0)
    assert list(codes) == ["a", "b"] and indep == pytest.approx([1 - 0.54, 1 - 0.4], abs=1e-9)
    less = [KM.p_any_miss(p, g, r)[1] for r in (0.0, 0.3, 0.6, 0.9)]
    assert all((b <= a + 1e-12).all() for a, b in itertools.pairwise(less))
    assert KM.p_any_miss(np.array([1.0, 0.0]), np.array(["a", "a"]), 0.5)[1][0] == 1.0
