"""The app's frame: store, language and report date chosen once, cached reviews, labels and charts.

``draw()`` runs in ``app.py`` on every page: the language and the report date live there (and in
the URL, ``?lang=en&as_of=2025-12-30``), so they persist across pages and reloads and a link can
be shared. Pages call ``context()`` for what the frame resolved. Everything heavy is cached per
store fingerprint, report date and model set: nothing is trained while a page renders.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

from forecast import api, formats
from forecast.access import roles
from forecast.data import revisions
from forecast.data import schema as s
from forecast.data.snapshot import Snapshot
from forecast.data.store import Store
from forecast.decisions import review as R
from forecast.decisions import risk, summary
from forecast.labels import LABELS, LANGS, code, column, commitments_missing, note_text, pick, t
from forecast.model import engine, registry
from forecast.model.features import group_agency
from ui import auth, jobs
from ui.actions import save_uploads

__all__ = [
    "AS_OF",
    "LANG",
    "LANGS",
    "LEVEL_BADGE",
    "LEVEL_COLOUR",
    "MONEY_FORMAT",
    "PROJECT",
    "UPLOAD_MB",
    "WHAT_IF",
    "Context",
    "after_sign_in",
    "allowed",
    "basis_note",
    "coloured_levels",
    "context",
    "cumulative_chart",
    "draw",
    "fan",
    "follows_language",
    "go",
    "level_badge",
    "level_label",
    "md",
    "money_config",
    "relabel",
    "reset",
    "revision_codes",
    "show",
    "streamlit_words",
    "t",
    "table",
    "uploader",
    "uploads",
]

LANG, AS_OF, PROJECT = "lang", "as_of", "project"
WHAT_IF = "what_if"  # the current project's unsaved what-if amount (its widget is ``what_if_<project>``)
UPLOAD_MB = 50  # the largest upload, as .streamlit/config.toml's server.maxUploadSize (also when it is not read)
LATEST = "latest"
MONEY_FORMAT = "%,.4f"  # amounts in tables: thousands separators and the four decimals of the reports
# The app's one state: kept in the session and in the URL, so that every link, row click, redirect
# and reload honours it. Widgets hold it while drawn; the mirror holds it on pages that do not draw them.
KEPT = (LANG, AS_OF, PROJECT, "rank_agencies", "rank_levels", "rank_lines", "rank_search")
LISTS = frozenset({"rank_agencies", "rank_levels", "rank_lines"})
_MIRROR = "__forecast_state"
_CTX = "__forecast_context"
LEVEL_COLOUR = {risk.HIGH: "#f4c7c3", risk.MEDIUM: "#fce8b2", risk.LOW: "#c8e6c9"}  # fills behind level cells
LEVEL_BADGE = {risk.HIGH: "red", risk.MEDIUM: "orange", risk.LOW: "green"}


@st.cache_resource(show_spinner=False)
def _store() -> Store:
    return Store.open()


def reset() -> None:
    """Forget cached stores, model sets and reviews (after an ingest, a training or a switch)."""
    st.cache_resource.clear()
    st.cache_data.clear()


@st.cache_resource(show_spinner=False)
def _model_set(models_dir: str, version: str | None) -> registry.ModelSet | None:
    return api.load_model_set(_store(), version)


@st.cache_resource(show_spinner=False, max_entries=16)
def _snapshot(fingerprint: str, as_of: str) -> Snapshot:
    return _store().snapshot(as_of, last_years=2)


@st.cache_resource(show_spinner=False, max_entries=16)
def _review(fingerprint: str, as_of: str, version: str | None, target: float | None) -> R.Review:
    st_ = _store()
    ms = _model_set(str(st_.models_dir), version) if version else None
    return api.review(st_, as_of, models=ms, target=target, snapshot=_snapshot(fingerprint, as_of))


@st.cache_data(show_spinner=False, max_entries=16)
def _portfolio(fingerprint: str, as_of: str, version: str | None, by: str | None) -> pl.DataFrame:
    snap = _snapshot(fingerprint, as_of)
    return _review(fingerprint, as_of, version, None).portfolio(by) if snap.fiscal_year is not None else pl.DataFrame()


@st.cache_resource(show_spinner=False, max_entries=16)
def _reallocation(fingerprint: str, as_of: str, version: str | None, target: float | None) -> api.Reallocation:
    st_ = _store()
    ms = _model_set(str(st_.models_dir), version) if version else None
    return api.reallocate(st_, as_of, target=target, models=ms, snapshot=_snapshot(fingerprint, as_of))


@st.cache_data(show_spinner=False, max_entries=16)
def _progress(fingerprint: str, as_of: str) -> pl.DataFrame:
    return summary.progress(_snapshot(fingerprint, as_of))


@st.cache_data(show_spinner=False, max_entries=16)
def _agencies(fingerprint: str, as_of: str) -> list[str]:
    snap = _snapshot(fingerprint, as_of)
    p = snap.projects.filter(pl.col(s.FISCAL_YEAR) == snap.fiscal_year)
    return sorted(x for x in p.select(group_agency()).to_series().unique().to_list() if x)


@st.cache_data(show_spinner=False, max_entries=16)
def _compared(fingerprint: str, as_of: str, before: str, version: str | None, target: float | None, lang: str):
    now = _review(fingerprint, as_of, version, target)
    return api.compare(now, _review(fingerprint, before, version, target), lang)


@st.cache_data(show_spinner=False, max_entries=4)
def _revisions(fingerprint: str) -> pl.DataFrame:
    return _store().revisions()


@dataclass
class Context:
    """What the frame resolved for this run: the store, the language, the report date, the model set."""

    store: Store
    lang: str
    as_of: str  # "latest" or an ISO date
    models: registry.ModelSet | None
    fingerprint: str
    target: float | None = None  # None: the store's targets for the year (else the default)
    session: auth.Session | None = None

    def can(self, action: str) -> bool:
        """Whether this session's role may do ``action`` (to show or hide a control; actions check again)."""
        s = self.session
        if s is None:
            return False
        return roles.allowed(s.role if s.signed_in or action in (roles.VIEW, roles.EXPORT) else None, action)

    def tr(self, key: str, **kw) -> str:
        text = t(key, self.lang)
        return text.format(**kw) if kw else text

    @property
    def version(self) -> str | None:
        return self.models.version if self.models else None

    @property
    def snapshot(self) -> Snapshot:
        return _snapshot(self.fingerprint, self.as_of)

    @property
    def review(self) -> R.Review:
        return _review(self.fingerprint, self.as_of, self.version, self.target)

    def portfolio(self, by: str | None = None) -> pl.DataFrame:
        """The portfolio (joint draws) and, with ``by``, one row per group."""
        return _portfolio(self.fingerprint, self.as_of, self.version, by)

    def reallocation(self) -> api.Reallocation:
        """The proposed transfers (within plan lines, the default appetite) and their effect."""
        return _reallocation(self.fingerprint, self.as_of, self.version, self.target)

    @property
    def agencies(self) -> list[str]:
        """The agencies of the current year (agency, else owner); more than one makes a whole-government store."""
        return _agencies(self.fingerprint, self.as_of)

    def previous(self) -> tuple[R.Review | None, dt.date | None]:
        """The review of the report before this one, and its date; (None, None) when there is none."""
        before = api.previous_date(self.store, self.snapshot.as_of) if self.snapshot.as_of is not None else None
        if before is None:
            return None, None
        return _review(self.fingerprint, before.isoformat(), self.version, self.target), before

    @property
    def revisions(self) -> pl.DataFrame:
        return _revisions(self.fingerprint)

    @property
    def progress(self) -> pl.DataFrame:
        return _progress(self.fingerprint, self.as_of)

    def compared(self, before: dt.date) -> pl.DataFrame:
        """The ranking with the rank, level and reasons it had at the report of ``before``."""
        return _compared(self.fingerprint, self.as_of, before.isoformat(), self.version, self.target, self.lang)

    @property
    def curve(self) -> pl.DataFrame:
        return summary.portfolio_curve(self.snapshot)

    @property
    def name_col(self) -> str:
        return pick(self.lang, th=s.NAME_TH, en=s.NAME_EN)

    def name(self) -> pl.Expr:
        """A project's name in the chosen language, else in the other, else its id."""
        other = pick(self.lang, th=s.NAME_EN, en=s.NAME_TH)
        return pl.coalesce(
            pl.col(self.name_col).replace("", None), pl.col(other).replace("", None), pl.col(s.PROJECT_ID)
        )

    @property
    def drivers_col(self) -> str:
        return pick(self.lang, th=risk.DRIVERS_TH, en=risk.DRIVERS_EN)

    def fy_caption(self) -> str:
        fy = self.snapshot.fiscal_year
        return self.store.calendar.year_label(fy, self.lang) if fy is not None else ""

    def date(self, d) -> str:
        """A date in the chosen language: '31 มี.ค. 2569' or '31 Mar 2026'."""
        return formats.date(d, self.lang, self.store.calendar.era)

    def moment(self, ts) -> str:
        """A moment in the chosen language, in the server's local time: '2 ธ.ค. 2569 10:16 น.'."""
        return formats.moment(ts, self.lang, self.store.calendar.era)

    @property
    def unit(self) -> str:
        return self.store.unit.words(self.lang)


