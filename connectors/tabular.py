"""Shared reading of delimited text, JSON lines and JSON files into polars, with honest bad-input handling.

Every reader returns a `SourceTable`: one row per record of the file, every source column as a string
(empty values are null), plus internal columns saying where the record was (`file:line`) and, for a
record that cannot be used as it is, why (`PROBLEM`). Connectors add their own checks and turn the
table into a `ReadResult`. The rules, the same for every connector:

- A file that cannot be read as a whole is a `SourceFileError` naming the file: missing, 0 bytes, not
  gzip when it says so, no header line, a required column missing from the header, a duplicated
  column name, malformed JSON in a `.json` file, an encoding that is not ASCII-compatible, or a
  declared single-byte encoding on a file that is really UTF-8 (the result would be mojibake).
- A file with a header and no records gives 0 rows; blank lines are not records (not counted). JSON
  lines have no header: a file of blank lines only gives 0 rows (a 0-byte file is still an error).
- Encoding: strict UTF-8 by default, a UTF-8 byte-order mark is accepted; `encoding: latin-1` (or
  cp1252, ...) in the mapping for other exports. A record holding bytes that are not valid in the
  declared encoding is rejected ("not valid utf-8 (declare `encoding: latin-1` in the mapping?)"),
  the others load.
- A record with fewer fields than the header is rejected as "truncated row: N fields, expected M"
  (the typical cut-off last line), one with more fields too; a file ending inside a quoted value
  rejects its last record. Extra columns are ignored, columns are found by name in any order.
- Exact duplicates (every column equal): the first loads, the others are rejected as
  "duplicate of row N", rows being numbered by their line in the file (the header is line 1).
- Times: ISO 8601 with a UTC offset, or naive local times in the mapping's `timezone` (an IANA
  name) with an optional `time_format` (strptime/chrono directives). A naive time in the spring-forward
  gap is rejected ("does not exist in Europe/Brussels (DST gap)"); one in the autumn hour that occurs
  twice is rejected as ambiguous unless the mapping says `ambiguous: earliest` or `latest`. A time more
  than a day after `now` is rejected as in the future.
- Vocabularies: a value outside the mapping (or the vocabulary) is rejected ("unknown channel value
  'fax'") unless the mapping gives a `default`.

The happy path is vectorised: byte scans with numpy to find records, lines and field counts, polars
to split fields and parse times. A file whose quoting polars and the scan do not read the same way
(a quote inside an unquoted value, ...) falls back to Python's `csv` module, record by record.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from connectors.pseudonymise import Pseudonymiser
from connectors.result import REJECTION_COLUMNS

# Internal columns of a SourceTable frame; the double underscore keeps them apart from source columns.
POSITION = "__position"  # "events.csv:12", what the quarantine shows
LABEL = "__label"  # "row 12", how a duplicate names its first occurrence
FILE = "__file"  # the file the record came from
PROBLEM = "__problem"  # why the record cannot be used as it is (null when it can)
ALIGNED = "__aligned"  # whether the record's fields line up with the header
UNPARSED = "__unparsed"  # the text of a record that could not be parsed at all (never kept in clear)
INTERNAL_COLUMNS = (POSITION, LABEL, FILE, PROBLEM, ALIGNED, UNPARSED)

UTF8_BOM = b"\xef\xbb\xbf"
# A time this far ahead of the clock is an error in the source, not an event.
FUTURE_TOLERANCE = timedelta(days=1)
ISO_AWARE = "%Y-%m-%dT%H:%M:%S%.f%z"
ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"
AMBIGUOUS_CHOICES = ("earliest", "latest", "reject")
_OFFSET_DIRECTIVES = ("%z", "%:z", "%::z", "%#z")


class SourceFileError(ValueError):
    """A file that cannot be read as a whole; the message names the file and what is wrong."""


class MappingError(ValueError):
    """A mapping (source configuration) that cannot work, whatever the file holds."""


@dataclass
class SourceTable:
    """The records of one file: source columns as strings, plus the internal columns above."""

    path: Path
    columns: list[str]  # source columns, in file order
    frame: pl.DataFrame

    @property
    def rows_read(self) -> int:
        return self.frame.height


# --------------------------------------------------------------------------------------------------
# Bytes and encodings


def read_bytes(path: Path) -> bytes:
    """The bytes of a file (decompressed when it ends in .gz); a missing or 0-byte file is an error."""
    if not path.is_file():
        raise SourceFileError(f"{path}: no such file")
    data = path.read_bytes()
    if not data:
        raise SourceFileError(f"{path}: the file is empty (0 bytes): expected at least a header line")
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise SourceFileError(f"{path}: not a complete gzip file ({error})") from error
        if not data:
            raise SourceFileError(f"{path}: the compressed file is empty: expected at least a header line")
    return data


def check_encoding(encoding: str) -> str:
    """The codec's canonical name; only encodings in which ASCII bytes mean ASCII are supported."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError as error:
        raise MappingError(f"encoding: unknown encoding {encoding!r} (try utf-8, latin-1 or cp1252)") from error
    probe = "\n\r,;\t\"'{}[]:"
    try:
        ascii_compatible = probe.encode(name) == probe.encode("ascii")
    except UnicodeError:
        ascii_compatible = False
    if not ascii_compatible or name.startswith("utf-16") or name.startswith("utf-32"):
        raise MappingError(f"encoding: {encoding!r} is not supported (ASCII-compatible encodings only)")
    return "utf-8" if name == "utf-8-sig" else name


