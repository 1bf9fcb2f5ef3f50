"""The data-quality gold tables (pipelines/quality_export.py) on a small hand-made lake, and the load
audit the bronze assets write for them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance, materialize

from connectors.result import rejections
from connectors.schemas import ENTITY_SCHEMAS
from pipelines.assets import bronze
from pipelines.assets.gold import export_gold
from pipelines.bronze_load import EntityLoad, SourceLoad
from pipelines.lake import Lake, write_load_audit, write_quarantine
from pipelines.quality_export import SCHEMAS, build_quality_tables, export_quality_tables
from pipelines.resources import CivicLakeResource

RANGE = {"dagster/asset_partition_range_start": "2024-03-01", "dagster/asset_partition_range_end": "2024-03-02"}
T0 = datetime(2024, 3, 2, 5, 0, tzinfo=UTC)


def _audit(entity: str, batch_id: str, started: str, finished: str, sources: list[dict[str, object]]) -> dict:
    return {
        "entity": entity,
        "batch_id": batch_id,
        "run_id": "run-" + batch_id,
        "window": {"first_day": "2024-03-01", "last_day": "2024-03-02"},
        "started_at": started,
        "finished_at": finished,
        "sources": sources,
    }


def _source(source: str, label: str, read: int, loaded: int, quarantined: int, outside: int, **extra: object) -> dict:
    return {
        "source": source,
        "commune_id": "brussels",
        "source_label": label,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_new": extra.pop("new", loaded),
        "rows_quarantined": quarantined,
        "rows_outside_window": outside,
        "rows_deleted": extra.pop("deleted", 0),
        "skipped_reason": extra.pop("skipped", None),
    }


def _bronze(lake: Lake, entity: str, day: str | None, label: str, rows: int, ingested_at: datetime) -> None:
    path = lake.bronze_partition(entity, "brussels", day)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "commune_id": ["brussels"] * rows,
            "_source": [label] * rows,
            "_ingested_at": pa.array([ingested_at] * rows, pa.timestamp("us", tz="UTC")),
        }
    )
    if path.exists():  # a second source in the same partition
        table = pa.concat_tables([pq.read_table(path), table])
    pq.write_table(table, path)


def _quality(lake: Lake, entity: str, label: str, validated_at: str, outcomes: list[dict]) -> None:
    """A result file in the shape pipelines/quality.py writes: our summary plus GX's own result."""
    path = lake.quality / entity / f"{label}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "civiclake": {
            "entity": entity,
            "run_label": label,
            "results": [
                {
                    "check": o["check"],
                    "expectation_type": o["type"],
                    "columns": o["columns"],
                    "severity": o["severity"],
                    "success": o["success"],
                    "unexpected_count": o.get("unexpected"),
                    "exception": None,
                }
                for o in outcomes
            ],
        },
        "great_expectations": {
            "meta": {"validation_time": validated_at},
            # GX lists results in its own order, not the suite's: matched by meta.check.
            "results": [
                {
                    "expectation_config": {"type": o["type"], "meta": {"check": o["check"]}},
                    "result": o["result"],
                }
                for o in reversed(outcomes)
            ],
        },
    }
    path.write_text(json.dumps(document), encoding="utf-8")


CRM, WEB = "dynamics365:crm", "generic:web"


