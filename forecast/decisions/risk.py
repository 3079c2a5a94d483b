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
(shares of budget to one decimal, MTHB to four as printed), in Thai and English.
The ranking sorts by risk_score, then p_miss_disbursement, then project_id, so ties
are broken the same way every time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from forecast.model import engine
from forecast.decisions import kpi
from forecast.model import features as F
from forecast.model import models as M
from forecast.data import schema as s

RANK = "rank"
RISK_SCORE = "risk_score"
LEVEL = "level"
P_MISS_DISBURSEMENT = engine.P_MISS_DISBURSEMENT
P_MISS_SPEND = "p_miss_spend"
P_MISS_KPI = "p_miss_kpi"
DRIVERS = "drivers"
DRIVERS_TH, DRIVERS_EN = "drivers_th", "drivers_en"
PREVIOUS_RANK = "previous_rank"
RANK_CHANGE = "rank_change"
PREVIOUS_LEVEL = "previous_level"
NEW_HIGH = "new_high"
HIGH, MEDIUM, LOW = "high", "medium", "low"
LEVEL_TH = {HIGH: "สูง", MEDIUM: "ปานกลาง", LOW: "ต่ำ"}

COLUMNS = [RANK, s.PROJECT_ID, s.NAME_EN, s.NAME_TH, RISK_SCORE, LEVEL, P_MISS_DISBURSEMENT, P_MISS_SPEND,
           P_MISS_KPI, DRIVERS]


@dataclass(frozen=True)
class RiskPolicy:
    """What counts as missing, how the score weighs it, and the level cut-offs.

    ``quarterly_targets`` optionally gives the cumulative disbursement share expected by the
    end of each quarter (e.g. (0.30, 0.52, 0.75, 0.93)); a project behind it gets a driver.
    """

    target: float = F.CABINET_TARGET
    quarterly_targets: tuple[float, float, float, float] | None = None
    weight_disbursement: float = 0.5
    weight_spend: float = 0.2
    weight_kpi: float = 0.3
    high_from: float = 0.60
    medium_from: float = 0.35
    max_drivers: int = 3

    def level(self, score: np.ndarray) -> np.ndarray:
        return np.where(score >= self.high_from, HIGH, np.where(score >= self.medium_from, MEDIUM, LOW))


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def chance(p: float) -> str:
    return ">99%" if p >= 0.995 else "<1%" if p <= 0.005 else f"{p:.0%}"


def _mthb(x: float) -> str:
    return f"{x:,.4f}"


