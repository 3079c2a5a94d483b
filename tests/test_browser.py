"""End to end in a real headless browser: serve the app, open the ranking, check the nine projects render.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Outside CI the
test is skipped when they are missing; in CI (``CI`` set) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from forecast import config
from forecast.data.store import Store
from tests.conftest import reference_copy

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver are required in CI (.ci/run installs them)", pytrace=False)
    pytest.skip(
        "chromium / chromium-driver not installed (apt-get install chromium chromium-driver)", allow_module_level=True
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serving(store: Store, root: Path):
    """The app served on localhost over ``store`` (never data/store), its log in ``root``; yields its URL."""
    port = _free_port()
    log = open(root / "streamlit.log", "wb")  # noqa: SIM115 - open for the server's lifetime, closed after
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env={**os.environ, config.STORE_ENV: str(store.root)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail(f"the app did not start: {(root / 'streamlit.log').read_text(errors='replace')[-2000:]}")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served on localhost over a named store holding the reference report (never data/store)."""
    root = tmp_path_factory.mktemp("browser")
    store = Store.create(root / "store")
    # two agencies, so that the Agencies page (and its row click) is there too
    second = {"etda-digital-infrastructure", "etda-cloud-service", "etda-ai-governance"}
    store.ingest(
        reference_copy(
            root / "files",
            {
                "projects": lambda rows: [
                    {**r, "agency": "DGA" if r["project_id"] in second else r["agency"]} for r in rows
                ]
            },
        )
    )
    store.users.add("somchai", "planner", "correct horse battery")
    store.users.add("wichai", "analyst", "correct horse battery")
    with _serving(store, root) as url:
        yield url


PASSWORD = "correct horse battery"


def _driver():
    """Headless Chromium in Thai, and a patient wait (Streamlit re-renders as it runs)."""
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1600,1400",
        "--lang=th-TH",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    # Streamlit re-renders as it runs: an element found a moment ago may be replaced; look again (every 0.1 s:
    # the default 0.5 s loses a quarter of a second a wait, and a walk waits dozens of times).
    return driver, WebDriverWait(driver, 90, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,))


