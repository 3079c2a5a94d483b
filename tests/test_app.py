"""Every page of the app, with AppTest (no browser), navigating as a person does."""

from __future__ import annotations

import getpass
import json
import re
import socket
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import ui
from forecast import api, config
from forecast.access.roles import ADMIN, Actor
from forecast.data import schema as s
from forecast.data.store import Store
from forecast.labels import column, t
from forecast.model.estimators import CANDIDATES

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _fresh_caches():
    ui.reset()  # each test sees the store the conftest set up, not one cached by an earlier test
    yield
    ui.reset()


PASSWORD = "correct horse battery"


def make_user(role: str, name: str | None = None) -> str:
    """A user of the store the app opens (the reference data's users live beside the default store)."""
    name = name or f"{role}-user"
    users = Store.open().users
    if users.role(name) is None:
        users.add(name, role, PASSWORD)
    return name


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="sign_in_user").input(name)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label in ("Sign in", "เข้าสู่ระบบ")).click().run()
    return at


def open_page(
    page: str | None = None,
    lang: str | None = None,
    query: dict | None = None,
    role: str | None = None,
    user: str | None = None,
) -> AppTest:
    """The app as a person opens it: the first page, the language, signing in (as ``role``), then ``page``."""
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if lang:
        at.sidebar.radio(key=ui.LANG).set_value(lang).run()
    if role:
        if not at.text_input:  # the public viewer of the reference data signs in from the sidebar
            at.sidebar.button(key="want_sign_in").click().run()
        sign_in(at, make_user(role, user))
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def agency_store():
    """The default store, made from the reference data (as the Data page's button does)."""
    return Store.create(config.DEFAULT_STORE_DIR, from_reference=True)


def test_overview_shows_the_reference_totals():
    at = open_page()
    assert at.title[0].value == "ติดตามการใช้จ่ายงบประมาณ"
    assert "519.3683" in at.metric[0].value
    assert at.metric[3].value == "169.9125"  # disbursed to Q2, as the Q2 report prints it
    assert any("ไม่มีข้อมูลย้อนหลัง" in w.value for w in at.warning)  # honest label: no history
    assert len(at.get("download_button")) == 2


def test_language_switch_and_vintage():
    at = open_page()
    at.sidebar.radio(key=ui.LANG).set_value("en").run()
    assert at.title[0].value == "Budget execution monitor"
    assert any("No history" in w.value for w in at.warning)
    at.sidebar.selectbox(key=ui.AS_OF).set_value("2025-12-30").run()
    assert not at.exception
    assert at.metric[3].value == "44.0596"  # Q1 disbursement as the Q1 report printed it


def test_language_and_report_date_persist_across_pages_and_in_the_url():
    at = open_page()
    at.sidebar.radio(key=ui.LANG).set_value("en").run()
    at.sidebar.selectbox(key=ui.AS_OF).set_value("2025-12-30").run()
    at.switch_page("app_pages/ranking.py").run()
    assert at.title[0].value == "Risk ranking"
    assert at.sidebar.selectbox(key=ui.AS_OF).value == "2025-12-30"
    assert at.query_params["lang"] in ("en", ["en"]) and at.query_params["as_of"] in ("2025-12-30", ["2025-12-30"])
    at.switch_page("app_pages/project.py").run()
    assert at.title[0].value == "Project" and not at.exception


def test_a_shared_link_opens_in_its_language_and_report_date():
    at = open_page(query={"lang": "en", "as_of": "2025-12-30"})
    assert at.title[0].value == "Budget execution monitor"
    assert at.metric[3].value == "44.0596"


def test_ranking_shows_the_nine_projects():
    at = open_page("ranking", lang="en")
    table = at.dataframe[0].value
    assert len(table) == 9
    assert list(table["Rank"]) == list(range(1, 10))
    drivers = " ".join(table["Main reasons"])
    assert "disbursed 12.5% of budget (4.9960 MTHB) vs 79.4% planned to date" in drivers
    at.multiselect(key="rank_levels").set_value(["medium"]).run()
    assert 0 < len(at.dataframe[0].value) < 9