def _drivers(r: dict, kpis: list[dict], policy: RiskPolicy) -> tuple[list[str], list[str]]:
    """(Thai, English) reasons, largest weight first."""
    out: list[tuple[float, str, str]] = []
    q = int(r[F.ORIGIN])
    if q == 0:
        out.append((0.5, "ยังไม่มีรายงานผลการใช้จ่าย", "no spending reported yet"))
    d, plan = r[F.share(F.cum(s.DISBURSED))] or 0.0, r[F.share(F.cum(s.PLAN))] or 0.0
    gap = plan - d
    if q and gap > 0.05:
        out.append((gap, f"เบิกจ่ายแล้ว {_pct(d)} ของงบประมาณ ({_mthb(float(r['disbursed_to_date']))} ล้านบาท) "
                         f"เทียบกับแผนสะสม {_pct(plan)}",
                    f"disbursed {_pct(d)} of budget ({_mthb(float(r['disbursed_to_date']))} MTHB) vs "
                    f"{_pct(plan)} planned to date"))
    if policy.quarterly_targets and 1 <= q <= 4:
        due = policy.quarterly_targets[q - 1]
        if d < due:
            out.append((due - d, f"เบิกจ่าย {_pct(d)} ต่ำกว่าเป้าหมายไตรมาส {q} ที่ {_pct(due)}",
                        f"disbursed {_pct(d)}, below the Q{q} target of {_pct(due)}"))
    p_d = r[P_MISS_DISBURSEMENT]
    if q < 4 and p_d >= 0.2:
        lo, mid, hi = (r[M.band(s.DISBURSED, p)] for p in M.BANDS)
        out.append((p_d, f"คาดว่าสิ้นปีจะเบิกจ่ายได้ {_pct(mid)} ของงบประมาณ (ช่วง {_pct(lo)}–{_pct(hi)}) "
                         f"เทียบกับเป้าหมาย {_pct(policy.target)}; โอกาสไม่ถึงเป้า {chance(p_d)}",
                    f"projected year-end disbursement {_pct(mid)} of budget (p10-p90 {_pct(lo)}-{_pct(hi)}) vs "
                    f"the {_pct(policy.target)} target; chance of missing {chance(p_d)}"))
    owed = r[F.share(F.cum(s.COMMITTED))] or 0.0
    if q < 4 and owed > 0.15:
        conv = r[F.CONVERSION]
        slow = conv is not None and np.isfinite(conv) and conv < 1
        paid = f"; ไตรมาส {q} เบิกจ่ายได้เท่ากับ {conv:.0%} ของภาระผูกพันยกมา" if slow else ""
        paid_en = f"; Q{q} payments equalled {conv:.0%} of the commitments carried in" if slow else ""
        out.append((0.6 * owed, f"มีภาระผูกพันที่ยังไม่เบิกจ่าย {_mthb(r[F.cum(s.COMMITTED)])} ล้านบาท "
                                f"({_pct(owed)} ของงบประมาณ){paid}",
                    f"{_mthb(r[F.cum(s.COMMITTED)])} MTHB ({_pct(owed)} of budget) committed but not yet paid{paid_en}"))
    p_s = r[P_MISS_SPEND]
    spend = r[M.band(s.SPEND, 50)]
    if p_s >= 0.5 and spend < 0.995:
        unused = (1 - spend) * float(r[s.BUDGET])
        out.append((p_s * (1 - spend) * 2, f"คาดว่าสิ้นปีจะใช้จ่าย {_pct(spend)} ของงบประมาณ "
                                           f"อาจเหลือเงินไม่ได้ใช้ประมาณ {unused:,.1f} ล้านบาท",
                    f"projected year-end spend {_pct(spend)} of budget: about {unused:,.1f} MTHB may go unused"))
    left = r[F.QUARTERS_LEFT] or 0
    if q and left > 0 and d < policy.target:
        need = (policy.target - d) / left
        so_far = d / q
        if need > 1.5 * so_far and need > 0.1:
            out.append((min(0.9, need), f"ต้องเบิกจ่ายไตรมาสละ {_pct(need)} ของงบประมาณจึงจะถึง {_pct(policy.target)} "
                                        f"ขณะที่ผ่านมาเฉลี่ยไตรมาสละ {_pct(so_far)}",
                        f"needs {_pct(need)} of budget disbursed per remaining quarter to reach "
                        f"{_pct(policy.target)}; so far {_pct(so_far)} per quarter"))
    mom = r[F.momentum(s.DISBURSED)]
    if q >= 2 and mom is not None and mom < -0.05:
        out.append((-mom, f"การเบิกจ่ายไตรมาส {q} ลดลง {_pct(-mom)} ของงบประมาณจากไตรมาสก่อน",
                    f"disbursement in Q{q} fell by {_pct(-mom)} of budget from the quarter before"))
    restated = r[F.RESTATED_SHARE] or 0.0
    if restated > 0.01:
        amount = restated * float(r[s.BUDGET])
        out.append((0.1 + restated, f"ตัวเลขเบิกจ่ายสะสมถูกปรับปรุงระหว่างรายงาน {_mthb(amount)} ล้านบาท",
                    f"disbursement to date restated by {_mthb(amount)} MTHB between reports"))
    for k in kpis:
        if k[kpi.STATUS] in (kpi.AT_RISK, kpi.NO_DATA) and k[kpi.P_ATTAIN] < 0.75:
            p = k[kpi.P_ATTAIN]
            out.append((0.9 * (1 - p), f"ตัวชี้วัด {k[s.KPI_ID]} \"{k[s.NAME_TH]}\": โอกาสถึงเป้า {chance(p)} ({k[kpi.BASIS]})",
                        f"KPI {k[s.KPI_ID]} \"{k[s.NAME_EN] or k[s.NAME_TH]}\": chance of reaching the target "
                        f"{chance(p)} ({k[kpi.BASIS]})"))
    out.sort(key=lambda x: -x[0])
    top = out[:policy.max_drivers]
    if not top:
        return ([f"ไม่พบสัญญาณเสี่ยง: เบิกจ่าย {_pct(d)} เทียบกับแผนสะสม {_pct(plan)}"],
                [f"no warning sign: disbursed {_pct(d)} vs {_pct(plan)} planned to date"])
    return [x[1] for x in top], [x[2] for x in top]


