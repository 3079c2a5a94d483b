"""One quarter's review, computed once from a snapshot: projections, KPIs, risk and the ranking.

The command line and the app both call ``review`` (and ``compare_date`` for "what changed
since"), so a ranking is orchestrated in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass

import polars as pl

from forecast.data import schema as s
from forecast.data.results import Results, code_digest, key_of
from forecast.data.snapshot import Snapshot, parse_as_of
from forecast.decisions import kpi, portfolio, risk
from forecast.decisions import reallocation as RA
from forecast.decisions import unusual as U
from forecast.errors import InputError
from forecast.labels import pick
from forecast.model import engine
from forecast.model.registry import ModelSet, library_versions

PREVIOUS = "previous"


def policy_for(
    snap: Snapshot, target: float | None = None, quarterly: tuple[float, float, float, float] | None = None
) -> risk.RiskPolicy:
    """The risk policy of the snapshot's fiscal year: its targets as set in the store, unless given here."""
    year = snap.fiscal_year
    row = None
    if year is not None and not snap.targets.is_empty():
        found = snap.targets.filter(pl.col(s.FISCAL_YEAR) == year)
        row = found.row(0, named=True) if found.height else None
    note = f" ({row[s.NOTE]})" if row is not None and row.get(s.NOTE) else ""
    if target is not None:
        source = f"target {target:.0%} given for this run"
        source_th = f"เป้าหมาย {target:.0%} ที่ระบุสำหรับการคำนวณครั้งนี้"
    elif row is not None:
        target = float(row[s.YEAR_END])
        source = f"target {target:.0%} set for fiscal year {year} on {row[s.AS_OF]}{note}"
        source_th = f"เป้าหมาย {target:.0%} กำหนดสำหรับปีงบประมาณ {year} เมื่อ {row[s.AS_OF]}{note}"
    else:
        target = s.DEFAULT_TARGET
        source = f"default target {s.DEFAULT_TARGET:.0%} (none set for fiscal year {year} in the store)"
        source_th = f"เป้าหมายเริ่มต้น {s.DEFAULT_TARGET:.0%} (ยังไม่ได้กำหนดสำหรับปีงบประมาณ {year})"
    if quarterly is None and row is not None and all(row[q] is not None for q in s.QUARTER_TARGETS):
        quarterly = tuple(float(row[q]) for q in s.QUARTER_TARGETS)  # type: ignore[assignment]
    return risk.RiskPolicy(target=target, quarterly_targets=quarterly, source=source, source_th=source_th)


