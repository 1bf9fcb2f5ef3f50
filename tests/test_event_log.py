"""Event logs (connectors/event_log.py): CSV and streamed XES, on real public logs and hand-made ones.

Expected counts of the real logs are those of ../shared/realdata/README.md.
"""

from __future__ import annotations

import gzip
import tracemalloc
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from connectors.event_log import iter_xes_rows, read_event_log, read_xes_table
from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult
from connectors.tabular import MappingError, SourceFileError

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bad_input"
KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
P = Pseudonymiser(KEY)


def read(path: Path, mapping: dict | None = None) -> ReadResult:
    result = read_event_log(path, "city", "cases", P, mapping, now=NOW)
    assert result.balanced
    return result


def events(result: ReadResult) -> Counter:
    rows = result.rows
    return Counter(zip(rows["case_id"].to_list(), rows["activity"].to_list(), rows["event_at"].to_list(), strict=True))


def reasons(result: ReadResult) -> dict[str, str]:
    return dict(zip(result.rejected["position"].to_list(), result.rejected["reason"].to_list(), strict=True))


# --------------------------------------------------------------------------------------------------
# Real logs


def test_coselog_csv_and_xes_give_the_same_8577_events_of_1434_cases() -> None:
    from_csv = read(REALDATA / "receipt_coselog_wabo.csv")
    from_xes = read(REALDATA / "receipt_coselog_wabo.xes.gz")
    for result in (from_csv, from_xes):
        assert result.rows_read == 8577 and result.rows.height == 8577 and result.rejected.height == 0
        assert result.rows["case_id"].n_unique() == 1434
        assert result.rows["activity"].n_unique() == 27
    assert events(from_csv) == events(from_xes)
    first, last = from_csv.rows["event_at"].min(), from_csv.rows["event_at"].max()
    assert first.date() >= date(2010, 10, 1) and last.date() <= date(2012, 1, 23)
    # request_id is the case id unless mapped; the resource is only ever a keyed hash.
    assert from_csv.rows["request_id"].equals(from_csv.rows["case_id"], check_names=False)
    assert not from_csv.rows["resource_key"].str.starts_with("Resource").any()


def test_coselog_trace_attributes_are_columns_and_the_intake_channel_matches_the_readme() -> None:
    table = read_xes_table(REALDATA / "receipt_coselog_wabo.xes.gz")
    assert {"case:concept:name", "case:channel", "concept:name", "time:timestamp", "org:resource"} <= set(table.columns)
    per_case = table.frame.group_by("case:concept:name").agg(pl.col("case:channel").first())
    channels = Counter(per_case["case:channel"].to_list())
    assert channels == {"Internet": 1250, "Desk": 109, "Post": 53, "e-mail": 21, "Intern": 1}


def test_road_traffic_fines_load_390_events_of_100_cases() -> None:
    result = read(REALDATA / "road_traffic_fines_100traces.csv", {"process_code": "FINES"})
    assert result.rows.height == 390 and result.rejected.height == 0
    assert result.rows["case_id"].n_unique() == 100
    assert set(result.rows["process_code"]) == {"FINES"}
    assert (result.rows["activity"] == "Payment").sum() == 58
    # Dates at local midnight with their offset: 2005-03-23 00:00+01:00 is 23:00 UTC the day before.
    first = result.rows.filter(pl.col("case_id") == "N77802").sort("event_at")["event_at"][0]
    assert first == datetime(2005, 3, 22, 23, 0, tzinfo=UTC)


# --------------------------------------------------------------------------------------------------
# Demo log: CSV and XES are the same events


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.demo import generate

    root = tmp_path_factory.mktemp("demo")
    generate(root, date(2024, 3, 1), date(2024, 3, 31), ["brussels"], scale=0.01, seed=11, progress=False)
    return root / "brussels" / "cases"


def test_demo_csv_and_xes_give_the_same_events(demo: Path) -> None:
    demo_csv_mapping = {
        "case_id": "case_id",
        "process": "process",
        "activity": "activity",
        "lifecycle": "lifecycle",
        "timestamp": "timestamp",
        "resource": "agent",
    }
    from_csv = read(demo / "events.csv", demo_csv_mapping)
    from_xes = read(demo / "events.xes.gz", {"process": "process"})
    source = pl.read_csv(demo / "events.csv", infer_schema=False)
    assert from_csv.rows_read == source.height > 0 and from_csv.rejected.height == 0
    assert from_csv.rows.sort(from_csv.rows.columns).equals(from_xes.rows.sort(from_xes.rows.columns))
    assert set(from_csv.rows["process_code"]) == set(source["process"])
    assert set(from_csv.rows["lifecycle"]) == {"start", "complete"}
    # Without a mapping the demo's column names are recognised too.
    assert read(demo / "events.csv").rows.equals(from_csv.rows)
    # Agents' logins never leave in clear, in the rows or anywhere else.
    text = from_csv.rows.write_csv() + from_xes.rows.write_csv()
    assert not any(agent in text for agent in source["agent"].unique().to_list())
    expected = P.hash(source["agent"][0], "agent")
    assert from_csv.rows["resource_key"][0] == expected


# --------------------------------------------------------------------------------------------------
# Bad input


