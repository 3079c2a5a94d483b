"""Risk per project: probabilities of missing, a combined score, a level and the reasons in words.

For each project of the latest fiscal year:

* ``p_miss_disbursement`` - P(year-end disbursed < target share of budget), from the
  year-end projection (the active model set's champion, or the structural model);
* ``p_miss_spend`` - P(year-end spend < 99.5% of budget): money left unused;
* ``p_miss_kpi`` - P(at least one KPI misses) = 1 - prod(p_attain) over the project's
  KPIs, treating KPIs as independent (reached KPIs count as 1);
* ``risk_score`` = 0.5 p_miss_disbursement + 0.2 p_miss_spend + 0.3 p_miss_kpi, in [0, 1]
  (weights in ``RiskPolicy``), itself a probability-weighted average;
* ``level``: high when risk_score >= 0.60, medium when >= 0.35, low below.

Drivers are the reasons with the largest weight, each quoting the figures behind it
(shares of budget to one decimal, amounts to four decimals as printed, in the store's unit), in Thai and English.
The ranking sorts by risk_score, then p_miss_disbursement, then project_id, so ties
are broken the same way every time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from forecast import formats
from forecast.data import schema as s
from forecast.data.units import MTHB, AmountUnit
from forecast.decisions import kpi
from forecast.formats import chance
from forecast.labels import pick, t
from forecast.model import engine
from forecast.model import features as F
from forecast.model import models as M

RANK = "rank"
RISK_SCORE = "risk_score"
LEVEL = "level"
P_MISS_DISBURSEMENT = engine.P_MISS_DISBURSEMENT
P_MISS_SPEND = engine.P_SPEND_BELOW_BUDGET
P_MISS_KPI = "p_miss_kpi"
DRIVERS = "drivers"
DRIVERS_TH, DRIVERS_EN = "drivers_th", "drivers_en"
DRIVER_CODES = "driver_codes"
PREVIOUS_RANK = "previous_rank"
RANK_CHANGE = "rank_change"
PREVIOUS_LEVEL = "previous_level"
NEW_HIGH = "new_high"
NOT_SCORED = "not_scored"  # the probabilities that do not apply and are left out of the score (codes)
TERMS = (P_MISS_DISBURSEMENT, P_MISS_SPEND, P_MISS_KPI)
HIGH, MEDIUM, LOW = "high", "medium", "low"

COLUMNS = [
    RANK,
    s.PROJECT_ID,
    s.NAME_EN,
    s.NAME_TH,
    RISK_SCORE,
    LEVEL,
    P_MISS_DISBURSEMENT,
    P_MISS_SPEND,
    P_MISS_KPI,
    DRIVERS,
]


# the risk table, declared once: the projection's columns, then the project's names and the assessment
SCHEMA = pl.Schema(
    {
        **engine.SCHEMA,
        s.NAME_TH: pl.String(),
        s.PLAN_LINE: pl.String(),
        s.OWNER: pl.String(),
        s.AGENCY: pl.String(),
        P_MISS_KPI: pl.Float64(),
        NOT_SCORED: pl.List(pl.String),
        RISK_SCORE: pl.Float64(),
        LEVEL: pl.String(),
        DRIVERS_TH: pl.List(pl.String),
        DRIVERS_EN: pl.List(pl.String),
        DRIVER_CODES: pl.List(pl.String),
    }
)


@dataclass(frozen=True)
class RiskPolicy:
    """What counts as missing, how the score weighs it, and the level cut-offs.

    ``quarterly_targets`` optionally gives the cumulative disbursement share expected by the
    end of each quarter (e.g. (0.30, 0.52, 0.75, 0.93)); a project behind it gets a driver.
    """

    target: float = s.DEFAULT_TARGET
    quarterly_targets: tuple[float, float, float, float] | None = None
    weight_disbursement: float = 0.5
    weight_spend: float = 0.2
    weight_kpi: float = 0.3
    high_from: float = 0.60
    medium_from: float = 0.35
    max_drivers: int = 3
    source: str = "default"  # where the target comes from, in words (set in the store, given, default)
    source_th: str = "ค่าเริ่มต้น"

    near_certain: float = 0.90  # any one probability this high makes a project at least medium

    def score(self, p_disbursement: np.ndarray, p_spend: np.ndarray, p_kpi: np.ndarray) -> np.ndarray:
        """The weighted average of the probabilities; a missing one (commitments not reported, or no
        budget to disburse) is left out with its weight (0 when none is left)."""
        ps = [np.asarray(p, dtype=float) for p in (p_disbursement, p_spend, p_kpi)]
        weights = (self.weight_disbursement, self.weight_spend, self.weight_kpi)
        have = [np.isfinite(p) for p in ps]
        total = sum(np.where(h, w, 0.0) for h, w in zip(have, weights, strict=True))
        value = sum(np.where(h, w * np.nan_to_num(p), 0.0) for p, h, w in zip(ps, have, weights, strict=True))
        return np.clip(np.divide(value, total, out=np.zeros_like(total, dtype=float), where=total > 0), 0, 1)

    def level(self, score: np.ndarray, worst: np.ndarray | None = None) -> np.ndarray:
        """high / medium / low by the score; a single probability of ``near_certain`` or more is at least medium."""
        score = np.asarray(score, dtype=float)
        out = np.where(score >= self.high_from, HIGH, np.where(score >= self.medium_from, MEDIUM, LOW))
        if worst is not None:
            out = np.where((out == LOW) & (np.asarray(worst, float) >= self.near_certain), MEDIUM, out)
        return out

    def grades(self, p_disbursement, p_spend, p_kpi) -> tuple[np.ndarray, np.ndarray]:
        """Score and level of each project from its three probabilities (NaN or None: does not apply)."""
        ps = [np.asarray(np.atleast_1d(p), dtype=float) for p in (p_disbursement, p_spend, p_kpi)]
        ps = [np.where(np.isfinite(p), p, np.nan) for p in ps]
        score = self.score(*ps)
        stacked = np.column_stack(ps)
        worst = np.where(
            np.isfinite(stacked).any(1), np.nanmax(np.where(np.isfinite(stacked), stacked, -1.0), 1), np.nan
        )
        return score, self.level(score, worst)

    def grade(self, p_disbursement, p_spend, p_kpi) -> tuple[float, str]:
        """``grades`` of one project."""
        score, level = self.grades(*(np.nan if p is None else p for p in (p_disbursement, p_spend, p_kpi)))
        return float(score[0]), str(level[0])

    def source_in(self, lang: str) -> str:
        """Where the target comes from, in ``lang``."""
        return pick(lang, th=self.source_th, en=self.source)

    def describe(self, lang: str = "en") -> str:
        """The rule in words (the CLI, the app and the README show this one text)."""
        return t("score_rule", lang).format(
            w_d=f"{self.weight_disbursement:g}",
            w_s=f"{self.weight_spend:g}",
            w_k=f"{self.weight_kpi:g}",
            target=f"{self.target:.0%}",
            high=f"{self.high_from:.2f}",
            medium=f"{self.medium_from:.2f}",
            certain=f"{self.near_certain:.0%}",
        )


@dataclass(frozen=True)
class Driver:
    """One reason a project is at risk: a rule's code (its label is ``driver_<code>``), weight and figures."""

    code: str
    weight: float
    params: dict

    def text(self, lang: str) -> str:
        params = {k: (v[lang] if isinstance(v, dict) else v) for k, v in self.params.items()}
        return t(f"driver_{self.code}", lang).format(**params)


