"""Asterisk contact centre: one canonical `call` row per queue call, from the queue_log or from cdr-csv.

Two readers, same signature and same output (ENTITY_SCHEMAS["call"]):

- `read_queue_log`: the `queue_log` that app_queue appends (`epoch|callid|queue|agent|event|data...`),
  the source to prefer: it sees every event of a queued call (entry, each ring, connection, end).
- `read_cdr_csv`: cdr-csv `Master.csv`, for a switch that keeps only call detail records. A CDR
  knows when a call started, was answered and ended, not what happened inside the queue, so it can
  only tell `answered` from `abandoned`.

Outcomes (closed vocabulary, `CALL_OUTCOMES`; pipelines/quality.py checks the same five):

| outcome     | queue_log end event                      | meaning                                             |
|-------------|------------------------------------------|-----------------------------------------------------|
| answered    | COMPLETECALLER, COMPLETEAGENT            | connected to an agent, ended by caller or agent     |
| transferred | TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER | connected to an agent, who transferred it           |
| abandoned   | ABANDON, EXITWITHKEY                     | the caller left before an agent answered            |
| timeout     | EXITWITHTIMEOUT                          | the queue's time-out sent the caller out            |
| exit_empty  | EXITEMPTY                                | the queue had no agent left and let the caller go   |

A call was answered (`calls_answered` of KPIS.md) when `answered_at` is set: outcomes answered and
transferred. `wait_s` is the queue wait: the holdtime of CONNECT for a connected call, the waittime of
the end event otherwise. `talk_s` is the calltime of the end event of a connected call, null for the
others (no talk, rather than a talk of zero seconds). `agent_key` is the keyed hash (namespace
"agent") of the agent field of CONNECT, as Asterisk wrote it (the member name, often the interface
such as `PJSIP/1043`); the caller id of ENTERQUEUE is never read into a row.

Each reader returns a `TelephonyReadResult`: a ReadResult whose `rows_read` counts queue calls (plus
lines or CDR rows that cannot be tied to one), so that rows_read == len(rows) + len(rejected), and
which counts apart, in `non_call_records` and `non_call_kinds`, what is not a queue call: queue_log
lines such as QUEUESTART, ADDMEMBER, PAUSE (agent and queue administration), and CDR rows of calls
that never went to a queue (internal or outgoing calls). Blank lines are counted in `blank_lines`.

Rejected records keep a raw copy in which personal data is replaced: caller ids and agents by their
keyed hash (`<phone:…>`, `<agent:…>`), any other field that could hold a number or a name by
`<masked>`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from connectors.pseudonymise import Pseudonymiser
from connectors.result import ReadResult, rejections
from connectors.schemas import ENTITY_SCHEMAS

CALL_OUTCOMES = ("answered", "transferred", "abandoned", "timeout", "exit_empty")

# The event that ends a queue call, and the outcome it gives. EXITWITHKEY (the caller pressed a key
# to leave, e.g. for a call-back) is the caller's choice to leave before an answer: an abandon.
END_EVENTS: dict[str, str] = {
    "COMPLETECALLER": "answered",
    "COMPLETEAGENT": "answered",
    "TRANSFER": "transferred",  # Asterisk up to 11
    "BLINDTRANSFER": "transferred",  # Asterisk 12 and later
    "ATTENDEDTRANSFER": "transferred",
    "ABANDON": "abandoned",
    "EXITWITHKEY": "abandoned",
    "EXITWITHTIMEOUT": "timeout",
    "EXITEMPTY": "exit_empty",
}
CONNECTED_END_EVENTS = frozenset(e for e, outcome in END_EVENTS.items() if outcome in ("answered", "transferred"))
TRANSFER_EVENTS = frozenset(e for e, outcome in END_EVENTS.items() if outcome == "transferred")

# Field counts of each call event (epoch|callid|queue|agent|event, then its data), from app_queue's
# format strings. Where two counts are listed, the smaller is an older Asterisk: ENTERQUEUE without the
# position and CONNECT without the ring time (before 1.6), TRANSFER without origposition (1.2);
# ATTENDEDTRANSFER writes 2 or 3 fields describing the transfer (BRIDGE|id, APP|name or LINK|a|b).
CALL_EVENT_FIELDS: dict[str, tuple[int, ...]] = {
    "ENTERQUEUE": (7, 8),  # url|callerid[|position]
    "CONNECT": (7, 8),  # holdtime|bridged uniqueid[|ringtime]
    "COMPLETECALLER": (8,),  # holdtime|calltime|origposition
    "COMPLETEAGENT": (8,),
    "ABANDON": (8,),  # position|origposition|waittime
    "EXITWITHTIMEOUT": (8,),
    "EXITEMPTY": (8,),
    "EXITWITHKEY": (9,),  # key|position|origposition|waittime
    "TRANSFER": (9, 10),  # extension|context|holdtime|calltime[|origposition]
    "BLINDTRANSFER": (10,),
    "ATTENDEDTRANSFER": (10, 11),  # method|data[|data]|holdtime|calltime|origposition
    # Events during the wait that leave the call in the queue: an agent's phone rang unanswered
    # (ring time in ms), stopped ringing because another agent answered, could not take the call, or
    # hung up during the announcement. They change nothing in the call's row.
    "RINGNOANSWER": (6,),
    "RINGCANCELED": (6,),
    "SYSCOMPAT": (6,),
    "AGENTDUMP": (6,),
}
# Lines that are not about a queued call: queue and agent administration, and annotations some
# dialplans write (DID, INFO). FULL, JOINEMPTY and JOINUNAVAIL (written by some distributions) are
# callers refused at the door: they never entered a queue, so they are not calls offered either.
NON_CALL_EVENTS = frozenset(
    {
        "QUEUESTART",
        "CONFIGRELOAD",
        "AGENTLOGIN",
        "AGENTLOGOFF",
        "AGENTCALLBACKLOGIN",
        "AGENTCALLBACKLOGOFF",
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "PENALTY",
        "DID",
        "INFO",
        "FULL",
        "JOINEMPTY",
        "JOINUNAVAIL",
    }
)
KNOWN_EVENTS = frozenset(CALL_EVENT_FIELDS) | NON_CALL_EVENTS
MIN_FIELDS, MAX_FIELDS = 5, 11
# A time this far ahead of the clock is an error in the source, not a call.
FUTURE_TOLERANCE = timedelta(days=1)
# A call without an end event whose last event is this close to the end of the log may still be
# going on (a queue wait plus a long talk); further back, its end line was lost.
OPEN_CALL_HORIZON = timedelta(hours=4)
_HORIZON_TEXT = f"{OPEN_CALL_HORIZON.total_seconds() / 3600:g} hours"

# Data fields kept as they are in the raw copy of a rejected call: small counts and durations, and
# uniqueids (epoch.sequence). Everything else (caller ids, transfer targets, URLs) is masked.
_SAFE_DATA = re.compile(r"^(\d{1,6}|[12]\d{9}\.\d+|)$")
_SAFE_UNTRUSTED = re.compile(r"^(\d{1,6}|[12]\d{9}|[12]\d{9}\.\d+|NONE|)$")
_EVENT_NAME = re.compile(r"^[A-Z]{3,24}$")
_EPOCH = re.compile(r"^[12]\d{9}$")
_UNIQUEID = re.compile(r"^([\w.-]*-)?[12]\d{9}\.\d+$")  # epoch.sequence, maybe after `systemname-`
_LONG_DIGITS = re.compile(r"\d{7}")


class TelephonyFileError(ValueError):
    """A file that cannot be read as a whole (missing, binary, not a queue_log or cdr-csv at all)."""


@dataclass
class TelephonyReadResult(ReadResult):
    """A ReadResult plus what the source held that is not a queue call, counted apart by kind.

    `non_call_records` and `non_call_kinds` (queue_log: by event, cdr-csv: by `lastapp`) are not in
    `rows_read`: they are not calls, so neither loaded nor rejected.
    """

    non_call_records: int = 0
    non_call_kinds: dict[str, int] = field(default_factory=dict)
    blank_lines: int = 0


# --- queue_log -----------------------------------------------------------------------------------


def read_queue_log(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> TelephonyReadResult:
    """Queue calls from an Asterisk queue_log file, or from a folder of rotated ones (`queue_log*`).

    The lines of a call are grouped by (uniqueid, queue); a new ENTERQUEUE after an end event starts a
    new call (a caller sent on to another queue, or back into the same one). The first call of a
    uniqueid has call_id = uniqueid, later ones `uniqueid#2`, `uniqueid#3`... so that the primary key
    stays unique. A call with no end event is rejected rather than loaded half-known: "call still in
    progress at end of log" when the log ends less than OPEN_CALL_HORIZON after its last event (the
    next read of the growing log loads it once it has ended), "no end event: Asterisk restarted" when
    a QUEUESTART follows it, and "no end event ... (a lost line?)" otherwise.

    `mapping` accepts `timezone` for symmetry with cdr-csv, and ignores it: queue_log times are epoch
    seconds, the same instant in every zone. `ignored_events` lists event names that the dialplan
    writes itself with QueueLog() and that are not queue events (a post-call survey, say): they are
    counted with the non-call lines instead of making their call "unknown event".
    """
    _check_mapping(mapping, {"timezone", "ignored_events"})
    ignored = {str(name).upper() for name in (mapping or {}).get("ignored_events") or []}
    latest_epoch = int(((now or datetime.now(UTC)) + FUTURE_TOLERANCE).timestamp())
    frame, files = _read_queue_log_lines(location)

    fields = pl.col("line").str.splitn("|", MAX_FIELDS).struct.rename_fields([f"f{i}" for i in range(MAX_FIELDS)])
    frame = frame.with_columns(
        n_fields=pl.col("line").str.count_matches("|", literal=True) + 1,
        blank=pl.col("line").str.strip_chars() == "",
        undecodable=pl.col("line").str.contains("\ufffd", literal=True),
        parts=fields,
    ).unnest("parts")
    frame = frame.with_columns(epoch=pl.col("f0").str.to_integer(strict=False), event=pl.col("f4"))
    frame = frame.with_columns(kind=_line_kind(NON_CALL_EVENTS | ignored))
    frame = frame.with_columns(fault=_line_fault())

    call_lines = frame.filter(pl.col("kind") == "call").select(
        "idx",
        "epoch",
        "n_fields",
        "fault",
        # Event names reach reasons: a field that is not one (a shifted line) is not echoed.
        event=pl.when(pl.col("event").str.contains(_EVENT_NAME.pattern))
        .then(pl.col("event"))
        .otherwise(pl.lit("(not an event name)")),
        callid=pl.col("f1"),
        queue=pl.col("f2"),
        agent=pl.col("f3"),
        **{f"f{i}": pl.col(f"f{i}") for i in range(5, MAX_FIELDS)},
    )
    # What is left of the line frame serves positions, raw copies and the other lines' counts.
    frame = frame.select("idx", "file", "line_no", "line", "kind", "event", "fault", "blank")
    call_lines = _number_attempts(call_lines)
    calls = _calls(call_lines)
    calls = calls.with_columns(_call_verdict(latest_epoch).alias("verdict")).unnest("verdict")

    other = frame.filter(pl.col("kind") == "other")
    bad_lines = frame.filter(pl.col("kind") == "bad")
    rejected = _queue_log_rejections(
        calls.filter(pl.col("reason").is_not_null()), call_lines, bad_lines, frame, pseudonymiser
    )

    loaded = calls.filter(pl.col("reason").is_null()).sort("first_idx")
    agents = loaded["agent"].drop_nulls().unique().to_list()
    agent_keys = {agent: pseudonymiser.hash(agent, "agent") for agent in agents if agent != "NONE"}
    rows = loaded.select(
        commune_id=pl.lit(commune_id),
        call_id=pl.when(pl.col("ordinal") > 1)
        .then(pl.col("callid") + "#" + pl.col("ordinal").cast(pl.String))
        .otherwise(pl.col("callid")),
        queue=pl.col("queue"),
        entered_at=_utc_from_epoch("entered"),
        answered_at=_utc_from_epoch("connected"),
        ended_at=_utc_from_epoch("ended"),
        outcome=pl.col("outcome"),
        wait_s=pl.col("wait").cast(pl.Float64),
        talk_s=pl.col("talk").cast(pl.Float64),
        agent_key=pl.col("agent").replace_strict(agent_keys, default=None, return_dtype=pl.String),
    )
    kinds = other.group_by("event").len().sort("event")
    return TelephonyReadResult(
        entity="call",
        rows=_canonical(rows),
        rejected=rejections(source_id, *rejected),
        rows_read=calls.height + bad_lines.height,
        source_files=[str(path) for path in files],
        non_call_records=other.height,
        non_call_kinds=dict(zip(kinds["event"].to_list(), kinds["len"].to_list(), strict=True)),
        blank_lines=int(frame["blank"].sum()),
    )


def _read_queue_log_lines(location: Path) -> tuple[pl.DataFrame, list[Path]]:
    """Every line of the log (columns idx, file, line_no, line), files in time order."""
    if location.is_dir():
        paths = sorted(p for p in location.iterdir() if p.is_file() and p.name.startswith("queue_log"))
        if not paths:
            raise TelephonyFileError(f"{location}: no queue_log file (queue_log, queue_log.1, ...) in this folder")
    elif location.is_file():
        paths = [location]
    else:
        raise TelephonyFileError(f"{location}: no such file or folder")

    frames: list[tuple[int, str, pl.DataFrame, Path]] = []
    for path in paths:
        frame = _text_lines(path).to_frame().with_row_index("line_no", offset=1)
        frame = frame.with_columns(pl.col("line").str.strip_suffix("\r"), file=pl.lit(path.name))
        head = frame["line"].str.splitn("|", 6).struct.field("field_0").str.to_integer(strict=False)
        has_event = frame["line"].str.count_matches("|", literal=True) >= MIN_FIELDS - 1
        valid = head.filter(has_event).drop_nulls()
        if frame.height and valid.len() == 0 and not frame["line"].str.strip_chars().eq("").all():
            raise TelephonyFileError(
                f"{path}: not an Asterisk queue_log: no line of the form epoch|callid|queue|agent|event|data"
            )
        # Rotated logs are read oldest first, so that a call spanning a rotation keeps its order.
        frames.append((int(valid.min()) if valid.len() else 0, path.name, frame, path))
    frames.sort(key=lambda item: (item[0], item[1]))
    frame = pl.concat([item[2] for item in frames]) if frames else pl.DataFrame()
    frame = frame.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    return frame, [item[3] for item in frames]


def _text_lines(path: Path) -> pl.Series:
    """The lines of a file, split by polars: a year of log is a million lines, too many Python strings."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError) as error:
        raise TelephonyFileError(f"{path}: cannot be read: {error}") from error
    if b"\x00" in data:
        raise TelephonyFileError(f"{path}: binary content (NUL bytes), not a text log")
    # A line with bytes that are not UTF-8 is rejected on its own (it carries U+FFFD after decoding);
    # the rest of the file is still good. The CSV reader with a separator that never occurs splits
    # lines with the least memory (a year of log is a million lines); it keeps blank lines (as
    # nulls) so that line numbers stay right, and drops the \r of CRLF line ends.
    if b"\x1f" not in data:
        lines = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            separator="\x1f",
            quote_char=None,
            new_columns=["line"],
            schema={"line": pl.String},
            encoding="utf8-lossy",
        )["line"]
        return lines.fill_null("")
    text = data.decode("utf-8", errors="replace")
    lines = pl.Series("line", text.split("\n"), dtype=pl.String)
    if lines.len() and lines[-1] == "":  # the newline that ends the last line starts no line
        lines = lines.head(-1)
    return lines