@dataclass
class Review:
    """What a report date shows: the projection, every KPI, the risk table, with their inputs."""

    snapshot: Snapshot
    models: ModelSet | None
    policy: risk.RiskPolicy
    projection: pl.DataFrame
    kpis: pl.DataFrame
    risk: pl.DataFrame
    results: Results | None = None  # where computed frames are kept (None: nowhere)
    key: str = ""  # what the frames were computed from, hashed
    from_results: bool = False  # read back from kept results rather than computed in this call

    def ranking(self, lang: str = "th") -> pl.DataFrame:
        """Projects by risk, highest first, with the reasons in ``lang``."""
        return risk.ranked(self.risk, lang) if not self.risk.is_empty() else self.risk

    @property
    def commitments_reported(self) -> bool:
        p = self.projection
        return not p.is_empty() and bool(p[engine.COMMITMENTS].any())

    @property
    def quarters_without_commitments(self) -> dict[int, int]:
        """Quarters of the year with disbursements but no commitments in a store that reports them (and how
        many projects each): outputs say "commitments not reported for Q3"."""
        return self.snapshot.quarters_without_commitments

    def dependence(self) -> portfolio.Dependence:
        """How lines of one year miss together: from the model set's history, else the stated assumption."""
        if self.models is None or self.projection.is_empty():
            return portfolio.Dependence()
        by_origin = self.models.manifest.get("dependence") or {}
        origins = self.projection.filter(pl.col(engine.BASIS) != engine.ACTUAL)["origin_quarter"]
        if origins.is_empty():
            return portfolio.Dependence()
        common = str(int(origins.mode().sort()[0]))
        return portfolio.Dependence.from_dict(by_origin.get(common))

    def portfolio(self, by: str | None = None, draws: int = portfolio.DRAWS, seed: int = 0) -> pl.DataFrame:
        """The whole portfolio (and each group ``by`` agency, plan_line or owner): joint year-end range,
        P(the total misses the target) and the expected shortfall."""
        key = key_of(kind="portfolio", review=self.key, by=by, draws=draws, seed=seed) if self.key else ""
        kept = self.results.get(key) if self.results is not None and key else None
        if kept is not None:
            return kept["portfolio"]
        year = self.snapshot.fiscal_year
        every = self.snapshot.projects
        projects = every.filter(pl.col(s.FISCAL_YEAR) == year) if year is not None else every.clear()
        basis = ", ".join(self.bases) or engine.ACTUAL
        out = portfolio.portfolio(
            self.projection, projects, self.policy.target, by, self.dependence(), draws, seed, basis
        )
        if self.results is not None and key:
            self.results.put(key, {"portfolio": out}, {"kind": "portfolio", "review": self.key, "by": by})
        return out

    def reallocation(
        self,
        within: str = RA.DEFAULT_WITHIN,
        appetite: float = RA.APPETITE,
        max_transfer_share: float = RA.MAX_TRANSFER_SHARE,
        needs: dict[str, float] | None = None,
        transfers=None,
        draws: int = RA.DRAWS,
        seed: int = 0,
    ) -> RA.Plan:
        """Reallocation advice for this review (``decisions.reallocation.plan``): the model set's absorption
        model where it has one, else the documented rule; the same joint draws' dependence as the portfolio."""
        year = self.snapshot.fiscal_year
        every = self.snapshot.projects
        projects = every.filter(pl.col(s.FISCAL_YEAR) == year) if year is not None else every.clear()
        absorption = (self.models.manifest.get("absorption") if self.models else None) or None
        return RA.plan(
            self.projection,
            projects,
            self.policy.target,
            self.dependence(),
            within,
            appetite,
            max_transfer_share,
            absorption,
            needs,
            self.snapshot.unit,
            transfers,
            draws,
            seed,
        )

    @functools.cached_property
    def unusual(self) -> list[U.Note]:
        """Whether this year's execution to date is unlike the model set's history (the whole store, each
        agency) and whether its lines look unlike the training history (drift): ``decisions.unusual``."""
        year = self.snapshot.fiscal_year
        if self.models is None or year is None or self.projection.is_empty():
            return []
        projects = self.snapshot.projects.filter(pl.col(s.FISCAL_YEAR) == year)
        return U.check(self.projection, projects, self.models.manifest, year)

    @property
    def bases(self) -> list[str]:
        """Where the projections come from (no history, synthetic history, history), actuals left out."""
        if self.projection.is_empty():
            return []
        return sorted(set(self.projection[engine.BASIS].to_list()) - {engine.ACTUAL})


def review_key(snap: Snapshot, models: ModelSet | None, policy: risk.RiskPolicy) -> str:
    """What a review's numbers depend on, hashed: data, model set (its whole signed manifest), targets, code
    and library versions."""
    return key_of(
        kind="review",
        snapshot=snap.fingerprint,
        models=None if models is None else key_of(version=models.version, manifest=models.manifest),
        policy=dataclasses.asdict(policy),
        code=code_digest(),
        libraries=library_versions(),
    )


FRAMES = ("projection", "kpis", "risk")


