"""Local time for one commune: office hours, holidays, and sampling of instants on a minute grid.

Why a grid of UTC minutes: each UTC instant maps to exactly one local time, so sampling on it can
never produce a local time that does not exist (the spring DST gap), and the autumn hour that
occurs twice simply gets twice the minutes. Weights per minute encode the daily and weekly rhythm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np
import polars as pl

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EPOCH = date(1970, 1, 1)
_QUARTER = 900  # offsets are looked up per UTC quarter-hour (every real zone changes on one)


def parse_window(text: str) -> tuple[int, int]:
    """'08:30-12:30' -> (510, 750), minutes of the day."""
    start, end = text.split("-")
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    return h1 * 60 + m1, h2 * 60 + m2


def holiday_dates(country: str | None, extra: Iterable[tuple[int, int, str]], years: Iterable[int]) -> dict[date, str]:
    """Public holidays of the country (the `holidays` package) plus the commune's yearly extras."""
    years = sorted(set(years))
    found: dict[date, str] = {}
    if country:
        for day, name in holidays_lib.country_holidays(country, years=years).items():
            found[day] = name
    for year in years:
        for month, day, name in extra:
            found.setdefault(date(year, month, day), name)
    return dict(sorted(found.items()))


def epoch_days(day: date) -> int:
    return (day - _EPOCH).days


class TzOffsets:
    """UTC offset (seconds) of a zone for any UTC instant of a span, vectorised."""

    def __init__(self, tz: str, first: date, last: date) -> None:
        zone = ZoneInfo(tz)
        self.base = (epoch_days(first) - 2) * 86400
        stop = (epoch_days(last) + 3) * 86400
        # One zoneinfo look-up per quarter-hour: ~100 a day, cheap, and exact at every transition.
        self.offsets = np.array(
            [
                int(datetime.fromtimestamp(s, zone).utcoffset().total_seconds())
                for s in range(self.base, stop, _QUARTER)
            ],
            dtype=np.int64,
        )
        self.distinct = np.unique(self.offsets)

    def at(self, utc: np.ndarray) -> np.ndarray:
        index = (np.asarray(utc, dtype=np.int64) - self.base) // _QUARTER
        return self.offsets[np.clip(index, 0, len(self.offsets) - 1)]

    def to_utc(self, local: np.ndarray) -> np.ndarray:
        """Naive local epoch seconds -> UTC epoch seconds.

        An ambiguous local time takes its first occurrence (fold=0); a local time in a DST gap is
        moved forward by the gap, as zoneinfo does, so no non-existent time survives.
        """
        local = np.asarray(local, dtype=np.int64)
        result = np.full(local.shape, -1, dtype=np.int64)
        for offset in sorted(self.distinct, reverse=True):  # larger offset = earlier instant first
            candidate = local - offset
            ok = (result < 0) & (self.at(candidate) == offset)
            result[ok] = candidate[ok]
        gap = result < 0
        if gap.any():
            result[gap] = local[gap] - int(self.distinct.max())
        return result

    def format_local(self, utc: np.ndarray) -> pl.Series:
        """'2024-03-05T08:12:33+01:00' strings (ISO 8601, local time with its offset)."""
        utc = np.asarray(utc, dtype=np.int64)
        if not len(utc):
            return pl.Series([], dtype=pl.String)
        offsets = self.at(utc)
        local = _as_series(utc + offsets).dt.strftime("%Y-%m-%dT%H:%M:%S")
        labels = {int(o): _offset_label(int(o)) for o in np.unique(offsets)}
        suffix = pl.Series(offsets, dtype=pl.Int64).replace_strict(labels, return_dtype=pl.String)
        return local + suffix


