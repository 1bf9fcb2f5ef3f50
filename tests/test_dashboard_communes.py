"""The Communes page over a hand-made gold lake with two communes (tests/dashboard_two_communes.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from dashboard_fixtures import open_app, record_downloads
from dashboard_two_communes import KPI_FIGURES, write_gold
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards.i18n import format_int, format_pct

HOSTILE = "x' OR '1'='1"
UNIT_TEXT = {"en": {"share": "share", "count": "count", "seconds": "seconds", "days": "days"}}


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def open_page(monkeypatch: pytest.MonkeyPatch, lake: Path) -> AppTest:
    return open_app(monkeypatch, lake, "views/communes.py")


def figures(period: str) -> pd.DataFrame:
    return pd.DataFrame(
        [f for f in KPI_FIGURES if f[2] == period],
        columns=["mart", "commune", "period", "kpi", "numerator", "denominator", "value", "unit"],
    )


def expected_cell(row: pd.Series, lang: str = "en") -> str:
    """What the page must show for a figure, written out by hand per unit."""
    decimal = "." if lang == "en" else ","
    if row["unit"] == "share":
        terms = f"{format_int(row['numerator'], lang)} / {format_int(row['denominator'], lang)}"
        return f"{format_pct(row['value'], lang)} ({terms})"
    if row["unit"] == "seconds":
        return f"{row['value']:.1f} s".replace(".", decimal)
    if row["unit"] == "days":
        return f"{row['value']:.1f} days".replace(".", decimal)
    return format_int(row["value"], lang)


def test_commune_kpis_reads_the_three_marts(lake: Path) -> None:
    kpis = data.commune_kpis(lake, "year", "2024")
    expected = figures("2024")
    assert len(kpis) == len(expected) == 13  # the breakdown rows are left out
    merged = kpis.merge(expected, left_on=["commune_id", "kpi_name"], right_on=["commune", "kpi"])
    assert len(merged) == 13
    assert (merged["value_x"] == merged["value_y"]).all()
    assert (merged["mart_x"] == merged["mart_y"]).all()
    assert data.commune_kpis(lake, "year", "2023").empty


def test_commune_kpis_refuses_hostile_values(lake: Path) -> None:
    assert data.commune_kpis(lake, HOSTILE, "2024").empty
    assert data.commune_kpis(lake, "year", HOSTILE).empty  # bound as a parameter: matches nothing
    assert data.commune_kpis(lake, "year", 2024).empty  # type: ignore[arg-type]
    assert len(data.commune_kpis(lake, "year", "2024")) == 13


def test_communes_side_by_side(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "Communes"
    table = at.dataframe[0].value
    assert list(table.columns) == ["KPI", "Unit", "City of Brussels", "Ixelles"]
    expected = figures("2024")
    labels = {
        "requests_volume": "Requests (dossiers)",
        "digital_take_up": "Digital take-up",
        "services_digital_share": "Share of services available online",
        "calls_offered": "Calls offered",
        "abandonment_rate": "Abandonment rate",
        "average_speed_of_answer": "Average speed of answer",
        "lead_time_median_days": "Lead time (median)",
        "sla_compliance": "SLA compliance",
    }
    assert list(table["KPI"]) == list(labels.values())  # adoption, contact centre, processing
    rows = table.set_index("KPI")
    for kpi, label in labels.items():
        for commune, column in (("brussels", "City of Brussels"), ("ixelles", "Ixelles")):
            match = expected[(expected["kpi"] == kpi) & (expected["commune"] == commune)]
            want = "—" if match.empty else expected_cell(match.iloc[0])
            assert rows.loc[label, column] == want, (kpi, commune)
    # Spelled out for a few cells, so that a bug shared with expected_cell would still show.
    assert rows.loc["Share of services available online", "City of Brussels"] == "78.0% (39 / 50)"
    assert rows.loc["Average speed of answer", "City of Brussels"] == "24.8 s"
    assert rows.loc["Lead time (median)", "Ixelles"] == "12.5 days"
    assert rows.loc["Requests (dossiers)", "Ixelles"] == "40,000"
    assert rows.loc["Calls offered", "Ixelles"] == "—"
    assert list(rows["Unit"][["Calls offered", "Abandonment rate", "Lead time (median)"]]) == ["count", "share", "days"]
    assert [i.value for i in at.info] == [
        "Ixelles has no figure for 2024 for: Calls offered, Abandonment rate, Average speed of answer."
    ]
    assert at.get("download_button")


def test_the_language_switch_translates_the_table(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Gemeenten"
    table = at.dataframe[0].value
    assert list(table.columns) == ["Indicator", "Eenheid", "Elsene", "Stad Brussel"]  # by the name shown
    rows = table.set_index("Indicator")
    assert rows.loc["Aandeel online beschikbare diensten", "Stad Brussel"] == "78,0% (39 / 50)"
    assert rows.loc["Aantal aanvragen (dossiers)", "Stad Brussel"] == "167.005"
    assert rows.loc["Doorlooptijd (mediaan)", "Elsene"] == "12,5 dagen"
    at.radio(key="lang").set_value("fr").run()
    assert at.subheader[0].value == "Tous les indicateurs côte à côte pour les communes du lac"
    rows = at.dataframe[0].value.set_index("Indicateur")
    assert rows.loc["Nombre de demandes (dossiers)", "Ville de Bruxelles"] == "167\u202f005"
    assert rows.loc["Usage numérique", "Ixelles"] == "51,3\u202f% (20\u202f000 / 39\u202f000)"


def test_a_month_shows_only_the_communes_that_have_it(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    at.radio(key="period_type").set_value("month").run()
    at.selectbox(key="period_month").select("2024-12").run()
    assert not at.exception
    rows = at.dataframe[0].value.set_index("KPI")
    assert rows.loc["Requests (dossiers)", "City of Brussels"] == "11,714"
    assert rows.loc["Abandonment rate", "City of Brussels"] == "7.5% (15 / 200)"
    assert set(rows["Ixelles"]) == {"—"}
    assert [i.value for i in at.info] == ["Ixelles has no figure at all for 2024-12."]


def test_without_contact_centre_mart_the_page_still_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    write_gold(lake, without=("kpi_contact_centre", "kpi_processing"))
    at = open_page(monkeypatch, lake)
    assert not at.exception
    assert list(at.dataframe[0].value["KPI"]) == [
        "Requests (dossiers)", "Digital take-up", "Share of services available online",
    ]  # fmt: skip


def test_the_csv_holds_the_raw_figures(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = open_page(monkeypatch, lake)
    offered = [(str(d.get("file_name")), d["data"]) for d in downloads]
    assert not at.exception
    name, payload = offered[-1]
    assert name == "civiclake_communes_year_2024.csv"
    csv = pd.read_csv(io.StringIO(payload.decode("utf-8")), dtype={"period": str})
    expected = figures("2024")
    assert len(csv) == len(expected)
    merged = csv.merge(expected, left_on=["commune_id", "kpi_name"], right_on=["commune", "kpi"])
    assert len(merged) == len(expected)
    assert (merged["value_x"] == merged["value_y"]).all()
    assert set(csv["period"]) == {"2024"}
    row = csv[(csv["commune_id"] == "brussels") & (csv["kpi_name"] == "services_digital_share")].iloc[0]
    assert (row["numerator"], row["denominator"], row["commune"], row["kpi"]) == (
        39, 50, "City of Brussels", "Share of services available online",
    )  # fmt: skip