def test_naive_local_times_in_the_dst_gap_or_fold_are_rejected_with_reasons() -> None:
    mapping = {
        "case_id": "Dossier",
        "activity": "Etape",
        "timestamp": "Horodatage",
        "resource": "Agent",
        "time_format": "%d/%m/%Y %H:%M",
        "timezone": "Europe/Brussels",
        "delimiter": ";",
    }
    result = read(FIXTURES / "events_local_times.csv", mapping)
    keys = zip(result.rows["case_id"], result.rows["activity"], strict=True)
    loaded = dict(zip(keys, result.rows["event_at"], strict=True))
    assert loaded == {
        ("D-1", "Ouvrir"): datetime(2024, 3, 29, 9, 0, tzinfo=UTC),  # CET
        ("D-2", "Clôturer"): datetime(2024, 10, 27, 2, 30, tzinfo=UTC),  # 03:30 CET, after the fold
    }
    assert reasons(result) == {
        "events_local_times.csv:3": "event_at '31/03/2024 02:30' does not exist in Europe/Brussels (DST gap)",
        "events_local_times.csv:4": "event_at '27/10/2024 02:30' is ambiguous in Europe/Brussels (it occurs twice "
        "when clocks go back; set `ambiguous: earliest` or `latest` in the mapping)",
        "events_local_times.csv:6": "event_at '01/01/2031 09:00' is in the future (after 2025-01-11T00:00:00Z)",
        "events_local_times.csv:7": "event_at '31/31/2024 09:00' is not a time in the format %d/%m/%Y %H:%M",
    }
    assert all(len(raw) and "jdupont" not in raw and "mjanssens" not in raw for raw in result.rejected["raw"])
    earliest = read(FIXTURES / "events_local_times.csv", mapping | {"ambiguous": "earliest"})
    latest = read(FIXTURES / "events_local_times.csv", mapping | {"ambiguous": "latest"})
    fold = pl.col("case_id") == "D-2"
    assert datetime(2024, 10, 27, 0, 30, tzinfo=UTC) in earliest.rows.filter(fold)["event_at"].to_list()  # CEST
    assert datetime(2024, 10, 27, 1, 30, tzinfo=UTC) in latest.rows.filter(fold)["event_at"].to_list()  # CET
    with pytest.raises(MappingError, match="has no UTC offset"):
        read(FIXTURES / "events_local_times.csv", {k: v for k, v in mapping.items() if k != "timezone"})


def test_malformed_xml_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"malformed\.xes: not well-formed XML at line 15, column \d+"):
        read(FIXTURES / "malformed.xes")
    compressed = tmp_path / "malformed.xes.gz"
    compressed.write_bytes(gzip.compress((FIXTURES / "malformed.xes").read_bytes()))
    with pytest.raises(SourceFileError, match=r"malformed\.xes\.gz: not well-formed XML at line 15"):
        read(compressed)
    cut = tmp_path / "cut.xes.gz"
    cut.write_bytes(gzip.compress((FIXTURES / "rejects.xes").read_bytes())[:-20])
    with pytest.raises(SourceFileError, match=r"cut\.xes\.gz: not a complete gzip file"):
        read(cut)
    (tmp_path / "empty.xes").write_bytes(b"")
    with pytest.raises(SourceFileError, match="0 bytes"):
        read(tmp_path / "empty.xes")


def test_bad_xes_events_are_rejected_one_by_one_with_positions() -> None:
    result = read(FIXTURES / "rejects.xes", {"process": "process"})
    assert result.rows_read == 5  # four events in case-1, one outside any trace; case-2 has none
    rows = result.rows.to_dicts()
    assert [(row["case_id"], row["activity"], row["process_code"], row["lifecycle"]) for row in rows] == [
        ("case-1", "Register", "PROC-PERMIT", "complete"),
        ("case-1", "Close", "PROC-PERMIT", "complete"),
    ]
    assert rows[0]["resource_key"] == P.hash("pvermeulen", "agent")
    assert reasons(result) == {
        "rejects.xes#trace[1]/event[2]": "event_at is missing",
        "rejects.xes#trace[1]/event[3]": "event_at 'yesterday' is not an ISO 8601 time "
        "such as 2024-03-01T09:30:00+01:00",
        "rejects.xes#event[1]": "event outside any trace (no case id)",
    }
    assert "pvermeulen" not in result.rejected.write_csv()


def test_an_event_log_without_the_needed_columns_is_a_clear_error(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("case,step,when\nA,B,2024-03-01T10:00:00+01:00\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"log\.csv: no column for case_id, activity, timestamp"):
        read(log)
    result = read(log, {"case_id": "case", "activity": "step", "timestamp": "when"})
    assert result.rows["event_at"].to_list() == [datetime(2024, 3, 1, 9, 0, tzinfo=UTC)]
    with pytest.raises(SourceFileError, match=r"missing required column\(s\) 'agent' \(for resource_key\)"):
        read(log, {"case_id": "case", "activity": "step", "timestamp": "when", "resource": "agent"})
    with pytest.raises(MappingError, match="unknown event-log mapping key"):
        read(log, {"case": "case"})


def _xes(path: Path, traces: int) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xmlns="http://www.xes-standard.org/">\n')
        for number in range(traces):
            out.write(f'<trace><string key="concept:name" value="case-{number}"/>')
            for step in range(5):
                out.write(
                    f'<event><string key="concept:name" value="step {step}"/>'
                    f'<date key="time:timestamp" value="2024-03-01T10:0{step}:00.000+01:00"/>'
                    f'<string key="org:resource" value="agent-{number % 7}"/></event>'
                )
            out.write("</trace>\n")
        out.write("</log>\n")


def test_xes_is_streamed_memory_does_not_grow_with_the_log(tmp_path: Path) -> None:
    peaks = {}
    for traces in (2_000, 20_000):
        path = tmp_path / f"log-{traces}.xes.gz"
        _xes(path, traces)
        tracemalloc.start()
        count = sum(1 for _ in iter_xes_rows(path))
        peaks[traces] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == traces * 5
    # Ten times the log, about the same peak: only the current trace is ever held.
    assert peaks[20_000] < 2 * peaks[2_000] + 256 * 1024