@pytest.fixture
def small_lake(tmp_path: Path) -> Lake:
    lake = Lake(tmp_path / "lake")
    # Two loads of requests (two sources each, the second load found nothing new), one of calls.
    write_load_audit(lake, "request", "20240301T050000000000Z-aaaa", _audit(
        "request", "20240301T050000000000Z-aaaa", "2024-03-01T05:00:00+00:00", "2024-03-01T05:01:00+00:00",
        [_source("brussels-crm", CRM, 10, 7, 2, 1), _source("brussels-web", WEB, 4, 4, 0, 0)],
    ))  # fmt: skip
    write_load_audit(lake, "request", "20240302T050000000000Z-bbbb", _audit(
        "request", "20240302T050000000000Z-bbbb", "2024-03-02T05:00:00+00:00", "2024-03-02T05:02:30+00:00",
        [_source("brussels-crm", CRM, 12, 9, 3, 0, new=2, deleted=1),
         _source("brussels-web", WEB, 0, 0, 0, 0, skipped="same events as source 'brussels-crm'")],
    ))  # fmt: skip
    write_load_audit(lake, "call", "20240302T060000000000Z-cccc", _audit(
        "call", "20240302T060000000000Z-cccc", "2024-03-02T06:00:00+00:00", "2024-03-02T06:00:10+00:00",
        [_source("brussels-tel", "asterisk_queue_log:tel", 6, 5, 1, 0)],
    ))  # fmt: skip

    # Quarantine: the second load of the CRM found the same 2 rejections again plus a new one.
    first = rejections("brussels-crm", ["p1:1", "p1:2"], ["channel: unknown value", "created_at: missing"], ["a", "b"])
    third = rejections("brussels-crm", ["p2:7"], ["channel: unknown value"], ["c"])
    write_quarantine(lake, "request", "brussels-crm", first, "B1")
    write_quarantine(lake, "request", "brussels-crm", pl.concat([first, third]), "B2")
    write_quarantine(
        lake, "call", "brussels-tel", rejections("brussels-tel", ["l9"], ["wait_s: not a number"], ["x"]), "C1"
    )

    # Bronze: requests of two days from the CRM, one day from the web form; calls; the catalogue.
    _bronze(lake, "request", "2024-03-01", CRM, 5, T0)
    _bronze(lake, "request", "2024-03-02", CRM, 4, datetime(2024, 3, 2, 5, 2, tzinfo=UTC))
    _bronze(lake, "request", "2024-03-01", WEB, 4, datetime(2024, 3, 1, 5, 1, tzinfo=UTC))
    _bronze(lake, "call", "2024-02-28", "asterisk_queue_log:tel", 5, T0)
    _bronze(lake, "service", None, "service_catalogue:cat", 3, T0)  # no audit: named by its label

    observed = {"observed_value": ["call_id", "commune_id"]}
    columns = {"check": "canonical columns present", "type": "expect_table_columns_to_match_set", "columns": [],
               "severity": "critical", "success": True, "result": observed}  # fmt: skip
    outcome = {"check": "outcome in vocabulary", "type": "expect_column_values_to_be_in_set", "columns": ["outcome"],
               "severity": "critical"}  # fmt: skip
    agent = {"check": "agent_key is a keyed hash", "type": "expect_column_values_to_match_regex",
             "columns": ["agent_key"], "severity": "critical", "success": False, "unexpected": 1,
             "result": {"observed_value": "jan@example.org", "element_count": 6, "unexpected_count": 1}}  # fmt: skip
    _quality(lake, "call", "old", "2024-03-01T06:00:00+00:00", [
        columns, outcome | {"success": True, "unexpected": 0, "result": {"element_count": 6, "unexpected_count": 0,
                                                                          "unexpected_percent": 0.0}},
    ])  # fmt: skip
    _quality(lake, "call", "new", "2024-03-02T06:00:05+00:00", [
        columns,
        outcome | {"success": False, "unexpected": 2,
                   "result": {"element_count": 8, "unexpected_count": 2, "unexpected_percent": 25.0}},
        agent,
    ])  # fmt: skip
    return lake


