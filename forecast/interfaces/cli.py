"""The ``forecast`` command line: ``forecast [--store DIR] COMMAND``.

Only this module speaks of flags. It catches ``ForecastError`` (a problem the user can fix:
one message, exit 2; invalid input files: exit 1) and nothing else, so a bug shows as one.

Tables for people fit the terminal, or 100 cells off a terminal ($COLUMNS wins when set), one line
per row (``table``, ``views``); ``--wide`` gives every column. ``--format csv|tsv|json`` gives every
column at full precision for machines. ``--lang th|en`` says the headers, the notes and the errors in
that language (without it: names and reasons in Thai, the rest in English).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import os
import shutil
import sys
import time
from pathlib import Path

import polars as pl

from forecast import api, config, formats
from forecast.access.roles import ROLES
from forecast.data import schema as s
from forecast.data.calendar import FiscalCalendar
from forecast.data.revisions import money_text
from forecast.data.snapshot import parse_as_of
from forecast.data.store import Store
from forecast.data.units import SCALES, AmountUnit
from forecast.data.validate import ValidationError, issues_frame
from forecast.decisions import kpi, portfolio, risk
from forecast.decisions import reallocation as RA
from forecast.decisions import review as R
from forecast.errors import ForecastError, InputError, StoreError
from forecast.interfaces import export
from forecast.interfaces.table import render, wrap
from forecast.interfaces.views import NAME, PROSE, WORDS, view
from forecast.labels import commitments_missing, header, note_text, pair, pick, say, t, word
from forecast.model import engine

FORMATS = ("table", "csv", "tsv", "json")
MACHINE = ("csv", "tsv", "json")  # exports: recorded in the audit trail before they are printed
PIPE_WIDTH = 100  # display cells of a table off a terminal (a pipe, a file) without $COLUMNS


def _texts(df: pl.DataFrame) -> pl.DataFrame:
    """Amounts as text with four decimals (six where given), as in the report (CSV, TSV and JSON)."""
    return df.with_columns(*(money_text(pl.col(c)) for c, d in df.schema.items() if isinstance(d, pl.Decimal)))


def _one_line(df: pl.DataFrame) -> pl.DataFrame:
    """Tabs and line breaks in text cells as spaces (TSV has no quoting for them)."""
    return df.with_columns(pl.col(c).str.replace_all(r"[\t\r\n]", " ") for c, d in df.schema.items() if d == pl.String)


def _quoted(df: pl.DataFrame) -> pl.DataFrame:
    """A text cell that starts with a double quote, quoted as CSV quotes it, so that CSV readers read it back."""
    return df.with_columns(
        pl.when(pl.col(c).str.starts_with('"'))
        .then(pl.lit('"') + pl.col(c).str.replace_all('"', '""', literal=True) + pl.lit('"'))
        .otherwise(pl.col(c))
        .alias(c)
        for c, d in df.schema.items()
        if d == pl.String
    )


def _columns() -> int | None:
    """$COLUMNS, when it is set to a width."""
    columns = os.environ.get("COLUMNS", "").strip()
    return int(columns) if columns.isdigit() and int(columns) > 0 else None


def width() -> int:
    """The display cells a table may take: $COLUMNS when set, else the terminal's width, else (standard
    output is a pipe or a file) ``PIPE_WIDTH``."""
    if columns := _columns():
        return columns
    if sys.stdout.isatty():
        return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns
    return PIPE_WIDTH


def note(text: str) -> None:
    """A message for people on stderr: wrapped to $COLUMNS, else to the terminal stderr writes to; off a
    terminal, one line (never wrapped, as the rows of a table)."""
    cells = _columns()
    if cells is None and sys.stderr.isatty():
        try:
            cells = os.get_terminal_size(sys.stderr.fileno()).columns
        except (OSError, ValueError):
            cells = None
    print(str(text) if cells is None else wrap(str(text), cells), file=sys.stderr)


def emit(
    df: pl.DataFrame, fmt: str, out=None, *, table: str | None = None, lang: str = "en", wide: bool = False
) -> None:
    """Print a frame: for people a table within ``width()`` (the compact columns of ``views.VIEWS[table]``
    unless ``wide``), headed in ``lang``; CSV, TSV or JSON with every column and full precision for machines
    (CSV and TSV cells that a spreadsheet would run as a formula are neutralised, as the app's CSV does)."""
    out = out or sys.stdout
    if fmt in MACHINE and out is sys.stdout:
        _record(df, fmt, table)
    if fmt == "csv":
        out.write(_texts(export.neutralise(df)).write_csv())
    elif fmt == "tsv":
        tsv = _quoted(_texts(export.neutralise(_one_line(df))))
        out.write(tsv.write_csv(separator="\t", quote_style="never"))
    elif fmt == "json":
        out.write(_texts(df).write_json() + "\n")
    else:
        shape = None if wide else view(table)
        compact = shape.columns if shape else None
        if compact is not None:
            df = df.select([c for c in compact if c in df.columns])
        heads = {c: header(c, lang, short=compact is not None) for c in df.columns}
        worded = pick(lang, th=WORDS, en=())  # in English the words are the codes themselves
        df = df.with_columns(
            pl.col(c).replace({v: word(v, lang) for v in df[c].unique().drop_nulls().to_list()})
            for c in worded
            if c in df.columns and df.schema[c] == pl.String
        )
        text, hidden = render(df, None if wide else width(), heads, shape, PROSE)
        out.write(text)
        if hidden:
            note(t("cli_more_columns", lang).format(n=len(hidden), names=", ".join(hidden)))


def _lang(args: argparse.Namespace) -> str:
    """The language of headers, notes and errors: the one asked for, else English."""
    return getattr(args, "lang", None) or "en"


def _names(args: argparse.Namespace, default: str = "th") -> str:
    """The language of names and reasons: the one asked for, else ``default``."""
    return getattr(args, "lang", None) or default


def _label(store: Store, lang: str) -> str:
    """Where the data comes from, for people: the store's path, or the reference data in ``lang``."""
    return pick(lang, th=t("store_reference", lang), en=store.label) if store.read_only else store.label


def _as_of(value: str, lang: str) -> str:
    return t("latest", lang) if value == "latest" else value


def _print_issues(issues, fmt: str, lang: str = "en") -> None:
    if not issues:
        return
    if fmt == "table":
        for i in issues:
            print(f"  {i.text(lang)}")
    else:
        emit(issues_frame(issues, lang), fmt)


# the store and command of this run, so that an export the command line writes (--format csv|tsv|json, a
# predictions file) is recorded in that store's audit trail first (``api.record_export``)
_RUN: dict = {}


def _open(args: argparse.Namespace) -> Store:
    store = Store.open(args.store)
    _RUN.update(store=store, command=getattr(args, "command", ""))
    return store


def _record(df: pl.DataFrame, fmt: str, table: str | None = None) -> None:
    """Record an export of ``df`` in the open store's audit trail before it is printed (``StoreError``, and
    nothing printed, when it cannot be recorded)."""
    store = _RUN.get("store")
    if store is None:
        return
    command = _RUN.get("command") or "output"
    api.record_export(
        store,
        f"{command} --format {fmt}",
        {"command": command, "table": table or command, "format": fmt, "rows": df.height, "columns": df.width},
        actor=_actor(),
    )


def _actor() -> api.Actor:
    """The command line acts as the OS user, who owns the store's files (recorded as ``user@host``)."""
    return api.Actor.os_user("cli")


def cmd_init(args: argparse.Namespace) -> int:
    path = args.store or config.store_from_env() or config.DEFAULT_STORE_DIR
    cal = FiscalCalendar(args.fiscal_year_start, args.era, args.year_named_by)
    unit = AmountUnit(args.currency, args.unit)
    store = api.create_store(
        path, cal, unit, from_reference=args.from_reference, actor=_actor(), activate_trained=args.activate_trained
    )
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
    df = api.table(store, args.table, args.as_of, args.project)
    lang = _lang(args)
    if args.format == "table":
        note(
            t("cli_data", lang).format(
                table=args.table, as_of=_as_of(args.as_of, lang), store=_label(store, lang), unit=store.unit.label(lang)
            )
        )
    emit(df, args.format, table=args.table, lang=lang, wide=args.wide)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if args.rules:
        emit(api.validation_rules(), args.format, table="rules", lang=_lang(args), wide=args.wide)
        return 0
    if not args.paths:
        raise InputError("give the files or folders to validate (or --rules for the list of rules).")
    checked = api.validate(_open(args), args.paths, actor=_actor())
    if args.format == "table":
        rows = ", ".join(f"{k}: {v.height} rows" for k, v in checked.tables.items()) or "no table read"
        print(
            f"{', '.join(map(str, args.paths))} — {rows}; "
            f"{len(checked.errors)} error(s), {len(checked.warnings)} warning(s)."
        )
    _print_issues(checked.issues, args.format, _lang(args))
    return 1 if checked.errors else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    store = _open(args)
    if store.read_only:
        raise StoreError(
            f"no store to ingest into: the embedded reference data is read-only, and nothing was "
            f"stored. Create one first: `forecast init --from-reference` (a store at "
            f"{config.DEFAULT_STORE_DIR} holding the reference data, to add quarters to) or "
            "`forecast --store DIR init` (an empty one)."
        )
    try:
        result = api.ingest(store, args.paths, note=args.note or "", actor=_actor())
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
    emit(
        api.revisions(_open(args), include_text=args.include_text),
        args.format,
        table="revisions",
        lang=_lang(args),
        wide=args.wide,
    )
    return 0


def cmd_vintages(args: argparse.Namespace) -> int:
    store = _open(args)
    lang = _lang(args)
    if args.format == "table":
        cal = store.calendar
        note(
            t("cli_vintages", lang).format(
                store=_label(store, lang), month=cal.start_month, era=cal.era, unit=store.unit.label(lang)
            )
        )
    emit(api.vintages(store), args.format, table="vintages", lang=lang, wide=args.wide)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    store = Store.open(args.store, verify=False)
    if args.seal:
        n = api.seal(store)
        print(f"{store.label}: sealed as it is now ({n} vintage(s) sealed, and the audit trail); recorded.")
        return 0
    if args.anchor:
        print(api.anchor(store).text)
        note(
            "Keep this line elsewhere (a ticket, an e-mail, the agency's records); `forecast verify --against` it later."
        )
        return 0
    against = _read_against(args.against) if args.against else None
    checked = api.verify(store, against)
    if not checked.problems:
        print(
            f"{store.label}: every vintage, manifest and file checks out ({checked.vintages} vintage(s)), "
            f"and the audit trail's chain holds ({checked.audit_entries} entries)"
            + ("; nothing up to the digests given changed." if against else ".")
        )
        return 0
    note(f"{store.label}: {len(checked.problems)} problem(s); the first broken link comes first:")
    for p in checked.problems:
        print(f"  {p}", file=sys.stderr)
    return 1


def _read_against(given: str) -> str:
    """The digests given: a file holding them (``-`` for standard input), or the line itself."""
    if given == "-":
        return sys.stdin.read()
    path = Path(given)
    if len(given) < 256 and path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")[: 1 << 16]
    return given


def cmd_refresh(args: argparse.Namespace) -> int:
    store = _open(args)
    if store.read_only:
        note(f"Nothing to keep for {store.label}: it is read-only and small enough to compute each time.")
        return 0
    problem = store.results_problem()
    if problem:  # a full disk is not "read-only": the system's own reason
        raise StoreError(
            f"the results of {store.label} cannot be kept ({problem}); nothing was "
            "kept. Free space or check the folder's permissions; meanwhile every command computes what it shows.",
            key="error_results_unwritable",
            store=store.label,
            reason=problem,
        )
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
    path = api.write_template(args.out)
    print(f"Wrote the Excel template to {path}")
    return 0


def _progress(fraction: float, text: str) -> None:
    print(f"  {fraction:4.0%} of the backtest and fits done ({text})", file=sys.stderr, flush=True)


def basis_note(basis: str, version: str | None = None, lang: str = "en") -> str:
    """Where a projection's numbers come from, said in full (a foreign set always says it is foreign)."""
    return t(f"cli_basis_{engine.basis_kind(basis)}", lang).format(v=version)


def _basis_word(basis: str, lang: str) -> str:
    """The basis of a fitted model (history, synthetic history, foreign ...), as the notes say it."""
    kind = engine.basis_kind(basis)
    return t(f"cli_word_{kind if kind != 'no_history' else 'history'}", lang)


def cmd_simulate(args: argparse.Namespace) -> int:
    frames, paths = api.simulate(
        args.out,
        args.projects,
        args.years,
        args.seed,
        args.as_of_quarter,
        args.agencies,
        profile=args.profile,
        file_format=args.file_format,
        year_shock=args.year_shock,
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


def _year_shock(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= 5):
        raise argparse.ArgumentTypeError(f"the year shock is an sd between 0 and 5 (e.g. 0.8); got {text!r}")
    return value


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
    store = _open(args)
    ms = api.train(
        store,
        args.history,
        _target(args.target),
        _progress if args.format == "table" else None,
        activate=not args.no_activate,
        actor=_actor(),
    )
    if args.format == "table":
        m = ms.manifest
        print(
            f"Saved model set {ms.version} to {store.models_dir}"
            + (
                " (active)."
                if api.active_version(store) == ms.version
                else " (it waits for an administrator's activation)."
                if api.awaits_activation(store, ms.version)
                else " (not activated)."
            )
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
        emit(ms.metrics, args.format, lang=_lang(args), wide=args.wide)
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
    store = _open(args)
    target = _target(args.target)
    report = api.backtest_report(
        store, args.history, target, _progress if args.format == "table" else None, kpis=args.format == "table"
    )
    if report.result is None:
        return _kpi_backtest_only(report, args)
    result, h = report.result, report.history
    if args.predictions:
        _predictions(store, args.predictions, result.predictions)
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
    emit(result.metrics, args.format, lang=_lang(args), wide=args.wide)
    if args.format == "table":
        print("\nReliability of the champions' P(miss): predicted against observed, by probability bin")
        if report.reliability is not None:
            emit(report.reliability, args.format, lang=_lang(args), wide=args.wide)
        kb = report.kpi
        if kb is not None:
            print(
                "\nKPI attainment: Brier score, log loss and AUC of p_attain per origin, every candidate and both "
                f"baselines, each year predicted from the years before it (champion: {kb.champion})"
            )
            emit(kb.metrics, args.format, lang=_lang(args), wide=args.wide)
    return 0


def _predictions(store: Store, path: Path, df: pl.DataFrame) -> None:
    """The backtest's predictions as CSV at ``path``, written once the export is in the audit trail."""
    details = {"command": "backtest", "rows": df.height}
    api.write_export(store, path, df.write_csv().encode("utf-8"), details, actor=_actor())


def _kpi_backtest_only(report: api.BacktestReport, args: argparse.Namespace) -> int:
    """A history with too few finance years for the money model: the KPI backtest alone."""
    kb, h, money = report.kpi, report.history, report.money_reason
    assert kb is not None  # the api raises when there is nothing to backtest
    if args.predictions:
        _predictions(_RUN["store"], args.predictions, kb.predictions)
    if args.format == "table":
        print(f"Money model not backtested: {money}.")
        print(
            f"KPI attainment on {h.source} ({h.basis}): fiscal years {kb.years[0]}-{kb.years[-1]}, each year predicted "
            f"from the years before it; Brier score, log loss and AUC of p_attain per origin, every candidate and "
            f"both baselines (champion: {kb.champion})."
        )
    emit(kb.metrics, args.format, lang=_lang(args), wide=args.wide)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    store = _open(args)
    if args.activate:
        if api.activate(store, args.activate, foreign=args.foreign, actor=_actor()):
            note(
                f"Warning: model set {args.activate} was trained for another store (or its manifest was edited); "
                "it was accepted as foreign, and the audit trail records it."
            )
        print(f"Active model set: {args.activate} ({store.models_dir}).")
        return 0
    listing = api.model_sets(store)
    lang = _lang(args)
    if args.format == "table":
        note(t("cli_models" if listing.height else "cli_models_none", lang).format(folder=store.models_dir))
    emit(listing, args.format, lang=lang, wide=args.wide)
    return 0


def _with_name(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    first, other = pair(lang, th=s.NAME_TH, en=s.NAME_EN)
    have = [c for c in (first, other) if c in df.columns]
    if not have:
        return df
    return df.with_columns(pl.coalesce(*(pl.col(c).replace("", None) for c in have)).alias(NAME))


def _notes(
    bases: list[str],
    version: str | None,
    commitments: bool,
    lang: str,
    manifest: dict | None = None,
    kpis: bool = False,
    missing: dict[int, int] | None = None,
) -> None:
    for basis in bases:
        note(basis_note(basis, version, lang))
    if kpis:
        k = (manifest or {}).get("kpi") or {}
        note(
            t("cli_kpi_fitted", lang).format(v=version, basis=_basis_word(str(k.get("basis", "history")), lang))
            if k.get("trained")
            else t("cli_kpi_rules", lang)
        )
    if not commitments:
        note(t("cli_no_commitments", lang))
    elif missing:
        note(commitments_missing(missing, lang))


def _unusual(rv: R.Review, lang: str) -> None:
    """An unusual year (the store, its agencies) or lines unlike the training history, said on stderr."""
    for n in rv.unusual:
        note(note_text(n.code, n.params, lang))


def _no_projects(store: Store, as_of: str, lang: str) -> int:
    note(t("cli_no_projects", lang).format(store=_label(store, lang), as_of=_as_of(as_of, lang)))
    return 1


def cmd_project(args: argparse.Namespace) -> int:
    store = _open(args)
    lang = _lang(args)
    rv = api.review(store, args.as_of, target=None if args.target is None else _target(args.target))
    ms, snap, df = rv.models, rv.snapshot, rv.projection
    if df.is_empty():
        return _no_projects(store, args.as_of, lang)
    cols = list(engine.PROJECTION_COLUMNS)
    if args.format == "table":
        note(t("cli_projection", lang).format(as_of=snap.as_of, unit=store.unit.label(lang), store=_label(store, lang)))
        _notes(
            rv.bases, ms.version if ms else None, rv.commitments_reported, lang, missing=rv.quarters_without_commitments
        )
        _unusual(rv, lang)
        for w in ms.warnings() if ms else []:
            note(t("cli_library", lang).format(w=w))
        keys = [s.FISCAL_YEAR, s.PROJECT_ID]
        df = df.join(snap.projects.select(*keys, s.NAME_TH).unique(keys, keep="last"), on=keys, how="left")
        cols.insert(cols.index(s.NAME_EN) + 1, s.NAME_TH)
        df, cols = _with_name(df, _names(args)), [*cols, NAME]
    emit(df.select(cols), args.format, table="project", lang=lang, wide=args.wide)
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    store = _open(args)
    lang = _lang(args)
    report = api.kpi_report(store, args.as_of)
    df, ms, fitted = report.table, report.models, report.fitted
    if df.is_empty() and args.format == "table":
        print(t("cli_no_kpis", lang))
        return 0
    cols = list(kpi.COLUMNS)
    if args.format == "table":
        counts = ", ".join(f"{n} {t(st, lang)}" for st, n in df.group_by(kpi.STATUS).len().sort(kpi.STATUS).iter_rows())
        source = (
            t("cli_kpi_source_model", lang).format(
                v=ms.version, basis=_basis_word(str(fitted.get("basis", "history")), lang)
            )
            if fitted and ms
            else t("cli_kpi_source_rules", lang)
        )
        note(
            t("cli_kpi_summary", lang).format(
                as_of=_as_of(args.as_of, lang), store=_label(store, lang), n=df.height, counts=counts, source=source
            )
        )
        df, cols = _with_name(df, _names(args, "en")), [*cols, NAME]
    emit(df.select(c for c in cols if c in df.columns), args.format, table="kpi", lang=lang, wide=args.wide)
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    store = _open(args)
    lang = _lang(args)
    out = api.ranked(
        store,
        args.as_of,
        lang=_names(args),
        compare_to=args.compare_to,
        target=None if args.target is None else _target(args.target),
        quarterly_targets=_quarterly(args.quarterly_targets),
    )
    now, df = out.review, out.table
    if now.risk.is_empty():
        return _no_projects(store, args.as_of, lang)
    ms, policy = now.models, now.policy
    cols = list(risk.COLUMNS)
    if out.compared_to is not None:
        cols += [risk.PREVIOUS_RANK, risk.RANK_CHANGE, risk.NEW_HIGH]
    if args.format == "table":
        levels = ", ".join(f"{n} {t(lv, lang)}" for lv, n in df.group_by(risk.LEVEL).len().sort(risk.LEVEL).iter_rows())
        note(
            t("cli_rank", lang).format(
                as_of=now.snapshot.as_of,
                store=_label(store, lang),
                levels=levels,
                rule=policy.describe(lang),
                source=policy.source_in(lang),
            )
        )
        _notes(
            now.bases,
            ms.version if ms else None,
            now.commitments_reported,
            lang,
            ms.manifest if ms else None,
            kpis=not now.kpis.is_empty(),
            missing=now.quarters_without_commitments,
        )
        _unusual(now, lang)
        if out.compared_to is not None:
            moved = df.filter(pl.col(risk.RANK_CHANGE).fill_null(0) != 0).height
            new = df.filter(pl.col(risk.NEW_HIGH))[s.PROJECT_ID].to_list()
            note(t("cli_compared", lang).format(date=out.compared_to, n=moved, ids=", ".join(new) or t("none", lang)))
        df, cols = _with_name(df, _names(args)), [*cols, NAME]
    emit(df.select(cols), args.format, table="rank", lang=lang, wide=args.wide)
    return 0


def cmd_portfolio(args: argparse.Namespace) -> int:
    store = _open(args)
    lang = _lang(args)
    target = None if args.target is None else _target(args.target)
    report = api.portfolio_report(store, args.by, args.as_of, target, draws=args.draws, seed=args.seed)
    rv, df = report.review, report.table
    if df.is_empty():
        return _no_projects(store, args.as_of, lang)
    basis = pick(_names(args), th=portfolio.BASIS_TH_COLUMN, en=portfolio.BASIS)
    df = df.with_columns(pl.col(basis).alias(portfolio.BASIS))
    if args.format == "table":
        note(
            t("cli_portfolio", lang).format(
                as_of=rv.snapshot.as_of,
                unit=store.unit.label(lang),
                store=_label(store, lang),
                source=rv.policy.source_in(lang),
                totals=t("cli_totals_draws" if rv.bases else "cli_totals_actual", lang),
                basis=df[portfolio.BASIS][0],
            )
        )
        if rv.quarters_without_commitments:
            note(commitments_missing(rv.quarters_without_commitments, lang))
        _unusual(rv, lang)
    emit(df.select(portfolio.COLUMNS), args.format, table="portfolio", lang=lang, wide=args.wide)
    return 0


REALLOCATE_TABLES = ("transfers", "effect", "capacity")


def _amounts_csv(path: Path | None, columns: tuple[str, ...]) -> pl.DataFrame | None:
    """A small CSV a planner fills (needs: project_id, need; a what-if: from_id, to_id, amount)."""
    if path is None:
        return None
    try:
        df = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path} cannot be read as CSV: {exc}") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{path.name} needs the columns {', '.join(columns)}; missing: {', '.join(missing)}.")
    amount = columns[-1]
    bad = df.filter(pl.col(amount).cast(pl.Float64, strict=False).is_null())
    if bad.height:
        raise InputError(f"{path.name}: {amount} must be a number; got {bad[amount][0]!r}.")
    return df.with_columns(pl.col(amount).cast(pl.Float64))


def cmd_reallocate(args: argparse.Namespace) -> int:
    store = _open(args)
    lang = _lang(args)
    needs = _amounts_csv(args.needs, (s.PROJECT_ID, RA.NEED))
    made = api.reallocate(
        store,
        args.as_of,
        args.within,
        args.appetite,
        None if args.target is None else _target(args.target),
        args.max_transfer_share,
        needs=None if needs is None else dict(zip(needs[s.PROJECT_ID], needs[RA.NEED])),
        transfers=_amounts_csv(args.transfers, (RA.FROM_ID, RA.TO_ID, RA.AMOUNT)),
        draws=args.draws,
        seed=args.seed,
        actor=_actor(),
    )
    rv, plan = made.review, made.plan
    if rv.projection.is_empty():
        return _no_projects(store, args.as_of, lang)
    if args.format == "table":
        whole = plan.effect.row(0, named=True)
        note(
            t("cli_reallocate", lang).format(
                as_of=rv.snapshot.as_of,
                unit=store.unit.label(lang),
                store=_label(store, lang),
                within=t(f"within_{plan.within}", lang),
                certainty=f"{plan.appetite:.0%}",
                share=f"{plan.max_transfer_share:.0%}",
                source=rv.policy.source_in(lang),
                before=formats.chance(whole[RA.P_MISS_BEFORE]),
                after=formats.chance(whole[RA.P_MISS_AFTER]),
                unused_before=formats.money(whole[RA.UNUSED_BEFORE]),
                unused_after=formats.money(whole[RA.UNUSED_AFTER]),
            )
        )
        for basis in rv.bases:
            note(basis_note(basis, rv.models.version if rv.models else None, lang))
        for text in plan.notes_text(lang):
            note(text)
    if args.table == "effect":
        emit(plan.effect, args.format, table="reallocate_effect", lang=lang, wide=args.wide)
        return 0
    if args.table == "capacity":
        emit(plan.capacity, args.format, table="reallocate_capacity", lang=lang, wide=args.wide)
        return 0
    df = plan.transfers
    if args.format == "table":
        if df.is_empty():
            print(t("cli_reallocate_none", lang))
            return 0
        drop = pick(_names(args), th=RA.REASON_EN, en=RA.REASON_TH)
        df = df.drop(drop)
    emit(df, args.format, table="reallocate", lang=lang, wide=args.wide)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    suffix = args.out.suffix.lower()
    if suffix not in (".xlsx", ".pdf"):
        raise InputError(
            f"the report is written as .xlsx (the Excel report) or .pdf (the one-page summary); got {args.out.name}."
        )
    store = _open(args)
    lang = _names(args)  # the report's language (Thai unless asked)
    label = t("store_reference", lang) if store.read_only else store.label

    def render(rv: R.Review) -> bytes:
        if suffix == ".xlsx":
            return export.report_workbook(rv, lang)
        return export.summary_pdf(rv, lang, subtitle=label)

    # written only once the export is in the audit trail (nothing at --out when it cannot be recorded)
    made = api.export(store, args.out.name, render, args.as_of, actor=_actor(), details={"lang": lang}, out=args.out)
    print(f"Wrote {args.out} ({len(made.data):,} bytes) as of {made.review.snapshot.as_of}.")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    store = _open(args)
    if args.action == "set":
        if store.read_only:
            raise StoreError(
                "targets are kept in a store, and the embedded reference data is read-only; create one "
                "first (`forecast init --from-reference`)."
            )
        done = api.set_targets(store, args.fiscal_year, args.year_end, args.quarterly, args.note or "", actor=_actor())
        print(
            f"Targets for fiscal year {args.fiscal_year} "
            + ("unchanged." if done.result.vintage is None else f"stored as vintage {done.result.vintage}.")
        )
        emit(done.targets, args.format, table="targets", lang=_lang(args), wide=args.wide)
        return 0
    emit(api.targets(store), args.format, table="targets", lang=_lang(args), wide=args.wide)
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
    actor = _actor()
    if args.action == "add":
        otp = api.add_user(store, args.name, args.role, _password(args), actor=actor)
        print(
            f"Added {args.name} ({args.role})."
            + (f" One-time password (shown once; it must be changed at the first sign-in): {otp}" if otp else "")
        )
    elif args.action == "passwd":
        otp = api.set_user(store, args.name, "passwd", password=_password(args), actor=actor)
        print(f"New password set for {args.name}." + (f" One-time password (shown once): {otp}" if otp else ""))
    elif args.action in ("disable", "enable"):
        api.set_user(store, args.name, args.action, actor=actor)
        print(f"{args.name} is {args.action}d.")
    elif args.action == "role":
        api.set_user(store, args.name, "role", args.role, actor=actor)
        print(f"{args.name} is now {args.role}.")
    elif args.action == "token":
        tid, token = api.issue_token(store, args.name, args.expires, args.label, actor=actor)
        print(f"API token {tid} for {args.name}, valid {args.expires} days (shown once; keep it secret):")
        print(token)
    elif args.action == "tokens":
        emit(api.tokens(store, actor=actor), args.format, lang=_lang(args), wide=args.wide)
    elif args.action == "revoke":
        user = api.revoke_token(store, args.name, actor=actor)
        print(f"Token {args.name} of {user} is revoked.")
    else:
        emit(api.users(store, actor=actor), args.format, lang=_lang(args), wide=args.wide)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from forecast import service  # noqa: PLC0415 - lazy: FastAPI and uvicorn, only for the server

    store = _open(args)
    if not service.loopback(args.host):
        note(f"Serving on {args.host}: put a TLS proxy in front (see the README); anonymous reads are off.")
    service.serve(store, args.host, args.port, cors_origins=args.cors or None, proxy=args.proxy, workers=args.workers)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    store = _real(_open(args), "an audit trail")
    since = None if args.since is None else parse_as_of(args.since)
    trail = api.audit_trail(store, since, actor=_actor())
    df, broken = trail.entries, trail.problems
    lang = _lang(args)
    if args.format == "table":
        note(
            t("cli_audit", lang).format(
                store=_label(store, lang),
                n=df.height,
                entries=t("cli_entry" if df.height == 1 else "cli_entries", lang),
                since=t("cli_since", lang).format(date=since) if since else "",
                chain=t("cli_chain_broken", lang).format(e=broken[0]) if broken else t("cli_chain_holds", lang),
            )
        )
    emit(df, args.format, table="audit", lang=lang, wide=args.wide)
    return 0


def _output_options(sp: argparse.ArgumentParser, names: str = "", names_default: str = "Thai") -> None:
    """The --format, --wide and --lang options of a command that prints a table."""
    sp.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table for people (fitted to the terminal, or 100 columns off it, $COLUMNS when set); csv, tsv "
        "or json: every column at full precision",
    )
    sp.add_argument("--wide", action="store_true", help="every column, however wide (tables only)")
    sp.add_argument(
        "--lang",
        choices=("th", "en"),
        default=None,
        help="language of the headers, notes and messages (default English)"
        + (f"; also of the {names} (default {names_default})" if names else ""),
    )


def _as_of_option(sp: argparse.ArgumentParser) -> None:
    """The --as-of report date of a command that reads one snapshot."""
    sp.add_argument("--as-of", default="latest", metavar="latest|YYYY-MM-DD")


def _run_target_option(sp: argparse.ArgumentParser) -> None:
    """The --target of a portfolio-wide command, for this run only."""
    sp.add_argument(
        "--target",
        type=float,
        default=None,
        help=f"year-end disbursement target for this run (default: the store's, else {s.DEFAULT_TARGET})",
    )


def _history_options(sp: argparse.ArgumentParser) -> None:
    """The --history and --target options of a command that learns from past fiscal years."""
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
        default=s.DEFAULT_TARGET,
        help=f"year-end disbursement target as a share of budget (default {s.DEFAULT_TARGET}, the cabinet's)",
    )


