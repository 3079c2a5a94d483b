"""KPI attainment for people: each KPI's chance of its target, projected year end, tiers, status and basis.

The numbers come from ``forecast.model.kpi``: the fitted KPI model of the active model set where one
was trained on KPI history, else the documented rules (labelled "no history"). Every KPI is read in
its direction (``>=``/``>``: higher is better; ``<=``/``<``: lower is) and by its measure
(cumulative, level or milestone; inferred when left empty, and the basis says so).

Statuses: ``reached`` (a cumulative KPI or milestone that has met its target; only in its direction),
``missed`` (settled below it: the year is over, or an "at most" count has gone past its ceiling),
``on track`` (an even chance or better), ``at risk`` (a cumulative KPI or milestone below an even
chance), ``off track`` (a level below an even chance: it can come back) and ``no data``.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from forecast.data import measure as ms
from forecast.data import schema as s
from forecast.data.snapshot import Snapshot
from forecast.labels import code
from forecast.model import kpi as KM
from forecast.model import kpi_features as KF

KIND = s.MEASURE  # the measure (cumulative, level, milestone); ``kind`` in older releases
VALUE_TO_DATE = KF.VALUE_TO_DATE
PLAN_TO_DATE = KF.PLAN_TO_DATE
PLAN_TOTAL = KF.PLAN_TOTAL
QUARTER_REPORTED = "quarter_reported"
REACHED_QUARTER = KF.REACHED_QUARTER
P_ATTAIN = KM.P_ATTAIN
TIER_EXPECTED = "tier_expected"
STATUS = "status"
BASIS = "basis"
BASIS_TH = "basis_th"
MODEL = "kpi_model"
MEASURE_INFERRED = ms.MEASURE_INFERRED

COUNT, LEVEL, MILESTONE = s.CUMULATIVE, s.LEVEL, s.MILESTONE
REACHED, ON_TRACK, AT_RISK, OFF_TRACK, MISSED, NO_DATA = (
    "reached",
    "on track",
    "at risk",
    "off track",
    "missed",
    "no data",
)
STATUSES = (REACHED, ON_TRACK, AT_RISK, OFF_TRACK, MISSED, NO_DATA)
ON_TRACK_FROM = 0.5  # p_attain at or above (at least an even chance): on track
NO_HISTORY, HISTORY = "no history", "history"


def projected(p: int) -> str:
    return f"projected_p{p}"


def p_tier(points: int) -> str:
    return KM.p_tier(points)


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
    MEASURE_INFERRED,
    s.COMPARATOR,
    QUARTER_REPORTED,
    PLAN_TO_DATE,
    PLAN_TOTAL,
    REACHED_QUARTER,
    MODEL,
    *s.TIERS.values(),
    *(p_tier(p) for p in s.TIERS),
]
SCHEMA = {
    s.FISCAL_YEAR: pl.Int32,
    s.PROJECT_ID: pl.String,
    s.KPI_ID: pl.String,
    s.NAME_EN: pl.String,
    s.UNIT: pl.String,
    s.TARGET: pl.Float64,
    VALUE_TO_DATE: pl.Float64,
    projected(10): pl.Float64,
    projected(50): pl.Float64,
    projected(90): pl.Float64,
    P_ATTAIN: pl.Float64,
    TIER_EXPECTED: pl.Int8,
    STATUS: pl.String,
    BASIS: pl.String,
    s.NAME_TH: pl.String,
    BASIS_TH: pl.String,
    KIND: pl.String,
    MEASURE_INFERRED: pl.Boolean,
    s.COMPARATOR: pl.String,
    QUARTER_REPORTED: pl.Int8,
    PLAN_TO_DATE: pl.Float64,
    PLAN_TOTAL: pl.Float64,
    REACHED_QUARTER: pl.Int8,
    MODEL: pl.String,
    **{t: pl.Float64 for t in s.TIERS.values()},
    **{p_tier(p): pl.Float64 for p in s.TIERS},
}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def _num(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return "-"
    return f"{x:,.0f}" if x.is_integer() else f"{x:,.2f}"


_CMP = {
    ">=": ("at least", "ไม่น้อยกว่า"),
    ">": ("more than", "มากกว่า"),
    "<=": ("at most", "ไม่เกิน"),
    "<": ("less than", "น้อยกว่า"),
}
_MEASURE_TH = {COUNT: "ยอดสะสม", LEVEL: "ระดับ", MILESTONE: "ผลผลิต"}


def _texts(r: dict, pr_p: float, fitted: bool, basis_label: str) -> tuple[str, str]:
    """The basis of one KPI's chance, in English and Thai."""
    v, t, q = r[VALUE_TO_DATE], r[s.TARGET], r[KF.ORIGIN]
    cmp_en, cmp_th = _CMP.get(r[s.COMPARATOR], _CMP[">="])
    m = r[s.MEASURE]
    inferred_en = f" (measure {m}, inferred)" if r[MEASURE_INFERRED] else ""
    inferred_th = f" (ลักษณะค่า{_MEASURE_TH.get(m, m)} อนุมาน)" if r[MEASURE_INFERRED] else ""
    if fitted:
        how_en = f"fitted KPI model ({basis_label})"
        how_th = f"แบบจำลองตัวชี้วัดที่เรียนรู้จากข้อมูลย้อนหลัง ({code('basis', basis_label, 'th')})"
    else:
        how_en, how_th = "rule (no history)", "กฎ (ไม่มีข้อมูลย้อนหลัง)"
    if r[REACHED_QUARTER] is not None and r[KF.DIRECTION] > 0 and m != LEVEL:
        return (
            f"reached in Q{r[REACHED_QUARTER]}: {_num(v)} vs target {cmp_en} {_num(t)}{inferred_en}",
            f"บรรลุแล้วในไตรมาส {r[REACHED_QUARTER]}: {_num(v)} เทียบกับเป้าหมาย{cmp_th} {_num(t)}{inferred_th}",
        )
    if r[KF.BUST_QUARTER] is not None and m != LEVEL:
        return (
            f"past its ceiling in Q{r[KF.BUST_QUARTER]}: {_num(v)} vs target {cmp_en} {_num(t)}{inferred_en}",
            f"เกินเพดานแล้วในไตรมาส {r[KF.BUST_QUARTER]}: {_num(v)} เทียบกับเป้าหมาย{cmp_th} {_num(t)}{inferred_th}",
        )
    if m == MILESTONE:
        v = v or 0.0
        behind = max(math.ceil(r[PLAN_TO_DATE] - v), 0)
        return (
            f"{_num(v)} of {_num(t)} done to Q{q}, {_num(r[PLAN_TO_DATE])} planned by now"
            + (f" ({behind} behind)" if behind else "")
            + f"; {how_en if fitted else 'stage rule'}{inferred_en}",
            f"แล้วเสร็จ {_num(v)} จาก {_num(t)} ถึงไตรมาส {q} แผนถึงขณะนี้ {_num(r[PLAN_TO_DATE])}"
            + (f" (ช้ากว่าแผน {behind})" if behind else "")
            + f"; {how_th if fitted else 'กฎตามขั้นตอน'}{inferred_th}",
        )
    if v is None:
        if m == LEVEL:
            return (
                f"not yet measured (survey not yet run); chance {pr_p:.2f} = "
                + ("fitted on history" if fitted else "assumed prior (no history)")
                + inferred_en,
                f"ยังไม่ได้วัดผล (ยังไม่ได้สำรวจ); โอกาส {pr_p:.2f} = "
                + ("จากข้อมูลย้อนหลัง" if fitted else "ค่าสมมติ (ไม่มีข้อมูลย้อนหลัง)")
                + inferred_th,
            )
        if r[PLAN_TO_DATE] <= 0:
            return (
                f"nothing planned or reported by Q{q}; chance {pr_p:.2f} = assumed prior (no history){inferred_en}",
                f"ยังไม่มีแผนหรือผลถึงไตรมาส {q}; โอกาส {pr_p:.2f} = ค่าสมมติ (ไม่มีข้อมูลย้อนหลัง){inferred_th}",
            )
        return f"no value reported yet; {how_en}{inferred_en}", f"ยังไม่มีผลรายงาน; {how_th}{inferred_th}"
    if m == LEVEL:
        pct = "%" if r[s.UNIT] == "percent" else ""
        pre = "ร้อยละ " if pct else ""
        return (
            f"last value {_num(v)}{pct} vs target {cmp_en} {_num(t)}{pct} (a level; can still change); "
            f"{how_en}{inferred_en}",
            f"ค่าล่าสุด{pre}{_num(v)} เทียบกับเป้าหมาย{cmp_th} {pre}{_num(t)} (เป็นระดับ อาจเปลี่ยนได้); {how_th}{inferred_th}",
        )
    return (
        f"{_num(v)} to Q{q} vs {_num(r[PLAN_TO_DATE])} planned, target {cmp_en} {_num(t)}; {how_en}{inferred_en}",
        f"ผล {_num(v)} ถึงไตรมาส {q} เทียบกับแผน {_num(r[PLAN_TO_DATE])} เป้าหมาย{cmp_th} {_num(t)}; {how_th}{inferred_th}",
    )