def assess(store, as_of="latest", policy: RiskPolicy | None = None, models="active",
           projection: pl.DataFrame | None = None, kpis: pl.DataFrame | None = None) -> pl.DataFrame:
    """The risk table of the latest fiscal year (unsorted by rank), with drivers in both languages."""
    policy = policy or RiskPolicy()
    ms = engine.active_models(store) if models == "active" else models
    proj = projection if projection is not None else engine.project(store, as_of, ms, threshold=policy.target)
    if proj.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in COLUMNS})
    if kpis is None:
        kpis = kpi.attainment(store, as_of, calibration=(ms.manifest.get("kpi_calibration") if ms else None))
    by = [s.FISCAL_YEAR, s.PROJECT_ID]
    p_kpi = (kpis.group_by(by).agg((1 - pl.col(kpi.P_ATTAIN).fill_null(0.5).product()).alias(P_MISS_KPI))
             if not kpis.is_empty() else pl.DataFrame(schema={**{c: proj.schema[c] for c in by}, P_MISS_KPI: pl.Float64}))
    names = store.read("projects", as_of).select(*by, s.NAME_TH, s.PLAN_LINE)
    df = (proj.join(names, on=by, how="left").join(p_kpi.cast({s.FISCAL_YEAR: proj.schema[s.FISCAL_YEAR]}), on=by,
                                                 how="left")
          .with_columns(pl.col(P_MISS_KPI).fill_null(0.0), pl.col(engine.P_SPEND_BELOW_BUDGET).alias(P_MISS_SPEND)))
    score = (policy.weight_disbursement * df[P_MISS_DISBURSEMENT].to_numpy()
             + policy.weight_spend * df[P_MISS_SPEND].to_numpy() + policy.weight_kpi * df[P_MISS_KPI].to_numpy())
    score = np.clip(score / (policy.weight_disbursement + policy.weight_spend + policy.weight_kpi), 0, 1)
    per_project: dict[str, list[dict]] = {}
    worth = kpis.filter(pl.col(kpi.STATUS).is_in([kpi.AT_RISK, kpi.NO_DATA]) & (pl.col(kpi.P_ATTAIN) < 0.75)) \
        if not kpis.is_empty() else kpis
    for k in worth.select(s.PROJECT_ID, s.KPI_ID, s.NAME_TH, s.NAME_EN, kpi.STATUS, kpi.P_ATTAIN, kpi.BASIS) \
            .iter_rows(named=True) if not worth.is_empty() else ():
        per_project.setdefault(k[s.PROJECT_ID], []).append(k)
    th, en = [], []
    for r in df.select(_DRIVER_INPUTS).iter_rows(named=True):
        a, b = _drivers(r, per_project.get(r[s.PROJECT_ID], []), policy)
        th.append(_SEP.join(a))
        en.append(_SEP.join(b))
    return df.with_columns(pl.Series(RISK_SCORE, score), pl.Series(LEVEL, policy.level(score)),
                           pl.Series(DRIVERS_TH, th).str.split(_SEP), pl.Series(DRIVERS_EN, en).str.split(_SEP))


_SEP = "\x1f"  # joins a project's reasons while building the column (a control character no text holds)
_DRIVER_INPUTS = [s.PROJECT_ID, s.BUDGET, F.ORIGIN, "disbursed_to_date", P_MISS_DISBURSEMENT, P_MISS_SPEND,
                  F.share(F.cum(s.DISBURSED)), F.share(F.cum(s.PLAN)), F.cum(s.COMMITTED),
                  F.share(F.cum(s.COMMITTED)), F.CONVERSION, F.QUARTERS_LEFT, F.momentum(s.DISBURSED),
                  F.RESTATED_SHARE, *(M.band(f, p) for f in M.TARGET_FLOWS for p in M.BANDS)]


def rank(store, as_of="latest", policy: RiskPolicy | None = None, lang: str = "th", models="active",
         compare_to=None) -> pl.DataFrame:
    """Projects by risk, highest first: the ``forecast rank`` columns (drivers in ``lang``), plus the
    probabilities' inputs; with ``compare_to`` (a report date, "previous" or a store vintage number)
    the previous rank, the move and whether the project is newly high-risk."""
    risk = assess(store, as_of, policy, models)
    if risk.is_empty():
        return risk
    out = ranked(risk, lang)
    if compare_to is None:
        return out
    before_date = resolve_compare(store, as_of, compare_to)
    before = ranked(assess(store, before_date, policy, models), lang)
    return changes(out, before).with_columns(pl.lit(before_date).alias("compared_to"))


