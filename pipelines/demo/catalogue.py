"""The service catalogue of a commune (derived from the reference catalogue) and its CSV export."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.demo.profiles import LAUNCH_SERVICE, SERVICES, CommuneProfile, ServiceDef

# Beyond this date a planned digital_since is not credible: the service stays offline.
_PLANNING_HORIZON = date(2026, 12, 31)


def build_catalogue(profile: CommuneProfile, rng: np.random.Generator) -> list[ServiceDef]:
    """The commune's services, sorted by code.

    Brussels gets the reference catalogue as is (its figures are published). Other communes drop a
    few services, put theirs online later (a lag plus some spread), and leave some offline.
    """
    services = [s for s in SERVICES if s.code not in profile.dropped_services]
    if profile.id == "brussels":
        return sorted(services, key=lambda s: s.code)
    out: list[ServiceDef] = []
    for service in services:
        jitter = int(rng.integers(-60, 120))
        never = rng.random() < profile.extra_never_online
        digital = service.digital_since
        if digital is not None and not never:
            # Old e-counter services (before the platform) stay where they are; platform ones lag.
            lag = profile.digital_lag_days + jitter if digital >= date(2021, 1, 1) else 0
            digital = _monday_on_or_after(digital + timedelta(days=max(lag, 0)))
            if service.code == LAUNCH_SERVICE:
                digital = _monday_on_or_after(digital)
            if digital > _PLANNING_HORIZON:
                digital = None
        else:
            digital = None
        out.append(dataclasses.replace(service, digital_since=digital))
    return sorted(out, key=lambda s: s.code)


def _monday_on_or_after(day: date) -> date:
    # Services go live at the start of a week in practice.
    return day + timedelta(days=(7 - day.weekday()) % 7)


def catalogue_frame(services: list[ServiceDef]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "service_code": [s.code for s in services],
            "name_fr": [s.name_fr for s in services],
            "name_nl": [s.name_nl for s in services],
            "name_en": [s.name_en for s in services],
            "process_code": [s.process for s in services],
            "owner": [s.owner for s in services],
            "active_from": [s.active_from for s in services],
            "retired_on": [s.retired_on for s in services],
            "digital_since": [s.digital_since for s in services],
            "sla_days": [s.sla_days for s in services],
        },
        schema={
            "service_code": pl.String,
            "name_fr": pl.String,
            "name_nl": pl.String,
            "name_en": pl.String,
            "process_code": pl.String,
            "owner": pl.String,
            "active_from": pl.Date,
            "retired_on": pl.Date,
            "digital_since": pl.Date,
            "sla_days": pl.Int64,
        },
    )


def write_catalogue(services: list[ServiceDef], folder: Path) -> tuple[Path, int]:
    """catalogue/services.csv: one row per service, empty cells for missing values."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "services.csv"
    frame = catalogue_frame(services)
    frame.write_csv(path, date_format="%Y-%m-%d", null_value="", line_terminator="\n")
    return path, frame.height
