"""An unusual year and drift (issue 22, point 2): the decision (codes and figures), its words in both
languages, and the path of the note through every door (CLI, service, app, exports)."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest

from forecast import api, labels
from forecast.data import schema as s
from forecast.data.snapshot import Snapshot
from forecast.data.store import Store
from forecast.decisions import review as R
from forecast.decisions import unusual as U
from forecast.interfaces import cli, export
from forecast.model import features as F
from forecast.model import profile as PR
from forecast.model import synthetic
from forecast.model import yeareffect as YE

SHARE, PACE = PR.SHARE, F.pace(s.DISBURSED)


def _lines(shares: list[float], year: int = 2569, q: int = 2, agency: str = "A", **extra) -> pl.DataFrame:
    n = len(shares)
    return pl.DataFrame(
        {
            s.FISCAL_YEAR: [year] * n,
            s.PROJECT_ID: [f"p{i}" for i in range(n)],
            F.ORIGIN: [q] * n,
            s.BUDGET: [10.0] * n,
            SHARE: shares,
            **extra,
        }
    ), pl.DataFrame(
        {
            s.FISCAL_YEAR: [year] * n,
            s.PROJECT_ID: [f"p{i}" for i in range(n)],
            s.AGENCY: [agency] * n,
            s.OWNER: ["o"] * n,
        }
    )


PAST = {"2564": 0.20, "2565": 0.24, "2566": 0.22, "2567": 0.27, "2568": 0.18}
MANIFEST = {"year_profile": {"2": {"all": PAST, "agency": {"A": PAST}}}}


def test_the_usual_range_is_a_student_t_prediction_interval():
    values = list(PAST.values())
    lo, hi = U.usual_range(values)
    mean, sd = sum(values) / 5, 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 4)
    assert hi - mean == pytest.approx(2.776 * sd * math.sqrt(1 + 1 / 5))
    assert mean - lo == pytest.approx(hi - mean)
    assert U.usual_range([0.3, 0.3, 0.3]) == pytest.approx((0.28, 0.32))  # never narrower than 2 points each side


def test_an_unusual_year_is_flagged_with_its_figures_and_an_ordinary_one_is_not():
    proj, projects = _lines([0.38, 0.41, 0.45, 0.40, 0.43])
    notes = U.check(proj, projects, MANIFEST, 2569)
    year = next(n for n in notes if n.code == U.YEAR)
    p = year.params
    assert p["direction"] == "above" and p["value"] == pytest.approx(0.41)
    assert (p["seen_lo"], p["seen_hi"], p["years"], p["first"], p["last"]) == (0.18, 0.27, 5, 2564, 2568)
    # 14 points beyond the highest year seen, four spreads of 3.5 points: the upper side stretched at most 3x
    assert (p["widened"], p["side"], p["stretch"]) == (True, "upper", YE.MAX_STRETCH)
    agencies = next(n for n in notes if n.code == U.AGENCIES)
    assert agencies.params["agencies"][0]["agency"] == "A" and not agencies.params["widened"]
    text = labels.note_text(year.code, year.params, "en")
    assert "41% of its budget" in text and "18%–27%" in text and "widened on the upper side ×3" in text
    assert "14.0 percentage points of budget beyond the years seen" in text and "not widened" not in text
    said = labels.note_text(agencies.code, agencies.params, "en")  # agencies are not widened one by one
    assert "not widened for these agencies" in said and "not agency by agency" in said
    assert "ไม่ใช่รายหน่วยงาน" in labels.note_text(agencies.code, agencies.params, "th")
    assert "14.0 จุดร้อยละของงบประมาณ" in labels.note_text(year.code, year.params, "th")
    proj, projects = _lines([0.19, 0.22, 0.25, 0.21, 0.23])
    assert U.check(proj, projects, MANIFEST, 2569) == []


def test_a_year_beyond_every_year_seen_but_not_unusual_says_how_its_ranges_were_widened():
    """31%: within what a new year may be (up to 33%), four points above the highest year seen (27%)."""
    proj, projects = _lines([0.29, 0.30, 0.31, 0.32, 0.33])
    (note,) = [n for n in U.check(proj, projects, MANIFEST, 2569) if n.code != U.AGENCIES]
    effect = YE.estimate(0.31, {int(y): v for y, v in PAST.items()})
    assert effect is not None and effect.down == 1.0
    assert effect.up == pytest.approx(1 + 0.04 / effect.sd - YE.DEAD_ZONE)
    assert note.code == U.BEYOND and note.params["stretch"] == round(effect.up, 2) == 1.65
    for lang, said in (("en", "Ranges widened on the upper side ×1.65"), ("th", "ขยายด้านบน 1.65 เท่า")):
        assert said in labels.note_text(note.code, note.params, lang)


def test_the_year_projected_is_left_out_of_its_own_history():
    """A model set trained on the year it projects compares the year with the *other* years."""
    proj, projects = _lines([0.60] * 5, year=2566)
    (year,) = U.check(proj, projects, {"year_profile": {"2": {"all": {**PAST, "2566": 0.60}}}}, 2566)
    assert (year.params["years"], year.params["first"], year.params["seen_hi"]) == (4, 2564, 0.27)
    few = {"year_profile": {"2": {"all": {"2564": 0.2, "2565": 0.2, "2566": 0.6}}}}
    assert U.check(proj, projects, few, 2566) == []  # two other years: too few to tell


def test_lines_unlike_the_training_history_are_a_drift():
    ranges = {"feature_ranges": {"2": {PACE: {"2567": [0.2, 1.3], "2568": [0.3, 1.4]}}}}
    proj, projects = _lines([0.2] * 10, **{PACE: [2.5] * 6 + [1.0] * 4})
    (drift,) = U.check(proj, projects, ranges, 2569)
    assert drift.code == U.DRIFT and drift.params["features"][0]["outside"] == pytest.approx(0.6)
    for lang in ("th", "en"):
        assert labels.note_text(drift.code, drift.params, lang)
    proj, projects = _lines([0.2] * 10, **{PACE: [2.5] + [1.0] * 9})  # one line out of range: no drift
    assert U.check(proj, projects, ranges, 2569) == []


def test_every_note_is_said_in_thai_and_english():
    labels.MISSING.clear()
    proj, projects = _lines([0.38, 0.41, 0.45, 0.40, 0.43], **{PACE: [3.0] * 5})
    ranges = {"feature_ranges": {"2": {PACE: {"2568": [0.3, 1.4]}}}}
    notes = U.check(proj, projects, {**MANIFEST, **ranges}, 2569)
    notes += U.check(*_lines([0.31] * 5, agency="B"), MANIFEST, 2569)  # beyond the years seen, not unusual
    assert {n.code for n in notes} == set(U.CODES)
    for n in notes:
        th, en = labels.note_text(n.code, n.params, "th"), labels.note_text(n.code, n.params, "en")
        assert th != en and "{" not in th + en
    assert not labels.MISSING, sorted(labels.MISSING)
    keys = [k for k in labels.LABELS if k.startswith(("unusual_", "drift"))]
    assert len(keys) >= 6 and all(set(labels.LABELS[k]) == {"th", "en"} for k in keys)


def _simulated(seed: int, scale: float = 1.0) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """A seeded simulated history (5 complete years) and its current year at Q2, the current year's
    disbursements multiplied by ``scale``: the current lines' features and the history's profile."""
    frames = synthetic.simulate(projects=180, years=6, seed=seed, as_of_quarter=2)
    fin = frames["finance"]
    now = pl.col(s.FISCAL_YEAR) == fin[s.FISCAL_YEAR].max()
    frames["finance"] = fin.with_columns(pl.when(now).then(pl.col(s.DISBURSED) * scale).otherwise(pl.col(s.DISBURSED)))
    snap = Snapshot.from_tables(frames)
    year = snap.fiscal_year
    rows = F.build_all(F.panel(snap).filter(pl.col(s.FISCAL_YEAR) < year))
    current = F.build_current(F.panel(snap.years([year - 1, year]))).filter(pl.col(s.FISCAL_YEAR) == year)
    manifest = {"year_profile": PR.year_profile(rows), "feature_ranges": PR.feature_ranges(rows)}
    return current, snap.projects.filter(pl.col(s.FISCAL_YEAR) == year), manifest


def test_a_simulated_ordinary_year_is_not_flagged_and_a_frozen_one_is():
    current, projects, manifest = _simulated(seed=11)
    assert set(manifest["year_profile"]["2"]["all"]) == {str(y) for y in range(2564, 2569)}
    notes = U.check(current, projects, manifest, 2569)
    assert {n.code for n in notes} <= {U.AGENCIES, U.BEYOND}  # the year is ordinary, its lines like the history's
    beyond = [n.params for n in notes if n.code == U.BEYOND]  # a new ordinary year tops the five seen 1 time in 6
    assert all(b["stretch"] <= 1.2 and not b["direction"] for b in beyond)  # then by a little, and says so
    assert all(
        n.params["n"] <= 3 for n in notes if n.code == U.AGENCIES
    )  # of 20 agencies, about one lies outside by chance
    for scale, direction in ((0.2, "below"), (2.0, "above")):  # a disbursement freeze; a rush
        current, projects, manifest = _simulated(seed=11, scale=scale)
        notes = {n.code: n.params for n in U.check(current, projects, manifest, 2569)}
        assert set(notes) == set(U.CODES) - {U.BEYOND} and notes[U.YEAR]["direction"] == direction
        assert notes[U.YEAR]["widened"] and notes[U.YEAR]["side"] == {"below": "lower", "above": "upper"}[direction]
        assert notes[U.AGENCIES]["n"] >= 15


def test_the_reference_data_says_nothing_new(reference):
    """No model set: no history to compare with, so no note; the reference outputs are as before."""
    rv = api.review(reference)
    assert rv.unusual == [] and api.unusual_notes(rv, "th") == []


NOTE = U.Note(
    U.YEAR,
    {
        "q": 2,
        "lines": 9,
        "value": 0.41,
        "lo": 0.15,
        "hi": 0.30,
        "seen_lo": 0.18,
        "seen_hi": 0.27,
        "years": 5,
        "first": 2564,
        "last": 2568,
        "direction": "above",
        "distance": 2.0,
        "widened": False,
    },
)


@pytest.fixture
def flagged(monkeypatch):
    """Every review says its year is unusual (the rendering path, on the reference data)."""
    monkeypatch.setattr(R.Review, "unusual", property(lambda self: [NOTE]))
    return labels.note_text(NOTE.code, NOTE.params, "en"), labels.note_text(NOTE.code, NOTE.params, "th")


@pytest.mark.parametrize("command", ["project", "rank", "portfolio"])
def test_the_cli_says_the_year_is_unusual(flagged, command, capsys):
    en, th = flagged
    for lang, said in (("en", en), ("th", th)):
        assert cli.main([command, "--lang", lang]) == 0
        assert said in capsys.readouterr().err  # off a terminal, each note is one line


def test_the_exports_say_the_year_is_unusual(flagged, reference, tmp_path):
    en, _ = flagged
    rv = api.review(reference)
    path = tmp_path / "report.xlsx"
    path.write_bytes(export.report_workbook(rv, "en"))
    notes = pl.read_excel(path, sheet_name=labels.t("sheet_notes", "en"))
    assert notes.to_series().to_list() == [en]
    assert export.summary_pdf(rv, "th").startswith(b"%PDF")


def test_the_service_notes_say_the_year_is_unusual(flagged, tmp_path):
    from forecast.access.tokens import Tokens
    from forecast.service import create_app
    from tests.test_service import PASSWORD, _get, _h, running

    en, _ = flagged
    store = Store.create(tmp_path / "store", from_reference=True)
    store.users.add("vera", "viewer", PASSWORD)
    token = Tokens(store.access_dir, store.users).issue("vera", 30)[1]
    with running(create_app(store)) as url:
        for path in ("ranking", "projections", "portfolio"):
            got = _get(f"{url}/v1/{path}", params={"lang": "en"}, headers=_h(token)).json()
            assert en in got["notes"], (path, json.dumps(got["notes"]))


def test_the_app_says_the_year_is_unusual(flagged):
    import ui
    from tests.test_app import open_page

    en, th = flagged
    ui.reset()
    for lang, said in (("en", en), ("th", th)):
        at = open_page(lang=lang)
        shown = [w.value.replace("\\", "").replace("\u2060", "") for w in at.warning]  # as markdown, escaped
        assert said in shown, shown
