"""KPI attainment: value to date against plan, projected year-end value, chance of reaching the target.

KPIs come in three kinds (``kind``), told apart by unit and target:

* ``count`` - numbers that accumulate (persons, services, visits, MTHB): projected as the
  value to date plus the remaining plan delivered at the pace to date, shrunk halfway
  toward the plan (pace factor 0.5 + 0.5 * clip(value / plan to date, 0, 2)); the year-end
  value is log-normal around that with sigma 0.05 + 0.12 per quarter left; with nothing
  planned or reported yet there is no pace to go on and the chance is a prior of 0.80;
* ``level`` - percentages (surveys, completion rates) whose latest value is the level:
  normal around the last value with sigma 2 + 3 points per quarter left; with no value yet
  (survey not run) the chance is a prior of 0.80;
* ``milestone`` - a handful of discrete deliverables (items, use cases, datasets, ...,
  target at most 10): 0.85 when every item planned so far is done, times 0.6 per item behind.

These are the documented rules used when there is no history. With history (complete
fiscal years with KPI results), ``calibrate`` measures how year-end values actually
departed from the rule at each origin quarter and kind, and ``attainment`` uses those
spreads, biases and base rates instead; ``basis`` says which.

A cumulative KPI (count or milestone) whose value to date meets the target is
``reached`` (with the quarter); a level that meets it is only ``on track``, since a level
can still fall.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy.special import ndtr

from forecast.data import schema as s
from forecast.data.snapshot import Snapshot
from forecast.model.models import Z90

KIND = "kind"
VALUE_TO_DATE = "value_to_date"
PLAN_TO_DATE = "plan_to_date"
PLAN_TOTAL = "plan_total"
QUARTER_REPORTED = "quarter_reported"
REACHED_QUARTER = "reached_quarter"
P_ATTAIN = "p_attain"
TIER_EXPECTED = "tier_expected"
STATUS = "status"
BASIS = "basis"
BASIS_TH = "basis_th"
FINAL_VALUE = "final_value"


def projected(p: int) -> str:
    return f"projected_p{p}"


def p_tier(points: int) -> str:
    return f"p_tier_{points}"


COUNT, LEVEL, MILESTONE = "count", "level", "milestone"
REACHED, ON_TRACK, AT_RISK, NO_DATA = "reached", "on track", "at risk", "no data"
STATUSES = (REACHED, ON_TRACK, AT_RISK, NO_DATA)
DISCRETE_UNITS = ("item", "use_case", "dataset", "mechanism", "sector", "domain", "system", "organization")
MILESTONE_MAX = 10
ON_TRACK_FROM = 0.5  # p_attain at or above (at least an even chance): on track; below: at risk

# Rule-based fallback (no history); see the module docstring.
RULES = {
    "count_sigma_base": 0.05,
    "count_sigma_per_quarter": 0.12,
    "count_bias": 0.0,
    "level_sigma_base": 2.0,
    "level_sigma_per_quarter": 3.0,
    "level_bias": 0.0,
    "level_prior": 0.80,
    "count_prior": 0.80,
    "milestone_on_plan": 0.85,
    "milestone_per_item_behind": 0.6,
}

COLUMNS = [
    s.FISCAL_YEAR,
    s.PROJECT_ID,
    s.KPI_ID,
    s.NAME_EN,
    s.UNIT,
    s.TARGET,
    VALUE_TO_DATE,
    projected(10),
    projected(50),
    projected(90),
    P_ATTAIN,
    TIER_EXPECTED,
    STATUS,
    BASIS,
]
EXTRA = [
    s.NAME_TH,
    BASIS_TH,
    KIND,
    s.COMPARATOR,
    QUARTER_REPORTED,
    PLAN_TO_DATE,
    PLAN_TOTAL,
    REACHED_QUARTER,
    *s.TIERS.values(),
    *(p_tier(p) for p in s.TIERS),
]


def progress(kpis: pl.DataFrame, results: pl.DataFrame, origin: int | None = None) -> pl.DataFrame:
    """One row per KPI: kind, value to date, plan to date and total, the quarter it was reached.

    ``origin`` fixes the last known quarter for every KPI (history calibration); by default
    it is each project-year's last quarter with any KPI result.
    """
    key = [s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID]
    res = results.lazy()
    if origin is not None:
        res = res.filter(pl.col(s.QUARTER) <= origin)
    last_q = (
        res.group_by(s.FISCAL_YEAR, s.PROJECT_ID).agg(pl.col(s.QUARTER).max().alias(QUARTER_REPORTED))
        if origin is None
        else None
    )
    k = kpis.lazy()
    k = (
        k.join(last_q, on=[s.FISCAL_YEAR, s.PROJECT_ID], how="left")
        if last_q is not None
        else k.with_columns(pl.lit(origin, pl.Int8).alias(QUARTER_REPORTED))
    )
    q = pl.col(QUARTER_REPORTED).fill_null(0).cast(pl.Int8)
    meets_value = (
        pl.when(pl.col(s.COMPARATOR) == ">")
        .then(pl.col(s.VALUE) > pl.col(s.TARGET))
        .otherwise(pl.col(s.VALUE) >= pl.col(s.TARGET))
    )
    vals = (
        res.join(k.select(*key, s.TARGET, s.COMPARATOR), on=key, how="inner")
        .sort([*key, s.QUARTER])
        .group_by(key)
        .agg(
            pl.col(s.VALUE).drop_nulls().last().alias(VALUE_TO_DATE),
            pl.col(s.QUARTER).filter(meets_value.fill_null(False)).min().alias(REACHED_QUARTER),
        )
    )
    plans = [pl.col(p) for p in s.PLAN_Q]
    due = [pl.when(pl.lit(i + 1) <= q).then(p) for i, p in enumerate(plans)]
    cumulative = pl.col(s.PLAN_IS_CUMULATIVE)
    discrete = pl.col(s.UNIT).is_in(list(DISCRETE_UNITS)) & (pl.col(s.TARGET) <= MILESTONE_MAX)
    return (
        k.join(vals, on=key, how="left")
        .with_columns(
            q.alias(QUARTER_REPORTED),
            pl.when(pl.col(s.UNIT) == "percent")
            .then(pl.lit(LEVEL))
            .when(discrete)
            .then(pl.lit(MILESTONE))
            .otherwise(pl.lit(COUNT))
            .alias(KIND),
            pl.when(cumulative)
            .then(pl.max_horizontal(due).fill_null(0.0))
            .otherwise(pl.sum_horizontal(due))
            .alias(PLAN_TO_DATE),
            pl.when(cumulative)
            .then(pl.coalesce(*reversed(plans), pl.col(s.TARGET)))
            .otherwise(
                pl.when(pl.any_horizontal(p.is_not_null() for p in plans))
                .then(pl.sum_horizontal(plans))
                .otherwise(pl.col(s.TARGET))
            )
            .alias(PLAN_TOTAL),
        )
        .sort(key)
        .collect()
    )


def _meets(value: np.ndarray, target: np.ndarray, comparator: np.ndarray) -> np.ndarray:
    return np.where(comparator == ">", value > target, value >= target)


def _p_at_least(threshold: np.ndarray, mid: np.ndarray, sigma: np.ndarray, log: np.ndarray) -> np.ndarray:
    """P(year-end value >= threshold) under a normal (levels) or log-normal (counts) spread."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z_log = (np.log(np.maximum(mid, 1e-9)) - np.log(np.maximum(threshold, 1e-9))) / sigma
        z_lin = (mid - threshold) / sigma
    return ndtr(np.where(log, z_log, z_lin))


