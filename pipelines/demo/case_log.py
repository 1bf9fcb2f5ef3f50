"""The case tool's event log: CSV and XES (IEEE 1849-2016), one trace per request with a process.

Each case's events lie between its request's creation and resolution: the first activity starts
when the request is registered and the closing activity completes when the CRM marks it resolved.
Waits between activities fill the time left after the work itself. Open cases are cut at the
extract time, so they never show a closing activity.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import polars as pl

from pipelines.demo.calendar import CommuneCalendar
from pipelines.demo.crm import Requests
from pipelines.demo.profiles import CANCEL_ACTIVITY, CHANNELS, PROCESSES, ServiceDef

PORTAL_ACCOUNT = "svc-portail"  # the platform registers the requests that come in online


@dataclass
class EventLog:
    frame: pl.DataFrame  # case_id, process, activity, lifecycle, timestamp, agent (sorted)

    def __len__(self) -> int:
        return self.frame.height


def simulate_case_events(
    cal: CommuneCalendar,
    services: list[ServiceDef],
    requests: Requests,
    agents: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> EventLog:
    """Events of the requests whose service has a process; agents: department -> logins."""
    service_process = np.array([s.process or "" for s in services])[requests.service]
    service_owner = np.array([s.owner for s in services])[requests.service]
    parts: list[pl.DataFrame] = []
    for code in sorted(set(service_process.tolist()) - {""}):
        cases = np.flatnonzero(service_process == code)
        parts.append(_process_events(cal, code, cases, requests, service_owner, agents, rng))
    if not parts:
        return EventLog(_empty())
    frame = pl.concat(parts).sort(["created", "case_id", "at", "order"])
    frame = frame.with_columns(timestamp=cal.offsets.format_local(frame["at"].to_numpy()))
    return EventLog(frame.select("case_id", "process", "activity", "lifecycle", "timestamp", "agent", "at"))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "case_id": pl.String,
            "process": pl.String,
            "activity": pl.String,
            "lifecycle": pl.String,
            "timestamp": pl.String,
            "agent": pl.String,
            "at": pl.Int64,
        }
    )


def _process_events(
    cal: CommuneCalendar,
    code: str,
    cases: np.ndarray,
    requests: Requests,
    owner: np.ndarray,
    agents: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> pl.DataFrame:
    process = PROCESSES[code]
    names = [*process.activities, process.rework_trigger, CANCEL_ACTIVITY]
    k = len(process.activities)
    trigger, cancel = k, k + 1
    instant = np.array([name in process.instant or name == CANCEL_ACTIVITY for name in names])
    n = len(cases)

    # Activity sequences: the usual path, with a rework loop (ask, then redo) for some cases.
    width = k + 2
    seq = np.tile(np.append(np.arange(k), [-1, -1]), (n, 1))
    length = np.full(n, k)
    rework = rng.random(n) < process.rework_rate
    r = process.activities.index(process.rework_activity)
    looped = np.concatenate([np.arange(r + 1), [trigger, r], np.arange(r + 1, k)])
    seq[rework] = looped
    length[rework] = k + 2
    # A cancelled case stops somewhere along the way with the cancelling activity.
    cancelled = requests.state[cases] == 2
    if cancelled.any():
        stop = 1 + (rng.random(n) * (length - 1)).astype(np.int64)
        rows = np.flatnonzero(cancelled)
        seq[rows, stop[rows]] = cancel
        length[rows] = stop[rows] + 1
    valid = np.arange(width)[None, :] < length[:, None]

    # Timing, counted in office minutes: staff work during opening hours, so the activities are
    # spread over the working time between the request's creation and its resolution.
    created = requests.created[cases]
    ends = requests.ends[cases]
    clock = _OfficeClock(cal)
    p0, p1 = clock.position(created), clock.position(ends)
    span = np.maximum(p1 - p0, 0.0)
    acts = np.where(valid, seq, 0)
    work = np.where(valid & ~instant[acts], rng.lognormal(np.log(20.0), 0.8, (n, width)), 0.0)
    work *= np.minimum(1.0, 0.5 * span / np.maximum(work.sum(axis=1), 1e-9))[:, None]
    waits = np.where(valid, rng.exponential(1.0, (n, width)), 0.0)
    waits[:, 0] = 0.0  # the first activity starts when the request is registered
    waits *= ((span - work.sum(axis=1)) / np.maximum(waits.sum(axis=1), 1e-9))[:, None]
    complete_pos = p0[:, None] + np.cumsum(waits + work, axis=1)
    start = clock.time(complete_pos - work)
    complete = clock.time(complete_pos)
    # Registration is the request's creation; the last activity completes at its resolution.
    start[:, 0] = complete[:, 0] = created
    rows, last = np.arange(n), length - 1
    start[rows, last] = np.minimum(start[rows, last], ends)
    complete[rows, last] = ends
    # Keep every case's events in order and inside [created, ends].
    both = np.stack([start, complete], axis=2).reshape(n, 2 * width)
    both = np.minimum(np.maximum.accumulate(np.maximum(both, created[:, None]), axis=1), ends[:, None])
    start, complete = both[:, 0::2], both[:, 1::2]

    # Agents: a case has a main handler; colleagues take some steps.
    pool_of_case = owner[cases]
    main = np.empty(n, dtype=object)
    other = np.empty((n, width), dtype=object)
    for dept in np.unique(pool_of_case):
        rows = np.flatnonzero(pool_of_case == dept)
        pool = agents[str(dept)]
        main[rows] = pool[rng.integers(0, len(pool), len(rows))]
        other[rows] = pool[rng.integers(0, len(pool), (len(rows), width))]
    agent = np.where(rng.random((n, width)) < 0.75, main[:, None], other)
    online = np.isin(requests.channel[cases], [CHANNELS.index("portal"), CHANNELS.index("app")])
    agent[:, 0] = np.where(online, PORTAL_ACCOUNT, agent[:, 0])

    has_start = valid & ~instant[acts]
    ticket = requests.ticket[cases]
    names_arr = np.array(names, dtype=object)
    frames = []
    kinds = (("start", has_start, start, 0), ("complete", valid, complete, 1))
    for lifecycle, mask, times, order_offset in kinds:
        rows, cols = np.nonzero(mask)
        frames.append(
            pl.DataFrame(
                {
                    "case_id": ticket[rows].astype(str),
                    "process": np.full(len(rows), code),
                    "activity": names_arr[acts[rows, cols]].astype(str),
                    "lifecycle": np.full(len(rows), lifecycle),
                    "agent": agent[rows, cols].astype(str),
                    "at": times[rows, cols],
                    "order": cols * 2 + order_offset,
                    "created": created[rows],
                }
            )
        )
    frame = pl.concat(frames)
    return frame.filter(pl.col("at") < cal.utc_end)  # the extract: open cases end part-way


class _OfficeClock:
    """Maps instants to a count of office minutes since the start of the range, and back.

    Past the extract time (open cases) the mapping goes on at the range's average density of office
    minutes; those events are cut anyway.
    """

    def __init__(self, cal: CommuneCalendar) -> None:
        office = cal.office_minutes()
        self.minutes = office if len(office) else cal.utc
        self.end = cal.utc_end
        self.density = len(self.minutes) / max(cal.utc_end - cal.utc_start, 1)

    def position(self, t: np.ndarray) -> np.ndarray:
        inside = np.searchsorted(self.minutes, t).astype(float)
        beyond = len(self.minutes) + (t - self.end) * self.density
        return np.where(t >= self.end, beyond, inside)

    def time(self, p: np.ndarray) -> np.ndarray:
        m = len(self.minutes)
        whole = np.floor(p).astype(np.int64)
        inside = self.minutes[np.clip(whole, 0, m - 1)] + ((p - whole) * 60).astype(np.int64)
        beyond = self.end + ((p - m) / self.density).astype(np.int64)
        return np.where(whole < m, inside, beyond)


def write_event_csv(log: EventLog, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.csv"
    log.frame.drop("at").write_csv(path, line_terminator="\n")
    return path


_XES_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<string key="process" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<string key="lifecycle:transition" value="complete"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
\t\t<string key="org:resource" value="__INVALID__"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>
"""


