"""The agency and the government as a whole: joint draws, P(the total misses), dependence, targets, groups."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from forecast import api, config
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.decisions import portfolio as P
from forecast.decisions import review as R
from forecast.interfaces.cli import main
from forecast.model import dependence as D
from forecast.model import models as M
from forecast.model import synthetic

UNIFORM = np.array([[0.8 + 0.2 * q for q in M.LEVELS]])  # a share uniform on [0.8, 1.0]


def _independent(rho: float) -> P.Dependence:
    return P.Dependence(rho, rho, rho, "history")


def test_two_independent_projects_miss_together_a_quarter_of_the_time():
    grid = np.repeat(UNIFORM, 2, axis=0)
    y = P.draw(grid, ["a", "b"], ["x", "y"], _independent(0.0), 40_000, seed=1)
    both = np.mean((y[:, 0] < 0.9) & (y[:, 1] < 0.9))
    assert abs(np.mean(y[:, 0] < 0.9) - 0.5) < 0.01 and abs(both - 0.25) < 0.01
    y = P.draw(grid, ["a", "b"], ["x", "y"], _independent(0.95), 40_000, seed=1)
    assert np.mean((y[:, 0] < 0.9) & (y[:, 1] < 0.9)) > 0.45  # almost always together


def test_with_full_correlation_the_sum_has_the_sum_of_quantiles_and_with_none_a_narrower_range():
    grid = np.vstack([UNIFORM, UNIFORM * 0.9])
    budgets = np.array([10.0, 20.0])
    lo = budgets @ np.array([0.8 + 0.2 * 0.1, 0.9 * (0.8 + 0.2 * 0.1)])
    hi = budgets @ np.array([0.8 + 0.2 * 0.9, 0.9 * (0.8 + 0.2 * 0.9)])
    same = P.draw(
        grid, ["a", "a"], ["x", "x"], _independent(D.MAX_RHO), 40_000, seed=2, groups=np.zeros(2, int), weights=budgets
    )[:, 0]
    q10, q90 = np.quantile(same, [0.1, 0.9])
    assert q10 == pytest.approx(lo, rel=0.01) and q90 == pytest.approx(hi, rel=0.01)
    apart = P.draw(
        grid, ["a", "b"], ["x", "y"], _independent(0.0), 40_000, seed=2, groups=np.zeros(2, int), weights=budgets
    )[:, 0]
    a10, a90 = np.quantile(apart, [0.1, 0.9])
    assert a90 - a10 < 0.85 * (hi - lo) and lo < a10 < a90 < hi


def test_draws_are_seeded_and_reproducible():
    grid = np.repeat(UNIFORM, 3, axis=0)
    a = P.draw(grid, list("abc"), list("xyz"), P.Dependence(), 500, seed=7)
    assert np.array_equal(a, P.draw(grid, list("abc"), list("xyz"), P.Dependence(), 500, seed=7))
    assert not np.array_equal(a, P.draw(grid, list("abc"), list("xyz"), P.Dependence(), 500, seed=8))


def test_dependence_is_recovered_from_out_of_sample_scores():
    """Lines of one year share a shock of variance 0.3: the pairwise estimate finds about 0.3."""
    rng = np.random.default_rng(0)
    years, lines = 40, 60
    shock = np.repeat(rng.normal(0, np.sqrt(0.3), years), lines)
    z = shock + rng.normal(0, np.sqrt(0.7), years * lines)
    grid = {M.level(M.AMOUNT, q): [q] * (years * lines) for q in M.LEVELS}  # uniform on [0, 1]
    frame = pl.DataFrame(
        {
            s.FISCAL_YEAR: np.repeat(np.arange(years), lines),
            s.AGENCY: ["a"] * (years * lines),
            s.PLAN_LINE: ["x"] * (years * lines),
            "y_true_disbursed_ratio": norm.cdf(z),
            **grid,
        }
    )
    dep = P.Dependence.from_dict(D.estimate_dependence(frame))
    assert dep.source == "history" and dep.government == pytest.approx(0.3, abs=0.1)


def test_the_reference_portfolio_is_narrower_than_the_sum_of_its_projects(reference):
    rv = api.review(reference)
    whole = rv.portfolio().row(0, named=True)
    proj = rv.projection
    lo, hi = (float(proj[f"disbursed_p{p}"].cast(pl.Float64).sum()) for p in (10, 90))
    assert whole["group"] == "all" and whole["projects"] == 9 and whole["budget"] == Decimal("519.3683")
    assert lo < whole["disbursed_p10"] < whole["disbursed_p50"] < whole["disbursed_p90"] < hi
    assert 0 <= whole["p_miss_target"] <= 1 and whole["expected_shortfall"] >= 0
    assert "dependence assumed (no history)" in whole["basis"] and "10,000 joint draws" in whole["basis"]
    by_line = rv.portfolio("plan_line")
    assert by_line.height == 4 and by_line["projects"][1:].sum() == 9
    assert by_line["budget"][1:].sum() == Decimal("519.3683")


def test_the_cli_portfolio_columns_are_the_contract(capsys):
    assert main(["portfolio", "--format", "csv"]) == 0
    out = pl.read_csv(capsys.readouterr().out.encode())
    assert out.columns == P.COLUMNS and out.height == 1
    assert main(["portfolio", "--by", "plan_line", "--format", "csv"]) == 0
    assert pl.read_csv(capsys.readouterr().out.encode()).height == 4


def cli(store: str, line: str) -> int:
    """The command line on ``store``, written as a person types it."""
    return main(["--store", store, *line.split()])


def test_targets_are_kept_in_the_store_and_used(tmp_path, capsys):
    st = str(tmp_path / "st")
    assert main(["--store", st, "init", "--from-reference"]) == 0
    assert cli(st, "targets set --fiscal-year 2569 --year-end 0.9 --quarterly 0.3 0.5 0.7 0.9 --note cabinet") == 0
    assert "stored as vintage 2" in capsys.readouterr().out
    store = Store.open(st)
    policy = R.policy_for(store.snapshot())
    assert policy.target == 0.9 and policy.quarterly_targets == (0.3, 0.5, 0.7, 0.9) and "cabinet" in policy.source
    # rank reads them; --target still overrides for one run
    assert main(["--store", st, "rank", "--lang", "en"]) == 0
    assert "target 90% set for fiscal year 2569" in capsys.readouterr().err
    assert main(["--store", st, "rank", "--lang", "en", "--target", "0.8"]) == 0
    assert "target 80% given for this run" in capsys.readouterr().err
    assert cli(st, "targets set --fiscal-year 2569 --year-end 0.9 --quarterly 0.5 0.3 0.7 0.9") == 1
    assert "each is at least the one before it" in capsys.readouterr().err
    assert main(["--store", st, "targets", "--format", "csv"]) == 0
    assert pl.read_csv(capsys.readouterr().out.encode()).height == 1  # the refused change stored nothing


def test_a_multi_agency_store_ranks_its_agencies(tmp_path):

    import ui

    store = Store.create(config.DEFAULT_STORE_DIR)
    synthetic.write(synthetic.simulate(projects=27, years=2, seed=4, agencies=3, as_of_quarter=2), tmp_path / "h")
    store.ingest([tmp_path / "h"])
    table = api.portfolio(store, by="agency")
    assert table.height == 4 and set(table["group_by"][1:]) == {"agency"}
    ui.reset()
    from tests.test_app import open_page

    at = open_page("agencies", role="viewer")
    assert not at.exception
    shown = at.dataframe[0].value
    assert len(shown) == 3
    chances = list(shown.iloc[:, 1])  # P(miss) is the second column (after the agency)
    assert chances == sorted(chances, reverse=True)
    ui.reset()