def _params(calibration: dict | None, kind: str, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Spread and bias per row for ``kind`` at each origin quarter: calibrated where history gave them."""
    left = np.clip(4 - q, 0, 4)
    rule_sigma = RULES[f"{kind}_sigma_base"] + RULES[f"{kind}_sigma_per_quarter"] * left
    sigma, bias, fitted = rule_sigma.astype(float), np.full(q.shape, RULES[f"{kind}_bias"], float), False
    for origin, c in ((calibration or {}).get(kind) or {}).items():
        at = q == int(origin)
        if at.any() and c.get("n", 0) >= 20:
            sigma[at], bias[at], fitted = max(c["sigma"], 1e-3), c["bias"], True
    return sigma, bias, fitted


def _base_rate(calibration: dict | None, name: str, rule: float) -> tuple[float, bool]:
    c = (calibration or {}).get(name)
    return (c["rate"], True) if c and c.get("n", 0) >= 20 else (rule, False)


def project(prog: pl.DataFrame, calibration: dict | None = None, explain: bool = True) -> pl.DataFrame:
    """Projected year-end values (p10/p50/p90), chances of the target and tiers, status and basis.

    ``explain=False`` leaves ``basis`` empty (calibration and backtests need only the numbers).
    """
    n = prog.height
    kind = prog[KIND].to_numpy()
    q = prog[QUARTER_REPORTED].to_numpy().astype(int)
    left = np.clip(4 - q, 0, 4)
    target = prog[s.TARGET].to_numpy().astype(float)
    comp = prog[s.COMPARATOR].to_numpy()
    raw = prog[VALUE_TO_DATE].cast(pl.Float64).fill_null(np.nan).to_numpy()
    known = np.isfinite(raw)
    value = np.where(known, raw, 0.0)
    plan_to_date = prog[PLAN_TO_DATE].cast(pl.Float64).fill_null(0).to_numpy()
    plan_total = prog[PLAN_TOTAL].cast(pl.Float64).fill_null(np.nan).to_numpy()
    plan_total = np.where(np.isfinite(plan_total), plan_total, target)
    reached = prog[REACHED_QUARTER].is_not_null().to_numpy() & (kind != LEVEL)

    mid, lo, hi = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    p = np.full(n, np.nan)
    sigma_all, log_all = np.ones(n), np.zeros(n, bool)
    basis = np.full(n, "", dtype=object)
    basis_th = np.full(n, "", dtype=object)

    # counts
    c = kind == COUNT
    sig, bias, fitted = _params(calibration, COUNT, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(plan_to_date > 0, value / plan_to_date, np.nan)
    factor = np.where(np.isfinite(pace), 0.5 + 0.5 * np.clip(pace, 0, 2), 1.0)
    remaining = np.maximum(np.maximum(plan_total, target) - np.maximum(plan_to_date, 0), 0)
    remaining = np.where(left > 0, remaining, 0)
    m = (value + remaining * factor) * np.exp(bias)
    mid[c], sigma_all[c], log_all[c] = np.maximum(m, value)[c], np.where(left > 0, sig, 1e-6)[c], True
    lo[c] = np.maximum(value, mid * np.exp(-Z90 * sigma_all))[c]
    hi[c] = (mid * np.exp(Z90 * sigma_all))[c]
    count_prior, count_prior_fitted = _base_rate(calibration, "count_no_pace", RULES["count_prior"])
    no_pace = ~np.isfinite(pace) & (value <= 0)
    p[c] = np.where(no_pace, count_prior, _p_at_least(target, mid, sigma_all, log_all))[c]
    how = "history-calibrated spread" if fitted else "rule: remaining plan at the pace to date (no history)"
    how_th = "ช่วงความคลาดเคลื่อนสอบเทียบจากข้อมูลย้อนหลัง" if fitted else "กฎ: แผนที่เหลือตามอัตราที่ทำได้ (ไม่มีข้อมูลย้อนหลัง)"
    prior_th = "อัตราจากข้อมูลย้อนหลัง" if count_prior_fitted else "ค่าสมมติ (ไม่มีข้อมูลย้อนหลัง)"
    for i in np.flatnonzero(c) if explain else ():
        if no_pace[i]:
            basis[i] = f"nothing planned or reported by Q{q[i]}; chance {count_prior:.2f} = " + (
                "historical rate" if count_prior_fitted else "assumed prior (no history)"
            )
            basis_th[i] = f"ยังไม่มีแผนหรือผลถึงไตรมาส {q[i]}; โอกาส {count_prior:.2f} = {prior_th}"
        elif known[i]:
            basis[i] = f"{_num(value[i])} of {_num(target[i])} to Q{q[i]} vs {_num(plan_to_date[i])} planned; " + how
            basis_th[i] = (
                f"ผล {_num(value[i])} จากเป้าหมาย {_num(target[i])} ถึงไตรมาส {q[i]} เทียบกับแผน "
                f"{_num(plan_to_date[i])}; {how_th}"
            )
        else:
            basis[i], basis_th[i] = f"no value reported yet; {how}", f"ยังไม่มีผลรายงาน; {how_th}"

    # levels
    lv = kind == LEVEL
    sig, bias, fitted = _params(calibration, LEVEL, q)
    prior, prior_fitted = _base_rate(calibration, "level_no_value", RULES["level_prior"])
    mid[lv] = np.where(known, raw + bias, np.nan)[lv]
    sigma_all[lv] = np.where(left > 0, sig, 0.5)[lv]
    lo[lv] = np.clip(mid - Z90 * sigma_all, 0, 100)[lv]
    hi[lv] = np.clip(mid + Z90 * sigma_all, 0, 100)[lv]
    p_level = np.where(known, _p_at_least(target + np.where(comp == ">", 1e-9, 0), mid, sigma_all, log_all), prior)
    p[lv] = p_level[lv]
    for i in np.flatnonzero(lv) if explain else ():
        if known[i]:
            basis[i] = f"last value {_num(raw[i])}% vs target {_num(target[i])}% (a level; can still change); " + (
                "history-calibrated spread" if fitted else "rule spread (no history)"
            )
            basis_th[i] = f"ค่าล่าสุดร้อยละ {_num(raw[i])} เทียบกับเป้าหมายร้อยละ {_num(target[i])} (เป็นระดับ อาจเปลี่ยนได้); " + (
                "ช่วงสอบเทียบจากข้อมูลย้อนหลัง" if fitted else "ช่วงตามกฎ (ไม่มีข้อมูลย้อนหลัง)"
            )
        else:
            basis[i] = f"not yet measured (survey not yet run); chance {prior:.2f} = " + (
                "historical rate" if prior_fitted else "assumed prior (no history)"
            )
            basis_th[i] = f"ยังไม่ได้วัดผล (ยังไม่ได้สำรวจ); โอกาส {prior:.2f} = " + (
                "อัตราจากข้อมูลย้อนหลัง" if prior_fitted else "ค่าสมมติ (ไม่มีข้อมูลย้อนหลัง)"
            )

    # milestones
    ms = kind == MILESTONE
    on_plan, on_plan_fitted = _base_rate(calibration, "milestone_on_plan", RULES["milestone_on_plan"])
    behind = np.maximum(np.ceil(plan_to_date - value), 0)
    p_ms = np.where(left > 0, on_plan * RULES["milestone_per_item_behind"] ** behind, 0.0)
    p[ms] = p_ms[ms]
    mid[ms] = np.where(p_ms >= 0.5, np.maximum(target, value), value + np.maximum(target - value - 1, 0))[ms]
    lo[ms], hi[ms] = value[ms], np.maximum(target, value)[ms]
    for i in np.flatnonzero(ms) if explain else ():
        basis[i] = (
            f"{_num(value[i])} of {_num(target[i])} done to Q{q[i]}, {_num(plan_to_date[i])} planned by now"
            + (f" ({int(behind[i])} behind)" if behind[i] else "")
            + (f"; stage rule, on-plan rate {on_plan:.2f} from history" if on_plan_fitted else "; stage rule")
        )
        basis_th[i] = (
            f"แล้วเสร็จ {_num(value[i])} จาก {_num(target[i])} ถึงไตรมาส {q[i]} แผนถึงขณะนี้ {_num(plan_to_date[i])}"
            + (f" (ช้ากว่าแผน {int(behind[i])})" if behind[i] else "")
            + (f"; กฎตามขั้นตอน อัตราตามแผน {on_plan:.2f} จากข้อมูลย้อนหลัง" if on_plan_fitted else "; กฎตามขั้นตอน")
        )

    # reached and finished years
    meets_now = _meets(value, target, comp) & known
    done = reached | ((left == 0) & known)
    p = np.where(reached, 1.0, np.where((left == 0) & known, meets_now.astype(float), p))
    for arr in (lo, mid, hi):
        arr[done] = np.where(kind == LEVEL, raw, value)[done]
    reached_q = prog[REACHED_QUARTER].to_numpy()
    for i in np.flatnonzero(reached) if explain else ():
        basis[i] = f"reached in Q{int(reached_q[i])}: {_num(value[i])} vs target {_num(target[i])}"
        basis_th[i] = f"บรรลุแล้วในไตรมาส {int(reached_q[i])}: {_num(value[i])} เทียบกับเป้าหมาย {_num(target[i])}"

    # no data: nothing measured where a value was due (or a level not yet measured)
    unjudged = ~known & ((plan_to_date > 0) | (kind == LEVEL))
    status = np.where(reached, REACHED, np.where(unjudged, NO_DATA, np.where(p >= ON_TRACK_FROM, ON_TRACK, AT_RISK)))
    tiers = {pts: prog[col].cast(pl.Float64).fill_null(np.nan).to_numpy() for pts, col in s.TIERS.items()}
    p_tiers = {}
    for pts, thr in tiers.items():
        pt = np.where(
            np.isfinite(thr), _p_at_least(thr, np.where(np.isfinite(mid), mid, 0), sigma_all, log_all), np.nan
        )
        pt = np.where(
            np.isfinite(thr) & (done | reached), (np.where(kind == LEVEL, raw, value) >= thr).astype(float), pt
        )
        p_tiers[pts] = np.where(np.isfinite(thr) & ~known & (kind == LEVEL), np.nan, pt)
    has_tiers = np.any([np.isfinite(t) for t in tiers.values()], axis=0)
    expected = np.zeros(n)
    for pts, thr in sorted(tiers.items()):
        expected = np.where(np.isfinite(thr) & np.isfinite(mid) & (mid >= thr), pts, expected)
    tier_expected = np.where(has_tiers & np.isfinite(mid), expected, np.nan)

    return prog.with_columns(
        pl.Series(projected(10), lo),
        pl.Series(projected(50), mid),
        pl.Series(projected(90), hi),
        pl.Series(P_ATTAIN, np.clip(p, 0, 1)),
        pl.Series(TIER_EXPECTED, tier_expected).fill_nan(None).cast(pl.Int8),
        pl.Series(STATUS, status),
        pl.Series(BASIS, basis.astype(str)),
        pl.Series(BASIS_TH, basis_th.astype(str)),
        *(pl.Series(p_tier(pts), v).fill_nan(None) for pts, v in p_tiers.items()),
    ).with_columns(*(pl.col(projected(p)).fill_nan(None) for p in (10, 50, 90)))


def _num(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.2f}"


def attainment(snap: Snapshot, calibration: dict | None = None) -> pl.DataFrame:
    """Every KPI of the snapshot's latest fiscal year, with its projection and chance."""
    year = snap.fiscal_year
    kpis = snap.kpis.filter(pl.col(s.FISCAL_YEAR) == year) if year is not None else None
    if kpis is None or kpis.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in COLUMNS})
    results = snap.kpi_results.filter(pl.col(s.FISCAL_YEAR) == year)
    out = project(progress(kpis, results), calibration)
    return out.select(*COLUMNS, *EXTRA)


