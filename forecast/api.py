"""The Python API, the one door: every operation of the command line, the app and any future service.

Each call reads the store once (``Store.snapshot``) and hands the snapshot to the pure functions
underneath. Interfaces parse their input, make one call here and show what comes back; nothing here
prints. Operations that change a store or read what is private take an ``Actor`` (who, with which
role, through which door): the role check (``access.roles``) and the audit record are made here, once,
for every door::

    import forecast
    from forecast import api
    store = forecast.Store.open()                   # the reference data, or your store
    forecast.project(store)                         # year-end p10/p50/p90 per project
    forecast.rank(store, lang="en", compare_to="previous")
    api.set_targets(store, 2569, 0.93, actor=api.Actor.os_user("cli"))
    forecast.train(store, ["history/"])             # backtest, fit, save a model set
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from forecast.access import audit, roles, sessions
from forecast.access.audit import DENIED, OK, REFUSED
from forecast.access.roles import Actor
from forecast.access.tokens import Tokens
from forecast.data import schema as s
from forecast.data import templates
from forecast.data.calendar import FiscalCalendar
from forecast.data.snapshot import Snapshot, parse_as_of
from forecast.data.store import TARGETS_NOTE, Anchor, IngestResult, Store
from forecast.data.units import AmountUnit
from forecast.data.validate import Checked, ValidationError, rules_frame
from forecast.decisions import kpi as K
from forecast.decisions import plan, risk
from forecast.decisions import reallocation as RA
from forecast.decisions import review as R
from forecast.decisions.risk import RiskPolicy
from forecast.durable import locked, publish, sha256_file
from forecast.errors import ForecastError, HistoryError, InputError, RegistryError, StoreError
from forecast.labels import note_text
from forecast.model import engine, registry, synthetic
from forecast.model.backtest import MIN_YEARS, BacktestResult, reliability
from forecast.model.kpi import KpiBacktest

ACTIVE = "active"
MAX_DRAWS = 1_000_000  # joint draws of a portfolio (each draws every project's year end)
Quarterly = tuple[float, float, float, float]
Models = registry.ModelSet | str | None

__all__ = [
    "ACTIVE",
    "Actor",
    "AuditTrail",
    "BacktestReport",
    "Export",
    "KpiReport",
    "PortfolioReport",
    "Ranked",
    "Reallocation",
    "TargetsSet",
    "Verified",
    "activate",
    "active_version",
    "add_user",
    "anchor",
    "audit_trail",
    "backtest",
    "backtest_report",
    "compare",
    "create_store",
    "export",
    "history",
    "ingest",
    "ingest_tables",
    "issue_token",
    "kpi_attainment",
    "kpi_report",
    "load_model_set",
    "model_sets",
    "models_of",
    "permit",
    "portfolio",
    "portfolio_report",
    "previous",
    "previous_date",
    "project",
    "rank",
    "ranked",
    "reallocate",
    "reallocations",
    "record_download",
    "record_export",
    "refresh",
    "reported_by",
    "review",
    "revisions",
    "revoke_token",
    "save_reallocation",
    "save_whatif",
    "seal",
    "set_targets",
    "set_user",
    "simulate",
    "table",
    "targets",
    "tokens",
    "train",
    "unusual_notes",
    "users",
    "validate",
    "validation_rules",
    "verify",
    "vintages",
    "what_if",
    "what_it_takes",
    "whatifs",
    "write_export",
    "write_template",
]


# --- who acts ------------------------------------------------------------------------------------
def _actor(actor: Actor | None) -> Actor:
    return actor or Actor.os_user()


def permit(store: Store, actor: Actor | None, action: str) -> dict:
    """The author record of ``actor`` if their role may do ``action`` (``access.roles.NEEDS``); otherwise
    the refusal is recorded in the audit trail, whoever asked (signed in or nobody), and ``PermissionDenied``
    raised. A refusal stands where it cannot be recorded (a read-only store)."""
    actor = _actor(actor)
    if not actor.allowed(action):
        with contextlib.suppress(StoreError):
            store.audit.record(
                action, actor.by(), DENIED, details={"role": actor.role or "", "signed_in": actor.signed_in}
            )
        actor.check(action)
    return actor.by()


@contextlib.contextmanager
def _refusals(store: Store, action: str, by: dict, target: str = "") -> Iterator[None]:
    """Record ``action`` as refused when it raises a ``ForecastError`` (a validation error is recorded where it
    is found); the error goes on, and stands where it cannot be recorded."""
    try:
        yield
    except ValidationError:
        raise
    except ForecastError as exc:
        with contextlib.suppress(StoreError):
            store.audit.record(action, by, REFUSED, target=target, details={"reason": str(exc)[:500]})
        raise


# --- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ranked:
    """A ranking and the review it came from; with a comparison, the earlier report's date."""

    table: pl.DataFrame
    review: R.Review
    compared_to: dt.date | None = None


@dataclass(frozen=True)
class PortfolioReport:
    table: pl.DataFrame
    review: R.Review


