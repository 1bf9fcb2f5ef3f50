"""Case events from a case tool's event log: CSV, or XES (IEEE 1849, `.xes` or `.xes.gz`).

CSV columns are found by name. Without a mapping, the demo's columns (case_id, process, activity,
lifecycle, timestamp, agent) and pm4py's (`case:concept:name`, `concept:name`,
`lifecycle:transition`, `time:timestamp`, `org:resource`) are recognised; a mapping names others:

```yaml
mapping:
  case_id: Dossier            # the case (trace) identifier
  activity: Etape
  timestamp: Horodatage
  lifecycle: Statut           # optional: "complete" when absent
  resource: Agent             # optional: hashed into resource_key (namespace "agent")
  process: Procedure          # optional: a column, or `process_code: PROC-X` for a constant
  request_id: Demande         # optional: the case id when absent
  time_format: "%d/%m/%Y %H:%M"   # optional: ISO 8601 when absent
  timezone: Europe/Brussels   # for times written without a UTC offset
  ambiguous: earliest         # optional: the repeated autumn hour (default: reject)
  personal: [Demandeur]       # other personal columns of the log
  encoding: latin-1           # optional, with delimiter and quote
```

XES is read as a stream (`xml.etree.ElementTree.iterparse`): each trace is turned into rows when
it ends and then removed from the tree, so memory holds the rows, never the document. Trace
attributes become columns named `case:<key>` (pm4py's convention), event attributes keep their key,
so a mapping written for a pm4py CSV export works on the XES file, and `process: process` finds the
trace attribute `case:process`. Nested attributes (lists, containers) and `<global>` defaults are
not used (the defaults are placeholders, not values). An event outside any trace is rejected.

Malformed XML is an error for the whole file, naming the file, line and column: after a syntax error
nothing tells how many events the rest of the file held, so loading the traces before it would lose
the others without a count. Positions of XES events read `events.xes.gz#trace[12]/event[3]` (1-based).
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl

from connectors.generic import MappedSource, map_tables
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.tabular import (
    ALIGNED,
    FILE,
    INTERNAL_COLUMNS,
    LABEL,
    POSITION,
    PROBLEM,
    UNPARSED,
    MappingError,
    SourceFileError,
    SourceTable,
    read_table,
)

# Canonical role -> the column names tried, in order, when the mapping does not name one.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "case:concept:name"),
    "activity": ("activity", "concept:name"),
    "timestamp": ("timestamp", "time:timestamp"),
    "lifecycle": ("lifecycle", "lifecycle:transition"),
    "resource": ("resource", "agent", "org:resource"),
    "process": ("process", "case:process"),
}
ROLES = {
    "case_id": "case_id",
    "activity": "activity",
    "timestamp": "event_at",
    "lifecycle": "lifecycle",
    "process": "process_code",
    "request_id": "request_id",
}
PASSED_ON = ("time_format", "timezone", "ambiguous", "personal", "encoding", "delimiter", "quote")
MAPPING_KEYS = {*DEFAULT_COLUMNS, "request_id", "process_code", "format", *PASSED_ON}
XES_ATTRIBUTE_TAGS = {"string", "date", "int", "float", "boolean", "id"}
XES_BATCH = 50_000


def read_event_log(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
    *,
    file_format: str | None = None,
) -> ReadResult:
    """Case events from a CSV or XES event log (a file, or a folder of files of one format)."""
    mapping = dict(mapping or {})
    unknown = sorted(set(mapping) - MAPPING_KEYS)
    if unknown:
        raise MappingError(
            f"unknown event-log mapping key(s) {', '.join(unknown)}; expected some of {sorted(MAPPING_KEYS)}"
        )
    file_format = file_format or mapping.get("format") or event_log_format(location)
    if file_format not in ("csv", "xes"):
        raise MappingError(f"{location}: event logs are csv or xes, got {file_format!r}")
    files = _files(location, file_format)
    tables = []
    for path in files:
        display = path.name if path == location else str(path.relative_to(location))
        if file_format == "xes":
            tables.append(read_xes_table(path, display_name=display))
        else:
            tables.append(read_table(path, "csv", mapping, display_name=display))
    spec = event_log_spec(mapping, tables)
    return map_tables(tables, spec, commune_id, source_id, pseudonymiser, now)


def event_log_format(location: Path) -> str:
    names = [location.name] if location.is_file() else [path.name for path in location.glob("*")]
    return "xes" if any(name.endswith((".xes", ".xes.gz")) for name in names) else "csv"


def _files(location: Path, file_format: str) -> list[Path]:
    suffixes = (".xes", ".xes.gz") if file_format == "xes" else (".csv", ".csv.gz", ".tsv", ".txt")
    if location.is_file():
        return [location]
    if location.is_dir():
        files = sorted(path for path in location.rglob("*") if path.is_file() and path.name.endswith(suffixes))
        if not files:
            raise SourceFileError(f"{location}: no {file_format} event logs in this folder")
        return files
    raise SourceFileError(f"{location}: no such file or folder")


def event_log_spec(mapping: dict[str, Any], tables: list[SourceTable]) -> MappedSource:
    """The generic mapping of an event log, with its columns found in the files' columns."""
    available: list[str] = []
    for table in tables:
        available += [column for column in table.columns if column not in available]

    def resolve(role: str) -> str | None:
        if role in mapping:
            name = str(mapping[role])
            # A trace attribute of an XES log (or a pm4py export) carries the `case:` prefix.
            return name if name in available or f"case:{name}" not in available else f"case:{name}"
        return next((name for name in DEFAULT_COLUMNS.get(role, ()) if name in available), None)

    columns: dict[str, Any] = {}
    for role, canonical in ROLES.items():
        column = resolve(role)
        if column is not None:
            columns[canonical] = column
    missing = [role for role in ("case_id", "activity", "timestamp") if ROLES[role] not in columns]
    if missing:
        tried = "; ".join(f"{role}: {' or '.join(DEFAULT_COLUMNS[role])}" for role in missing)
        files = ", ".join(str(table.path) for table in tables)
        raise SourceFileError(
            f"{files}: no column for {', '.join(missing)} (tried {tried}); name them in the mapping. "
            f"The log has: {', '.join(available)}"
        )
    resource = resolve("resource")
    if resource is not None:
        columns["resource_key"] = {"agent": resource}
    generic: dict[str, Any] = {"entity": "case_event", "columns": columns, "default": {"lifecycle": "complete"}}
    if "process_code" in mapping:
        if "process_code" in columns:
            raise MappingError("process and process_code: a column or a constant, not both")
        generic["constants"] = {"process_code": mapping["process_code"]}
    generic |= {name: mapping[name] for name in PASSED_ON if name in mapping}
    return MappedSource.from_mapping(generic)