def _metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def test_project_page_and_what_if_plan():
    at = open_page("project", lang="en")
    at.selectbox(key=ui.PROJECT).set_value("etda-trust-service-trade").run()
    assert not at.exception
    assert at.metric[1].value == "4.9960"
    what_if = at.number_input(key="what_if_etda-trust-service-trade")
    assert what_if.value == pytest.approx(float(_metric(at, "Projected year-end disbursed").value) - 4.996, abs=1e-4)
    for label in (t("p_miss_disbursement", "en"), t("risk_score", "en")):  # untouched: the page figures
        header, untouched = (m for m in at.metric if m.label == label)
        assert (header.value, header.delta) == (untouched.value, untouched.delta), label
    what_if.set_value(34.0).run()  # disburse almost all that is left: 4.9960 + 34.0 = 38.9960
    assert _metric(at, "Year-end disbursed (p50)").value == "38.9960"
    assert any("reaches the 93% target" in s.value for s in at.success)  # 97.7% of 39.9254
    what_if.set_value(30.0).run()
    assert any("falls short of the 93% target" in e.value for e in at.error)
    assert len(at.get("progress")) >= 2  # KPI cards with their chances


def test_the_planners_card_answers_what_it_takes():
    at = open_page("project", lang="en")
    at.selectbox(key=ui.PROJECT).set_value("etda-emerging-tech-governance").run()
    # 93% of 56.8675 = 52.8868 less 15.2357 disbursed = 37.6511 over the 6 months from 31 Mar to 30 Sep
    assert _metric(at, "Still to disburse").value == "37.6511"
    assert _metric(at, "Per month (6 months left)").value == "6.2752"
    assert _metric(at, "Per quarter (2 quarters left)").value == "18.8255"
    assert not any("implausible" in w.value for w in at.warning)  # 18.8255 < twice the best quarter, 9.8618
    at.selectbox(key=ui.PROJECT).set_value("etda-trust-service-trade").run()
    assert any("implausible" in w.value for w in at.warning)  # 16.07 a quarter against a best of 4.3989


def test_the_reference_data_is_read_only_in_the_app():
    at = open_page("data", lang="en")
    assert any("read-only" in i.value for i in at.info)
    assert "upload" not in [u.key for u in at.get("file_uploader")]
    assert "create_store" not in [b.key for b in at.button]  # the public viewer cannot write
    assert any("needs an administrator" in c.value for c in at.caption)
    at = open_page("data", lang="en", role="admin")
    at.button(key="create_store").click().run()
    assert not at.exception
    store = Store.open()
    assert store.root == config.DEFAULT_STORE_DIR
    assert store.manifests()[0]["author"]["user"] == "admin-user"
    assert [e for e in store.audit.entries()["action"]].count("create store") == 1


def test_uploading_a_bad_file_shows_its_errors_and_stores_nothing(agency_store):
    at = open_page("data", lang="en", role="analyst")
    before = agency_store.fingerprint()
    bad = (
        "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"
        "2569,etda-digital-id,5,2026-03-31,1.0,0.5,0.5,1.0\n"
    )
    at.file_uploader(key="upload").set_value([("finance.csv", bad.encode(), "text/csv")]).run()
    assert not at.exception
    assert any("error" in e.value for e in at.error)
    issues = at.dataframe[0].value  # the validation report comes first
    assert "quarter" in set(issues["Column"]) and "must be 1-4, got 5." in " ".join(issues["Message"])
    assert "confirm" not in [b.key for b in at.button]  # no way to store a file with errors
    assert Store.open().fingerprint() == before


def test_two_uploads_named_alike_are_both_checked_and_refused(agency_store):
    import glob
    import tempfile

    left = set(glob.glob(f"{tempfile.gettempdir()}/forecast-upload-*"))
    at = open_page("data", lang="en", role="analyst")
    a = (
        "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"
        "2569,etda-digital-id,3,2026-06-30,0.8325,1.0000,0.5000,1.5000\n"
    )
    b = a.replace("1.0000,0.5000,1.5000", "2.0000,0.5000,2.5000")
    at.file_uploader(key="upload").set_value(
        [("finance.csv", a.encode(), "text/csv"), ("finance.csv", b.encode(), "text/csv")]
    ).run()
    assert not at.exception
    issues = at.dataframe[0].value
    assert "duplicate_table" in set(issues["Rule"]) and "confirm" not in [b.key for b in at.button]
    assert set(glob.glob(f"{tempfile.gettempdir()}/forecast-upload-*")) == left  # nothing left behind


def test_models_page_without_a_model_set():
    at = open_page("models", lang="en")
    assert any("No model set yet" in i.value for i in at.info)


