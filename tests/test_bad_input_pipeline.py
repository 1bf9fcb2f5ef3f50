"""Bad input through the whole bronze load: clear errors or quarantined rows, and the lake never loses
or duplicates what it already held."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.bronze_load import load_entity
from pipelines.config import load_config
from pipelines.demo.generator import generate
from pipelines.lake import Lake

FIXTURES = Path(__file__).parent / "fixtures" / "bad_input"


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, Lake]:
    sources = tmp_path / "sources"
    generate(sources, start=date(2024, 3, 1), end=date(2024, 3, 31), scale=0.02, seed=3, progress=False)
    return sources, Lake(tmp_path / "lake")


def _snapshot(lake: Lake, entity: str) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted((lake.bronze / entity).rglob("*.parquet"))}


def _rows(lake: Lake, entity: str) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(path) for path in sorted((lake.bronze / entity).rglob("*.parquet"))])


def test_an_unreadable_file_stops_the_load_and_leaves_the_lake_as_it_was(demo: tuple[Path, Lake]) -> None:
    sources, lake = demo
    config = load_config(sources / "civiclake.yaml")
    load_entity(config, lake, "case_event")
    before = _snapshot(lake, "case_event")
    assert before

    # The case tool now exports broken XML: the XES source is the one read (the CSV twin is dropped).
    document = yaml.safe_load((sources / "civiclake.yaml").read_text(encoding="utf-8"))
    document["sources"] = [s for s in document["sources"] if s["id"] != "brussels-cases-csv"]
    for source in document["sources"]:
        if source["id"] == "brussels-cases-xes":
            source.pop("options")
            source["location"] = str(FIXTURES / "malformed.xes")
    broken = sources / "broken.yaml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(Exception, match=r"malformed\.xes.*line \d+"):
        load_entity(load_config(broken), lake, "case_event")
    assert _snapshot(lake, "case_event") == before

    (sources / "brussels" / "cases" / "events.csv").write_bytes(b"")  # an empty file
    with pytest.raises(Exception, match="events.csv"):
        load_entity(config, lake, "case_event")
    assert _snapshot(lake, "case_event") == before


def test_broken_rows_are_quarantined_and_what_the_lake_held_stays(demo: tuple[Path, Lake]) -> None:
    sources, lake = demo
    config = load_config(sources / "civiclake.yaml")
    bookings = sources / "brussels" / "appointments" / "bookings.csv"
    first = load_entity(config, lake, "appointment")
    loaded_before = _rows(lake, "appointment")
    assert first.balanced and first.total("rows_quarantined") == 0

    # The same export again with more rows that are broken: Latin-1 bytes, an unknown booking channel,
    # a local time without offset (the mapping names no time zone) and a cut-off last row.
    lines = bookings.read_bytes().splitlines()
    header, body = lines[0], lines[1:]
    extra = [
        "RDV-9000001,POP-EID,online,2024-03-05T10:00:00+01:00,2024-03-06T08:15:00+01:00,"
        "2024-03-06T08:30:00+01:00,attended,Maison communale de Molenbeek-Saint-Jean,Hélène Noël,"
        "helene@example.be,0470 11 22 33".encode("latin-1"),
        b"RDV-9000002,POP-EID,fax,2024-03-05T10:00:00+01:00,2024-03-06T08:15:00+01:00,"
        b"2024-03-06T08:30:00+01:00,attended,Schaerbeek,Jan Peeters,jan@example.be,0470 11 22 44",
        b"RDV-9000003,POP-EID,online,2024-03-31T02:30:00,2024-04-02T08:15:00+02:00,"
        b"2024-04-02T08:30:00+02:00,attended,Sint-Jans-Molenbeek,An Claes,an@example.be,0470 11 22 55",
        b"RDV-9000004,POP-EID,online,2024-03-05T10:00",
    ]
    bookings.write_bytes(b"\n".join([header, *body, *extra]) + b"\n")
    second = load_entity(config, lake, "appointment")

    counts = second.sources[0]
    assert counts.rows_read == len(body) + len(extra)
    assert counts.rows_quarantined == len(extra) and counts.rows_new == 0 and second.balanced
    after = _rows(lake, "appointment")
    assert after.height == loaded_before.height  # nothing lost, nothing twice
    assert after["appointment_id"].n_unique() == after.height
    quarantined = pl.concat([pl.read_parquet(p) for p in (lake.quarantine / "appointment").rglob("*.parquet")])
    reasons = " | ".join(quarantined["reason"].to_list())
    for expected in ("utf-8", "fax", "has no UTC offset", "truncated"):
        assert expected in reasons, reasons
    assert not any(name in quarantined.write_csv() for name in ("Hélène", "helene@example.be", "Jan Peeters"))

    # The same file again: the same rejections land in the same quarantine file, nothing more.
    files_before = sorted((lake.quarantine / "appointment").rglob("*.parquet"))
    load_entity(config, lake, "appointment")
    assert sorted((lake.quarantine / "appointment").rglob("*.parquet")) == files_before
    assert pq.read_metadata(files_before[0]).num_rows == len(extra)
    shutil.rmtree(sources)


def test_a_run_over_a_window_checks_the_quality_of_the_days_it_loads_only(demo: tuple[Path, Lake]) -> None:
    sources, lake = demo
    config = load_config(sources / "civiclake.yaml")
    bookings = pl.read_csv(sources / "brussels" / "appointments" / "bookings.csv", infer_schema=False)
    # The demo's bookings carry their local time with its offset: the local day is the text's first ten
    # characters (checked against the bronze partitions below).
    in_window = bookings.filter(
        pl.col("booked_at").str.slice(0, 10).is_between(pl.lit("2024-03-10"), pl.lit("2024-03-12"))
    )
    assert 0 < in_window.height < bookings.height

    load = load_entity(config, lake, "appointment", window=(date(2024, 3, 10), date(2024, 3, 12)))
    assert load.balanced and load.total("rows_loaded") == in_window.height
    assert load.loaded_rows is not None
    assert sorted(load.loaded_rows["appointment_id"].to_list()) == sorted(in_window["appointment_id"].to_list())
    days = sorted(path.parent.name for path in (lake.bronze / "appointment").rglob("data.parquet"))
    assert days == ["date=2024-03-10", "date=2024-03-11", "date=2024-03-12"]