@dataclass(frozen=True)
class KpiReport:
    """Every KPI's attainment, with the model set whose KPI model (if any) gave the chances."""

    table: pl.DataFrame
    models: registry.ModelSet | None
    fitted: dict | None  # the KPI model of the set (None: the documented rules)


@dataclass(frozen=True)
class BacktestReport:
    """The money backtest (None when the history has too few finance years, ``money_reason`` says why),
    the champions' reliability and the KPI attainment backtest (None when not asked for or not possible)."""

    result: BacktestResult | None
    history: engine.History
    reliability: pl.DataFrame | None
    kpi: KpiBacktest | None
    money_reason: str = ""


@dataclass(frozen=True)
class Export:
    data: bytes
    review: R.Review


@dataclass(frozen=True)
class AuditTrail:
    entries: pl.DataFrame
    problems: list[str]
    anchor: str = ""  # the digests that pin the store now (``anchor``), when it verifies


@dataclass(frozen=True)
class Verified:
    problems: list[str]
    vintages: int
    audit_entries: int


# --- stores, files and tables --------------------------------------------------------------------
def create_store(
    path: Path | str,
    calendar: FiscalCalendar | None = None,
    unit: AmountUnit | None = None,
    from_reference: bool = False,
    actor: Actor | None = None,
    current: Store | None = None,
    activate_trained: bool = False,
) -> Store:
    """Make a store (empty, or holding the reference data as vintage 1); ``current`` is the store the actor
    is using, where a refusal is recorded."""
    actor = _actor(actor)
    if current is not None:
        permit(current, actor, roles.CREATE_STORE)
    else:
        actor.check(roles.CREATE_STORE)
    return Store.create(
        path, calendar, unit, from_reference=from_reference, by=actor.by(), activate_trained=activate_trained
    )


def reported_by(store: Store, as_of: str | dt.date | None) -> None:
    """Refuse a report date before the store's first report (``InputError``, naming that report's date):
    nothing was known then. "latest", "all" and a store without reports pass."""
    if as_of in (None, "latest", "all"):
        return
    day = parse_as_of(as_of)
    dates = store.report_dates()
    if dates and day < dates[0]:
        raise InputError(
            f"there is no report on or before {day}: the first report is dated {dates[0]}.",
            key="error_as_of_before_first",
            day=day,
            first=dates[0],
        )


def table(store: Store, name: str, as_of: str = "latest", project_id: str | None = None) -> pl.DataFrame:
    """A table as known at a report date (``all``: every vintage's figures), optionally of one project;
    a date before the first report is refused (``reported_by``)."""
    reported_by(store, as_of)
    df = store.read(name, as_of)
    return df.filter(pl.col(s.PROJECT_ID) == project_id) if project_id else df


def vintages(store: Store) -> pl.DataFrame:
    return store.vintages()


def revisions(store: Store, include_text: bool = False) -> pl.DataFrame:
    """Every restatement, budget revision and correction."""
    return store.revisions(include_text=include_text)


def verify(store: Store, against: str | None = None) -> Verified:
    """Every vintage, manifest and file, HEAD, the latest view, the audit trail's chain and seals, and each
    vintage against its audit entry; the first broken link comes first. ``against`` (the text ``anchor``
    printed, kept elsewhere) also proves that nothing up to those digests changed or was cut off."""
    anchor = Anchor.parse(against) if against is not None else None
    problems = store.verify(full=True, against=anchor)
    if problems:  # a damaged store: its manifests and trail are not read further
        return Verified(problems, 0, 0)
    return Verified(problems, len(store.manifests()), store.audit.entries().height if store.root is not None else 0)


def anchor(store: Store) -> Anchor:
    """The digests that pin the store as it is now (after verifying it): keep ``.text`` elsewhere, and prove
    later with ``verify(store, against=...)`` that nothing up to it changed."""
    if store.disk is None:
        raise StoreError("the embedded reference data ships with the program; it has no chain to anchor.")
    problems = store.verify(full=True)
    if problems:
        raise StoreError(
            "the store does not verify, so it cannot be anchored:\n" + "\n".join(f"  {p}" for p in problems)
        )
    return store.anchor()


def seal(store: Store, actor: Actor | None = None) -> int:
    """Seal a store written before keyed chains, as it is now (administrators); the vintages sealed."""
    by = permit(store, actor, roles.SEAL)
    with _refusals(store, "seal", by):
        return store.seal(by)


def validation_rules() -> pl.DataFrame:
    """Every validation rule, in English and Thai."""
    return rules_frame()


def write_template(out: Path | str) -> Path:
    """The blank Excel template, written to ``out``."""
    return templates.write_template(out)


def validate(store: Store, paths: Sequence[Path | str], actor: Actor | None = None) -> Checked:
    """Check files against the template and the store; writes nothing."""
    permit(store, actor, roles.VALIDATE)
    return store.check(paths)


