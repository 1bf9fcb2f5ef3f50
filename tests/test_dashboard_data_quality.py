"""The Data quality page over a tiny hand-made gold lake (AppTest), and its data functions.

The four data-quality tables are written here by hand, in the contract's columns (the schemas of
pipelines/quality_export.py, documented in docs/data-contracts.md), not by the export.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dashboard_fixtures import captions, gold_folder, metrics, open_app, record_downloads
from streamlit.testing.v1 import AppTest

from dashboards import data
from pipelines.quality_export import SCHEMAS

HOSTILE = "x' OR '1'='1"
UTC = dt.UTC


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, minute, tzinfo=UTC)


FRESHNESS = [
    {"entity": "call", "source": "brussels-tel", "commune_id": "brussels", "source_label": "asterisk_queue_log:tel",
     "last_loaded_at": _at(2, 6, 1), "last_ingested_at": _at(2, 6), "first_event_date_local": dt.date(2024, 1, 2),
     "last_event_date_local": dt.date(2024, 3, 1), "rows_in_bronze": 5_000},
    {"entity": "request", "source": "brussels-crm", "commune_id": "brussels", "source_label": "dynamics365:crm",
     "last_loaded_at": _at(2, 5, 2), "last_ingested_at": _at(2, 5), "first_event_date_local": dt.date(2024, 1, 1),
     "last_event_date_local": dt.date(2024, 3, 2), "rows_in_bronze": 12_345},
    {"entity": "service", "source": "service_catalogue:cat", "commune_id": "brussels",
     "source_label": "service_catalogue:cat", "last_loaded_at": None, "last_ingested_at": _at(1, 4),
     "first_event_date_local": None, "last_event_date_local": None, "rows_in_bronze": 50},
]  # fmt: skip


def _load(entity: str, source: str, batch: str, finished: dt.datetime, read: int, loaded: int, quarantined: int,
          outside: int, latest: bool) -> dict[str, object]:  # fmt: skip
    return {
        "entity": entity, "source": source, "commune_id": "brussels", "source_label": None, "batch_id": batch,
        "run_id": "r", "window_first_day": dt.date(2024, 3, 1), "window_last_day": dt.date(2024, 3, 2),
        "started_at": finished - dt.timedelta(minutes=1), "finished_at": finished, "rows_read": read,
        "rows_loaded": loaded, "rows_new": loaded, "rows_quarantined": quarantined, "rows_outside_window": outside,
        "rows_deleted": 0, "is_balanced": read == loaded + quarantined + outside, "skipped_reason": None,
        "is_latest_load": latest,
    }  # fmt: skip


LOADS = [
    _load("request", "brussels-crm", "L1", _at(1, 5, 2), 1_000, 990, 10, 0, False),
    _load("request", "brussels-crm", "L2", _at(2, 5, 2), 1_200, 1_150, 30, 20, True),
    _load("call", "brussels-tel", "L3", _at(2, 6, 1), 400, 395, 5, 0, True),
]
REASONS = [
    {"entity": "request", "source": "brussels-crm", "reason": "channel: unknown value", "rows": 25, "batches": 2,
     "last_batch_id": "L2"},
    {"entity": "request", "source": "brussels-crm", "reason": "created_at: missing", "rows": 15, "batches": 1,
     "last_batch_id": "L2"},
    {"entity": "call", "source": "brussels-tel", "reason": "wait_s: not a number", "rows": 5, "batches": 1,
     "last_batch_id": "L3"},
]  # fmt: skip


def _result(entity: str, run: str, run_at: dt.datetime, latest: bool, order: int, expectation: str,
            column: str | None, severity: str, success: bool, observed: str | None = None,
            unexpected: int | None = None, elements: int | None = None) -> dict[str, object]:  # fmt: skip
    return {
        "entity": entity, "run_label": run, "run_at": run_at, "is_latest_run": latest, "expectation_order": order,
        "expectation": expectation, "expectation_type": "expect_x", "column_name": column, "severity": severity,
        "success": success, "observed_value": observed, "unexpected_count": unexpected, "element_count": elements,
        "unexpected_percent": None, "exception": None,
    }  # fmt: skip


RESULTS = [
    # An older run of requests, failing: not the latest, so not on the page.
    _result("request", "old", _at(1, 5), False, 0, "channel in vocabulary", "channel", "critical", False, None, 9, 90),
    _result("request", "new", _at(2, 5), True, 0, "canonical columns present", None, "critical", True, '["a", "b"]'),
    _result("request", "new", _at(2, 5), True, 1, "channel in vocabulary", "channel", "critical", True, None, 0, 1150),
    _result("request", "new", _at(2, 5), True, 2, "closed_at >= created_at", "closed_at, created_at", "warning",
            False, None, 3, 1150),
    _result("call", "c1", _at(2, 6), True, 0, "outcome in vocabulary", "outcome", "critical", False, None, 2, 395),
    _result("call", "c1", _at(2, 6), True, 1, "wait_s not negative", "wait_s", "critical", True, None, 0, 395),
]  # fmt: skip


def write_gold(lake: Path, with_quality: bool = True) -> Path:
    gold = gold_folder(lake)
    pq.write_table(
        pa.table({"commune_id": ["brussels"], "name_fr": ["Ville de Bruxelles"], "name_nl": ["Stad Brussel"],
                  "name_en": ["City of Brussels"], "timezone": ["Europe/Brussels"]}),
        gold / "dim_commune.parquet",
    )  # fmt: skip
    pq.write_table(
        pa.table({"commune_id": ["brussels"], "period_type": ["year"], "period": ["2024"],
                  "period_start": [dt.date(2024, 1, 1)], "period_end": [dt.date(2024, 12, 31)],
                  "kpi_name": ["requests_volume"], "breakdown": ["all"], "breakdown_value": ["all"],
                  "numerator": [1], "denominator": pa.array([None], pa.int64()), "value": [1.0], "unit": ["count"]}),
        gold / "kpi_adoption.parquet",
    )  # fmt: skip
    if with_quality:
        for name, rows in (
            ("dim_source_freshness", FRESHNESS),
            ("fct_source_loads", LOADS),
            ("fct_quarantine_reasons", REASONS),
            ("fct_quality_results", RESULTS),
        ):
            pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), gold / f"{name}.parquet")
    return gold


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


def run_page(monkeypatch: pytest.MonkeyPatch, lake: Path) -> AppTest:
    return open_app(monkeypatch, lake, "views/data_quality.py")


def latest(rows: list[dict[str, object]], flag: str) -> list[dict[str, object]]:
    return [row for row in rows if row[flag]]


# --- data functions ----------------------------------------------------------------------------------


def test_data_functions_return_the_hand_made_rows(lake: Path) -> None:
    assert list(data.source_freshness(lake)["source"]) == ["brussels-tel", "brussels-crm", "service_catalogue:cat"]
    assert list(data.source_loads(lake)["batch_id"]) == ["L3", "L2"]
    assert list(data.source_loads(lake, latest_only=False)["batch_id"]) == ["L3", "L2", "L1"]
    assert list(data.source_loads(lake, "request", latest_only=False)["batch_id"]) == ["L2", "L1"]
    assert data.quarantine_reasons(lake, "request")["rows"].sum() == 40
    assert len(data.quality_results(lake)) == len(latest(RESULTS, "is_latest_run"))
    assert len(data.quality_results(lake, latest_only=False)) == len(RESULTS)


def test_data_functions_refuse_hostile_filter_values(lake: Path) -> None:
    assert data.source_freshness(lake, HOSTILE).empty
    assert data.source_loads(lake, HOSTILE).empty
    assert data.source_loads(lake, "request", latest_only="1 OR 1=1").empty  # type: ignore[arg-type]
    assert data.quarantine_reasons(lake, "request' OR '1'='1").empty
    assert data.quality_results(lake, HOSTILE, latest_only=False).empty
    assert data.quality_results(lake, "nosuch_entity").empty  # well-formed, bound: matches nothing
    assert len(data.source_loads(lake, latest_only=False)) == 3  # all still there


# --- the page ----------------------------------------------------------------------------------------


def test_page_shows_freshness_loads_quarantine_and_results(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "Data quality"
    latest_loads = latest(LOADS, "is_latest_load")
    read = sum(row["rows_read"] for row in latest_loads)
    quarantined = sum(row["rows_quarantined"] for row in latest_loads)
    results = latest(RESULTS, "is_latest_run")
    met = sum(row["success"] for row in results)
    critical = sum(not row["success"] and row["severity"] == "critical" for row in results)
    newest = max(row["last_loaded_at"] for row in FRESHNESS if row["last_loaded_at"])
    assert metrics(at) == {
        "Sources": str(len(FRESHNESS)),
        "Latest load": newest.strftime("%Y-%m-%d %H:%M"),
        "Rows quarantined (latest loads)": f"{quarantined / read:.1%}",
        "Expectations met": f"{met / len(results):.1%}",
    }
    shown = captions(at)
    assert f"{quarantined:,} of {read:,} rows read in the latest loads" in shown
    assert f"{met} of {len(results)} expectations of the latest runs; {critical} critical failures" in shown
    assert "UTC; oldest latest load: 2024-03-02 05:02 (Requests / brussels-crm)" in shown
    total_reasons = sum(row["rows"] for row in REASONS)
    assert f"{total_reasons} quarantined records for {len(REASONS)} reasons" in " ".join(shown)

    tables = [frame.value for frame in at.dataframe]
    freshness, loads, history, reasons, summary, details = tables
    assert freshness.to_dict("list")["rows_in_bronze"] == [row["rows_in_bronze"] for row in FRESHNESS]
    days = pd.to_datetime(freshness["last_event_date_local"])
    assert list(days[:2].dt.date) == [row["last_event_date_local"] for row in FRESHNESS[:2]] and pd.isna(days[2])
    assert list(loads["rows_read"]) == [row["rows_read"] for row in (LOADS[2], LOADS[1])]
    assert list(loads["rows_quarantined"]) == [5, 30]
    assert list(loads["rows_outside_window"]) == [0, 20]
    assert len(history) == len(LOADS)
    assert reasons.to_dict("list")["rows"] == [5, 25, 15]  # by entity, then most frequent reason first
    by_entity = summary.set_index("entity")
    for entity in ("call", "request"):
        mine = [row for row in results if row["entity"] == entity]
        assert by_entity.loc[entity, "expectations"] == len(mine)
        assert by_entity.loc[entity, "met"] == sum(row["success"] for row in mine)
        assert by_entity.loc[entity, "critical_failures"] == sum(
            not row["success"] and row["severity"] == "critical" for row in mine
        )
        assert by_entity.loc[entity, "warning_failures"] == sum(
            not row["success"] and row["severity"] == "warning" for row in mine
        )
    # Failures first (critical, then warnings), then what passed; observed values in words.
    assert list(details["expectation"][:2]) == ["outcome in vocabulary", "closed_at >= created_at"]
    assert list(details["success"]) == [False, False, True, True, True]
    assert details["observed"][0] == "2 of 395 rows unexpected"
    assert '["a", "b"]' in list(details["observed"])

    # The entity filter: only the calls.
    at.selectbox(key="data_quality_entity").select("call").run()
    assert not at.exception
    assert metrics(at)["Sources"] == "1"
    assert metrics(at)["Expectations met"] == f"{1 / 2:.1%}"
    assert set(at.dataframe[0].value["entity"]) == {"call"}


def test_the_language_switch_changes_title_and_labels(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Datakwaliteit"
    assert "Verwachtingen gehaald" in metrics(at)
    at.radio(key="lang").set_value("fr").run()
    assert not at.exception
    assert at.title[0].value == "Qualité des données"
    results = latest(RESULTS, "is_latest_run")
    share = f"{sum(row['success'] for row in results) / len(results) * 100:.1f}".replace(".", ",")
    assert metrics(at)["Attentes satisfaites"] == f"{share}\u202f%"
    assert "Lignes en quarantaine (derniers chargements)" in metrics(at)


def test_the_tables_download_as_csv(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads = record_downloads(monkeypatch)
    at = run_page(monkeypatch, lake)
    offered = {str(d.get("key")): d["data"] for d in downloads}
    assert not at.exception
    assert {
        "data_quality_freshness_csv",
        "data_quality_loads_csv",
        "data_quality_history_csv",
        "data_quality_reasons_csv",
        "data_quality_summary_csv",
        "data_quality_results_csv",
    } <= set(offered)
    reasons = pd.read_csv(io.StringIO(offered["data_quality_reasons_csv"].decode("utf-8")))
    assert list(reasons["reason"]) == ["wait_s: not a number", "channel: unknown value", "created_at: missing"]
    assert list(reasons["rows"]) == [5, 25, 15]


def test_without_the_quality_tables_the_page_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    gold = write_gold(lake, with_quality=False).resolve()
    at = run_page(monkeypatch, lake)
    assert not at.exception
    assert [i.value for i in at.info] == [
        f"No {name} in {gold} yet: it is written by the gold export of `civiclake run`."
        for name in ("dim_source_freshness", "fct_source_loads", "fct_quarantine_reasons", "fct_quality_results")
    ]
