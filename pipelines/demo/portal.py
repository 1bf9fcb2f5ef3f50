"""The citizen portal's authentication log (JSON lines).

Who logs in: every citizen who files a request on the portal or in the app (just before filing
it, so requests and logins link through the register number), plus citizens who come to follow
a file, download a document or pay, up to the commune's daily figure of distinct citizens.
The register number is written as the identity providers (itsme, eID/FAS) return it: 11 digits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo import rhythms
from pipelines.demo.calendar import CommuneCalendar, format_utc
from pipelines.demo.crm import Requests
from pipelines.demo.people import Citizens
from pipelines.demo.profiles import CHANNELS, CommuneProfile
from pipelines.demo.randomness import hex_tokens

METHODS = ("itsme", "eid", "password")
# Failed attempts before a successful one, by method (passwords are forgotten, eID readers fail).
_FAILURE_BEFORE_SUCCESS = {"itsme": 0.03, "eid": 0.08, "password": 0.16}
_EXTRA_SESSIONS = 0.25  # mean additional sessions of a citizen on a day they log in


def simulate_logins(
    profile: CommuneProfile,
    cal: CommuneCalendar,
    citizens: Citizens,
    requests: Requests,
    rng: np.random.Generator,
    scale: float,
) -> pl.DataFrame:
    has_nrn = np.flatnonzero(citizens.nrn != "")
    if not len(has_nrn):
        return _frame([], [], [], [], [])

    # Logins just before filing a request online.
    online = np.isin(requests.channel, [CHANNELS.index("portal"), CHANNELS.index("app")])
    linked = online & (requests.contact >= 0)
    linked &= citizens.nrn[np.maximum(requests.contact, 0)] != ""
    who_linked = requests.contact[linked]
    before = rng.integers(60, 1200, int(linked.sum()))
    at_linked = np.maximum(requests.created[linked] - before, cal.utc_start)
    day_linked = cal.local_day_index(at_linked)

    # Other visits, up to the daily number of distinct citizens.
    weekday_level, weekend_level = profile.portal_daily_citizens
    level = np.where(cal.working_day, weekday_level, weekend_level)
    months = cal.dates.astype("datetime64[M]").astype(int) % 12
    target = rng.poisson(level * scale * rhythms.MONTHLY[months] / rhythms.MONTHLY.mean())
    pairs = np.unique(day_linked * (len(citizens) + 1) + who_linked)
    linked_per_day = np.bincount(pairs // (len(citizens) + 1), minlength=cal.n_days)[: cal.n_days]
    extra = np.maximum(target - linked_per_day, 0)
    who_extra = (
        np.concatenate(
            [has_nrn[rng.choice(len(has_nrn), size=min(int(k), len(has_nrn)), replace=False)] for k in extra]
        )
        if extra.sum()
        else np.zeros(0, np.int64)
    )
    day_extra = np.repeat(np.arange(cal.n_days), np.minimum(extra, len(has_nrn)))
    sessions = 1 + rng.poisson(_EXTRA_SESSIONS, len(who_extra))
    who_extra = np.repeat(who_extra, sessions)
    day_extra = np.repeat(day_extra, sessions)
    weights = cal.weights(rhythms.PORTAL_HOURLY)
    at_extra = cal.sample_in_days(rng, weights, day_extra)

    who = np.concatenate([who_linked, who_extra])
    at = np.concatenate([at_linked, at_extra])
    method = citizens.login_method[who]
    # Failed attempts shortly before some successful ones.
    p_fail = np.select([method == m for m in METHODS], [_FAILURE_BEFORE_SUCCESS[m] for m in METHODS])
    failed = rng.random(len(who)) < p_fail
    fail_who = who[failed]
    fail_at = np.maximum(at[failed] - rng.integers(15, 180, int(failed.sum())), cal.utc_start)

    all_who = np.concatenate([who, fail_who])
    all_at = np.concatenate([at, fail_at])
    success = np.concatenate([np.ones(len(who), bool), np.zeros(len(fail_who), bool)])
    session = np.array(hex_tokens(rng, len(who)) + [""] * len(fail_who), dtype=object)
    order = np.lexsort((session.astype(str), all_who, all_at))
    return _frame(
        format_utc(all_at[order]).to_list(),
        citizens.nrn[all_who[order]].tolist(),
        citizens.login_method[all_who[order]].tolist(),
        success[order].tolist(),
        [s or None for s in session[order].tolist()],
    )


def _frame(timestamp: list, nrn: list, method: list, success: list, session: list) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "timestamp": timestamp,
            "national_register_number": nrn,
            "method": method,
            "success": success,
            "session_id": session,
        },
        schema={
            "timestamp": pl.String,
            "national_register_number": pl.String,
            "method": pl.String,
            "success": pl.Boolean,
            "session_id": pl.String,
        },
    )


def write_logins(frame: pl.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "logins.jsonl"
    frame.write_ndjson(path)
    return path