def _active(st_: Store) -> registry.ModelSet | None:
    try:
        return _model_set(str(st_.models_dir), api.active_version(st_))
    except registry.RegistryError as exc:
        st.error(auth.md(str(exc)))
        return None


# Widgets whose option labels are in the chosen language (the report date, the project, the levels, roles).
# The browser keeps a choice by its label: after a switch it would send the old label, which no option has
# any more, and the choice would fall back to the first option on the next click. Setting the value again
# on the run that switches makes Streamlit send the new label to the browser.
_FOLLOWING: set[str] = set()
_LANG_WAS = "__forecast_lang_was"


def follows_language(key: str) -> str:
    """``key`` of a widget whose labels are in the chosen language, so that a switch keeps its choice."""
    _FOLLOWING.add(key)
    return key


def _init_from_url(key: str, allowed) -> None:
    """Seed a widget's state from the URL on the first run of a session (a shared link)."""
    if key not in st.session_state:
        value = st.query_params.get(key)
        if value is not None and value in allowed:
            st.session_state[key] = value


def _what_if_key() -> str | None:
    pid = st.session_state.get(PROJECT)
    return f"{WHAT_IF}_{pid}" if pid else None


def _keep_state() -> None:
    """Carry the kept state across pages (widgets not drawn lose theirs) and seed it from the URL on a reload."""
    mirror: dict = st.session_state.setdefault(_MIRROR, {})
    for key in KEPT:
        if key in st.session_state:
            mirror[key] = st.session_state[key]
        elif key in mirror:
            st.session_state[key] = mirror[key]
        elif key not in (LANG, AS_OF):  # those two are checked against their options in ``draw``
            value = st.query_params.get_all(key) if key in LISTS else st.query_params.get(key)
            if value:
                st.session_state[key] = list(value) if key in LISTS else str(value)[:200]
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(WHAT_IF + "_")]:
        mirror[key] = st.session_state[key]
    for key, value in mirror.items():
        if key.startswith(WHAT_IF + "_") and key not in st.session_state:
            st.session_state[key] = value
    wk = _what_if_key()
    if wk and wk not in st.session_state and st.query_params.get(WHAT_IF):
        with suppress(ValueError):
            st.session_state[wk] = max(float(st.query_params[WHAT_IF]), 0.0)


