"""Retention (GDPR): a source's rows leave bronze once they are older than its `retention_days`.

Applied by each bronze asset before it loads (pipelines/assets/bronze.py: in `civiclake run` as in the
runs Dagster's schedule and sensor start), counting back from the run's day:

- for each source with `retention_days`, the cutoff is `today - retention_days`: its rows of the local
  days before the cutoff are deleted from bronze, whole day partitions at a time (a partition shared
  with another source keeps that source's rows);
- what was deleted (partitions, rows), when and by which rule is written to `audit/retention/<time>.json`;
- the cutoff is kept per entity and commune in `retention/frozen_before.parquet`: the incremental dbt
  facts (fct_requests, fct_appointments, fct_calls, fct_portal_logins) never delete their rows of days
  before it (dbt/macros/incremental.sql), so the monthly KPIs built on them keep their history once the
  rows they were computed from are gone. Those days are frozen: no correction reaches them any more.

The bronze loads apply the same cutoff (pipelines/bronze_load.py): rows of a source older than its
retention are not loaded again from a source file that still holds them (they count as outside the
run's window).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa

from pipelines.config import CivicConfig, Source
from pipelines.lake import Lake, atomic_write_parquet, atomic_write_text

FROZEN_SCHEMA = pa.schema([("entity", pa.string()), ("commune_id", pa.string()), ("frozen_before", pa.date32())])


def retention_cutoff(source: Source, today: date) -> date | None:
    """The first local day this source keeps, or None when it keeps everything."""
    return None if source.retention_days is None else today - timedelta(days=source.retention_days)


def frozen_path(lake: Lake) -> Path:
    return lake.root / "retention" / "frozen_before.parquet"


@dataclass
class RetentionReport:
    rules: list[dict[str, object]] = field(default_factory=list)
    deleted_rows: int = 0
    deleted_partitions: int = 0
    audit_file: Path | None = None


def apply_retention(
    config: CivicConfig, lake: Lake, today: date, entities: Collection[str] | None = None
) -> RetentionReport:
    """Delete the bronze rows older than their source's retention (of these entities, or all); see the
    module's docstring."""
    report = RetentionReport()
    frozen = _read_frozen(lake)
    rules = [
        (source, cutoff)
        for source in config.sources
        if (entities is None or source.entity in entities) and (cutoff := retention_cutoff(source, today))
    ]
    for source, cutoff in rules:
        key = (source.entity, source.commune)
        frozen[key] = max(cutoff, frozen.get(key, cutoff))
    if frozen:
        # Before any deletion: a run killed in between must not let dbt drop the facts of deleted days.
        table = pa.Table.from_pylist(
            [{"entity": e, "commune_id": c, "frozen_before": d} for (e, c), d in sorted(frozen.items())],
            schema=FROZEN_SCHEMA,
        )
        atomic_write_parquet(table, frozen_path(lake))
    for source, cutoff in rules:
        label = f"{source.kind}:{source.location}"  # what bronze rows carry in `_source` (bronze_load.py)
        deleted = []
        commune_dir = lake.bronze / source.entity / f"commune={source.commune}"
        for partition in sorted(commune_dir.glob("date=*")) if commune_dir.is_dir() else []:
            day = date.fromisoformat(partition.name.removeprefix("date="))
            if day >= cutoff:
                continue
            rows_deleted = 0
            for file in sorted(partition.glob("*.parquet")):
                rows = pl.read_parquet(file)
                kept = rows.filter(pl.col("_source") != label)
                rows_deleted += rows.height - kept.height
                if kept.is_empty():
                    file.unlink()
                elif kept.height < rows.height:
                    atomic_write_parquet(kept.to_arrow(), file)
            if not any(partition.iterdir()):
                partition.rmdir()
            if rows_deleted:
                deleted.append({"day": day.isoformat(), "rows": rows_deleted})
        rule = {
            "source": source.id,
            "entity": source.entity,
            "commune_id": source.commune,
            "retention_days": source.retention_days,
            "deleted_before": cutoff.isoformat(),
            "partitions": deleted,
            "rows_deleted": sum(int(item["rows"]) for item in deleted),
        }
        report.rules.append(rule)
        report.deleted_rows += int(rule["rows_deleted"])
        report.deleted_partitions += len(deleted)
    if report.deleted_rows:
        at = datetime.now(UTC)
        document = {"applied_at": at.isoformat(), "today": today.isoformat(), "rules": report.rules}
        report.audit_file = lake.retention_audit / f"{at:%Y%m%dT%H%M%S%fZ}.json"
        atomic_write_text(json.dumps(document, indent=2), report.audit_file)
    return report


def _read_frozen(lake: Lake) -> dict[tuple[str, str], date]:
    path = frozen_path(lake)
    if not path.exists():
        return {}
    rows = pl.read_parquet(path).to_dicts()
    return {(row["entity"], row["commune_id"]): row["frozen_before"] for row in rows}
