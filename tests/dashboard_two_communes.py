"""A hand-made gold lake with two communes for the Targets and Communes pages' tests.

Every figure is chosen by hand (and kept here as plain Python data) so that the tests can compute what the
pages must show from these lists, independently of the pages' code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dashboard_fixtures import KPI_SCHEMA, communes_table, gold_folder

D = dt.date

PERIODS = {
    "2024": ("year", D(2024, 1, 1), D(2024, 12, 31)),
    "2024-10": ("month", D(2024, 10, 1), D(2024, 10, 31)),
    "2024-11": ("month", D(2024, 11, 1), D(2024, 11, 30)),
    "2024-12": ("month", D(2024, 12, 1), D(2024, 12, 31)),
}

# (mart, commune, period, kpi_name, numerator, denominator, value, unit): breakdown 'all'.
KPI_FIGURES: list[tuple[str, str, str, str, int | None, int | None, float, str]] = [
    ("kpi_adoption", "brussels", "2024", "requests_volume", 167_005, None, 167_005.0, "count"),
    ("kpi_adoption", "brussels", "2024", "digital_take_up", 108_553, 165_335, 108_553 / 165_335, "share"),
    ("kpi_adoption", "brussels", "2024", "services_digital_share", 39, 50, 39 / 50, "share"),
    ("kpi_adoption", "brussels", "2024-10", "services_digital_share", 38, 50, 38 / 50, "share"),
    ("kpi_adoption", "brussels", "2024-11", "services_digital_share", 38, 50, 38 / 50, "share"),
    ("kpi_adoption", "brussels", "2024-12", "services_digital_share", 39, 50, 39 / 50, "share"),
    ("kpi_adoption", "brussels", "2024-10", "requests_volume", 15_840, None, 15_840.0, "count"),
    ("kpi_adoption", "brussels", "2024-11", "requests_volume", 13_262, None, 13_262.0, "count"),
    ("kpi_adoption", "brussels", "2024-12", "requests_volume", 11_714, None, 11_714.0, "count"),
    ("kpi_adoption", "ixelles", "2024", "requests_volume", 40_000, None, 40_000.0, "count"),
    ("kpi_adoption", "ixelles", "2024", "digital_take_up", 20_000, 39_000, 20_000 / 39_000, "share"),
    ("kpi_adoption", "ixelles", "2024", "services_digital_share", 30, 40, 30 / 40, "share"),
    ("kpi_contact_centre", "brussels", "2024", "calls_offered", 1_200, None, 1_200.0, "count"),
    ("kpi_contact_centre", "brussels", "2024", "abandonment_rate", 90, 1_200, 90 / 1_200, "share"),
    ("kpi_contact_centre", "brussels", "2024", "average_speed_of_answer", 26_730, 1_080, 26_730 / 1_080, "seconds"),
    ("kpi_contact_centre", "brussels", "2024-11", "abandonment_rate", 8, 100, 0.08, "share"),
    ("kpi_contact_centre", "brussels", "2024-12", "abandonment_rate", 15, 200, 0.075, "share"),
    ("kpi_processing", "brussels", "2024", "lead_time_median_days", None, 1_500, 9.05, "days"),
    ("kpi_processing", "brussels", "2024", "sla_compliance", 1_200, 1_500, 0.8, "share"),
    ("kpi_processing", "ixelles", "2024", "lead_time_median_days", None, 300, 12.5, "days"),
    ("kpi_processing", "ixelles", "2024", "sla_compliance", 210, 300, 0.7, "share"),
]

# kpi_target_status rows: brussels has two targets (one with too few months for a projection).
TARGET_STATUS: list[dict[str, object]] = [
    {
        "commune_id": "brussels", "kpi_name": "services_digital_share", "target_value": 0.85,
        "deadline": D(2025, 12, 31), "as_of_month": "2024-11", "as_of_date": D(2024, 11, 30),
        "latest_value": 0.76, "latest_numerator": 38, "latest_denominator": 50, "gap": 0.09,
        "lower_is_better": False, "months_used": 11, "slope_per_month": 0.0061, "projected_value": 0.848831,
        "projection_low": 0.818072, "projection_high": 0.87959, "status": "at risk",
    },
    {
        "commune_id": "brussels", "kpi_name": "services_digital_share", "target_value": 0.85,
        "deadline": D(2025, 12, 31), "as_of_month": "2024-12", "as_of_date": D(2024, 12, 31),
        "latest_value": 0.78, "latest_numerator": 39, "latest_denominator": 50, "gap": 0.07,
        "lower_is_better": False, "months_used": 12, "slope_per_month": 0.006274, "projected_value": 0.852171,
        "projection_low": 0.826055, "projection_high": 0.878287, "status": "at risk",
    },
    {
        "commune_id": "brussels", "kpi_name": "abandonment_rate", "target_value": 0.05,
        "deadline": D(2025, 6, 30), "as_of_month": "2024-12", "as_of_date": D(2024, 12, 31),
        "latest_value": 0.075, "latest_numerator": 15, "latest_denominator": 200, "gap": -0.025,
        "lower_is_better": True, "months_used": 2, "slope_per_month": None, "projected_value": None,
        "projection_low": None, "projection_high": None, "status": None,
    },
]  # fmt: skip
TARGET_SCHEMA = pa.schema(
    [
        ("commune_id", pa.string()), ("kpi_name", pa.string()), ("target_value", pa.float64()),
        ("deadline", pa.date32()), ("as_of_month", pa.string()), ("as_of_date", pa.date32()),
        ("latest_value", pa.float64()), ("latest_numerator", pa.int64()), ("latest_denominator", pa.int64()),
        ("gap", pa.float64()), ("lower_is_better", pa.bool_()), ("months_used", pa.int32()),
        ("slope_per_month", pa.float64()), ("projected_value", pa.float64()), ("projection_low", pa.float64()),
        ("projection_high", pa.float64()), ("status", pa.string()),
    ]
)  # fmt: skip

# dim_service: (commune, code, fr, nl, en, active_from, retired_on, digital_since).
SERVICES: list[tuple[str, str, str, str, str, dt.date, dt.date | None, dt.date | None]] = [
    ("brussels", "POP-EID", "Carte d'identité", "Identiteitskaart", "ID card", D(2010, 1, 1), None, D(2021, 6, 1)),
    ("brussels", "CIV-BIRTH", "Naissance", "Geboorte", "Birth registration", D(2010, 1, 1), None, None),
    ("brussels", "MOB-PED", "Zone piétonne", "Voetgangerszone", "Pedestrian zone", D(2010, 1, 1), None, D(2025, 4, 1)),
    ("brussels", "ECO-NIGHT", "Magasin de nuit", "Nachtwinkel", "Night shop", D(2010, 1, 1), D(2024, 6, 30), None),
    ("brussels", "MOB-NEW", "Nouveau", "Nieuw", "New service", D(2025, 1, 1), None, None),
    ("brussels", "CIV-MARRIAGE", "Mariage", "Huwelijk", "Marriage", D(2010, 1, 1), None, D(2024, 12, 15)),
    ("ixelles", "POP-EID", "Carte d'identité", "Identiteitskaart", "Identity card", D(2010, 1, 1), None, None),
]  # fmt: skip

DIGITAL = {"portal": True, "app": True, "email": True}
# fct_requests: (commune, service_code, channel, created_date_local).
REQUESTS: list[tuple[str, str, str, dt.date]] = [
    ("brussels", "CIV-BIRTH", "counter", D(2023, 12, 31)),
    ("brussels", "CIV-BIRTH", "counter", D(2024, 3, 1)),
    ("brussels", "CIV-BIRTH", "phone", D(2024, 6, 1)),
    ("brussels", "CIV-BIRTH", "portal", D(2024, 7, 1)),
    ("brussels", "CIV-BIRTH", "unknown", D(2024, 5, 1)),
    ("brussels", "MOB-PED", "counter", D(2024, 2, 1)),
    ("brussels", "MOB-PED", "phone", D(2024, 10, 10)),
    ("brussels", "MOB-PED", "post", D(2024, 12, 31)),
    ("brussels", "CIV-MARRIAGE", "counter", D(2024, 11, 20)),
    ("brussels", "CIV-MARRIAGE", "portal", D(2024, 12, 20)),
    ("brussels", "POP-EID", "portal", D(2024, 4, 4)),
    ("brussels", "POP-EID", "app", D(2024, 4, 5)),
    ("brussels", "NOT-IN-CATALOGUE", "counter", D(2024, 4, 4)),
    ("ixelles", "POP-EID", "counter", D(2024, 4, 4)),
]


def kpi_rows(mart: str) -> list[dict[str, object]]:
    rows = []
    for row_mart, commune, period, kpi, numerator, denominator, value, unit in KPI_FIGURES:
        if row_mart != mart:
            continue
        period_type, start, end = PERIODS[period]
        rows.append(
            {
                "commune_id": commune, "period_type": period_type, "period": period, "period_start": start,
                "period_end": end, "kpi_name": kpi, "breakdown": "all", "breakdown_value": "all",
                "numerator": numerator, "denominator": denominator, "value": value, "unit": unit,
            }
        )  # fmt: skip
        # A breakdown row of the same KPI, with another value: the pages must never show it.
        rows.append(rows[-1] | {"breakdown": "service", "breakdown_value": "POP-EID", "value": 0.123})
    return rows


def write_gold(lake: Path, *, without: tuple[str, ...] = ()) -> Path:
    """Write the gold files (all but those named in `without`) under lake/gold."""
    gold = gold_folder(lake)
    tables = {
        "dim_commune": communes_table(),
        "kpi_target_status": pa.Table.from_pylist(TARGET_STATUS, schema=TARGET_SCHEMA),
        "dim_service": pa.table(
            {
                "commune_id": [s[0] for s in SERVICES],
                "service_code": [s[1] for s in SERVICES],
                "name_fr": [s[2] for s in SERVICES],
                "name_nl": [s[3] for s in SERVICES],
                "name_en": [s[4] for s in SERVICES],
                "process_code": ["PROC-X"] * len(SERVICES),
                "owner": ["owner"] * len(SERVICES),
                "active_from": pa.array([s[5] for s in SERVICES], pa.date32()),
                "retired_on": pa.array([s[6] for s in SERVICES], pa.date32()),
                "digital_since": pa.array([s[7] for s in SERVICES], pa.date32()),
                "sla_days": pa.array([10] * len(SERVICES), pa.int32()),
            }
        ),
        "fct_requests": pa.table(
            {
                "commune_id": [r[0] for r in REQUESTS],
                "request_id": [f"R{i}" for i in range(len(REQUESTS))],
                "service_code": [r[1] for r in REQUESTS],
                "channel": [r[2] for r in REQUESTS],
                "is_digital": [DIGITAL.get(r[2], False) for r in REQUESTS],
                "is_known_channel": [r[2] != "unknown" for r in REQUESTS],
                "created_date_local": pa.array([r[3] for r in REQUESTS], pa.date32()),
            }
        ),
    }
    for mart in ("kpi_adoption", "kpi_contact_centre", "kpi_processing"):
        tables[mart] = pa.Table.from_pylist(kpi_rows(mart), schema=KPI_SCHEMA)
    for name, table in tables.items():
        if name not in without:
            pq.write_table(table, gold / f"{name}.parquet")
    return gold