def _add_init(sub: argparse._SubParsersAction) -> None:
    """``forecast init``: make a store."""
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
        "--activate-trained",
        action="store_true",
        help="a model set an analyst trains goes live at once (default: it waits for an administrator)",
    )
    sp.add_argument(
        "--from-reference",
        action="store_true",
        help="start the store with the embedded reference data (ETDA FY2569) as vintage 1",
    )
    sp.set_defaults(func=cmd_init)


def _add_data(sub: argparse._SubParsersAction) -> None:
    """``forecast data``: show a stored table."""
    sp = sub.add_parser("data", help="show a table as of a report date")
    sp.add_argument("--table", choices=list(s.TABLES), required=True)
    sp.add_argument("--as-of", default="latest", metavar="latest|all|YYYY-MM-DD")
    sp.add_argument("--project", default=None, help="only this project_id")
    _output_options(sp)
    sp.set_defaults(func=cmd_data)


def _add_validate(sub: argparse._SubParsersAction) -> None:
    """``forecast validate``: check files without storing them."""
    sp = sub.add_parser("validate", help="check files in the template without storing them")
    sp.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    sp.add_argument("--rules", action="store_true", help="list every rule the files are checked against")
    _output_options(sp)
    sp.set_defaults(func=cmd_validate)


def _add_ingest(sub: argparse._SubParsersAction) -> None:
    """``forecast ingest``: store files as a new vintage."""
    sp = sub.add_parser("ingest", help="validate files and append them as one new vintage")
    sp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    sp.add_argument("--note", default=None, help="a note kept in the vintage's manifest")
    sp.set_defaults(func=cmd_ingest)


