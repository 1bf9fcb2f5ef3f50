"""The dashboard over a tiny hand-made gold lake: data access, the Adoption page, the HTTP server."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_fixtures import (
    APP,
    KPI_SCHEMA,
    captions,
    communes_table,
    gold_folder,
    metrics,
    open_app,
    record_downloads,
    signed_in,
)
from served_dashboard import run_page, served_dashboard
from streamlit.testing.v1 import AppTest

from dashboards import data, server
from dashboards.i18n import LANGUAGES, TEXTS, format_int, format_pct

HOSTILE = "'; DROP TABLE x; --"

# Hand-chosen figures: (period_type, period, start, end, requests, digital, known channel, after hours).
FIGURES: dict[str, list[tuple[str, str, dt.date, dt.date, int, int, int, int]]] = {
    "brussels": [
        ("year", "2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31), 150_000, 90_000, 148_000, 63_000),
        ("year", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31), 167_005, 112_345, 165_000, 75_152),
        ("quarter", "2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31), 42_000, 27_000, 41_500, 18_000),
        ("quarter", "2024-Q2", dt.date(2024, 4, 1), dt.date(2024, 6, 30), 41_000, 28_000, 40_000, 19_000),
        ("month", "2024-01", dt.date(2024, 1, 1), dt.date(2024, 1, 31), 14_000, 9_000, 13_800, 6_300),
        ("month", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), 13_500, 8_800, 13_400, 5_700),
        ("month", "2024-03", dt.date(2024, 3, 1), dt.date(2024, 3, 31), 14_500, 9_200, 14_300, 6_000),
    ],
    "ixelles": [
        ("year", "2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31), 40_000, 20_000, 39_000, 12_000),
        ("quarter", "2024-Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31), 10_000, 4_000, 9_800, 2_500),
        ("month", "2024-01", dt.date(2024, 1, 1), dt.date(2024, 1, 31), 3_000, 1_200, 2_900, 800),
        ("month", "2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29), 3_500, 1_400, 3_450, 900),
    ],
}


def _kpi_rows(scale: int = 1) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for commune, periods in FIGURES.items():
        for ptype, period, start, end, volume, digital, known, after in periods:
            volume, digital, known, after = (x * scale for x in (volume, digital, known, after))
            common = {"commune_id": commune, "period_type": ptype, "period": period}
            common |= {"period_start": start, "period_end": end, "breakdown": "all", "breakdown_value": "all"}
            # value = numerator for the count, numerator / denominator for the shares (the contract).
            rows += [
                common | {"kpi_name": "requests_volume", "numerator": volume, "denominator": None},
                common | {"kpi_name": "digital_take_up", "numerator": digital, "denominator": known},
                common | {"kpi_name": "after_hours_share", "numerator": after, "denominator": volume},
            ]
            rows[-3] |= {"value": float(volume), "unit": "count"}
            rows[-2] |= {"value": digital / known, "unit": "share"}
            rows[-1] |= {"value": after / volume, "unit": "share"}
            # A breakdown row of the same KPI: the pages show the commune as a whole, never this one.
            by_channel = common | {"breakdown": "channel", "breakdown_value": "portal", "unit": "count"}
            rows.append(by_channel | {"kpi_name": "requests_volume", "numerator": digital, "value": float(digital)})
    return rows


def write_gold(lake: Path, scale: int = 1) -> Path:
    """A gold folder with the contract's two files; `scale` multiplies every count (to rewrite it)."""
    gold = gold_folder(lake)
    pq.write_table(communes_table(), gold / "dim_commune.parquet")
    pq.write_table(pa.Table.from_pylist(_kpi_rows(scale), schema=KPI_SCHEMA), gold / "kpi_adoption.parquet")
    return gold


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def run_app(monkeypatch: pytest.MonkeyPatch, lake: Path) -> AppTest:
    # The app opens on the Targets page; these tests are about the Adoption page.
    return open_app(monkeypatch, lake, "views/adoption.py")


# --- data.py -------------------------------------------------------------------------------------