def model_of(manifest: dict | None) -> dict | None:
    """The KPI part of a model set's manifest (None when the set has no fitted KPI model)."""
    k = (manifest or {}).get("kpi") or {}
    return k if k.get("model") else None


def rho_of(manifest: dict | None) -> tuple[float, bool]:
    """The correlation of a project's KPI outcomes, and whether history measured it (else assumed)."""
    k = (manifest or {}).get("kpi") or {}
    rho = k.get("rho")
    return (float(rho), True) if rho is not None else (KM.ASSUMED_RHO, False)


def assess(st: pl.DataFrame, kpi_model: dict | None = None, basis_label: str = HISTORY) -> pl.DataFrame:
    """Chances, projections, tiers, statuses and bases of KPI states (``kpi_features.states``)."""
    params = (kpi_model or {}).get("model")
    from_history = params is not None
    if params is not None:
        pr = KM.fitted(st, params)
    else:
        pr = KM.rules(st)
    known = st[KF.KNOWN].to_numpy()
    level = st[s.MEASURE].to_numpy() == LEVEL
    ptd = st[KF.PLAN_TO_DATE].cast(pl.Float64).fill_null(0).to_numpy()
    reached = st[KF.REACHED_QUARTER].is_not_null().to_numpy() & ~level & (st[KF.DIRECTION].to_numpy() > 0)
    left = st[KF.QUARTERS_LEFT].to_numpy()
    settled_miss = (st[KF.BUST_QUARTER].is_not_null().to_numpy() & ~level) | ((left <= 0) & known & (pr.p < 0.5))
    unjudged = ~known & ((ptd > 0) | level)
    below = np.where(level, OFF_TRACK, AT_RISK)
    status = np.where(
        reached,
        REACHED,
        np.where(settled_miss, MISSED, np.where(unjudged, NO_DATA, np.where(pr.p >= ON_TRACK_FROM, ON_TRACK, below))),
    )
    texts = [
        _texts(r, float(p), from_history and bool(k), basis_label)
        for r, p, k in zip(st.iter_rows(named=True), pr.p, known)
    ]
    tiers = {pts: st[col].cast(pl.Float64).fill_null(np.nan).to_numpy() for pts, col in s.TIERS.items()}
    d = st[KF.DIRECTION].to_numpy()
    expected = np.zeros(st.height)
    for pts, thr in sorted(tiers.items()):
        hit = np.where(d > 0, pr.mid >= thr, pr.mid <= thr)
        expected = np.where(np.isfinite(thr) & np.isfinite(pr.mid) & hit, pts, expected)
    has_tiers = np.any([np.isfinite(t) for t in tiers.values()], axis=0) if st.height else np.zeros(0, bool)
    model = np.full(st.height, pr.method)
    return st.with_columns(
        pl.col(KF.ORIGIN).cast(pl.Int8).alias(QUARTER_REPORTED),
        pl.Series(projected(10), pr.lo, pl.Float64).fill_nan(None),
        pl.Series(projected(50), pr.mid, pl.Float64).fill_nan(None),
        pl.Series(projected(90), pr.hi, pl.Float64).fill_nan(None),
        pl.Series(P_ATTAIN, np.clip(pr.p, 0, 1), pl.Float64),
        pl.Series(TIER_EXPECTED, np.where(has_tiers & np.isfinite(pr.mid), expected, np.nan))
        .fill_nan(None)
        .cast(pl.Int8),
        pl.Series(STATUS, status, pl.String),
        pl.Series(BASIS, [e for e, _ in texts], pl.String),
        pl.Series(BASIS_TH, [t for _, t in texts], pl.String),
        pl.Series(MODEL, model, pl.String),
        *(pl.Series(p_tier(pts), pr.tiers[:, j], pl.Float64).fill_nan(None) for j, pts in enumerate(s.TIERS)),
    )