def _add_revisions(sub: argparse._SubParsersAction) -> None:
    """``forecast revisions``: list the restatements."""
    sp = sub.add_parser("revisions", help="list every restatement, revision and correction")
    sp.add_argument("--include-text", action="store_true", help="also list changed names and status words")
    _output_options(sp)
    sp.set_defaults(func=cmd_revisions)


def _add_vintages(sub: argparse._SubParsersAction) -> None:
    """``forecast vintages``: list the vintages."""
    sp = sub.add_parser("vintages", help="list the store's vintages")
    _output_options(sp)
    sp.set_defaults(func=cmd_vintages)


def _add_verify(sub: argparse._SubParsersAction) -> None:
    """``forecast verify``: check the store's integrity (or anchor or seal it)."""
    sp = sub.add_parser(
        "verify",
        help="check every vintage, manifest and stored file against its sha256 and seal, and the audit trail's chain",
    )
    how = sp.add_mutually_exclusive_group()
    how.add_argument(
        "--anchor", action="store_true", help="print the current head digests, to keep elsewhere (verify first)"
    )
    how.add_argument(
        "--against",
        metavar="DIGESTS",
        help="also prove that nothing up to these digests (the line --anchor printed, or a file holding it) changed",
    )
    how.add_argument(
        "--seal", action="store_true", help="seal a store written before keyed chains, as it is now (administrators)"
    )
    sp.set_defaults(func=cmd_verify)