def _pct(x: float) -> str:
    return formats.share(x)


@dataclass(frozen=True)
class _Facts:
    """What every reason reads of one project: its row, its KPIs worth a reason, the policy and the unit's words."""

    r: dict
    kpis: list[dict]
    policy: RiskPolicy
    units: dict[str, str]
    q: int  # the last reported quarter (0: nothing reported yet)
    d: float  # disbursed share of budget to date
    plan: float  # planned share of budget to date

    @classmethod
    def of(cls, r: dict, kpis: list[dict], policy: RiskPolicy, unit: AmountUnit) -> _Facts:
        """The facts of a ``_DRIVER_INPUTS`` row."""
        units = {"th": unit.words("th"), "en": unit.words("en")}
        d, plan = r[F.share(F.cum(s.DISBURSED))] or 0.0, r[F.share(F.cum(s.PLAN))] or 0.0
        return cls(r, kpis, policy, units, int(r[F.ORIGIN]), d, plan)


def _not_reported(f: _Facts) -> Iterator[Driver]:
    """Nothing reported for the year yet."""
    if f.q == 0:
        yield Driver("not_reported", 0.5, {})


def _behind_plan(f: _Facts) -> Iterator[Driver]:
    """Disbursed more than 5 points of budget behind the plan to date."""
    if f.q and f.plan - f.d > 0.05:
        amount = formats.money(f.r["disbursed_to_date"])
        yield Driver(
            "behind_plan", f.plan - f.d, {"d": _pct(f.d), "plan": _pct(f.plan), "unit": f.units, "amount": amount}
        )