def review(
    snap: Snapshot,
    models: ModelSet | None = None,
    policy: risk.RiskPolicy | None = None,
    results: Results | None = None,
) -> Review:
    """Project, assess KPIs and rank every project of the snapshot's latest fiscal year (with the targets
    the store sets for it unless a policy is given).

    With ``results``, a review computed before from the same data, model set, targets and code is
    read back instead of computed, and a new one is kept there."""
    policy = policy or policy_for(snap)
    key = review_key(snap, models, policy) if results is not None and results.enabled and snap.fingerprint else ""
    kept = results.get(key) if results is not None and key else None
    if kept is not None:
        projection, kpis, table = (kept[f] for f in FRAMES)
        return Review(snap, models, policy, projection, kpis, table, results, key, from_results=True)
    manifest = models.manifest if models else None
    projection = engine.project(snap, models, policy.target)
    kpis = kpi.attainment(snap, kpi.model_of(manifest))
    year = snap.fiscal_year
    projects = snap.projects.filter(pl.col(s.FISCAL_YEAR) == year) if year is not None else snap.projects.clear()
    table = risk.assess(projection, kpis, projects, policy, snap.unit, kpi.rho_of(manifest)[0])
    out = Review(snap, models, policy, projection, kpis, table, results if key else None, key)
    if key:
        about = {
            "kind": "review",
            "as_of": snap.as_of,
            "models": models.version if models else None,
            "target": policy.target,
        }
        results.put(key, dict(zip(FRAMES, (projection, kpis, table), strict=True)), about)  # type: ignore[union-attr]
    return out


def precompute(
    snap: Snapshot, models: ModelSet | None, results: Results, by: tuple[str | None, ...] = (None, "agency")
) -> Review:
    """Compute and keep the review of ``snap`` with the store's targets and its portfolios ``by``
    group, so that the app and the CLI read them instead of computing them."""
    rv = review(snap, models, policy_for(snap), results)
    if snap.fiscal_year is not None and not rv.projection.is_empty():
        for group in by:
            rv.portfolio(group)
    return rv


NEW_REASON = "new_reason"


def compare(now: Review, before: Review, lang: str = "th") -> pl.DataFrame:
    """The current ranking with the earlier rank and level, the move, whether a project is newly high, and
    its main new reason (the weightiest reason it did not have before)."""
    earlier = before.ranking(lang)
    current = now.ranking(lang)
    if earlier.is_empty():
        return current.with_columns(
            pl.lit(None, pl.Int32).alias(risk.PREVIOUS_RANK),
            pl.lit(None, pl.Int32).alias(risk.RANK_CHANGE),
            pl.lit(None, pl.String).alias(risk.PREVIOUS_LEVEL),
            (pl.col(risk.LEVEL) == risk.HIGH).alias(risk.NEW_HIGH),
            pl.lit(None, pl.String).alias(NEW_REASON),
        )
    out = risk.changes(current, earlier)
    before_codes = dict(zip(earlier[s.PROJECT_ID].to_list(), earlier[risk.DRIVER_CODES].to_list()))
    texts = pick(lang, th=risk.DRIVERS_TH, en=risk.DRIVERS_EN)
    reasons = []
    for pid, codes, said in out.select(s.PROJECT_ID, risk.DRIVER_CODES, texts).iter_rows():
        old = set(before_codes.get(pid) or [])
        reasons.append(next((txt for code, txt in zip(codes or [], said or []) if code not in old), None))
    return out.with_columns(pl.Series(NEW_REASON, reasons, dtype=pl.String))


def previous_date(report_dates: list[dt.date], current: dt.date | None) -> dt.date | None:
    """The report before ``current`` (the newest report date earlier than it), None when there is none:
    the one meaning of "the previous report" for compare, refresh and the app's "what changed"."""
    earlier = [d for d in report_dates if current is not None and d < current]
    return earlier[-1] if earlier else None


def compare_date(
    report_dates: list[dt.date], current: dt.date | None, compare_to: str | dt.date, manifests: list[dict] | None = None
) -> dt.date:
    """The report date to compare with: a date, "previous" (the report before ``current``) or a vintage number."""
    text = str(compare_to).strip()
    if text == PREVIOUS:
        before = previous_date(report_dates, current)
        if before is None:
            raise InputError(
                f"there is no report before {current} to compare with; report dates in the store: "
                f"{', '.join(map(str, report_dates)) or 'none'}."
            )
        return before
    if text.isdigit() and len(text) < 7:
        found = [m for m in manifests or [] if int(m.get("vintage", -1)) == int(text)]
        if not found or not found[0].get("report_dates"):
            raise InputError(f"there is no store vintage {text} with report dates to compare with.")
        return dt.date.fromisoformat(max(found[0]["report_dates"]))
    return parse_as_of(text)