def calibrate(kpis: pl.DataFrame, results: pl.DataFrame) -> dict:
    """Spreads, biases and base rates of the rules, measured on complete fiscal years of history."""
    final = results.filter(pl.col(s.QUARTER) == 4).select(
        s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID, pl.col(s.VALUE).alias(FINAL_VALUE)
    )
    out: dict = {COUNT: {}, LEVEL: {}}
    no_value, on_plan, no_pace = [], [], []
    for q in (1, 2, 3):
        prog = (
            progress(kpis, results, origin=q)
            .join(final, on=[s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID], how="inner")
            .filter(pl.col(FINAL_VALUE).is_not_null())
        )
        if prog.is_empty():
            continue
        ruled = project(prog, explain=False)
        y = ruled[FINAL_VALUE].to_numpy()
        mid = ruled[projected(50)].cast(pl.Float64).fill_null(np.nan).to_numpy()
        kind = ruled[KIND].to_numpy()
        open_ = ~ruled[REACHED_QUARTER].is_not_null().to_numpy()
        c = (kind == COUNT) & open_ & np.isfinite(mid) & (mid > 0) & (y > 0)
        if c.sum() >= 2:
            r = np.log(y[c] / mid[c])
            out[COUNT][str(q)] = {
                "bias": float(np.median(r)),
                "sigma": float(np.std(r - np.median(r))),
                "n": int(c.sum()),
            }
        lv = (kind == LEVEL) & np.isfinite(mid)
        if lv.sum() >= 2:
            r = y[lv] - mid[lv]
            out[LEVEL][str(q)] = {"bias": float(np.mean(r)), "sigma": float(np.std(r)), "n": int(lv.sum())}
        met = _meets(y, ruled[s.TARGET].to_numpy(), ruled[s.COMPARATOR].to_numpy())
        no_value.append(met[(kind == LEVEL) & ~np.isfinite(mid)])
        pt = ruled[PLAN_TO_DATE].to_numpy()
        v = ruled[VALUE_TO_DATE].cast(pl.Float64).fill_null(0).to_numpy()
        on_plan.append(met[(kind == MILESTONE) & open_ & (v >= pt)])
        no_pace.append(met[(kind == COUNT) & (pt <= 0) & (v <= 0)])
    for name, parts in (("level_no_value", no_value), ("milestone_on_plan", on_plan), ("count_no_pace", no_pace)):
        got = np.concatenate(parts) if parts else np.array([])
        if got.size:
            out[name] = {"rate": float(got.mean()), "n": int(got.size)}
    return out