# --------------------------------------------------------------------------------------------------
# XES


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")  # noqa: SIM115 - closed by caller


TRACE_NUMBER = "__trace"  # 1-based number of the trace in the file; 0 for an event outside any trace
EVENT_NUMBER = "__event"  # 1-based number of the event in its trace (or among the orphans)


def iter_xes_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Each event of an XES log as a flat record (trace attributes as `case:<key>`), in file order,
    with its trace and event numbers under TRACE_NUMBER and EVENT_NUMBER."""
    if not path.is_file():
        raise SourceFileError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise SourceFileError(f"{path}: the file is empty (0 bytes): expected an XES log")
    depth = 0
    root: ET.Element | None = None
    traces = orphans = 0
    try:
        with _open(path) as stream:
            for action, element in ET.iterparse(stream, events=("start", "end")):
                if action == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        if _local(element.tag) != "log":
                            raise SourceFileError(
                                f"{path}: not an XES log: the root element is <{_local(element.tag)}>"
                            )
                    continue
                depth -= 1
                if depth != 1 or root is None:
                    continue  # deeper elements are read with the trace that holds them
                tag = _local(element.tag)
                if tag == "trace":
                    traces += 1
                    case = _attributes(element, "case:")
                    index = 0
                    for child in element:
                        if _local(child.tag) == "event":
                            index += 1
                            row = case | _attributes(child, "")
                            row[TRACE_NUMBER], row[EVENT_NUMBER] = traces, index
                            yield row
                elif tag == "event":
                    orphans += 1
                    row = _attributes(element, "")
                    row[TRACE_NUMBER], row[EVENT_NUMBER] = 0, orphans
                    yield row
                root.remove(element)  # the document never grows: only the current trace is in memory
    except ET.ParseError as error:
        line, column = error.position
        detail = str(error).split(": line")[0]  # expat's words, without the position repeated
        raise SourceFileError(
            f"{path}: not well-formed XML at line {line}, column {column} ({detail}): "
            "the file is not loaded (a broken log cannot tell how many events it held)"
        ) from error
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise SourceFileError(f"{path}: not a complete gzip file ({error})") from error


def _attributes(element: ET.Element, prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for child in element:
        if _local(child.tag) in XES_ATTRIBUTE_TAGS:
            key = child.get("key")
            if key is not None:
                values[prefix + key] = child.get("value") or None
    return values


def read_xes_table(path: Path, display_name: str | None = None, batch_size: int = XES_BATCH) -> SourceTable:
    """An XES log as a SourceTable, built in batches so that Python objects never pile up."""
    name = display_name or path.name
    batches: list[pl.DataFrame] = []
    pending: list[dict[str, Any]] = []
    columns: dict[str, None] = {}
    for row in iter_xes_rows(path):
        pending.append(row)
        if len(pending) >= batch_size:
            batches.append(_batch(pending, columns))
            pending = []
    if pending or not batches:
        batches.append(_batch(pending, columns))
    frame = pl.concat(batches, how="diagonal_relaxed") if len(batches) > 1 else batches[0]
    names = [column for column in columns if column not in (TRACE_NUMBER, EVENT_NUMBER)]
    orphan = pl.col(TRACE_NUMBER) == 0
    frame = frame.with_columns(
        pl.when(orphan)
        .then(pl.format("{}#event[{}]", pl.lit(name), pl.col(EVENT_NUMBER)))
        .otherwise(pl.format("{}#trace[{}]/event[{}]", pl.lit(name), pl.col(TRACE_NUMBER), pl.col(EVENT_NUMBER)))
        .alias(POSITION),
        pl.when(orphan)
        .then(pl.format("event {} outside any trace", pl.col(EVENT_NUMBER)))
        .otherwise(pl.format("trace {} event {}", pl.col(TRACE_NUMBER), pl.col(EVENT_NUMBER)))
        .alias(LABEL),
        pl.lit(name).alias(FILE),
        pl.when(orphan).then(pl.lit("event outside any trace (no case id)")).alias(PROBLEM),
        pl.lit(True).alias(ALIGNED),
        pl.lit(None, dtype=pl.String).alias(UNPARSED),
    )
    return SourceTable(path=path, columns=names, frame=frame.select([*names, *INTERNAL_COLUMNS]))


def _batch(rows: list[dict[str, Any]], columns: dict[str, None]) -> pl.DataFrame:
    seen: dict[str, None] = {TRACE_NUMBER: None, EVENT_NUMBER: None}
    for row in rows:
        seen.update(dict.fromkeys(row))
    columns.update(seen)
    schema = {column: (pl.Int64 if column in (TRACE_NUMBER, EVENT_NUMBER) else pl.String) for column in seen}
    return pl.from_dicts(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