def _xml_attr(column: str) -> pl.Expr:
    # Values are written between double quotes: escape what XML requires there.
    return (
        pl.col(column)
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
    )


def write_event_xes(log: EventLog, folder: Path, log_name: str) -> Path:
    """cases/events.xes.gz: gzip without a name or time in its header, so that reruns are identical."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.xes.gz"
    events = log.frame.with_columns(
        line=pl.concat_str(
            [
                pl.lit('\t\t<event><string key="concept:name" value="'),
                _xml_attr("activity"),
                pl.lit('"/><string key="lifecycle:transition" value="'),
                pl.col("lifecycle"),
                pl.lit('"/><date key="time:timestamp" value="'),
                pl.col("timestamp").str.slice(0, 19),
                pl.lit(".000"),
                pl.col("timestamp").str.slice(19),
                pl.lit('"/><string key="org:resource" value="'),
                _xml_attr("agent"),
                pl.lit('"/></event>'),
            ]
        )
    )
    traces = events.group_by("case_id", "process", maintain_order=True).agg(pl.col("line").str.join("\n"))
    traces = traces.select(
        pl.concat_str(
            [
                pl.lit('\t<trace>\n\t\t<string key="concept:name" value="'),
                _xml_attr("case_id"),
                pl.lit('"/>\n\t\t<string key="process" value="'),
                _xml_attr("process"),
                pl.lit('"/>\n'),
                pl.col("line"),
                pl.lit("\n\t</trace>"),
            ]
        ).alias("xml")
    )
    body = "\n".join(traces["xml"].to_list())
    text = _XES_HEADER + f'\t<string key="concept:name" value={quoteattr(log_name)}/>\n'
    text += (body + "\n" if body else "") + "</log>\n"
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    return path