def _sign_in(driver, wait, user: str, english: bool = False) -> None:
    """Type ``user``'s name and the password into the sign-in form (Thai labels unless ``english``) and press Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    name, password = ("User name", "Password") if english else ("ชื่อผู้ใช้", "รหัสผ่าน")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"input[aria-label='{name}']"))
    driver.find_element(By.CSS_SELECTOR, f"input[aria-label='{name}']").send_keys(user)
    field = driver.find_element(By.CSS_SELECTOR, f"input[aria-label='{password}']")
    field.send_keys(PASSWORD)
    field.send_keys(Keys.ENTER)


def test_a_person_signs_in_walks_the_pages_and_switches_language(server, tmp_path):
    from selenium.webdriver.common.by import By

    driver, wait = _driver()

    def heading(text: str) -> None:
        wait.until(lambda d: any(text in h.text for h in d.find_elements(By.TAG_NAME, "h1")))

    def click(selector: str, text: str, exact: bool = False) -> None:
        def found_and_clicked(d) -> bool:
            for e in d.find_elements(By.CSS_SELECTOR, selector):
                if (e.text.strip() == text) if exact else (text in e.text):
                    e.click()  # a stale element raises, and the wait looks again
                    return True
            return False

        wait.until(found_and_clicked)

    def nav(title: str) -> None:
        click("[data-testid='stSidebarNav'] a", title)

    try:
        driver.get(server)
        heading("เข้าสู่ระบบ")  # a real store: sign in first
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
        _sign_in(driver, wait, "somchai")
        heading("ติดตามการใช้จ่ายงบประมาณ")

        nav("จัดอันดับความเสี่ยง")
        heading("จัดอันดับความเสี่ยง")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']"))
        # the grid draws on a canvas; its accessible table holds the cells as text
        wait.until(
            lambda d: (
                len(
                    {
                        e.get_attribute("textContent")
                        for e in d.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame'] table tbody tr")
                    }
                )
                >= 9
            )
        )
        text = driver.find_element(By.CSS_SELECTOR, "[data-testid='stDataFrame'] table").get_attribute("textContent")
        names = Store.open().read("projects")["name_th"].to_list()  # the reference data, read-only
        assert len(names) == 9
        for name in names:
            assert name[:30] in text, name
        shot = tmp_path / "ranking.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

        click("[data-testid='stRadio'] label", "English", exact=True)
        heading("Risk ranking")
        nav("Project")
        heading("Project")  # the language persists across pages ...
        wait.until(lambda d: "lang=en" in d.current_url)  # ... and in the link
        nav("Overview")
        heading("Budget execution monitor")
        assert "Signed in as" in driver.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']").text
    finally:
        driver.quit()


def test_streamlit_s_own_words_are_thai_and_a_choice_survives_a_language_switch(server):
    """The uploader's button and size limit are in Thai (Streamlit has no parameter: ui/relabel.js), and back in
    English after a switch; the report date chosen in Thai stays chosen in English, across pages."""
    from selenium.webdriver.common.by import By

    driver, wait = _driver()

    def click(selector: str, text: str) -> None:
        def found_and_clicked(d) -> bool:
            for e in d.find_elements(By.CSS_SELECTOR, selector):
                if e.text.strip().endswith(text):  # a link starts with its icon's name
                    e.click()
                    return True
            return False

        wait.until(found_and_clicked)

    def uploader() -> str:
        return driver.find_element(By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzone']").text

    def report_date() -> str:
        return driver.find_element(
            By.CSS_SELECTOR, "[data-testid='stSidebar'] [data-testid='stSelectbox'] input"
        ).get_attribute("value")

    try:
        driver.get(server)
        _sign_in(driver, wait, "wichai")
        click("[data-testid='stSidebarNav'] a", "ข้อมูล")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stFileUploaderDropzone']"))
        wait.until(lambda d: "อัปโหลด" in uploader() and "ไม่เกิน 50MB ต่อไฟล์" in uploader())
        assert "Upload" not in uploader() and "per file" not in uploader()

        driver.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar'] [data-testid='stSelectbox'] button").click()
        click("[role='option']", "30 ธ.ค. 2568")
        wait.until(lambda d: "as_of=2025-12-30" in d.current_url and report_date() == "30 ธ.ค. 2568")

        click("[data-testid='stRadio'] label", "English")
        wait.until(lambda d: report_date() == "30 Dec 2025")  # the choice, labelled in English
        wait.until(lambda d: "Upload" in uploader() and "50MB per file" in uploader())  # Streamlit's own again
        click("[data-testid='stSidebarNav'] a", "Risk ranking")
        wait.until(lambda d: any(h.text.strip() == "Risk ranking" for h in d.find_elements(By.TAG_NAME, "h1")))
        assert report_date() == "30 Dec 2025" and "as_of=2025-12-30" in driver.current_url  # not lost on a click
    finally:
        driver.quit()


def _id_cell(driver, table: str) -> str:
    """The text of the first data row of a grid (its accessible table)."""
    from selenium.webdriver.common.by import By

    rows = driver.find_elements(By.CSS_SELECTOR, f"{table} table tbody tr")
    return rows[0].get_attribute("textContent") if rows else ""


def test_row_clicks_and_reloads_keep_the_language_the_date_the_filters_and_the_sign_in(server):
    """As a person would: sign in, English, an earlier report date; click a ranking row, reload, set a
    what-if, leave and come back, reload; click an agency row. Nothing slips back to Thai or the latest report."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver, wait = _driver()

    def heading(text: str) -> None:
        wait.until(lambda d: any(text in h.text for h in d.find_elements(By.TAG_NAME, "h1")))

    def url_has(*parts: str) -> None:
        wait.until(lambda d: all(p in d.current_url for p in parts))

    def click_first_row(testid_key: str) -> None:
        """Click the first data row of a selectable grid (drawn on a canvas: click where the row is)."""
        grid = f"[data-testid='stDataFrame'].st-key-{testid_key}, .st-key-{testid_key} [data-testid='stDataFrame']"
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, grid) and _id_cell(d, grid))
        element = driver.find_elements(By.CSS_SELECTOR, grid)[0]
        box = element.size
        # the row-selection column is on the left; the header is one row (35 px) high
        ActionChains(driver).move_to_element_with_offset(
            element, -box["width"] // 2 + 18, -box["height"] // 2 + 35 + 17
        ).click().perform()

    def sidebar_text() -> str:
        """The sidebar's text with the values its inputs show (a selectbox shows its choice in an input)."""
        bar = driver.find_element(By.CSS_SELECTOR, "[data-testid='stSidebar']")
        values = [e.get_attribute("value") or "" for e in bar.find_elements(By.TAG_NAME, "input")]
        return " ".join([bar.get_attribute("textContent") or "", *values])

    try:
        driver.get(f"{server}/ranking?lang=en&as_of=2025-12-30")
        _sign_in(driver, wait, "somchai", english=True)
        heading("Risk ranking")
        url_has("lang=en", "as_of=2025-12-30")
        wait.until(lambda d: "30 Dec 2025" in sidebar_text())  # the date as the sidebar shows it in English

        click_first_row("ranking_table")  # a row opens its project, in English, at the same report date
        heading("Project")
        url_has("/project", "lang=en", "as_of=2025-12-30", "project=")
        project = driver.current_url.split("project=")[1].split("&")[0]
        wait.until(lambda d: "30 Dec 2025" in sidebar_text() and "Signed in as somchai" in sidebar_text())

        driver.refresh()  # a reload keeps the sign-in (a cookie, not the URL), the language, the date, the project
        heading("Project")
        url_has("lang=en", "as_of=2025-12-30", f"project={project}")
        wait.until(lambda d: "Signed in as somchai" in sidebar_text())

        # an unsaved what-if survives another page and a reload
        box = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f".st-key-what_if_{project} input"))
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys("12.3400", Keys.ENTER)
        url_has("what_if=12.3400")
        click = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
        next(a for a in click if "Overview" in a.text).click()
        heading("Budget execution monitor")
        url_has("lang=en", "as_of=2025-12-30")
        next(
            a for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a") if "Project" in a.text
        ).click()
        heading("Project")
        wait.until(
            lambda d: (
                d.find_element(By.CSS_SELECTOR, f".st-key-what_if_{project} input").get_attribute("value") == "12.3400"
            )
        )
        driver.refresh()
        heading("Project")
        wait.until(
            lambda d: (
                d.find_element(By.CSS_SELECTOR, f".st-key-what_if_{project} input").get_attribute("value") == "12.3400"
            )
        )

        # an agency row opens the ranking filtered to it, still in English at the same date
        next(
            a for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a") if "Agencies" in a.text
        ).click()
        heading("Agencies")
        click_first_row("agencies_table")
        heading("Risk ranking")
        url_has("/ranking", "lang=en", "as_of=2025-12-30", "rank_agencies=")
        driver.refresh()
        heading("Risk ranking")
        url_has("rank_agencies=")
        wait.until(lambda d: "Signed in as somchai" in sidebar_text())
    finally:
        driver.quit()


