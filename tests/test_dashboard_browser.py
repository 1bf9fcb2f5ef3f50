"""A real browser against the app served on 127.0.0.1: Chromium, headless, driven by Playwright.

The lake comes from a real pipeline run on a small demo (two communes, spring 2024). The server is the
one `civiclake dashboard` starts. Each page must load without an exception, show its title and its key
figure as the gold files hold it (read here with DuckDB, independently of the app), the filters and the
language switch must work, and a screenshot of every page is saved under test-output/screenshots/.

Chromium comes from Debian's packages (`make test` installs them: Playwright's own browser download
does not work here); without it the test fails and says how to install it.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from served_dashboard import served_dashboard

from dashboards import auth
from pipelines.demo.generator import generate
from pipelines.runner import run_pipeline
from tests.conftest import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FIRST_DAY, LAST_DAY = date(2024, 3, 1), date(2024, 5, 31)

# url path -> the page's name in the navigation, in English, French and Dutch.
# The default page (Targets) is served at the root.
PAGE_NAMES = {
    "": ("Targets", "Objectifs", "Doelstellingen"),
    "adoption": ("Adoption", "Adoption", "Adoptie"),
    "channels": ("Channels", "Canaux", "Kanalen"),
    "processes": ("Processes", "Processus", "Processen"),
    "contact-centre": ("Contact centre", "Centre de contact", "Contactcenter"),
    "data-quality": ("Data quality", "Qualité des données", "Datakwaliteit"),
    "communes": ("Communes", "Communes", "Gemeenten"),
    "open-data": ("Open data", "Données ouvertes", "Open data"),
}
CURRENT_PAGE_LINK = '[data-testid="stSidebarNav"] a[aria-current="page"]'
# The management user the served app knows (app_url writes its access file, with a random password).
SIGN_IN: dict[str, str] = {}


def _current_page_name(page: object) -> str:
    return page.locator(CURRENT_PAGE_LINK).first.inner_text().strip()  # type: ignore[attr-defined]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install -y chromium chromium-driver)")
    return found


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    sources, lake = root / "sources", root / "lake"
    generate(
        sources, start=FIRST_DAY, end=LAST_DAY, communes=["brussels", "ixelles"], scale=0.05, seed=11, progress=False
    )
    run_pipeline(sources / "civiclake.yaml", lake, echo=lambda line: None, first_day=FIRST_DAY, last_day=LAST_DAY)
    return lake


def _gold_figure(lake: Path, table: str, commune: str, period_type: str, period: str, kpi: str) -> tuple:
    """(value, numerator, denominator) of a KPI of the commune as a whole, read straight from gold."""
    with duckdb.connect() as connection:
        return connection.execute(
            "select value, numerator, denominator from read_parquet(?) where commune_id = ? and period_type = ? "
            "and period = ? and kpi_name = ? and breakdown = 'all'",
            [str(lake / "gold" / f"{table}.parquet"), commune, period_type, period, kpi],
        ).fetchone()


@pytest.fixture(scope="module")
def app_url(lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("server")
    SIGN_IN.update(name="browser-manager", password=secrets.token_urlsafe(12))
    auth.set_user(folder / "users.json", SIGN_IN["name"], SIGN_IN["password"], auth.MANAGEMENT)
    with served_dashboard(lake, folder / "streamlit.log", {auth.USERS_ENV: str(folder / "users.json")}) as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _open(browser: object, url: str) -> object:
    """A new browser session on `url`, signed in as management through the sign-in form, except on the
    public open data page. The root (open data for the public) is reached through /login: the app lands a
    reader who signs in there on their first page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page.set_default_timeout(60_000)
    path = url.split("://", 1)[1].partition("/")[2]
    page.goto(url if path else f"{url.rstrip('/')}/login")
    if path == "open-data":
        return page  # public: nobody signs in to read it
    page.wait_for_selector('input[type="password"]')  # type: ignore[attr-defined]
    page.get_by_label("User name", exact=True).fill(SIGN_IN["name"])  # type: ignore[attr-defined]
    page.locator('input[type="password"]').fill(SIGN_IN["password"])  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_selector('input[type="password"]', state="detached")  # type: ignore[attr-defined]
    return page


def _wait_until_done(page: object) -> None:
    """Until the script run is over: the title is drawn and Streamlit's running indicator has gone."""
    page.wait_for_selector("h1")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')"
    )
    page.wait_for_timeout(500)  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", list(PAGE_NAMES))
