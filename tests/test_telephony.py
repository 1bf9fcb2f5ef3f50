"""The Asterisk readers: queue_log and cdr-csv to canonical calls, with every record loaded or rejected.

Expected rows are worked out by hand from the fixture lines (epoch 1709280000 is 2024-03-01 08:00:00
UTC; cdr-csv times are Brussels local time, +01:00 in winter and +02:00 in summer), and keyed hashes
are recomputed here with hmac, not with the connector's helper.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from connectors.pseudonymise import Pseudonymiser
from connectors.schemas import ENTITY_SCHEMAS
from connectors.telephony import CALL_OUTCOMES, TelephonyFileError, read_cdr_csv, read_queue_log

FIXTURES = Path(__file__).parent / "fixtures" / "telephony"
KEY = b"test-key-0123456789abcdef"
NOW = datetime(2025, 1, 10, tzinfo=UTC)
# Belgian numbers as the fixtures write them: 0475123456, +32477345678, 025903115...
PHONE = re.compile(r"(?:\+32|0)\d{8,9}")


def keyed(value: str, namespace: str) -> str:
    return hmac.new(KEY, f"{namespace}:{value}".encode(), hashlib.sha256).hexdigest()


def at(hour: int, minute: int, second: int = 0, day: date = date(2024, 3, 1)) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(KEY)


def _all_text(frame: pl.DataFrame) -> str:
    return "\n".join(str(value) for row in frame.iter_rows() for value in row)


# --- queue_log fixture ------------------------------------------------------------------------------

# call_id, queue, entered_at, answered_at, ended_at, outcome, wait_s, talk_s, agent
EXPECTED_CALLS = [
    # Short abandon: ENTERQUEUE 08:00:00, ABANDON waittime 3.
    ("1709280000.10", "population", at(8, 0, 0), None, at(8, 0, 3), "abandoned", 3.0, None, None),
    # Abandon after 30 s.
    ("1709280100.11", "population", at(8, 1, 40), None, at(8, 2, 10), "abandoned", 30.0, None, None),
    # Answered at exactly 20 s (CONNECT holdtime 20), 180 s of talk, the caller hung up.
    ("1709280200.12", "etat-civil", at(8, 3, 20), at(8, 3, 40), at(8, 6, 40), "answered", 20.0, 180.0, "PJSIP/1001"),
    # Time-out after 300 s.
    ("1709280500.13", "mobilite", at(8, 8, 20), None, at(8, 13, 20), "timeout", 300.0, None, None),
    # No agent left: EXITEMPTY after 10 s.
    ("1709280900.14", "urbanisme", at(8, 15, 0), None, at(8, 15, 10), "exit_empty", 10.0, None, None),
    # TRANSFER (Asterisk 11): holdtime 12, calltime 88.
    ("1709281000.15", "info", at(8, 16, 40), at(8, 16, 52), at(8, 18, 20), "transferred", 12.0, 88.0, "PJSIP/1002"),
    # PJSIP/1003 rang without answer (RINGNOANSWER), then PJSIP/1001 took the call after 45 s.
    ("1709281200.16", "population", at(8, 20), at(8, 20, 45), at(8, 25, 45), "answered", 45.0, 300.0, "PJSIP/1001"),
    # One channel, two queues: a time-out in population, then answered in etat-civil.
    ("1709281300.17", "population", at(8, 21, 40), None, at(8, 22, 40), "timeout", 60.0, None, None),
    (
        "1709281300.17#2",
        "etat-civil",
        at(8, 22, 41),
        at(8, 22, 51),
        at(8, 24, 31),
        "answered",
        10.0,
        100.0,
        "PJSIP/1004",
    ),
    # EXITWITHKEY (the caller pressed a key to leave) after 25 s: an abandon.
    ("1709281600.18", "info", at(8, 26, 40), None, at(8, 27, 5), "abandoned", 25.0, None, None),
    # BLINDTRANSFER (Asterisk 12+) to an outside number: holdtime 5, calltime 60.
    ("1709281700.19", "info", at(8, 28, 20), at(8, 28, 25), at(8, 29, 25), "transferred", 5.0, 60.0, "PJSIP/1002"),
    # ATTENDEDTRANSFER BRIDGE|id: holdtime 8, calltime 120.
    ("1709283000.27", "etat-civil", at(8, 50), at(8, 50, 8), at(8, 52, 8), "transferred", 8.0, 120.0, "PJSIP/1003"),
]

EXPECTED_QUEUE_LOG_REJECTIONS = [
    ("queue_log:1", "no ENTERQUEUE for this call in the log (it entered the queue before the log begins?)"),
    ("queue_log:38", "events out of order: CONNECT after the end of the call (COMPLETECALLER)"),
    ("queue_log:40", "unknown event WHISPER in the call"),
    ("queue_log:43", "events out of order: the time goes back at this line"),
    ("queue_log:45", "wrong number of fields: CONNECT line with 9 fields, expected 7 or 8"),
    (
        "queue_log:47",
        "wrong number of fields: 3, a queue_log line has 5 to 11 (epoch|callid|queue|agent|event|data...)",
    ),
    (
        "queue_log:49",
        "wrong number of fields: 1, a queue_log line has 5 to 11 (epoch|callid|queue|agent|event|data...)",
    ),
    ("queue_log:50", "the time (first field) is not a whole number of epoch seconds"),
    ("queue_log:51", "ABANDON without a call id or queue name"),
    ("queue_log:52", "unknown event FOOBAR (not a call event, no call id)"),
    ("queue_log:56", "no end event: Asterisk restarted (QUEUESTART at queue_log:57) while the call was queued"),
    ("queue_log:58", "call still in progress at end of log"),
]


@pytest.fixture
def queue_log_result(pseudonymiser: Pseudonymiser):
    return read_queue_log(FIXTURES / "queue_log", "brussels", "brussels-calls", pseudonymiser, now=NOW)


def test_queue_log_rows_by_hand(queue_log_result) -> None:
    rows = queue_log_result.rows
    assert rows.schema == pl.Schema(pl.from_arrow(ENTITY_SCHEMAS["call"].empty_table()).schema)
    expected = [
        {
            "commune_id": "brussels",
            "call_id": call_id,
            "queue": queue,
            "entered_at": entered,
            "answered_at": answered,
            "ended_at": ended,
            "outcome": outcome,
            "wait_s": wait,
            "talk_s": talk,
            "agent_key": keyed(agent, "agent") if agent else None,
        }
        for call_id, queue, entered, answered, ended, outcome, wait, talk, agent in EXPECTED_CALLS
    ]
    assert rows.to_dicts() == expected
    assert set(rows["outcome"]) <= set(CALL_OUTCOMES)


def test_queue_log_rejections_and_counts(queue_log_result) -> None:
    rejected = queue_log_result.rejected
    assert list(zip(rejected["position"], rejected["reason"], strict=True)) == EXPECTED_QUEUE_LOG_REJECTIONS
    assert set(rejected["source"]) == {"brussels-calls"}
    # 19 calls (12 loaded, 7 rejected) and 5 lines that belong to no call; 7 administration lines and
    # a blank line are counted apart.
    assert queue_log_result.rows_read == 24
    assert queue_log_result.balanced
    assert queue_log_result.non_call_records == 7
    assert queue_log_result.non_call_kinds == {
        "ADDMEMBER": 1,
        "AGENTLOGIN": 1,
        "CONFIGRELOAD": 1,
        "PAUSE": 1,
        "QUEUESTART": 2,
        "UNPAUSE": 1,
    }
    assert queue_log_result.blank_lines == 1
    assert queue_log_result.source_files == [str(FIXTURES / "queue_log")]


def test_queue_log_keeps_caller_ids_and_agents_out(queue_log_result, pseudonymiser: Pseudonymiser) -> None:
    text = (FIXTURES / "queue_log").read_text(encoding="utf-8")
    phones = set(PHONE.findall(text))
    assert {"0475123456", "+32477345678", "0475999888", "0477000333"} <= phones
    out = _all_text(queue_log_result.rows) + _all_text(queue_log_result.rejected)
    assert not [phone for phone in phones if phone in out]
    assert "PJSIP/" not in out and "Agent/" not in out
    # The raw copy of a rejected call names its caller by keyed hash, as a data steward may need.
    in_progress = queue_log_result.rejected.filter(pl.col("position") == "queue_log:58")["raw"][0]
    assert in_progress.splitlines()[0] == (
        f"1709290000|1709290000.30|population|NONE|ENTERQUEUE||<phone:{keyed('0478000444', 'phone')}>|1"
    )
    assert f"<agent:{keyed('PJSIP/1001', 'agent')}>" in in_progress.splitlines()[1]
    # A line that could not be parsed is masked field by field (its fields may be shifted).
    unparsed = queue_log_result.rejected.filter(pl.col("position") == "queue_log:50")["raw"][0]
    assert unparsed == "<masked>|1709282400.25|<masked>|NONE|ENTERQUEUE||<masked>|1"


def test_queue_log_crlf_bad_bytes_and_future(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(
        b"1709280000|1709280000.1|info|NONE|ENTERQUEUE||0475123456|1\r\n"
        b"1709280004|1709280000.1|info|NONE|ABANDON|1|1|4\r\n"
        b"1709280100|1709280100.2|info|NONE|ENTERQUEUE||Caf\xe9|1\r\n"  # Latin-1 byte: not UTF-8
        b"1893456000|1893456000.3|info|NONE|ENTERQUEUE||0475123456|1\r\n"  # 2030-01-01
        b"1893456010|1893456000.3|info|NONE|ABANDON|1|1|10"  # last line without a newline
    )
    result = read_queue_log(path, "brussels", "calls", pseudonymiser, now=NOW)
    assert result.rows["call_id"].to_list() == ["1709280000.1"]
    assert result.rows["wait_s"].to_list() == [4.0]
    assert list(zip(result.rejected["position"], result.rejected["reason"], strict=True)) == [
        ("queue_log:3", "not valid UTF-8 text"),
        ("queue_log:4", "entered the queue in the future (a clock error?)"),
    ]
    assert result.balanced and result.rows_read == 3


def test_queue_log_dialplan_events(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    path = tmp_path / "queue_log"
    path.write_text(
        "1709280000|1709280000.1|info|NONE|ENTERQUEUE||0475123456|1\n"
        "1709280010|1709280000.1|info|PJSIP/1001|CONNECT|10|1709280008.9|2\n"
        "1709280070|1709280000.1|info|PJSIP/1001|COMPLETECALLER|10|60|1\n"
        "1709280071|1709280000.1|info|NONE|SURVEY|4\n"  # written by the dialplan with QueueLog()
        "1709280100|1709280100.2|info|NONE|0476234567|1\n",  # a line whose event field holds a number
        encoding="utf-8",
    )
    strict = read_queue_log(path, "brussels", "calls", pseudonymiser, now=NOW)
    assert list(zip(strict.rejected["position"], strict.rejected["reason"], strict=True)) == [
        ("queue_log:4", "unknown event SURVEY in the call"),
        ("queue_log:5", "no ENTERQUEUE for this call in the log (it entered the queue before the log begins?)"),
    ]
    assert "0476234567" not in _all_text(strict.rejected)
    surveyed = read_queue_log(path, "brussels", "calls", pseudonymiser, mapping={"ignored_events": ["SURVEY"]}, now=NOW)
    assert surveyed.rows["outcome"].to_list() == ["answered"]
    assert surveyed.non_call_kinds == {"SURVEY": 1}
    assert surveyed.rows_read == 2 and surveyed.balanced


def test_queue_log_lost_end_line(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    # The first call has no end, yet the log goes on five hours (18000 s) after it: not in progress.
    path = tmp_path / "queue_log"
    path.write_text(
        "1709280000|1709280000.1|info|NONE|ENTERQUEUE||0475123456|1\n"
        "1709280010|1709280000.1|info|PJSIP/1001|CONNECT|10|1709280008.9|2\n"
        "1709298010|1709298010.2|info|NONE|ENTERQUEUE||0476234567|1\n"
        "1709298020|1709298010.2|info|NONE|ABANDON|1|1|10\n",
        encoding="utf-8",
    )
    result = read_queue_log(path, "brussels", "calls", pseudonymiser, now=NOW)
    assert result.rows["call_id"].to_list() == ["1709298010.2"]
    assert list(zip(result.rejected["position"], result.rejected["reason"], strict=True)) == [
        ("queue_log:1", "no end event, and the log goes on for over 4 hours after it (a lost line?)")
    ]


def test_queue_log_rotated_files_are_read_in_time_order(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    # logrotate left the older half of a call in queue_log.1 and the rest in queue_log.
    (tmp_path / "queue_log.1").write_text(
        "1709280000|1709280000.1|info|NONE|ENTERQUEUE||0475123456|1\n"
        "1709280015|1709280000.1|info|PJSIP/1001|CONNECT|15|1709280012.9|3\n",
        encoding="utf-8",
    )
    (tmp_path / "queue_log").write_text(
        "1709280100|1709280000.1|info|PJSIP/1001|COMPLETEAGENT|15|85|1\n", encoding="utf-8"
    )
    result = read_queue_log(tmp_path, "brussels", "calls", pseudonymiser, now=NOW)
    assert result.rows.select("call_id", "outcome", "wait_s", "talk_s", "ended_at").to_dicts() == [
        {"call_id": "1709280000.1", "outcome": "answered", "wait_s": 15.0, "talk_s": 85.0, "ended_at": at(8, 1, 40)}
    ]
    assert result.source_files == [str(tmp_path / "queue_log.1"), str(tmp_path / "queue_log")]


def test_queue_log_whole_file_errors(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    with pytest.raises(TelephonyFileError, match="no such file"):
        read_queue_log(tmp_path / "missing", "brussels", "calls", pseudonymiser)
    (tmp_path / "calls.csv").write_text("call_id,queue,entered_at\n1,info,2024-03-01\n", encoding="utf-8")
    with pytest.raises(TelephonyFileError, match="not an Asterisk queue_log"):
        read_queue_log(tmp_path / "calls.csv", "brussels", "calls", pseudonymiser)
    (tmp_path / "binary").write_bytes(b"\x00\x01\x02|x|y")
    with pytest.raises(TelephonyFileError, match="binary"):
        read_queue_log(tmp_path / "binary", "brussels", "calls", pseudonymiser)
    (tmp_path / "folder").mkdir()
    with pytest.raises(TelephonyFileError, match="no queue_log file"):
        read_queue_log(tmp_path / "folder", "brussels", "calls", pseudonymiser)
    with pytest.raises(ValueError, match="unknown mapping option"):
        read_queue_log(FIXTURES / "queue_log", "brussels", "calls", pseudonymiser, mapping={"timezon": "UTC"})
    # An empty log (a quiet rotation) is no error: no calls.
    (tmp_path / "empty").write_text("", encoding="utf-8")
    empty = read_queue_log(tmp_path / "empty", "brussels", "calls", pseudonymiser)
    assert empty.rows.height == 0 and empty.rows_read == 0 and empty.balanced


def test_demo_queue_log(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    from pipelines.demo import generate

    generate(tmp_path, date(2024, 3, 1), date(2024, 4, 30), ["brussels"], scale=0.02, seed=7, progress=False)
    path = tmp_path / "brussels" / "telephony" / "queue_log"
    lines = path.read_text(encoding="utf-8").splitlines()
    events = Counter(line.split("|")[4] for line in lines)
    result = read_queue_log(path, "brussels", "brussels-calls", pseudonymiser, now=NOW)

    assert result.rows.height == events["ENTERQUEUE"] > 500
    assert result.rejected.height == 0 and result.balanced and result.non_call_records == 0
    outcomes = Counter(result.rows["outcome"])
    assert outcomes["answered"] == events["COMPLETECALLER"] + events["COMPLETEAGENT"] == events["CONNECT"]
    assert outcomes["abandoned"] == events["ABANDON"] and outcomes["timeout"] == events["EXITWITHTIMEOUT"]
    assert abs(result.rows["answered_at"].is_not_null().mean() - 0.88) <= 0.01
    assert result.rows["call_id"].is_unique().all()
    # The generator writes holdtime = CONNECT time - ENTERQUEUE time: the row agrees with itself.
    answered = result.rows.filter(pl.col("answered_at").is_not_null())
    waited = (answered["answered_at"] - answered["entered_at"]).dt.total_seconds().cast(pl.Float64)
    assert (waited == answered["wait_s"]).all()
    phones = set(PHONE.findall(path.read_text(encoding="utf-8")))
    assert len(phones) > 100
    out = _all_text(result.rows) + _all_text(result.rejected)
    assert not [phone for phone in phones if phone in out]


# --- cdr-csv ----------------------------------------------------------------------------------------


def test_cdr_csv_rows_by_hand(pseudonymiser: Pseudonymiser) -> None:
    result = read_cdr_csv(FIXTURES / "Master.csv", "brussels", "brussels-cdr", pseudonymiser, now=NOW)
    october = date(2024, 10, 27)
    expected = [
        # Brussels is +01:00 on 5 March: 09:00:00 local is 08:00:00 UTC. wait = 325 - 300.
        ("1709625600.1", "population", at(8, 0, 0, date(2024, 3, 5)), at(8, 0, 25, date(2024, 3, 5)),
         at(8, 5, 25, date(2024, 3, 5)), "answered", 25.0, 300.0, "PJSIP/1001"),
        # NO ANSWER: an abandon; the wait is the whole duration.
        ("1709626200.3", "population", at(8, 10, 0, date(2024, 3, 5)), None, at(8, 10, 40, date(2024, 3, 5)),
         "abandoned", 40.0, None, None),
        # ANSWERED by the queue application itself (no dstchannel): never reached an agent.
        ("1709626800.5", "etat-civil", at(8, 20, 0, date(2024, 3, 5)), None, at(8, 21, 0, date(2024, 3, 5)),
         "abandoned", 60.0, None, None),
        # 02:30 on 27 October occurs twice; the uniqueid (epoch 1729992600 = 01:30 UTC) says the second.
        ("1729992600.11", "mobilite", at(1, 30, 0, october), at(1, 30, 20, october), at(1, 40, 0, october),
         "answered", 20.0, 580.0, "PJSIP/1003"),
        # No uniqueid (16 columns): start 02:50 and end 02:10 both occur twice; only 02:50 the first time
        # (00:50 UTC) and 02:10 the second time (01:10 UTC) are 1200 s apart.
        (keyed("PJSIP/trunk-0000000d|2024-10-27 02:50:00", "cdr-call"), "mobilite", at(0, 50, 0, october), None,
         at(1, 10, 0, october), "abandoned", 1200.0, None, None),
    ]  # fmt: skip
    assert result.rows.to_dicts() == [
        {
            "commune_id": "brussels",
            "call_id": call_id,
            "queue": queue,
            "entered_at": entered,
            "answered_at": answered,
            "ended_at": ended,
            "outcome": outcome,
            "wait_s": wait,
            "talk_s": talk,
            "agent_key": keyed(agent, "agent") if agent else None,
        }
        for call_id, queue, entered, answered, ended, outcome, wait, talk, agent in expected
    ]
    duplicated = "the uniqueid appears in 2 queue CDR rows (one per agent rung?): which one is the call cannot be told"
    assert list(zip(result.rejected["position"], result.rejected["reason"], strict=True)) == [
        (
            "Master.csv:5",
            "start 2024-03-31 02:30:00 does not exist in Europe/Brussels (skipped when the clocks went forward)",
        ),
        (
            "Master.csv:8",
            "start or end falls in the hour that occurs twice in Europe/Brussels (clocks going back) and neither "
            "the uniqueid nor the duration tells which: start 2024-10-27 02:10:00, end 2024-10-27 02:20:00",
        ),
        ("Master.csv:9", "wrong number of fields: 12, a cdr-csv row has 16 to 18"),
        ("Master.csv:10", duplicated),
        ("Master.csv:11", duplicated),
    ]
    # 10 queue rows (5 loaded, 5 rejected); the outgoing Dial() call and a blank line are counted apart.
    assert result.rows_read == 10 and result.balanced
    assert result.non_call_records == 1 and result.non_call_kinds == {"Dial": 1}
    assert result.blank_lines == 1


def test_cdr_csv_keeps_numbers_and_names_out(pseudonymiser: Pseudonymiser) -> None:
    result = read_cdr_csv(FIXTURES / "Master.csv", "brussels", "brussels-cdr", pseudonymiser, now=NOW)
    text = (FIXTURES / "Master.csv").read_text(encoding="utf-8")
    phones = set(PHONE.findall(text))
    assert "0475123456" in phones and "+32477345678" in phones
    out = _all_text(result.rows) + _all_text(result.rejected)
    assert not [phone for phone in phones if phone in out]
    for name in ("Dupont", "Janssens", "Maes", "Leroy", "Agent One", "PJSIP/1002", "PJSIP/trunk"):
        assert name not in out
    # The caller id `"Dupont, Jean" <0475123456>` is one quoted field with a comma inside: the row keeps
    # its 18 columns (it loaded above with the right times) and the rejected raws name src by hash.
    raw = result.rejected.filter(pl.col("position") == "Master.csv:5")["raw"][0]
    assert f'"src": "<phone:{keyed("0478456789", "phone")}>"' in raw


def test_cdr_csv_agent_key_matches_queue_log(pseudonymiser: Pseudonymiser) -> None:
    # The same agent (PJSIP/1001) gets the same key from both readers: its channel suffix is dropped.
    cdr = read_cdr_csv(FIXTURES / "Master.csv", "brussels", "cdr", pseudonymiser, now=NOW)
    log = read_queue_log(FIXTURES / "queue_log", "brussels", "calls", pseudonymiser, now=NOW)
    assert cdr.rows["agent_key"][0] == log.rows["agent_key"][2] == keyed("PJSIP/1001", "agent")


def test_cdr_csv_mapping_utc_and_filter(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    # A switch with usegmtime=yes: times are UTC, and no hour is skipped or repeated.
    path = tmp_path / "Master.csv"
    path.write_text(
        '"","0475123456","3000","queues","x <0475123456>","PJSIP/trunk-1","PJSIP/1001-2","AppQueue","x",'
        '"2024-03-31 01:30:00","2024-03-31 01:30:10","2024-03-31 01:31:10",70,60,"ANSWERED","DOCUMENTATION",'
        '"1711848600.1"\n'
        '"","0475123456","3000","other","x <0475123456>","PJSIP/trunk-1","","Queue","y",'
        '"2024-03-31 01:40:00","","2024-03-31 01:40:30",30,0,"BUSY","DOCUMENTATION","1711849200.2"\n',
        encoding="utf-8",
    )
    mapping = {"timezone": "UTC", "call_filter": {"dcontext": ["Queues"]}, "queue_from": "dst"}
    result = read_cdr_csv(path, "brussels", "cdr", pseudonymiser, mapping=mapping, now=NOW)
    assert result.rows.select("call_id", "queue", "entered_at", "answered_at", "wait_s").to_dicts() == [
        {
            "call_id": "1711848600.1",
            "queue": "3000",
            "entered_at": at(1, 30, 0, date(2024, 3, 31)),
            "answered_at": at(1, 30, 10, date(2024, 3, 31)),
            "wait_s": 10.0,
        }
    ]
    assert result.non_call_kinds == {"Queue": 1}
    with pytest.raises(ValueError, match="not a cdr-csv column"):
        read_cdr_csv(path, "brussels", "cdr", pseudonymiser, mapping={"queue_from": "queue"})
    with pytest.raises(ValueError, match="not an IANA time zone"):
        read_cdr_csv(path, "brussels", "cdr", pseudonymiser, mapping={"timezone": "Brussels"})


def test_cdr_csv_with_bom_and_crlf_reads_the_same(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    # Asterisk writes no BOM and LF line ends; a copy saved by a spreadsheet tool may add both.
    copy = tmp_path / "Master.csv"
    copy.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "Master.csv").read_bytes().replace(b"\n", b"\r\n"))
    original = read_cdr_csv(FIXTURES / "Master.csv", "brussels", "cdr", pseudonymiser, now=NOW)
    resaved = read_cdr_csv(copy, "brussels", "cdr", pseudonymiser, now=NOW)
    assert resaved.rows.equals(original.rows)
    assert resaved.rejected["position"].to_list() == original.rejected["position"].to_list()


def test_cdr_csv_whole_file_errors(tmp_path: Path, pseudonymiser: Pseudonymiser) -> None:
    with pytest.raises(TelephonyFileError, match="no such file"):
        read_cdr_csv(tmp_path / "Master.csv", "brussels", "cdr", pseudonymiser)
    (tmp_path / "queue_log").write_text("1709280000|1709280000.1|info|NONE|ENTERQUEUE||0475|1\n", encoding="utf-8")
    with pytest.raises(TelephonyFileError, match="not an Asterisk cdr-csv file"):
        read_cdr_csv(tmp_path / "queue_log", "brussels", "cdr", pseudonymiser)