def attainment(snap: Snapshot, kpi_model: dict | None = None, basis_label: str | None = None) -> pl.DataFrame:
    """Every KPI of the snapshot's current fiscal year, with its projection, chance, status and basis.

    ``kpi_model`` is the KPI part of the active model set's manifest (``model_of``); None: the rules.
    """
    year = snap.fiscal_year
    if year is None:
        return empty()
    kv, rv = snap.versions["kpis"], snap.versions["kpi_results"]
    kpis, results = kv.filter(pl.col(s.FISCAL_YEAR) == year), rv.filter(pl.col(s.FISCAL_YEAR) == year)
    if kpis.is_empty():
        return empty()
    hk, hr = kv.filter(pl.col(s.FISCAL_YEAR) == year - 1), rv.filter(pl.col(s.FISCAL_YEAR) == year - 1)
    st = KF.current(kpis, results, hk, hr)
    out = assess(st, kpi_model, basis_label or (kpi_model or {}).get("basis") or HISTORY)
    return out.select(*COLUMNS, *EXTRA).cast({k: v for k, v in SCHEMA.items()}, strict=False).sort(KF.KEY)


def p_miss_any(kpis: pl.DataFrame, rho: float) -> pl.DataFrame:
    """Per project-year: the chance that at least one KPI misses, the KPIs dependent with correlation ``rho``."""
    if kpis.is_empty():
        return pl.DataFrame(schema={s.FISCAL_YEAR: pl.Int32, s.PROJECT_ID: pl.String, "p_miss_kpi": pl.Float64})
    key = (
        kpis.select(pl.concat_str([pl.col(s.FISCAL_YEAR).cast(pl.String), pl.col(s.PROJECT_ID)], separator="\x1f"))
        .to_series()
        .to_numpy()
    )
    codes, p = KM.p_any_miss(kpis[P_ATTAIN].cast(pl.Float64).fill_null(0.5).to_numpy(), key, rho)
    fy, pid = zip(*(c.split("\x1f", 1) for c in codes))
    return pl.DataFrame(
        {s.FISCAL_YEAR: [int(y) for y in fy], s.PROJECT_ID: list(pid), "p_miss_kpi": p},
        schema={s.FISCAL_YEAR: pl.Int32, s.PROJECT_ID: pl.String, "p_miss_kpi": pl.Float64},
    )
