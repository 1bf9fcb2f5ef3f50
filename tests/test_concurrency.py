"""The dashboard reads gold while the pipeline publishes new gold: every page shows one export, never two.

Two exports differ in two gold files at once: `dim_commune` (the commune's name, shown in the sidebar)
and `kpi_adoption` (the requests of the year, shown on the Adoption page). Their figures are read here
straight from the two DuckDB files the exports come from. A writer thread runs the real gold export
(pipelines/assets/gold.py, export_gold) again and again, alternating the two databases, while:

- the data module is read in real Streamlit script runs (AppTest), with a pause between the two reads
  to give a swap every chance to land between them: each run must see one export's name *and* figure;
- a real Chromium (Playwright, Debian's package, as tests/test_dashboard_browser.py) signed in as
  management loads the Adoption page over HTTP from `civiclake dashboard`'s server again and again: no
  exception, and the page shows the name and the figure of the same export.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from served_dashboard import served_dashboard
from streamlit.testing.v1 import AppTest

from dashboards import auth
from pipelines.assets.gold import export_gold
from pipelines.lake import Lake

# Two exports: the commune's name and its requests of 2024 (months add up to the year) change together.
EXPORTS = {
    "one": {"name": "Export one city", "months": (211, 233, 293)},
    "two": {"name": "Export two city", "months": (307, 311, 311)},
}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGE_LOADS = 8
SCRIPT_RUNS = 25


def _marts(export: str) -> dict[str, pa.Table]:
    name, months = EXPORTS[export]["name"], EXPORTS[export]["months"]
    communes = pa.table(
        {
            "commune_id": ["brussels"],
            "name_fr": [name],
            "name_nl": [name],
            "name_en": [name],
            "timezone": ["Europe/Brussels"],
        }
    )
    periods = [("year", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31), sum(months))]
    periods += [
        ("month", f"2024-{m:02d}", dt.date(2024, m, 1), dt.date(2024, m + 1, 1) - dt.timedelta(days=1), volume)
        for m, volume in enumerate(months, start=1)
    ]
    rows = [
        {
            "commune_id": "brussels",
            "period_type": period_type,
            "period": period,
            "period_start": start,
            "period_end": end,
            "kpi_name": "requests_volume",
            "breakdown": "all",
            "breakdown_value": "all",
            "numerator": volume,
            "denominator": None,
            "value": float(volume),
            "unit": "count",
            "detail": None,
        }
        for period_type, period, start, end, volume in periods
    ]
    return {"dim_commune": communes, "kpi_adoption": pa.Table.from_pylist(rows)}


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """A lake whose DuckDB file is a link to one of the two exports' databases; gold: export one."""
    lake = Lake(tmp_path / "lake")
    lake.root.mkdir()
    for export in EXPORTS:
        with duckdb.connect(str(tmp_path / f"{export}.duckdb")) as connection:
            for name, table in _marts(export).items():
                connection.register("incoming", table)
                connection.execute(f"create table {name} as select * from incoming")
                connection.unregister("incoming")
    _switch(lake, "one")
    export_gold(lake)
    return lake


def _switch(lake: Lake, export: str) -> None:
    link = lake.root / ".civiclake.duckdb.link"
    link.unlink(missing_ok=True)
    os.symlink(lake.root.parent / f"{export}.duckdb", link)
    os.replace(link, lake.duckdb_path)


def _figures(lake: Lake) -> dict[str, tuple[str, int]]:
    """export -> (name, requests of 2024), read from each export's own database."""
    figures = {}
    for export in EXPORTS:
        with duckdb.connect(str(lake.root.parent / f"{export}.duckdb"), read_only=True) as connection:
            (name,) = connection.execute("select name_en from dim_commune").fetchone()
            (volume,) = connection.execute(
                "select value from kpi_adoption where period = '2024' and kpi_name = 'requests_volume'"
            ).fetchone()
        figures[export] = (name, int(volume))
    return figures


class Publisher(threading.Thread):
    """Runs the gold export in a loop, alternating the two databases, until stopped."""

    def __init__(self, lake: Lake) -> None:
        super().__init__(daemon=True)
        self.lake, self.stop, self.published, self.error = lake, threading.Event(), 0, None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                _switch(self.lake, "two" if self.published % 2 == 0 else "one")
                export_gold(self.lake)
                self.published += 1
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error

    def __enter__(self) -> Publisher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.join(timeout=60)
        assert self.error is None, repr(self.error)