def ingest(store: Store, paths: Sequence[Path | str], note: str = "", actor: Actor | None = None) -> IngestResult:
    """Validate and store files as one vintage (see ``Store.ingest``), then refresh the kept review."""
    by = permit(store, actor, roles.INGEST)
    with _refusals(store, "ingest", by):
        result = store.ingest(paths, note=note, by=by)
    if result.vintage is not None:
        refresh(store)
    return result


def ingest_tables(
    store: Store, tables: dict[str, pl.DataFrame], note: str = "", actor: Actor | None = None, source: str = "api"
) -> IngestResult:
    """Validate and store tables given in memory (as they would be read from files) as one vintage."""
    by = permit(store, actor, roles.INGEST)
    result = store.ingest_tables(tables, note=note, by=by, source=source)
    if result.vintage is not None:
        refresh(store)
    return result


def targets(store: Store) -> pl.DataFrame:
    """The disbursement targets per fiscal year, every vintage of them."""
    return store.read("targets", "all")


@dataclass(frozen=True)
class TargetsSet:
    """What setting targets did (``result.vintage`` is None when they were unchanged) and the targets kept now."""

    result: IngestResult
    targets: pl.DataFrame


def set_targets(
    store: Store,
    fiscal_year: int,
    year_end: float,
    quarterly: Sequence[float | None] | None = None,
    note: str = "",
    actor: Actor | None = None,
    as_of: dt.date | None = None,
) -> TargetsSet:
    """Keep a fiscal year's targets in the store, validated and stored as a vintage of the targets table
    dated ``as_of`` (today by default), as an ingest of a targets file would."""
    by = permit(store, actor, roles.SET_TARGETS)
    row = {
        s.FISCAL_YEAR: str(fiscal_year),
        s.AS_OF: (as_of or dt.date.today()).isoformat(),
        s.YEAR_END: repr(year_end),
        **{q: None if v is None else repr(v) for q, v in zip(s.QUARTER_TARGETS, quarterly or [None] * 4)},
        s.NOTE: note,
    }
    frame = pl.DataFrame([row], schema=dict.fromkeys(row, pl.String)).select(s.TARGETS.names)
    with _refusals(store, "set targets", by, str(fiscal_year)):
        result = store.ingest_tables(
            {"targets": frame}, note=TARGETS_NOTE.format(y=fiscal_year), by=by, source="targets set"
        )
    if result.vintage is not None:
        refresh(store)
    return TargetsSet(result, targets(store))


def simulate(
    out: Path | str,
    projects: int,
    years: int,
    seed: int = 0,
    as_of_quarter: int | None = None,
    agencies: int | None = None,
    profile: str = "default",
    file_format: str = "csv",
    year_shock: float | None = None,
) -> tuple[dict[str, pl.DataFrame], list[Path]]:
    """Write a SYNTHETIC history in the template (marked as such); returns its tables and files."""
    frames = synthetic.simulate(projects, years, seed, as_of_quarter, agencies, profile=profile, year_shock=year_shock)
    args = {
        "projects": projects,
        "years": years,
        "seed": seed,
        "as_of_quarter": as_of_quarter,
        "agencies": agencies,
        "profile": profile,
        **({"year_shock": year_shock} if year_shock is not None else {}),
    }
    return frames, synthetic.write(frames, out, file_format, args)


# --- users and the audit trail -------------------------------------------------------------------
def users(store: Store, actor: Actor | None = None) -> pl.DataFrame:
    permit(store, actor, roles.MANAGE_USERS)
    return store.users.listing()


def add_user(store: Store, name: str, role: str, password: str | None = None, actor: Actor | None = None) -> str | None:
    """Add a user; returns their one-time password (None when ``password`` was given)."""
    by = permit(store, actor, roles.MANAGE_USERS)
    with _refusals(store, "user add", by, name):
        otp = store.users.add(name, role, password, by=by["user"])
    store.audit.record("user add", by, target=name, details={"role": role})
    return otp


def remember_sign_in(store: Store, user: str) -> str | None:
    """A signed, expiring token that keeps ``user`` signed in across reloads (``access.sessions``)."""
    return sessions.issue(store.signing_key(), store.users, user)


def remembered(store: Store, token: str | None) -> tuple[str, str] | None:
    """(user, current role) of a remembered sign-in, or None when the token does not hold."""
    if not token or store.read_only:
        return None
    user = sessions.check(store.signing_key(), store.users, token)
    role = store.users.role(user) if user else None
    return (user, role) if user and role else None


def issue_token(
    store: Store, name: str, days: int = 90, label: str = "", actor: Actor | None = None
) -> tuple[str, str]:
    """An API token for a user (for the HTTP service): its id and the secret, shown once, stored hashed."""
    by = permit(store, actor, roles.MANAGE_USERS)
    with _refusals(store, "token issue", by, name):
        tid, token = Tokens(store.access_dir, store.users).issue(name, days, by=by["user"], label=label)
    store.audit.record("token issue", by, target=name, details={"token": tid, "days": days})
    return tid, token


def tokens(store: Store, actor: Actor | None = None) -> pl.DataFrame:
    """The API tokens (never the secrets)."""
    permit(store, actor, roles.MANAGE_USERS)
    return Tokens(store.access_dir, store.users).listing()