def test_source_loads_keep_every_load_and_its_balance(small_lake: Lake) -> None:
    loads = build_quality_tables(small_lake)["fct_source_loads"].to_pylist()
    assert len(loads) == 5  # 2 + 2 + 1 (load x source)
    by_key = {(row["batch_id"][:8], row["source"]): row for row in loads}
    crm = by_key[("20240302", "brussels-crm")]
    assert (crm["rows_read"], crm["rows_loaded"], crm["rows_new"], crm["rows_quarantined"]) == (12, 9, 2, 3)
    assert (crm["rows_outside_window"], crm["rows_deleted"]) == (0, 1)
    assert crm["started_at"] == datetime(2024, 3, 2, 5, tzinfo=UTC)
    assert crm["finished_at"] == datetime(2024, 3, 2, 5, 2, 30, tzinfo=UTC)
    assert crm["window_first_day"] == date(2024, 3, 1) and crm["window_last_day"] == date(2024, 3, 2)
    assert crm["entity"] == "request" and crm["commune_id"] == "brussels" and crm["source_label"] == CRM
    # Counts balance: read = loaded + quarantined + outside the window, load by load.
    for row in loads:
        assert row["is_balanced"] is (
            row["rows_read"] == row["rows_loaded"] + row["rows_quarantined"] + row["rows_outside_window"]
        )
    assert all(row["is_balanced"] for row in loads)
    latest = {(row["entity"], row["source"]): row["batch_id"][:8] for row in loads if row["is_latest_load"]}
    assert latest == {
        ("request", "brussels-crm"): "20240302",
        ("request", "brussels-web"): "20240302",
        ("call", "brussels-tel"): "20240302",
    }
    assert by_key[("20240302", "brussels-web")]["skipped_reason"] == "same events as source 'brussels-crm'"


def test_quarantine_reasons_are_grouped_and_each_record_counts_once(small_lake: Lake) -> None:
    reasons = {
        (row["entity"], row["source"], row["reason"]): (row["rows"], row["batches"], row["last_batch_id"])
        for row in build_quality_tables(small_lake)["fct_quarantine_reasons"].to_pylist()
    }
    assert reasons == {
        # p1:1 (found by B1 and B2) and p2:7 (B2): two records.
        ("request", "brussels-crm", "channel: unknown value"): (2, 2, "B2"),
        ("request", "brussels-crm", "created_at: missing"): (1, 2, "B2"),
        ("call", "brussels-tel", "wait_s: not a number"): (1, 1, "C1"),
    }
    # The records of the latest CRM load (3 quarantined) are all there.
    assert sum(rows for (entity, _, _), (rows, _, _) in reasons.items() if entity == "request") == 3


def test_quality_results_hold_each_expectation_of_each_run(small_lake: Lake) -> None:
    results = build_quality_tables(small_lake)["fct_quality_results"].to_pylist()
    assert [(r["run_label"], r["expectation"]) for r in results] == [
        ("old", "canonical columns present"),
        ("old", "outcome in vocabulary"),
        ("new", "canonical columns present"),
        ("new", "outcome in vocabulary"),
        ("new", "agent_key is a keyed hash"),
    ]
    latest = [r for r in results if r["is_latest_run"]]
    assert {r["run_label"] for r in latest} == {"new"}
    assert latest[0]["run_at"] == datetime(2024, 3, 2, 6, 0, 5, tzinfo=UTC)
    assert latest[0]["observed_value"] == '["call_id", "commune_id"]' and latest[0]["column_name"] is None
    vocabulary = latest[1]
    assert (vocabulary["success"], vocabulary["severity"], vocabulary["column_name"]) == (False, "critical", "outcome")
    assert (vocabulary["unexpected_count"], vocabulary["element_count"], vocabulary["unexpected_percent"]) == (
        2,
        8,
        25.0,
    )
    # What a failed key check observed is an identifier in clear: never copied to gold.
    assert latest[2]["success"] is False and latest[2]["observed_value"] is None
    assert latest[2]["unexpected_count"] == 1


def test_freshness_per_entity_and_source(small_lake: Lake) -> None:
    rows = build_quality_tables(small_lake)["dim_source_freshness"].to_pylist()
    by_source = {(row["entity"], row["source"]): row for row in rows}
    assert set(by_source) == {
        ("call", "brussels-tel"),
        ("request", "brussels-crm"),
        ("request", "brussels-web"),
        ("service", "service_catalogue:cat"),
    }
    crm = by_source[("request", "brussels-crm")]
    assert crm["rows_in_bronze"] == 9
    assert crm["last_event_date_local"] == date(2024, 3, 2) and crm["first_event_date_local"] == date(2024, 3, 1)
    assert crm["last_loaded_at"] == datetime(2024, 3, 2, 5, 2, 30, tzinfo=UTC)  # the latest load's end
    assert crm["last_ingested_at"] == datetime(2024, 3, 2, 5, 2, tzinfo=UTC)  # the latest row written
    web = by_source[("request", "brussels-web")]
    # The skipped load does not count as a load of the source.
    assert web["last_loaded_at"] == datetime(2024, 3, 1, 5, 1, tzinfo=UTC) and web["rows_in_bronze"] == 4
    assert by_source[("call", "brussels-tel")]["last_event_date_local"] == date(2024, 2, 28)
    service = by_source[("service", "service_catalogue:cat")]
    assert service["rows_in_bronze"] == 3 and service["last_event_date_local"] is None
    assert service["last_loaded_at"] is None and service["commune_id"] == "brussels"


