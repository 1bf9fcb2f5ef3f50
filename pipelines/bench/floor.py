"""The floor of the bronze load: DuckDB reading the same raw files and writing them as Parquet, no logic.

No mapping, typing, pseudonymisation, window or quality check: what is left is the cost of parsing the
source format and writing Parquet, the least any loader must pay. The harness times it side by side
with the bronze assets, in the same run, on the same files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.config import CivicConfig

# Source format -> the DuckDB table function that reads it as it is ('{files}' is a list of paths).
READERS = {
    "csv": "read_csv({files}, header = true)",
    "jsonl": "read_json({files}, format = 'newline_delimited')",
    # Dynamics 365 Web API pages: one JSON document per page, the records in its `value` array.
    "odata_json": "(select unnest(value, recursive := true) from read_json({files}, maximum_object_size = 1073741824))",
    # Asterisk's queue_log: '|'-separated, no header, a varying number of fields per event.
    "queue_log": "read_csv({files}, delim = '|', header = false, null_padding = true)",
}


def floor_inputs(config: CivicConfig) -> dict[str, list[dict[str, Any]]]:
    """entity -> the raw files to copy, one input per file set, for every source the bronze load reads."""
    inputs: dict[str, list[dict[str, Any]]] = {}
    for source in config.sources:
        if source.options.get("same_events_as"):
            continue  # the bronze load skips it too (the same events in another format)
        location = config.resolve(source.location)
        if source.format == "odata_json":
            # The CRM's two entity sets, each a chain of pages.
            file_sets = {
                f"{source.id}-{name}": sorted(str(path) for path in (location / name).glob("page-*.json"))
                for name in ("incidents", "contacts")
            }
        elif source.format in READERS:
            file_sets = {source.id: [str(location)]}
        else:
            raise ValueError(f"source {source.id!r}: the floor has no reader for format {source.format!r}")
        for name, files in file_sets.items():
            if files:
                inputs.setdefault(source.entity, []).append({"name": name, "format": source.format, "files": files})
    return inputs


def copy_to_parquet(inputs: list[dict[str, Any]], out_dir: Path) -> dict[str, int]:
    """Copy each input to out_dir/<name>.parquet; return the rows written per input."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with duckdb.connect() as connection:
        for item in inputs:
            files = "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in item["files"]) + "]"
            relation = READERS[item["format"]].format(files=files)
            target = (out_dir / f"{item['name']}.parquet").as_posix().replace("'", "''")
            (count,) = connection.execute(
                f"copy (select * from {relation}) to '{target}' (format parquet, compression zstd)"
            ).fetchone()
            written[item["name"]] = int(count)
    return written
