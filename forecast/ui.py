"""What the Streamlit pages share: cached loading, the sidebar, labels in the chosen language, charts.

Everything heavy is cached: the store and model set with ``st.cache_resource``, the
frames of a vintage with ``st.cache_data`` keyed by the store's fingerprint, the report
date and the model set version. Nothing is trained while a page renders.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import altair as alt
import polars as pl
import streamlit as st

from forecast.model import engine, registry
from forecast.decisions import kpi, risk, summary
from forecast.data import schema as s
from forecast.interfaces.labels import LANGS, t
from forecast.data.store import Store

LANG, AS_OF, PROJECT = "lang", "as_of", "project"
LEVEL_COLOUR = {risk.HIGH: "#f4c7c3", risk.MEDIUM: "#fce8b2", risk.LOW: "#c8e6c9"}  # fills behind level cells
LEVEL_BADGE = {risk.HIGH: "red", risk.MEDIUM: "orange", risk.LOW: "green"}


@st.cache_resource(show_spinner=False)
def store() -> Store:
    return Store.open()


def reset() -> None:
    """Forget cached stores, model sets and frames (after an ingest, a training or a switch)."""
    st.cache_resource.clear()
    st.cache_data.clear()


@st.cache_resource(show_spinner=False)
def model_set(models_dir: str, version: str | None) -> registry.ModelSet | None:
    return registry.load(Path(models_dir), version) if version else None


def active_model_set(st_: Store) -> registry.ModelSet | None:
    try:
        return model_set(str(st_.models_dir), registry.active_version(st_.models_dir))
    except registry.RegistryError as exc:
        st.error(str(exc))
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def _risk(fingerprint: str, as_of: str, version: str | None) -> dict:
    st_ = store()
    ms = active_model_set(st_)
    projection = engine.project(st_, as_of, ms)
    kpis = kpi.attainment(st_, as_of, ms.manifest.get("kpi_calibration") if ms else None)
    assessed = risk.assess(st_, as_of, models=ms, projection=projection, kpis=kpis)
    ranking = risk.ranked(assessed, "en") if not assessed.is_empty() else assessed
    return {"projection": projection, "kpis": kpis, "ranking": ranking}


@st.cache_data(show_spinner=False, max_entries=16)
def _year(fingerprint: str, as_of: str) -> dict:
    """Progress, the portfolio curve and the quarterly finance rows of the latest fiscal year."""
    st_ = store()
    prog = summary.progress(st_, as_of)
    year = prog[s.FISCAL_YEAR].max()
    return {"progress": prog.filter(pl.col(s.FISCAL_YEAR) == year),
            "curve": summary.portfolio_curve(st_, as_of).filter(pl.col(s.FISCAL_YEAR) == year),
            "finance": st_.read("finance", as_of, fiscal_years=[year] if year is not None else None),
            "as_of_date": st_.report_date(as_of)}


@st.cache_data(show_spinner=False, max_entries=4)
def _store_history(fingerprint: str) -> dict:
    st_ = store()
    return {"revisions": st_.revisions(), "vintages": st_.vintages()}


class Frames:
    """What a page shows for one vintage, each part computed (and cached) only when a page asks for it."""

    _PARTS = {"projection": "risk", "kpis": "risk", "ranking": "risk", "progress": "year", "curve": "year",
              "finance": "year", "as_of_date": "year", "revisions": "history", "vintages": "history"}

    def __init__(self, fingerprint: str, as_of: str, version: str | None):
        self.fingerprint, self.as_of, self.version = fingerprint, as_of, version

    def __getitem__(self, key: str):
        part = self._PARTS[key]
        if part == "risk":
            return _risk(self.fingerprint, self.as_of, self.version)[key]
        if part == "year":
            return _year(self.fingerprint, self.as_of)[key]
        return _store_history(self.fingerprint)[key]


@st.cache_data(show_spinner=False, max_entries=16)
def previous(fingerprint: str, as_of: str, version: str | None) -> tuple:
    """The ranking at the report before ``as_of`` (rank and level per project) and its date; (None, None)
    when there is none. Only the overview needs it, so it is computed there, once per vintage."""
    st_ = store()
    current = st_.report_date(as_of)
    earlier = [d for d in st_.report_dates() if d < current]
    if not earlier:
        return None, None
    before = risk.assess(st_, earlier[-1], models=active_model_set(st_))
    if before.is_empty():
        return None, earlier[-1]
    return risk.ranked(before, "en").select(s.PROJECT_ID, risk.RANK, risk.LEVEL), earlier[-1]


def save_uploads(files, prefix: str) -> Path:
    """Uploaded files into a fresh temporary folder, under their own names; returns the folder."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    for f in files:
        (folder / Path(f.name).name).write_bytes(f.getvalue())
    return folder


def lang() -> str:
    return st.session_state.get(LANG, "th")


def tr(key: str, **kw) -> str:
    text = t(key, lang())
    return text.format(**kw) if kw else text