def url_state() -> dict:
    """The kept state as URL query parameters (empty values left out)."""
    out = {k: st.session_state[k] for k in KEPT if st.session_state.get(k) not in (None, "", [])}
    wk = _what_if_key()
    if wk and st.session_state.get(wk) is not None:
        out[WHAT_IF] = f"{float(st.session_state[wk]):.4f}"
    return out


def go(page) -> None:
    """Open another page with the kept state (a row click, a redirect)."""
    st.switch_page(page, query_params=url_state())


def after_sign_in(pages: list, current) -> None:
    """Open the page a link asked for before the sign-in form stopped it (with the kept state)."""
    wanted = st.session_state.pop(auth.NEXT, None)
    if not wanted or auth.current() is None:
        return
    page = next((p for p in pages if p.url_path == wanted), None)
    if page is not None and page.url_path != current.url_path:
        go(page)


def uploader(ctx: Context, key: str):
    """The uploader of template files (CSV, Excel, Parquet), several at once, within the upload limit."""
    return st.file_uploader(
        ctx.tr("upload"),
        type=["csv", "xlsx", "parquet"],
        accept_multiple_files=True,
        key=key,
        help=ctx.tr("upload_help", mb=UPLOAD_MB),
        max_upload_size=UPLOAD_MB,
    )


