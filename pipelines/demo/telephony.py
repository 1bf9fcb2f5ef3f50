"""The contact centre's Asterisk queue_log.

Lines are `epoch|uniqueid|queuename|agent|event|data1|data2|data3`, in time order, as Asterisk
appends them: ENTERQUEUE when a call joins a queue, then CONNECT and COMPLETECALLER/COMPLETEAGENT
for an answered call, or ABANDON (the caller hung up) or EXITWITHTIMEOUT (the queue gave up).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo import rhythms
from pipelines.demo.calendar import CommuneCalendar
from pipelines.demo.people import Citizens, national_phone
from pipelines.demo.profiles import CALLS_PER_YEAR, CommuneProfile
from pipelines.demo.randomness import allocate_exact

# Of the calls not answered: short abandons (< 5 s), later abandons, time-outs.
_UNANSWERED_SPLIT = np.array([0.25, 0.625, 0.125])
QUEUE_TIMEOUT_S = 300
_EVENT_ORDER = {
    "ENTERQUEUE": 0,
    "CONNECT": 1,
    "COMPLETECALLER": 2,
    "COMPLETEAGENT": 2,
    "ABANDON": 1,
    "EXITWITHTIMEOUT": 1,
}


def simulate_calls(
    profile: CommuneProfile,
    cal: CommuneCalendar,
    citizens: Citizens,
    rng: np.random.Generator,
    scale: float,
) -> pl.DataFrame:
    """One row per queue_log line, sorted; columns epoch, line."""
    n = int(round(CALLS_PER_YEAR * profile.volume_factor * scale * cal.n_days / 366))
    weights = cal.weights(rhythms.CALL_HOURLY, rhythms.CALL_WEEKDAY, rhythms.MONTHLY, mask=cal.office)
    if not weights.sum():  # the contact centre is closed over the whole range
        n = 0
    enter = np.sort(cal.sample(rng, weights, n))
    queues = sorted(profile.queues)
    queue_w = np.array([profile.queues[q] for q in queues])
    queue = np.array(queues)[rng.choice(len(queues), size=n, p=queue_w / queue_w.sum())]
    answered_share = profile.calls_answered_share
    shares = np.concatenate([[answered_share], (1 - answered_share) * _UNANSWERED_SPLIT])
    outcome = allocate_exact(rng, n, shares)
    answered, short, abandon, timeout = (outcome == k for k in range(4))

    # Queue waits: answered calls mostly within a minute, a long tail up to the time-out.
    hold = np.clip(rng.lognormal(np.log(14.0), 1.1, n), 1, QUEUE_TIMEOUT_S - 1).astype(np.int64)
    wait = np.where(
        short,
        rng.integers(0, 5, n),
        np.where(
            abandon,
            np.clip(rng.lognormal(np.log(70.0), 0.8, n), 5, QUEUE_TIMEOUT_S - 1),
            QUEUE_TIMEOUT_S + rng.integers(0, 3, n),
        ),
    ).astype(np.int64)
    talk = np.clip(rng.lognormal(np.log(190.0), 0.6, n), 15, 3600).astype(np.int64)
    ring = np.minimum(hold, rng.integers(2, 16, n))
    origposition = 1 + rng.poisson(1.6, n)
    position = 1 + (rng.random(n) * origposition).astype(np.int64)
    agents = np.array([f"PJSIP/{1001 + i}" for i in range(profile.agent_count)])
    agent = agents[rng.integers(0, len(agents), n)]
    caller_agent = rng.random(n) < 0.55  # who hung up first

    # Caller id: citizens of the pool for most calls, unknown numbers and hidden ones for the rest.
    known = rng.random(n)
    pool_phone = national_phone(citizens.phone_e164, spaced=False)
    pool_phone = pool_phone[pool_phone != ""]
    callerid = np.where(
        known < 0.55,
        pool_phone[rng.integers(0, len(pool_phone), n)] if len(pool_phone) else "anonymous",
        np.where(known < 0.95, np.char.add("04", rng.integers(60_000_000, 99_999_999, n).astype(str)), "anonymous"),
    )
    uniqueid = np.char.add(np.char.add(enter.astype(str), "."), (1000 + np.arange(n)).astype(str))
    connect_at = enter + hold
    bridged = np.char.add(np.char.add(connect_at.astype(str), "."), (500_000 + np.arange(n)).astype(str))

    def lines(
        mask: np.ndarray,
        at: np.ndarray,
        who: np.ndarray | str,
        event: np.ndarray | str,
        d1: np.ndarray,
        d2: np.ndarray,
        d3: np.ndarray,
    ) -> pl.DataFrame:
        idx = np.flatnonzero(mask)
        ev = np.broadcast_to(np.asarray(event), (n,))[idx].astype(str)
        cols = {
            "epoch": at[idx].astype(np.int64),
            "call": idx.astype(np.int64),
            # One rank per kind of line (both COMPLETE events rank the same): ties sort in call order.
            "rank": np.full(len(idx), _EVENT_ORDER[str(ev[0])] if len(idx) else 0, dtype=np.int64),
            "u": uniqueid[idx],
            "q": queue[idx],
            "a": np.broadcast_to(np.asarray(who), (n,))[idx].astype(str),
            "e": ev,
            "x": np.asarray(d1)[idx].astype(str),
            "y": np.asarray(d2)[idx].astype(str),
            "z": np.asarray(d3)[idx].astype(str),
        }
        frame = pl.DataFrame(cols, schema_overrides={k: pl.String for k in "uqaexyz"})
        return frame.select(
            "epoch",
            "call",
            "rank",
            line=pl.concat_str([pl.col("epoch").cast(pl.String), *(pl.col(k) for k in "uqaexyz")], separator="|"),
        )

    everyone = np.ones(n, dtype=bool)
    empty = np.full(n, "")
    parts = [
        lines(everyone, enter, "NONE", "ENTERQUEUE", empty, callerid, origposition),
        lines(answered, connect_at, agent, "CONNECT", hold, bridged, ring),
        lines(
            answered,
            connect_at + talk,
            agent,
            np.where(caller_agent, "COMPLETECALLER", "COMPLETEAGENT"),
            hold,
            talk,
            origposition,
        ),
        lines(short | abandon, enter + wait, "NONE", "ABANDON", position, origposition, wait),
        lines(timeout, enter + wait, "NONE", "EXITWITHTIMEOUT", position, origposition, wait),
    ]
    return pl.concat(parts).sort(["epoch", "call", "rank"])


def write_queue_log(frame: pl.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "queue_log"
    text = "\n".join(frame["line"].to_list())
    path.write_text(text + "\n" if text else "", encoding="utf-8")
    return path