def backtest(kpis: pl.DataFrame, results: pl.DataFrame) -> pl.DataFrame:
    """Brier score and AUC of p_attain at origins 1-3 on each history year after the first, by the
    rules alone and calibrated on the years before; one row per origin and method."""
    from sklearn.metrics import roc_auc_score

    years = sorted(kpis[s.FISCAL_YEAR].unique().to_list())
    key = [s.FISCAL_YEAR, s.PROJECT_ID, s.KPI_ID]
    final = results.filter(pl.col(s.QUARTER) == 4).select(*key, pl.col(s.VALUE).alias(FINAL_VALUE))
    rows = []
    for q in (1, 2, 3):
        got: dict[str, list[np.ndarray]] = {"rules": [], "calibrated": []}
        truth = []
        for i in range(1, len(years)):
            past = [pl.col(s.FISCAL_YEAR) < years[i]]
            cal = calibrate(kpis.filter(*past), results.filter(*past))
            now_k = kpis.filter(pl.col(s.FISCAL_YEAR) == years[i])
            prog = (
                progress(now_k, results.filter(pl.col(s.FISCAL_YEAR) == years[i]), origin=q)
                .join(final, on=key, how="inner")
                .filter(pl.col(FINAL_VALUE).is_not_null())
            )
            if prog.is_empty():
                continue
            truth.append(
                _meets(prog[FINAL_VALUE].to_numpy(), prog[s.TARGET].to_numpy(), prog[s.COMPARATOR].to_numpy()).astype(
                    float
                )
            )
            got["rules"].append(project(prog, explain=False)[P_ATTAIN].to_numpy())
            got["calibrated"].append(project(prog, cal, explain=False)[P_ATTAIN].to_numpy())
        if not truth:
            continue
        y = np.concatenate(truth)
        for method, parts in got.items():
            p = np.concatenate(parts)
            rows.append(
                {
                    "origin_quarter": q,
                    "method": method,
                    "n": int(y.size),
                    "attain_rate": float(y.mean()),
                    "mean_p_attain": float(p.mean()),
                    "brier": float(np.mean((p - y) ** 2)),
                    "auc": float(roc_auc_score(y, p)) if 0 < y.sum() < y.size else None,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "origin_quarter": pl.Int8,
            "method": pl.String,
            "n": pl.Int64,
            "attain_rate": pl.Float64,
            "mean_p_attain": pl.Float64,
            "brier": pl.Float64,
            "auc": pl.Float64,
        },
    )