def _below_quarter_target(f: _Facts) -> Iterator[Driver]:
    """Disbursed below the policy's cumulative target for the quarter reported."""
    targets = f.policy.quarterly_targets
    if targets and 1 <= f.q <= 4 and f.d < targets[f.q - 1]:
        due = targets[f.q - 1]
        yield Driver("below_quarter_target", due - f.d, {"d": _pct(f.d), "q": f.q, "due": _pct(due)})


def _no_budget(f: _Facts) -> Iterator[Driver]:
    """No budget to disburse."""
    if not float(f.r[s.BUDGET] or 0) > 0:
        yield Driver("no_budget", 0.05, {})


def _over_budget(f: _Facts) -> Iterator[Driver]:
    """More disbursed than the budget."""
    budget, paid = float(f.r[s.BUDGET] or 0), f.r["disbursed_to_date"]
    if budget > 0 and float(paid or 0) - budget > s.MONEY_TOLERANCE:
        # a budget revised below the payments, a transfer not recorded: every share of this budget is off (and
        # weighs more than it should), so it leads the reasons whatever their weights (validation warned:
        # budget_below_disbursed)
        params = {
            "amount": formats.money(paid),
            "budget": formats.money(f.r[s.BUDGET]),
            "unit": f.units,
            "d": _pct(float(paid) / budget),
        }
        yield Driver("over_budget", float("inf"), params)


def _projected_miss(f: _Facts) -> Iterator[Driver]:
    """The year-end projection has at least a 20% chance of missing the disbursement target."""
    p_d = f.r[P_MISS_DISBURSEMENT]
    if f.q < 4 and p_d is not None and p_d >= 0.2:
        lo, mid, hi = (f.r[M.band(s.DISBURSED, p)] for p in M.BANDS)
        params = {"mid": _pct(mid), "lo": _pct(lo), "hi": _pct(hi), "target": _pct(f.policy.target), "p": chance(p_d)}
        yield Driver("projected_miss", p_d, params)


def _committed_unpaid(f: _Facts) -> Iterator[Driver]:
    """More than 15% of the budget committed but not yet paid (slow: the quarter paid less than was owed at its start)."""
    owed = f.r[F.share(F.cum(s.COMMITTED))] or 0.0
    if f.q < 4 and owed > 0.15:
        conv = f.r[F.CONVERSION]
        slow = conv is not None and np.isfinite(conv) and conv < 1
        params = {
            "amount": formats.money(f.r[F.cum(s.COMMITTED)]),
            "unit": f.units,
            "share": _pct(owed),
            "q": f.q,
            "conv": f"{conv:.0%}" if slow else "",
        }
        yield Driver("committed_unpaid_slow" if slow else "committed_unpaid", 0.6 * owed, params)


def _money_unused(f: _Facts) -> Iterator[Driver]:
    """Likely (50% or more) to leave money unused: the median spend below 99.5% of the budget."""
    p_s, spend = f.r[P_MISS_SPEND], f.r[M.band(s.SPEND, 50)]
    if p_s is not None and spend is not None and p_s >= 0.5 and spend < 0.995:
        unused = (1 - spend) * float(f.r[s.BUDGET])
        params = {"spend": _pct(spend), "unused": f"{unused:,.1f}", "unit": f.units}
        yield Driver("money_unused", p_s * (1 - spend) * 2, params)


def _budget_revised(f: _Facts) -> Iterator[Driver]:
    """The budget was revised by more than 0.1 in log ratio (about 10%)."""
    revised = f.r[F.BUDGET_REVISION]
    if revised is not None and np.isfinite(revised) and abs(revised) > 0.1:
        params = {"n": int(f.r[F.BUDGET_REVISION_COUNT] or 0), "ratio": f"{float(np.exp(revised)):.0%}"}
        yield Driver("budget_revised", min(0.5, abs(revised) / 2), params)


