"""The app renders the reference data (AppTest, no browser)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_app_shows_the_reference_data():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "ติดตามการใช้จ่ายงบประมาณ"
    projects = at.dataframe[0].value
    assert len(projects) == 9
    assert "519.3683" in at.metric[0].value


def test_language_switch_and_vintage():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Budget execution monitor"
    at.sidebar.selectbox(key="as_of").set_value("2025-12-30").run()
    assert not at.exception
    assert at.metric[3].value == "44.0596"  # Q1 disbursement as the Q1 report printed it (sum of 9 rows)
