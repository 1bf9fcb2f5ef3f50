"""Hostile input to the dashboard: SQL in filter values and query parameters, paths that climb out of the
lake, 100 kB strings. No page shows a traceback or fails, no gold file changes, nothing outside the lake
is read or offered; over HTTP too, with the served app."""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from dashboard_fixtures import APP, record_downloads, signed_in
from served_dashboard import run_page, served_dashboard
from streamlit.testing.v1 import AppTest
from test_dashboard_channels import write_gold as write_channels_gold
from test_dashboard_open_data import write_release
from test_dashboard_processes import write_gold as write_processes_gold

from dashboards import data

SECRET = "not-for-the-dashboard-7f3a"
HOSTILE = [
    "'; DROP TABLE kpi_adoption; --",
    "../../secret.txt",
    "../../../../../../etc/passwd",
    "x" * 100_000,
    "<script>alert(1)</script>\x00",
]
# Every key a page keeps in the session, and query parameters a visitor might try.
SESSION_KEYS = [
    "lang", "commune", "period_type", "period_year", "period_month", "service", "processes_process",
    "processes_channel", "processes_weight", "data_quality_entity", "channels_mix_mode", "_civiclake_filters",
]  # fmt: skip
QUERY_KEYS = ["commune", "period", "service", "release", "file", "path", "lang", "page"]
PAGES = ["targets", "adoption", "channels", "processes", "contact_centre", "data_quality", "communes", "open_data"]
TRACE_MARKERS = ("Traceback", 'File "/')


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hand-made gold (channels and processes) and an open data release with hostile file names, next to a
    secret file outside the lake that nothing may read."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    lake = root / "lake"
    write_channels_gold(lake)
    write_processes_gold(lake)
    write_release(lake, "2024-12-31", "2025-01-01T00:00:00Z", "first", {"requests_by_month": 2})
    release = lake / "opendata" / "2024-12-31"
    (release / "leak.csv").symlink_to(root / "secret.txt")  # a link out of the lake
    (lake / "opendata" / "escape").symlink_to(root, target_is_directory=True)  # a release folder outside
    (root / "datapackage.json").write_text('{"resources": [{"path": "secret.txt"}]}', encoding="utf-8")
    return lake


def _gold_digest(lake: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((lake / "gold").iterdir())}


def _shown(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "info", "warning", "error", "exception")
    parts = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    return "\n".join(parts + [d.value.to_csv() for d in at.dataframe])


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path the app opens with open() or Path.open / read_bytes / read_text from now on."""
    seen: list[str] = []
    real_open, real_path_open = builtins.open, Path.open

    def spy_open(file: object, *args: object, **kwargs: object) -> object:
        if isinstance(file, (str, os.PathLike)):
            seen.append(os.fspath(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    def spy_path_open(self: Path, *args: object, **kwargs: object) -> object:
        seen.append(str(self))
        return real_path_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(Path, "open", spy_path_open)
    return seen


def _outside(lake: Path, seen: list[str]) -> list[str]:
    """The paths opened that resolve to the secret, the descriptor outside the lake or /etc/passwd."""
    forbidden = {(lake.parent / n).resolve() for n in ("secret.txt", "datapackage.json")} | {Path("/etc/passwd")}
    return [path for path in seen if Path(path).resolve() in forbidden]


@pytest.mark.parametrize("value", HOSTILE, ids=["sql", "climb", "passwd", "100kB", "script"])
def test_hostile_session_values_and_query_parameters_on_every_page(
    lake: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, opened: list[str], value: str
) -> None:
    before = _gold_digest(lake)
    downloads = record_downloads(monkeypatch)
    monkeypatch.setenv(data.LAKE_ENV, str(lake))
    at = signed_in(monkeypatch, AppTest.from_file(str(APP), default_timeout=90), tmp_path)
    for key in SESSION_KEYS:
        at.session_state[key] = value
    for key in QUERY_KEYS:
        at.query_params[key] = value
    at.run()
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, at.exception)
        shown = _shown(at)
        assert not any(marker in shown for marker in TRACE_MARKERS), (page, shown[:2000])
        assert SECRET not in shown
    assert _gold_digest(lake) == before  # nothing written, nothing dropped
    assert not _outside(lake, opened)
    assert downloads  # the pages did offer their downloads
    assert not any(SECRET.encode() in bytes(d["data"]) for d in downloads)
    assert not any(str(d.get("file_name", "")).startswith(("/", ".")) for d in downloads)


def test_the_public_with_hostile_query_parameters(
    lake: Path, monkeypatch: pytest.MonkeyPatch, opened: list[str]
) -> None:
    downloads = record_downloads(monkeypatch)
    monkeypatch.setenv(data.LAKE_ENV, str(lake))
    monkeypatch.setenv("CIVICLAKE_USERS", str(lake.parent / "no-users.json"))
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key in QUERY_KEYS:
        at.query_params[key] = "../../secret.txt"
    at.session_state["lang"] = "'; DROP TABLE x; --"
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Open data"]
    assert str(lake) not in _shown(at)  # the server's paths are not the public's business
    offered = {d["file_name"]: bytes(d["data"]) for d in downloads}
    # Only the release's own files: not the link out of the lake, nor the folder that points outside.
    assert set(offered) == {
        "requests_by_month.csv", "requests_by_month.parquet", "catalog.jsonld", "catalog.ttl",
    }, set(offered)  # fmt: skip
    assert not any(SECRET.encode() in content for content in offered.values())
    assert not _outside(lake, opened)


def test_data_functions_refuse_hostile_strings(lake: Path) -> None:
    # Outside the app (full scope): every filter value is checked or bound, never spliced into SQL.
    for value in HOSTILE:
        assert data.list_periods(lake, value, "year").empty
        assert data.adoption_kpis(lake, "brussels", value, "2024").empty
        assert data.adoption_kpis(lake, "brussels", "year", value).empty
        assert data.channels_weekday_hour(lake, "brussels", "2024-01-01", "2024-12-31", value).empty
        assert data.process_transitions(lake, "brussels", "year", "2024", value).empty
        assert data.source_loads(lake, value).empty
        assert data.commune_kpis(lake, "year", value).empty
    assert not data.list_communes(lake).empty  # the tables are all still there


# --- over HTTP ------------------------------------------------------------------------------------


def test_served_app_answers_hostile_requests_without_a_traceback(lake: Path, tmp_path: Path) -> None:
    log = tmp_path / "streamlit.log"
    with served_dashboard(lake, log, {"CIVICLAKE_USERS": str(tmp_path / "no-users.json")}) as (url, _):
        for value in HOSTILE[:3] + ["x" * 4_000]:  # a URL of 100 kB is refused by any proxy before us
            query = urllib.parse.urlencode({key: value for key in QUERY_KEYS})
            with urllib.request.urlopen(f"{url}/?{query}", timeout=10) as response:
                assert response.status == 200
                assert "Traceback" not in response.read().decode("utf-8", "replace")
            for page in ("", "targets", "open-data", urllib.parse.quote(value, safe="")):
                finished, shown = run_page(url, page, query)
                assert finished == 0 and not shown["exception"], (value[:40], page[:40], shown["exception"])
    assert "Traceback" not in log.read_text(errors="replace")
