"""How each table of the command line is shown to people, in one place, as data.

A ``View`` names a table's compact columns (in their order), the columns that stay longest when the
terminal is narrow (``keep``, most important first) and the next ones (``then``); ``table.render``
leaves columns out from the least important. ``PROSE`` lists the free text that may be shortened
with "…" (names, reasons, notes); ids, dates, times and numbers are shown whole or not at all.
Tables without a view show every column and give up the rightmost first.
"""

from __future__ import annotations

from forecast.access import audit
from forecast.data import revisions as rev
from forecast.data import schema as s
from forecast.data import store, validate
from forecast.decisions import kpi, portfolio, risk
from forecast.decisions import reallocation as ra
from forecast.interfaces.table import View
from forecast.model import engine

NAME = "name"  # tables for people: the name in the chosen language, else the other one

PROSE = frozenset(
    {
        NAME,
        s.NAME_TH,
        s.NAME_EN,
        s.PLAN_LINE,
        s.OWNER,
        s.SOURCE,
        s.SOURCE_TEXT,
        s.STATUS_TEXT,
        s.NOTE,
        risk.DRIVERS,
        kpi.BASIS,
        portfolio.GROUP,
        portfolio.BASIS,
        ra.FROM_NAME,
        ra.TO_NAME,
        ra.REASON_TH,
        ra.REASON_EN,
        audit.DETAILS,
        store.REPORT_DATES,
        store.FILES,
        store.ROWS,
        validate.CHECKS,
        validate.THAI,
    }
)

# columns whose values are words of the catalogue (``labels.word``): said in the table's language
WORDS = frozenset({risk.LEVEL, risk.PREVIOUS_LEVEL, kpi.STATUS, rev.KIND})

P10, P50, P90 = (engine.projected(s.DISBURSED, p) for p in (10, 50, 90))