def _read_two_gold_files() -> None:
    """One page run: the commune's name (dim_commune), a pause, the requests (kpi_adoption)."""

    import time

    import streamlit as st

    from dashboards import data

    with data.scoped(data.FULL_SCOPE):
        names = data.list_communes()
        time.sleep(0.05)
        kpis = data.adoption_kpis(None, "brussels", "year", "2024")
    st.text(f"{names['name_en'].iloc[0]}|{int(kpis['value'].iloc[0])}")


def test_each_script_run_reads_one_snapshot_while_gold_is_republished(
    lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVICLAKE_LAKE", str(lake.root))
    figures = _figures(lake)
    consistent = {f"{name}|{volume}" for name, volume in figures.values()}
    at = AppTest.from_function(_read_two_gold_files, default_timeout=60)
    seen = []
    with Publisher(lake) as publisher:
        for _ in range(SCRIPT_RUNS):
            at.run()
            assert not at.exception, at.exception
            seen.append(at.text[0].value)
            assert seen[-1] in consistent, seen
    assert publisher.published >= 2
    assert len(set(seen)) == 2, f"the runs never saw both exports: {seen}"  # the reads did race the swaps


def test_old_snapshots_are_cleaned_up_but_not_under_a_reader(lake: Lake) -> None:
    from pipelines.gold_snapshots import KEEP, remove_old_snapshots

    for _ in range(KEEP + 2):
        export_gold(lake)
    snapshots = sorted(path for path in lake.gold_snapshots.iterdir() if not path.name.startswith("."))
    assert len(snapshots) == KEEP + 3  # within the grace period: a reader may still be on any of them
    current = lake.current_gold()
    assert current in snapshots and current.parent == lake.gold_snapshots
    removed = remove_old_snapshots(lake, grace_seconds=0)
    kept = sorted(path for path in lake.gold_snapshots.iterdir() if not path.name.startswith("."))
    assert len(kept) == KEEP and current in kept and not set(removed) & set(kept)


# --- over HTTP, in Chromium ---------------------------------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install -y chromium chromium-driver)")
    return found


@pytest.fixture
def served(lake: Lake, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(url, password of `manager`) of the dashboard served over the lake, as `civiclake dashboard` does."""
    password = secrets.token_urlsafe(12)
    users = tmp_path / "civiclake-users.json"
    auth.set_user(users, "manager", password, auth.MANAGEMENT, ())
    with served_dashboard(lake.root, tmp_path / "streamlit.log", {auth.USERS_ENV: str(users)}) as (url, _):
        yield url, password


def _wait_for_run(page: object, title: str) -> None:
    """Until the page's run is over: its title is drawn and Streamlit's running indicator has gone."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "title => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title)", arg=title
    )
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !/Running|Stop/.test(document.querySelector('[data-testid=\"stStatusWidget\"]').innerText)"
    )
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def test_adoption_pages_served_over_http_show_one_export_while_gold_is_republished(
    lake: Lake, served: tuple[str, str]
) -> None:
    from playwright.sync_api import sync_playwright

    url, password = served
    figures = _figures(lake)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{url}/adoption")
        page.get_by_role("textbox", name="User name").fill("manager")
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        _wait_for_run(page, "Adoption of digital channels")
        shown = []
        with Publisher(lake) as publisher:
            for _ in range(PAGE_LOADS):
                page.locator('[data-testid="stSidebarNav"] a', has_text="Targets").click()
                _wait_for_run(page, "Targets")
                assert page.locator('[data-testid="stException"]').count() == 0
                page.locator('[data-testid="stSidebarNav"] a', has_text="Adoption").click()
                _wait_for_run(page, "Adoption of digital channels")
                assert page.locator('[data-testid="stException"]').count() == 0
                # The figure of the page, and the snapshot its sidebar says it read (drawn in the same run):
                # the figure must be that snapshot's, i.e. one export's, never another's.
                main = page.inner_text("main")
                by_figure = [export for export, (_, volume) in figures.items() if f"{volume:,}" in main]
                (source,) = [line for line in page.inner_text("body").splitlines() if line.startswith("Source: ")]
                snapshot = Path(source.removeprefix("Source: ").strip())
                assert snapshot.parent == lake.gold_snapshots, source
                # fetchall: a half-read result would block DuckDB's default connection for later tests
                (volume,) = duckdb.execute(
                    "select value from read_parquet(?) where period = '2024' and kpi_name = 'requests_volume'",
                    [str(snapshot / "kpi_adoption.parquet")],
                ).fetchall()[0]
                assert len(by_figure) == 1 and figures[by_figure[0]][1] == int(volume), f"a mixture: {main!r}"
                shown.append(by_figure[0])
        browser.close()
    assert publisher.published >= 2
    assert set(shown) == set(EXPORTS), f"the pages never showed both exports: {shown}"
