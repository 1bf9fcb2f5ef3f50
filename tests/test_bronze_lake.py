"""Bronze partitions: one file per commune and local day, idempotent re-loads, corrections replace."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from connectors.result import rejections
from connectors.schemas import ENTITY_SCHEMAS
from pipelines.bronze_write import row_hashes, write_bronze
from pipelines.lake import Lake, write_quarantine

ZONES = {"brussels": "Europe/Brussels"}


def _requests(*rows: tuple[str, datetime, str]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "commune_id": ["brussels"] * len(rows),
            "request_id": [row[0] for row in rows],
            "service_code": ["POP-EID"] * len(rows),
            "channel": [row[2] for row in rows],
            "created_at": [row[1] for row in rows],
            "closed_at": [None] * len(rows),
            "status": ["open"] * len(rows),
            "citizen_key": [None] * len(rows),
            "source_system": ["dynamics365"] * len(rows),
        }
    )
    return pl.from_arrow(frame.to_arrow().cast(ENTITY_SCHEMAS["request"]))


def test_rows_land_in_the_partition_of_their_local_day(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    # 22:30 UTC on 31 March 2024 is 00:30 on 1 April in Brussels (summer time, UTC+2).
    rows = _requests(
        ("R1", datetime(2024, 3, 31, 22, 30, tzinfo=UTC), "portal"),
        ("R2", datetime(2024, 3, 31, 21, 30, tzinfo=UTC), "phone"),
    )
    write_bronze(lake, "request", rows, ZONES, "test", "batch-1")
    april = pq.read_table(lake.bronze_partition("request", "brussels", "2024-04-01")).to_pylist()
    march = pq.read_table(lake.bronze_partition("request", "brussels", "2024-03-31")).to_pylist()
    assert [row["request_id"] for row in april] == ["R1"]
    assert [row["request_id"] for row in march] == ["R2"]
    row = april[0]
    assert row["_source"] == "test" and row["_batch_id"] == "batch-1"
    assert len(row["_row_hash"]) == 64 and row["_ingested_at"] is not None


def test_loading_the_same_rows_twice_writes_nothing_and_a_correction_replaces(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    day = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    rows = _requests(("R1", day, "portal"), ("R2", day, "phone"))
    first = write_bronze(lake, "request", rows, ZONES, "test", "batch-1")
    assert (first.rows_new, first.rows_replaced, first.partitions_written) == (2, 0, 1)
    path = lake.bronze_partition("request", "brussels", "2024-05-02")
    written = path.stat().st_mtime_ns

    again = write_bronze(lake, "request", rows, ZONES, "test", "batch-2")
    assert (again.rows_new, again.rows_unchanged, again.partitions_written) == (0, 2, 0)
    assert path.stat().st_mtime_ns == written
    assert set(pq.read_table(path)["_batch_id"].to_pylist()) == {"batch-1"}

    corrected = _requests(("R2", day, "counter"), ("R3", day, "email"))
    third = write_bronze(lake, "request", corrected, ZONES, "test", "batch-3")
    assert (third.rows_new, third.rows_replaced, third.rows_unchanged) == (1, 1, 0)
    final = {row["request_id"]: row["channel"] for row in pq.read_table(path).to_pylist()}
    assert final == {"R1": "portal", "R2": "counter", "R3": "email"}
    assert not list(path.parent.glob("*.tmp"))  # nothing left beside the partition


def test_quarantine_keeps_each_rejection_once(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    rejected = rejections("crm", ["page-1#value[3]"], ["ticketnumber is missing"], ["{}"])
    first = write_quarantine(lake, "request", "crm", rejected, "batch-1")
    second = write_quarantine(lake, "request", "crm", rejected, "batch-2")
    assert first == second and first is not None
    kept = pq.read_table(first).to_pylist()
    assert kept[0]["reason"] == "ticketnumber is missing" and kept[0]["position"] == "page-1#value[3]"
    assert len(list((lake.quarantine / "request").rglob("*.parquet"))) == 1


def test_row_hash_is_the_sha256_of_the_values_joined_by_unit_separators() -> None:
    rows = pl.DataFrame({"a": ["x", None, "é"], "b": ["y", "", None]})
    expected = [
        hashlib.sha256(b"x\x1fy").hexdigest(),
        hashlib.sha256(b"\x00\x1f").hexdigest(),  # a null is \x00, apart from an empty string
        hashlib.sha256("é\x1f\x00".encode()).hexdigest(),
    ]
    assert row_hashes(rows, ["a", "b"]).to_list() == expected


def test_a_load_over_many_days_writes_each_day_once_and_a_reload_rewrites_only_what_changed(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    # Twelve days, three requests a day at 10:00 UTC (noon in Brussels: the same local day).
    plan = {f"2024-06-{day:02d}": [f"R{day}-{n}" for n in range(3)] for day in range(1, 13)}
    rows = _requests(
        *(
            (request_id, datetime.fromisoformat(f"{day}T10:00:00+00:00"), "portal")
            for day, ids in plan.items()
            for request_id in ids
        )
    )
    first = write_bronze(lake, "request", rows, ZONES, "test", "batch-1")
    assert (first.rows_new, first.partitions_written) == (36, 12)
    for day, ids in plan.items():
        assert pq.read_table(lake.bronze_partition("request", "brussels", day))["request_id"].to_pylist() == ids
    written = {day: lake.bronze_partition("request", "brussels", day).stat().st_mtime_ns for day in plan}

    # Again, with R3-1 corrected and a new request on 5 June: only 3 and 5 June are rewritten.
    changed = rows.with_columns(
        channel=pl.when(pl.col("request_id") == "R3-1").then(pl.lit("counter")).otherwise(pl.col("channel"))
    )
    changed = pl.concat([changed, _requests(("R5-9", datetime(2024, 6, 5, 11, 0, tzinfo=UTC), "email"))])
    second = write_bronze(lake, "request", changed, ZONES, "test", "batch-2")
    assert (second.rows_new, second.rows_replaced, second.rows_unchanged) == (1, 1, 35)
    assert second.partitions_written == 2
    for day in plan:
        path = lake.bronze_partition("request", "brussels", day)
        assert (path.stat().st_mtime_ns != written[day]) == (day in {"2024-06-03", "2024-06-05"}), day
    june_3 = pq.read_table(lake.bronze_partition("request", "brussels", "2024-06-03")).to_pylist()
    assert [(row["request_id"], row["channel"], row["_batch_id"]) for row in june_3] == [
        ("R3-0", "portal", "batch-1"),
        ("R3-1", "counter", "batch-2"),
        ("R3-2", "portal", "batch-1"),
    ]
    june_5 = pq.read_table(lake.bronze_partition("request", "brussels", "2024-06-05"))["request_id"].to_pylist()
    assert june_5 == ["R5-0", "R5-1", "R5-2", "R5-9"]
    assert not [path for path in tmp_path.rglob("*") if path.name.startswith(".")]  # no temporary left