VIEWS: dict[str, View] = {
    "rank": View(
        columns=(
            risk.RANK,
            NAME,
            risk.LEVEL,
            risk.RISK_SCORE,
            risk.P_MISS_DISBURSEMENT,
            risk.P_MISS_SPEND,
            risk.P_MISS_KPI,
            risk.RANK_CHANGE,
            risk.NEW_HIGH,
            risk.DRIVERS,
        ),
        keep=(risk.RANK, risk.P_MISS_DISBURSEMENT, risk.LEVEL, NAME),
        then=(risk.RISK_SCORE, risk.DRIVERS, risk.RANK_CHANGE, risk.NEW_HIGH, risk.P_MISS_KPI, risk.P_MISS_SPEND),
    ),
    "project": View(
        columns=(s.PROJECT_ID, NAME, s.BUDGET, engine.DISBURSED_TO_DATE, P10, P50, P90, engine.P_MISS_DISBURSEMENT),
        keep=(s.PROJECT_ID, engine.P_MISS_DISBURSEMENT, P50, NAME),
        then=(s.BUDGET, engine.DISBURSED_TO_DATE, P10, P90),
    ),
    "kpi": View(
        columns=(
            s.PROJECT_ID,
            s.KPI_ID,
            NAME,
            s.UNIT,
            s.TARGET,
            kpi.VALUE_TO_DATE,
            kpi.projected(50),
            kpi.P_ATTAIN,
            kpi.STATUS,
        ),
        keep=(s.PROJECT_ID, s.KPI_ID, kpi.P_ATTAIN, NAME, kpi.STATUS),
        then=(kpi.projected(50), s.TARGET, kpi.VALUE_TO_DATE, s.UNIT),
    ),
    "portfolio": View(
        columns=(
            portfolio.GROUP,
            portfolio.PROJECTS,
            s.BUDGET,
            portfolio.DISBURSED_TO_DATE,
            portfolio.DISBURSED_P10,
            portfolio.DISBURSED_P50,
            portfolio.DISBURSED_P90,
            portfolio.SHARE_P50,
            portfolio.P_MISS_TARGET,
            portfolio.SHORTFALL,
        ),
        keep=(portfolio.GROUP, portfolio.P_MISS_TARGET, portfolio.DISBURSED_P50, portfolio.SHORTFALL),
        then=(
            portfolio.SHARE_P50,
            s.BUDGET,
            portfolio.DISBURSED_TO_DATE,
            portfolio.DISBURSED_P10,
            portfolio.DISBURSED_P90,
            portfolio.PROJECTS,
        ),
    ),
    "reallocate": View(
        columns=(ra.FROM_ID, ra.TO_ID, ra.AMOUNT, ra.EXPECTED_GAIN, ra.REASON_TH, ra.REASON_EN),
        keep=(ra.FROM_ID, ra.TO_ID, ra.AMOUNT),
        then=(ra.REASON_TH, ra.REASON_EN, ra.EXPECTED_GAIN),
    ),
    "reallocate_effect": View(
        columns=(
            ra.GROUP,
            ra.MOVED,
            ra.P_MISS_BEFORE,
            ra.P_MISS_AFTER,
            ra.UNUSED_BEFORE,
            ra.UNUSED_AFTER,
            ra.UNUSED_P10_AFTER,
            ra.UNUSED_P90_AFTER,
        ),
        keep=(ra.GROUP, ra.P_MISS_BEFORE, ra.P_MISS_AFTER),
        then=(ra.UNUSED_BEFORE, ra.UNUSED_AFTER, ra.MOVED, ra.UNUSED_P10_AFTER, ra.UNUSED_P90_AFTER),
    ),
    "reallocate_capacity": View(
        columns=(s.PROJECT_ID, ra.GROUP, s.BUDGET, ra.RELEASABLE, ra.ABSORBABLE, ra.ABSORB_SHARE, ra.ABSORB_BASIS),
        keep=(s.PROJECT_ID, ra.RELEASABLE, ra.ABSORBABLE),
        then=(ra.ABSORB_SHARE, s.BUDGET, ra.GROUP, ra.ABSORB_BASIS),
    ),
    "revisions": View(
        keep=(s.PROJECT_ID, rev.COLUMN, rev.NEW_VALUE, rev.OLD_VALUE, rev.KEY_TEXT),
        then=(rev.NEW_AS_OF, rev.KIND, rev.CHANGE, rev.TABLE, rev.OLD_AS_OF, s.FISCAL_YEAR),
    ),
    "audit": View(
        columns=(
            audit.SEQ,
            audit.AT,
            audit.USER,
            audit.ROLE,
            audit.VIA,
            audit.ACTION,
            audit.TARGET,
            audit.OUTCOME,
        ),
        keep=(audit.AT, audit.ACTION, audit.USER, audit.OUTCOME),
        then=(audit.TARGET, audit.SEQ, audit.VIA, audit.ROLE),
    ),
    "vintages": View(
        keep=(s.VINTAGE, store.INGESTED_AT, store.REPORT_DATES),
        then=(store.AUTHOR, store.ROWS, s.NOTE, store.WARNINGS),
    ),
    "targets": View(
        keep=(s.FISCAL_YEAR, s.YEAR_END, s.AS_OF),
        then=(*s.QUARTER_TARGETS, s.NOTE),
    ),
    "rules": View(keep=(validate.RULE, validate.CHECKS, validate.THAI)),
    # ``forecast data --table T``
    "projects": View(
        keep=(s.PROJECT_ID, s.NAME_TH, s.BUDGET),
        then=(s.NAME_EN, s.FISCAL_YEAR, s.AGENCY, s.BUDGET_CUT, s.PLAN_LINE, s.OWNER, s.AS_OF),
    ),
    "finance": View(
        keep=(s.PROJECT_ID, s.QUARTER, s.DISBURSED),
        then=(s.AS_OF, s.PLAN, s.COMMITTED, s.SPEND, s.FISCAL_YEAR),
    ),
    "kpis": View(
        keep=(s.PROJECT_ID, s.KPI_ID, s.NAME_TH, s.TARGET),
        then=(s.UNIT, s.COMPARATOR, s.AS_OF, s.NAME_EN, s.FISCAL_YEAR),
    ),
    "kpi_results": View(
        keep=(s.PROJECT_ID, s.KPI_ID, s.QUARTER, s.VALUE),
        then=(s.AS_OF, s.STATUS_TEXT, s.FISCAL_YEAR),
    ),
}


def view(name: str | None) -> View | None:
    """The view of a table (None: every column, the rightmost given up first)."""
    return VIEWS.get(name) if name else None
