"""The online appointment system's export: bookings with their slot, channel and outcome.

Bookings are counted by booking date (as the KPI does). Slots are 1 to 30 days after the booking,
on a working day, inside an opening window, aligned to the service's slot length, so a slot
never falls on a holiday or straddles a closing time.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo import rhythms
from pipelines.demo.calendar import CommuneCalendar, epoch_days
from pipelines.demo.people import Citizens, national_phone
from pipelines.demo.profiles import APPOINTMENTS_PER_YEAR, CommuneProfile, ServiceDef
from pipelines.demo.randomness import allocate_exact

BOOKING_CHANNELS = ("online", "phone", "counter")
STATUSES = ("attended", "no-show", "cancelled")
_STATUS_SHARES = (0.85, 0.07, 0.08)
_MAX_DAYS_AHEAD = 30


def simulate_appointments(
    profile: CommuneProfile,
    cal: CommuneCalendar,
    services: list[ServiceDef],
    citizens: Citizens,
    rng: np.random.Generator,
    scale: float,
) -> pl.DataFrame:
    n = int(round(APPOINTMENTS_PER_YEAR * profile.volume_factor * scale * cal.n_days / 366))
    online_share = profile.appointments_online_share
    offline = (1 - online_share) / 2  # phone bookings a little more common than at the desk
    channel = allocate_exact(rng, n, np.array([online_share, offline * 1.2, offline * 0.8]))

    # Booking time: online at any hour (web rhythm), phone and counter bookings in office hours.
    booked = np.empty(n, dtype=np.int64)
    online = channel == 0
    web_w = cal.weights(rhythms.PORTAL_HOURLY, monthly=rhythms.MONTHLY)
    office_w = cal.weights(rhythms.OFFICE_HOURLY, rhythms.OFFICE_WEEKDAY, rhythms.MONTHLY, mask=cal.office)
    booked[online] = cal.sample(rng, web_w, int(online.sum()))
    booked[~online] = cal.sample(rng, office_w, int((~online).sum()))
    booked_day = cal.local_day_index(booked)

    # Service: appointment services active on the booking day.
    candidates = [i for i, s in enumerate(services) if s.appointment_minutes > 0]
    weights = np.array([services[i].appointment_weight for i in candidates])
    active = np.array(
        [
            [(s.active_from <= d) and (s.retired_on is None or d < s.retired_on) for d in cal.dates.tolist()]
            for s in (services[i] for i in candidates)
        ]
    ).reshape(len(candidates), cal.n_days)
    service = np.empty(n, dtype=np.int64)
    _, period = np.unique(active.T, axis=0, return_inverse=True)
    period = period.reshape(-1)
    for p in np.unique(period[booked_day]) if n else []:
        rows = np.flatnonzero(period[booked_day] == p)
        w = weights * active[:, int(np.flatnonzero(period == p)[0])]
        service[rows] = np.array(candidates)[rng.choice(len(candidates), size=len(rows), p=w / w.sum())]
    minutes = np.array([s.appointment_minutes for s in services])[service] if n else np.zeros(0, np.int64)

    slot_start, slot_end = _slots(cal, rng, booked_day, minutes)

    # Citizens: online bookings need an e-mail address.
    with_email = np.flatnonzero(citizens.email != "")
    who = rng.integers(0, len(citizens), n)
    who[online] = with_email[rng.integers(0, len(with_email), int(online.sum()))]
    status = rng.choice(len(STATUSES), size=n, p=np.array(_STATUS_SHARES))
    sites = sorted(profile.sites)
    site_w = np.array([profile.sites[s] for s in sites])
    site = rng.choice(len(sites), size=n, p=site_w / site_w.sum())
    main_site = int(np.argmax(site_w))
    codes = np.array([s.code for s in services])
    # Civil-status ceremonies and archives are only at the main office.
    central = np.isin(codes[service], ["CIV-MARRIAGE", "CIV-COHAB", "CIV-NATIONALITY", "URB-ARCHIVE"])
    site[central] = main_site

    order = np.lexsort((slot_start, booked))
    frame = pl.DataFrame(
        {
            "appointment_id": [f"RDV-{i + 1:07d}" for i in range(n)],
            "service_code": codes[service][order],
            "booking_channel": np.array(BOOKING_CHANNELS)[channel][order],
            "booked_at": cal.offsets.format_local(booked[order]),
            "slot_start": cal.offsets.format_local(slot_start[order]),
            "slot_end": cal.offsets.format_local(slot_end[order]),
            "status": np.array(STATUSES)[status][order],
            "site": np.array(sites)[site][order],
            "citizen_name": citizens.fullname[who][order],
            "citizen_email": citizens.email[who][order],
            "citizen_phone": national_phone(citizens.phone_e164[who], spaced=True)[order] if n else [],
        },
        schema={
            c: pl.String
            for c in (
                "appointment_id",
                "service_code",
                "booking_channel",
                "booked_at",
                "slot_start",
                "slot_end",
                "status",
                "site",
                "citizen_name",
                "citizen_email",
                "citizen_phone",
            )
        },
    )
    return frame


def _slots(
    cal: CommuneCalendar, rng: np.random.Generator, booked_day: np.ndarray, minutes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """UTC start and end of a slot 1-30 days after each booking day, inside the opening windows."""
    # Working days from the start of the range to 31 days after its end.
    horizon = [cal.start + timedelta(days=i) for i in range(cal.n_days + _MAX_DAYS_AHEAD + 1)]
    working = np.flatnonzero(cal.is_working_day(horizon))  # day offsets from cal.start
    lo = np.searchsorted(working, booked_day + 1)
    hi = np.searchsorted(working, booked_day + _MAX_DAYS_AHEAD + 1)
    span = np.maximum(hi - lo, 1)
    # People take the first free slots: earlier days are likelier.
    pick = lo + np.minimum((span * rng.random(len(booked_day)) ** 1.6).astype(np.int64), span - 1)
    slot_day = working[np.minimum(pick, len(working) - 1)]
    weekday = (epoch_days(cal.start) + slot_day + 3) % 7

    start_minute = np.zeros(len(booked_day), dtype=np.int64)
    for wd in range(7):
        for length in np.unique(minutes):
            rows = np.flatnonzero((weekday == wd) & (minutes == length))
            if not len(rows):
                continue
            grid = [m for a, b in cal.windows.get(wd, []) for m in range(a, b - int(length) + 1, int(length))]
            if not grid:  # a window shorter than the slot: start at its opening
                grid = [a for a, _ in cal.windows.get(wd, [(480, 1020)])]
            start_minute[rows] = np.array(grid)[rng.integers(0, len(grid), len(rows))]
    local = (epoch_days(cal.start) + slot_day) * 86400 + start_minute * 60
    start = cal.offsets.to_utc(local)
    end = cal.offsets.to_utc(local + minutes * 60)
    return start, end


def write_appointments(frame: pl.DataFrame, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bookings.csv"
    frame.write_csv(path, line_terminator="\n")
    return path