def to_utf8(data: bytes, encoding: str, path: Path) -> tuple[bytes, np.ndarray]:
    """The data as UTF-8 bytes, and the (1-based) lines that held bytes invalid in `encoding`.

    Invalid bytes become U+FFFD so that the rest of the line can still be split into fields (and
    its record rejected with its position); lines keep their numbers.
    """
    codec = check_encoding(encoding)
    if data.startswith(UTF8_BOM):
        if codec != "utf-8":
            raise SourceFileError(f"{path}: starts with a UTF-8 byte-order mark but the mapping says {encoding!r}")
        data = data[len(UTF8_BOM) :]
    no_bad_lines = np.empty(0, dtype=np.int64)
    if codec == "utf-8":
        try:
            data.decode("utf-8")
            return data, no_bad_lines
        except UnicodeDecodeError:
            pass
    elif not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # a single-byte encoding would turn "é" into "Ã©" without a single error
            raise SourceFileError(f"{path}: declared {encoding!r} but the file is valid UTF-8: remove `encoding`")
    view = memoryview(data)
    pieces: list[str] = []
    bad_offsets: list[int] = []
    position = 0
    while True:  # one round per invalid sequence: the valid stretches are decoded in C
        try:
            pieces.append(str(view[position:], codec))
            break
        except UnicodeDecodeError as error:
            pieces.append(str(view[position : position + error.start], codec))
            pieces.append("\ufffd")
            bad_offsets.append(position + error.start)
            position += error.end
    text = "".join(pieces)
    if not bad_offsets:  # a clean file in a single-byte encoding
        return text.encode("utf-8"), no_bad_lines
    newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bad_lines = np.unique(np.searchsorted(newlines, np.asarray(bad_offsets, dtype=np.int64)) + 1)
    return text.encode("utf-8"), bad_lines


def encoding_reason(encoding: str) -> str:
    codec = check_encoding(encoding)
    if codec == "utf-8":
        return "not valid utf-8 (declare `encoding: latin-1` in the mapping?)"
    return f"not valid {encoding} (bytes undefined in that encoding; is `encoding` right?)"


# --------------------------------------------------------------------------------------------------
# Delimited text


@dataclass
class _Scan:
    starts: np.ndarray  # byte offset where each record starts
    lines: np.ndarray  # its first line (1-based)
    fields: np.ndarray  # its number of fields
    blank: np.ndarray  # an empty line, not a record
    open_quote: bool  # the file ends inside a quoted value
    regular: bool  # quotes only open and close fields (RFC 4180), so the scan and polars agree