def _required_pace(f: _Facts) -> Iterator[Driver]:
    """Reaching the target needs a quarterly pace over 1.5 times the pace so far (and over 10 points)."""
    left = f.r[F.QUARTERS_LEFT] or 0
    if f.q and left > 0 and f.d < f.policy.target:
        need, so_far = (f.policy.target - f.d) / left, f.d / f.q
        if need > 1.5 * so_far and need > 0.1:
            params = {"need": _pct(need), "target": _pct(f.policy.target), "so_far": _pct(so_far)}
            yield Driver("required_pace", min(0.9, need), params)


def _slowing(f: _Facts) -> Iterator[Driver]:
    """From Q2, the quarter's disbursement fell by more than 5 points of budget from the quarter before."""
    mom = f.r[F.momentum(s.DISBURSED)]
    if f.q >= 2 and mom is not None and mom < -0.05:
        yield Driver("slowing", -mom, {"q": f.q, "drop": _pct(-mom)})


def _restated(f: _Facts) -> Iterator[Driver]:
    """Disbursement to date restated between reports by more than 1% of the budget."""
    restated = f.r[F.RESTATED_SHARE] or 0.0
    if restated > 0.01:
        amount = formats.money(restated * float(f.r[s.BUDGET]))
        yield Driver("restated", 0.1 + restated, {"amount": amount, "unit": f.units})


def _kpi_at_risk(f: _Facts) -> Iterator[Driver]:
    """Each KPI at risk (or without data) with less than a 75% chance of attainment."""
    for k in f.kpis:
        if k[kpi.STATUS] in (kpi.AT_RISK, kpi.NO_DATA) and k[kpi.P_ATTAIN] < 0.75:
            p = k[kpi.P_ATTAIN]
            params = {
                "id": k[s.KPI_ID],
                "p": chance(p),
                "name": {"th": k[s.NAME_TH] or k[s.NAME_EN], "en": k[s.NAME_EN] or k[s.NAME_TH]},
                "basis": {"th": k[kpi.BASIS_TH], "en": k[kpi.BASIS]},
            }
            yield Driver("kpi_at_risk", 0.9 * (1 - p), params)


# every reason, in the order they are found (equal weights keep this order); a new reason is a function here
DRIVER_RULES: tuple[Callable[[_Facts], Iterator[Driver]], ...] = (
    _not_reported,
    _behind_plan,
    _below_quarter_target,
    _no_budget,
    _over_budget,
    _projected_miss,
    _committed_unpaid,
    _money_unused,
    _budget_revised,
    _required_pace,
    _slowing,
    _restated,
    _kpi_at_risk,
)


def _drivers(r: dict, kpis: list[dict], policy: RiskPolicy, unit: AmountUnit) -> list[Driver]:
    """Every reason that applies, largest weight first; amounts in the store's unit (``DRIVER_RULES``)."""
    f = _Facts.of(r, kpis, policy, unit)
    out = [driver for rule in DRIVER_RULES for driver in rule(f)]
    out.sort(key=lambda x: -x.weight)
    top = out[: policy.max_drivers]
    return top or [Driver("no_warning", 0.0, {"d": _pct(f.d), "plan": _pct(f.plan)})]