# names that a page must show as text: never a link, math or an icon (the names of tests/test_security.py)
INERT = [
    "www.attacker.example/phish",
    "http://attacker\u3002example/login",
    "http://2130706433/phish",
    "helpdesk@attacker.example",
    "สูตร $x^2$ ลับ",
    ":material/home: บ้าน",
    "[คลิก](http://md.attacker.example)",
    "<https://angle.attacker.example>",
    "http&#58;//entity.attacker.example",
]


@pytest.fixture(scope="module")
def inert_server(tmp_path_factory):
    """The app over a store whose projects, owners, plan lines and KPIs carry ``INERT`` names, and a viewer."""
    root = tmp_path_factory.mktemp("browser-inert")

    def projects(rows):
        for r, name in zip(rows, INERT):
            r["name_th"] = r["name_en"] = name
        rows[0]["owner"], rows[1]["plan_line"] = "owner@attacker.example", "www.plan.attacker.example"
        return rows

    def kpis(rows):
        for i, r in enumerate(rows):
            r["name_th"] = r["name_en"] = INERT[i % len(INERT)]
        return rows

    store = Store.create(root / "store")
    store.ingest(reference_copy(root / "files", {"projects": projects, "kpis": kpis}))
    store.users.add("vera", "viewer", PASSWORD)
    with _serving(store, root) as url:
        yield url