def _add_refresh(sub: argparse._SubParsersAction) -> None:
    """``forecast refresh``: recompute the kept results."""
    sp = sub.add_parser(
        "refresh",
        help="compute and keep the latest review, portfolios and revisions (done at ingest, training and "
        "activation; run it after upgrading)",
    )
    sp.set_defaults(func=cmd_refresh)


def _add_simulate(sub: argparse._SubParsersAction) -> None:
    """``forecast simulate``: write a synthetic history."""
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
    sp.add_argument(
        "--year-shock",
        type=_year_shock,
        default=None,
        metavar="SD",
        help="real profile: the sd of the shock every line of a year shares, in log-odds of execution "
        "(default 0.35; strong shocks 0.8)",
    )
    sp.add_argument("--file-format", choices=("csv", "parquet"), default="csv")
    sp.set_defaults(func=cmd_simulate)


def _add_train(sub: argparse._SubParsersAction) -> None:
    """``forecast train``: fit and save a model set."""
    sp = sub.add_parser("train", help="backtest, fit and save a versioned model set")
    _history_options(sp)
    sp.add_argument("--no-activate", action="store_true", help="save without making it the active set")
    _output_options(sp)
    sp.set_defaults(func=cmd_train)


def _add_backtest(sub: argparse._SubParsersAction) -> None:
    """``forecast backtest``: rolling-origin backtest."""
    sp = sub.add_parser("backtest", help="rolling-origin backtest of every model and baseline")
    _history_options(sp)
    sp.add_argument(
        "--predictions", type=Path, default=None, metavar="OUT.csv", help="write every out-of-sample prediction here"
    )
    _output_options(sp)
    sp.set_defaults(func=cmd_backtest)