def _line_kind(non_call_events: frozenset[str]) -> pl.Expr:
    """call (a line of a queued call, maybe faulty), other (not about a call), blank, or bad."""
    event, callid, queue = pl.col("event"), pl.col("f1"), pl.col("f2")
    no_call_id = callid.is_in(["", "NONE"]) | queue.is_in(["", "NONE"])
    return (
        pl.when(pl.col("blank"))
        .then(pl.lit("blank"))
        .when(
            (pl.col("n_fields") < MIN_FIELDS)
            | (pl.col("n_fields") > MAX_FIELDS)
            | pl.col("undecodable")
            | pl.col("epoch").is_null()
        )
        .then(pl.lit("bad"))
        .when(event.is_in(list(non_call_events)))
        .then(pl.lit("other"))
        .when(no_call_id)
        .then(pl.lit("bad"))
        .otherwise(pl.lit("call"))
    )


def _line_fault() -> pl.Expr:
    """Why a line is wrong: for a bad line, its rejection reason; for a call line, why its call is."""
    n, event = pl.col("n_fields"), pl.col("event")
    allowed = [f"{name}/{count}" for name, counts in CALL_EVENT_FIELDS.items() for count in counts]
    expected = pl.col("event").replace_strict(
        {name: " or ".join(map(str, counts)) for name, counts in CALL_EVENT_FIELDS.items()}, default=None
    )
    # An event name is echoed in a reason only when it looks like one: a shifted line could hold a
    # phone number where the event belongs.
    shown_event = pl.when(event.str.contains(_EVENT_NAME.pattern)).then(event).otherwise(pl.lit("(not an event name)"))
    return (
        pl.when(pl.col("kind") == "bad")
        .then(
            pl.when((n < MIN_FIELDS) | (n > MAX_FIELDS))
            .then(
                pl.lit("wrong number of fields: ")
                + n.cast(pl.String)
                + pl.lit(
                    f", a queue_log line has {MIN_FIELDS} to {MAX_FIELDS} (epoch|callid|queue|agent|event|data...)"
                )
            )
            .when(pl.col("undecodable"))
            .then(pl.lit("not valid UTF-8 text"))
            .when(pl.col("epoch").is_null())
            .then(pl.lit("the time (first field) is not a whole number of epoch seconds"))
            .when(event.is_in(list(CALL_EVENT_FIELDS)))
            .then(event + pl.lit(" without a call id or queue name"))
            .otherwise(pl.lit("unknown event ") + shown_event + pl.lit(" (not a call event, no call id)")),
        )
        .when(pl.col("kind") != "call")
        .then(pl.lit(None, dtype=pl.String))
        .when(~event.is_in(list(CALL_EVENT_FIELDS)))
        .then(pl.lit("unknown event ") + shown_event + pl.lit(" in the call"))
        .when(~pl.concat_str([event, n.cast(pl.String)], separator="/").is_in(allowed))
        .then(
            pl.lit("wrong number of fields: ")
            + event
            + pl.lit(" line with ")
            + n.cast(pl.String)
            + pl.lit(" fields, expected ")
            + expected
        )
    )


