"""The Targets page over a hand-made gold lake with two communes (tests/dashboard_two_communes.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from dashboard_fixtures import captions, markdowns, metrics, open_app, record_downloads
from dashboard_two_communes import DIGITAL, REQUESTS, SERVICES, TARGET_STATUS, write_gold
from streamlit.testing.v1 import AppTest

from dashboards import data
from dashboards.i18n import format_int, format_pct

HOSTILE = "x' OR '1'='1"
END_2024 = dt.date(2024, 12, 31)


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def open_page(monkeypatch: pytest.MonkeyPatch, lake: Path, lang: str | None = None) -> AppTest:
    return open_app(monkeypatch, lake, "views/targets.py", lang)


def expected_pending(commune: str, end: dt.date) -> pd.DataFrame:
    """The services active and not online on `end`, with their 12-month demand, computed from the lists."""
    services = pd.DataFrame(
        SERVICES, columns=["commune", "code", "fr", "nl", "en", "active_from", "retired_on", "digital_since"]
    )
    services = services[services["commune"] == commune]
    active = services[(services["active_from"] <= end) & services["retired_on"].map(lambda d: d is None or end < d)]
    online = active["digital_since"].map(lambda d: d is not None and d <= end)
    start = (pd.Timestamp(end) + pd.Timedelta(days=1) - pd.DateOffset(months=12)).date()
    requests = pd.DataFrame(REQUESTS, columns=["commune", "code", "channel", "day"])
    window = requests[
        (requests["commune"] == commune)
        & (requests["day"] >= start)
        & (requests["day"] <= end)
        & requests["code"].isin(services["code"])
    ]
    non_digital = window[(window["channel"] != "unknown") & ~window["channel"].map(lambda c: DIGITAL.get(c, False))]
    pending = active[~online].assign(
        requests=lambda f: [int((window["code"] == c).sum()) for c in f["code"]],
        non_digital=lambda f: [int((non_digital["code"] == c).sum()) for c in f["code"]],
        catalogue=len(window),
        active=len(active),
        online=int(online.sum()),
    )
    return pending.sort_values(["non_digital", "requests", "code"], ascending=[False, False, True], ignore_index=True)


# --- data.py -------------------------------------------------------------------------------------


def test_target_status_is_the_row_of_the_last_month_of_the_period(lake: Path) -> None:
    status = data.target_status(lake, "brussels", END_2024).set_index("kpi_name")
    assert sorted(status.index) == ["abandonment_rate", "services_digital_share"]
    assert status.loc["services_digital_share", "as_of_month"] == "2024-12"
    assert status.loc["services_digital_share", "latest_value"] == 0.78
    november = data.target_status(lake, "brussels", dt.date(2024, 11, 30))
    assert list(november["kpi_name"]) == ["services_digital_share"]  # the rate's first row is December's
    assert november["as_of_month"].iloc[0] == "2024-11"
    assert data.target_status(lake, "brussels", dt.date(2024, 10, 31)).empty
    assert data.target_status(lake, "ixelles", END_2024).empty


def test_target_trend_reads_monthly_values_of_every_mart(lake: Path) -> None:
    trend = data.target_trend(lake, "brussels", ["services_digital_share", "abandonment_rate"], END_2024)
    assert list(zip(trend["kpi_name"], trend["period"], strict=True)) == [
        ("abandonment_rate", "2024-11"),
        ("abandonment_rate", "2024-12"),
        ("services_digital_share", "2024-10"),
        ("services_digital_share", "2024-11"),
        ("services_digital_share", "2024-12"),
    ]
    assert list(trend["value"]) == [0.08, 0.075, 38 / 50, 38 / 50, 39 / 50]  # not the breakdown rows' 0.123
    november = data.target_trend(lake, "brussels", ["services_digital_share"], dt.date(2024, 11, 30))
    assert list(november["period"]) == ["2024-10", "2024-11"]


@pytest.mark.parametrize("end", [END_2024, dt.date(2024, 11, 30)])
def test_catalogue_demand_matches_the_hand_count(lake: Path, end: dt.date) -> None:
    catalogue = data.catalogue_demand(lake, "brussels", end)
    expected = expected_pending("brussels", end)
    pending = catalogue[~catalogue["is_online"]]
    assert list(pending["service_code"]) == list(expected["code"])
    assert list(pending["requests"]) == list(expected["requests"])
    assert list(pending["non_digital_requests"]) == list(expected["non_digital"])
    assert set(catalogue["catalogue_requests"]) == {expected["catalogue"].iloc[0]}
    assert len(catalogue) == expected["active"].iloc[0]
    assert int(catalogue["is_online"].sum()) == expected["online"].iloc[0]


def test_target_data_functions_refuse_hostile_values(lake: Path) -> None:
    assert data.target_status(lake, HOSTILE, END_2024).empty
    assert data.target_status(lake, "brussels", "2024-12-31' OR '1'='1").empty
    assert data.target_trend(lake, HOSTILE, ["services_digital_share"], END_2024).empty
    assert data.target_trend(lake, "brussels", [HOSTILE], END_2024).empty
    assert data.target_trend(lake, "brussels", ["services_digital_share"], HOSTILE).empty
    assert data.catalogue_demand(lake, HOSTILE, END_2024).empty
    assert data.catalogue_demand(lake, "brussels", HOSTILE).empty
    # Bound as parameters below the validation: matches nothing, runs nothing.
    assert data._query(lake, data._SQL_TARGET_STATUS, (HOSTILE, END_2024)).empty
    assert len(data.target_status(lake, "brussels", END_2024)) == 2


# --- the page ------------------------------------------------------------------------------------


def test_targets_page_shows_each_target_as_of_the_period_end(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "Targets"
    assert "**Will we make the targets, and what holds us back?**" in markdowns(at)
    december = {row["kpi_name"]: row for row in TARGET_STATUS if row["as_of_month"] == "2024-12"}
    share, rate = december["services_digital_share"], december["abandonment_rate"]
    assert metrics(at) == {
        "Share of services available online": format_pct(share["latest_value"]),  # 78.0%
        "Abandonment rate": format_pct(rate["latest_value"]),  # 7.5%
    }
    texts = captions(at)
    assert "39 of 50, 2024-12" in texts
    assert "15 of 200, 2024-12" in texts
    assert "Target: 85.0% by 2025-12-31" in texts
    assert "Target: 5.0% by 2025-06-30" in texts
    assert "Gap: 7.0 pts to go" in texts  # 85 % - 78 %
    assert "Gap: 2.5 pts to go" in texts  # lower is better: 7.5 % down to 5 %
    assert "Projected for 2025-12-31: 85.2% (95 % interval 82.6% to 87.8%)" in texts
    assert "No projection: 2 of the 3 monthly values needed" in texts
    assert "**Status: at risk**" in markdowns(at)
    assert "**Status: not enough months to judge**" in markdowns(at)

    # One chart per target: the monthly values, the target rule, the projection and its band.
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2
    spec = json.loads(charts[1].proto.spec)
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks.count("area") == 1 and marks.count("text") == 3  # the band; labels target, value, projection
    assert spec["description"].startswith("Share of services available online, 3 monthly values")
    assert [layer["mark"]["type"] for layer in json.loads(charts[0].proto.spec)["layer"]].count("area") == 0
    assert any(c.startswith("Share of services available online, 3 monthly values from 2024-10 (76.0%)") for c in texts)

    # Services not online on 2024-12-31, by their non-digital demand of the 12 months.
    pending = expected_pending("brussels", END_2024)
    active, online = pending["active"].iloc[0], pending["online"].iloc[0]
    assert (active, online) == (4, 2)
    assert (
        f"On 2024-12-31, {online} of {active} active services can be done online ({format_pct(online / active)}). "
        "Each service brought online adds 25.0 pts to the share of services available online."
    ) in markdowns(at)
    needed = math.ceil(0.85 * active)
    assert f"Reaching the target of 85.0% takes {needed} services online: {needed - online} more." in markdowns(at)
    table = at.dataframe[0].value
    assert list(table["Code"]) == list(pending["code"]) == ["MOB-PED", "CIV-BIRTH"]
    assert list(table["Service"]) == list(pending["en"])
    assert list(table["Online from (planned)"]) == ["2025-04-01", ""]
    assert list(table["Non-digital requests, 12 months"]) == list(pending["non_digital"]) == [3, 2]
    assert list(table["All requests, 12 months"]) == list(pending["requests"]) == [3, 4]
    assert set(table["Requests for catalogue services, 12 months"]) == {pending["catalogue"].iloc[0]} == {11}
    assert list(table["Share of the demand"]) == [format_pct(n / 11) for n in pending["requests"]]
    assert at.get("download_button")


def test_a_month_takes_that_months_target_row_and_catalogue(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    at.radio(key="period_type").set_value("month").run()
    at.selectbox(key="period_month").select("2024-11").run()
    assert not at.exception
    assert metrics(at) == {"Share of services available online": "76.0%"}  # the abandonment target starts later
    assert "38 of 50, 2024-11" in captions(at)
    assert "Projected for 2025-12-31: 84.9% (95 % interval 81.8% to 88.0%)" in captions(at)
    pending = expected_pending("brussels", dt.date(2024, 11, 30))
    table = at.dataframe[0].value
    # The marriage declaration goes online on 2024-12-15: still to do at the end of November.
    assert list(table["Code"]) == list(pending["code"]) == ["CIV-BIRTH", "MOB-PED", "CIV-MARRIAGE"]
    assert list(table["Online from (planned)"]) == ["", "2025-04-01", "2024-12-15"]
    assert list(table["Non-digital requests, 12 months"]) == list(pending["non_digital"]) == [3, 2, 1]


def test_the_language_switch_translates_the_page(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Doelstellingen"
    assert metrics(at)["Aandeel online beschikbare diensten"] == "78,0%"
    assert "**Stand: in gevaar**" in [m.value for m in at.markdown]
    assert "Verschil: nog 7,0 procentpunt" in captions(at)
    assert "Dienst" in at.dataframe[0].value.columns
    at.radio(key="lang").set_value("fr").run()
    assert at.title[0].value == "Objectifs"
    assert metrics(at)["Part des services accessibles en ligne"] == "78,0\u202f%"
    assert list(at.dataframe[0].value["Service"]) == ["Zone piétonne", "Naissance"]


def test_a_commune_without_target_still_lists_its_services(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    at.selectbox(key="commune").select("ixelles").run()
    assert not at.exception
    assert not at.metric
    assert "No target is set for Ixelles up to 2024-12-31 (configuration: `targets`)." in [i.value for i in at.info]
    table = at.dataframe[0].value
    assert list(table["Code"]) == ["POP-EID"]
    assert list(table["Non-digital requests, 12 months"]) == [1]  # brussels' requests are not Ixelles'


@pytest.mark.parametrize("missing", ["kpi_target_status", "fct_requests"])
def test_a_missing_gold_table_gives_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    lake = tmp_path / "lake"
    write_gold(lake, without=(missing,))
    at = open_page(monkeypatch, lake)
    assert not at.exception
    infos = " ".join(i.value for i in at.info)
    assert missing in infos


def test_the_services_csv_holds_the_table(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = open_page(monkeypatch, lake)
    offered = [(str(d.get("file_name")), d["data"]) for d in downloads]
    assert not at.exception
    name, payload = offered[-1]
    assert name == "civiclake_services_not_online_brussels_2024-12-31.csv"
    csv = pd.read_csv(io.StringIO(payload.decode("utf-8")), keep_default_na=False)
    pending = expected_pending("brussels", END_2024)
    assert list(csv["Code"]) == list(pending["code"])
    assert list(csv["Non-digital requests, 12 months"]) == list(pending["non_digital"])
    assert list(csv["All requests, 12 months"]) == list(pending["requests"])
    assert format_int(csv["Requests for catalogue services, 12 months"].iloc[0]) == "11"