def assess(
    projection: pl.DataFrame,
    kpis: pl.DataFrame,
    projects: pl.DataFrame,
    policy: RiskPolicy | None = None,
    unit: AmountUnit = MTHB,
    kpi_rho: float = 0.0,
) -> pl.DataFrame:
    """The risk table of a projection (unsorted), with drivers in both languages.

    ``kpi_rho`` is the correlation of a project's KPI outcomes (``kpi.rho_of``) in ``p_miss_kpi``.

    ``projection`` comes from ``engine.project``, ``kpis`` from ``kpi.attainment`` and ``projects`` is
    the snapshot's projects table (names, plan lines, owners). Where commitments are not reported,
    ``p_miss_spend`` is empty and the score weighs disbursement and KPIs only.
    """
    policy = policy or RiskPolicy()
    if projection.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    by = [s.FISCAL_YEAR, s.PROJECT_ID]
    p_kpi = kpi.p_miss_any(kpis, kpi_rho)
    names = projects.select(*by, s.NAME_TH, s.PLAN_LINE, s.OWNER, s.AGENCY)
    df = (
        projection.join(names, on=by, how="left")
        .join(p_kpi.cast({s.FISCAL_YEAR: projection.schema[s.FISCAL_YEAR]}), on=by, how="left")
        .with_columns(pl.col(P_MISS_KPI).fill_null(np.nan))  # no KPIs: the term does not apply
    )
    score, levels = policy.grades(
        df[P_MISS_DISBURSEMENT].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        df[P_MISS_SPEND].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        df[P_MISS_KPI].cast(pl.Float64).fill_null(np.nan).to_numpy(),
    )
    per_project: dict[str, list[dict]] = {}
    worth = (
        kpis.filter(
            pl.col(kpi.STATUS).is_in([kpi.AT_RISK, kpi.OFF_TRACK, kpi.MISSED, kpi.NO_DATA])
            & (pl.col(kpi.P_ATTAIN) < 0.75)
        )
        if not kpis.is_empty()
        else kpis
    )
    for k in (
        worth.select(
            s.PROJECT_ID, s.KPI_ID, s.NAME_TH, s.NAME_EN, kpi.STATUS, kpi.P_ATTAIN, kpi.BASIS, kpi.BASIS_TH
        ).iter_rows(named=True)
        if not worth.is_empty()
        else ()
    ):
        per_project.setdefault(k[s.PROJECT_ID], []).append(k)
    th, en, codes = [], [], []
    for r in df.select(_DRIVER_INPUTS).iter_rows(named=True):
        found = _drivers(r, per_project.get(r[s.PROJECT_ID], []), policy, unit)
        th.append(_SEP.join(x.text("th") for x in found))
        en.append(_SEP.join(x.text("en") for x in found))
        codes.append(_SEP.join(x.code for x in found))
    applies = [df[c].cast(pl.Float64).fill_null(np.nan).is_finite().to_numpy() for c in TERMS]
    left_out = [[c for c, a in zip(TERMS, row, strict=True) if not a] for row in zip(*applies, strict=True)]
    return (
        df.with_columns(
            pl.Series(NOT_SCORED, left_out, dtype=pl.List(pl.String)),
            pl.Series(RISK_SCORE, score),
            pl.Series(LEVEL, levels),
            pl.Series(DRIVERS_TH, th).str.split(_SEP),
            pl.Series(DRIVERS_EN, en).str.split(_SEP),
            pl.Series(DRIVER_CODES, codes).str.split(_SEP),
        )
        .select(list(SCHEMA))
        .cast(SCHEMA)
    )


_SEP = "\x1f"  # joins a project's reasons while building the column (a control character no text holds)
_DRIVER_INPUTS = [
    s.PROJECT_ID,
    s.BUDGET,
    F.ORIGIN,
    "disbursed_to_date",
    P_MISS_DISBURSEMENT,
    P_MISS_SPEND,
    F.share(F.cum(s.DISBURSED)),
    F.share(F.cum(s.PLAN)),
    F.cum(s.COMMITTED),
    F.share(F.cum(s.COMMITTED)),
    F.CONVERSION,
    F.QUARTERS_LEFT,
    F.momentum(s.DISBURSED),
    F.RESTATED_SHARE,
    F.BUDGET_REVISION,
    F.BUDGET_REVISION_COUNT,
    *(M.band(f, p) for f in M.TARGET_FLOWS for p in M.BANDS),
]


def changes(now: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """A ranking with the earlier ranking's rank and level, the move, and whether it is newly high-risk."""
    earlier = before.select(s.PROJECT_ID, pl.col(RANK).alias(PREVIOUS_RANK), pl.col(LEVEL).alias(PREVIOUS_LEVEL))
    return now.join(earlier, on=s.PROJECT_ID, how="left", maintain_order="left").with_columns(
        (pl.col(PREVIOUS_RANK) - pl.col(RANK)).alias(RANK_CHANGE),
        ((pl.col(LEVEL) == HIGH) & (pl.col(PREVIOUS_LEVEL).fill_null("") != HIGH)).alias(NEW_HIGH),
    )


def ranked(risk: pl.DataFrame, lang: str) -> pl.DataFrame:
    """An ``assess`` table in rank order (ties: p_miss_disbursement, then project_id), drivers joined in ``lang``."""
    col = pick(lang, th=DRIVERS_TH, en=DRIVERS_EN)
    return (
        risk.sort([RISK_SCORE, P_MISS_DISBURSEMENT, s.PROJECT_ID], descending=[True, True, False], nulls_last=True)
        .with_row_index(RANK, offset=1)
        .with_columns(pl.col(RANK).cast(pl.Int32), pl.col(col).list.join(" | ").alias(DRIVERS))
        .select(*COLUMNS, pl.exclude(COLUMNS))
    )