def _add_models(sub: argparse._SubParsersAction) -> None:
    """``forecast models``: list or activate model sets."""
    sp = sub.add_parser("models", help="list the saved model sets (or switch the active one)")
    sp.add_argument("--activate", default=None, metavar="VERSION")
    sp.add_argument(
        "--foreign",
        action="store_true",
        help="accept a set trained for another store (recorded as a warning in the audit trail)",
    )
    _output_options(sp)
    sp.set_defaults(func=cmd_models)


def _add_project(sub: argparse._SubParsersAction) -> None:
    """``forecast project``: year-end projections per project."""
    sp = sub.add_parser("project", help="year-end disbursed and spend per project, with p10/p50/p90")
    _as_of_option(sp)
    sp.add_argument("--target", type=float, default=None, help=argparse.SUPPRESS)
    _output_options(sp, "names")
    sp.set_defaults(func=cmd_project)


def _add_kpi(sub: argparse._SubParsersAction) -> None:
    """``forecast kpi``: projected KPI values."""
    sp = sub.add_parser("kpi", help="each KPI's projected year-end value and chance of reaching its target")
    _as_of_option(sp)
    _output_options(sp, "names", "English")
    sp.set_defaults(func=cmd_kpi)


def _add_rank(sub: argparse._SubParsersAction) -> None:
    """``forecast rank``: projects ranked by risk."""
    sp = sub.add_parser("rank", help="projects ranked by risk, with probabilities and reasons")
    _as_of_option(sp)
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
        f"else {s.DEFAULT_TARGET}, the cabinet's)",
    )
    sp.add_argument(
        "--quarterly-targets",
        type=float,
        nargs=4,
        default=None,
        metavar=("Q1", "Q2", "Q3", "Q4"),
        help="cumulative disbursement targets by quarter end for this run, e.g. 0.30 0.52 0.75 0.93",
    )
    _output_options(sp, "names and reasons")
    sp.set_defaults(func=cmd_rank)


