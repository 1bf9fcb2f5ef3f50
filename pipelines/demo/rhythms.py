"""Daily, weekly and yearly rhythms of demand (relative weights), shared by the source simulators."""

from __future__ import annotations

import numpy as np

# Requests handled in office hours (counter, phone, post, and digital ones sent during the day).
OFFICE_HOURLY = np.array([1.0] * 8 + [0.9, 1.4, 1.6, 1.5, 1.0, 1.2, 1.3, 1.2, 0.9] + [1.0] * 7)
OFFICE_WEEKDAY = np.array([1.15, 1.05, 1.0, 1.0, 0.85, 1.0, 1.0])
# Digital requests outside office hours on a working day: evenings peak, nights are quiet; the
# daytime values cover lunch breaks and afternoons of communes that close early.
AFTER_HOURS_WORKDAY_HOURLY = np.array(
    [0.25, 0.12, 0.07, 0.05, 0.05, 0.1, 0.35, 0.8] + [0.9] * 9 + [1.3, 1.4, 1.5, 1.6, 1.5, 1.1, 0.6]
)
# Weekends and holidays: a late start, a long plateau through the day and the evening.
NON_WORKING_DAY_HOURLY = np.array(
    [
        0.25,
        0.12,
        0.07,
        0.05,
        0.05,
        0.08,
        0.2,
        0.4,
        0.7,
        1.0,
        1.2,
        1.3,
        1.2,
        1.1,
        1.1,
        1.2,
        1.2,
        1.2,
        1.2,
        1.3,
        1.4,
        1.3,
        1.0,
        0.6,
    ]
)
NON_WORKING_WEEKDAY = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.9])
# Summer holidays and the Christmas break are quieter; September and January busier.
MONTHLY = np.array([1.08, 1.05, 1.08, 1.0, 0.98, 1.0, 0.88, 0.78, 1.05, 1.08, 1.02, 0.85])

# Contact centre: the morning rush, Monday the busiest day.
CALL_HOURLY = np.array([1.0] * 8 + [1.3, 1.8, 1.7, 1.5, 1.0, 1.2, 1.3, 1.1, 0.8] + [0.8] * 7)
CALL_WEEKDAY = np.array([1.25, 1.05, 1.0, 0.95, 0.85, 1.0, 1.0])

# Portal logins through the day (the app and the web together).
PORTAL_HOURLY = np.array(
    [
        0.15,
        0.08,
        0.05,
        0.04,
        0.05,
        0.1,
        0.3,
        0.7,
        1.2,
        1.6,
        1.7,
        1.6,
        1.4,
        1.4,
        1.5,
        1.5,
        1.4,
        1.3,
        1.3,
        1.3,
        1.3,
        1.1,
        0.8,
        0.4,
    ]
)


def flat(value: float = 1.0) -> np.ndarray:
    return np.full(24, value)