def changes(now: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """A ranking with the earlier ranking's rank and level, the move, and whether it is newly high-risk."""
    earlier = before.select(s.PROJECT_ID, pl.col(RANK).alias(PREVIOUS_RANK), pl.col(LEVEL).alias(PREVIOUS_LEVEL))
    return (now.join(earlier, on=s.PROJECT_ID, how="left", maintain_order="left")
            .with_columns((pl.col(PREVIOUS_RANK) - pl.col(RANK)).alias(RANK_CHANGE),
                          ((pl.col(LEVEL) == HIGH) & (pl.col(PREVIOUS_LEVEL).fill_null("") != HIGH)).alias(NEW_HIGH)))


def ranked(risk: pl.DataFrame, lang: str) -> pl.DataFrame:
    """An ``assess`` table in rank order (ties: p_miss_disbursement, then project_id), drivers joined in ``lang``."""
    col = DRIVERS_TH if lang == "th" else DRIVERS_EN
    return (risk.sort([RISK_SCORE, P_MISS_DISBURSEMENT, s.PROJECT_ID], descending=[True, True, False])
            .with_row_index(RANK, offset=1).with_columns(pl.col(RANK).cast(pl.Int32),
                                                          pl.col(col).list.join(" | ").alias(DRIVERS))
            .select(*COLUMNS, pl.exclude(COLUMNS)))


def resolve_compare(store, as_of, compare_to) -> dt.date:
    """The report date to compare with: a date, "previous" (the report before ``as_of``) or a vintage number."""
    dates = store.report_dates()
    current = store.report_date(as_of)
    text = str(compare_to).strip()
    if text == "previous":
        earlier = [d for d in dates if d < current]
        if not earlier:
            raise ValueError(f"--compare-to previous: there is no report before {current}; "
                             f"report dates in the store: {', '.join(map(str, dates))}.")
        return earlier[-1]
    if text.isdigit():
        found = [m for m in store.manifests() if int(m["vintage"]) == int(text)]
        if not found or not found[0]["report_dates"]:
            raise ValueError(f"--compare-to {text}: no store vintage {text} with report dates; see `forecast vintages`.")
        return dt.date.fromisoformat(max(found[0]["report_dates"]))
    return _date(text)


def _date(text) -> dt.date:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"expected a report date such as 2025-12-30, 'previous' or a vintage number; got {text!r}.")


def what_if(row: dict, remaining: float, policy: RiskPolicy | None = None) -> dict:
    """Year-end disbursed and risk if ``remaining`` MTHB is disbursed in the quarters left.

    ``row`` is one project of ``assess``/``rank``. The projected range keeps its width and
    moves to centre on disbursed to date + ``remaining``; P(miss) is read off a normal with
    that range as its p10-p90; the score and level are recomputed with the other two
    probabilities unchanged.
    """
    policy = policy or RiskPolicy()
    budget = float(row[s.BUDGET])
    done = float(row["disbursed_to_date"])
    mid = min(done + max(remaining, 0.0), budget * 1.5)
    lo_s, mid_s, hi_s = (row[M.band(s.DISBURSED, p)] for p in M.BANDS)
    shift = mid / budget - mid_s
    lo, hi = max(lo_s + shift, done / budget), hi_s + shift
    from scipy.stats import norm

    sd = max((hi - lo) / (2 * 1.2816), 1e-6)
    p_miss = float(norm.cdf((policy.target - mid / budget) / sd)) if row[F.QUARTERS_LEFT] else float(
        mid / budget < policy.target)
    total = policy.weight_disbursement + policy.weight_spend + policy.weight_kpi
    score = (policy.weight_disbursement * p_miss + policy.weight_spend * row[P_MISS_SPEND]
             + policy.weight_kpi * row[P_MISS_KPI]) / total
    return {"disbursed_p10": lo * budget, "disbursed_p50": mid, "disbursed_p90": hi * budget,
            P_MISS_DISBURSEMENT: p_miss, RISK_SCORE: score, LEVEL: str(policy.level(np.array([score]))[0])}