def _add_portfolio(sub: argparse._SubParsersAction) -> None:
    """``forecast portfolio``: the joint range of the portfolio and its groups."""
    sp = sub.add_parser("portfolio", help="the whole portfolio and its groups: joint range, P(miss), shortfall")
    sp.add_argument("--by", choices=("agency", "plan_line", "owner"), default=None, help="one row per group too")
    _as_of_option(sp)
    _run_target_option(sp)
    sp.add_argument("--draws", type=int, default=10_000, help="joint draws (default 10,000; fewer for big stores)")
    sp.add_argument("--seed", type=int, default=0)
    _output_options(sp, "basis")
    sp.set_defaults(func=cmd_portfolio)


def _add_reallocate(sub: argparse._SubParsersAction) -> None:
    """``forecast reallocate``: advice on budget transfers."""
    sp = sub.add_parser(
        "reallocate",
        help="advice: transfers from projects that will leave money unused to projects that can disburse more",
    )
    _as_of_option(sp)
    sp.add_argument(
        "--within", choices=RA.WITHIN, default=RA.DEFAULT_WITHIN, help="transfers stay inside (default plan_line)"
    )
    sp.add_argument(
        "--appetite",
        type=float,
        default=RA.APPETITE,
        help="the risk appetite: releasable = budget - the projected year end at this quantile (default 0.9)",
    )
    _run_target_option(sp)
    sp.add_argument(
        "--max-transfer-share",
        type=float,
        default=RA.MAX_TRANSFER_SHARE,
        help="each transfer at most this share of the donor's budget (default 0.2)",
    )
    sp.add_argument("--needs", type=Path, default=None, metavar="CSV", help="planners' stated needs: project_id,need")
    sp.add_argument(
        "--transfers", type=Path, default=None, metavar="CSV", help="a what-if: from_id,to_id,amount (your own plan)"
    )
    sp.add_argument("--table", choices=REALLOCATE_TABLES, default="transfers", help="which table to print")
    sp.add_argument("--draws", type=int, default=RA.DRAWS, help="joint draws (default 4,000)")
    sp.add_argument("--seed", type=int, default=0)
    _output_options(sp, "reasons")
    sp.set_defaults(func=cmd_reallocate)