def test_names_render_as_text_never_as_links_math_or_icons(inert_server):
    """As a viewer: the ranking (its table and the reasons under it) and every project's page show the names as
    typed, with no <a> but the app's own, no typeset math and no icon drawn from a name."""
    from selenium.webdriver.common.by import By

    driver, wait = _driver()

    # one round trip per page: every link outside the app, typeset math, icons drawn in markdown, the text
    look = """
        const main = document.querySelector("[data-testid='stMain']");
        return [
            [...document.querySelectorAll("a")].map(a => [a.href || "", a.textContent])
                .filter(([href]) => !href.startsWith(arguments[0])),
            document.querySelectorAll(".katex, .katex-display, mjx-container").length,
            main ? [...main.querySelectorAll("[data-testid='stMarkdownContainer'] span[role='img']")]
                .map(i => i.getAttribute("aria-label")) : [],
            document.body.textContent || "",
        ];
    """

    def inert(page: str) -> str:
        """The page's text (word joiners taken out) once nothing on it is a link, math or a name's icon."""
        links, math, icons, body = driver.execute_script(look, inert_server)
        assert links == [], (page, links)
        assert not math, page
        assert not icons, (page, icons)
        return body.replace("\u2060", "")

    def heading(text: str) -> None:
        wait.until(lambda d: any(text in h.text for h in d.find_elements(By.TAG_NAME, "h1")))

    def settled() -> None:
        """Streamlit has finished the run: its status widget gone and no element left stale from the last one."""
        wait.until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget'], [data-stale='true']")
        )
        time.sleep(0.3)

    def project_in_url() -> str:
        return driver.current_url.partition("project=")[2].split("&")[0]

    try:
        driver.get(f"{inert_server}/ranking?lang=en")
        _sign_in(driver, wait, "vera", english=True)
        heading("Risk ranking")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame'] table tbody tr")) >= 9)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid='stExpander'] li")) >= 9)
        settled()
        text = inert("ranking")
        grid = driver.find_element(By.CSS_SELECTOR, "[data-testid='stDataFrame'] table").get_attribute("textContent")
        for name in INERT:
            assert name in text, name  # the reasons under the table, as typed
            assert name[:25] in grid, name  # and the table's cells
        next(
            a for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a") if "Project" in a.text
        ).click()
        heading("Project")
        box = "[data-testid='stMain'] [data-testid='stSelectbox'] input"
        for i in range(len(INERT)):
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, box))
            driver.find_element(By.CSS_SELECTOR, box).click()
            options = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "[role='option']"))
            if i == 0:  # the choices are plain text too
                assert all(any(n in o.text for o in options) for n in INERT)
                inert("the project choices")
            before, chosen = project_in_url(), driver.find_element(By.CSS_SELECTOR, box).get_attribute("value")
            changes = options[i].text.strip() != chosen
            options[i].click()
            if changes:  # the page runs again and puts the chosen project in the link
                wait.until(lambda d, before=before: project_in_url() not in ("", before))
            settled()
            inert(f"project {i}")
    finally:
        driver.quit()