def _number_attempts(lines: pl.DataFrame) -> pl.DataFrame:
    """Number the calls (`call_no`): the lines of one (uniqueid, queue), split where an ENTERQUEUE follows an end.

    Sorting and comparing neighbours does in one pass what a window function per (uniqueid, queue)
    would do in hundreds of thousands of small groups, many times slower.
    """
    lines = lines.sort(["callid", "queue", "idx"])
    same_key = (pl.col("callid") == pl.col("callid").shift(1)) & (pl.col("queue") == pl.col("queue").shift(1))
    previous = pl.when(same_key).then(pl.col("event").shift(1))
    enters_anew = (pl.col("event") == "ENTERQUEUE") & (previous.is_null() | previous.is_in(list(END_EVENTS)))
    new_call = ~same_key.fill_null(False) | enters_anew
    lines = lines.with_columns(
        is_end=pl.col("event").is_in(list(END_EVENTS)).cast(pl.Int32),
        call_no=new_call.cast(pl.Int64).cum_sum(),
    )
    same_call = (pl.col("call_no") == pl.col("call_no").shift(1)).fill_null(False)
    ends_before = pl.col("is_end").cum_sum() - pl.col("is_end")
    return lines.with_columns(
        goes_back=same_call & (pl.col("epoch") < pl.col("epoch").shift(1)),
        after_end=(ends_before - pl.when(~same_call).then(ends_before).forward_fill()) > 0,
    )


