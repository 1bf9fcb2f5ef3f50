"""The Open data page over hand-made release folders (<lake>/opendata/<version>/, as `civiclake export`
writes them: datapackage.json, the DCAT catalogue and a CSV and a Parquet file per data set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dashboard_fixtures import captions, markdowns, open_app, record_downloads
from dashboard_two_communes import write_gold
from streamlit.testing.v1 import AppTest

from dashboards import data

TITLES = {
    "requests_by_month": {
        "en": "Requests by month",
        "fr": "Demandes par mois",
        "nl": "Aanvragen per maand",
    },
    "services": {
        "en": "Service catalogue and online availability",
        "fr": "Catalogue de services et disponibilité en ligne",
        "nl": "Dienstencatalogus en online beschikbaarheid",
    },
}
# Bytes that are not text, so that a download altered on the way (decoded, re-encoded) would show.
PARQUET = b"PAR1\x00\x01\x02\xff\xfeparquet body\x00PAR1"


def write_release(
    lake: Path, version: str, created: str, changes: str, datasets: dict[str, int], catalogue: bool = True
) -> dict[str, bytes]:
    """A release folder with a CSV and a Parquet file per data set (CSV rows given); returns name -> bytes."""
    folder = lake / "opendata" / version
    folder.mkdir(parents=True)
    files: dict[str, bytes] = {}
    resources = []
    for name, rows in datasets.items():
        csv = ("commune_id,month,requests\n" + "brussels,2024-01-01,12\n" * rows).encode("utf-8")
        for fmt, content in (("csv", csv), ("parquet", PARQUET + version.encode())):
            path = f"{name}.{fmt}"
            files[path] = content
            resource = {
                "name": f"{name}-{fmt}",
                "path": path,
                "format": fmt,
                "bytes": len(content),
                "title": f"{TITLES[name]['en']} ({fmt.upper()})",
                "civiclake:titles": TITLES[name],
                "civiclake:dataset": name,
            }
            if fmt == "csv":
                resource["rows"] = rows
            resources.append(resource)
    # A descriptor is data, not a path to trust: these must never be offered.
    resources += [
        {"name": "escape", "path": "../../gold/dim_commune.parquet", "format": "parquet"},
        {"name": "absolute", "path": "/etc/passwd", "format": "csv"},
        {"name": "remote", "path": "https://example.org/x.csv", "format": "csv"},
    ]
    package = {
        "name": "civiclake-opendata",
        "version": version,
        "created": created,
        "title": "Digital services – open data",
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0"}],
        "civiclake:changes": changes,
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    if catalogue:
        files["catalog.jsonld"] = json.dumps({"@context": {}, "version": version}).encode("utf-8")
        files["catalog.ttl"] = f'<#catalog> <#version> "{version}" .\n'.encode()
    for path, content in files.items():
        (folder / path).write_bytes(content)
    return files


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    write_gold(root)
    return root


@pytest.fixture
def releases(lake: Path) -> dict[str, dict[str, bytes]]:
    """Two releases; the older one is written second and sorts first by name, so order comes from `created`."""
    return {
        "2024-12-31": write_release(
            lake, "2024-12-31", "2025-01-01T00:00:00Z", "Changes since release 2024-06-30: 3 rows added.",
            {"requests_by_month": 3, "services": 2},
        ),
        "2024-06-30": write_release(
            lake, "2024-06-30", "2024-07-01T00:00:00Z", "first release", {"requests_by_month": 1}, catalogue=False
        ),
    }  # fmt: skip


def open_page(monkeypatch: pytest.MonkeyPatch, lake: Path, lang: str | None = None) -> AppTest:
    return open_app(monkeypatch, lake, "views/open_data.py", lang)


def test_list_releases_reads_the_descriptors(lake: Path, releases: dict[str, dict[str, bytes]]) -> None:
    listed = data.list_releases(lake)
    assert [r["version"] for r in listed] == ["2024-12-31", "2024-06-30"]
    newest = listed[0]
    assert newest["created"] == "2025-01-01T00:00:00Z"
    assert newest["licence"] == "Creative Commons Attribution 4.0"
    assert [d["name"] for d in newest["datasets"]] == ["requests_by_month", "services"]
    requests = newest["datasets"][0]
    assert requests["rows"] == 3
    assert requests["titles"]["nl"] == "Aanvragen per maand"
    files = {f["name"]: f for d in newest["datasets"] for f in d["files"]}
    assert set(files) == {"requests_by_month.csv", "requests_by_month.parquet", "services.csv", "services.parquet"}
    for name, file in files.items():
        assert file["bytes"] == len(releases["2024-12-31"][name])
        assert Path(file["path"]).is_relative_to((lake / "opendata" / "2024-12-31").resolve())
    assert [f["name"] for f in newest["catalogue"]] == ["catalog.jsonld", "catalog.ttl"]
    assert listed[1]["catalogue"] == []


def test_list_releases_skips_what_it_cannot_trust(tmp_path: Path, lake: Path) -> None:
    assert data.list_releases(lake) == []  # no opendata folder
    broken = lake / "opendata" / "broken"
    broken.mkdir(parents=True)
    (broken / "datapackage.json").write_text("{not json", encoding="utf-8")
    listed = lake / "opendata" / "list"
    listed.mkdir()
    (listed / "datapackage.json").write_text("[1, 2]", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "datapackage.json").write_text(json.dumps({"version": "x", "resources": []}), encoding="utf-8")
    (lake / "opendata" / "linked").symlink_to(outside, target_is_directory=True)
    assert data.list_releases(lake) == []


def test_the_page_lists_the_releases_newest_first(
    lake: Path, releases: dict[str, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, lake)
    assert not at.exception
    assert at.title[0].value == "Open data"
    assert [s.value for s in at.subheader][1:] == ["Release 2024-12-31", "Release 2024-06-30"]
    shown = captions(at)
    assert any("does not use the filters of the sidebar" in c for c in shown)
    assert shown.index("Created: 2025-01-01") < shown.index("Created: 2024-07-01")
    assert shown.count("Licence: Creative Commons Attribution 4.0") == 2
    assert "Changes: Changes since release 2024-06-30: 3 rows added." in shown
    assert "Changes: first release" in shown
    assert "This release has no DCAT catalogue." in shown
    assert "CSV · 95 bytes" in shown  # a header of 26 bytes and 3 rows of 23
    text = markdowns(at)
    assert "**Requests by month** (`requests_by_month`) · 3 rows" in text
    assert "**Service catalogue and online availability** (`services`) · 2 rows" in text
    assert "**Requests by month** (`requests_by_month`) · 1 rows" in text
    assert not at.info


def test_the_titles_follow_the_language(
    lake: Path, releases: dict[str, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, lake)
    at.radio(key="lang").set_value("nl").run()
    assert not at.exception
    assert at.title[0].value == "Open data"
    assert at.subheader[1].value == "Release 2024-12-31"
    text = markdowns(at)
    assert "**Aanvragen per maand** (`requests_by_month`) · 3 rijen" in text
    assert "**Dienstencatalogus en online beschikbaarheid** (`services`) · 2 rijen" in text
    assert "Licentie: Creative Commons Attribution 4.0" in captions(at)
    at.radio(key="lang").set_value("fr").run()
    assert not at.exception
    assert at.title[0].value == "Données ouvertes"
    text = markdowns(at)
    assert "**Demandes par mois** (`requests_by_month`) · 3 lignes" in text
    assert "**Catalogue de services et disponibilité en ligne** (`services`) · 2 lignes" in text
    assert "Publication 2024-06-30" in [s.value for s in at.subheader]


def test_a_download_per_file_with_its_exact_bytes(
    lake: Path, releases: dict[str, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    downloads = record_downloads(monkeypatch)
    at = open_page(monkeypatch, lake)
    assert not at.exception
    offered = [(str(d["file_name"]), d["data"]) for d in downloads if str(d.get("key", "")).startswith("open_data_")]
    expected = [
        (name, content)
        for version in ("2024-12-31", "2024-06-30")  # newest first
        for name, content in releases[version].items()
    ]
    assert offered == expected
    keys = [d["key"] for d in downloads if str(d.get("key", "")).startswith("open_data_")]
    assert len(keys) == len(set(keys)) == 8  # 4 data files and 2 catalogue files, then 2 data files
    mimes = {str(d["file_name"]): d["mime"] for d in downloads}
    assert mimes["requests_by_month.csv"] == "text/csv"
    assert mimes["catalog.ttl"] == "text/turtle"
    assert "dim_commune.parquet" not in mimes and "passwd" not in mimes  # paths outside the release
    assert len(at.get("download_button")) == 8


def test_without_release_the_page_says_to_export(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, lake)
    assert not at.exception
    folder = (lake / "opendata").resolve()
    assert [i.value for i in at.info] == [f"No open data release in {folder} yet: run `civiclake export` first."]
    assert not at.get("download_button")
    at.radio(key="lang").set_value("fr").run()
    assert "lancez d'abord `civiclake export`" in at.info[0].value
