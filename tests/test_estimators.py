"""The candidate estimators honour scikit-learn's contract: every check of ``parametrize_with_checks`` runs
and passes (none is listed as an expected failure).

The checks exercise the contract (parameters, cloning, fitted state, input handling), not accuracy, so
the boosted model runs with a few iterations: the production ``max_iter=200`` made these checks
a third of the suite's time."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from forecast.model.estimators import CANDIDATES, DirectGBM, QuantileGBM

SMALL = {QuantileGBM: {"max_iter": 10}, DirectGBM: {"max_iter": 10}}


@parametrize_with_checks([cls(**SMALL.get(cls, {})) for cls in CANDIDATES.values()])
def test_sklearn_contract(estimator, check):
    check(estimator)