def test_every_page_loads_in_chromium_with_its_title_and_a_screenshot(browser: object, app_url: str, path: str) -> None:
    page = _open(browser, f"{app_url}/{path}")
    try:
        _wait_until_done(page)
        assert _current_page_name(page) == PAGE_NAMES[path][0]
        assert page.locator("h1").first.inner_text().strip()  # type: ignore[attr-defined]
        assert page.locator('[data-testid="stException"]').count() == 0  # type: ignore[attr-defined]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{path or 'targets'}.png"), full_page=True)  # type: ignore[attr-defined]
    finally:
        page.close()  # type: ignore[attr-defined]


def test_adoption_figures_in_the_browser_equal_gold_and_follow_the_commune_filter(
    browser: object, app_url: str, lake: Path
) -> None:
    page = _open(browser, f"{app_url}/adoption")
    try:
        _wait_until_done(page)
        # Defaults: the first commune by English name (City of Brussels), the latest year.
        value, _, _ = _gold_figure(lake, "kpi_adoption", "brussels", "year", "2024", "requests_volume")
        assert f"{int(value):,}" in page.inner_text("main")  # type: ignore[attr-defined]
        # Choose Ixelles in the commune filter: the figure becomes Ixelles's.
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()  # type: ignore[attr-defined]
        page.get_by_role("option", name="Ixelles").click()  # type: ignore[attr-defined]
        _wait_until_done(page)
        ixelles, _, _ = _gold_figure(lake, "kpi_adoption", "ixelles", "year", "2024", "requests_volume")
        page.wait_for_function(  # type: ignore[attr-defined]
            "text => document.querySelector('main').innerText.includes(text)", arg=f"{int(ixelles):,}"
        )
        assert ixelles != value
    finally:
        page.close()  # type: ignore[attr-defined]


def test_the_language_switch_translates_the_page(browser: object, app_url: str) -> None:
    page = _open(browser, f"{app_url}/")
    try:
        _wait_until_done(page)
        english_title = page.locator("h1").first.inner_text().strip()  # type: ignore[attr-defined]
        for label, name in (("NL", PAGE_NAMES[""][2]), ("FR", PAGE_NAMES[""][1])):
            page.locator('[data-testid="stSidebar"]').get_by_text(label, exact=True).click()  # type: ignore[attr-defined]
            page.wait_for_function(  # type: ignore[attr-defined]
                "([selector, name]) => document.querySelector(selector)"
                " && document.querySelector(selector).innerText.trim() === name",
                arg=[CURRENT_PAGE_LINK, name],
            )
            _wait_until_done(page)
            assert page.locator("h1").first.inner_text().strip() != english_title  # type: ignore[attr-defined]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "targets-fr.png"), full_page=True)  # type: ignore[attr-defined]
    finally:
        page.close()  # type: ignore[attr-defined]


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


# page -> (gold table, KPI, how the page writes it): the key figure each page shows in a tile for the
# defaults (City of Brussels, year 2024), read from gold by _gold_figure. (Tables are drawn on a canvas,
# so their cells are not text in the page: the Communes table is checked by its AppTest.)
KEY_FIGURES = {
    "channels": ("kpi_adoption", "after_hours_share", _percent),
    "contact-centre": ("kpi_contact_centre", "calls_offered", lambda v: f"{int(v):,}"),
}


@pytest.mark.parametrize("path", list(KEY_FIGURES))
def test_key_figures_in_the_browser_equal_gold(browser: object, app_url: str, lake: Path, path: str) -> None:
    table, kpi, written = KEY_FIGURES[path]
    value, _, _ = _gold_figure(lake, table, "brussels", "year", "2024", kpi)
    page = _open(browser, f"{app_url}/{path}")
    try:
        _wait_until_done(page)
        page.wait_for_function(  # type: ignore[attr-defined]
            "text => document.querySelector('main').innerText.includes(text)", arg=written(value)
        )
    finally:
        page.close()  # type: ignore[attr-defined]


def test_the_targets_page_shows_the_target_status_of_gold(browser: object, app_url: str, lake: Path) -> None:
    with duckdb.connect() as connection:
        latest, target = connection.execute(
            "select latest_value, target_value from read_parquet(?) where commune_id = 'brussels' "
            "and kpi_name = 'services_digital_share' order by as_of_month desc limit 1",
            [str(lake / "gold" / "kpi_target_status.parquet")],
        ).fetchone()
    page = _open(browser, f"{app_url}/")
    try:
        _wait_until_done(page)
        text = page.inner_text("main")  # type: ignore[attr-defined]
        assert _percent(latest) in text
        assert _percent(target) in text
    finally:
        page.close()  # type: ignore[attr-defined]
