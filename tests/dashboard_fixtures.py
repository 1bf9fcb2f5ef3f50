"""Helpers shared by the dashboard tests: the long KPI format of the gold marts, the two communes'
dim_commune, and the AppTest runner with the element readers the page tests use."""

from __future__ import annotations

import secrets
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import auth, data, server, session

APP = Path(server.APP)

# The long format of kpi_adoption, kpi_contact_centre and kpi_processing (data-contracts.md, "Gold").
KPI_SCHEMA = pa.schema(
    [
        ("commune_id", pa.string()),
        ("period_type", pa.string()),
        ("period", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("kpi_name", pa.string()),
        ("breakdown", pa.string()),
        ("breakdown_value", pa.string()),
        ("numerator", pa.int64()),
        ("denominator", pa.int64()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("detail", pa.string()),
    ]
)

COMMUNES = {
    "brussels": {"fr": "Ville de Bruxelles", "nl": "Stad Brussel", "en": "City of Brussels"},
    "ixelles": {"fr": "Ixelles", "nl": "Elsene", "en": "Ixelles"},
}


def communes_table() -> pa.Table:
    """dim_commune of the two communes (brussels, ixelles)."""
    return pa.table(
        {
            "commune_id": list(COMMUNES),
            "name_fr": [n["fr"] for n in COMMUNES.values()],
            "name_nl": [n["nl"] for n in COMMUNES.values()],
            "name_en": [n["en"] for n in COMMUNES.values()],
            "timezone": ["Europe/Brussels"] * len(COMMUNES),
        }
    )


def gold_folder(lake: Path) -> Path:
    """lake/gold, created if need be."""
    gold = lake / "gold"
    gold.mkdir(parents=True, exist_ok=True)
    return gold


def add_user(
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    name: str,
    role: str = auth.MANAGEMENT,
    services: tuple[str, ...] = (),
) -> str:
    """Add a local user with a random password to the access file of `folder` (made the app's through
    $CIVICLAKE_USERS); returns the password."""
    password = secrets.token_urlsafe(12)
    users = folder / "civiclake-users.json"
    auth.set_user(users, name, password, role, services)
    monkeypatch.setenv(auth.USERS_ENV, str(users))
    return password


def signed_in(
    monkeypatch: pytest.MonkeyPatch,
    at: AppTest,
    folder: Path,
    name: str = "manager",
    role: str = auth.MANAGEMENT,
    services: tuple[str, ...] = (),
) -> AppTest:
    """`at` with `name` signed in, as the sign-in form leaves the session (tests/test_dashboard_access.py
    signs in through the form itself)."""
    add_user(monkeypatch, folder, name, role, services)
    at.session_state[session.USER_KEY] = name
    return at


def open_app(
    monkeypatch: pytest.MonkeyPatch, lake: Path, page: str, lang: str | None = None, timeout: float = 60
) -> AppTest:
    """The app over `lake`, signed in as management, switched to `page` (`views/<name>.py`), in `lang` if
    given."""
    monkeypatch.setenv(data.LAKE_ENV, str(lake))
    # The first run imports pandas, duckdb and altair: far above AppTest's 3 s default.
    at = signed_in(monkeypatch, AppTest.from_file(str(APP), default_timeout=timeout), lake.parent)
    if lang:
        at.session_state["lang"] = lang
    return at.run().switch_page(page).run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def markdowns(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The one dataframe of the page that has `column`."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def record_downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """From now on, every st.download_button call of the app is recorded: its keyword arguments and its
    `data`, in order of the calls (the button is still drawn). The pages look st.download_button up at
    call time, so the wrapper sees the exact bytes offered."""
    import streamlit as st

    offered: list[dict[str, object]] = []
    original = st.download_button

    def recording_download_button(label: str, data: bytes, **kwargs: object) -> bool:
        offered.append(kwargs | {"data": data})
        return original(label, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(st, "download_button", recording_download_button)
    return offered
