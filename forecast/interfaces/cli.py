"""The ``forecast`` command line: ``forecast [--store DIR] COMMAND``.

Only this module speaks of flags. It catches ``ForecastError`` (a problem the user can fix:
one message, exit 2; invalid input files: exit 1) and nothing else, so a bug shows as one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import os
import shutil
import sys
from pathlib import Path

import polars as pl

from forecast import config
from forecast.access.roles import ROLES
from forecast.access.tokens import Tokens
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.revisions import money_text
from forecast.data.snapshot import parse_as_of
from forecast.data.store import Store, author
from forecast.data.units import SCALES, AmountUnit
from forecast.data.validate import ValidationError, issues_frame
from forecast.errors import ForecastError, HistoryError, InputError, StoreError
from forecast.interfaces.table import render, wrap

FORMATS = ("table", "csv", "json")


def _texts(df: pl.DataFrame) -> pl.DataFrame:
    """Amounts as text with four decimals (six where given), as in the report (CSV and JSON)."""
    return df.with_columns(*(money_text(pl.col(c)) for c, d in df.schema.items() if isinstance(d, pl.Decimal)))


def width() -> int | None:
    """The terminal's width in display cells ($COLUMNS when set); None when writing to a pipe or a file
    without $COLUMNS (nothing is cut or wrapped then)."""
    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return max(shutil.get_terminal_size((100, 24)).columns, 40)
    return None


def note(text: str) -> None:
    """A message for people on stderr, wrapped to the terminal."""
    cells = width()
    print(str(text) if cells is None else wrap(str(text), cells), file=sys.stderr)


def emit(df: pl.DataFrame, fmt: str, out=None, *, compact: list[str] | None = None, wide: bool = False) -> None:
    """Print a frame: for people a table within the terminal's width (``compact`` columns unless
    ``wide``); CSV or JSON with every column and full precision for machines."""
    out = out or sys.stdout
    if fmt == "csv":
        out.write(_texts(df).write_csv())
    elif fmt == "json":
        out.write(_texts(df).write_json() + "\n")
    else:
        if compact and not wide:
            df = df.select([c for c in compact if c in df.columns])
        text, hidden = render(df, None if wide else width(), short=bool(compact) and not wide)
        out.write(text)
        if hidden:
            note(f"{len(hidden)} more column(s) ({', '.join(hidden)}): use --wide, or --format csv.")


def _print_issues(issues, fmt: str) -> None:
    if not issues:
        return
    if fmt == "table":
        for i in issues:
            print(f"  {i}")
    else:
        emit(issues_frame(issues), fmt)


def _open(args: argparse.Namespace) -> Store:
    return Store.open(args.store)


def _by() -> dict:
    return author("cli")


def cmd_init(args: argparse.Namespace) -> int:
    path = args.store or config.store_from_env() or config.DEFAULT_STORE_DIR
    cal = FiscalCalendar(args.fiscal_year_start, args.era, args.year_named_by)
    unit = AmountUnit(args.currency, args.unit)
    store = Store.create(path, cal, unit, from_reference=args.from_reference, by=_by())
    print(
        f"Created a store at {path}. Fiscal years start in month {cal.start_month}, numbered in {cal.era}; for "
        f"example {cal.year_label(cal.fiscal_year(dt.date.today()))}. Amounts in {unit.label('en')}."
    )
    if args.from_reference:
        print(f"It holds the embedded reference data as vintage 1 ({len(store.report_dates())} report dates).")
    print(f"Next: forecast --store {path} ingest projects.csv finance.csv kpis.csv kpi_results.csv")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    store = _open(args)
    df = store.read(args.table, args.as_of)
    if args.project:
        df = df.filter(pl.col(s.PROJECT_ID) == args.project)
    if args.format == "table":
        note(f"{args.table} as of {args.as_of} — {store.label}; amounts in {store.unit.label('en')}")
    emit(df, args.format, wide=args.wide)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if args.rules:
        from forecast.data.validate import rules_frame

        emit(rules_frame(), args.format, wide=args.wide)
        return 0
    if not args.paths:
        raise InputError("give the files or folders to validate (or --rules for the list of rules).")
    store = _open(args)
    checked = store.check(args.paths)
    if args.format == "table":
        rows = ", ".join(f"{k}: {v.height} rows" for k, v in checked.tables.items()) or "no table read"
        print(
            f"{', '.join(map(str, args.paths))} — {rows}; "
            f"{len(checked.errors)} error(s), {len(checked.warnings)} warning(s)."
        )
    _print_issues(checked.issues, args.format)
    return 1 if checked.errors else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from forecast import api

    store = _open(args)
    if store.read_only:
        raise StoreError(
            f"no store to ingest into: the embedded reference data is read-only, and nothing was "
            f"stored. Create one first: `forecast init --from-reference` (a store at "
            f"{config.DEFAULT_STORE_DIR} holding the reference data, to add quarters to) or "
            "`forecast --store DIR init` (an empty one)."
        )
    try:
        result = api.ingest(store, args.paths, note=args.note or "", by=_by())
    except ValidationError as exc:
        note(
            f"Not ingested: {len(exc.errors)} error(s), {len(exc.issues) - len(exc.errors)} warning(s); "
            "nothing was stored."
        )
        for i in exc.issues:
            print(f"  {i}", file=sys.stderr)
        return 1
    if result.vintage is None:
        print(f"No change: the data is already in {result.store}; nothing was written.")
    else:
        rows = ", ".join(f"{k} {v}" for k, v in result.rows.items())
        print(f"Stored vintage {result.vintage} in {result.store}: {rows} new or changed rows.")
    for i in result.issues:
        print(f"  {i}")
    return 0


def cmd_revisions(args: argparse.Namespace) -> int:
    emit(_open(args).revisions(include_text=args.include_text), args.format, wide=args.wide)
    return 0


def cmd_vintages(args: argparse.Namespace) -> int:
    store = _open(args)
    if args.format == "table":
        note(
            f"Store: {store.label}; calendar: start month {store.calendar.start_month}, era {store.calendar.era}; "
            f"amounts in {store.unit.label('en')}"
        )
    emit(store.vintages(), args.format, wide=args.wide)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    store = Store.open(args.store, verify=False)
    problems = store.verify(full=True)
    if not problems:
        entries = store.audit.entries().height if store.root is not None else 0
        print(
            f"{store.label}: every vintage, manifest and file checks out ({len(store.manifests())} vintage(s)), "
            f"and the audit trail's chain holds ({entries} entries)."
        )
        return 0
    note(f"{store.label}: {len(problems)} problem(s); the first broken link comes first:")
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    return 1


def cmd_refresh(args: argparse.Namespace) -> int:
    import time

    from forecast import api

    store = _open(args)
    if not store.results.enabled:
        note(f"Nothing to keep for {store.label}: it is read-only and small enough to compute each time.")
        return 0
    start = time.perf_counter()
    rv = api.refresh(store)
    if rv is None:
        note(f"No report in {store.label} to review (or the active model set cannot be loaded; see `forecast models`).")
        return 1
    print(
        f"Kept the review of {rv.snapshot.as_of} ({rv.projection.height} projects, model set "
        f"{rv.models.version if rv.models else 'none'}), its portfolios, the previous report's review and the "
        f"revisions in {store.results.folder} ({time.perf_counter() - start:.1f} s)."
    )
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from forecast.data.templates import write_template

    path = write_template(args.out)
    print(f"Wrote the Excel template to {path}")
    return 0


def _progress(fraction: float, text: str) -> None:
    print(f"  {fraction:4.0%} of the backtest and fits done ({text})", file=sys.stderr, flush=True)


def basis_note(basis: str, version: str | None = None) -> str:
    from forecast.model import engine

    if basis == engine.NO_HISTORY:
        return (
            "Basis: NO HISTORY - structural model (commitment conversion plus pace) of the current portfolio; "
            "its p10-p90 range is a scenario, not calibrated. Train on history with `forecast train`."
        )
    if basis == engine.SYNTHETIC:
        return (
            f"Basis: SYNTHETIC HISTORY - model set {version} was trained on simulated data, not on this "
            "agency's past; use it to exercise the product, not to decide."
        )
    return f"Basis: history - model set {version}."


def cmd_simulate(args: argparse.Namespace) -> int:
    from forecast.model import synthetic

    frames = synthetic.simulate(
        args.projects, args.years, args.seed, args.as_of_quarter, args.agencies, profile=args.profile
    )
    paths = synthetic.write(
        frames,
        args.out,
        args.file_format,
        {k: getattr(args, k) for k in ("projects", "years", "seed", "as_of_quarter", "agencies", "profile")},
    )
    fy = frames["projects"][s.FISCAL_YEAR]
    print(
        f"Wrote a SYNTHETIC history ({args.profile} profile) to {args.out}: "
        f"{frames['projects'].select(s.FISCAL_YEAR, s.PROJECT_ID).n_unique()} project-years, fiscal years "
        f"{fy.min()!s}-{fy.max()!s}"
        + (f" (the last reported to Q{args.as_of_quarter})" if args.as_of_quarter else "")
        + f"; files: {', '.join(p.name for p in paths)} and SYNTHETIC.md."
    )
    return 0


def _target(value: float) -> float:
    if not (isinstance(value, float) and math.isfinite(value) and 0 < value <= 1):
        raise InputError(f"--target is a share of the budget between 0 and 1 (e.g. 0.93); got {value}.")
    return value


def _quarterly(values: list[float] | None) -> tuple[float, float, float, float] | None:
    if not values:
        return None
    if not all(math.isfinite(v) and 0 <= v <= 1 for v in values) or any(b < a for a, b in itertools.pairwise(values)):
        raise InputError(
            "--quarterly-targets are four cumulative shares of the budget between 0 and 1 that never "
            f"decrease (e.g. 0.30 0.52 0.75 0.93); got {' '.join(map(str, values))}."
        )
    return tuple(values)  # type: ignore[return-value]


def cmd_train(args: argparse.Namespace) -> int:
    from forecast import api

    store = _open(args)
    ms = api.train(
        store,
        args.history,
        _target(args.target),
        _progress if args.format == "table" else None,
        activate=not args.no_activate,
        by=_by(),
    )
    if args.format == "table":
        m = ms.manifest
        print(
            f"Saved model set {ms.version} to {store.models_dir}"
            + (" (active)." if not args.no_activate else " (not activated).")
        )
        print(basis_note(ms.basis, ms.version))
        money, k = m.get("money") or {"trained": True}, m.get("kpi") or {}
        if money.get("trained"):
            print(
                f"Money model trained on {m['source']}: fiscal years {min(m['years'])}-{max(m['years'])}, "
                f"{m['rows']} project-years"
                + (f" ({m['closed_lines']} closed during the year, final budget 0)" if m.get("closed_lines") else "")
                + "."
            )
            if "spend" not in m.get("targets", []):
                print("Commitments not reported in the history: spend and P(money unused) are not modelled.")
            print(
                "Champions (lowest pinball loss of p10/p50/p90): "
                + ", ".join(f"Q{q}: {n}" for q, n in sorted(m["champions"].items()))
            )
        else:
            print(f"Money model not trained: {money.get('reason')}; projections use the structural rule.")
        print(_kpi_note(k))
    if (m := ms.manifest).get("money", {"trained": True}).get("trained"):
        emit(ms.metrics, args.format, wide=args.wide)
    elif args.format != "table":
        emit(pl.DataFrame((m.get("kpi") or {}).get("metrics") or []), args.format, wide=args.wide)
    return 0


def _kpi_note(k: dict) -> str:
    """One line on the KPI model of a model set: trained or why not, champion and Brier scores."""
    if not k.get("trained"):
        return f"KPI model not trained: {k.get('reason') or 'no KPI history'}; KPIs use the rules (no history)."
    b = k.get("brier") or {}
    scores = ", ".join(f"{n} {v:.3f}" for n, v in sorted(b.items(), key=lambda kv: kv[1]))
    years = k.get("years") or []
    rho = k.get("rho")
    return (
        f"KPI model trained on fiscal years {min(years)}-{max(years)} ({k.get('kpi_years')} KPI-years): "
        f"champion {k.get('champion')}; backtest Brier {scores}; correlation of a project's KPIs "
        + (f"{rho:.2f}" if rho is not None else "assumed (no history)")
        + (
            f". Warning: {', '.join(k['baselines_beating_champion'])} beat the champion."
            if k.get("baselines_beating_champion")
            else "."
        )
    )


def cmd_backtest(args: argparse.Namespace) -> int:
    from forecast import api
    from forecast.model import backtest as B  # lazy: scikit-learn
    from forecast.model.backtest import reliability

    store = _open(args)
    target = _target(args.target)
    h = api.history(store, args.history)
    if len(h.years) < B.MIN_YEARS:
        return _kpi_backtest_only(h, args)
    result, h = api.backtest(store, args.history, target, _progress if args.format == "table" else None)
    if args.predictions:
        result.predictions.write_csv(args.predictions)
    if args.format == "table":
        print(
            f"Rolling-origin backtest on {h.source} ({h.basis}): fiscal years {h.years[0]}-{h.years[-1]}; "
            f"years {result.years[2]}-{result.years[-1]} predicted out of sample, from what was known at each "
            f"origin's report date. Errors in percentage points of the final budget; miss = year-end disbursed "
            f"below {target:.0%}. Champion = lowest pinball loss; {result.seconds.get('wall', 0):.0f} s."
        )
        if "spend" not in result.targets:
            print("Commitments not reported: spend is not modelled.")
        if args.predictions:
            print(
                f"Predictions: {args.predictions} ({result.predictions.height} rows; amounts in "
                f"{store.unit.label('en')} of the budget known at the origin)"
            )
    emit(result.metrics, args.format, wide=args.wide)
    if args.format == "table":
        from forecast.model import engine

        print("\nReliability of the champions' P(miss): predicted against observed, by probability bin")
        emit(reliability(result.predictions, target), args.format, wide=args.wide)
        kb = engine.kpi_backtest(h)
        if kb is not None:
            print(
                "\nKPI attainment: Brier score, log loss and AUC of p_attain per origin, every candidate and both "
                f"baselines, each year predicted from the years before it (champion: {kb.champion})"
            )
            emit(kb.metrics, args.format, wide=args.wide)
    return 0


def _kpi_backtest_only(h, args: argparse.Namespace) -> int:
    """A history with too few finance years for the money model: the KPI backtest alone (or the reason)."""
    from forecast.model import backtest as B  # lazy: scikit-learn
    from forecast.model import engine

    kb = engine.kpi_backtest(h)
    money = (
        f"the money model needs at least {B.MIN_YEARS} complete fiscal years of finance; this history has "
        f"{len(h.years)}"
    )
    if kb is None:
        raise HistoryError(f"nothing to backtest: {money}, and fewer than 2 complete years of KPI results.")
    if args.predictions:
        kb.predictions.write_csv(args.predictions)
    if args.format == "table":
        print(f"Money model not backtested: {money}.")
        print(
            f"KPI attainment on {h.source} ({h.basis}): fiscal years {kb.years[0]}-{kb.years[-1]}, each year predicted "
            f"from the years before it; Brier score, log loss and AUC of p_attain per origin, every candidate and "
            f"both baselines (champion: {kb.champion})."
        )
    emit(kb.metrics, args.format, wide=args.wide)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from forecast import api

    store = _open(args)
    if args.activate:
        if api.activate(store, args.activate, foreign=args.foreign, by=_by()):
            note(
                f"Warning: model set {args.activate} was trained for another store (or its manifest was edited); "
                "it was accepted as foreign, and the audit trail records it."
            )
        print(f"Active model set: {args.activate} ({store.models_dir}).")
        return 0
    listing = api.model_sets(store)
    if args.format == "table":
        note(
            f"Model sets in {store.models_dir}"
            + (
                ""
                if listing.height
                else ": none yet; projections use the structural model (no history). Train with `forecast train`."
            )
        )
    emit(listing, args.format, wide=args.wide)
    return 0


NAME = "name"  # tables for people: the name in the chosen language, else the other one


def _name(lang: str) -> str:
    return NAME


def _with_name(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    first, other = (s.NAME_TH, s.NAME_EN) if lang == "th" else (s.NAME_EN, s.NAME_TH)
    have = [c for c in (first, other) if c in df.columns]
    if not have:
        return df
    return df.with_columns(pl.coalesce(*(pl.col(c).replace("", None) for c in have)).alias(NAME))


def _notes(
    store: Store,
    bases: list[str],
    version: str | None,
    commitments: bool,
    manifest: dict | None = None,
    kpis: bool = False,
) -> None:
    for basis in bases:
        note(basis_note(basis, version))
    if kpis:
        k = (manifest or {}).get("kpi") or {}
        note(
            f"KPIs: fitted KPI model of model set {version} ({str(k.get('basis', 'history')).upper()})."
            if k.get("trained")
            else "KPIs: documented rules (NO HISTORY); a project's KPIs are assumed to move together (correlation 0.30)."
        )
    if not commitments:
        note("Commitments not reported: spend and P(money unused) are left empty.")


def cmd_project(args: argparse.Namespace) -> int:
    from forecast import api
    from forecast.decisions import review as R
    from forecast.model import engine

    store = _open(args)
    ms = api.models_of(store)
    snap = store.snapshot(args.as_of, last_years=2)
    rv = R.review(snap, ms, R.policy_for(snap, None if args.target is None else _target(args.target)), store.results)
    df = rv.projection
    if df.is_empty():
        note(f"No projects in {store.label} as of {args.as_of}; ingest a report first (forecast ingest).")
        return 1
    cols = list(engine.PROJECTION_COLUMNS)
    if args.format == "table":
        note(f"Year-end projection as of {rv.snapshot.as_of}, {store.unit.label('en')} - {store.label}")
        _notes(store, rv.bases, ms.version if ms else None, rv.commitments_reported)
        for w in ms.warnings() if ms else []:
            note(f"Note: library version differs from training: {w}")
        keys = [s.FISCAL_YEAR, s.PROJECT_ID]
        df = df.join(snap.projects.select(*keys, s.NAME_TH).unique(keys, keep="last"), on=keys, how="left")
        cols.insert(cols.index(s.NAME_EN) + 1, s.NAME_TH)
        df, cols = _with_name(df, args.lang), [*cols, NAME]
    emit(
        df.select(cols),
        args.format,
        compact=[
            s.PROJECT_ID,
            _name(args.lang),
            s.BUDGET,
            engine.DISBURSED_TO_DATE,
            *(engine.projected(s.DISBURSED, p) for p in (10, 50, 90)),
            engine.P_MISS_DISBURSEMENT,
        ],
        wide=args.wide,
    )
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    from forecast import api
    from forecast.decisions import kpi

    store = _open(args)
    ms = api.models_of(store)
    df = api.kpi_attainment(store, args.as_of, ms)
    if df.is_empty():
        note(f"No KPIs in {store.label} as of {args.as_of}.")
        return 1
    if args.format == "table":
        counts = ", ".join(f"{n} {st}" for st, n in df.group_by(kpi.STATUS).len().sort(kpi.STATUS).iter_rows())
        fitted = kpi.model_of(ms.manifest if ms else None)
        note(
            f"KPI attainment as of {args.as_of} - {store.label}: {df.height} KPIs ({counts}). Chances are "
            + (
                f"from the KPI model of model set {ms.version} ({fitted.get('basis', 'history').upper()})"
                if fitted and ms
                else "from documented rules (NO HISTORY)"
            )
            + "."
        )
    emit(
        df.select(kpi.COLUMNS),
        args.format,
        wide=args.wide,
        compact=[
            s.PROJECT_ID,
            s.KPI_ID,
            s.NAME_EN,
            s.UNIT,
            s.TARGET,
            kpi.VALUE_TO_DATE,
            kpi.projected(50),
            kpi.P_ATTAIN,
            kpi.STATUS,
        ],
    )
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    from forecast import api
    from forecast.decisions import review as R
    from forecast.decisions import risk

    store = _open(args)
    snap = store.snapshot(args.as_of, last_years=2)
    policy = R.policy_for(
        snap, None if args.target is None else _target(args.target), _quarterly(args.quarterly_targets)
    )
    ms = api.models_of(store)
    now = R.review(snap, ms, policy, store.results)
    df = now.ranking(args.lang)
    if df.is_empty():
        note(f"No projects in {store.label} as of {args.as_of}; ingest a report first.")
        return 1
    cols = list(risk.COLUMNS)
    if args.compare_to is not None:
        before_date = R.compare_date(store.report_dates(), now.snapshot.as_of, args.compare_to, store.manifests())
        before = R.review(store.snapshot(before_date, last_years=2), ms, policy, store.results)
        df = R.compare(now, before, args.lang)
        cols += [risk.PREVIOUS_RANK, risk.RANK_CHANGE, risk.NEW_HIGH]
    if args.format == "table":
        levels = ", ".join(f"{n} {lv}" for lv, n in df.group_by(risk.LEVEL).len().sort(risk.LEVEL).iter_rows())
        note(
            f"Risk ranking as of {now.snapshot.as_of} - {store.label}: {levels}. {policy.describe('en')}; "
            f"{policy.source}."
        )
        _notes(
            store,
            now.bases,
            ms.version if ms else None,
            now.commitments_reported,
            ms.manifest if ms else None,
            kpis=not now.kpis.is_empty(),
        )
        if args.compare_to is not None:
            moved = df.filter(pl.col(risk.RANK_CHANGE).fill_null(0) != 0).height
            new = df.filter(pl.col(risk.NEW_HIGH))[s.PROJECT_ID].to_list()
            note(
                f"Compared with the report of {before_date}: {moved} project(s) moved; newly high risk: "
                + (", ".join(new) or "none")
                + "."
            )
    if args.format == "table":
        df, cols = _with_name(df, args.lang), [*cols, NAME]
    emit(
        df.select(cols),
        args.format,
        wide=args.wide,
        compact=[
            risk.RANK,
            _name(args.lang),
            risk.LEVEL,
            risk.RISK_SCORE,
            risk.P_MISS_DISBURSEMENT,
            risk.P_MISS_SPEND,
            risk.P_MISS_KPI,
            risk.RANK_CHANGE,
            risk.NEW_HIGH,
            risk.DRIVERS,
        ],
    )
    return 0


def cmd_portfolio(args: argparse.Namespace) -> int:
    from forecast import api
    from forecast.decisions import portfolio
    from forecast.decisions import review as R

    store = _open(args)
    snap = store.snapshot(args.as_of, last_years=2)
    policy = R.policy_for(snap, None if args.target is None else _target(args.target))
    rv = R.review(snap, api.models_of(store), policy, store.results)
    df = rv.portfolio(args.by, args.draws, args.seed)
    if df.is_empty():
        note(f"No projects in {store.label} as of {args.as_of}; ingest a report first.")
        return 1
    if args.lang == "th":
        df = df.with_columns(pl.col(portfolio.BASIS_TH_COLUMN).alias("basis"))
    if args.format == "table":
        note(
            f"Portfolio as of {rv.snapshot.as_of}, {store.unit.label('en')} - {store.label}; {policy.source}. "
            + (
                "Every line's year is over: totals are sums of actuals."
                if not rv.bases
                else "Totals are sums of joint draws, not sums of quantiles."
            )
            + f" Basis: {df['basis'][0]}."
        )
    emit(
        df.select(portfolio.COLUMNS),
        args.format,
        wide=args.wide,
        compact=[c for c in portfolio.COLUMNS if c not in ("group_by", "plan_to_date", "spend_to_date", "basis")],
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from forecast import api
    from forecast.interfaces import export

    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise InputError(
            f"the report is written as .xlsx (the Excel report) or .pdf (the one-page summary); got {args.out.name}."
        )
    store = _open(args)
    rv = api.review(store, args.as_of)
    from forecast.interfaces.labels import t

    label = t("store_reference", args.lang) if store.read_only else store.label
    data = (
        export.report_workbook(rv, args.lang)
        if suffix == ".xlsx"
        else export.summary_pdf(rv, args.lang, subtitle=label)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    store.audit.record(
        "export",
        _by(),
        target=args.out.name,
        details={"as_of": str(rv.snapshot.as_of), "lang": args.lang, "bytes": len(data)},
    )
    print(f"Wrote {args.out} ({len(data):,} bytes) as of {rv.snapshot.as_of}.")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    import tempfile

    from forecast import api

    store = _open(args)
    if args.action == "set":
        if store.read_only:
            raise StoreError(
                "targets are kept in a store, and the embedded reference data is read-only; create one "
                "first (`forecast init --from-reference`)."
            )
        row = {
            s.FISCAL_YEAR: str(args.fiscal_year),
            s.AS_OF: dt.date.today().isoformat(),
            s.YEAR_END: repr(args.year_end),
            **{q: repr(v) for q, v in zip(s.QUARTER_TARGETS, args.quarterly or [None] * 4) if v is not None},
            s.NOTE: args.note or "",
        }
        with tempfile.TemporaryDirectory(prefix="forecast-targets-") as folder:
            path = Path(folder) / "targets.csv"
            pl.DataFrame([row]).select([c for c in s.TARGETS.names if c in row]).write_csv(path)
            result = api.ingest(store, [path], note=f"targets for fiscal year {args.fiscal_year}", by=_by())
        print(
            f"Targets for fiscal year {args.fiscal_year} "
            + ("unchanged." if result.vintage is None else f"stored as vintage {result.vintage}.")
        )
    emit(store.read("targets", "all"), args.format, wide=args.wide)
    return 0


def _real(store: Store, what: str) -> Store:
    if store.read_only:
        raise StoreError(
            f"{what} belong to a store, and the embedded reference data is read-only; create one first "
            "(`forecast init --from-reference`)."
        )
    return store


def _password(args: argparse.Namespace) -> str | None:
    """A password from standard input (``--password-stdin``), else None: a one-time password is made."""
    return sys.stdin.readline().rstrip("\n") if args.password_stdin else None


def cmd_users(args: argparse.Namespace) -> int:
    store = _real(_open(args), "users")
    users, by = store.users, _by()
    if args.action == "add":
        otp = users.add(args.name, args.role, _password(args), by=by["user"])
        store.audit.record("user add", by, target=args.name, details={"role": args.role})
        print(
            f"Added {args.name} ({args.role})."
            + (f" One-time password (shown once; it must be changed at the first sign-in): {otp}" if otp else "")
        )
    elif args.action == "passwd":
        otp = users.passwd(args.name, _password(args))
        store.audit.record("user passwd", by, target=args.name)
        print(f"New password set for {args.name}." + (f" One-time password (shown once): {otp}" if otp else ""))
    elif args.action in ("disable", "enable"):
        getattr(users, args.action)(args.name)
        store.audit.record(f"user {args.action}", by, target=args.name)
        print(f"{args.name} is {args.action}d.")
    elif args.action == "role":
        users.set_role(args.name, args.role)
        store.audit.record("user role", by, target=args.name, details={"role": args.role})
        print(f"{args.name} is now {args.role}.")
    elif args.action == "token":
        tid, token = Tokens(store.access_dir, users).issue(args.name, args.expires, by=by["user"], label=args.label)
        store.audit.record("token issue", by, target=args.name, details={"token": tid, "days": args.expires})
        print(f"API token {tid} for {args.name}, valid {args.expires} days (shown once; keep it secret):")
        print(token)
    elif args.action == "tokens":
        emit(Tokens(store.access_dir, users).listing(), args.format, wide=args.wide)
    elif args.action == "revoke":
        user = Tokens(store.access_dir, users).revoke(args.name)
        store.audit.record("token revoke", by, target=user, details={"token": args.name})
        print(f"Token {args.name} of {user} is revoked.")
    else:
        emit(users.listing(), args.format, wide=args.wide)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from forecast import service  # lazy: FastAPI and uvicorn, only for the server

    store = _open(args)
    if not service.loopback(args.host):
        note(f"Serving on {args.host}: put a TLS proxy in front (see the README); anonymous reads are off.")
    service.serve(store, args.host, args.port, cors_origins=args.cors or None, proxy=args.proxy, workers=args.workers)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    store = _real(_open(args), "an audit trail")
    since = None if args.since is None else parse_as_of(args.since)
    df = store.audit.entries(since)
    if args.format == "table":
        broken = store.audit.problems()
        note(
            f"Audit trail of {store.label}: {df.height} entr{'y' if df.height == 1 else 'ies'}"
            + (f" since {since}" if since else "")
            + ("; the chain holds." if not broken else f"; THE CHAIN IS BROKEN: {broken[0]}")
        )
    emit(df, args.format, wide=args.wide, compact=["seq", "at", "user", "role", "via", "action", "target", "outcome"])
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="forecast",
        description="Budget-execution forecasting and risk scoring. Amounts in the store's unit (million baht "
        "by default).",
    )
    p.add_argument(
        "--store",
        type=Path,
        default=None,
        help=f"store directory (default: ${config.STORE_ENV}, else {config.DEFAULT_STORE_DIR} "
        "if created, else the embedded reference data, read-only)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def fmt(sp):
        sp.add_argument("--format", choices=FORMATS, default="table")
        sp.add_argument("--wide", action="store_true", help="every column, however wide (tables only)")

    sp = sub.add_parser("init", help="make a store (empty, or holding the reference data)")
    sp.add_argument(
        "--fiscal-year-start",
        type=int,
        default=10,
        metavar="MONTH",
        help="first month of the fiscal year, 1-12 (default 10, October)",
    )
    sp.add_argument("--era", choices=("BE", "CE"), default="BE", help="era of fiscal-year numbers (default BE)")
    sp.add_argument(
        "--year-named-by",
        choices=("end", "start"),
        default="end",
        help="a fiscal year is numbered by the calendar year it ends in (default) or starts in",
    )
    sp.add_argument("--currency", default="THB", help="ISO 4217 code of the amounts (default THB)")
    sp.add_argument(
        "--unit", choices=list(SCALES), default="million", help="scale of the amounts (default million: million baht)"
    )
    sp.add_argument(
        "--from-reference",
        action="store_true",
        help="start the store with the embedded reference data (ETDA FY2569) as vintage 1",
    )
    sp.set_defaults(func=cmd_init)

    sp = sub.add_parser("data", help="show a table as of a report date")
    sp.add_argument("--table", choices=list(s.TABLES), required=True)
    sp.add_argument("--as-of", default="latest", metavar="latest|all|YYYY-MM-DD")
    sp.add_argument("--project", default=None, help="only this project_id")
    fmt(sp)
    sp.set_defaults(func=cmd_data)

    sp = sub.add_parser("validate", help="check files in the template without storing them")
    sp.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    sp.add_argument("--rules", action="store_true", help="list every rule the files are checked against")
    fmt(sp)
    sp.set_defaults(func=cmd_validate)

    sp = sub.add_parser("ingest", help="validate files and append them as one new vintage")
    sp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    sp.add_argument("--note", default=None, help="a note kept in the vintage's manifest")
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("revisions", help="list every restatement, revision and correction")
    sp.add_argument("--include-text", action="store_true", help="also list changed names and status words")
    fmt(sp)
    sp.set_defaults(func=cmd_revisions)

    sp = sub.add_parser("vintages", help="list the store's vintages")
    fmt(sp)
    sp.set_defaults(func=cmd_vintages)

    sp = sub.add_parser(
        "verify", help="check every vintage, manifest and stored file against its sha256, and the audit trail's chain"
    )
    sp.set_defaults(func=cmd_verify)

    sp = sub.add_parser(
        "refresh",
        help="compute and keep the latest review, portfolios and revisions (done at ingest, training and "
        "activation; run it after upgrading)",
    )
    sp.set_defaults(func=cmd_refresh)

    sp = sub.add_parser("simulate", help="write a SYNTHETIC multi-year history in the template")
    sp.add_argument("--projects", type=int, required=True, help="projects per fiscal year")
    sp.add_argument("--years", type=int, required=True, help="fiscal years")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--out", type=Path, required=True, metavar="DIR")
    sp.add_argument(
        "--as-of-quarter",
        type=int,
        choices=(1, 2, 3, 4),
        default=None,
        help="make the last year the current one, reported up to this quarter",
    )
    sp.add_argument("--agencies", type=int, default=None, help="number of agencies (default: projects / 9)")
    sp.add_argument(
        "--profile",
        choices=("default", "real"),
        default="default",
        help="real: budget revisions, lumpy payments, year shocks, lines that come and go, no "
        "commitments (calibrated to real budget execution)",
    )
    sp.add_argument("--file-format", choices=("csv", "parquet"), default="csv")
    sp.set_defaults(func=cmd_simulate)

    def history(sp):
        sp.add_argument(
            "--history",
            nargs="+",
            type=Path,
            default=None,
            metavar="PATH",
            help="history files or folders in the template (default: the complete fiscal years in the store)",
        )
        sp.add_argument(
            "--target",
            type=float,
            default=0.93,
            help="year-end disbursement target as a share of budget (default 0.93, the cabinet's)",
        )

    sp = sub.add_parser("train", help="backtest, fit and save a versioned model set")
    history(sp)
    sp.add_argument("--no-activate", action="store_true", help="save without making it the active set")
    fmt(sp)
    sp.set_defaults(func=cmd_train)

    sp = sub.add_parser("backtest", help="rolling-origin backtest of every model and baseline")
    history(sp)
    sp.add_argument(
        "--predictions", type=Path, default=None, metavar="OUT.csv", help="write every out-of-sample prediction here"
    )
    fmt(sp)
    sp.set_defaults(func=cmd_backtest)

    sp = sub.add_parser("models", help="list the saved model sets (or switch the active one)")
    sp.add_argument("--activate", default=None, metavar="VERSION")
    sp.add_argument(
        "--foreign",
        action="store_true",
        help="accept a set trained for another store (recorded as a warning in the audit trail)",
    )
    fmt(sp)
    sp.set_defaults(func=cmd_models)

    sp = sub.add_parser("project", help="year-end disbursed and spend per project, with p10/p50/p90")
    sp.add_argument("--as-of", default="latest", metavar="latest|YYYY-MM-DD")
    sp.add_argument("--lang", choices=("th", "en"), default="th", help="language of the names (default th)")
    sp.add_argument("--target", type=float, default=None, help=argparse.SUPPRESS)
    fmt(sp)
    sp.set_defaults(func=cmd_project)

    sp = sub.add_parser("kpi", help="each KPI's projected year-end value and chance of reaching its target")
    sp.add_argument("--as-of", default="latest", metavar="latest|YYYY-MM-DD")
    fmt(sp)
    sp.set_defaults(func=cmd_kpi)

    sp = sub.add_parser("rank", help="projects ranked by risk, with probabilities and reasons")
    sp.add_argument("--as-of", default="latest", metavar="latest|YYYY-MM-DD")
    sp.add_argument(
        "--compare-to",
        default=None,
        metavar="VINTAGE",
        help="a report date, 'previous', or a store vintage number: show rank moves since then",
    )
    sp.add_argument(
        "--target",
        type=float,
        default=None,
        help="year-end disbursement target for this run (default: the store's targets for the year, "
        "else 0.93, the cabinet's)",
    )
    sp.add_argument(
        "--quarterly-targets",
        type=float,
        nargs=4,
        default=None,
        metavar=("Q1", "Q2", "Q3", "Q4"),
        help="cumulative disbursement targets by quarter end for this run, e.g. 0.30 0.52 0.75 0.93",
    )
    sp.add_argument("--lang", choices=("th", "en"), default="th", help="language of the drivers (default th)")
    fmt(sp)
    sp.set_defaults(func=cmd_rank)

    sp = sub.add_parser("portfolio", help="the whole portfolio and its groups: joint range, P(miss), shortfall")
    sp.add_argument("--by", choices=("agency", "plan_line", "owner"), default=None, help="one row per group too")
    sp.add_argument("--as-of", default="latest", metavar="latest|YYYY-MM-DD")
    sp.add_argument(
        "--target",
        type=float,
        default=None,
        help="year-end disbursement target for this run (default: the store's, else 0.93)",
    )
    sp.add_argument("--draws", type=int, default=10_000, help="joint draws (default 10,000; fewer for big stores)")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--lang", choices=("th", "en"), default="th", help="language of the basis (default th)")
    fmt(sp)
    sp.set_defaults(func=cmd_portfolio)

    sp = sub.add_parser("targets", help="the disbursement targets per fiscal year (or set them)")
    tsub = sp.add_subparsers(dest="action", metavar="set")
    ts = tsub.add_parser("set", help="set a fiscal year's targets (kept in the store as a new vintage)")
    ts.add_argument("--fiscal-year", type=int, required=True)
    ts.add_argument("--year-end", type=float, required=True, help="year-end target, a share (e.g. 0.93)")
    ts.add_argument(
        "--quarterly",
        type=float,
        nargs=4,
        default=None,
        metavar=("Q1", "Q2", "Q3", "Q4"),
        help="cumulative targets by quarter end, e.g. 0.30 0.52 0.75 0.93",
    )
    ts.add_argument("--note", default=None, help="where the targets come from (e.g. a cabinet resolution)")
    fmt(ts)
    fmt(sp)
    sp.set_defaults(func=cmd_targets)

    sp = sub.add_parser(
        "users",
        help="the store's users, roles and API tokens (list, or add, passwd, disable, enable, role, token, "
        "tokens, revoke)",
    )
    usub = sp.add_subparsers(dest="action", metavar="add|passwd|disable|enable|role|token|tokens|revoke")
    us = usub.add_parser("token", help="issue an API token for a user (shown once, stored hashed)")
    us.add_argument("name")
    us.add_argument("--expires", type=int, default=90, metavar="DAYS", help="days the token is valid (1-366)")
    us.add_argument("--label", default="", help="what the token is for (e.g. the e-budget system)")
    us = usub.add_parser("tokens", help="list the API tokens (never the secrets)")
    fmt(us)
    us = usub.add_parser("revoke", help="revoke an API token by its id")
    us.add_argument("name", metavar="TOKEN_ID")
    for action, text in (
        ("add", "add a user (a one-time password is printed unless --password-stdin)"),
        ("passwd", "set a new password (a one-time password unless --password-stdin)"),
        ("disable", "disable a user"),
        ("enable", "enable a user again (and unlock)"),
        ("role", "change a user's role"),
    ):
        us = usub.add_parser(action, help=text)
        us.add_argument("name")
        if action in ("add", "role"):
            us.add_argument("--role", choices=ROLES, required=True)
        if action in ("add", "passwd"):
            us.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    fmt(sp)
    sp.set_defaults(func=cmd_users)

    sp = sub.add_parser("serve", help="the HTTP JSON API under /v1 (FastAPI on uvicorn; docs at /v1/docs)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument(
        "--cors", nargs="*", default=None, metavar="ORIGIN", help="origins allowed by CORS (off by default)"
    )
    sp.add_argument("--proxy", action="store_true", help="trust X-Forwarded-For/-Proto from a proxy on 127.0.0.1")
    sp.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("audit", help="the audit trail: who did what, when, from where, and the outcome")
    sp.add_argument("--since", default=None, metavar="YYYY-MM-DD")
    fmt(sp)
    sp.set_defaults(func=cmd_audit)

    sp = sub.add_parser("report", help="write the Excel report (.xlsx) or the one-page summary (.pdf)")
    sp.add_argument("--out", type=Path, required=True, metavar="report.xlsx|summary.pdf")
    sp.add_argument("--as-of", default="latest", metavar="latest|YYYY-MM-DD")
    sp.add_argument("--lang", choices=("th", "en"), default="th")
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("template", help="write the blank Excel template")
    sp.add_argument("--out", type=Path, default=Path("forecast_template.xlsx"))
    sp.set_defaults(func=cmd_template)
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:
        note(f"forecast: {len(exc.errors)} error(s) in the input; nothing was used.")
        for i in exc.issues:
            print(f"  {i}", file=sys.stderr)
        return 1
    except ForecastError as exc:
        print(f"forecast: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