def sidebar() -> tuple[Store, str, Frames]:
    """Language and report date in the sidebar; returns the store, the report date and its frames."""
    st_ = store()
    st.sidebar.radio(t("language", "en"), LANGS, format_func={"th": "ไทย", "en": "English"}.get,
                     horizontal=True, key=LANG)
    dates = [d.isoformat() for d in st_.report_dates()]
    # option labels must not depend on the language, or switching it would orphan the selection
    latest = f"{t('latest', 'th')} / {t('latest', 'en')}"
    as_of = st.sidebar.selectbox(tr("as_of"), ["latest", *reversed(dates)],
                                 format_func=lambda d: latest if d == "latest" else d, key=AS_OF)
    st.sidebar.caption(f"{tr('store')}: {st_.label}")
    ms = active_model_set(st_)
    return st_, as_of, Frames(st_.fingerprint(), as_of, ms.version if ms else None)


def basis_note(data: Frames) -> None:
    """The honest label of where the projections come from."""
    bases = set(data["projection"][engine.BASIS].to_list()) - {engine.ACTUAL}
    ms = active_model_set(store())
    version = ms.version if ms else ""
    for b in sorted(bases):
        if b == engine.NO_HISTORY:
            st.warning(tr("basis_no_history"), icon="ℹ️")
        elif b == engine.SYNTHETIC:
            st.warning(tr("basis_synthetic", v=version), icon="⚠️")
        else:
            st.caption(tr("basis_history", v=version))


def name_col() -> str:
    return s.NAME_TH if lang() == "th" else s.NAME_EN


def drivers_col() -> str:
    return risk.DRIVERS_TH if lang() == "th" else risk.DRIVERS_EN


def money_config(df: pl.DataFrame) -> dict:
    return {c: st.column_config.NumberColumn(format="%.4f") for c, d in df.schema.items() if d == s.MONEY}


def level_label(level: str, lang_: str | None = None) -> str:
    return t(level, lang_ or lang())


def level_badge(level: str) -> None:
    st.badge(level_label(level), color=LEVEL_BADGE.get(level, "gray"))


def coloured_levels(table: pl.DataFrame, column: str, levels: list[str]):
    """A pandas Styler filling each level cell with its colour (``levels`` are the raw codes per row)."""
    by_label = {level_label(lv): LEVEL_COLOUR[lv] for lv in set(levels) if lv in LEVEL_COLOUR}
    return table.to_pandas().style.map(lambda v: f"background-color: {by_label[v]}" if v in by_label else "",
                                       subset=[column])


def fy_caption(data: Frames) -> str:
    fy = data["progress"][s.FISCAL_YEAR].max()
    return store().calendar.year_label(fy, lang()) if fy is not None else ""


def cumulative_chart(curve: pl.DataFrame, projection: dict | None, target: float | None, budget: float) -> alt.Chart:
    """Cumulative plan, spend and disbursed by quarter (MTHB), the target, and the projection fan to Q4."""
    series = {s.PLAN: tr("plan_to_date"), s.SPEND: tr("spend_to_date"), s.DISBURSED: tr("disbursed_to_date")}
    long = (curve.select(pl.col(s.QUARTER).cast(pl.Int32).alias("q"),
                         *(pl.col(c).cast(pl.Float64).alias(label) for c, label in series.items()))
            .unpivot(index="q", variable_name="series", value_name="mthb").drop_nulls())
    x = alt.X("q:Q", title=tr("quarter"), scale=alt.Scale(domain=[1, 4]), axis=alt.Axis(values=[1, 2, 3, 4],
                                                                                     format="d"))
    layers = [alt.Chart(long).mark_line(point=True).encode(
        x=x, y=alt.Y("mthb:Q", title="MTHB"), color=alt.Color("series:N", title=None, sort=list(series.values())),
        tooltip=["series", "q", alt.Tooltip("mthb:Q", format=",.4f")])]
    if projection:
        fan = pl.DataFrame(projection)
        layers.append(alt.Chart(fan).mark_area(opacity=0.2).encode(
            x=x, y="p10:Q", y2="p90:Q", tooltip=[alt.Tooltip("p10:Q", format=",.4f"),
                                                 alt.Tooltip("p90:Q", format=",.4f")]))
        layers.append(alt.Chart(fan.with_columns(pl.lit(tr("projection")).alias("series"))).mark_line(
            strokeDash=[4, 3]).encode(x=x, y="p50:Q", color=alt.Color("series:N", title=None)))
    if target is not None:
        rule = pl.DataFrame({"mthb": [target * budget], "series": [f"{tr('target_line')} {target:.0%}"]})
        layers.append(alt.Chart(rule).mark_rule(strokeDash=[2, 2], color="firebrick").encode(
            y="mthb:Q", tooltip=["series", alt.Tooltip("mthb:Q", format=",.4f")]))
    return alt.layer(*layers).properties(height=340)


def fan(done_quarter: int, done_value: float, p10: float, p50: float, p90: float) -> dict:
    """The projection fan from the last reported quarter (known value) to Q4 (p10/p50/p90)."""
    return {"q": [done_quarter, 4], "p10": [done_value, p10], "p50": [done_value, p50], "p90": [done_value, p90]}
