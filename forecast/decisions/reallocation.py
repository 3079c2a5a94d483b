"""Where the money should go: mid-year transfers from the lines that will leave money unused to those
that can disburse more, chosen from the joint projection. Advice only: nothing here changes a budget.

Per project (``capacity``):

* ``releasable`` = budget - its projected year-end disbursement at the quantile ``appetite`` (default
  0.9, from the amount distribution ``disbursed_ratio_qNN`` x budget), never more than the budget
  minus what is disbursed and committed (spend, where commitments are reported; else disbursed),
  never below 0. With 90% certainty the line leaves at least this much unused.
* ``absorbable`` = the most it should be given, and ``absorb_share`` the share of it expected to be
  disbursed by year end.
  - **history** (a model set with a fitted ``absorption`` model, ``model.absorption``): the largest
    increase (up to ``MAX_RAISE`` x budget) of which the line is expected to disburse at least
    ``ABSORB_MIN``, from the history's budget raises as a function of pace, commitments outstanding,
    the time left and its own last year.
  - **no history** (an assumption, said so): ``max(0, committed beyond the budget) + max(0, disbursed
    to date + the monthly pace x months left - budget)``, at most ``MAX_RAISE`` x budget, of which an
    assumed ``ASSUMED_SHARE`` (between ``ASSUMED_LOW`` and 1) is disbursed.
  One line gives or takes, never both: a line whose capacity to take exceeds what it would leave unused
  is a net taker of the difference (and releases nothing); a planner's stated additional ``need`` caps it.

``plan`` chooses transfers by a linear programme (``scipy.optimize.linprog``) that maximises the
expected year-end disbursement: each unit moved from donor i to receiver j gains j's absorbed share
and costs i's chance of disbursing beyond its lowered budget (1 - appetite at most), within: no
donor gives more than its releasable, no receiver takes more than its absorbable, transfers stay
inside the group (``within``), each transfer is at most ``max_transfer_share`` x the donor's budget;
the total budget is unchanged by construction (every transfer lowers one budget by what it raises
another).

``effect`` draws every project together (``portfolio.draw``: the same copula as the portfolio),
before and after: a donor's year end is capped at its lowered budget; a receiver's is its own
(capped at its budget) plus what it gets x its absorbed share, drawn at the same normal score (a line
that does well disburses more of its increase). P(the total misses the target), expected unused
money and their ranges come from the same draws before and after.

Every transfer and every "no transfer" carries a code and its figures; the words are in ``labels``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

import numpy as np
import polars as pl
from scipy.optimize import linprog

from forecast import formats
from forecast.data import schema as s
from forecast.data.units import AmountUnit
from forecast.decisions import portfolio as P
from forecast.errors import InputError
from forecast.labels import t
from forecast.model import absorption as AB
from forecast.model import engine
from forecast.model import features as F
from forecast.model import models as M
from forecast.model.dependence import Dependence, quantile

APPETITE = 0.9
MAX_TRANSFER_SHARE = 0.2
WITHIN = ("agency", "plan_line", "owner")
DEFAULT_WITHIN = "plan_line"
MAX_RAISE = 0.5  # an increase of at most half the budget is considered
ABSORB_MIN = 0.5  # the model: the largest increase of which at least half is expected to be disbursed
RAISE_GRID = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
ASSUMED_SHARE, ASSUMED_LOW = 0.8, 0.6  # the rule: share of an increase disbursed (mean, lowest)
MONTHS_PER_QUARTER = 3
DRAWS = 4_000
MIN_AMOUNT = Decimal("0.0001")
HISTORY, NO_HISTORY = "history", engine.NO_HISTORY

# capacity columns
GROUP, NAME = "group", "name"
RELEASABLE, ABSORBABLE, ABSORB_SHARE = "releasable", "absorbable", "absorb_share"
AT_APPETITE, HEADROOM = "disbursed_at_appetite", "headroom"  # budget - disbursed - committed
MONTHLY, MONTHS_LEFT, BEYOND = "disbursed_per_month", "months_left", "committed_beyond_budget"
NEED, ABSORB_BASIS = "need", "absorb_basis"
CAPACITY_COLUMNS = [
    s.PROJECT_ID,
    NAME,
    GROUP,
    s.BUDGET,
    engine.DISBURSED_TO_DATE,
    engine.SPEND_TO_DATE,
    AT_APPETITE,
    HEADROOM,
    RELEASABLE,
    MONTHLY,
    MONTHS_LEFT,
    BEYOND,
    NEED,
    ABSORBABLE,
    ABSORB_SHARE,
    ABSORB_BASIS,
]
# transfer columns
FROM_ID, FROM_NAME, TO_ID, TO_NAME, AMOUNT = "from_id", "from_name", "to_id", "to_name", "amount"
EXPECTED_GAIN, REASON_CODE, REASON_TH, REASON_EN = "expected_gain", "reason_code", "reason_th", "reason_en"
TRANSFER_COLUMNS = [GROUP, FROM_ID, FROM_NAME, TO_ID, TO_NAME, AMOUNT, EXPECTED_GAIN, REASON_CODE, REASON_TH, REASON_EN]
# effect columns
BEFORE, AFTER = "before", "after"
P_MISS_BEFORE, P_MISS_AFTER = "p_miss_before", "p_miss_after"
UNUSED_BEFORE, UNUSED_AFTER = "unused_before", "unused_after"
UNUSED_P10_BEFORE, UNUSED_P90_BEFORE = "unused_p10_before", "unused_p90_before"
UNUSED_P10_AFTER, UNUSED_P90_AFTER = "unused_p10_after", "unused_p90_after"
DISBURSED_P50_BEFORE, DISBURSED_P50_AFTER = "disbursed_p50_before", "disbursed_p50_after"
MOVED = "moved"
EFFECT_COLUMNS = [
    GROUP,
    s.BUDGET,
    MOVED,
    DISBURSED_P50_BEFORE,
    DISBURSED_P50_AFTER,
    P_MISS_BEFORE,
    P_MISS_AFTER,
    UNUSED_BEFORE,
    UNUSED_P10_BEFORE,
    UNUSED_P90_BEFORE,
    UNUSED_AFTER,
    UNUSED_P10_AFTER,
    UNUSED_P90_AFTER,
]
EFFECT_MONEY = [c for c in EFFECT_COLUMNS if c not in (GROUP, P_MISS_BEFORE, P_MISS_AFTER)]
CAPACITY_MONEY = [
    s.BUDGET,
    engine.DISBURSED_TO_DATE,
    engine.SPEND_TO_DATE,
    AT_APPETITE,
    HEADROOM,
    RELEASABLE,
    MONTHLY,
    BEYOND,
    NEED,
    ABSORBABLE,
]
ALL = P.ALL

# why there is no transfer (labels ``realloc_none_<code>``)
NONE_RELEASABLE, NONE_ABSORBABLE, NONE_PAIR = "releasable", "absorbable", "pair"
REASON_MODEL, REASON_RULE, REASON_PACE = "realloc_reason_model", "realloc_reason_rule", "realloc_reason_pace"


@dataclass(frozen=True)
class Note:
    """A code (its label is ``realloc_<code>``) and its figures."""

    code: str
    params: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.code, lang).format(**{k: (v[lang] if isinstance(v, dict) else v) for k, v in self.params.items()})


@dataclass(frozen=True)
class Plan:
    """Proposed transfers, what each project can give and take, and the effect before and after."""

    transfers: pl.DataFrame
    capacity: pl.DataFrame
    effect: pl.DataFrame
    notes: list[Note]
    within: str
    appetite: float
    target: float
    max_transfer_share: float
    absorb_basis: str  # "history" or "no history" (the documented rule)
    draws: int

    def notes_text(self, lang: str) -> list[str]:
        return [n.text(lang) for n in self.notes]


def _money(x: float) -> Decimal:
    """An amount rounded down to four decimals (never more than the constraint allows)."""
    return Decimal(repr(max(float(x), 0.0))).quantize(MIN_AMOUNT, rounding=ROUND_DOWN)


def _frame(projection: pl.DataFrame, projects: pl.DataFrame, within: str) -> pl.DataFrame:
    if within not in WITHIN:
        raise InputError(f"transfers stay within an agency, a plan_line or an owner; got {within!r}.")
    keys = [s.FISCAL_YEAR, s.PROJECT_ID]
    info = projects.select(*keys, s.AGENCY, s.OWNER, s.PLAN_LINE, s.NAME_TH).unique(keys, keep="last")
    p = projection.join(info, on=keys, how="left").with_columns(F.group_agency().alias("__agency"))
    src = "__agency" if within == "agency" else P.GROUP_BY[within]
    return p.with_columns(
        pl.col(src).cast(pl.String).fill_null("(none)").replace("", "(none)").alias(GROUP),
        pl.coalesce(pl.col(s.NAME_TH).replace("", None), pl.col(s.NAME_EN), pl.col(s.PROJECT_ID)).alias("__name_th"),
        pl.coalesce(pl.col(s.NAME_EN).replace("", None), pl.col(s.NAME_TH), pl.col(s.PROJECT_ID)).alias("__name_en"),
    )


def _num(p: pl.DataFrame, c: str, fill: float = 0.0) -> np.ndarray:
    return (
        p[c].cast(pl.Float64).fill_null(fill).fill_nan(fill).to_numpy() if c in p.columns else np.full(p.height, fill)
    )


def capacity(
    projection: pl.DataFrame,
    projects: pl.DataFrame,
    within: str = DEFAULT_WITHIN,
    appetite: float = APPETITE,
    absorption: dict | None = None,
    needs: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """What each project can give (``releasable``) and take (``absorbable``, ``absorb_share``), in the store's
    unit, with the figures behind them."""
    if not 0.5 <= appetite < 1:
        raise InputError(f"the risk appetite is a quantile between 0.5 and 0.99; got {appetite}.")
    p = _frame(projection, projects, within)
    budget = _num(p, s.BUDGET)
    done = _num(p, engine.DISBURSED_TO_DATE)
    reported = p[engine.COMMITMENTS].fill_null(False).to_numpy() if engine.COMMITMENTS in p.columns else None
    spend = np.where(reported, _num(p, engine.SPEND_TO_DATE), done) if reported is not None else done
    origin = _num(p, F.ORIGIN, 4).astype(int)
    live = (origin >= 1) & (origin <= 3) & (budget > 0) & (p[engine.BASIS] != engine.ACTUAL).to_numpy()
    grid = np.column_stack([_num(p, M.level(M.AMOUNT, q), np.nan) for q in M.LEVELS])
    grid = np.where(np.isfinite(grid), grid, 1.0)
    at = quantile(grid, np.full((1, p.height), appetite))[0] * budget
    at = np.maximum(at, done)
    headroom = np.maximum(budget - spend, 0)
    releasable = np.where(live, np.clip(np.minimum(budget - at, headroom), 0, None), 0.0)
    releasable = np.array([float(_money(x)) for x in releasable])
    months_done = np.clip(origin, 1, 4) * MONTHS_PER_QUARTER
    months_left = np.clip(4 - origin, 0, 3) * MONTHS_PER_QUARTER
    monthly = done / months_done
    beyond = np.where(spend > budget, spend - budget, 0.0)
    if absorption and absorption.get("trained"):
        basis = HISTORY
        absorbable, share = np.zeros(p.height), np.zeros(p.height)
        for r in RAISE_GRID:
            sh = AB.predict_share(absorption, p, np.full(p.height, r))
            ok = sh >= ABSORB_MIN
            absorbable = np.where(ok, r * budget, absorbable)
            share = np.where(ok, sh, share)
    else:
        basis = NO_HISTORY
        pace_excess = np.maximum(done + monthly * months_left - budget, 0)
        absorbable = np.minimum(beyond + pace_excess, MAX_RAISE * budget)
        share = np.where(absorbable > 0, ASSUMED_SHARE, 0.0)
    # one line gives or takes, never both: a line whose capacity to take exceeds what it would leave unused
    # is a net taker (of the difference), any other line with money to release a donor
    absorbable = np.where(live, absorbable, 0.0)
    taker = absorbable > releasable
    absorbable = np.where(taker, absorbable - releasable, 0.0)
    releasable = np.where(taker, 0.0, releasable)
    need = np.array([np.nan if needs is None or pid not in needs else float(needs[pid]) for pid in p[s.PROJECT_ID]])
    absorbable = np.where(np.isfinite(need), np.minimum(absorbable, np.clip(need, 0, None)), absorbable)
    absorbable = np.array([float(_money(x)) for x in absorbable])
    share = np.where(absorbable > 0, share, 0.0)
    money = {
        AT_APPETITE: at,
        HEADROOM: headroom,
        RELEASABLE: releasable,
        MONTHLY: monthly,
        BEYOND: beyond,
        NEED: need,
        ABSORBABLE: absorbable,
    }
    return (
        p.with_columns(
            pl.col("__name_en").alias(NAME),
            *(pl.Series(k, v).fill_nan(None) for k, v in money.items()),
            pl.Series(MONTHS_LEFT, months_left, pl.Int32),
            pl.Series(ABSORB_SHARE, share),
            pl.lit(basis).alias(ABSORB_BASIS),
            pl.col("__name_th").alias("name_th"),
            pl.Series("__origin", origin),
        )
        .with_columns(pl.col(c).cast(pl.Float64).round(s.DISPLAY_DECIMALS).cast(s.MONEY) for c in CAPACITY_MONEY)
        .select(*CAPACITY_COLUMNS, "name_th", *(M.level(M.AMOUNT, q) for q in M.LEVELS), engine.BASIS)
    )


def choose(cap: pl.DataFrame, appetite: float, max_transfer_share: float) -> list[tuple[int, int, float]]:
    """Transfers (donor row, receiver row, amount) that maximise the expected year-end disbursement."""
    if not 0 < max_transfer_share <= 1:
        raise InputError(f"the largest transfer is a share of the donor's budget in (0, 1]; got {max_transfer_share}.")
    rel, ab = _num(cap, RELEASABLE), _num(cap, ABSORBABLE)
    share, budget = _num(cap, ABSORB_SHARE), _num(cap, s.BUDGET)
    groups = cap[GROUP].to_list()
    cost = 1 - appetite  # the chance a donor would have disbursed the money it gives, at most
    pairs = [
        (i, j)
        for i in np.flatnonzero(rel > 0)
        for j in np.flatnonzero(ab > 0)
        if i != j and groups[i] == groups[j] and share[j] > cost
    ]
    if not pairs:
        return []
    n = len(pairs)
    c = np.array([-(share[j] - cost) for _, j in pairs])
    upper = [min(max_transfer_share * budget[i], rel[i], ab[j]) for i, j in pairs]
    donors = sorted({i for i, _ in pairs})
    takers = sorted({j for _, j in pairs})
    A = np.zeros((len(donors) + len(takers), n))
    b = np.concatenate([rel[donors], ab[takers]])
    for k, (i, j) in enumerate(pairs):
        A[donors.index(i), k] = 1.0
        A[len(donors) + takers.index(j), k] = 1.0
    res = linprog(c, A_ub=A, b_ub=b, bounds=list(zip([0.0] * n, upper)), method="highs")
    if not res.success:
        return []
    out = []
    for k, (i, j) in enumerate(pairs):
        amount = float(_money(min(res.x[k], upper[k])))
        if amount >= float(MIN_AMOUNT):
            out.append((int(i), int(j), amount))
    return _fit(out, rel, ab)


def _fit(out: list[tuple[int, int, float]], rel: np.ndarray, ab: np.ndarray) -> list[tuple[int, int, float]]:
    """Rounded transfers trimmed so that no donor gives more than its releasable nor receiver takes more than
    its absorbable (the solver's tolerance)."""
    given, taken = np.zeros(len(rel)), np.zeros(len(ab))
    kept = []
    for i, j, proposed in sorted(out, key=lambda x: -x[2]):
        a = float(_money(min(proposed, rel[i] - given[i], ab[j] - taken[j])))
        if a >= float(MIN_AMOUNT):
            given[i] += a
            taken[j] += a
            kept.append((i, j, a))
    return kept


def _absorbed_grid(cap: pl.DataFrame, absorption: dict | None) -> np.ndarray:
    """Each line's absorbed share of what it is given, on ``models.LEVELS``."""
    share = _num(cap, ABSORB_SHARE)
    if absorption and absorption.get("trained"):
        return AB.share_quantiles(absorption, share)
    lv = np.asarray(M.LEVELS)
    return np.where(share[:, None] > 0, ASSUMED_LOW + (1 - ASSUMED_LOW) * lv[None, :], 0.0)


def effect(
    cap: pl.DataFrame,
    moves: Sequence[tuple[int, int, float]],
    target: float,
    dependence: Dependence,
    absorption: dict | None = None,
    draws: int = DRAWS,
    seed: int = 0,
    agencies: list | None = None,
    lines: list | None = None,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Before and after the transfers, from the same joint draws: the whole and each group."""
    n = cap.height
    budget = _num(cap, s.BUDGET)
    done = _num(cap, engine.DISBURSED_TO_DATE)
    grid = np.column_stack([_num(cap, M.level(M.AMOUNT, q), 1.0) for q in M.LEVELS])
    actual = (cap[engine.BASIS] == engine.ACTUAL).to_numpy()
    floor = np.where(budget > 0, done / np.where(budget > 0, budget, 1), 0)
    k = P.n_draws(n, draws)
    absorbed_grid = _absorbed_grid(cap, absorption)
    ratio, absorbed = P.draw(
        [grid, absorbed_grid],
        agencies or ["?"] * n,
        lines or cap[GROUP].to_list(),
        dependence,
        k,
        seed,
        floor=floor,
    )
    y = np.where(actual[None, :], done[None, :], ratio * budget[None, :])
    delta = np.zeros(n)
    for i, j, a in moves:
        delta[i] -= a
        delta[j] += a
    new_budget = budget + delta
    gets = np.clip(delta, 0, None)
    after = np.where(
        (delta < 0)[None, :],
        np.minimum(y, new_budget[None, :]),
        np.where((delta > 0)[None, :], np.minimum(y, budget[None, :]) + gets[None, :] * absorbed, y),
    )
    gain = np.mean(after - y, axis=0)
    groups = cap[GROUP].to_list()
    rows = [_effect_row(ALL, np.ones(n, bool), budget, y, after, target, float(gets.sum()))]
    for g in sorted(set(groups)):
        m = np.array([x == g for x in groups])
        rows.append(_effect_row(g, m, budget, y, after, target, float(gets[m].sum())))
    schema = {c: pl.Float64 for c in EFFECT_COLUMNS} | {GROUP: pl.String}
    out = pl.DataFrame(rows, schema=schema).with_columns(
        pl.col(c).round(s.DISPLAY_DECIMALS).cast(s.MONEY) for c in EFFECT_MONEY
    )
    return out, gain


def _effect_row(
    g: str, m: np.ndarray, budget: np.ndarray, y: np.ndarray, after: np.ndarray, target: float, moved: float
) -> dict:
    b = float(budget[m].sum())
    before_t, after_t = y[:, m].sum(axis=1), after[:, m].sum(axis=1)
    ub, ua = b - before_t, b - after_t
    return {
        GROUP: g,
        s.BUDGET: b,
        MOVED: moved,
        DISBURSED_P50_BEFORE: float(np.median(before_t)),
        DISBURSED_P50_AFTER: float(np.median(after_t)),
        P_MISS_BEFORE: float(np.mean(before_t < target * b)) if b > 0 else None,
        P_MISS_AFTER: float(np.mean(after_t < target * b)) if b > 0 else None,
        UNUSED_BEFORE: float(np.mean(np.clip(ub, 0, None))),
        UNUSED_P10_BEFORE: float(np.quantile(ub, 0.1)),
        UNUSED_P90_BEFORE: float(np.quantile(ub, 0.9)),
        UNUSED_AFTER: float(np.mean(np.clip(ua, 0, None))),
        UNUSED_P10_AFTER: float(np.quantile(ua, 0.1)),
        UNUSED_P90_AFTER: float(np.quantile(ua, 0.9)),
    }


def _reason(cap: pl.DataFrame, i: int, j: int, appetite: float, unit: AmountUnit, absorption: dict | None) -> Note:
    d, r = cap.row(i, named=True), cap.row(j, named=True)
    words = {"th": unit.words("th"), "en": unit.words("en")}
    common = {
        "donor": {"th": d["name_th"], "en": d[NAME]},
        "receiver": {"th": r["name_th"], "en": r[NAME]},
        "unused": formats.money(float(d[RELEASABLE]), 1),
        "certainty": f"{appetite:.0%}",
        "unit": words,
        "beyond": formats.money(float(r[BEYOND] or 0), 1),
        "rate": formats.money(float(r[MONTHLY] or 0), 1),
        "share": f"{float(r[ABSORB_SHARE]):.0%}",
    }
    if r[ABSORB_BASIS] == HISTORY:
        return Note(REASON_MODEL, {**common, "raises": (absorption or {}).get("raises", 0)})
    if float(r[BEYOND] or 0) <= 0:  # the pace alone: it would pass its budget by the year end
        ahead = float(r[engine.DISBURSED_TO_DATE] or 0) + float(r[MONTHLY] or 0) * int(r[MONTHS_LEFT] or 0)
        excess = formats.money(max(ahead - float(r[s.BUDGET]), 0.0), 1)
        return Note(REASON_PACE, {**common, "excess": excess})
    return Note(REASON_RULE, common)


def given(cap: pl.DataFrame, transfers: pl.DataFrame | Sequence[Mapping]) -> list[tuple[int, int, float]]:
    """Transfers stated by a person (a what-if: from_id, to_id, amount) as rows of ``cap``; unknown projects
    are refused, amounts of 0 left out. A what-if may break the limits: ``check`` says which."""
    rows = transfers.to_dicts() if isinstance(transfers, pl.DataFrame) else list(transfers)
    index = {pid: k for k, pid in enumerate(cap[s.PROJECT_ID].to_list())}
    out = []
    for row in rows:
        a, b = str(row.get(FROM_ID) or ""), str(row.get(TO_ID) or "")
        if a not in index or b not in index:
            raise InputError(f"a transfer names a project that is not in this report: {a or b!r}.")
        amount = float(row.get(AMOUNT) or 0)
        if amount < 0:
            raise InputError(f"a transfer's amount is never negative; got {amount} from {a} to {b}.")
        if amount > 0 and a != b:
            out.append((index[a], index[b], amount))
    return out


def check(cap: pl.DataFrame, moves: Sequence[tuple[int, int, float]], max_transfer_share: float) -> list[Note]:
    """The limits a set of transfers breaks (a what-if may): codes and figures."""
    rel, ab, budget = _num(cap, RELEASABLE), _num(cap, ABSORBABLE), _num(cap, s.BUDGET)
    ids, groups = cap[s.PROJECT_ID].to_list(), cap[GROUP].to_list()
    gives, takes = np.zeros(cap.height), np.zeros(cap.height)
    out = []
    for i, j, a in moves:
        gives[i] += a
        takes[j] += a
        if groups[i] != groups[j]:
            out.append(Note("realloc_break_group", {"donor": ids[i], "receiver": ids[j]}))
        if a > max_transfer_share * budget[i] + 1e-9:
            out.append(
                Note("realloc_break_share", {"donor": ids[i], "share": f"{max_transfer_share:.0%}", "amount": a})
            )
    tol = 1e-9
    out += [
        Note("realloc_break_releasable", {"project": ids[i], "amount": formats.money(rel[i])})
        for i in np.flatnonzero(gives > rel + tol)
    ]
    out += [
        Note("realloc_break_absorbable", {"project": ids[j], "amount": formats.money(ab[j])})
        for j in np.flatnonzero(takes > ab + tol)
    ]
    return out


def plan(
    projection: pl.DataFrame,
    projects: pl.DataFrame,
    target: float,
    dependence: Dependence | None = None,
    within: str = DEFAULT_WITHIN,
    appetite: float = APPETITE,
    max_transfer_share: float = MAX_TRANSFER_SHARE,
    absorption: dict | None = None,
    needs: Mapping[str, float] | None = None,
    unit: AmountUnit | None = None,
    transfers: pl.DataFrame | Sequence[Mapping] | None = None,
    draws: int = DRAWS,
    seed: int = 0,
) -> Plan:
    """Proposed transfers (or, with ``transfers``, a person's what-if) and their effect before and after."""
    unit = unit or AmountUnit()
    dep = dependence or Dependence()
    cap = capacity(projection, projects, within, appetite, absorption, needs)
    notes: list[Note] = []
    if transfers is not None:
        moves = given(cap, transfers)
        notes += check(cap, moves, max_transfer_share)
        if not 0 < max_transfer_share <= 1:
            raise InputError(
                f"the largest transfer is a share of the donor's budget in (0, 1]; got {max_transfer_share}."
            )
    else:
        moves = choose(cap, appetite, max_transfer_share)
    basis = str(cap[ABSORB_BASIS][0]) if cap.height else NO_HISTORY
    if not moves and transfers is None:
        notes.append(_why_none(cap, within, appetite))
    info = projection.join(projects.select(s.PROJECT_ID, s.AGENCY), on=s.PROJECT_ID, how="left")
    agencies = [a or "?" for a in info[s.AGENCY].to_list()] if s.AGENCY in info.columns else None
    eff, _gain = effect(cap, moves, target, dep, absorption, draws, seed, agencies, cap[GROUP].to_list())
    if basis == NO_HISTORY and cap.height:
        notes.append(Note("realloc_assumption"))
    rows = []
    ids, names, groups = cap[s.PROJECT_ID].to_list(), cap[NAME].to_list(), cap[GROUP].to_list()
    share = _num(cap, ABSORB_SHARE)
    for i, j, a in moves:
        reason = _reason(cap, i, j, appetite, unit, absorption)
        rows.append(
            {
                GROUP: groups[i],
                FROM_ID: ids[i],
                FROM_NAME: names[i],
                TO_ID: ids[j],
                TO_NAME: names[j],
                AMOUNT: _money(a),
                EXPECTED_GAIN: _money(a * share[j]),
                REASON_CODE: reason.code,
                REASON_TH: reason.text("th"),
                REASON_EN: reason.text("en"),
            }
        )
    schema = {c: pl.String for c in TRANSFER_COLUMNS} | {AMOUNT: s.MONEY, EXPECTED_GAIN: s.MONEY}
    table = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return Plan(
        table.sort(GROUP, FROM_ID, TO_ID) if rows else table,
        cap.drop(*(M.level(M.AMOUNT, q) for q in M.LEVELS), engine.BASIS),
        eff,
        notes,
        within,
        appetite,
        target,
        max_transfer_share,
        basis,
        P.n_draws(cap.height, draws),
    )


def _why_none(cap: pl.DataFrame, within: str, appetite: float) -> Note:
    rel, ab = _num(cap, RELEASABLE), _num(cap, ABSORBABLE)
    if not (rel > 0).any():
        return Note("realloc_none_" + NONE_RELEASABLE, {"certainty": f"{appetite:.0%}"})
    if not (ab > 0).any():
        return Note("realloc_none_" + NONE_ABSORBABLE, {"releasable": formats.money(float(rel.sum()))})
    return Note("realloc_none_" + NONE_PAIR, {"within": {"th": t(f"within_{within}", "th"), "en": within}})