def test_a_valid_upload_is_appended_after_confirmation(agency_store):
    at = open_page("data", lang="en", role="analyst")
    q3 = (
        "fiscal_year,project_id,quarter,as_of,plan,disbursed,committed,spend\n"
        "2569,etda-digital-id,3,2026-06-30,0.8325,1.0000,0.5000,1.5000\n"
    )
    at.file_uploader(key="upload").set_value([("finance.csv", q3.encode(), "text/csv")]).run()
    assert not at.error and any("ready to append" in s.value for s in at.success)
    assert len(Store.open().manifests()) == 1  # nothing stored before confirming
    at.button(key="confirm").click().run()
    assert not at.exception
    assert any("Stored as vintage 2" in s.value for s in at.success)
    stored = Store.open()
    assert max(stored.report_dates()).isoformat() == "2026-06-30"
    assert stored.manifests()[-1]["author"]["via"] == "app"
    assert stored.manifests()[-1]["author"]["user"] == "analyst-user"
    last = stored.audit.entries().row(-1, named=True)
    assert (last["action"], last["user"], last["outcome"]) == ("ingest", "analyst-user", "ok")
    assert last["target"] == "vintage 2" and "sha256" in last["details"]


def test_pages_label_a_synthetic_model_set(trained, monkeypatch):
    """The session's model set (trained on a synthetic history, for a store holding the reference report)."""
    store, ms, _ = trained
    monkeypatch.setenv(config.STORE_ENV, str(store.root))
    name = f"viewer-{ms.version}"
    if store.users.role(name) is None:
        store.users.add(name, "viewer", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio(key=ui.LANG).set_value("en").run()
    sign_in(at, name)
    assert not at.exception
    assert any("Synthetic history" in w.value and ms.version in w.value for w in at.warning)
    at.switch_page("app_pages/models.py").run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 3 * len(CANDIDATES)  # the backtest: 3 origins x every candidate


PAGES = ("overview", "agencies", "ranking", "project", "data", "models", "admin")


def test_every_page_in_both_languages_is_fully_translated(tmp_path):
    """Walk every page in Thai and in English; any label, column header or code without a translation fails."""
    from forecast import labels

    labels.MISSING.clear()
    for lang in ("th", "en"):
        at = open_page(lang=lang, role="admin")
        for page in PAGES:
            if page == "agencies":
                continue  # only in whole-government stores (test_thai_mode_shows_no_english_words walks one)
            at.switch_page(f"app_pages/{page}.py").run()
            assert not at.exception, (lang, page, at.exception)
    assert not labels.MISSING, sorted(labels.MISSING)
    assert all(set(v) == {"th", "en"} for v in labels.LABELS.values())
    assert all(set(v) == {"th", "en"} for v in labels.COLUMNS.values())


ENGLISH_OK = {  # names in the reference data and proper names, kept in English in Thai text
    "MTHB",
    "ETDA",
    "KPI",
    "Digital",
    "Trust",
    "Service",
    "Standard",
    "Governance",
    "Transformation",
    "Cloud",
    "Mobile",
    "Platform",
    "Online",
    "badge",
    "Brier",
    "pinball",
    "Enter",  # the key
    "Excel",
    "XLSX",
    "Parquet",
    "PARQUET",
    "English",  # the language picker says each language in its own words
    "Language",
    "Guideline",
    "Toolkits",
    "user",
    "Domain",
    "Framework",
    "Regulators",
    "Stakeholders",
    "Standards",
    "store",  # the test store's folder name, in the sidebar
}
# the codes that reach the app and must never be shown as they are in Thai
RAW_CODES = {
    *s.TABLES,
    *(c for t in s.TABLES.values() for c in t.names),
    "quarter 1",
    "quarter 2",
    "kpi_id 1",
    "correction",
    "restatement",
    "revision",
    "no history",
    "synthetic history",
    "history",
    "actual",
    "high",
    "medium",
    "low",
    "reached",
    "on track",
    "at risk",
    "off track",
    "missed",
    "no data",
    "plan",
    "run_rate",
    "ytd_plus_plan",
    "pace",
    "s_curve",
    "structural",
    "fractional_logit",
    "gbm_quantile",
    "rules",
    "naive",
    "naive_logistic",
    "kpi_logit",
    "kpi_distribution",
    "baseline",
    "model",
    "viewer",
    "planner",
    "analyst",
    "admin",
    "app",
    "api",
    "cli",
    "ok",
    "refused",
    "denied",
    "signed",
    "embedded",
    "embedded reference data",
    "uploaded in the app",
    "sign in",
    "sign out",
    "user add",
    "create store",
    "ingest",
    "train",
    "activate",
    "download",
    "export",
    "disable",
    "enable",
    "reset",
    "role",
    "None",
    "none",
    "nan",
    "NaN",
    "NaT",
    "null",
    "True",
    "False",
}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")  # a date or moment as the store writes it, never as people read it


def _visible(at: AppTest) -> list[str]:
    out = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [f"{m.label} {m.value} {m.delta or ''}" for m in at.metric]
    out += [" ".join(str(c) for c in d.value.columns if c != s.PROJECT_ID) for d in at.dataframe]
    return out


def _widgets(at: AppTest) -> list[str]:
    """Every widget's label, help, placeholder and option labels (what a person reads on them)."""
    out = []
    for kind in (
        "selectbox",
        "multiselect",
        "radio",
        "text_input",
        "number_input",
        "checkbox",
        "button",
        "file_uploader",
        "download_button",
    ):
        for w in at.get(kind):
            proto = w.proto
            out += [str(getattr(proto, f, "") or "") for f in ("label", "help", "placeholder")]
            options = [str(o) for o in getattr(w, "options", []) or []]
            if getattr(w, "key", None) == ui.PROJECT:  # "name (id)": the id is a name, the name in Thai
                assert all(re.search(r"[\u0e00-\u0e7f]", o) for o in options), options
            elif getattr(w, "key", None) != "user_pick":  # user names are names
                out += options
    return [x for x in out if x]


def _cells(at: AppTest) -> list[str]:
    out = []
    for d in at.dataframe:
        frame = d.value
        for c in frame.columns:
            if c == s.PROJECT_ID:  # the ranking's hidden key
                continue
            out += [str(c), *(str(v) for v in frame[c].tolist() if not isinstance(v, bool))]
    return out


def _thai_everywhere(at: AppTest, where: str, names: tuple[str, ...] = ()) -> None:
    """What a page shows in Thai: no English words in its texts, headers and widgets (``names`` aside: a
    folder, the OS user); no raw codes, no "None", no ISO dates in its tables; Streamlit's own words on its
    widgets translated in the browser."""
    names = (*names, getpass.getuser(), socket.gethostname())
    for text in _visible(at) + _widgets(at):
        bare = re.sub("|".join(re.escape(n) for n in names), " ", text)
        bare = re.sub(r"\+[0-9a-f]{7,40}\b", " ", bare)  # the commit in a code version (0.1.0+8adbe7e) is no word
        words = {w for w in re.findall(r"[A-Za-z]{4,}", bare) if w not in ENGLISH_OK}
        assert not words, (where, words, text[:200])
        assert text.strip() not in RAW_CODES, (where, text)
    for cell in _cells(at):
        assert cell.strip() not in RAW_CODES, (where, cell)
        assert not ISO.search(cell), (where, cell)
    mounted = [json.loads(e.proto.json)["words"] for e in at.sidebar if getattr(e, "key", None) == "relabel"]
    assert mounted and mounted[0]["Upload"] == "อัปโหลด" and mounted[0]["{size} per file"] == "ไม่เกิน {size} ต่อไฟล์"
    assert not [m for m in at.multiselect if m.proto.select_all], where  # Streamlit's "Select all" is English


def test_thai_mode_shows_no_english_words():
    at = open_page()
    for page in ("overview", "ranking", "project", "data", "models"):
        at.switch_page(f"app_pages/{page}.py").run()
        _thai_everywhere(at, page)


def test_every_page_in_thai_shows_no_english_codes_no_none_and_thai_dates(trained, monkeypatch):
    """Every page of a store with history, a trained model set, restatements and an audit trail, as an
    administrator (every page and table), in Thai: tables' headers, codes and dates, widgets' labels."""
    from forecast import labels

    store, ms, history = trained
    monkeypatch.setenv(config.STORE_ENV, str(store.root))
    if store.users.role("kt01") is None:
        store.users.add("kt01", "admin", PASSWORD)
    labels.MISSING.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    sign_in(at, "kt01")
    for page in ("overview", "ranking", "project", "data", "models", "admin"):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        _thai_everywhere(at, page, names=(history[0].parent.name,))  # the model set's source: its folder
    at.switch_page("app_pages/models.py").run()
    assert any(m.value.startswith(f"{ms.version} · ข้อมูลจำลอง · ") for m in at.markdown)  # the set's basis in words
    backtest = at.dataframe[0].value
    assert "กฎเชิงโครงสร้าง" in set(backtest[column("model", "th")])  # the structural rule, in words
    at.switch_page("app_pages/admin.py").run()
    audit = at.dataframe[0].value
    assert "เข้าสู่ระบบ" in set(audit[column("action", "th")]) and "สำเร็จ" in set(audit[column("outcome", "th")])
    assert all(" น." in v for v in audit[column("at", "th")])  # a local, readable time
    assert at.selectbox(key="user_what").label == "การดำเนินการ"
    at.switch_page("app_pages/data.py").run()
    vintages = at.dataframe[0].value
    assert vintages[column("report_dates", "th")][0] == "30 ธ.ค. 2568, 31 มี.ค. 2569"
    assert not labels.MISSING, sorted(labels.MISSING)


def test_the_agencies_page_in_thai(tmp_path):
    from forecast.model import synthetic

    store = Store.create(config.DEFAULT_STORE_DIR)
    synthetic.write(synthetic.simulate(projects=27, years=2, seed=4, agencies=3, as_of_quarter=2), tmp_path / "h")
    store.ingest([tmp_path / "h"])
    at = open_page("agencies", role="admin", user="kt02")  # a user name without English words
    simulated = ("SIM-AGENCY",)  # the simulator's agency names
    _thai_everywhere(at, "agencies", simulated)
    at.switch_page("app_pages/ranking.py").run()
    assert at.multiselect(key="rank_agencies").proto.placeholder == "ทั้งหมด"
    _thai_everywhere(at, "ranking", simulated)


def test_a_filter_that_matches_nothing_says_so_in_words():
    at = open_page("ranking")
    at.text_input(key="rank_search").input("no such project").run()
    assert not at.dataframe and any("ไม่มีโครงการที่ตรงกับตัวกรอง" in i.value for i in at.info)


def test_choices_follow_a_language_switch():
    """The report date, the project and the levels are labelled in the chosen language and keep their choice."""
    at = open_page("ranking")
    at.sidebar.selectbox(key=ui.AS_OF).set_value("2025-12-30").run()
    assert "30 ธ.ค. 2568" in at.sidebar.selectbox(key=ui.AS_OF).options
    at.multiselect(key="rank_levels").set_value(["high"]).run()
    at.sidebar.radio(key=ui.LANG).set_value("en").run()
    assert at.sidebar.selectbox(key=ui.AS_OF).value == "2025-12-30"
    assert "30 Dec 2025" in at.sidebar.selectbox(key=ui.AS_OF).options
    assert at.multiselect(key="rank_levels").value == ["high"] and "high" in at.multiselect(key="rank_levels").options


def test_retraining_runs_in_the_background_and_every_page_refreshes(agency_store, tmp_path):
    import time

    from forecast.model import synthetic
    from ui import jobs

    paths = synthetic.write(synthetic.simulate(projects=15, years=3, seed=6), tmp_path / "history")
    at = open_page("models", lang="en", role="analyst")
    at.file_uploader(key="history").set_value([(p.name, p.read_bytes(), "text/csv") for p in paths]).run()
    at.button(key="train").click().run()
    assert not at.exception
    job = jobs.job(str(agency_store.root))
    assert job is not None and job.files == [p.name for p in paths] and job.user == "analyst-user"
    at.switch_page("app_pages/ranking.py").run()  # the job survives a page change
    deadline = time.time() + 240
    while job.running and time.time() < deadline:
        time.sleep(0.5)
    assert job.error is None and job.version == "v0001"
    # an analyst's set waits for an administrator: the pages keep the active set (none) until then
    assert api.active_version(agency_store) is None and api.awaits_activation(agency_store, "v0001")
    api.activate(agency_store, "v0001", actor=Actor("root", ADMIN, "app", True, "s9"))
    at.run()  # the next run of any page picks the activated set up
    assert any("Synthetic history" in w.value and "v0001" in w.value for w in at.warning)
    trained = agency_store.audit.entries().filter(pl.col("action") == "train").row(-1, named=True)
    assert trained["user"] == "analyst-user" and "projects.csv" in trained["details"]


def test_the_project_picker_follows_the_language_and_keeps_the_project():
    at = open_page("project")
    at.selectbox(key=ui.PROJECT).set_value("etda-cloud-services").run()
    assert "โครงการจัดหาและบำรุงรักษาบริการคลาวด์ (etda-cloud-services)" in at.selectbox(key=ui.PROJECT).options
    at.sidebar.radio(key=ui.LANG).set_value("en").run()
    assert "Cloud service procurement and maintenance (etda-cloud-services)" in at.selectbox(key=ui.PROJECT).options
    assert at.selectbox(key=ui.PROJECT).value == "etda-cloud-services"


def test_a_year_that_is_over_says_where_it_ended(tmp_path):
    """A store whose latest year is fully reported: no plan to make, blanks for what was not reported."""
    from forecast.data import schema as s
    from forecast.decisions import review as R
    from forecast.model import synthetic

    tables = synthetic.simulate(projects=6, years=2, seed=4, as_of_quarter=4)
    # an agency that does not report commitments
    tables["finance"] = tables["finance"].with_columns(pl.lit(None, s.MONEY).alias(c) for c in (s.COMMITTED, s.SPEND))
    synthetic.write(tables, tmp_path / "in")
    store = Store.create(config.DEFAULT_STORE_DIR)
    store.ingest([tmp_path / "in"])
    rv = R.review(store.snapshot("latest", last_years=2))
    short = rv.projection.filter(pl.col("disbursed_share_p50") < 0.93)
    assert short.height, "the simulated year should leave some project short of 93%"
    at = open_page(lang="en", role="viewer")
    at.session_state[ui.PROJECT] = short[s.PROJECT_ID][0]
    at.switch_page("app_pages/project.py").run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("The fiscal year is over: it ended at") for i in at.info)
    assert not any("Still to disburse" in m.label for m in at.metric)  # no plan for a year that is over
    quarters = next(d.value for d in at.dataframe if "Committed" in d.value.columns)
    assert set(quarters["Committed"]) == {""}  # commitments not reported: blank, not "None"
    assert "None" not in quarters.astype(str).to_numpy().ravel().tolist()