def _scan(data: bytes, delimiter: int, quote: int) -> _Scan:
    """Records, their lines and field counts from byte positions, without a Python loop over rows.

    A newline or a delimiter is inside a quoted value when an odd number of quotes precede it
    (RFC 4180: a quote inside a quoted value is doubled, so pairs cancel out).
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    size = raw.size
    newlines = np.flatnonzero(raw == 10)
    quotes = np.flatnonzero(raw == quote)
    delimiters = np.flatnonzero(raw == delimiter)
    regular = True
    if quotes.size:
        before = np.where(quotes > 0, raw[np.maximum(quotes - 1, 0)], 10)
        after = np.where(quotes < size - 1, raw[np.minimum(quotes + 1, size - 1)], 10)
        opens = np.isin(before, (delimiter, 10)) | (quotes == 0)
        closes = np.isin(after, (delimiter, 10, 13)) | (quotes == size - 1)
        doubled = (before == quote) | (after == quote)
        regular = bool(np.all(opens | closes | doubled))
        terminators = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        delimiters = delimiters[np.searchsorted(quotes, delimiters) % 2 == 0]
    else:
        terminators = newlines
    starts = np.concatenate(([0], terminators + 1)).astype(np.int64)
    ends = np.concatenate((terminators, [size])).astype(np.int64)
    if starts[-1] >= size:  # the file ends with a newline: no record after it
        starts, ends = starts[:-1], ends[:-1]
    length = ends - starts
    blank = (length == 0) | ((length == 1) & (raw[np.minimum(starts, size - 1)] == 13))
    fields = np.searchsorted(delimiters, ends) - np.searchsorted(delimiters, starts) + 1
    lines = np.searchsorted(newlines, starts) + 1
    return _Scan(starts, lines, fields, blank, bool(quotes.size % 2), regular)


def _header(text: str, delimiter: str, quote: str, path: Path) -> list[str]:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise SourceFileError(f"{path}: the first line is empty: expected a header line with the column names")
    names = [cell.strip() or f"column_{index + 1}" for index, cell in enumerate(rows[0])]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SourceFileError(f"{path}: the column {name!r} appears twice in the header")
        if name in INTERNAL_COLUMNS:
            raise SourceFileError(f"{path}: the column name {name!r} is reserved")
        seen.add(name)
    return names


def read_delimited(
    path: Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    quote: str = '"',
    display_name: str | None = None,
) -> SourceTable:
    """A CSV (or semicolon- or tab-separated) file with a header line."""
    if len(delimiter) != 1 or len(quote) != 1 or not delimiter.isascii() or not quote.isascii():
        raise MappingError(f"delimiter and quote must be single ASCII characters, got {delimiter!r} and {quote!r}")
    name = display_name or path.name
    data, bad_lines = to_utf8(read_bytes(path), encoding, path)
    if bad_lines.size and bad_lines[0] == 1:  # without readable column names no record can be read
        raise SourceFileError(f"{path}: line 1, the header: {encoding_reason(encoding)}")
    scan = _scan(data, ord(delimiter), ord(quote))
    if scan.starts.size == 0 or scan.blank[0]:
        raise SourceFileError(f"{path}: the first line is empty: expected a header line with the column names")
    header_end = int(scan.starts[1]) if scan.starts.size > 1 else len(data)
    header = _header(data[:header_end].decode("utf-8"), delimiter, quote, path)

    records: pl.DataFrame | None = None
    if scan.regular:
        try:
            records = pl.read_csv(
                data,
                has_header=True,
                separator=delimiter,
                quote_char=quote,
                infer_schema=False,
                truncate_ragged_lines=True,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            records = None
        if records is not None and (records.height != scan.starts.size - 1 or records.width != len(header)):
            records = None
    if records is None:
        return _read_delimited_by_record(data, header, bad_lines, delimiter, quote, encoding, path, name)

    records.columns = header
    keep = ~scan.blank[1:]
    lines = scan.lines[1:][keep]
    fields = scan.fields[1:][keep]
    records = records.filter(pl.Series(keep))
    open_last = scan.open_quote and bool(keep.size) and bool(keep[-1])
    bad_records = _records_on_lines(scan.lines[1:][keep], bad_lines)
    return _table(path, name, header, records, lines, fields, bad_records, open_last, encoding)


def _records_on_lines(start_lines: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Which records (given their first lines, ascending) span any of `lines`."""
    marked = np.zeros(start_lines.size, dtype=bool)
    if lines.size and start_lines.size:
        index = np.searchsorted(start_lines, lines, side="right") - 1
        marked[index[index >= 0]] = True
    return marked


def _read_delimited_by_record(
    data: bytes,
    header: list[str],
    bad_lines: np.ndarray,
    delimiter: str,
    quote: str,
    encoding: str,
    path: Path,
    name: str,
) -> SourceTable:
    """The careful path, for files whose quoting is irregular: Python's csv module, record by record."""
    text = data.decode("utf-8")
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    reader = csv.reader(
        (line + "\n" for line in physical), delimiter=delimiter, quotechar=quote, strict=False
    )  # lines split on "\n" only, so that line numbers match the fast path's
    rows: list[list[str]] = []
    lines: list[int] = []
    counts: list[int] = []
    previous = 0
    for index, cells in enumerate(reader):
        first_line, previous = previous + 1, reader.line_num
        if index == 0:
            continue  # the header, already read
        if not cells:
            continue  # a blank line is not a record
        if cells[-1].endswith("\n") and reader.line_num == len(physical):
            cells[-1] = cells[-1][:-1]  # the newline this reader appended to the last line
        lines.append(first_line)
        counts.append(len(cells))
        rows.append((cells + [""] * len(header))[: len(header)])
    open_last = False
    if lines:  # does the file end inside a quoted value? Ask the strict parser about the last record.
        tail = "\n".join(physical[lines[-1] - 1 :])
        try:
            list(csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, quotechar=quote, strict=True))
        except csv.Error as error:
            open_last = "unexpected end of data" in str(error)
    columns = {column: [row[index] for row in rows] for index, column in enumerate(header)}
    records = pl.DataFrame(columns, schema={column: pl.String for column in header})
    line_array = np.asarray(lines, dtype=np.int64)
    bad_records = _records_on_lines(line_array, bad_lines)
    return _table(path, name, header, records, line_array, np.asarray(counts), bad_records, open_last, encoding)