def allowed(key: str, options) -> None:
    """Drop values of a kept multiselect that its options no longer hold (a stale or hand-edited URL)."""
    value = st.session_state.get(key)
    if isinstance(value, list):
        keep = [v for v in value if v in set(options)]
        if keep != value:
            st.session_state[key] = keep


def draw() -> Context:
    """The sidebar every page shares, after sign-in (the form stops the run); call once per run from ``app.py``."""
    st_ = _store()
    _init_from_url(LANG, LANGS)
    _keep_state()
    lang = st.sidebar.radio(
        t("language", "en") + " / " + t("language", "th"),
        LANGS,
        format_func={"th": "ไทย", "en": "English"}.get,
        horizontal=True,
        key=LANG,
    )
    if st.session_state.get(_LANG_WAS, lang) != lang:  # the language switched: keep every choice (see below)
        for key in _FOLLOWING & set(st.session_state.keys()):
            st.session_state[key] = st.session_state[key]
    st.session_state[_LANG_WAS] = lang
    session = auth.gate(st_, lambda key: t(key, lang), lang)
    _job_status(st_, lang)
    dates = [d.isoformat() for d in st_.report_dates()]
    options = [LATEST, *reversed(dates)]
    _init_from_url(AS_OF, options)
    era = st_.calendar.era  # the dates in the chosen language: a switch keeps the choice (follows_language)
    as_of = st.sidebar.selectbox(
        t("as_of", lang),
        options,
        format_func=lambda d: t("latest", lang) if d == LATEST else formats.date(d, lang, era),
        key=follows_language(AS_OF),
    )
    st.session_state.setdefault(_MIRROR, {}).update({LANG: lang, AS_OF: as_of})
    st.query_params.from_dict(url_state())
    label = t("store_reference", lang) if st_.read_only else st_.root.name if st_.root else ""
    st.sidebar.caption(f"{t('store', lang)}: {auth.md(label)}")
    auth.sidebar(st_, session, lambda key: t(key, lang))
    relabel(lang)
    ctx = Context(st_, lang, as_of, _active(st_), st_.fingerprint(), session=session)
    st.session_state[_CTX] = ctx
    return ctx


def _job_status(st_: Store, lang: str) -> None:
    """A retraining in the background, on every page: progress and ETA; when it ends, every page refreshes."""
    job = jobs.job(str(st_.root or st_.id))
    if job is None:
        return
    sid = auth.session_id()
    if job.running:
        eta = job.eta()
        st.sidebar.progress(
            job.progress,
            text=t("training_progress", lang).format(
                p=f"{job.progress:.0%}", eta=f"{eta / 60:.0f}" if eta is not None else "…"
            ),
        )
    elif sid not in job.seen:
        job.seen.add(sid)
        reset()
        if job.error:
            st.toast(auth.md(t("training_failed", lang).format(e=job.error)), icon=":material/error:")
        else:
            waits = api.awaits_activation(st_, job.version)
            st.toast(
                t("trained_waiting" if waits else "trained", lang).format(v=job.version), icon=":material/check_circle:"
            )


md = auth.md


def context() -> Context:
    """What ``draw()`` resolved for this run (pages call this)."""
    ctx = st.session_state.get(_CTX)
    return ctx if ctx is not None else draw()