def _add_targets(sub: argparse._SubParsersAction) -> None:
    """``forecast targets [set]``: show or set the disbursement targets."""
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
    _output_options(ts)
    _output_options(sp)
    sp.set_defaults(func=cmd_targets)


def _add_users(sub: argparse._SubParsersAction) -> None:
    """``forecast users [ACTION]``: list or manage users and API tokens."""
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
    _output_options(us)
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
    _output_options(sp)
    sp.set_defaults(func=cmd_users)


def _add_serve(sub: argparse._SubParsersAction) -> None:
    """``forecast serve``: the HTTP JSON API."""
    sp = sub.add_parser("serve", help="the HTTP JSON API under /v1 (FastAPI on uvicorn; docs at /v1/docs)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument(
        "--cors", nargs="*", default=None, metavar="ORIGIN", help="origins allowed by CORS (off by default)"
    )
    sp.add_argument("--proxy", action="store_true", help="trust X-Forwarded-For/-Proto from a proxy on 127.0.0.1")
    sp.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    sp.set_defaults(func=cmd_serve)


def _add_audit(sub: argparse._SubParsersAction) -> None:
    """``forecast audit``: the audit trail."""
    sp = sub.add_parser("audit", help="the audit trail: who did what, when, from where, and the outcome")
    sp.add_argument("--since", default=None, metavar="YYYY-MM-DD")
    _output_options(sp)
    sp.set_defaults(func=cmd_audit)