def _table(
    path: Path,
    name: str,
    header: list[str],
    records: pl.DataFrame,
    lines: np.ndarray,
    fields: np.ndarray,
    bad_encoding: np.ndarray,
    open_last: bool,
    encoding: str,
) -> SourceTable:
    expected = len(header)
    open_quote = np.zeros(lines.size, dtype=bool)
    if open_last and lines.size:
        open_quote[-1] = True
    empty_to_null = [
        pl.when(pl.col(column).str.len_bytes() == 0).then(None).otherwise(pl.col(column)).alias(column)
        for column in header
    ]
    frame = records.with_columns(empty_to_null).with_columns(
        pl.Series("__line", lines, dtype=pl.Int64),
        pl.Series("__count", fields, dtype=pl.Int64),
        pl.Series("__open", open_quote, dtype=pl.Boolean),
        pl.Series("__bad", bad_encoding, dtype=pl.Boolean),
    )
    count = pl.col("__count")
    problem = (
        pl.when(pl.col("__open"))
        .then(pl.lit("truncated row: the file ends inside a quoted value"))
        .when(count < expected)
        .then(pl.format("truncated row: {} fields, expected {}", count, pl.lit(expected)))
        .when(count > expected)
        .then(pl.format("row has {} fields, expected {} (an unquoted delimiter in a value?)", count, pl.lit(expected)))
        .when(pl.col("__bad"))
        .then(pl.lit(encoding_reason(encoding)))
    )
    frame = frame.with_columns(
        pl.format("{}:{}", pl.lit(name), pl.col("__line")).alias(POSITION),
        pl.format("row {}", pl.col("__line")).alias(LABEL),
        pl.lit(name).alias(FILE),
        problem.alias(PROBLEM),
        (count == expected).alias(ALIGNED),
        pl.lit(None, dtype=pl.String).alias(UNPARSED),
    )
    return SourceTable(path=path, columns=header, frame=frame.select([*header, *INTERNAL_COLUMNS]))


# --------------------------------------------------------------------------------------------------
# JSON lines and JSON