def revoke_token(store: Store, token_id: str, actor: Actor | None = None) -> str:
    """Revoke an API token by its id; returns the user it was for."""
    by = permit(store, actor, roles.MANAGE_USERS)
    with _refusals(store, "token revoke", by, token_id):
        user = Tokens(store.access_dir, store.users).revoke(token_id)
    store.audit.record("token revoke", by, target=user, details={"token": token_id})
    return user


USER_ACTIONS = ("disable", "enable", "role", "passwd", "reset")


def set_user(
    store: Store,
    name: str,
    action: str,
    role: str | None = None,
    password: str | None = None,
    actor: Actor | None = None,
) -> str | None:
    """``disable``, ``enable``, ``role`` (with ``role``), ``passwd`` or ``reset`` (a new password: the one
    given, else a one-time password, returned)."""
    if action not in USER_ACTIONS or (action == "role" and not role):
        raise ValueError(f"unknown user action {action!r}")
    by = permit(store, actor, roles.MANAGE_USERS)
    otp = None
    with _refusals(store, f"user {action}", by, name):
        if action == "disable":
            store.users.disable(name)
        elif action == "enable":
            store.users.enable(name)
        elif action == "role":
            store.users.set_role(name, role)  # type: ignore[arg-type]
        else:
            otp = store.users.passwd(name, password)
    store.audit.record(f"user {action}", by, target=name, details={"role": role} if role else {})
    return otp


def audit_trail(store: Store, since: str | dt.date | None = None, actor: Actor | None = None) -> AuditTrail:
    """The audit trail (since a date), the problems of the store's chains and seals (vintages and trail; empty
    when they hold) and, when they hold, the digests to keep elsewhere."""
    permit(store, actor, roles.READ_AUDIT)
    entries = store.audit.entries(None if since is None else parse_as_of(since))
    if store.disk is None:
        return AuditTrail(entries, store.audit.problems())
    problems = store.verify(full=True)
    return AuditTrail(entries, problems, "" if problems else store.anchor().text)


# --- one project: what it takes, what if --------------------------------------------------------
def _project_rows(rv: R.Review, project_id: str) -> tuple[dict, pl.DataFrame]:
    p = rv.projection.filter(pl.col(s.PROJECT_ID) == project_id).row(0, named=True)
    fin = rv.snapshot.finance.filter(
        (pl.col(s.FISCAL_YEAR) == p[s.FISCAL_YEAR]) & (pl.col(s.PROJECT_ID) == project_id)
    ).sort(s.QUARTER)
    return p, fin


def what_it_takes(rv: R.Review, project_id: str) -> dict:
    """What a project must still disburse by the fiscal year end to reach the review's target (``plan.need``)."""
    p, fin = _project_rows(rv, project_id)
    return plan.need(p, fin, rv.snapshot.calendar, rv.policy.target)


def what_if(rv: R.Review, project_id: str, remaining: float) -> dict:
    """The projection moved so that ``remaining`` is disbursed in the quarters left (``plan.scenario``):
    with ``remaining`` = projected p50 - disbursed to date, the project's own figures."""
    p, _ = _project_rows(rv, project_id)
    kpi_risk = rv.risk.filter(pl.col(s.PROJECT_ID) == project_id)[risk.P_MISS_KPI]
    row = {**p, risk.P_MISS_KPI: kpi_risk[0] if kpi_risk.len() else None}
    return plan.scenario(row, remaining, rv.snapshot.calendar, rv.policy)


# --- what-ifs ------------------------------------------------------------------------------------
WHATIFS = "whatifs.jsonl"  # in the store's access folder, one JSON line per saved what-if


# a saved what-if, as people read it: when, for which report, the amount added, where the year ends (amount and
# share of the budget), the chance of missing the target and whether it meets it
WHATIF_AT, WHATIF_AS_OF, WHATIF_EXTRA, WHATIF_YEAR_END, WHATIF_SHARE, WHATIF_P_MISS, WHATIF_MEETS = WHATIF_COLUMNS = (
    "at",
    "as_of",
    "extra",
    "year_end",
    "share",
    "p_miss",
    "meets_target",
)