def _offset_label(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def format_utc(utc: np.ndarray) -> pl.Series:
    """'2024-03-05T07:12:33Z' strings."""
    return _as_series(utc).dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_series(epoch_seconds: np.ndarray) -> pl.Series:
    # polars takes numpy datetimes in ms, us or ns, not s.
    seconds = np.asarray(epoch_seconds, dtype=np.int64).astype("datetime64[s]")
    return pl.Series(seconds.astype("datetime64[ms]"))


class CommuneCalendar:
    """Office hours and holidays of a commune, with a minute grid over [start, end] (local days)."""

    def __init__(
        self,
        tz: str,
        office_hours: Mapping[str, Iterable[str]],
        holidays: Mapping[date, str],
        start: date,
        end: date,
        margin_days: int = 45,
    ) -> None:
        self.tz = tz
        self.zone = ZoneInfo(tz)
        self.start, self.end = start, end
        self.n_days = (end - start).days + 1
        self.holidays = dict(holidays)
        self.windows: dict[int, list[tuple[int, int]]] = {
            WEEKDAYS.index(day): sorted(parse_window(w) for w in windows) for day, windows in office_hours.items()
        }
        self.offsets = TzOffsets(tz, start, end + timedelta(days=margin_days))
        self.utc_start = self.local_midnight(start)
        self.utc_end = self.local_midnight(end + timedelta(days=1))  # exclusive: the extract time

        # The grid: one row per UTC minute of the range.
        self.utc = np.arange(self.utc_start, self.utc_end, 60, dtype=np.int64)
        local = self.utc + self.offsets.at(self.utc)
        local_day = local // 86400
        self.day = (local_day - epoch_days(start)).astype(np.int32)
        self.minute = ((local % 86400) // 60).astype(np.int32)
        self.hour = self.minute // 60
        self.weekday = ((local_day + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
        self.dates = np.arange(np.datetime64(start), np.datetime64(end + timedelta(days=1)), dtype="datetime64[D]")
        self.month = (self.dates.astype("datetime64[M]").astype(int) % 12 + 1)[self.day]
        day_list = self.dates.tolist()
        self.is_holiday_day = np.array([d in self.holidays for d in day_list], dtype=bool)
        self.working_day = self.is_working_day(day_list)  # per local day of the range
        self.on_working_day = self.working_day[self.day]  # per grid minute
        self.office = self._office_mask(self.weekday, self.minute) & ~self.is_holiday_day[self.day]
        self._day_first = np.searchsorted(self.day, np.arange(self.n_days + 1))

    def local_midnight(self, day: date) -> int:
        return int(datetime.combine(day, time(0), tzinfo=self.zone).timestamp())

    def _office_mask(self, weekday: np.ndarray, minute: np.ndarray) -> np.ndarray:
        mask = np.zeros(weekday.shape, dtype=bool)
        for wd, windows in self.windows.items():
            on_day = weekday == wd
            for start, end in windows:
                mask |= on_day & (minute >= start) & (minute < end)
        return mask

    def is_working_day(self, days: Iterable[date]) -> np.ndarray:
        return np.array(
            [
                (d.weekday() in self.windows and bool(self.windows[d.weekday()])) and d not in self.holidays
                for d in days
            ],
            dtype=bool,
        )

    def weights(
        self,
        hourly: np.ndarray,
        weekday: np.ndarray | None = None,
        monthly: np.ndarray | None = None,
        mask: np.ndarray | None = None,
    ) -> np.ndarray:
        """Per-minute weights: hour-of-day profile x day-of-week factor x month factor, masked."""
        w = np.asarray(hourly, dtype=float)[self.hour]
        if weekday is not None:
            w = w * np.asarray(weekday, dtype=float)[self.weekday]
        if monthly is not None:
            w = w * np.asarray(monthly, dtype=float)[self.month - 1]
        if mask is not None:
            w = np.where(mask, w, 0.0)
        return w

    def sample(self, rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
        """n UTC instants (epoch seconds), minutes drawn in proportion to weights."""
        cum = np.cumsum(weights)
        if n == 0 or cum[-1] <= 0:
            return np.zeros(0, dtype=np.int64) if n == 0 else self.utc[rng.integers(0, len(self.utc), n)]
        picks = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
        picks = np.minimum(picks, len(cum) - 1)
        return self.utc[picks] + rng.integers(0, 60, n)

    def sample_in_days(self, rng: np.random.Generator, weights: np.ndarray, days: np.ndarray) -> np.ndarray:
        """One UTC instant for each given local-day index, drawn within that day by the weights."""
        days = np.asarray(days, dtype=np.int64)
        cum = np.concatenate([[0.0], np.cumsum(weights)])
        first, stop = self._day_first[days], self._day_first[days + 1]
        low, high = cum[first], cum[stop]
        picks = np.searchsorted(cum, low + rng.random(len(days)) * (high - low), side="right") - 1
        empty = high <= low
        if empty.any():  # a day with no weight: any minute of it
            width = (stop - first)[empty]
            picks[empty] = first[empty] + (rng.random(int(empty.sum())) * width).astype(np.int64)
        picks = np.clip(picks, first, stop - 1)
        return self.utc[picks] + rng.integers(0, 60, len(days))

    def local_day_index(self, utc: np.ndarray) -> np.ndarray:
        local = np.asarray(utc, dtype=np.int64) + self.offsets.at(utc)
        return (local // 86400 - epoch_days(self.start)).astype(np.int64)

    def office_minutes(self) -> np.ndarray:
        """UTC start of every office minute of the range (sorted)."""
        return self.utc[self.office]