def _text_of(value: Any) -> str | None:
    """A JSON value as the string a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _frame_from_objects(objects: list[dict[str, Any] | None]) -> tuple[list[str], pl.DataFrame]:
    columns: dict[str, None] = {}
    for record in objects:
        if record:
            columns.update(dict.fromkeys(record))
    names = [name for name in columns if name not in INTERNAL_COLUMNS]
    data = {name: [_text_of(record.get(name)) if record else None for record in objects] for name in names}
    return names, pl.DataFrame(data, schema={name: pl.String for name in names})


_SCALAR_TYPES = (pl.String, pl.Boolean, pl.Int64, pl.Int32, pl.Float64, pl.Null)


def read_json_lines(path: Path, *, encoding: str = "utf-8", display_name: str | None = None) -> SourceTable:
    """A JSON lines file: one JSON object per line; a malformed line is rejected with its reason."""
    name = display_name or path.name
    data, bad_lines = to_utf8(read_bytes(path), encoding, path)
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [raw.size]))
    # A line of blanks only is not a record (this also drops the empty piece after a final newline).
    # Only lines that are empty or start with a blank need a closer look.
    first = raw[np.minimum(starts, max(raw.size - 1, 0))] if raw.size else np.zeros(starts.size, dtype=np.uint8)
    blank = (ends == starts) | np.isin(first, (9, 13, 32))
    for index in np.flatnonzero(blank & (ends > starts)).tolist():
        blank[index] = not data[starts[index] : ends[index]].strip()
    record_lines = np.flatnonzero(~blank) + 1

    frame: pl.DataFrame | None = None
    names: list[str] = []
    if not bad_lines.size:
        try:
            parsed = pl.read_ndjson(data, infer_schema_length=None)
        except (pl.exceptions.PolarsError, ValueError):
            parsed = None
        if (
            parsed is not None
            and parsed.height == record_lines.size
            and all(dtype in _SCALAR_TYPES for dtype in parsed.dtypes)
        ):
            names = [column for column in parsed.columns if column not in INTERNAL_COLUMNS]
            frame = parsed.select(
                [
                    pl.when(pl.col(column).cast(pl.String).str.len_bytes() == 0)
                    .then(None)
                    .otherwise(pl.col(column).cast(pl.String))
                    .alias(column)
                    for column in names
                ]
            ).with_columns(pl.lit(None, dtype=pl.String).alias(PROBLEM), pl.lit(None, dtype=pl.String).alias(UNPARSED))
    if frame is None:  # the careful path: each line on its own, so one bad line costs one record
        text_lines = data.decode("utf-8").split("\n")
        bad = set(bad_lines.tolist())
        objects: list[dict[str, Any] | None] = []
        problems: list[str | None] = []
        unparsed: list[str | None] = []
        for line_number in record_lines.tolist():
            text = text_lines[line_number - 1]
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                objects.append(None)
                problems.append(f"not valid JSON: {error.msg} at column {error.colno}")
                unparsed.append(text)
                continue
            if not isinstance(value, dict):
                objects.append(None)
                problems.append(f"not a JSON object but a {type(value).__name__}")
                unparsed.append(text)
                continue
            objects.append(value)
            problems.append(encoding_reason(encoding) if line_number in bad else None)
            unparsed.append(None)
        names, frame = _frame_from_objects(objects)
        frame = frame.with_columns(
            pl.Series(PROBLEM, problems, dtype=pl.String), pl.Series(UNPARSED, unparsed, dtype=pl.String)
        )
    frame = frame.with_columns(pl.Series("__line", record_lines, dtype=pl.Int64)).with_columns(
        pl.format("{}:{}", pl.lit(name), pl.col("__line")).alias(POSITION),
        pl.format("row {}", pl.col("__line")).alias(LABEL),
        pl.lit(name).alias(FILE),
        pl.lit(True).alias(ALIGNED),
    )
    return SourceTable(path=path, columns=names, frame=frame.select([*names, *INTERNAL_COLUMNS]))


def read_json_array(
    path: Path, *, encoding: str = "utf-8", records_key: str | None = None, display_name: str | None = None
) -> SourceTable:
    """A JSON file holding an array of objects (or an object with one array, e.g. OData's `value`).

    Malformed JSON cannot be cut into records, so it is an error for the whole file.
    """
    name = display_name or path.name
    data, bad_lines = to_utf8(read_bytes(path), encoding, path)
    if bad_lines.size:
        raise SourceFileError(f"{path}: line {int(bad_lines[0])}: {encoding_reason(encoding)}")
    try:
        document = json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise SourceFileError(f"{path}: not valid JSON at {where}: {error.msg}") from error
    if isinstance(document, dict):
        if records_key is None:
            arrays = [key for key, value in document.items() if isinstance(value, list)]
            if len(arrays) != 1:
                raise SourceFileError(f"{path}: an object without a single array of records; name it with `records`")
            records_key = arrays[0]
        document = document.get(records_key)
    if not isinstance(document, list):
        raise SourceFileError(f"{path}: expected an array of records{f' under {records_key!r}' if records_key else ''}")
    objects = [item if isinstance(item, dict) else None for item in document]
    names, frame = _frame_from_objects(objects)
    problems = [
        None if isinstance(item, dict) else f"not a JSON object but a {type(item).__name__}" for item in document
    ]
    unparsed = [None if isinstance(item, dict) else json.dumps(item) for item in document]
    frame = frame.with_columns(pl.Series("__index", range(len(document)), dtype=pl.Int64)).with_columns(
        pl.format("{}#[{}]", pl.lit(name), pl.col("__index")).alias(POSITION),
        pl.format("record {}", pl.col("__index")).alias(LABEL),
        pl.lit(name).alias(FILE),
        pl.Series(PROBLEM, problems, dtype=pl.String),
        pl.lit(True).alias(ALIGNED),
        pl.Series(UNPARSED, unparsed, dtype=pl.String),
    )
    return SourceTable(path=path, columns=names, frame=frame.select([*names, *INTERNAL_COLUMNS]))


FORMATS = ("csv", "jsonl", "json")
_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


def format_of(path: Path) -> str | None:
    """csv, jsonl or json from a file name (a final .gz is looked through)."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _SUFFIX_FORMATS.get(suffixes[-1]) if suffixes else None


def source_files(location: Path, file_format: str) -> list[Path]:
    """The file itself, or the files of that format in a folder (sorted, so exports in pages keep order)."""
    if location.is_file():
        return [location]
    if location.is_dir():
        files = sorted(path for path in location.rglob("*") if path.is_file() and format_of(path) == file_format)
        if not files:
            raise SourceFileError(f"{location}: no {file_format} files in this folder")
        return files
    raise SourceFileError(f"{location}: no such file or folder")


def read_table(path: Path, file_format: str, options: dict[str, Any], display_name: str | None = None) -> SourceTable:
    """One file in any of FORMATS, with the reading options of a mapping (encoding, delimiter, ...)."""
    encoding = str(options.get("encoding") or "utf-8")
    if file_format == "csv":
        delimiter = options.get("delimiter") or ("\t" if path.suffix.lower() == ".tsv" else ",")
        return read_delimited(
            path,
            encoding=encoding,
            delimiter=str(delimiter),
            quote=str(options.get("quote") or '"'),
            display_name=display_name,
        )
    if file_format == "jsonl":
        return read_json_lines(path, encoding=encoding, display_name=display_name)
    if file_format == "json":
        return read_json_array(path, encoding=encoding, records_key=options.get("records"), display_name=display_name)
    raise MappingError(f"format: expected one of {', '.join(FORMATS)}, got {file_format!r}")


def concat_tables(tables: Sequence[SourceTable]) -> pl.DataFrame:
    """The records of several files in one frame (columns missing from a file are null)."""
    if len(tables) == 1:
        return tables[0].frame
    return pl.concat([table.frame for table in tables], how="diagonal_relaxed")


def require_columns(table: SourceTable, needed: dict[str, str]) -> None:
    """`needed` maps a source column to what it is for; a missing one is an error naming the file."""
    missing = [column for column in needed if column not in table.columns]
    if missing:
        wanted = ", ".join(f"{column!r} (for {needed[column]})" for column in missing)
        raise SourceFileError(
            f"{table.path}: missing required column(s) {wanted}; the file has: {', '.join(map(repr, table.columns))}"
        )


# --------------------------------------------------------------------------------------------------
# Row checks: duplicates, times, vocabularies, numbers


def mark_duplicates(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Exact duplicates over `columns`: the first usable record stays, the others get a PROBLEM."""
    if not columns or frame.height < 2 or not frame.select(columns).is_duplicated().any():
        return frame
    frame = frame.with_row_index("__ordinal")
    first = frame.select(pl.col("__ordinal").min().over([*columns, pl.col(PROBLEM).is_null()]))["__ordinal"]
    frame = frame.with_columns(
        frame[LABEL].gather(first).alias("__first_label"),
        frame[FILE].gather(first).alias("__first_file"),
        first.alias("__first"),
    )
    duplicate = (pl.col("__first") != pl.col("__ordinal")) & pl.col(PROBLEM).is_null()
    reason = (
        pl.when(pl.col("__first_file") == pl.col(FILE))
        .then(pl.format("duplicate of {}", pl.col("__first_label")))
        .otherwise(pl.format("duplicate of {} in {}", pl.col("__first_label"), pl.col("__first_file")))
    )
    return frame.with_columns(pl.when(duplicate).then(reason).otherwise(pl.col(PROBLEM)).alias(PROBLEM)).drop(
        "__ordinal", "__first_label", "__first_file", "__first"
    )


@dataclass(frozen=True)
class TimeSpec:
    """How a source writes times: `time_format` (None: ISO 8601), `timezone` for naive ones, and what
    to do with a naive time that occurs twice when clocks go back (`ambiguous`)."""

    time_format: str | None = None
    timezone: str | None = None
    ambiguous: str = "reject"

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any]) -> TimeSpec:
        time_format = mapping.get("time_format")
        timezone = mapping.get("timezone")
        ambiguous = str(mapping.get("ambiguous") or "reject")
        if ambiguous not in AMBIGUOUS_CHOICES:
            raise MappingError(f"ambiguous: expected one of {', '.join(AMBIGUOUS_CHOICES)}, got {ambiguous!r}")
        if timezone is not None:
            try:
                ZoneInfo(str(timezone))
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise MappingError(
                    f"timezone: expected an IANA time zone such as Europe/Brussels, got {timezone!r}"
                ) from error
        if time_format is not None:
            time_format = str(time_format)
            if not _has_offset(time_format) and timezone is None:
                raise MappingError(
                    f"time_format {time_format!r} has no UTC offset (%z): declare the `timezone` its times are in"
                )
        return cls(time_format, None if timezone is None else str(timezone), ambiguous)


def _has_offset(time_format: str) -> bool:
    return any(directive in time_format for directive in _OFFSET_DIRECTIVES)


def _blank_to_null(values: pl.Series) -> pl.Series:
    text = values.cast(pl.String).str.strip_chars()
    return text.set(text.str.len_bytes() == 0, None) if text.len() else text


def parse_times(
    values: pl.Series,
    spec: TimeSpec,
    *,
    label: str,
    required: bool,
    latest: datetime | None,
) -> tuple[pl.Series, pl.Series]:
    """UTC times and, for each value that is not a usable time, the reason (null where it is)."""
    text = _blank_to_null(values)
    utc = pl.Datetime("us", "UTC")
    if spec.time_format is None:
        iso = text
        if iso.str.contains(" ", literal=True).any():
            iso = iso.str.replace(" ", "T", literal=True)  # the first blank only: date and time
        if iso.str.contains("[Zz]$").any():
            iso = iso.str.replace("[Zz]$", "+00:00")
        aware = iso.str.to_datetime(ISO_AWARE, time_unit="us", time_zone="UTC", strict=False)
        naive_needed = bool((aware.is_null() & iso.is_not_null()).any())
        naive = iso.str.to_datetime(ISO_NAIVE, time_unit="us", strict=False) if naive_needed else None
        expected = "an ISO 8601 time such as 2024-03-01T09:30:00+01:00"
    elif _has_offset(spec.time_format):
        aware = text.str.to_datetime(spec.time_format, time_unit="us", time_zone="UTC", strict=False)
        naive = None
        expected = f"a time in the format {spec.time_format}"
    else:
        aware = pl.Series(values.name, [None] * text.len(), dtype=utc)
        naive = text.str.to_datetime(spec.time_format, time_unit="us", strict=False)
        expected = f"a time in the format {spec.time_format}"

    frame = pl.DataFrame({"text": text, "aware": aware.cast(utc)})
    if naive is None:
        frame = frame.with_columns(naive=pl.lit(None, dtype=pl.Datetime("us")))
    else:
        frame = frame.with_columns(naive=naive.set(aware.is_not_null(), None))
    zone = spec.timezone
    if zone is not None and frame["naive"].is_not_null().any():
        earliest = pl.col("naive").dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        choice = "null" if spec.ambiguous == "reject" else spec.ambiguous
        chosen = pl.col("naive").dt.replace_time_zone(zone, ambiguous=choice, non_existent="null")
        frame = frame.with_columns(earliest=earliest, chosen=chosen).with_columns(
            local=pl.col("chosen").dt.convert_time_zone("UTC")
        )
    else:
        frame = frame.with_columns(
            earliest=pl.lit(None, dtype=utc), chosen=pl.lit(None, dtype=utc), local=pl.lit(None, dtype=utc)
        )
    frame = frame.with_columns(value=pl.coalesce("aware", "local"))
    quoted = pl.format("{} '{}'", pl.lit(label), pl.col("text"))
    reason = (
        pl.when(pl.col("text").is_null())
        .then(pl.lit(f"{label} is missing") if required else pl.lit(None, dtype=pl.String))
        .when(pl.col("aware").is_null() & pl.col("naive").is_null())
        .then(pl.format("{} is not {}", quoted, pl.lit(expected)))
        .when(pl.col("naive").is_not_null() & pl.lit(zone is None))
        .then(pl.format("{} has no UTC offset: declare `timezone` (an IANA name) in the mapping", quoted))
        .when(pl.col("naive").is_not_null() & pl.col("earliest").is_null())
        .then(pl.format("{} does not exist in {} (DST gap)", quoted, pl.lit(zone)))
        .when(pl.col("naive").is_not_null() & pl.col("chosen").is_null())
        .then(
            pl.format(
                "{} is ambiguous in {} (it occurs twice when clocks go back; "
                "set `ambiguous: earliest` or `latest` in the mapping)",
                quoted,
                pl.lit(zone),
            )
        )
    )
    if latest is not None:
        reason = reason.when(pl.col("value") > latest).then(
            pl.format("{} is in the future (after {})", quoted, pl.lit(latest.strftime("%Y-%m-%dT%H:%M:%SZ")))
        )
    frame = frame.with_columns(reason=reason)
    value = frame.select(pl.when(pl.col("reason").is_null()).then(pl.col("value")))
    return value.to_series().alias(values.name), frame["reason"].alias(values.name)


def latest_allowed(now: datetime | None) -> datetime:
    """The latest acceptable time of an event: now (or the given clock) plus a day of tolerance."""
    clock = now or datetime.now(UTC)
    if clock.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return clock.astimezone(UTC) + FUTURE_TOLERANCE


def parse_dates(values: pl.Series, date_format: str, *, label: str, required: bool) -> tuple[pl.Series, pl.Series]:
    text = _blank_to_null(values)
    dates = text.str.to_date(date_format, strict=False)
    frame = pl.DataFrame({"text": text, "value": dates})
    reason = (
        pl.when(pl.col("text").is_null())
        .then(pl.lit(f"{label} is missing") if required else pl.lit(None, dtype=pl.String))
        .when(pl.col("value").is_null())
        .then(pl.format("{} '{}' is not a date in the format {}", pl.lit(label), pl.col("text"), pl.lit(date_format)))
    )
    return dates, frame.select(reason).to_series()


def parse_integers(values: pl.Series, *, label: str, required: bool) -> tuple[pl.Series, pl.Series]:
    text = _blank_to_null(values)
    number = text.cast(pl.Float64, strict=False)
    whole = (number == number.round(0)) & (number.abs() < 2**31)
    frame = pl.DataFrame({"text": text, "number": number, "whole": whole})
    reason = (
        pl.when(pl.col("text").is_null())
        .then(pl.lit(f"{label} is missing") if required else pl.lit(None, dtype=pl.String))
        .when(pl.col("number").is_null() | ~pl.col("whole"))
        .then(pl.format("{} '{}' is not a whole number", pl.lit(label), pl.col("text")))
    )
    value = frame.select(pl.when(pl.col("whole")).then(pl.col("number")).cast(pl.Int64)).to_series()
    return value, frame.select(reason).to_series()


def parse_floats(values: pl.Series, *, label: str, required: bool) -> tuple[pl.Series, pl.Series]:
    text = _blank_to_null(values)
    number = text.cast(pl.Float64, strict=False)
    frame = pl.DataFrame({"text": text, "number": number})
    reason = (
        pl.when(pl.col("text").is_null())
        .then(pl.lit(f"{label} is missing") if required else pl.lit(None, dtype=pl.String))
        .when(pl.col("number").is_null())
        .then(pl.format("{} '{}' is not a number", pl.lit(label), pl.col("text")))
    )
    return number, frame.select(reason).to_series()


TRUE_VALUES = ("true", "t", "yes", "y", "1", "ok", "success")
FALSE_VALUES = ("false", "f", "no", "n", "0", "ko", "failure", "failed")


def parse_booleans(values: pl.Series, *, label: str, required: bool) -> tuple[pl.Series, pl.Series]:
    text = _blank_to_null(values)
    lowered = text.str.to_lowercase()
    truth = pl.Series([True] * len(TRUE_VALUES) + [False] * len(FALSE_VALUES))
    value = lowered.replace_strict([*TRUE_VALUES, *FALSE_VALUES], truth, default=None, return_dtype=pl.Boolean)
    frame = pl.DataFrame({"text": text, "value": value})
    reason = (
        pl.when(pl.col("text").is_null())
        .then(pl.lit(f"{label} is missing") if required else pl.lit(None, dtype=pl.String))
        .when(pl.col("value").is_null())
        .then(pl.format("{} '{}' is not true or false", pl.lit(label), pl.col("text")))
    )
    return value, frame.select(reason).to_series()


def map_values(
    values: pl.Series,
    table: dict[str, str | None],
    *,
    label: str,
    default: str | None = None,
    required: bool,
) -> tuple[pl.Series, pl.Series]:
    """Source values to canonical ones through `table`; an unknown value is rejected unless a default.

    An empty source value takes `table[""]` when the mapping has one, else the default.
    """
    text = _blank_to_null(values)
    known = text.is_in(list(table)).fill_null(False)
    mapped = text.replace_strict(table, default=None, return_dtype=pl.String)
    empty_value = table.get("", default)
    frame = pl.DataFrame({"text": text, "known": known, "mapped": mapped}).with_columns(
        value=pl.when(pl.col("text").is_null())
        .then(pl.lit(empty_value, dtype=pl.String))
        .when(pl.col("known"))
        .then(pl.col("mapped"))
        .otherwise(pl.lit(default, dtype=pl.String))
    )
    reason = (
        pl.when(pl.col("text").is_not_null() & ~pl.col("known") & pl.lit(default is None))
        .then(pl.format("unknown {} value '{}'", pl.lit(label), pl.col("text")))
        .when(pl.col("value").is_null() & pl.lit(required))
        .then(pl.lit(f"{label} is missing"))
    )
    return frame["value"], frame.select(reason).to_series()


def first_reason(problems: Iterable[pl.Series | None], height: int) -> pl.Series:
    """The first non-null reason of each row, in the order the checks are given."""
    series = [problem.alias(f"r{index}") for index, problem in enumerate(problems) if problem is not None]
    if not series:
        return pl.Series("reason", [None] * height, dtype=pl.String)
    return pl.DataFrame(series).select(pl.coalesce(pl.all()).alias("reason")).to_series()


# --------------------------------------------------------------------------------------------------
# Pseudonymisation and the quarantine


def hash_values(values: pl.Series, transform: Callable[[str], str | None]) -> pl.Series:
    """`transform` (a keyed hash) applied once per distinct value, then spread over the column."""
    distinct = values.drop_nulls().unique().to_list()
    table = {value: transform(value) for value in distinct}
    return values.replace_strict(table, default=None, return_dtype=pl.String) if table else values.cast(pl.String)


def raw_records(
    frame: pl.DataFrame,
    file_columns: Sequence[str],
    read_columns: Iterable[str],
    personal: Iterable[str],
    pseudonymiser: Pseudonymiser,
) -> pl.Series:
    """The quarantine's `raw` of each record: JSON of the columns the connector reads, personal ones
    as keyed hashes; the columns it does not read (free text, addresses...) are left out.

    In a record whose fields do not line up with the header, a value may sit under the wrong name,
    so every field from the first personal or unread column on is hashed too; a record that could not
    be parsed at all is kept only as the hash of its text.
    """
    read = [column for column in file_columns if column in set(read_columns)]
    personal = set(personal)
    cutoff = next(
        (index for index, column in enumerate(file_columns) if column in personal or column not in read),
        len(file_columns),
    )
    safe_when_misaligned = set(file_columns[:cutoff])

    def hashed(column: str) -> pl.Series:
        values = hash_values(frame[column], lambda value: pseudonymiser.hash(value, f"quarantine:{column}"))
        return values.alias(f"__hashed:{column}")

    extra: list[pl.Series] = []
    fields: list[pl.Expr] = []
    for column in read:
        if column in safe_when_misaligned and column not in personal:
            fields.append(pl.col(column))
            continue
        extra.append(hashed(column))
        if column in personal:
            fields.append(pl.col(f"__hashed:{column}").alias(column))
        else:
            fields.append(
                pl.when(pl.col(ALIGNED)).then(pl.col(column)).otherwise(pl.col(f"__hashed:{column}")).alias(column)
            )
    extra.append(
        hash_values(frame[UNPARSED], lambda text: pseudonymiser.hash(text, "quarantine:unparsed")).alias("__unparsed")
    )
    raw = frame.with_columns(extra).select(
        pl.when(pl.col(UNPARSED).is_not_null())
        .then(pl.concat_str([pl.lit('{"unparsed_record_hash":"'), pl.col("__unparsed"), pl.lit('"}')]))
        .otherwise(pl.struct(fields).struct.json_encode() if fields else pl.lit("{}"))
        .alias("raw")
    )
    return raw.to_series()


def rejection_frame(source_id: str, rejected: pl.DataFrame, raw: pl.Series) -> pl.DataFrame:
    """The rejected records in the shape of `connectors.result.rejections`."""
    return pl.DataFrame(
        {
            "source": [source_id] * rejected.height,
            "position": rejected[POSITION],
            "reason": rejected["__reason"],
            "raw": raw,
        },
        schema=REJECTION_COLUMNS,
    )