def test_data_functions_return_the_hand_made_figures(lake: Path) -> None:
    communes = data.list_communes(lake)
    assert list(communes["commune_id"]) == ["brussels", "ixelles"]
    assert list(communes["name_nl"]) == ["Stad Brussel", "Elsene"]

    assert list(data.list_periods(lake, "brussels", "year")["period"]) == ["2024", "2023"]
    assert list(data.list_periods(lake, "ixelles", "quarter")["period"]) == ["2024-Q1"]

    kpis = data.adoption_kpis(lake, "brussels", "year", "2024").set_index("kpi_name")
    assert kpis.loc["digital_take_up", "numerator"] == 112_345
    assert kpis.loc["digital_take_up", "denominator"] == 165_000
    assert kpis.loc["requests_volume", "numerator"] == 167_005
    assert pd.isna(kpis.loc["requests_volume", "denominator"])

    trend = data.monthly_trend(lake, "ixelles", ["digital_take_up", "after_hours_share"], 2024)
    assert list(trend["period"]) == ["2024-01", "2024-01", "2024-02", "2024-02"]
    assert list(trend["kpi_name"]) == ["after_hours_share", "digital_take_up"] * 2
    assert data.monthly_trend(lake, "ixelles", "requests_volume", 2023).empty


def test_lake_path_comes_from_the_environment(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(data.LAKE_ENV, str(lake))
    assert data.resolve_lake() == lake.resolve()
    assert len(data.list_communes()) == 2
    monkeypatch.delenv(data.LAKE_ENV)
    monkeypatch.chdir(lake.parent)
    assert data.resolve_lake() == lake.resolve()  # default: `lake` in the working directory


def test_hostile_values_are_neutralised(lake: Path) -> None:
    # Refused up front: not a commune id, not a period type, not a KPI name, not a year.
    assert data.list_periods(lake, HOSTILE, "year").empty
    assert data.list_periods(lake, "brussels", HOSTILE).empty
    assert data.adoption_kpis(lake, HOSTILE, "year", "2024").empty
    assert data.monthly_trend(lake, HOSTILE, "digital_take_up", 2024).empty
    assert data.monthly_trend(lake, "brussels", HOSTILE, 2024).empty
    assert data.monthly_trend(lake, "brussels", "digital_take_up", HOSTILE).empty  # type: ignore[arg-type]
    # A free-form value reaches DuckDB, bound as a parameter: it matches nothing and runs nothing.
    assert data.adoption_kpis(lake, "brussels", "year", HOSTILE).empty
    assert data.adoption_kpis(lake, "brussels", "year", "2024' OR '1'='1").empty
    # Even below the validation, the query layer binds the value rather than splicing it into SQL.
    assert data._query(lake, data._SQL_PERIODS, (HOSTILE, "year")).empty
    assert data._query(lake, data._SQL_KPIS, ("brussels", "year", "x'; DROP VIEW kpi_adoption; --")).empty
    # And the data is all still there.
    assert len(data.adoption_kpis(lake, "brussels", "year", "2024")) == 3


def test_missing_gold_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(data.GoldNotReady) as info:
        data.list_communes(tmp_path)
    assert info.value.gold == (tmp_path / "gold").resolve()


def test_cache_follows_the_files(lake: Path) -> None:
    kpi_file = lake / "gold" / "kpi_adoption.parquet"
    before = data.adoption_kpis(lake, "ixelles", "year", "2024").set_index("kpi_name")
    assert before.loc["requests_volume", "numerator"] == 40_000
    mtime = kpi_file.stat().st_mtime_ns
    write_gold(lake, scale=2)  # a new `civiclake run`
    os.utime(kpi_file, ns=(mtime + 1_000_000_000, mtime + 1_000_000_000))  # coarse-mtime file systems
    after = data.adoption_kpis(lake, "ixelles", "year", "2024").set_index("kpi_name")
    assert after.loc["requests_volume", "numerator"] == 80_000


def test_unreadable_gold_is_reported(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    for name in data.REQUIRED_GOLD:
        (gold / f"{name}.parquet").write_bytes(b"not parquet")
    with pytest.raises(data.GoldReadError):
        data.list_communes(tmp_path)


# --- i18n ----------------------------------------------------------------------------------------


def test_every_language_has_every_text() -> None:
    keys = set(TEXTS["en"])
    for lang in LANGUAGES:
        assert set(TEXTS[lang]) == keys, lang
    assert format_int(112_345) == "112,345"
    assert format_int(112_345, "nl") == "112.345"
    assert format_pct(0.68088) == "68.1%"
    assert format_pct(0.68088, "fr") == "68,1\u202f%"
    assert format_pct(float("nan")) == "—"


# --- the page (AppTest) --------------------------------------------------------------------------


def test_adoption_page_shows_the_figures_of_the_chosen_commune(
    lake: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at = run_app(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "Adoption of digital channels"
    # Defaults: first commune by name, year, latest year.
    assert at.selectbox(key="commune").value == "brussels"
    assert at.selectbox(key="commune").options == ["City of Brussels", "Ixelles"]
    assert at.selectbox(key="period_year").value == "2024"
    assert metrics(at) == {
        "Requests": "167,005",
        "Digital take-up": "68.1%",  # 112,345 / 165,000
        "After-hours share": "45.0%",  # 75,152 / 167,005
    }
    assert "112,345 of 165,000 requests with a known channel" in captions(at)
    assert "75,152 of 167,005 requests created outside office hours" in captions(at)
    assert "167,005 requests created" in captions(at)

    # The chart with labelled axes, the table (tiles' figures + 3 months x 3 KPIs) and its download.
    (chart,) = at.get("vega_lite_chart")
    encoding = json.loads(chart.proto.spec)["encoding"]
    assert (encoding["x"]["title"], encoding["y"]["title"]) == ("Month", "Share of requests")
    table = at.dataframe[0].value
    assert len(table) == 3 + 9
    assert set(table["period_type"]) == {"year", "month"}
    assert at.get("download_button")

    at.selectbox(key="commune").select("ixelles").run()
    assert not at.exception
    assert metrics(at) == {"Requests": "40,000", "Digital take-up": "51.3%", "After-hours share": "30.0%"}
    assert "20,000 of 39,000 requests with a known channel" in captions(at)

    at.radio(key="period_type").set_value("quarter").run()
    assert not at.exception
    assert at.selectbox(key="period_quarter").value == "2024-Q1"
    assert metrics(at) == {"Requests": "10,000", "Digital take-up": "40.8%", "After-hours share": "25.0%"}

    at.selectbox(key="commune").select("brussels").run()
    at.selectbox(key="period_quarter").select("2024-Q1").run()
    assert not at.exception
    assert metrics(at) == {"Requests": "42,000", "Digital take-up": "65.1%", "After-hours share": "42.9%"}

    at.radio(key="period_type").set_value("month").run()
    at.selectbox(key="period_month").select("2024-02").run()
    assert not at.exception
    assert metrics(at) == {"Requests": "13,500", "Digital take-up": "65.7%", "After-hours share": "42.2%"}
    # The chosen month is also in the monthly rows: it appears once in the table.
    assert len(at.dataframe[0].value) == 9


@pytest.mark.parametrize(
    ("lang", "communes", "tiles"),
    [
        (
            "fr",
            ["Ixelles", "Ville de Bruxelles"],
            {"Demandes": "40\u202f000", "Usage numérique": "51,3\u202f%"},
        ),
        ("nl", ["Elsene", "Stad Brussel"], {"Aanvragen": "40.000", "Digitaal gebruik": "51,3%"}),
    ],
)
def test_page_follows_the_session_language(
    lake: Path, monkeypatch: pytest.MonkeyPatch, lang: str, communes: list[str], tiles: dict[str, str]
) -> None:
    monkeypatch.setenv(data.LAKE_ENV, str(lake))
    at = signed_in(monkeypatch, AppTest.from_file(str(APP), default_timeout=60), lake.parent)
    at.session_state["lang"] = lang  # what the language switch sets
    at.run().switch_page("views/adoption.py").run()
    assert not at.exception
    assert at.selectbox(key="commune").options == communes  # sorted by the name shown
    assert at.selectbox(key="commune").value == "ixelles"
    assert tiles.items() <= metrics(at).items()


def test_the_language_switch_changes_every_text(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_app(monkeypatch, lake)
    assert at.title[0].value == "Adoption of digital channels"
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Adoptie van digitale kanalen"
    assert "Aanvragen" in metrics(at)
    at.radio(key="lang").set_value("fr").run()
    assert at.title[0].value == "Adoption des canaux numériques"
    assert at.selectbox(key="commune").label == "Commune"
    assert at.radio(key="period_type").label == "Type de période"


@pytest.mark.parametrize("make_lake", ["empty folder", "no folder"])
def test_page_without_gold_says_what_to_do(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_lake: str,
) -> None:
    lake = tmp_path / "lake"
    if make_lake == "empty folder":
        lake.mkdir()
    at = run_app(monkeypatch, lake)
    assert not at.exception
    assert not at.metric
    messages = [m.value for m in at.info]
    assert messages == [f"No data in {lake.resolve() / 'gold'} yet: run `civiclake run` first."]


# --- the server ----------------------------------------------------------------------------------


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_server_answers_over_http(lake: Path, tmp_path: Path) -> None:
    # The command and environment serve() runs; serve() itself blocks, so start them here.
    with served_dashboard(lake, tmp_path / "streamlit.log") as (url, proc):
        status, body = _get(f"{url}/")
        assert status == 200
        assert "<html" in body.lower()
        # GET / does not run the script: a browser session does. Open one the way the front end
        # does, so that the page really renders in the server (imports, lake path, caching).
        finished, shown = run_page(url, "adoption", timeout=30)
        assert finished == 0  # ScriptFinishedStatus FINISHED_SUCCESSFULLY
        # Nobody signed in: the internal page asks for a sign-in and shows no figure (the figures of a
        # signed-in reader over the server: tests/test_dashboard_browser.py).
        assert not shown["metric"] and not shown["exception"], shown
        assert len(shown["alert"]) == 1 and "This page needs a sign-in." in shown["alert"][0], shown
    assert proc.returncode == 0  # SIGTERM is a clean shutdown for Streamlit


def test_serve_runs_streamlit_with_the_lake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    class FakeProcess:
        def __init__(self, command: list[str], env: dict[str, str]) -> None:
            calls.append((command, env))

        def wait(self, timeout: float | None = None) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(server.subprocess, "Popen", FakeProcess)
    assert server.serve(tmp_path / "lake", host="0.0.0.0", port=8600, headless=False) == 0
    ((command, env),) = calls
    assert command[1:5] == ["-m", "streamlit", "run", str(server.APP)]
    text = " ".join(command)
    assert "--server.address 0.0.0.0" in text and "--server.port 8600" in text
    assert "--server.headless false" in text and "--browser.gatherUsageStats false" in text
    assert env[data.LAKE_ENV] == str((tmp_path / "lake").resolve())


def test_csv_download_holds_the_figures(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = run_app(monkeypatch, lake)
    offered = [d["data"] for d in downloads]
    assert not at.exception
    csv = pd.read_csv(io.StringIO(offered[-1].decode("utf-8")), dtype={"period": str})
    assert list(csv.columns) == [
        "commune_id", "period_type", "period", "period_start", "period_end",
        "kpi_name", "numerator", "denominator", "value",
    ]  # fmt: skip
    assert len(csv) == len(at.dataframe[0].value) == 12
    year = csv[(csv["period_type"] == "year") & (csv["kpi_name"] == "digital_take_up")].iloc[0]
    assert (year["commune_id"], year["period"], year["numerator"], year["denominator"]) == (
        "brussels", "2024", 112_345, 165_000,
    )  # fmt: skip
