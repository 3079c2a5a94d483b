"""The data boundary: everything known at one report date, read once.

A ``Snapshot`` holds, for each table, every version of every record known at its date
(``versions``: each report's figure for a key, corrections applied) and the latest of them
(``table``). Everything above the data layer (features, projections, KPIs, risk, the
portfolio, summaries and exports) takes a Snapshot, never a store, so it is pure and
testable with literal frames (``Snapshot.from_tables``).

Which version wins: for one key, the figure of the latest report date (``as_of``) on or
before the snapshot's date; for one key and report date, the latest ingest (store
vintage). A projects row without ``as_of`` holds from the start of its fiscal year. At a date,
only fiscal years that have started by then count, so the current year at a past date is the
year that was current then (``at``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from forecast.data import parse
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.units import AmountUnit
from forecast.errors import InputError

HISTORY, SYNTHETIC = "history", "synthetic history"
SYNTHETIC_PREFIX = "sim-"  # the simulator's ids start with it
SYNTHETIC_MARKER = "SYNTHETIC.md"  # written by the simulator beside its files
SYNTHETIC_TAG = "[synthetic]"  # the simulator's names carry it


def provenance(projects: pl.DataFrame, paths: list[Path] | None = None) -> str:
    """'synthetic history' when files or rows carry any of the simulator's marks, else 'history'.

    Decided once, when files are read (at ingest it is kept in the vintage's manifest, under the
    chain of manifests): the simulator's ``SYNTHETIC.md`` beside the files, ``sim-`` ids, or names
    tagged ``[synthetic]``. Any one is enough, so removing one mark does not make data "real".
    """
    if any((Path(p).parent / SYNTHETIC_MARKER).exists() for p in paths or []):
        return SYNTHETIC
    if projects.is_empty():
        return HISTORY
    names = [c for c in (s.NAME_EN, s.NAME_TH) if c in projects.columns]
    tagged = any(
        projects[c].cast(pl.String).str.to_lowercase().str.contains(SYNTHETIC_TAG, literal=True).any() for c in names
    )
    return SYNTHETIC if tagged or projects[s.PROJECT_ID].str.starts_with(SYNTHETIC_PREFIX).any() else HISTORY


def parse_as_of(text: str | dt.date) -> dt.date:
    """A report date from text (ISO, Thai or B.E. forms accepted)."""
    if isinstance(text, dt.date):
        return text
    value = pl.select(parse.date(pl.lit(str(text)))).item()
    if value is None:
        raise InputError(
            f"a report date must be 'latest' or a date such as 2026-03-31 (Thai and B.E. forms "
            f"are accepted); got {text!r}."
        )
    return value


def known_at(versions: pl.DataFrame, cutoff: dt.date | None, calendar: FiscalCalendar | None = None) -> pl.DataFrame:
    """The versions reported on or before ``cutoff`` (all when None).

    A row without ``as_of`` (a projects row) holds from the start of its fiscal year in ``calendar``
    (always, when no calendar is given).
    """
    if cutoff is None or versions.is_empty():
        return versions
    undated = pl.col(s.AS_OF).is_null()
    if calendar is not None and s.FISCAL_YEAR in versions.columns:
        start, _ = calendar.year_bounds_expr(pl.col(s.FISCAL_YEAR))
        undated = undated & (start <= pl.lit(cutoff))
    return versions.filter(undated | (pl.col(s.AS_OF) <= cutoff))


def started(versions: pl.DataFrame, cutoff: dt.date | None, calendar: FiscalCalendar) -> pl.DataFrame:
    """The rows of fiscal years that have started by ``cutoff`` in ``calendar`` (all when None)."""
    if cutoff is None or versions.is_empty():
        return versions
    start, _ = calendar.year_bounds_expr(pl.col(s.FISCAL_YEAR))
    return versions.filter(start <= pl.lit(cutoff))


def at(
    versions: Mapping[str, pl.DataFrame],
    as_of: str | dt.date | None,
    calendar: FiscalCalendar,
    last_years: int | None = None,
) -> tuple[dt.date | None, dict[str, pl.DataFrame]]:
    """Every table as known at ``as_of`` ("latest": everything), and the report in effect then.

    At a date, a row counts when it was reported on or before it (an undated projects row from the
    start of its fiscal year), and only fiscal years that have started by then count: the current
    year is the latest of them with projects known then (``Snapshot.fiscal_year``). ``last_years``
    keeps that year and the ones before it, counted back from it. Targets are policy, not reports:
    they are kept whatever their date.
    """
    cutoff = None if as_of in (None, "latest") else parse_as_of(as_of)
    known = {
        n: started(v if n in s.POLICY_TABLES else known_at(v, cutoff, calendar), cutoff, calendar)
        for n, v in versions.items()
    }
    fy = known["projects"][s.FISCAL_YEAR] if "projects" in known else pl.Series([], dtype=pl.Int32)
    if last_years and fy.len():
        year = int(fy.max())  # type: ignore[arg-type]
        keep = list(range(year - last_years + 1, year + 1))
        known = {n: v.filter(pl.col(s.FISCAL_YEAR).is_in(keep)) for n, v in known.items()}
    dates = report_dates({n: v for n, v in known.items() if n not in s.POLICY_TABLES})
    return resolve(dates, as_of), known


def latest(versions: pl.DataFrame, table: str) -> pl.DataFrame:
    """One row per key: the figure of the latest report date, then of the latest ingest."""
    t = s.TABLES[table]
    if versions.is_empty():
        return versions
    order = [s.AS_OF, *([s.VINTAGE] if s.VINTAGE in versions.columns else [])]
    return versions.sort(order, nulls_last=False).unique(list(t.key), keep="last").sort(list(t.key))


def report_dates(versions: Mapping[str, pl.DataFrame]) -> list[dt.date]:
    """Every report date (``as_of``) in the tables, oldest first."""
    dates: set[dt.date] = set()
    for df in versions.values():
        if s.AS_OF in df.columns and not df.is_empty():
            dates |= set(df[s.AS_OF].drop_nulls().unique().to_list())
    return sorted(dates)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Every table as known at one report date, with the store's calendar, unit and provenance.

    Parameters
    ----------
    as_of : the report date in effect (the newest report dated on or before the date asked for);
        None for an empty store.
    versions : per table, every version known at ``as_of`` (a row per key and report date).
    calendar, unit : the store's fiscal calendar and amount unit.
    label : where the data comes from, for people (a store path, "embedded reference data", files).
    fingerprint : changes exactly when the underlying data does.
    provenance : "history" for real data, "synthetic history" for simulated data.
    """

    as_of: dt.date | None
    versions: Mapping[str, pl.DataFrame]
    calendar: FiscalCalendar = field(default_factory=FiscalCalendar)
    unit: AmountUnit = field(default_factory=AmountUnit)
    label: str = ""
    fingerprint: str = ""
    provenance: str = HISTORY
    _latest: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, pl.DataFrame],
        as_of: str | dt.date | None = "latest",
        last_years: int | None = None,
        **kw,
    ) -> Snapshot:
        """A snapshot of plain (validated) template tables; several report dates per key are allowed.

        ``as_of`` and ``last_years`` select as ``Store.snapshot`` does, in the calendar given (``calendar``,
        else the Thai default)."""
        versions = {}
        for name, t in s.TABLES.items():
            df = tables.get(name)
            if df is None:
                df = s.empty(t)
            df = df.with_columns(*(pl.lit(None, t.schema[c]).alias(c) for c in t.names if c not in df.columns))
            versions[name] = (
                df.select(t.names).cast(pl.Schema(t.schema)).unique(t.record_key, keep="last", maintain_order=True)
            )
        cutoff, versions = at(versions, as_of, kw.get("calendar") or FiscalCalendar(), last_years)
        if not kw.get("fingerprint"):
            h = hashlib.sha256()
            for name in sorted(versions):
                h.update(
                    int(versions[name].hash_rows().sum()).to_bytes(8, "little", signed=False)
                    if not versions[name].is_empty()
                    else b"0"
                )
            kw["fingerprint"] = h.hexdigest()
        return cls(cutoff, versions, **kw)

    # --- views ------------------------------------------------------------------------
    def table(self, name: str) -> pl.DataFrame:
        """The table as known at the snapshot's date: one row per key (cached)."""
        if name not in self._latest:
            self._latest[name] = latest(self.versions[name], name)
        return self._latest[name]

    @property
    def projects(self) -> pl.DataFrame:
        return self.table("projects")

    @property
    def finance(self) -> pl.DataFrame:
        return self.table("finance")

    @property
    def kpis(self) -> pl.DataFrame:
        return self.table("kpis")

    @property
    def kpi_results(self) -> pl.DataFrame:
        return self.table("kpi_results")

    @property
    def targets(self) -> pl.DataFrame:
        """The disbursement targets of each fiscal year, as last set (whatever the report date)."""
        return self.table("targets")

    @property
    def report_dates(self) -> list[dt.date]:
        return report_dates({n: v for n, v in self.versions.items() if n not in s.POLICY_TABLES})

    @property
    def fiscal_year(self) -> int | None:
        """The current fiscal year: the latest with projects in the snapshot (at a date, the latest that
        has started by then with projects known then; see ``at``)."""
        p = self.versions["projects"]
        return None if p.is_empty() else int(p[s.FISCAL_YEAR].max())  # type: ignore[arg-type]

    @property
    def commitments_reported(self) -> bool:
        """Whether any finance row gives commitments (an agency may report disbursements only)."""
        f = self.versions["finance"]
        return not f.is_empty() and f[s.COMMITTED].is_not_null().any()

    @property
    def quarters_without_commitments(self) -> dict[int, int]:
        """In a store that reports commitments, the quarters of the current fiscal year with disbursements but
        no commitments (nor spend), and how many projects each: their spend to date counts those commitments
        as 0, and outputs say so ("commitments not reported for Q3"). Empty when none is missing."""
        fy = self.fiscal_year
        if fy is None or not self.commitments_reported:
            return {}
        f = self.finance.filter(
            (pl.col(s.FISCAL_YEAR) == fy)
            & pl.col(s.DISBURSED).is_not_null()
            & pl.col(s.COMMITTED).is_null()
            & pl.col(s.SPEND).is_null()
        )
        counts = f.group_by(s.QUARTER).agg(pl.col(s.PROJECT_ID).n_unique()).sort(s.QUARTER)
        return {int(q): int(n) for q, n in counts.iter_rows()}

    def years(self, years: list[int]) -> Snapshot:
        """The same snapshot restricted to some fiscal years."""
        keep = {n: v.filter(pl.col(s.FISCAL_YEAR).is_in(years)) for n, v in self.versions.items()}
        return Snapshot(
            self.as_of,
            keep,
            self.calendar,
            self.unit,
            self.label,
            f"{self.fingerprint}:{','.join(map(str, years))}",
            self.provenance,
        )


def resolve(dates: list[dt.date], as_of: str | dt.date | None) -> dt.date | None:
    """The report in effect at ``as_of``: the newest report dated on or before it ("latest": the newest)."""
    if as_of in (None, "latest"):
        return max(dates) if dates else None
    cutoff = parse_as_of(as_of)
    earlier = [d for d in dates if d <= cutoff]
    return max(earlier) if earlier else None