def test_an_empty_lake_gives_empty_tables_with_the_contract_columns(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    assert export_quality_tables(lake) == dict.fromkeys(SCHEMAS, 0)
    for name, schema in SCHEMAS.items():
        assert pq.read_schema(lake.gold / f"{name}.parquet").remove_metadata() == schema, name


def test_the_gold_export_keeps_the_quality_tables_and_drops_stale_files(small_lake: Lake) -> None:
    small_lake.gold.mkdir(parents=True)
    with duckdb.connect(str(small_lake.duckdb_path)) as connection:
        connection.execute("create table dim_commune as select 'brussels' as commune_id")
    pq.write_table(pa.table({"x": [1]}), small_lake.gold / "fct_retired_mart.parquet")
    exported = export_gold(small_lake)
    assert exported == {
        "dim_commune": 1,
        "fct_source_loads": 5,
        "fct_quarantine_reasons": 3,
        "fct_quality_results": 5,
        "dim_source_freshness": 4,
    }
    assert sorted(path.stem for path in small_lake.gold.glob("*.parquet")) == sorted(exported)


def test_a_bronze_load_writes_its_accounts_to_the_lake(
    minimal_config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = pl.DataFrame(schema=pl.Schema(pl.from_arrow(ENTITY_SCHEMAS["request"].empty_table()).schema))

    def fake_load(config, lake, entity, window, log, **loader_options):  # noqa: ANN001, ANN003, ANN202
        return EntityLoad(
            entity,
            [
                SourceLoad(
                    "brussels-crm", rows_read=5, rows_loaded=3, rows_new=2, rows_quarantined=1, rows_outside_window=1
                )
            ],
            loaded_rows=rows,
        )

    monkeypatch.setattr(bronze, "load_entity", fake_load)
    result = materialize(
        [bronze.build_bronze_asset("request")],
        resources={"civiclake": CivicLakeResource(config_path=str(minimal_config_file), lake_dir=str(tmp_path))},
        instance=DagsterInstance.ephemeral(),
        tags=RANGE,
    )
    assert result.success
    (path,) = (tmp_path / "audit" / "loads" / "request").glob("*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["entity"] == "request" and document["batch_id"] == path.stem
    assert document["window"] == {"first_day": "2024-03-01", "last_day": "2024-03-02"}
    assert document["started_at"] <= document["finished_at"]
    (source,) = document["sources"]
    assert source == {
        "source": "brussels-crm",
        "commune_id": "brussels",
        "source_label": "dynamics365:crm",  # what bronze rows carry in _source
        "rows_read": 5,
        "rows_loaded": 3,
        "rows_new": 2,
        "rows_quarantined": 1,
        "rows_outside_window": 1,
        "rows_deleted": 0,
        "balanced": True,
        "skipped_reason": None,
        "quarantine_file": None,
    }
    # The gold export reads it back, with the load's real Great Expectations result.
    tables = build_quality_tables(Lake(tmp_path))
    (load,) = tables["fct_source_loads"].to_pylist()
    assert (load["source"], load["rows_read"], load["is_balanced"], load["is_latest_load"]) == (
        "brussels-crm",
        5,
        True,
        True,
    )
    results = tables["fct_quality_results"].to_pylist()
    assert results and {r["entity"] for r in results} == {"request"} and all(r["is_latest_run"] for r in results)
    assert any(r["expectation"] == "channel in vocabulary" for r in results)