def _append_line(store: Store, name: str, entry: dict) -> None:
    """One JSON line appended to a file of the store's access folder, under its lock."""
    folder = store.access_dir
    with locked(folder), open(folder / name, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _read_lines(store: Store, name: str) -> list[dict]:
    """The JSON lines of a file of the store's access folder, oldest first (a damaged line is skipped)."""
    path = store.access_dir / name
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def save_whatif(
    store: Store,
    project_id: str,
    fiscal_year: int,
    as_of: str,
    extra: float,
    outcome: dict,
    note: str = "",
    actor: Actor | None = None,
) -> dict:
    """Keep a planner's what-if (``outcome`` from ``decisions.plan.scenario``) under their name."""
    by = permit(store, actor, roles.SAVE_WHATIF)
    entry = {
        "user": by["user"],
        WHATIF_AT: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "project_id": project_id,
        "fiscal_year": fiscal_year,
        WHATIF_AS_OF: as_of,
        WHATIF_EXTRA: round(float(extra), 4),
        WHATIF_YEAR_END: round(float(outcome["year_end"]), 4),
        WHATIF_SHARE: round(float(outcome["share"]), 4),
        WHATIF_P_MISS: round(float(outcome["p_miss_disbursement"]), 4),
        WHATIF_MEETS: bool(outcome["meets_target"]),
        "note": note[:300],
    }
    _append_line(store, WHATIFS, entry)
    store.audit.record(
        "save what-if", by, target=project_id, details={k: entry[k] for k in ("extra", "year_end", "p_miss")}
    )
    return entry


def whatifs(store: Store, user: str, project_id: str | None = None) -> list[dict]:
    """A user's saved what-ifs (newest first)."""
    lines = _read_lines(store, WHATIFS)
    return [e for e in lines if e.get("user") == user and (project_id is None or e.get("project_id") == project_id)][
        ::-1
    ]


# --- exports -------------------------------------------------------------------------------------
def export(
    store: Store,
    name: str,
    render: Callable[[R.Review], bytes],
    as_of: str | dt.date = "latest",
    actor: Actor | None = None,
    details: dict | None = None,
    out: Path | str | None = None,
) -> Export:
    """An export of a report date's review, made by ``render`` (the Excel report, the PDF summary, a CSV)
    and recorded in the audit trail with its name, report date and size; with ``out`` also written there, and
    only once the record is (``durable.publish``)."""
    by = permit(store, actor, roles.EXPORT)
    rv = review(store, as_of)
    data = render(rv)

    def record() -> None:
        store.audit.record(
            "export", by, target=name, details={"as_of": str(rv.snapshot.as_of), **(details or {}), "bytes": len(data)}
        )

    if out is None:
        record()
    else:  # the file appears only once its audit record is written (and neither when the file cannot be)
        publish(Path(out), data, record)
    return Export(data, rv)


def record_export(store: Store, name: str, details: dict | None = None, actor: Actor | None = None) -> None:
    """An export a door writes itself (the command line's ``--format csv|tsv|json``, a predictions file), in the
    audit trail before it is written: when the record cannot be written (a full disk, a read-only store),
    ``StoreError`` says so and the door writes nothing. The public, read-only reference data is not recorded
    (as the public viewer's downloads are not)."""
    by = permit(store, actor, roles.EXPORT)
    if store.root is not None:
        store.audit.record("export", by, target=name, details=details or {})


def write_export(store: Store, out: Path | str, data: bytes, details: dict | None = None, actor: Actor | None = None):
    """Write an export file (``out``) only once its audit record is written (``record_export``)."""
    publish(Path(out), data, lambda: record_export(store, Path(out).name, details, actor))


def record_download(store: Store, name: str, as_of: str, actor: Actor | None = None) -> None:
    """A download of an export, in the audit trail (the public viewer of the reference data is not recorded)."""
    actor = _actor(actor)
    by = permit(store, actor, roles.EXPORT)
    if actor.signed_in:
        store.audit.record("download", by, target=name, details={"as_of": as_of})


# --- model sets ----------------------------------------------------------------------------------
def models_of(store: Store, models: Models = ACTIVE) -> registry.ModelSet | None:
    """The store's active model set (``"active"``), a given one, or None (the structural model)."""
    if models != ACTIVE:
        return models  # type: ignore[return-value]
    return load_model_set(store, active_version(store))


def active_version(store: Store) -> str | None:
    """The version of the store's active model set (None: none; projections use the structural rule)."""
    return registry.active_version(store.models_dir)


def load_model_set(store: Store, version: str | None) -> registry.ModelSet | None:
    """A saved model set of the store, after its signature and artifacts are verified (None for None)."""
    return registry.load(store.models_dir, store.signing_key(), version) if version else None


AWAITS_ACTIVATION = "awaits_activation"


def _awaiting(store: Store) -> set[str]:
    """The saved sets trained to go live that wait for an administrator (not active), from one read of the trail."""
    trail = store.audit.entries()
    trained = trail.filter(pl.col(audit.ACTION) == "train").unique(audit.TARGET, keep="last", maintain_order=True)
    waiting = {
        v
        for v, d in trained.select(audit.TARGET, audit.DETAILS).iter_rows()
        if json.loads(d or "{}").get(AWAITS_ACTIVATION)
    }
    return waiting - {active_version(store)}


def awaits_activation(store: Store, version: str | None) -> bool:
    """Whether a saved set was trained to go live but waits for an administrator's activation."""
    return bool(version) and version in _awaiting(store)


def model_sets(store: Store, lang: str | None = None) -> pl.DataFrame:
    """Every saved model set, with whether this store's key signs it and whether it awaits activation (as
    recorded, or for people in ``lang``)."""
    key = store.signing_key() if registry.versions(store.models_dir) else None
    listing = registry.listing(store.models_dir, key, lang, store.calendar.era)
    if listing.is_empty() or "version" not in listing.columns:
        return listing
    return listing.with_columns(pl.col("version").is_in(sorted(_awaiting(store))).alias(AWAITS_ACTIVATION))


def activate(store: Store, version: str, foreign: bool = False, actor: Actor | None = None) -> bool:
    """Make a model set the active one, recorded in the audit trail; True when it was accepted as foreign."""
    by = permit(store, actor, roles.ACTIVATE)
    try:
        was_foreign = registry.activate(
            store.models_dir, version, store.signing_key(), foreign, by, verify=lambda fp: _own_history(store, fp)
        )
    except RegistryError as exc:
        store.audit.record("activate", by, REFUSED, target=version, details={"reason": str(exc)})
        raise
    store.audit.record(
        "activate",
        by,
        OK,
        target=version,
        details={"foreign": True, "warning": "a model set trained elsewhere was accepted"} if was_foreign else {},
    )
    refresh(store)
    return was_foreign


def _own_history(store: Store, fingerprint: str) -> str | None:
    """The provenance of this store's own history (history, synthetic history) when a model set's training
    fingerprint is that history's; None when it is not, or the store has no complete year to compare."""
    try:
        h = engine.history(store.snapshot())
    except ForecastError:
        return None
    return h.basis if h.project_years and h.fingerprint == fingerprint else None


def history(store: Store, paths: Sequence[Path | str] | None = None) -> engine.History:
    """Training history: the given files (in the template), else the store's complete fiscal years."""
    if paths:
        return engine.read_history(paths, store.calendar)
    return engine.history(store.snapshot())


def backtest(
    store: Store,
    paths: Sequence[Path | str] | None = None,
    target: float = s.DEFAULT_TARGET,
    progress: Callable[[float, str], None] | None = None,
) -> tuple[BacktestResult, engine.History]:
    h = history(store, paths)
    return engine.backtest(h, target, progress), h


def backtest_report(
    store: Store,
    paths: Sequence[Path | str] | None = None,
    target: float = s.DEFAULT_TARGET,
    progress: Callable[[float, str], None] | None = None,
    kpis: bool = True,
) -> BacktestReport:
    """The rolling-origin backtest of every model and baseline, the champions' reliability and (with
    ``kpis``) the KPI attainment backtest. A history with too few finance years for the money model gets
    the KPI backtest alone; with too few KPI years as well, ``HistoryError`` says so."""
    h = history(store, paths)
    if len(h.years) < MIN_YEARS:
        money = (
            f"the money model needs at least {MIN_YEARS} complete fiscal years of finance; this history has "
            f"{len(h.years)}"
        )
        kb = engine.kpi_backtest(h)
        if kb is None:
            raise HistoryError(f"nothing to backtest: {money}, and fewer than 2 complete years of KPI results.")
        return BacktestReport(None, h, None, kb, money)
    result = engine.backtest(h, target, progress)
    return BacktestReport(result, h, reliability(result.predictions, target), engine.kpi_backtest(h) if kpis else None)


def train(
    store: Store,
    paths: Sequence[Path | str] | None = None,
    target: float = s.DEFAULT_TARGET,
    progress: Callable[[float, str], None] | None = None,
    activate: bool = True,
    actor: Actor | None = None,
) -> registry.ModelSet:
    """Backtest, fit and save a model set signed for this store; recorded in the audit trail.

    With ``activate``, the new set becomes the active one if the actor may activate (an administrator, the
    store's owner on the command line) or the store says trained sets go live (``activate_trained``);
    otherwise it is saved and waits for an administrator (``awaits_activation``)."""
    by = permit(store, actor, roles.TRAIN)
    may = _actor(actor).allowed(roles.ACTIVATE) or store.activate_trained
    awaits, activate = activate and not may, activate and may
    files = [{"name": p.name, "sha256": sha256_file(p)} for p in templates.expand(paths or []) if p.is_file()]
    try:
        registry.check_writable(store.models_dir)
        h = history(store, paths)
        ms = engine.train(h, store.models_dir, target, progress, activate, by, store.id, store.signing_key())
    except ForecastError as exc:
        store.audit.record("train", by, REFUSED, details={"history": files or "store", "reason": str(exc)[:500]})
        raise
    store.audit.record(
        "train",
        by,
        OK,
        target=ms.version,
        details={
            "history": files or "store",
            "basis": ms.basis,
            "years": ms.manifest["years"],
            "activated": activate,
            "awaits_activation": awaits,
            "manifest_sha256": sha256_file(store.models_dir / ms.version / registry.MANIFEST),
        },
    )
    if activate:
        refresh(store)
    return ms


# --- reviews: projections, KPIs, risk, portfolios ------------------------------------------------
def _snapshot(store: Store, as_of: str | dt.date) -> Snapshot:
    reported_by(store, as_of)
    return store.snapshot(as_of, last_years=2)


def review(
    store: Store,
    as_of: str | dt.date = "latest",
    policy: RiskPolicy | None = None,
    models: Models = ACTIVE,
    *,
    target: float | None = None,
    quarterly_targets: Quarterly | None = None,
    snapshot: Snapshot | None = None,
) -> R.Review:
    """A report date's review: projection, KPIs and risk. The policy is the one given, else the store's
    targets for the year unless ``target`` / ``quarterly_targets`` are given for this run. ``snapshot`` is the
    store's snapshot at ``as_of`` where the caller has already read it (the app keeps them)."""
    snap = snapshot if snapshot is not None else _snapshot(store, as_of)
    if policy is None:
        policy = R.policy_for(snap, target, quarterly_targets)
    return R.review(snap, models_of(store, models), policy, store.results)


def previous_date(store: Store, as_of: str | dt.date = "latest") -> dt.date | None:
    """The report before the one in effect at ``as_of``; None when there is none."""
    current = as_of if isinstance(as_of, dt.date) else _snapshot(store, as_of).as_of
    return R.previous_date(store.report_dates(), current)


def previous(
    store: Store, as_of: str | dt.date = "latest", models: Models = ACTIVE, target: float | None = None
) -> R.Review | None:
    """The review of the report before the one at ``as_of`` (for "what changed"); None when there is none."""
    before = previous_date(store, as_of)
    return None if before is None else review(store, before.isoformat(), models=models, target=target)


def compare(now: R.Review, before: R.Review, lang: str = "th") -> pl.DataFrame:
    """The ranking of ``now`` with the rank, level and reasons each project had in ``before``."""
    return R.compare(now, before, lang)


def refresh(store: Store) -> R.Review | None:
    """Compute and keep the latest review and portfolios (whole, by agency) with the active model set,
    and the review of the report before it (for "what changed"), so that the app and the CLI read
    them instead of computing them; None when nothing can be kept (the read-only reference data, an
    empty store) or the active set cannot be loaded."""
    if not store.results.enabled:
        return None
    try:
        snap = _snapshot(store, "latest")
        if snap.fiscal_year is None:
            return None
        store.revisions()  # the restatements the overview counts
        ms = models_of(store)
        rv = R.precompute(snap, ms, store.results)
        before = R.previous_date(store.report_dates(), snap.as_of)
        if before is not None:
            earlier = _snapshot(store, before.isoformat())
            R.review(earlier, ms, R.policy_for(earlier), store.results)
        return rv
    except ForecastError:
        return None  # best effort: a reader computes what is not kept, and says why a set cannot be loaded


def unusual_notes(rv: R.Review, lang: str = "th") -> list[str]:
    """The review's unusual-year and drift notes (``decisions.unusual``: the codes are ``rv.unusual``) as
    sentences in ``lang``, each saying how the ranges were handled; empty in an ordinary year."""
    return [note_text(n.code, n.params, lang) for n in rv.unusual]


def project(
    store: Store,
    as_of: str | dt.date = "latest",
    models: Models = ACTIVE,
    target: float | None = None,
) -> pl.DataFrame:
    """Year-end disbursed and spend per project of the latest fiscal year (p10/p50/p90)."""
    return review(store, as_of, models=models, target=target).projection


def portfolio_report(
    store: Store,
    by: str | None = None,
    as_of: str | dt.date = "latest",
    target: float | None = None,
    models: Models = ACTIVE,
    draws: int = 10_000,
    seed: int = 0,
) -> PortfolioReport:
    """The whole portfolio and each group (agency, plan_line or owner), with the review it came from;
    ``draws`` is 1 to ``MAX_DRAWS`` (``InputError`` otherwise)."""
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        raise InputError(
            f"the number of joint draws is a whole number from 1 to {MAX_DRAWS:,} (10,000 by default); got {draws}.",
            key="error_draws",
            got=draws,
            most=f"{MAX_DRAWS:,}",
        )
    rv = review(store, as_of, models=models, target=target)
    return PortfolioReport(rv.portfolio(by, draws, seed), rv)


def portfolio(
    store: Store,
    by: str | None = None,
    as_of: str | dt.date = "latest",
    target: float | None = None,
    models: Models = ACTIVE,
    draws: int = 10_000,
    seed: int = 0,
) -> pl.DataFrame:
    """The whole portfolio and each group (agency, plan_line or owner): joint range, P(miss), shortfall."""
    return portfolio_report(store, by, as_of, target, models, draws, seed).table


def kpi_report(store: Store, as_of: str | dt.date = "latest", models: Models = ACTIVE) -> KpiReport:
    """Every KPI's projected year-end value and chance of its target, with the model set used."""
    ms = models_of(store, models)
    fitted = K.model_of(ms.manifest if ms else None)
    return KpiReport(K.attainment(_snapshot(store, as_of), fitted), ms, fitted)


def kpi_attainment(store: Store, as_of: str | dt.date = "latest", models: Models = ACTIVE) -> pl.DataFrame:
    """Every KPI's projected year-end value and chance of reaching its target."""
    return kpi_report(store, as_of, models).table


def ranked(
    store: Store,
    as_of: str | dt.date = "latest",
    policy: RiskPolicy | None = None,
    lang: str = "th",
    models: Models = ACTIVE,
    compare_to: str | dt.date | None = None,
    *,
    target: float | None = None,
    quarterly_targets: Quarterly | None = None,
) -> Ranked:
    """Projects by risk, highest first, with the review; with ``compare_to`` ("previous", a report date or a
    store vintage number) the comparison with that report (previous rank, move, newly high risk)."""
    ms = models_of(store, models)
    now = review(store, as_of, policy, ms, target=target, quarterly_targets=quarterly_targets)
    if compare_to is None or now.risk.is_empty():
        return Ranked(now.ranking(lang), now)
    before_date = R.compare_date(store.report_dates(), now.snapshot.as_of, compare_to, store.manifests())
    before = R.review(_snapshot(store, before_date), ms, now.policy, store.results)
    return Ranked(R.compare(now, before, lang), now, before_date)


def rank(
    store: Store,
    as_of: str | dt.date = "latest",
    policy: RiskPolicy | None = None,
    lang: str = "th",
    models: Models = ACTIVE,
    compare_to: str | dt.date | None = None,
    *,
    target: float | None = None,
    quarterly_targets: Quarterly | None = None,
) -> pl.DataFrame:
    """Projects by risk, highest first; with ``compare_to`` ("previous", a report date or a store vintage
    number) also the previous rank, the move, whether the project is newly high-risk and ``compared_to``."""
    out = ranked(store, as_of, policy, lang, models, compare_to, target=target, quarterly_targets=quarterly_targets)
    if out.compared_to is None:
        return out.table
    return out.table.with_columns(pl.lit(out.compared_to).alias("compared_to"))


# --- reallocation advice -------------------------------------------------------------------------
@dataclass(frozen=True)
class Reallocation:
    """Proposed transfers (or a person's what-if), what each project can give and take, the effect before and
    after, and the review they came from. Advice only: no budget is changed."""

    plan: RA.Plan
    review: R.Review

    @property
    def transfers(self) -> pl.DataFrame:
        return self.plan.transfers


def reallocate(
    store: Store,
    as_of: str | dt.date = "latest",
    within: str = RA.DEFAULT_WITHIN,
    appetite: float = RA.APPETITE,
    target: float | None = None,
    max_transfer_share: float = RA.MAX_TRANSFER_SHARE,
    *,
    needs: dict[str, float] | None = None,
    transfers: pl.DataFrame | Sequence[dict] | None = None,
    models: Models = ACTIVE,
    draws: int = RA.DRAWS,
    seed: int = 0,
    actor: Actor | None = None,
    snapshot: Snapshot | None = None,
) -> Reallocation:
    """Mid-year transfers from the projects that will leave money unused (at the risk ``appetite``) to those
    that can disburse more, within each ``within`` group (``decisions.reallocation``); with ``transfers``
    (from_id, to_id, amount) the effect of a person's own plan instead, and the limits it breaks. ``needs``
    (project id -> additional need, the store's unit) caps what a project is offered."""
    permit(store, actor, roles.VIEW)
    rv = review(store, as_of, models=models, target=target, snapshot=snapshot)
    out = rv.reallocation(within, appetite, max_transfer_share, needs, transfers, draws, seed)
    return Reallocation(out, rv)


REALLOCATIONS = "reallocations.jsonl"  # in the store's access folder, one JSON line per saved plan


def save_reallocation(store: Store, made: Reallocation, note: str = "", actor: Actor | None = None) -> dict:
    """Keep a reallocation plan (proposed or edited) under the user's name, in the audit trail too. The plan is
    advice: no budget changes."""
    by = permit(store, actor, roles.SAVE_WHATIF)
    p, whole = made.plan, made.plan.effect.row(0, named=True) if made.plan.effect.height else {}
    entry = {
        "user": by["user"],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": str(made.review.snapshot.as_of),
        "fiscal_year": made.review.snapshot.fiscal_year,
        "within": p.within,
        "appetite": p.appetite,
        "target": p.target,
        "max_transfer_share": p.max_transfer_share,
        "transfers": [
            {RA.FROM_ID: r[RA.FROM_ID], RA.TO_ID: r[RA.TO_ID], RA.AMOUNT: str(r[RA.AMOUNT])}
            for r in p.transfers.iter_rows(named=True)
        ],
        "p_miss_before": whole.get(RA.P_MISS_BEFORE),
        "p_miss_after": whole.get(RA.P_MISS_AFTER),
        "unused_before": str(whole.get(RA.UNUSED_BEFORE)),
        "unused_after": str(whole.get(RA.UNUSED_AFTER)),
        "note": note[:300],
    }
    _append_line(store, REALLOCATIONS, entry)
    store.audit.record(
        "save reallocation",
        by,
        target=entry["as_of"],
        details={k: entry[k] for k in ("within", "transfers", "p_miss_before", "p_miss_after")},
    )
    return entry


def reallocations(store: Store, user: str | None = None) -> list[dict]:
    """Saved reallocation plans (newest first), of one user or everyone's."""
    if store.root is None:
        return []
    return [e for e in _read_lines(store, REALLOCATIONS) if user is None or e.get("user") == user][::-1]