def basis_note(ctx: Context) -> None:
    """The honest label of where the projections come from."""
    rv = ctx.review
    for b in rv.bases:
        kind = engine.basis_kind(b)
        if kind == "no_history":
            st.warning(ctx.tr("basis_no_history"), icon=":material/info:")
        elif kind == "history":
            st.caption(ctx.tr("basis_history", v=ctx.version or ""))
        else:  # synthetic or foreign: said as a warning on every page with its numbers
            st.warning(ctx.tr(f"basis_{kind}", v=ctx.version or ""), icon=":material/warning:")
    for n in rv.unusual:  # an unusual year, or lines unlike the training history
        st.warning(md(note_text(n.code, n.params, ctx.lang)), icon=":material/warning:")
    if not rv.kpis.is_empty():
        k = (ctx.models.manifest.get("kpi") if ctx.models else None) or {}
        if not k.get("trained"):
            st.caption(ctx.tr("kpi_basis_rules"))
        elif engine.is_foreign(k.get("basis")):
            word = ctx.tr(f"cli_word_{engine.basis_kind(k.get('basis'))}")
            st.warning(ctx.tr("kpi_basis_foreign", v=ctx.version or "", basis=word), icon=":material/warning:")
        elif k.get("basis") == engine.SYNTHETIC:
            st.warning(ctx.tr("kpi_basis_synthetic", v=ctx.version or ""), icon=":material/warning:")
        else:
            st.caption(ctx.tr("kpi_basis_history", v=ctx.version or ""))
    if not rv.commitments_reported and not rv.projection.is_empty():
        st.caption(ctx.tr("no_commitments"))
    elif rv.quarters_without_commitments:
        st.caption(commitments_missing(rv.quarters_without_commitments, ctx.lang))


_MOMENT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"  # an ISO moment as the store and the audit trail write them
_DATES = r"^\d{4}-\d{2}-\d{2}(, \d{4}-\d{2}-\d{2})*$"  # ISO dates (a list of report dates)


def _written(col: pl.Series) -> str | None:
    """Whether a text column holds ISO moments or dates (every non-empty cell): 'moment', 'dates' or None."""
    given = col.drop_nulls().filter(col.drop_nulls() != "")
    if given.is_empty():
        return None
    if given.str.contains(_MOMENT).all():
        return "moment"
    return "dates" if given.str.contains(_DATES).all() else None


def table(
    ctx: Context,
    df: pl.DataFrame,
    values: tuple[str, ...] = (),
    codes: dict[str, Callable] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[pl.DataFrame, dict]:
    """A frame for people in the chosen language, with its column config: headers translated; dates and
    moments written out ('31 มี.ค. 2569', '2 ธ.ค. 2569 10:16 น.'); the codes of ``values`` columns as labels
    (kind, status) and of ``codes`` columns through their function (a table name, a role, an audit action);
    empty cells blank, never "None" (a number column with gaps becomes right-aligned text); ``headers`` for a
    column whose catalogue header means something else here."""
    render = {**{c: ctx.tr for c in values}, **(codes or {})}

    def through(f: Callable) -> Callable:
        return lambda v: "" if v is None or v == "" else f(v)

    out = []
    gaps = []
    for c, d in df.schema.items():
        col = pl.col(c)
        if c in render:
            out.append(col.map_elements(through(render[c]), return_dtype=pl.String, skip_nulls=False))
        elif d == pl.Date:
            out.append(col.map_elements(through(ctx.date), return_dtype=pl.String, skip_nulls=False))
        elif isinstance(d, pl.Datetime):
            out.append(col.map_elements(through(ctx.moment), return_dtype=pl.String, skip_nulls=False))
        elif d == pl.String:
            written = _written(df[c])
            if written == "moment":
                out.append(col.map_elements(through(ctx.moment), return_dtype=pl.String, skip_nulls=False))
            elif written == "dates":
                dates = through(lambda v: ", ".join(ctx.date(x) for x in v.split(", ")))
                out.append(col.map_elements(dates, return_dtype=pl.String, skip_nulls=False))
            else:
                out.append(col.fill_null(""))
        elif isinstance(d, pl.Decimal) and df[c].null_count():  # a quarter not reported yet: blank
            gaps.append(c)
            out.append(col.map_elements(formats.money, return_dtype=pl.String).fill_null(""))
        elif d.is_float() and (df[c].null_count() or df[c].is_nan().any()):
            gaps.append(c)
            number = through(lambda v: "" if math.isnan(v) else formats.number(v, 4))
            out.append(col.map_elements(number, return_dtype=pl.String, skip_nulls=False))
        elif d.is_integer() and df[c].null_count():  # a year, a rank, a count: as it is
            gaps.append(c)
            out.append(col.cast(pl.String).fill_null(""))
        else:
            out.append(col)
    shown = df.select(out) if out else df
    config = {**money_config(shown), **{c: st.column_config.TextColumn(alignment="right") for c in gaps}}
    names = {c: (headers or {}).get(c) or column(c, ctx.lang) for c in shown.columns}
    return shown.rename(names), {names[c]: v for c, v in config.items()}


def show(
    ctx: Context,
    df: pl.DataFrame,
    values: tuple[str, ...] = (),
    codes: dict[str, Callable] | None = None,
    headers: dict[str, str] | None = None,
    **kw,
):
    """``st.dataframe`` of a frame for people (see ``table``); an empty one is said in words (Streamlit would
    draw its own English "empty")."""
    if df.is_empty():
        return st.caption(ctx.tr("none"))
    shown, config = table(ctx, df, values, codes, headers)
    return st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **kw)