def _add_report(sub: argparse._SubParsersAction) -> None:
    """``forecast report``: the Excel report or the PDF summary."""
    sp = sub.add_parser("report", help="write the Excel report (.xlsx) or the one-page summary (.pdf)")
    sp.add_argument("--out", type=Path, required=True, metavar="report.xlsx|summary.pdf")
    _as_of_option(sp)
    sp.add_argument("--lang", choices=("th", "en"), default=None, help="language of the report (default th)")
    sp.set_defaults(func=cmd_report)


def _add_template(sub: argparse._SubParsersAction) -> None:
    """``forecast template``: the blank Excel template."""
    sp = sub.add_parser("template", help="write the blank Excel template")
    sp.add_argument("--out", type=Path, default=Path("forecast_template.xlsx"))
    sp.set_defaults(func=cmd_template)


# The commands in the order ``forecast --help`` lists them.
_COMMANDS = (
    _add_init,
    _add_data,
    _add_validate,
    _add_ingest,
    _add_revisions,
    _add_vintages,
    _add_verify,
    _add_refresh,
    _add_simulate,
    _add_train,
    _add_backtest,
    _add_models,
    _add_project,
    _add_kpi,
    _add_rank,
    _add_portfolio,
    _add_reallocate,
    _add_targets,
    _add_users,
    _add_serve,
    _add_audit,
    _add_report,
    _add_template,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``forecast`` parser: the global --store option and one subcommand per command."""
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
    for add in _COMMANDS:
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    _RUN.clear()
    try:
        return args.func(args)
    except ValidationError as exc:
        note(f"forecast: {len(exc.errors)} error(s) in the input; nothing was used.")
        for i in exc.issues:
            print(f"  {i}", file=sys.stderr)
        return 1
    except ForecastError as exc:
        print(f"forecast: {say(exc, _lang(args))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