def _calls(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per call with what the checks and the canonical row need."""
    event, idx, is_end, after_end = pl.col("event"), pl.col("idx"), pl.col("is_end") == 1, pl.col("after_end")
    enter, connect = event == "ENTERQUEUE", event == "CONNECT"
    calls = lines.group_by("call_no").agg(
        callid=pl.col("callid").first(),
        queue=pl.col("queue").first(),
        first_idx=idx.first(),
        last_idx=idx.last(),
        first_event=event.first(),
        last_event=event.last(),
        last_n=pl.col("n_fields").last(),
        n_enter=enter.sum(),
        n_connect=connect.sum(),
        fault=pl.col("fault").drop_nulls().first(),
        fault_idx=idx.filter(pl.col("fault").is_not_null()).first(),
        second_enter_idx=idx.filter(enter).slice(1, 1).first(),
        second_connect_idx=idx.filter(connect).slice(1, 1).first(),
        back_idx=idx.filter(pl.col("goes_back")).first(),
        after_end_idx=idx.filter(after_end).first(),
        after_end_event=event.filter(after_end).first(),
        first_end_event=event.filter(is_end).first(),
        connect_idx=idx.filter(connect).first(),
        entered=pl.col("epoch").filter(enter).first(),
        connected=pl.col("epoch").filter(connect).first(),
        agent=pl.col("agent").filter(connect).first(),
        hold=pl.col("f5").filter(connect).first(),
        ended=pl.col("epoch").last(),
        **{f"d{i}": pl.col(f"f{i}").last() for i in range(5, MAX_FIELDS)},
    )
    # The order of entry numbers the calls of one uniqueid (1, 2, ...); only calls that entered a
    # queue count. Same neighbour trick as above.
    calls = calls.sort([pl.col("n_enter") > 0, "callid", "first_idx"])
    same = (pl.col("callid") == pl.col("callid").shift(1)) & (
        (pl.col("n_enter") > 0) == (pl.col("n_enter") > 0).shift(1)
    )
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    first_of_run = pl.when(~same.fill_null(False)).then(position).forward_fill()
    return calls.with_columns(ordinal=position - first_of_run + 1)


def _call_verdict(latest_epoch: int) -> pl.Expr:
    """A struct of reason (null when the call loads), reason_idx, outcome, wait and talk."""
    last = pl.col("last_event")
    outcome = last.replace_strict(END_EVENTS, default=None)
    talk_text = (
        pl.when(last.is_in(["COMPLETECALLER", "COMPLETEAGENT"]))
        .then(pl.col("d6"))
        .when((last == "ATTENDEDTRANSFER") & (pl.col("last_n") == 11))
        .then(pl.col("d9"))
        .when(last.is_in(list(TRANSFER_EVENTS)))
        .then(pl.col("d8"))
    )
    wait_text = (
        pl.when(last.is_in(list(CONNECTED_END_EVENTS)))
        .then(pl.col("hold"))
        .when(last == "EXITWITHKEY")
        .then(pl.col("d8"))
        .when(last.is_in(["ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"]))
        .then(pl.col("d7"))
    )
    talk, wait = talk_text.str.to_integer(strict=False), wait_text.str.to_integer(strict=False)
    no_end = pl.col("after_end_idx").is_null() & pl.col("first_end_event").is_null()
    checks: list[tuple[pl.Expr, pl.Expr, str]] = [
        (
            pl.col("n_enter") == 0,
            pl.lit("no ENTERQUEUE for this call in the log (it entered the queue before the log begins?)"),
            "first_idx",
        ),
        (
            pl.col("first_event") != "ENTERQUEUE",
            pl.lit("events out of order: ") + pl.col("first_event") + pl.lit(" before ENTERQUEUE"),
            "first_idx",
        ),
        (pl.col("fault").is_not_null(), pl.col("fault"), "fault_idx"),
        (
            pl.col("second_enter_idx").is_not_null(),
            pl.lit("ENTERQUEUE again before the call ended"),
            "second_enter_idx",
        ),
        (
            pl.col("back_idx").is_not_null(),
            pl.lit("events out of order: the time goes back at this line"),
            "back_idx",
        ),
        (
            pl.col("after_end_idx").is_not_null(),
            pl.lit("events out of order: ")
            + pl.col("after_end_event")
            + pl.lit(" after the end of the call (")
            + pl.col("first_end_event")
            + pl.lit(")"),
            "after_end_idx",
        ),
        (no_end, pl.lit(_NO_END), "first_idx"),
        (pl.col("second_connect_idx").is_not_null(), pl.lit("CONNECT twice in one call"), "second_connect_idx"),
        (
            last.is_in(list(CONNECTED_END_EVENTS)) & (pl.col("n_connect") == 0),
            last + pl.lit(" without a CONNECT before it"),
            "last_idx",
        ),
        (
            ~last.is_in(list(CONNECTED_END_EVENTS)) & (pl.col("n_connect") > 0),
            pl.lit("events out of order: ") + last + pl.lit(" after CONNECT (an answered call cannot end so)"),
            "last_idx",
        ),
        (
            last.is_in(list(CONNECTED_END_EVENTS)) & (pl.col("hold").str.to_integer(strict=False).fill_null(-1) < 0),
            pl.lit("the holdtime of CONNECT is not a whole number of seconds"),
            "connect_idx",
        ),
        (
            last.is_in(list(CONNECTED_END_EVENTS)) & (talk.fill_null(-1) < 0),
            pl.lit("the calltime of ") + last + pl.lit(" is not a whole number of seconds"),
            "last_idx",
        ),
        (
            wait.fill_null(-1) < 0,
            pl.lit("the waittime of ") + last + pl.lit(" is not a whole number of seconds"),
            "last_idx",
        ),
        (
            pl.col("entered") > latest_epoch,
            pl.lit("entered the queue in the future (a clock error?)"),
            "first_idx",
        ),
    ]
    reason: Any = pl.lit(None, dtype=pl.String)
    reason_idx: Any = pl.lit(None, dtype=pl.Int64)
    for condition, text, where in reversed(checks):
        reason = pl.when(condition).then(text).otherwise(reason)
        reason_idx = pl.when(condition).then(pl.col(where)).otherwise(reason_idx)
    return pl.struct(
        reason=reason,
        reason_idx=reason_idx,
        outcome=outcome,
        wait=wait,
        talk=pl.when(last.is_in(list(CONNECTED_END_EVENTS))).then(talk),
    )


_NO_END = "(no end event)"  # the wording is chosen in _queue_log_rejections


def _queue_log_rejections(
    rejected_calls: pl.DataFrame,
    call_lines: pl.DataFrame,
    bad_lines: pl.DataFrame,
    frame: pl.DataFrame,
    pseudonymiser: Pseudonymiser,
) -> tuple[list[str], list[str], list[str]]:
    """Positions (`file:line`), reasons and masked raw lines of rejected calls and bad lines, in file order.

    Done column-wise too: a damaged log can reject thousands of calls.
    """
    position = pl.col("file") + ":" + pl.col("line_no").cast(pl.String)
    positions = frame.select(position=position)["position"]
    # A call without an end: cut by an Asterisk restart (a QUEUESTART after its last line), still in
    # progress (the log ends soon after its last event), or lost in the middle of the log.
    restarts = frame.filter((pl.col("kind") == "other") & (pl.col("event") == "QUEUESTART"))["idx"]
    log_end = call_lines["epoch"].max()
    after = restarts.search_sorted(rejected_calls["last_idx"], side="right")
    restart_idx = pl.concat([restarts, pl.Series([None], dtype=pl.Int64)]).gather(after)
    rejected_calls = rejected_calls.with_columns(restart_at=positions.gather(restart_idx.fill_null(0)))
    no_end = pl.col("reason") == _NO_END
    reason = (
        pl.when(no_end & restart_idx.is_not_null())
        .then(
            pl.lit("no end event: Asterisk restarted (QUEUESTART at ")
            + pl.col("restart_at")
            + pl.lit(") while the call was queued")
        )
        .when(no_end & (pl.col("ended") >= pl.lit(log_end) - int(OPEN_CALL_HORIZON.total_seconds())))
        .then(pl.lit("call still in progress at end of log"))
        .when(no_end)
        .then(pl.lit(f"no end event, and the log goes on for over {_HORIZON_TEXT} after it (a lost line?)"))
        .otherwise(pl.col("reason"))
    )
    rejected_calls = rejected_calls.with_columns(reason=reason)

    lines = call_lines.join(rejected_calls.select("call_no"), on="call_no", how="semi").select("call_no", "idx")
    hashes: dict[tuple[str, str], str | None] = {}

    def cached(value: str, namespace: str) -> str | None:
        if (value, namespace) not in hashes:
            hashes[value, namespace] = pseudonymiser.hash(value, namespace)
        return hashes[value, namespace]

    masked = [_masked_call_line(line, cached) for line in frame["line"].gather(lines["idx"]).to_list()]
    raws = (
        lines.with_columns(raw=pl.Series(masked, dtype=pl.String))
        .sort("idx")
        .group_by("call_no", maintain_order=True)
        .agg(pl.col("raw").str.join("\n"))
    )
    calls = rejected_calls.join(raws, on="call_no", how="left").select(idx="reason_idx", reason="reason", raw="raw")
    bad = bad_lines.select(
        "idx",
        reason="fault",
        raw=pl.Series([_masked_untrusted_line(line) for line in bad_lines["line"].to_list()], dtype=pl.String),
    )
    entries = pl.concat([calls, bad]).sort("idx")
    return (
        positions.gather(entries["idx"]).to_list(),
        entries["reason"].to_list(),
        entries["raw"].to_list(),
    )


def _masked_call_line(line: str, hash_of: Callable[[str, str], str | None]) -> str:
    """A call line with the agent and caller id as keyed hashes and any field that could hold a number masked.

    The line was read as a call line, yet its fields may still be shifted (that can be why its call is
    rejected), so even the time, call id, queue and event are kept only when they look like one.
    """
    fields = line.split("|")
    for i, value in enumerate(fields):
        if i == 0:
            keep = bool(_EPOCH.match(value))
        elif i in (1, 2):
            keep = value == "NONE" or bool(_UNIQUEID.match(value)) or not _LONG_DIGITS.search(value)
        elif i == 3:
            if value not in ("", "NONE"):
                fields[i] = f"<agent:{hash_of(value, 'agent')}>"
            continue
        elif i == 4:
            keep = bool(_EVENT_NAME.match(value))
        elif i == 6 and fields[4] == "ENTERQUEUE" and value:
            fields[i] = f"<phone:{hash_of(value, 'phone')}>"
            continue
        else:
            keep = bool(_SAFE_DATA.match(value))
        if not keep:
            fields[i] = "<masked>"
    return "|".join(fields)


def _masked_untrusted_line(line: str) -> str:
    """A line that could not be parsed: fields may be shifted, so anything not plainly safe is masked."""
    return "|".join(
        value if _SAFE_UNTRUSTED.match(value) or value in KNOWN_EVENTS else "<masked>" for value in line.split("|")
    )


def _utc_from_epoch(column: str) -> pl.Expr:
    return pl.from_epoch(pl.col(column), time_unit="s").dt.replace_time_zone("UTC")


def _canonical(rows: pl.DataFrame) -> pl.DataFrame:
    result = pl.from_arrow(rows.to_arrow().cast(ENTITY_SCHEMAS["call"]))
    assert isinstance(result, pl.DataFrame)
    return result


def _check_mapping(mapping: dict[str, Any] | None, known: set[str]) -> None:
    # A misspelt option would otherwise be ignored without a word.
    unknown = sorted(set(mapping or {}) - known)
    if unknown:
        raise ValueError(f"unknown mapping option(s) {unknown}; this connector reads {sorted(known)}")


# --- cdr-csv -------------------------------------------------------------------------------------

CDR_COLUMNS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",  # written with loguniqueid=yes in cdr.conf
    "userfield",  # written with loguserfield=yes
)
DEFAULT_TIMEZONE = "Europe/Brussels"
DEFAULT_CALL_FILTER: dict[str, list[str]] = {"lastapp": ["Queue"]}
# A CDR cannot tell a hang-up in the queue from a time-out or an empty queue: every queue call that
# did not reach an agent is an abandon.
DEFAULT_DISPOSITIONS: dict[str, str] = {
    "ANSWERED": "answered",
    "NO ANSWER": "abandoned",
    "BUSY": "abandoned",
    "FAILED": "abandoned",
    "CONGESTION": "abandoned",
}
CDR_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# CDR duration is end - start rounded to the second while the times are truncated: 1 s of slack.
# The uniqueid is stamped when the channel is created, the CDR's start a moment later: 2 s.
DURATION_SLACK = timedelta(seconds=1)
UNIQUEID_SLACK = timedelta(seconds=2)
_UNIQUEID_EPOCH = r"(?:^|-)(\d{9,11})\.\d+$"  # `epoch.seq`, or `systemname-epoch.seq`
_CHANNEL_SUFFIX = r"(-[0-9a-fA-F]+)?(;\d)?$"  # PJSIP/1043-0000001a, Local/1043@ctx-00000012;1
_SAFE_CDR = re.compile(
    r"^(\d{1,6}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|(\S+-)?[12]\d{9}\.\d+|ANSWERED|NO ANSWER|BUSY|FAILED|CONGESTION"
    r"|DOCUMENTATION|BILLING|OMIT|DEFAULT|Queue|Dial|)$"
)


def read_cdr_csv(
    location: Path,
    commune_id: str,
    source_id: str,
    pseudonymiser: Pseudonymiser,
    mapping: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> TelephonyReadResult:
    """Queue calls from an Asterisk cdr-csv file (`Master.csv`, no header row).

    mapping (all optional):
    - `timezone`: the zone of the switch's local times, default Europe/Brussels ("UTC" for a switch
      with `usegmtime=yes`). A local time skipped by the change to summer time is rejected; one that
      occurs twice (change to winter time) is resolved with the uniqueid (stamped with the epoch at
      channel creation) and with `duration` = end - start; if they cannot tell, the row is rejected.
    - `call_filter`: {column: [values]}, the rows that are queue calls (all columns must match, case
      not minded); default {"lastapp": ["Queue"]}. Other rows are counted in `non_call_kinds`.
    - `queue_from`: the column holding the queue name, default `lastdata` (its first argument:
      `population,t,,,300` -> population).
    - `disposition_values`: disposition -> outcome, default ANSWERED -> answered, the rest -> abandoned.

    An answered disposition counts as answered only with a `dstchannel` (the agent's channel): the
    queue application answers the caller's channel itself to play music, so a caller who hung up in
    the queue can carry ANSWERED too. Then entered_at = start, answered_at = answer, ended_at = end,
    wait_s = duration - billsec, talk_s = billsec; for an abandon wait_s = duration. Both are exact
    only when nothing answers the caller before an agent does (no Answer() before Queue()); where the
    dialplan answers first, wait_s is near zero and talk_s holds the queue wait: read the queue_log.
    A file without uniqueids (loguniqueid=no) gets call_id = a keyed hash of channel and start. Rows
    sharing a uniqueid (one CDR per agent rung, Asterisk 12+ with unanswered=yes) are rejected: which
    one is the call cannot be told from the CDRs alone.
    """
    mapping = mapping or {}
    _check_mapping(mapping, {"timezone", "call_filter", "queue_from", "disposition_values"})
    zone = str(mapping.get("timezone", DEFAULT_TIMEZONE))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"timezone {zone!r} is not an IANA time zone name") from error
    call_filter = {
        k: [str(v).casefold() for v in vs] for k, vs in (mapping.get("call_filter") or DEFAULT_CALL_FILTER).items()
    }
    queue_from = mapping.get("queue_from", "lastdata")
    for column in [*call_filter, queue_from]:
        if column not in CDR_COLUMNS:
            raise ValueError(f"{column!r} is not a cdr-csv column; the columns are {list(CDR_COLUMNS)}")
    dispositions = {str(k).upper(): v for k, v in (mapping.get("disposition_values") or DEFAULT_DISPOSITIONS).items()}
    for outcome in dispositions.values():
        if outcome not in ("answered", "abandoned"):
            raise ValueError(f"disposition_values: a CDR gives 'answered' or 'abandoned', not {outcome!r}")

    if not location.is_file():
        raise TelephonyFileError(f"{location}: no such file")
    records, blank, header = _cdr_records(location)

    columns: dict[str, list[Any]] = {"position": [], "n_fields": []}
    kept: list[list[str]] = []  # the values of each queue row, for the raw copy if it is rejected
    columns |= {name: [] for name in CDR_COLUMNS}
    non_call: Counter[str] = Counter()
    if header:
        non_call["header row"] += 1
    for line_no, values in records:
        if len(values) in (16, 17, 18) and not all(
            _cdr_value(values, column).casefold() in wanted for column, wanted in call_filter.items()
        ):
            app = values[7]
            non_call[app if re.fullmatch(r"[A-Za-z0-9_]{1,40}", app) else "(other)"] += 1
            continue
        columns["position"].append(f"{location.name}:{line_no}")
        columns["n_fields"].append(len(values))
        kept.append(values)
        padded = values[: len(CDR_COLUMNS)] + [None] * (len(CDR_COLUMNS) - len(values))
        for name, value in zip(CDR_COLUMNS, padded, strict=True):
            columns[name].append(value)

    frame = pl.DataFrame(
        columns,
        schema={"position": pl.String, "n_fields": pl.Int64} | dict.fromkeys(CDR_COLUMNS, pl.String),
    )
    frame = frame.with_row_index("row")
    # Without a uniqueid, the channel (with its sequence suffix) and the start time identify a call;
    # the channel can hold the caller's number, so the id is its keyed hash.
    fallback_ids = [
        None if uid else pseudonymiser.hash(f"{channel}|{start}", "cdr-call")
        for uid, channel, start in zip(frame["uniqueid"], frame["channel"], frame["start"], strict=True)
    ]
    frame = frame.with_columns(
        call_id=pl.when(pl.col("uniqueid").fill_null("") != "")
        .then(pl.col("uniqueid"))
        .otherwise(pl.Series(fallback_ids, dtype=pl.String)),
        queue=(
            pl.col("lastdata").str.extract(r"^([^,|]*)", 1) if queue_from == "lastdata" else pl.col(queue_from)
        ).str.strip_chars(),
        duration_s=pl.col("duration").str.to_integer(strict=False),
        billsec_s=pl.col("billsec").str.to_integer(strict=False),
        disposition_outcome=pl.col("disposition").str.to_uppercase().replace_strict(dispositions, default=None),
        agent=pl.col("dstchannel").str.replace(_CHANNEL_SUFFIX, ""),
        uniqueid_at=pl.from_epoch(
            pl.col("uniqueid").str.extract(_UNIQUEID_EPOCH, 1).str.to_integer(strict=False), time_unit="s"
        ).dt.replace_time_zone("UTC"),
    )
    frame = _local_times(frame, zone)
    frame = frame.with_columns(
        outcome=pl.when((pl.col("disposition_outcome") == "answered") & (pl.col("agent").fill_null("") != ""))
        .then(pl.lit("answered"))
        .when(pl.col("disposition_outcome").is_not_null())
        .then(pl.lit("abandoned"))
    )
    latest = (now or datetime.now(UTC)) + FUTURE_TOLERANCE
    frame = frame.with_columns(reason=_cdr_reason(zone, latest))
    rejected = frame.filter(pl.col("reason").is_not_null())
    loaded = frame.filter(pl.col("reason").is_null())

    agents = loaded.filter(pl.col("outcome") == "answered")["agent"].unique().to_list()
    agent_keys = {agent: pseudonymiser.hash(agent, "agent") for agent in agents}
    answered = pl.col("outcome") == "answered"
    rows = loaded.select(
        commune_id=pl.lit(commune_id),
        call_id=pl.col("call_id"),
        queue=pl.col("queue"),
        entered_at=pl.col("start_utc"),
        answered_at=pl.when(answered).then(pl.col("answer_utc")),
        ended_at=pl.col("end_utc"),
        outcome=pl.col("outcome"),
        wait_s=pl.when(answered)
        .then(pl.col("duration_s") - pl.col("billsec_s"))
        .otherwise(pl.col("duration_s"))
        .cast(pl.Float64),
        talk_s=pl.when(answered).then(pl.col("billsec_s")).cast(pl.Float64),
        agent_key=pl.when(answered).then(
            pl.col("agent").replace_strict(agent_keys, default=None, return_dtype=pl.String)
        ),
    )
    return TelephonyReadResult(
        entity="call",
        rows=_canonical(rows),
        rejected=rejections(
            source_id,
            rejected["position"].to_list(),
            rejected["reason"].to_list(),
            [_masked_cdr(kept[row], pseudonymiser) for row in rejected["row"].to_list()],
        ),
        rows_read=frame.height,
        source_files=[str(location)],
        non_call_records=sum(non_call.values()),
        non_call_kinds=dict(sorted(non_call.items())),
        blank_lines=blank,
    )


def _cdr_value(values: list[str], column: str) -> str:
    """A column of a row that may lack the optional uniqueid and userfield."""
    index = CDR_COLUMNS.index(column)
    return values[index] if index < len(values) else ""


def _cdr_records(path: Path) -> tuple[list[tuple[int, list[str]]], int, bool]:
    """(first line number, fields) of each CSV record, the number of blank lines, whether a header was seen."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TelephonyFileError(f"{path}: cannot be read: {error}") from error
    if b"\x00" in data:
        raise TelephonyFileError(f"{path}: binary content (NUL bytes), not a cdr-csv file")
    # Caller names can come in any encoding from a trunk; a stray byte only spoils that (masked) name.
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig", errors="replace"), newline=""))
    records: list[tuple[int, list[str]]] = []
    blank, header, line_no = 0, False, 1
    try:
        for values in reader:
            if not values or values == [""]:
                blank += 1
            elif (
                not records
                and not header
                and [v.strip().casefold() for v in values[:3]] == ["accountcode", "src", "dst"]
            ):
                header = True  # some exports add one; Asterisk itself never writes it
            else:
                records.append((line_no, values))
            line_no = reader.line_num + 1
    except csv.Error as error:
        raise TelephonyFileError(f"{path}:{line_no}: not readable as CSV: {error}") from error
    if records and not any(len(values) in (16, 17, 18) for _, values in records):
        raise TelephonyFileError(
            f"{path}: not an Asterisk cdr-csv file: no row has the 16 to 18 columns of Master.csv "
            "(accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,end,"
            "duration,billsec,disposition,amaflags[,uniqueid][,userfield])"
        )
    return records, blank, header


def _local_times(frame: pl.DataFrame, zone: str) -> pl.DataFrame:
    """start/answer/end in UTC, with the DST gap and the repeated hour found and, when possible, resolved."""
    for column in ("start", "answer", "end"):
        naive = pl.col(column).str.strptime(pl.Datetime("us"), CDR_TIME_FORMAT, strict=False)
        frame = frame.with_columns(
            naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
            .alias(f"{column}_early"),
            naive.dt.replace_time_zone(zone, ambiguous="latest", non_existent="null")
            .dt.convert_time_zone("UTC")
            .alias(f"{column}_late"),
            naive.is_not_null().alias(f"{column}_parsed"),
        )
        frame = frame.with_columns(
            (pl.col(f"{column}_parsed") & pl.col(f"{column}_early").is_null()).alias(f"{column}_gap"),
            (pl.col(f"{column}_early") != pl.col(f"{column}_late")).fill_null(False).alias(f"{column}_twice"),
        )

    duration = pl.duration(seconds=pl.col("duration_s"))
    billsec = pl.duration(seconds=pl.col("billsec_s"))

    def fits(start: str, end: str) -> pl.Expr:
        # A (start, end) reading fits when end - start is the duration and start is the uniqueid's time.
        spans = ((pl.col(end) - pl.col(start)) - duration).abs() <= DURATION_SLACK
        stamped = pl.col("uniqueid_at").is_null() | ((pl.col(start) - pl.col("uniqueid_at")).abs() <= UNIQUEID_SLACK)
        return (spans & stamped).fill_null(False)

    s2, e2 = pl.col("start_twice"), pl.col("end_twice")
    # The distinct readings of (start, end): only a repeated hour has a "late" reading of its own.
    readings = [
        ("start_early", "end_early", pl.lit(True)),
        ("start_early", "end_late", e2),
        ("start_late", "end_early", s2),
        ("start_late", "end_late", s2 & e2),
    ]
    fitting = [fits(s, e) & distinct for s, e, distinct in readings]
    n_fitting = pl.sum_horizontal([f.cast(pl.Int32) for f in fitting])
    start_utc: Any = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    end_utc: Any = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    for (s, e, _), fit in reversed(list(zip(readings, fitting, strict=True))):
        start_utc = pl.when(fit).then(pl.col(s)).otherwise(start_utc)
        end_utc = pl.when(fit).then(pl.col(e)).otherwise(end_utc)
    either_twice = s2 | e2
    frame = frame.with_columns(
        # Outside the repeated hour there is one reading, taken as it is (no duration check).
        start_utc=pl.when(~either_twice).then(pl.col("start_early")).when(n_fitting == 1).then(start_utc),
        end_utc=pl.when(~either_twice).then(pl.col("end_early")).when(n_fitting == 1).then(end_utc),
        times_unresolved=either_twice & (n_fitting != 1),
    )
    # The answer time of a repeated hour is the one that leaves `billsec` to the end.
    answer_fits = [
        (((pl.col("end_utc") - pl.col(a)) - billsec).abs() <= DURATION_SLACK).fill_null(False)
        for a in ("answer_early", "answer_late")
    ]
    a2 = pl.col("answer_twice")
    return frame.with_columns(
        answer_utc=pl.when(~a2)
        .then(pl.col("answer_early"))
        .when(answer_fits[0] & ~answer_fits[1])
        .then(pl.col("answer_early"))
        .when(answer_fits[1] & ~answer_fits[0])
        .then(pl.col("answer_late")),
        answer_unresolved=a2 & (answer_fits[0] == answer_fits[1]),
    )


def _cdr_reason(zone: str, latest: datetime) -> pl.Expr:
    """The first broken rule of a queue CDR row, null when it loads."""
    answer_given = pl.col("answer").fill_null("").str.strip_chars() != ""

    def gap(column: str) -> tuple[pl.Expr, pl.Expr]:
        return (
            pl.col(f"{column}_gap"),
            pl.lit(f"{column} ")
            + pl.col(column)
            + pl.lit(f" does not exist in {zone} (skipped when the clocks went forward)"),
        )

    checks: list[tuple[pl.Expr, pl.Expr]] = [
        (
            ~pl.col("n_fields").is_in([16, 17, 18]),
            pl.lit("wrong number of fields: ")
            + pl.col("n_fields").cast(pl.String)
            + pl.lit(", a cdr-csv row has 16 to 18"),
        ),
        (pl.col("call_id").fill_null("") == "", pl.lit("no uniqueid and no channel to identify the call")),
        (pl.col("queue").fill_null("") == "", pl.lit("no queue name in the queue column")),
        (~pl.col("start_parsed"), pl.lit("start is not a YYYY-MM-DD HH:MM:SS time")),
        (~pl.col("end_parsed"), pl.lit("end is not a YYYY-MM-DD HH:MM:SS time")),
        (answer_given & ~pl.col("answer_parsed"), pl.lit("answer is not empty nor a YYYY-MM-DD HH:MM:SS time")),
        (
            pl.col("duration_s").fill_null(-1) < 0,
            pl.lit("duration is not a whole number of seconds"),
        ),
        (pl.col("billsec_s").fill_null(-1) < 0, pl.lit("billsec is not a whole number of seconds")),
        (pl.col("billsec_s") > pl.col("duration_s"), pl.lit("billsec is longer than duration")),
        (
            pl.col("disposition_outcome").is_null(),
            pl.lit("disposition is not in the mapping (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION by default)"),
        ),
        gap("start"),
        gap("answer"),
        gap("end"),
        (
            pl.col("times_unresolved"),
            pl.lit(f"start or end falls in the hour that occurs twice in {zone} (clocks going back) and neither ")
            + pl.lit("the uniqueid nor the duration tells which: start ")
            + pl.col("start")
            + pl.lit(", end ")
            + pl.col("end"),
        ),
        (
            (pl.col("outcome") == "answered") & ~answer_given,
            pl.lit("answered by an agent (dstchannel) but without an answer time"),
        ),
        (
            (pl.col("outcome") == "answered") & pl.col("answer_unresolved"),
            pl.lit(f"answer falls in the hour that occurs twice in {zone} and billsec does not tell which: ")
            + pl.col("answer"),
        ),
        (
            pl.col("call_id").is_duplicated(),
            pl.lit("the uniqueid appears in ")
            + pl.len().over("call_id").cast(pl.String)
            + pl.lit(" queue CDR rows (one per agent rung?): which one is the call cannot be told"),
        ),
        (pl.col("start_utc") > latest, pl.lit("the call starts in the future (a clock error?)")),
    ]
    reason: Any = pl.lit(None, dtype=pl.String)
    for condition, text in reversed(checks):
        reason = pl.when(condition.fill_null(False)).then(text).otherwise(reason)
    return reason


def _masked_cdr(values: list[str], pseudonymiser: Pseudonymiser) -> str:
    """The raw copy of a CDR row: numbers as keyed hashes, names and channels left out, times kept."""
    if len(values) not in (16, 17, 18):
        return json.dumps([v if _SAFE_CDR.match(v) else "<masked>" for v in values])
    record = dict(zip(CDR_COLUMNS, values, strict=False))
    kept = {
        name: record[name]
        for name in (
            "dcontext",
            "lastapp",
            "start",
            "answer",
            "end",
            "duration",
            "billsec",
            "disposition",
            "amaflags",
            "uniqueid",
        )
        if name in record
    }
    # The queue's arguments (queue,options,...) are configuration; a Dial() argument may be a number.
    kept["lastdata"] = record["lastdata"] if record["lastapp"].casefold() == "queue" else "<masked>"
    kept["src"] = f"<phone:{pseudonymiser.hash(record['src'], 'phone')}>" if record["src"] else ""
    kept["dst"] = f"<phone:{pseudonymiser.hash(record['dst'], 'phone')}>" if record["dst"] else ""
    agent = re.sub(_CHANNEL_SUFFIX, "", record["dstchannel"])
    kept["dstchannel"] = f"<agent:{pseudonymiser.hash(agent, 'agent')}>" if agent else ""
    return json.dumps(kept, sort_keys=True)
