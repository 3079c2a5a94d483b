"""The candidate estimators honour scikit-learn's contract: every check of ``parametrize_with_checks`` runs
and passes (none is listed as an expected failure)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from forecast.model.estimators import CANDIDATES


@parametrize_with_checks([cls() for cls in CANDIDATES.values()])
def test_sklearn_contract(estimator, check):
    check(estimator)
