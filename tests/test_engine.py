"""The year-end engine: real-time features, simulation, backtest, calibration, registry and projection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from forecast import api
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import Snapshot, provenance
from forecast.errors import HistoryError
from forecast.interfaces.cli import main
from forecast.model import backtest as B
from forecast.model import engine, registry, synthetic
from forecast.model import estimators as E
from forecast.model import features as F
from forecast.model import models as M


# --- features -------------------------------------------------------------------------
def _row(df: pl.DataFrame, project: str) -> dict:
    return df.filter(pl.col(s.PROJECT_ID) == project).row(0, named=True)


def test_features_hand_checked_on_the_reference(reference):
    f = F.build(F.panel(reference.snapshot()), 2)
    assert f.height == 9
    trust = _row(f, "etda-trust-service-trade")
    # Q1+Q2 plan 19.3172 + 12.3769; disbursed 0.5971 + 4.3989; commitments 15.6717 + 3.2963
    assert trust[F.cum(s.PLAN)] == pytest.approx(31.6941)
    assert trust[F.pace(s.DISBURSED)] == pytest.approx(4.9960 / 31.6941)
    assert trust[F.cum(s.COMMITTED)] == pytest.approx(18.9680)
    assert trust[F.share(F.cum(s.COMMITTED))] == pytest.approx(18.9680 / 39.9254)
    assert trust[F.CONVERSION] == pytest.approx(4.3989 / 15.6717)
    assert trust[F.REMAINING_PLAN_SHARE] == pytest.approx((1.2797 + 6.9516) / 39.9254)
    assert trust[F.REQUIRED] == pytest.approx((0.93 - 4.9960 / 39.9254) / 2)
    assert trust[F.BUDGET_REVISION] == 0 and trust[F.BUDGET_REVISION_COUNT] == 0
    reg = _row(f, "etda-platform-regulation")
    assert reg[F.pace(s.DISBURSED)] == pytest.approx(21.2305 / 35.4679)
    assert reg[F.pace(s.SPEND)] == pytest.approx(28.9508 / 35.4679)
    assert reg[F.cum(s.COMMITTED)] == pytest.approx(7.7203)
    assert reg[F.PAID_RATIO] == pytest.approx(21.2305 / 28.9508)
    assert reg[F.momentum(s.DISBURSED)] == pytest.approx((9.6701 - 11.5604) / 44.1359)
    # Digital ID's Q1 disbursed was restated from 0.6334 (Q1 report) to 1.7334 (Q2 report)
    assert _row(f, "etda-digital-id")[F.RESTATED_SHARE] == pytest.approx(1.1 / 42.7377)
    assert set(F.FEATURES) <= set(f.columns)


def test_features_as_of_the_q1_report_use_only_the_q1_figures(reference):
    f = F.build(F.panel(reference.snapshot("2025-12-31")), 1)
    dig = _row(f, "etda-digital-id")
    assert dig[F.cum(s.DISBURSED)] == pytest.approx(0.6334)
    assert dig[F.RESTATED_SHARE] == 0
    assert dig[F.PLAN_TOTAL_SHARE] == 1.0  # the Q1 report gives no plan for Q2-Q4: budget stands in


def test_origin_one_of_the_full_history_is_the_q1_report(reference):
    """Real time: origin 1 is what the Q1 report said, although the Q2 report restated Q1 since."""
    f = F.build(F.panel(reference.snapshot()), 1)
    assert _row(f, "etda-digital-id")[F.cum(s.DISBURSED)] == pytest.approx(0.6334)


def _line(budgets: dict[str, float], reports: dict[str, list[tuple]], year: int = 2022) -> Snapshot:
    """One budget line of a C.E. calendar year: projects rows per as_of, finance rows per report."""
    projects = pl.DataFrame(
        {
            s.FISCAL_YEAR: [year] * len(budgets),
            s.PROJECT_ID: ["L-1"] * len(budgets),
            s.AS_OF: [dt.date.fromisoformat(d) for d in budgets],
            s.NAME_EN: ["a line"] * len(budgets),
            s.BUDGET: list(budgets.values()),
        }
    ).with_columns(pl.col(s.BUDGET).cast(s.MONEY))
    rows = [
        {
            s.FISCAL_YEAR: year,
            s.PROJECT_ID: "L-1",
            s.AS_OF: dt.date.fromisoformat(d),
            s.QUARTER: q,
            s.PLAN: plan,
            s.DISBURSED: disb,
        }
        for d, quarters in reports.items()
        for q, plan, disb in quarters
    ]
    finance = pl.DataFrame(rows).with_columns(
        pl.col(s.PLAN).cast(s.MONEY), pl.col(s.DISBURSED).cast(s.MONEY), pl.col(s.QUARTER).cast(pl.Int8)
    )
    return Snapshot.from_tables({"projects": projects, "finance": finance}, calendar=FiscalCalendar(1, "CE"))


REPORTS = {
    "2022-03-31": [(1, 25.0, 10.0), (2, 25.0, None), (3, 25.0, None), (4, 25.0, None)],
    "2022-06-30": [(1, 25.0, 10.0), (2, 25.0, 20.0), (3, 25.0, None), (4, 25.0, None)],
    "2022-09-30": [(1, 25.0, 10.0), (2, 25.0, 20.0), (3, 25.0, 15.0), (4, 25.0, None)],
    "2022-12-31": [(1, 25.0, 10.0), (2, 25.0, 20.0), (3, 25.0, 15.0), (4, 25.0, 40.0)],
}


def test_a_budget_revised_in_q3_does_not_reach_the_q1_and_q2_features():
    plain = F.build_all(F.panel(_line({"2022-01-01": 100.0}, REPORTS)))
    revised = F.build_all(
        F.panel(
            _line(
                {"2022-01-01": 100.0, "2022-09-30": 120.0},
                {
                    **REPORTS,
                    "2022-09-30": [(1, 25.0, 10.0), (2, 25.0, 20.0), (3, 25.0, 15.0), (4, 45.0, None)],
                    "2022-12-31": [(1, 25.0, 10.0), (2, 25.0, 20.0), (3, 25.0, 15.0), (4, 45.0, 40.0)],
                },
            )
        )
    )
    early = [c for c in F.COLUMNS if c != F.STATE]
    assert_frame_equal(
        plain.filter(pl.col(F.ORIGIN) <= 2).select(early), revised.filter(pl.col(F.ORIGIN) <= 2).select(early)
    )
    q3 = revised.filter(pl.col(F.ORIGIN) == 3).row(0, named=True)
    assert q3[s.BUDGET] == 120 and q3[F.BUDGET_REVISION] == pytest.approx(np.log(1.2))
    assert q3[F.BUDGET_REVISION_COUNT] == 1
    assert q3[F.share(F.cum(s.DISBURSED))] == pytest.approx(45 / 120)
    assert q3[F.PLAN_REVISION_SHARE] == pytest.approx(20 / 120)
    # the truth is the latest report's: 85 disbursed of a final budget of 120
    assert q3[F.Y_DISBURSED] == pytest.approx(85 / 120) and q3[F.BUDGET_FINAL] == 120


def test_a_plan_restated_later_does_not_leak_into_earlier_origins():
    restated = {**REPORTS, "2022-12-31": [(1, 10.0, 10.0), (2, 20.0, 20.0), (3, 15.0, 15.0), (4, 55.0, 40.0)]}
    a = F.build_all(F.panel(_line({"2022-01-01": 100.0}, REPORTS)))
    b = F.build_all(F.panel(_line({"2022-01-01": 100.0}, restated)))
    origins = [c for c in F.COLUMNS if c != F.STATE]
    assert_frame_equal(a.filter(pl.col(F.ORIGIN) <= 3).select(origins), b.filter(pl.col(F.ORIGIN) <= 3).select(origins))
    assert a.filter(pl.col(F.ORIGIN) == 2)[F.cum(s.PLAN)].item() == 50.0


def test_a_line_reported_without_commitments_has_no_spend_features():
    f = F.build(F.panel(_line({"2022-01-01": 100.0}, REPORTS)), 2).row(0, named=True)
    assert f[F.share(F.cum(s.DISBURSED))] == pytest.approx(0.30)
    assert f[F.share(F.cum(s.SPEND))] is None and f[F.pace(s.SPEND)] is None and f[F.CONVERSION] is None


@pytest.mark.parametrize("origin", [1, 2, 3])
def test_no_figure_after_the_origin_reaches_the_features(origin):
    tables = synthetic.simulate(projects=12, years=3, seed=5)
    panel = F.panel(Snapshot.from_tables(tables)).collect()
    last = panel[s.FISCAL_YEAR].max()
    rng = np.random.default_rng(0)
    later = (pl.col(s.FISCAL_YEAR) == last) & (pl.col(s.QUARTER) > origin) & pl.col(s.DISBURSED).is_not_null()
    noise = pl.Series(rng.uniform(0, 1000, panel.height))
    changed = panel.with_columns(
        *(
            pl.when(later).then(noise).otherwise(pl.col(c)).alias(c)
            for c in (s.DISBURSED, s.COMMITTED, s.SPEND, F.RESTATED)
        )
    )
    before = F.build(panel.lazy(), origin, with_outcomes=False).filter(pl.col(s.FISCAL_YEAR) == last)
    after = F.build(changed.lazy(), origin, with_outcomes=False).filter(pl.col(s.FISCAL_YEAR) == last)
    assert_frame_equal(before, after)
    # ... while a change at the origin quarter itself does reach them
    at = (pl.col(s.FISCAL_YEAR) == last) & (pl.col(s.QUARTER) == origin)
    moved = panel.with_columns(pl.when(at).then(pl.col(s.DISBURSED) + 1).otherwise(pl.col(s.DISBURSED)))
    assert not F.build(moved.lazy(), origin, with_outcomes=False).filter(pl.col(s.FISCAL_YEAR) == last).equals(before)


def test_run_windows_equal_over_windows():
    """The run-based windows of the features give what ``.over`` gives, on uneven groups too."""
    rng = np.random.default_rng(4)
    keys = np.repeat(np.arange(50), rng.integers(1, 6, 50))
    x = rng.normal(size=keys.size)
    x[rng.random(keys.size) < 0.2] = np.nan
    df = pl.DataFrame({F.GROUP: keys, "x": x}).with_columns(pl.col("x").fill_nan(None))
    got = df.select(
        F.cum_over(pl.col("x")).alias("c"), F.total_over(pl.col("x")).alias("t"), F.lag_over(pl.col("x")).alias("l")
    )
    want = df.select(
        pl.col("x").fill_null(0.0).cum_sum().over(F.GROUP).alias("c"),
        pl.col("x").fill_null(0.0).sum().over(F.GROUP).alias("t"),
        pl.col("x").shift(1).over(F.GROUP).alias("l"),
    )
    assert_frame_equal(got, want, check_exact=False, abs_tol=1e-9)


# --- simulation ---------------------------------------------------------------------------
def test_simulation_is_reproducible_and_valid(tmp_path, store):
    a = synthetic.simulate(projects=20, years=3, seed=7)
    b = synthetic.simulate(projects=20, years=3, seed=7)
    assert set(a) == {"projects", "finance", "kpis", "kpi_results"}
    for name in a:
        assert_frame_equal(a[name], b[name])
    assert not a["finance"].equals(synthetic.simulate(projects=20, years=3, seed=8)["finance"])
    paths = synthetic.write(a, tmp_path / "sim")
    checked = store.check(paths)
    assert checked.errors == []
    assert (tmp_path / "sim" / "SYNTHETIC.md").exists()
    assert a["projects"][s.NAME_EN].str.starts_with(synthetic.SYNTHETIC_TAG).all()
    assert provenance(a["projects"]) == engine.SYNTHETIC


def test_simulation_is_calibrated_to_the_reference_shape():
    t = synthetic.simulate(projects=200, years=2, seed=1)
    f = F.build(F.panel(Snapshot.from_tables(t)), 2)
    # ETDA at Q2: plan to date ~80% of budget, contracts (spend) ~78%, disbursed well behind
    assert 0.70 < f[F.share(F.cum(s.PLAN))].mean() < 0.85
    assert 0.65 < f[F.share(F.cum(s.SPEND))].mean() < 0.90
    assert 0.15 < f[F.share(F.cum(s.DISBURSED))].mean() < 0.40
    # year end: Q4 catch-up, carry-over of commitments, a real chance of missing the 93% target
    assert (f[F.Y_SPEND] >= f[F.Y_DISBURSED] - 1e-9).all()
    miss = (f[F.Y_DISBURSED] < 0.93).mean()
    assert 0.3 < miss < 0.9


def test_current_year_is_reported_only_to_the_chosen_quarter():
    t = synthetic.simulate(projects=10, years=2, seed=2, as_of_quarter=2)
    fin = t["finance"].filter(pl.col(s.FISCAL_YEAR) == 2569)
    assert fin.filter(pl.col(s.DISBURSED).is_not_null())[s.QUARTER].max() == 2
    assert fin.filter(pl.col(s.QUARTER) == 4)[s.PLAN].is_not_null().all()
    kr = t["kpi_results"].filter(pl.col(s.FISCAL_YEAR) == 2569)
    assert kr[s.QUARTER].max() == 2


# --- models and calibration -----------------------------------------------------------------
def test_estimators_fit_and_predict_every_target():
    from sklearn.exceptions import NotFittedError

    t = synthetic.simulate(projects=30, years=2, seed=3)
    X = B.training_rows(F.build_all(F.panel(Snapshot.from_tables(t))), 2)
    for name, cls in E.CANDIDATES.items():
        est = cls(target=s.SPEND)
        with pytest.raises(NotFittedError):
            est.predict(X)
        assert est.fit(X, X[F.Y_SPEND].to_numpy()) is est
        pred = est.predict(X)
        assert pred.shape == (X.height,) and np.isfinite(pred).all(), name
        assert (est.spread(X) > 0).all(), name
        if est.floor_at_to_date:
            assert (pred >= M.to_date(X, s.SPEND) - 1e-12).all(), name
    with pytest.raises(ValueError, match="target must be one of"):
        E.PlanBaseline(target="budget").fit(X, X[F.Y_SPEND].to_numpy())
    with pytest.raises(ValueError, match="requires y to be passed"):
        E.PlanBaseline().fit(X)
    with pytest.raises(ValueError, match="rows but y has"):
        E.ProfileBaseline().fit(X, np.ones(3))


def test_the_conformal_distribution_on_a_hand_checked_case():
    """Scores -0.2, -0.1, 0, 0.1, 0.2 (spread 1) with cumulative weights 0.2, 0.4, ..., 1.0."""
    y = np.array([0.6, 0.7, 0.8, 0.9, 1.0])
    cal = M.Calibration.fit(y, np.full(5, 0.8), np.ones(5))
    mid, one = np.array([0.8]), np.array([1.0])
    assert cal.quantile(mid, one, 0.1)[0] == pytest.approx(0.6)  # below the first weight: the lowest score
    assert cal.quantile(mid, one, 0.5)[0] == pytest.approx(0.75)  # half-way between -0.1 (0.4) and 0 (0.6)
    assert cal.cdf(mid, one, 0.75)[0] == pytest.approx(0.5)
    assert cal.quantile(mid, 2 * one, 0.5)[0] == pytest.approx(0.7)  # a wider spread scales the scores
    # half the weight on the last score: P(share < 0.95) = the cumulative weight up to 0.1 (and half-way)
    w = np.array([1, 1, 1, 1, 4.0])
    cal_w = M.Calibration.fit(y, np.full(5, 0.8), np.ones(5), w)
    assert cal_w.cdf(np.array([0.8]), np.array([1.0]), 0.9)[0] == pytest.approx(0.5)


def test_recalibration_maps_overconfident_probabilities_toward_the_truth():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 1, 4000)
    event = rng.uniform(0, 1, 4000) < 0.25 + 0.5 * raw  # the truth is flatter than the raw probability
    cal = M.Calibration.fit(np.zeros(50), np.zeros(50), np.ones(50)).recalibrate(raw, event, "beta")
    assert cal.method == "beta"
    assert cal.remap(np.array([0.05]))[0] == pytest.approx(0.275, abs=0.05)
    assert cal.remap(np.array([0.95]))[0] == pytest.approx(0.725, abs=0.05)
    assert np.unique(cal.remap(raw).round(6)).size > 1000  # smooth: no steps that lump lines together
    assert (np.diff(cal.remap(np.sort(raw))) >= 0).all()
    assert (
        M.Calibration.fit(np.zeros(50), np.zeros(50), np.ones(50))
        .recalibrate(raw[:10], event[:10], "platt")
        .recalibration
        is None
    )


def test_the_distribution_is_recalibrated_as_a_whole_so_its_range_and_its_chance_agree():
    """P(miss) is the warped distribution's own mass below the threshold: a line whose p90 is below
    the threshold has P(miss) >= 0.9, and one whose p10 is above it has P(miss) <= 0.1."""
    rng = np.random.default_rng(3)
    y = rng.normal(0.8, 0.15, 600)
    cal = M.Calibration.fit(y, np.full(600, 0.8), np.full(600, 0.15))
    raw = rng.uniform(0, 1, 3000)
    cal.recalibrate(raw, rng.uniform(0, 1, 3000) < 0.04 + 0.92 * raw, "beta")  # over-confident raw chances
    mid, spread = rng.uniform(0.3, 1.1, 400), rng.uniform(0.02, 0.3, 400)
    grid = cal.warped(mid, spread, 0.93, M.LEVELS)
    p = cal.cdf(mid, spread, 0.93)
    assert (np.diff(grid, axis=1) >= -1e-12).all()
    p10, p90 = grid[:, M.LEVELS.index(0.1)], grid[:, M.LEVELS.index(0.9)]
    assert (p[p90 < 0.93] >= 0.9 - 1e-9).all() and (p90 < 0.93).any()
    assert (p[p10 > 0.93] <= 0.1 + 1e-9).all() and (p10 > 0.93).any()
    # the threshold sits at the calibrated level of each row's warped distribution
    raw_p = cal.cdf(mid, spread, 0.93, recalibrate=False)
    for i in rng.choice(np.flatnonzero((raw_p > 0.01) & (raw_p < 0.99)), 20, replace=False):
        at = cal.warped(mid[i : i + 1], spread[i : i + 1], 0.93, (float(p[i]),))[0, 0]
        assert at == pytest.approx(0.93, abs=1e-6)
    # without a map the warp changes nothing
    plain = M.Calibration.fit(y, np.full(600, 0.8), np.full(600, 0.15))
    same = np.column_stack([plain.quantile(mid, spread, q) for q in M.LEVELS])
    assert plain.warped(mid, spread, 0.93, M.LEVELS) == pytest.approx(same)


class _Fixed:
    """A stand-in estimator whose median and spread the test gives (``Calibrated.predict(mid=, spread=)``)."""

    flow, floor_at_to_date = s.DISBURSED, False


def test_the_mass_above_the_whole_budget_is_the_chance_of_full_execution_and_sits_at_the_ceiling():
    """Outcomes end at or just below 100% of the final budget; residuals learned from lines far from full put
    mass well above it. That mass sits at the ceiling (the outcomes' 99.5% quantile, at least 1.0): no level
    lies above it, the chance of missing the target is unchanged, and a set saved without one is as before."""
    rng = np.random.default_rng(11)
    y = np.minimum(rng.normal(0.9, 0.12, 800), 1.0)
    y[:5] = 1.004  # a few lines end a little above the budget, by rounding
    cal = M.Calibration.fit(y, np.full(800, 0.9), np.full(800, 0.12))
    assert cal.ceiling == pytest.approx(max(1.0, float(np.quantile(y, M.CEILING_LEVEL))))
    assert 1.0 <= cal.ceiling <= 1.004
    mid, spread = np.array([0.98, 0.6, 1.02, 1.5]), np.array([0.1, 0.1, 0.1, 0.1])
    X = pl.DataFrame({F.share(F.cum(s.DISBURSED)): [0.5, 0.2, 0.4, 1.3]})  # the last is over its budget already
    out = M.Calibrated(_Fixed(), cal).predict(X, 0.93, mid=mid, spread=spread)
    assert (out["grid"][:3] <= cal.ceiling + 1e-12).all()
    assert out["grid"][3].max() == pytest.approx(1.3)  # never capped below what is already disbursed
    assert out["p90"][0] == pytest.approx(cal.ceiling) and out["p90"][1] < cal.ceiling  # far from full: below it
    assert out["p50"][2] == pytest.approx(cal.ceiling)  # more likely than not to end fully executed
    old = M.Calibration.from_dict({**cal.to_dict(), "ceiling": None})
    before = M.Calibrated(_Fixed(), old).predict(X, 0.93, mid=mid, spread=spread)
    assert out["p_below"] == pytest.approx(before["p_below"])  # the target lies below the ceiling
    assert before["grid"].max() > cal.ceiling + 0.05  # without it the distribution runs beyond any budget
    assert M.Calibration.from_dict(cal.to_dict()).ceiling == cal.ceiling
    above = M.Calibrated(_Fixed(), cal).predict(X, 1.01, mid=mid, spread=spread)["p_below"]
    assert (above[:3] == 1.0).all()  # a target above the ceiling is missed for certain, as the range says


def test_backtest_needs_three_complete_years():
    t = synthetic.simulate(projects=10, years=2, seed=1)
    with pytest.raises(HistoryError, match="at least 3 complete fiscal years"):
        B.run(F.build_all(F.panel(Snapshot.from_tables(t))))


def test_origins_fitted_in_worker_processes_give_the_same_backtest():
    """In production the origins are fitted in worker processes; the tests fit them in this one (conftest)."""
    rows = F.build_all(F.panel(Snapshot.from_tables(synthetic.simulate(projects=12, years=3, seed=5))))
    here, workers = (B.run(rows, candidates=["plan", "pace"], n_jobs=n) for n in (1, 2))
    assert_frame_equal(here.predictions, workers.predictions)
    assert_frame_equal(here.metrics, workers.metrics)
    assert here.champions == workers.champions and set(here.final) == set(workers.final) == set(B.ORIGINS)


def test_the_blend_is_its_members_mean_and_the_backtest_fits_nothing_for_it():
    """The combination's median and spread are the mean of its members'; in the backtest it holds the members'
    own final fits (no second fit) and predicts as a blend fitted afresh on the same rows."""
    rows = F.build_all(F.panel(Snapshot.from_tables(synthetic.simulate(projects=12, years=3, seed=5))))
    members = list(E.BLEND_MEMBERS)
    result = B.run(rows, candidates=[*members, "blend"], origins=(2,))
    assert set(result.predictions[B.MODEL].unique()) == {*members, "blend"}
    X = B.training_rows(rows, 2)
    for target in result.targets:
        blend = result.final[2]["blend"][target].estimator
        assert [id(m) for m in blend.members_] == [id(result.final[2][m][target].estimator) for m in members]
        assert np.allclose(blend.predict(X), np.mean([m.predict(X) for m in blend.members_], axis=0))
        assert np.allclose(blend.spread(X), np.mean([m.spread(X) for m in blend.members_], axis=0))
        y = X[F.TARGETS[target]].to_numpy()
        keep = np.isfinite(y)
        w = M.recency_weights(X[s.FISCAL_YEAR].to_numpy(), M.HALF_LIFE)
        fresh = E.Blend(target=target).fit(X.filter(pl.Series(keep)), y[keep], sample_weight=w[keep])
        assert np.allclose(fresh.predict(X), blend.predict(X))


# --- training on a small seeded history ---------------------------------------------------
def test_trained_models_beat_every_baseline_at_every_origin(trained):
    _, ms, _ = trained
    m = ms.metrics
    for q in B.ORIGINS:
        at = m.filter(pl.col(F.ORIGIN) == q)
        models = at.filter(pl.col(B.KIND) == "model")
        baselines = at.filter(pl.col(B.KIND) == "baseline")
        assert baselines.height == 5
        for col in ("pinball_disbursed_pp", "mae_disbursed_pp", "mae_spend_pp"):
            assert models[col].min() < baselines[col].min(), (q, col)
        assert ms.champion(q) in models[B.MODEL].to_list()


def test_interval_coverage_is_near_nominal(trained):
    _, ms, _ = trained
    champions = ms.metrics.filter(pl.col(B.IS_CHAMPION))
    # nominal p10-p90 coverage is 80%; with 120 rows per origin we accept 65%-95%
    assert champions.height == 3
    for r in champions.iter_rows(named=True):
        assert 0.65 <= r["coverage_disbursed"] <= 0.95, r
        assert 0 <= r["brier_miss"] <= 0.25 and r["auc_miss"] > 0.8, r


def test_manifest_has_provenance(trained):
    store, ms, _ = trained
    m = registry.read_manifest(store.models_dir, ms.version)
    assert m["basis"] == "synthetic history"
    assert m["years"] == [2564, 2565, 2566, 2567, 2568]
    assert set(m["libraries"]) >= {"polars", "scikit-learn", "statsmodels", "skops"}
    assert m["store"] == store.id and m["author"]["via"] == "api" and m["format"] == "skops"
    assert len(m["training_fingerprint"]) == 64 and m["features"] == list(F.FEATURES)
    assert m["targets"] == ["disbursed", "amount", "spend"]
    assert set(m["artifacts"]) == {"origin-1.skops", "origin-2.skops", "origin-3.skops"}
    assert registry.active_version(store.models_dir) == ms.version
    assert m["money"]["trained"] and m["kpi"]["years"] == m["years"]  # both models, from the same history
    assert m["kpi"]["trained"] == (m["kpi"]["champion"] in ("kpi_distribution", "kpi_logit"))
    assert {r["origin_quarter"] for r in m["reliability"]} == {1, 2, 3}


def test_save_load_round_trip_gives_identical_projections(trained):
    store, ms, _ = trained
    loaded = registry.load(store.models_dir, store.signing_key())
    assert loaded.version == ms.version
    snap = store.snapshot()
    assert_frame_equal(engine.project(snap, ms), engine.project(snap, loaded))


def test_projection_on_the_reference_with_a_synthetic_model_set(trained):
    store, ms, _ = trained
    p = api.project(store)
    assert p.height == 9
    assert set(p[engine.BASIS]) == {"synthetic history"}
    assert set(p[B.MODEL]) == {ms.champion(2)}
    for f in M.TARGET_FLOWS:
        lo, mid, hi = (p[engine.projected(f, q)].cast(pl.Float64) for q in B.BANDS)
        assert ((lo <= mid) & (mid <= hi)).all()
    assert (p[engine.projected(s.SPEND, 50)] >= p[engine.projected(s.DISBURSED, 50)]).all()
    assert (p[engine.projected(s.DISBURSED, 10)] >= p["disbursed_to_date"]).all()


def test_a_tampered_artifact_is_refused(tmp_path, trained):
    import shutil

    store, ms, _ = trained
    copy = tmp_path / "models"
    shutil.copytree(store.models_dir, copy)
    artifact = copy / ms.version / "origin-2.skops"
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    with pytest.raises(registry.RegistryError, match="does not match the manifest"):
        registry.load(copy, store.signing_key())


# --- projection without history -------------------------------------------------------------
def test_projection_of_the_reference_without_history(reference):
    p = engine.project(reference.snapshot())
    assert p.columns[: len(engine.PROJECTION_COLUMNS)] == engine.PROJECTION_COLUMNS
    assert p.height == 9
    assert set(p[engine.BASIS]) == {"no history"} and set(p[B.MODEL]) == {"structural"}
    assert set(p[F.ORIGIN]) == {2}
    trust = _row(p, "etda-trust-service-trade")
    assert float(trust["disbursed_to_date"]) == 4.9960 and float(trust["budget"]) == 39.9254
    for r in p.iter_rows(named=True):
        assert r["disbursed_to_date"] <= r["disbursed_p10"] <= r["disbursed_p50"] <= r["disbursed_p90"] <= r["budget"]
        assert 0 <= r[engine.P_MISS_DISBURSEMENT] <= 1
    # the Q1 report alone gives origin 1, from the Q1 figures
    q1 = engine.project(reference.snapshot("2025-12-31"))
    assert set(q1[F.ORIGIN]) == {1}
    assert float(_row(q1, "etda-digital-id")["disbursed_to_date"]) == 0.6334


# --- command line ----------------------------------------------------------------------------
def test_cli_simulate_backtest_and_predictions(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "--projects", "15", "--years", "3", "--seed", "4", "--out", str(out)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    preds = tmp_path / "preds.csv"
    assert main(["backtest", "--history", str(out), "--predictions", str(preds), "--format", "csv"]) == 0
    table = pl.read_csv(capsys.readouterr().out.encode())
    df = pl.read_csv(preds)
    assert df.columns == B.PREDICTION_COLUMNS
    assert df.height == 15 * 1 * 3 * len(E.CANDIDATES)  # one predicted year x 3 origins x candidates
    # anyone can recompute the metrics from the file
    mae = df.group_by("origin_quarter", "model").agg(
        ((pl.col("disbursed_share_p50") - pl.col("y_true_disbursed_share")).abs().mean() * 100).alias("m")
    )
    joined = table.join(mae, on=["origin_quarter", "model"])
    assert joined.height == table.height
    assert ((joined["mae_disbursed_pp"] - joined["m"]).abs() < 1e-3).all()
    # amounts are the shares times the budget known at the origin; the truth is in amounts too
    assert ((df["disbursed_p50"] - df["disbursed_share_p50"] * df["budget_at_origin"]).abs() < 1e-6).all()
    assert ((df["y_true_disbursed"] / df["budget_final"] - df["y_true_disbursed_share"]).abs() < 1e-9).all()


def test_cli_project_models_and_a_bad_history(tmp_path, capsys, trained):
    store, ms, history = trained
    assert main(["--store", str(store.root), "models", "--format", "csv"]) == 0
    listing = pl.read_csv(capsys.readouterr().out.encode())
    assert listing.filter(pl.col("active"))["version"].to_list() == [ms.version]
    assert main(["--store", str(store.root), "project"]) == 0
    captured = capsys.readouterr()
    assert "SYNTHETIC HISTORY" in captured.err and "etda-digital-id" in captured.out
    assert main(["project"]) == 0  # the reference data, no model set in the default models/
    assert "NO HISTORY" in capsys.readouterr().err
    # a history with a broken row is refused with its location, nothing trained
    bad = tmp_path / "bad"
    bad.mkdir()
    for p in history:
        text = p.read_text(encoding="utf-8")
        if p.stem == "finance":
            lines = text.splitlines()
            cells = lines[1].split(",")
            cells[2] = "5"
            lines[1] = ",".join(cells)
            text = "\n".join(lines) + "\n"
        (bad / p.name).write_text(text, encoding="utf-8")
    assert main(["--store", str(tmp_path / "none"), "train", "--history", str(bad)]) == 2
    assert main(["train", "--history", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "finance.csv, row 2, column `quarter`: must be 1-4, got 5." in err
    assert registry.listing(store.models_dir).height == 1


def test_the_forecaster_fits_predicts_and_round_trips(tmp_path):
    from forecast.access import signing
    from forecast.model import vetting
    from forecast.model.forecaster import YearEndForecaster, band_columns, band_quantiles

    assert band_quantiles(80) == (0.1, 0.9) and band_quantiles(90) == (0.05, 0.95)
    assert band_columns("disbursed", 80) == ("disbursed_lo_80", "disbursed_hi_80")
    with pytest.raises(ValueError, match="choose among"):
        YearEndForecaster(levels=(85,))
    tables = synthetic.simulate(projects=15, years=4, seed=11)
    h = engine.history(Snapshot.from_tables(tables))
    fc = YearEndForecaster(candidates=["plan", "pace", "gbm_quantile"], levels=(80, 50))
    cv = fc.cross_validation(h)
    assert set(cv[B.MODEL]) == {"plan", "pace", "gbm_quantile"} and cv.columns == B.PREDICTION_COLUMNS
    with pytest.raises(HistoryError, match="not fitted"):
        fc.predict(Snapshot.from_tables(tables))
    fc.fit(h)
    current = synthetic.simulate(projects=15, years=2, seed=12, as_of_quarter=2)
    out = fc.predict(Snapshot.from_tables(current))
    lo80, hi80 = band_columns("disbursed", 80)
    lo50, hi50 = band_columns("disbursed", 50)
    assert (out[lo80] <= out[lo50]).all() and (out[lo50] <= out[hi50]).all() and (out[hi50] <= out[hi80]).all()
    key = signing.key(tmp_path / "access")
    saved = fc.save(tmp_path / "models", key)
    assert set(saved.manifest["artifacts"].values()) <= set(vetting._REBUILT)  # kept as written
    vetting.forget()  # rebuilt from the bytes written, not the objects kept at saving
    again = YearEndForecaster.load(tmp_path / "models", key)
    assert again.models_.version == saved.version and again.levels == (80, 50)
    assert_frame_equal(again.predict(Snapshot.from_tables(current)), out)


def test_large_weighted_fits_thin_rows_by_weight():
    """Above ``resample_above`` rows, a row is kept with probability weight / largest weight."""
    X = pl.DataFrame({"a": np.arange(10_000, dtype=float)})
    y = np.arange(10_000, dtype=float)
    w = np.where(np.arange(10_000) < 5_000, 1.0, 0.25)
    Xs, ys, ws = E._weighted_resample(X, y, w, None, 0)
    assert ws is None and np.array_equal(Xs["a"].to_numpy(), ys)
    recent, old = (ys < 5_000).sum(), (ys >= 5_000).sum()
    assert recent == 5_000 and 1_150 < old < 1_350  # every full-weight row, about a quarter of the others
    assert E.QuantileGBM().resample_above == 50_000  # smaller fits use the weights exactly


def test_a_set_is_written_as_skops_itself_would_write_it():
    """``registry._skops_bytes`` (linear time, compact schema) holds the same schema and arrays as skops' own
    (but the ids of objects made while saving), and loads to the same predictions."""
    import io
    import json
    import zipfile

    import skops.io as sio

    from forecast.model import estimators, registry

    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(200, 3)), rng.normal(size=200)
    model = {"gbm": estimators.QuantileGBM(max_iter=5).fit(X, y), "arrays": [np.arange(4.0), np.ones((2, 2))]}
    ours, theirs = (zipfile.ZipFile(io.BytesIO(b)) for b in (registry._skops_bytes(model), sio.dumps(model)))
    assert sorted(ours.namelist()) == sorted(theirs.namelist())

    def without_ids(node):
        if isinstance(node, dict):
            return {k: without_ids(v) for k, v in node.items() if k != "__id__"}
        return [without_ids(v) for v in node] if isinstance(node, list) else node

    schemas = [without_ids(json.loads(z.read("schema.json"))) for z in (ours, theirs)]
    assert schemas[0] == schemas[1] and len(ours.read("schema.json")) < len(theirs.read("schema.json"))
    assert all(ours.read(n) == theirs.read(n) for n in ours.namelist() if n.endswith(".npy"))
    loaded = sio.loads(registry._skops_bytes(model), trusted=sio.get_untrusted_types(data=sio.dumps(model)))
    np.testing.assert_array_equal(loaded["gbm"].predict(X), model["gbm"].predict(X))