def test_the_chart_legend_lists_only_what_is_drawn():
    import polars as pl

    class Ctx:
        unit = "MTHB"

        def tr(self, key, **kw):
            return t(key, "en")

    curve = pl.DataFrame({"quarter": [1, 2], "plan": [10.0, 20.0], "spend": [None, None], "disbursed": [5.0, 9.0]})
    chart = ui.cumulative_chart(Ctx(), curve, ui.fan(2, 9.0, 15.0, 18.0, 21.0), 0.93, 40.0)
    domain = chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert domain == [
        t("plan_to_date", "en"),
        t("disbursed_to_date", "en"),
        t("projection", "en"),
        t("fan", "en"),
        f"{t('target_line', 'en')} 93%",
    ]
    with_all = ui.cumulative_chart(
        Ctx(), curve, None, 0.93, 40.0, (0.3, 0.5, 0.7, 0.93), {"q": [2, 4], "amount": [9, 30]}
    )
    names = with_all.to_dict()["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert t("target_curve", "en") in names and t("scenario", "en") in names and t("fan", "en") not in names


def test_overview_proposes_transfers_with_their_effect():
    at = open_page(lang="en")
    assert any(s.value == t("realloc_title", "en") for s in at.subheader)
    moves = next(d for d in at.dataframe if "Amount" in d.value.columns)
    assert len(moves.value) >= 1 and "Cloud" in str(moves.value["To"][0])
    assert t("realloc_pmiss", "en") in [m.label for m in at.metric]
    at.toggle(key="realloc_what_if").set_value(True).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label == t("realloc_save", "en")]  # saving needs sign-in
    assert any(t("realloc_sign_in", "en") in c.value for c in at.caption)


def test_a_planner_saves_a_reallocation_plan_and_it_is_audited(agency_store):
    at = open_page(lang="en", role="planner")
    at.toggle(key="realloc_what_if").set_value(True).run()
    assert not at.exception, at.exception
    assert len([m for m in at.metric if m.label == t("realloc_pmiss", "en")]) == 2  # proposed, and the what-if
    next(b for b in at.button if b.label == t("realloc_save", "en")).click().run()
    assert not at.exception, at.exception
    assert any(t("realloc_saved", "en") in s.value for s in at.success)
    assert "save reallocation" in agency_store.audit.entries()["action"].to_list()