def revision_codes(ctx: Context) -> dict[str, Callable]:
    """How the codes of a table of changed figures read in the chosen language (``show(..., codes=...)``):
    the table, the record ('ไตรมาส 1'), the column and the kind of change."""
    lang = ctx.lang
    return {
        revisions.TABLE: lambda v: code("table", v, lang),
        revisions.KEY_TEXT: lambda v: revisions.key_label(v, lang),
        revisions.COLUMN: lambda v: column(v, lang),
        revisions.KIND: ctx.tr,
    }


def money_config(df: pl.DataFrame) -> dict:
    return {
        c: st.column_config.NumberColumn(format=MONEY_FORMAT) for c, d in df.schema.items() if isinstance(d, pl.Decimal)
    }


def level_label(level: str, lang: str) -> str:
    return t(level, lang)


def level_badge(level: str, lang: str) -> None:
    st.badge(level_label(level, lang), color=LEVEL_BADGE.get(level, "gray"))  # type: ignore[arg-type]


def coloured_levels(table: pl.DataFrame, column: str, levels: list[str], lang: str):
    """A pandas Styler filling each level cell with its colour (``levels`` are the raw codes per row)."""
    by_label = {level_label(lv, lang): LEVEL_COLOUR[lv] for lv in set(levels) if lv in LEVEL_COLOUR}
    return table.to_pandas().style.map(
        lambda v: f"background-color: {by_label[v]}" if v in by_label else "", subset=[column]
    )


# Streamlit's own words on its widgets (the uploader's "Upload" and "50MB per file", the "Press Enter" hints, a
# list's "No results"), which it has no parameter for, put in the chosen language in the browser by a small
# component of ours: ui/relabel.js, trusted code given only the catalogue's words (see its header)
_RELABEL = st.components.v2.component("forecast_relabel", js=(Path(__file__).with_name("relabel.js")).read_text())
STREAMLIT_WORDS = "st:"


def streamlit_words(lang: str) -> dict[str, str]:
    """The phrases on Streamlit's widgets in every other language (Streamlit's own English among them) and the
    catalogue's words for them in ``lang``: a switch of language puts every one in the new language."""
    own = [v for k, v in LABELS.items() if k.startswith(STREAMLIT_WORDS)]
    return {v[other]: v[lang] for v in own for other in LANGS if other != lang and v[other] != v[lang]}


def relabel(lang: str) -> None:
    """Mount the relabelling component (in the sidebar, where it takes no room)."""
    with st.sidebar:
        _RELABEL(data={"words": streamlit_words(lang)}, key="relabel")


