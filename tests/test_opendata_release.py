"""The open-data release (`civiclake export`) on a small demo lake: reproducible bytes, a valid Frictionless
package, suppressed small counts, margins equal to the facts, no personal data, changes between releases.

The expected figures are computed here straight from `lake/gold` with DuckDB, not with the release code.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import http.server
import io
import json
import shutil
import threading
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import frictionless
import polars as pl
import pyarrow.parquet as pq
import pytest
from rdflib import RDF, Graph, Namespace

from pipelines.cli import main
from pipelines.config import CivicConfig, load_config
from pipelines.opendata.release import (
    CALL_TOTALS,
    DATASETS,
    ReleaseSummary,
    _linked_to_suppressed_counts,
    build_release,
)
from tests.disclosure_attacker import attack_release
from tests.test_pipeline_end_to_end import source_identifiers

FIRST_DAY, LAST_DAY = date(2024, 3, 1), date(2024, 5, 31)
THRESHOLD = 4


@pytest.fixture(scope="module")
def demo(
    small_demo_run: tuple[Path, Path, object], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, CivicConfig]:
    # The shared small demo of tests/conftest.py (spring 2024, seed 7); a scratch folder for other releases.
    sources, lake, _ = small_demo_run
    root = tmp_path_factory.mktemp("opendata")
    (root / "sources").symlink_to(sources, target_is_directory=True)  # root/sources/civiclake.yaml
    return root, lake, load_config(sources / "civiclake.yaml")


@pytest.fixture(scope="module")
def release(demo: tuple[Path, Path, CivicConfig]) -> ReleaseSummary:
    _, lake, config = demo
    return build_release(lake, config=config, version="2024.1")


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def _csv(folder: Path, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((folder / f"{name}.csv").read_text(encoding="utf-8"), newline="")))


def test_release_folder_holds_every_data_set_as_csv_and_parquet(
    demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary
) -> None:
    _, lake, _ = demo
    assert release.folder == lake / "opendata" / "2024.1"
    package = json.loads((release.folder / "datapackage.json").read_text(encoding="utf-8"))
    names = [dataset.name for dataset in DATASETS]
    assert set(release.rows) == set(names)
    assert sorted(r["name"] for r in package["resources"]) == sorted(
        f"{n}-{f}" for n in names for f in ("csv", "parquet")
    )
    for resource in package["resources"]:
        assert {"path", "format", "mediatype", "encoding", "bytes", "hash", "title", "schema"} <= set(resource)
        assert {"civiclake:titles", "civiclake:descriptions", "civiclake:keywords"} <= set(resource)
        assert set(resource["civiclake:titles"]) == {"fr", "nl", "en"}
        assert resource["hash"].startswith("sha256:")
        assert set(resource["schema"]) == {"fields", "primaryKey", "missingValues"}
    for key in ("name", "version", "created", "title", "description", "homepage", "keywords", "licenses"):
        assert package[key], key
    assert package["version"] == "2024.1"
    assert package["created"] == "2024-06-01T00:00:00Z"  # from the data (the day after the last), not the clock
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["civiclake:temporal"] == {"start": "2024-03-01", "end": "2024-05-31"}
    assert package["civiclake:publisher"]["name"] == "City of Brussels"
    assert package["civiclake:themes"] == ["GOVE"]
    assert package["civiclake:changes"] == "first release"
    for name in names:  # the Parquet file holds the CSV's rows, in the same order
        rows = _csv(release.folder, name)
        table = pq.read_table(release.folder / f"{name}.parquet")
        assert table.num_rows == len(rows) == release.rows[name] > 0
        assert table.column_names == list(rows[0])
        parquet_rows = table.to_pylist()
        for text, value in zip(rows, parquet_rows, strict=True):
            for column, cell in value.items():
                expected = "" if cell is None else str(cell).lower() if isinstance(cell, bool) else str(cell)
                if isinstance(cell, float):
                    assert float(text[column]) == cell
                else:
                    assert text[column] == expected, (name, column)


def test_same_lake_and_version_give_identical_bytes(
    demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary
) -> None:
    root, lake, config = demo
    first = _files(release.folder)
    again = build_release(lake, config=config, version="2024.1")
    assert _files(again.folder) == first
    elsewhere = build_release(lake, config=config, version="2024.1", out=root / "elsewhere" / "2024.1")
    assert _files(elsewhere.folder) == first


def test_frictionless_validates_the_package(release: ReleaseSummary) -> None:
    report = frictionless.validate(str(release.folder / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])[:10]


def test_small_counts_are_suppressed_and_flagged(release: ReleaseSummary) -> None:
    for name, count in (("requests_by_month", "requests"), ("appointments_by_month", "appointments")):
        rows = _csv(release.folder, name)
        cells = [row for row in rows if "all" not in (row["service_code"], row[list(row)[3]])]
        suppressed = [row for row in cells if row["suppressed"] == "true"]
        assert suppressed, f"{name}: the small demo must have small counts"
        # Only the boolean flag is published, not the primary/secondary kind (it would help an LP attacker).
        assert "suppression" not in rows[0]
        assert all(row[count] == "" for row in suppressed)
        published = [int(row[count]) for row in cells if row["suppressed"] == "false"]
        assert not [value for value in published if 1 <= value <= THRESHOLD], name
        assert all(row[count] != "" for row in cells if row["suppressed"] == "false")
    for row in _csv(release.folder, "calls_by_day"):
        values = [row[column] for column in ("offered", "answered", "abandoned", "short_abandoned")]
        assert not [v for v in values if v and 1 <= int(v) <= THRESHOLD]
        assert (row["suppressed"] == "true") == ("" in values)
        assert "suppression" not in row  # the flag only, as in the other data sets
    kpis = _csv(release.folder, "kpis_by_month")
    for row in kpis:
        for column in ("numerator", "denominator"):
            assert not (row[column] and 1 <= int(row[column]) <= THRESHOLD), row
        if row["suppressed"] == "true":
            assert row["numerator"] == row["denominator"] == row["value"] == ""
    assert any(row["unreliable"] == "false" for row in kpis)


def test_kpis_on_few_events_are_flagged_unreliable(
    demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary
) -> None:
    _, lake, _ = demo
    expected = {
        (str(month), name): (events is None or events < 10)
        for month, name, events in duckdb.sql(
            f"""SELECT period_start, kpi_name, coalesce(denominator, numerator)
                FROM read_parquet('{lake}/gold/kpi_*.parquet', union_by_name = true)
                WHERE period_type = 'month' AND breakdown = 'all' AND period_start <= DATE '2024-05-31'"""
        ).fetchall()
    }
    rows = _csv(release.folder, "kpis_by_month")
    assert {(row["month"], row["kpi_name"]): row["unreliable"] == "true" for row in rows} == expected


def test_margins_equal_the_facts(demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary) -> None:
    _, lake, _ = demo
    facts = f"'{lake}/gold/fct_requests.parquet'"
    month = "CAST(date_trunc('month', created_date_local) AS DATE)"
    rows = _csv(release.folder, "requests_by_month")
    published = {(r["month"], r["service_code"], r["channel"]): r for r in rows}
    by_month = duckdb.sql(f"SELECT {month}, 'all', 'all', count(*) FROM {facts} GROUP BY ALL").fetchall()
    by_service = duckdb.sql(f"SELECT {month}, service_code, 'all', count(*) FROM {facts} GROUP BY ALL").fetchall()
    by_channel = duckdb.sql(f"SELECT {month}, 'all', channel, count(*) FROM {facts} GROUP BY ALL").fetchall()
    assert len(by_month) == 3
    # Every margin is in the release: its count where published, or flagged suppressed; small ones always are.
    hidden = 0
    for day, service, channel, count in by_month + by_service + by_channel:
        row = published[(str(day), service, channel)]
        if row["suppressed"] == "true":
            assert row["requests"] == ""
            hidden += 1
        else:
            assert row["requests"] == str(count) and not 1 <= count <= THRESHOLD
    assert hidden, "the small demo has services with few requests a month: their totals are suppressed"
    # Published cells never exceed their margins, and with the suppressed ones they add up to them.
    cells = [r for r in rows if r["service_code"] != "all" and r["channel"] != "all"]
    assert sum(int(r["requests"]) for r in cells if r["requests"]) <= sum(row[3] for row in by_month)


def test_no_small_count_can_be_recovered_from_all_the_files_together(
    demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary
) -> None:
    _, lake, _ = demo
    assert attack_release(lake / "gold", release.folder, THRESHOLD), "the small demo must have small counts"


def test_a_kpi_repeating_a_suppressed_total_is_suppressed_with_it() -> None:
    """The KPIs of kpis_by_month that depend on a suppressed total of the month (hand-made tables)."""
    march, april = date(2024, 3, 1), date(2024, 4, 1)
    kpis = pl.DataFrame(
        {
            "commune_id": ["b"] * 6,
            "month": [march, march, march, april, april, april],
            "kpi_name": ["requests_volume", "services_digital_share_weighted", "calls_answered"] * 2,
        }
    )
    requests = pl.DataFrame(
        {
            "commune_id": ["b"] * 3,
            "month": [march, march, april],
            "service_code": ["all", "X", "X"],
            "channel": ["web", "all", "web"],
            "suppressed": [True, False, True],  # March: a channel total; April: an inner cell only
        }
    )
    call_totals = pl.DataFrame(
        {"commune_id": ["b"], "month": [april], "date": ["all"], "outcome": ["answered"], "suppressed": [True]}
    )
    built = {"requests_by_month": requests, CALL_TOTALS: call_totals}
    linked = _linked_to_suppressed_counts(kpis, built).to_list()
    assert linked == [True, False, False, False, False, True]


def test_no_personal_identifier_reaches_the_release(
    demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary
) -> None:
    root, lake, _ = demo
    gold = lake / "gold"
    identifiers: set[str] = set()
    for model, column in (
        ("fct_requests", "citizen_key"),
        ("fct_appointments", "citizen_key"),
        ("fct_portal_logins", "citizen_key"),
        ("fct_calls", "agent_key"),
        ("fct_case_events", "resource_key"),
        ("fct_requests", "request_id"),
        ("fct_appointments", "appointment_id"),
        ("fct_calls", "call_id"),
    ):
        values = duckdb.sql(f"SELECT DISTINCT {column} FROM '{gold / model}.parquet' WHERE {column} IS NOT NULL")
        identifiers |= {str(value) for (value,) in values.fetchall()}
    keys = {value for value in identifiers if len(value) == 64}
    assert len(keys) > 100  # the scan below has something to find
    identifiers = {value for value in identifiers if len(value) >= 8}
    # and the identifiers in clear of the sources: names, e-mails, phones, national register numbers
    in_clear = source_identifiers(root / "sources")
    assert len(in_clear) > 100
    identifiers |= in_clear
    files = _files(release.folder)
    assert set(files) >= {f"{d.name}.{f}" for d in DATASETS for f in ("csv", "parquet")} | {"datapackage.json"}
    for name, content in files.items():
        text = content.decode("latin-1")  # any byte sequence, for binary files too
        found = [value for value in identifiers if value in text]
        assert not found, f"{name} holds identifiers from the sources: {found[:3]}"
    for dataset in DATASETS:
        assert not [
            c.name
            for c in dataset.columns
            if c.name.endswith("_key") or c.name.endswith("_id") and c.name != "commune_id"
        ]


def test_a_later_release_states_what_changed(demo: tuple[Path, Path, CivicConfig], release: ReleaseSummary) -> None:
    root, lake, config = demo
    # A second lake whose requests lack the last week of May (e.g. a source corrected since).
    later = root / "later-lake"
    shutil.copytree(lake / "gold", later / "gold")
    facts = later / "gold" / "fct_requests.parquet"
    duckdb.sql(
        f"COPY (SELECT * FROM '{lake}/gold/fct_requests.parquet' WHERE created_date_local < DATE '2024-05-25') "
        f"TO '{facts}' (FORMAT parquet)"
    )
    second = build_release(later, config=config, version="2024.2", out=release.folder.parent / "2024.2")
    changes = second.datapackage["civiclake:changes"]
    assert changes.startswith("Changes since release 2024.1:"), changes
    assert "requests_by_month:" in changes and "changed" in changes
    assert "unchanged:" in changes and "services" in changes.split("unchanged:")[1]
    assert json.loads((second.folder / "datapackage.json").read_text())["civiclake:changes"] == changes
    # The first release, rebuilt, still has no predecessor.
    assert build_release(lake, config=config, version="2024.1").datapackage["civiclake:changes"] == "first release"


def test_cli_export_prints_the_folder_and_data_sets(
    demo: tuple[Path, Path, CivicConfig], capsys: pytest.CaptureFixture[str]
) -> None:
    root, lake, _ = demo
    out = root / "cli-release"
    assert (
        main(["export", "--config", str(root / "sources" / "civiclake.yaml"), "--lake", str(lake), "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert str(out) in printed and "2024-05-31" in printed  # the default version: the last day of data
    for dataset in DATASETS:
        assert f"{dataset.name}: " in printed
    assert (out / "datapackage.json").exists()


def test_opendata_configuration_defaults_and_overrides(demo: tuple[Path, Path, CivicConfig], tmp_path: Path) -> None:
    root, _, config = demo
    assert config.opendata.suppression_threshold == 4 and config.opendata.min_events == 10
    assert config.opendata.licence.uri == "https://creativecommons.org/licenses/by/4.0/"
    text = (root / "sources" / "civiclake.yaml").read_text(encoding="utf-8")
    text += (
        "opendata:\n  suppression_threshold: 2\n  base_url: https://data.example.be/odata/\n"
        "  publisher: {name: Open Data Brussels, email: open@example.be}\n  themes: [GOVE, SOCI]\n"
    )
    path = root / "sources" / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    custom = load_config(path)
    assert custom.opendata.suppression_threshold == 2
    assert custom.opendata.base_url == "https://data.example.be/odata"
    assert custom.opendata.themes == ["GOVE", "SOCI"]
    path.write_text(text.replace("suppression_threshold: 2", "suppresion_threshold: 2"), encoding="utf-8")
    with pytest.raises(ValueError, match="suppresion_threshold"):
        load_config(path)


def test_the_dagster_asset_writes_the_same_release_as_the_command(
    demo: tuple[Path, Path, CivicConfig], tmp_path: Path
) -> None:
    from dagster import materialize

    from pipelines.assets.opendata import opendata_release
    from pipelines.resources import CivicLakeResource

    root, lake, _ = demo
    # A lake of its own (the gold files only), so that this release is nobody's predecessor.
    own = tmp_path / "lake"
    shutil.copytree(lake / "gold", own / "gold")
    result = materialize(
        [opendata_release],
        resources={
            "civiclake": CivicLakeResource(config_path=str(root / "sources" / "civiclake.yaml"), lake_dir=str(own))
        },
        run_config={"ops": {"opendata_release": {"config": {"version": "2024.1"}}}},
    )
    assert result.success
    by_asset = own / "opendata" / "2024.1"
    by_command = build_release(
        lake,
        config=load_config(root / "sources" / "civiclake.yaml"),
        version="2024.1",
        out=tmp_path / "command" / "2024.1",
    )
    assert _files(by_asset) == _files(by_command.folder)


def test_a_portal_harvests_the_release_from_a_web_server(demo: tuple[Path, Path, CivicConfig]) -> None:
    """What a portal does: read the DCAT catalogue at the base URL, download every distribution it lists and
    check its size and checksum, and validate the data package, all through HTTP (a server on 127.0.0.1)."""
    root, lake, config = demo
    folder = root / "served" / "2024.web"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    options = config.opendata.model_copy(update={"base_url": base_url})
    build_release(lake, config=config.model_copy(update={"opendata": options}), version="2024.web", out=folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        catalogue = Graph().parse(data=urllib.request.urlopen(f"{base_url}/catalog.jsonld").read(), format="json-ld")
        dcat, spdx = Namespace("http://www.w3.org/ns/dcat#"), Namespace("http://spdx.org/rdf/terms#")
        distributions = list(catalogue.subjects(RDF.type, dcat.Distribution))
        assert len(distributions) == 2 * len(DATASETS)
        for distribution in distributions:
            url = str(catalogue.value(distribution, dcat.downloadURL))
            assert url.startswith(base_url + "/")
            content = urllib.request.urlopen(url).read()
            assert int(catalogue.value(distribution, dcat.byteSize)) == len(content)
            checksum = catalogue.value(distribution, spdx.checksum)
            assert str(catalogue.value(checksum, spdx.checksumValue)) == hashlib.sha256(content).hexdigest()
        report = frictionless.validate(f"{base_url}/datapackage.json")
        assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])[:10]
    finally:
        server.shutdown()
        server.server_close()
