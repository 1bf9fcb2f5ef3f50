"""active_citizens of int_portal_logins__kpis over several years, against a brute-force count.

The model counts distinct citizens per period without expanding each citizen-day into every period (the
rolling 12 months use islands of active months); here every figure it gives is recounted from the logins
themselves: the citizens with a successful login on a local day between the period's first and last day.
The logins are sparse and span three and a half years, so that citizens come back after gaps longer than
the 12-month window (a new island) and some windows hold nobody of a method.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.test_dbt_appointments_logins import citizen, login, write_entities
from tests.test_dbt_models import run_dbt, write_bronze_lake

FIRST_DAY, LAST_DAY = date(2021, 1, 4), date(2024, 6, 28)
METHODS = ("itsme", "eid", "password")
Login = tuple[str, date, str, bool]  # citizen, local day, method, success


def _logins() -> list[Login]:
    chooser = random.Random(20241201)
    span = (LAST_DAY - FIRST_DAY).days
    logins = [
        (f"p{number}", FIRST_DAY + timedelta(days=chooser.randint(0, span)), chooser.choice(METHODS), ok)
        for number in range(15)
        for ok in [chooser.random() < 0.85 for _ in range(chooser.randint(2, 9))]
    ]
    # The first and last days of the data hold a login each: the data covers the whole span.
    return [*logins, ("p0", FIRST_DAY, "itsme", True), ("p1", LAST_DAY, "eid", False)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Login]]:
    root = tmp_path_factory.mktemp("portal_active_citizens")
    lake, work = root / "lake", root / "work"
    logins = _logins()
    # 09:00 UTC is 10:00 or 11:00 in Brussels: the local day is the UTC day.
    rows = [login(name, datetime(d.year, d.month, d.day, 9, tzinfo=UTC), m, ok) for name, d, m, ok in logins]
    write_bronze_lake(lake)
    write_entities(lake, appointments=[], logins=rows)
    work.mkdir()
    result = run_dbt(["run", "--select", "+int_portal_logins__kpis"], lake, work)
    assert result.returncode == 0, result.stdout[-6000:]
    return work, logins


def test_the_fixture_has_citizens_who_come_back_after_more_than_a_year(built: tuple[Path, list[Login]]) -> None:
    _, logins = built
    months: dict[str, list[int]] = {}
    for name, day, _, ok in logins:
        if ok:
            months.setdefault(name, []).append(day.year * 12 + day.month)
    gaps = [b - a for active in months.values() for a, b in zip(sorted(active), sorted(active)[1:], strict=False)]
    assert sum(gap > 12 for gap in gaps) >= 3 and sum(1 <= gap <= 12 for gap in gaps) >= 3


def test_every_active_citizens_figure_equals_a_brute_force_count(built: tuple[Path, list[Login]]) -> None:
    work, logins = built
    with duckdb.connect(str(work / "civiclake.duckdb"), read_only=True) as connection:
        figures = connection.execute(
            "select period_type, period_start, period_end, breakdown, breakdown_value, numerator "
            "from main.int_portal_logins__kpis where kpi_name = 'active_citizens' and commune_id = 'brussels'"
        ).fetchall()
    by_type = {period_type for period_type, *_ in figures}
    assert by_type == {"day", "week", "month", "quarter", "year", "rolling_12_months"}
    assert any(numerator == 0 for *_, numerator in figures)  # windows with nobody of a method are there
    wrong = []
    for period_type, start, end, breakdown, value, numerator in figures:
        expected = len(
            {
                citizen(name)
                for name, day, method, ok in logins
                if ok and start <= day <= end and (breakdown == "all" or method == value)
            }
        )
        if numerator != expected:
            wrong.append((period_type, start, breakdown, value, numerator, expected))
    assert not wrong, wrong[:10]
    # Every rolling window that ends within the data has its row for 'all'.
    rolling_ends = {end for period_type, _, end, breakdown, *_ in figures if period_type == "rolling_12_months"}
    assert len(rolling_ends) == (LAST_DAY.year - FIRST_DAY.year) * 12 + LAST_DAY.month - FIRST_DAY.month + 1