@contextmanager
def uploads(files, prefix: str):
    """Uploaded files in a fresh temporary folder under their own names (a repeated name in its own
    sub-folder, so that validation sees both), removed afterwards; yields the file paths."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield save_uploads(files, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SERIES_COLOURS = {
    s.PLAN: "#9e9e9e",
    s.SPEND: "#f28e2b",
    s.DISBURSED: "#4e79a7",
    "projection": "#4e79a7",
    "target": "#b22222",
    "fan": "#a0cbe8",
    "target_curve": "#e15759",
    "scenario": "#59a14f",
}


def cumulative_chart(
    ctx: Context,
    curve: pl.DataFrame,
    projection: dict | None,
    target: float | None,
    budget: float,
    quarterly: tuple | None = None,
    scenario: dict | None = None,
) -> alt.LayerChart:
    """Cumulative plan, spend and disbursed by quarter, the target (and its quarterly curve), the projection fan.

    Colours are fixed per series (the same in both languages); the legend lists only the series drawn.
    """
    series = {
        s.PLAN: ctx.tr("plan_to_date"),
        s.SPEND: ctx.tr("spend_to_date"),
        s.DISBURSED: ctx.tr("disbursed_to_date"),
    }
    names = {
        **series,
        "projection": ctx.tr("projection"),
        "fan": ctx.tr("fan"),
        "target": f"{ctx.tr('target_line')} {target:.0%}" if target is not None else "",
        "target_curve": ctx.tr("target_curve"),
        "scenario": ctx.tr("scenario"),
    }
    reported = {k for k in series if k in curve.columns and curve[k].drop_nulls().len()}
    drawn = {
        **{k: k in reported for k in series},
        "projection": bool(projection),
        "fan": bool(projection),
        "target": target is not None,
        "target_curve": bool(quarterly),
        "scenario": bool(scenario),
    }
    keys = tuple(
        k for k in (s.PLAN, s.SPEND, s.DISBURSED, "projection", "fan", "target", "target_curve", "scenario") if drawn[k]
    )  # the legend lists only what is drawn
    domain = [names[k] for k in keys]
    colours = [SERIES_COLOURS[k] for k in keys]
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=domain, range=colours))
    long = (
        curve.select(
            pl.col(s.QUARTER).cast(pl.Int32).alias("q"),
            *(pl.col(c).cast(pl.Float64).alias(label) for c, label in series.items()),
        )
        .unpivot(index="q", variable_name="series", value_name="amount")
        .drop_nulls()
    )
    x = alt.X(
        "q:Q", title=ctx.tr("quarter"), scale=alt.Scale(domain=[1, 4]), axis=alt.Axis(values=[1, 2, 3, 4], format="d")
    )
    y_title = ctx.unit
    layers = [
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("amount:Q", title=y_title),
            color=colour,
            tooltip=["series", "q", alt.Tooltip("amount:Q", format=",.4f")],
        )
    ]
    if projection:
        fan_df = pl.DataFrame(projection).with_columns(pl.lit(names["fan"]).alias("series"))
        layers.append(
            alt.Chart(fan_df)
            .mark_area(opacity=0.2)
            .encode(
                x=x,
                y="p10:Q",
                y2="p90:Q",
                color=colour,
                tooltip=[alt.Tooltip("p10:Q", format=",.4f"), alt.Tooltip("p90:Q", format=",.4f")],
            )
        )
        layers.append(
            alt.Chart(fan_df.with_columns(pl.lit(names["projection"]).alias("series")))
            .mark_line(strokeDash=[4, 3])
            .encode(x=x, y="p50:Q", color=colour)
        )
    if target is not None:
        rule = pl.DataFrame({"amount": [target * budget], "series": [names["target"]]})
        layers.append(
            alt.Chart(rule)
            .mark_rule(strokeDash=[2, 2])
            .encode(y="amount:Q", color=colour, tooltip=["series", alt.Tooltip("amount:Q", format=",.4f")])
        )
    if quarterly:
        steps = pl.DataFrame(
            {"q": [1, 2, 3, 4], "amount": [x * budget for x in quarterly], "series": [names["target_curve"]] * 4}
        )
        layers.append(
            alt.Chart(steps)
            .mark_line(strokeDash=[1, 3], point=alt.OverlayMarkDef(shape="diamond"))
            .encode(x=x, y="amount:Q", color=colour, tooltip=["series", "q", alt.Tooltip("amount:Q", format=",.4f")])
        )
    if scenario:
        plan_df = pl.DataFrame(scenario).with_columns(pl.lit(names["scenario"]).alias("series"))
        layers.append(
            alt.Chart(plan_df)
            .mark_line(strokeWidth=3, point=True)
            .encode(x=x, y="amount:Q", color=colour, tooltip=["series", "q", alt.Tooltip("amount:Q", format=",.4f")])
        )
    return alt.LayerChart(layer=layers).properties(height=340)


def fan(done_quarter: int, done_value: float, p10: float, p50: float, p90: float) -> dict:
    """The projection fan from the last reported quarter (known value) to Q4 (p10/p50/p90)."""
    return {"q": [done_quarter, 4], "p10": [done_value, p10], "p50": [done_value, p50], "p90": [done_value, p90]}
