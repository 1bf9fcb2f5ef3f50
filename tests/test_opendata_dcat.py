"""The DCAT-AP 3 catalogue of an open-data release (pipelines/opendata/dcat.py).

A hand-made datapackage (tests/fixtures/opendata/datapackage.json: two data sets, each as CSV and Parquet)
is turned into catalog.jsonld and catalog.ttl; both are read back with rdflib, with the network cut off,
and queried with SPARQL for the DCAT-AP 3.0 mandatory and recommended properties of every class.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from pipelines.opendata.dcat import build_catalogue, write_catalogue

FIXTURE = Path(__file__).parent / "fixtures" / "opendata" / "datapackage.json"
BASE_URL = "https://data.example.brussels/releases/2025.1.0"
ROOT = Path(__file__).resolve().parents[1]

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcatap: <http://data.europa.eu/r5r/>
"""

# DCAT-AP 3.0 (SHACL shapes.ttl: mandatory, shapes_recommended.ttl: recommended) plus what the brief asks.
REQUIRED = {
    "dcat:Catalog": [
        "dct:title",
        "dct:description",
        "dct:publisher",
        "dcat:dataset",
        "foaf:homepage",
        "dct:issued",
        "dct:modified",
        "dct:language",
        "dct:license",
        "dct:spatial",
        "dcat:themeTaxonomy",
    ],
    "dcat:Dataset": [
        "dct:title",
        "dct:description",
        "dcat:contactPoint",
        "dcat:distribution",
        "dcat:keyword",
        "dct:publisher",
        "dct:spatial",
        "dct:temporal",
        "dcat:theme",
        "dct:identifier",
        "owl:versionInfo",
        "dcat:version",
    ],
    "dcat:Distribution": [
        "dcat:accessURL",
        "dcat:downloadURL",
        "dct:title",
        "dct:description",
        "dct:license",
        "dct:format",
        "dcat:mediaType",
        "dcat:byteSize",
        "spdx:checksum",
        "dcatap:availability",
    ],
    "foaf:Agent": ["foaf:name"],
    "vcard:Kind": ["vcard:hasEmail"],
    "dct:PeriodOfTime": ["dcat:startDate", "dcat:endDate"],
    "spdx:Checksum": ["spdx:algorithm", "spdx:checksumValue"],
}
# At most one value (DCAT-AP 3.0 shapes.ttl sh:maxCount 1).
AT_MOST_ONE = {
    "dcat:Catalog": ["dct:publisher", "foaf:homepage", "dct:license", "dct:issued", "dct:modified"],
    "dcat:Dataset": ["dct:publisher", "owl:versionInfo", "dct:issued", "dct:modified"],
    "dcat:Distribution": [
        "dct:license",
        "dct:format",
        "dcat:mediaType",
        "dcat:byteSize",
        "spdx:checksum",
        "dcatap:availability",
    ],
    "spdx:Checksum": ["spdx:algorithm", "spdx:checksumValue"],
    "dct:PeriodOfTime": ["dcat:startDate", "dcat:endDate"],
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Reading the catalogue must not fetch anything (the JSON-LD context is inline)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def datapackage() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def written(datapackage, tmp_path_factory) -> tuple[Path, Path]:
    return write_catalogue(datapackage, tmp_path_factory.mktemp("dcat"), base_url=BASE_URL)


def _graph(path: Path, fmt: str) -> Graph:
    graph = Graph()
    graph.parse(data=path.read_text(encoding="utf-8"), format=fmt)
    return graph


@pytest.fixture(scope="module")
def graphs(written) -> dict[str, Graph]:
    jsonld_path, turtle_path = written
    return {"json-ld": _graph(jsonld_path, "json-ld"), "turtle": _graph(turtle_path, "turtle")}


def _instances(graph: Graph, cls: str) -> list[URIRef]:
    rows = graph.query(PREFIXES + f"SELECT ?s WHERE {{ ?s a {cls} }} ORDER BY ?s")
    return [row.s for row in rows]


def test_files_and_paths(written, tmp_path, datapackage):
    jsonld_path, turtle_path = written
    assert jsonld_path.name == "catalog.jsonld" and turtle_path.name == "catalog.ttl"
    assert jsonld_path.parent == turtle_path.parent
    document = json.loads(jsonld_path.read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict), "the context must be inline, not a remote URL"
    for prefix in ("dcat", "dct", "foaf", "vcard", "spdx", "xsd", "owl", "adms", "skos"):
        assert prefix in document["@context"]
    assert document == build_catalogue(datapackage, base_url=BASE_URL)
    # A folder that does not exist yet is created.
    paths = write_catalogue(datapackage, tmp_path / "a" / "b", base_url=BASE_URL)
    assert all(p.is_file() for p in paths)


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_counts(graphs, fmt):
    graph = graphs[fmt]
    assert len(_instances(graph, "dcat:Catalog")) == 1
    assert len(_instances(graph, "dcat:Dataset")) == 2
    assert len(_instances(graph, "dcat:Distribution")) == 4
    assert len(_instances(graph, "spdx:Checksum")) == 4
    assert len(_instances(graph, "dct:PeriodOfTime")) == 2


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
@pytest.mark.parametrize("cls", sorted(REQUIRED))
def test_mandatory_and_recommended_properties(graphs, fmt, cls):
    graph = graphs[fmt]
    assert _instances(graph, cls), f"no {cls}"
    for prop in REQUIRED[cls]:
        query = PREFIXES + f"SELECT ?s WHERE {{ ?s a {cls} . FILTER NOT EXISTS {{ ?s {prop} ?o }} }}"
        lacking = [row.s for row in graph.query(query)]
        assert not lacking, f"{cls} without {prop}: {lacking}"


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_cardinalities(graphs, fmt):
    graph = graphs[fmt]
    for cls, props in AT_MOST_ONE.items():
        for prop in props:
            query = (
                PREFIXES
                + f"SELECT ?s (COUNT(?o) AS ?n) WHERE {{ ?s a {cls} ; {prop} ?o }} GROUP BY ?s HAVING (COUNT(?o) > 1)"
            )
            assert not list(graph.query(query)), f"{cls} with more than one {prop}"


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_node_types_of_values(graphs, fmt):
    graph = graphs[fmt]
    ranges = [
        ("dcat:Catalog", "dct:publisher", "foaf:Agent"),
        ("dcat:Dataset", "dct:publisher", "foaf:Agent"),
        ("dcat:Dataset", "dcat:contactPoint", "vcard:Kind"),
        ("dcat:Dataset", "dct:temporal", "dct:PeriodOfTime"),
        ("dcat:Dataset", "dcat:distribution", "dcat:Distribution"),
        ("dcat:Catalog", "dcat:dataset", "dcat:Dataset"),
        ("dcat:Catalog", "dct:license", "dct:LicenseDocument"),
        ("dcat:Distribution", "dct:license", "dct:LicenseDocument"),
        ("dcat:Distribution", "spdx:checksum", "spdx:Checksum"),
    ]
    for cls, prop, value_cls in ranges:
        query = PREFIXES + f"SELECT ?o WHERE {{ ?s a {cls} ; {prop} ?o . FILTER NOT EXISTS {{ ?o a {value_cls} }} }}"
        assert not list(graph.query(query)), f"{cls} {prop} is not a {value_cls}"
    dates = PREFIXES + "SELECT ?d WHERE { ?p a dct:PeriodOfTime ; dcat:startDate|dcat:endDate ?d }"
    assert all(row.d.datatype == XSD.date for row in graph.query(dates))
    emails = PREFIXES + "SELECT ?e WHERE { ?k a vcard:Kind ; vcard:hasEmail ?e }"
    assert all(isinstance(row.e, URIRef) and str(row.e).startswith("mailto:") for row in graph.query(emails))


def test_same_triples_in_both_serialisations(graphs):
    assert len(graphs["json-ld"]) == len(graphs["turtle"]) > 100
    assert isomorphic(graphs["json-ld"], graphs["turtle"])


@pytest.mark.parametrize("fmt", ["json-ld", "turtle"])
def test_titles_and_descriptions_in_three_languages(graphs, fmt):
    graph = graphs[fmt]
    for cls in ("dcat:Catalog", "dcat:Dataset", "dcat:Distribution"):
        for node in _instances(graph, cls):
            for prop in (DCT.title, DCT.description):
                languages = sorted(o.language for o in graph.objects(node, prop) if isinstance(o, Literal))
                assert languages == ["en", "fr", "nl"], (cls, node, prop)


def test_catalogue_texts_and_dataset_titles(graphs, datapackage):
    graph = graphs["turtle"]
    (catalog,) = _instances(graph, "dcat:Catalog")
    titles = {o.language: str(o) for o in graph.objects(catalog, DCT.title)}
    assert titles == datapackage["civiclake:titles"]
    descriptions = {o.language: str(o) for o in graph.objects(catalog, DCT.description)}
    assert descriptions == datapackage["civiclake:descriptions"]
    dataset = URIRef(f"{BASE_URL}/dataset/requests-by-month")
    assert {o.language: str(o) for o in graph.objects(dataset, DCT.title)} == {
        "fr": "Demandes par mois",
        "nl": "Aanvragen per maand",
        "en": "Requests by month",
    }
    assert set(graph.objects(catalog, DCAT.dataset)) == {dataset, URIRef(f"{BASE_URL}/dataset/processing-times")}


def test_distributions_match_the_datapackage(graphs, datapackage):
    for fmt, graph in graphs.items():
        for resource in datapackage["resources"]:
            dataset = URIRef(f"{BASE_URL}/dataset/{resource['civiclake:dataset']}")
            url = URIRef(f"{BASE_URL}/{resource['path']}")
            (distribution,) = graph.subjects(DCAT.downloadURL, url)
            assert (dataset, DCAT.distribution, distribution) in graph, fmt
            assert (distribution, DCAT.accessURL, url) in graph
            (size,) = graph.objects(distribution, DCAT.byteSize)
            assert size.datatype == XSD.nonNegativeInteger and size.toPython() == resource["bytes"]
            (checksum,) = graph.objects(distribution, SPDX.checksum)
            algorithm, digest = resource["hash"].split(":")
            assert algorithm == "sha256"
            assert (checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256) in graph
            (value,) = graph.objects(checksum, SPDX.checksumValue)
            assert value.datatype == XSD.hexBinary and str(value) == digest
            assert value.toPython() == bytes.fromhex(digest)
            (media_type,) = graph.objects(distribution, DCAT.mediaType)
            assert media_type == URIRef(f"https://www.iana.org/assignments/media-types/{resource['mediatype']}")
            (file_type,) = graph.objects(distribution, DCT["format"])
            code = {"csv": "CSV", "parquet": "PARQUET"}[resource["format"]]
            assert file_type == URIRef(f"http://publications.europa.eu/resource/authority/file-type/{code}")
            (licence,) = graph.objects(distribution, DCT.license)
            assert licence == URIRef(datapackage["licenses"][0]["path"])
            titles = {o.language: str(o) for o in graph.objects(distribution, DCT.title)}
            assert titles == resource["civiclake:titles"]


def test_dataset_values(graphs, datapackage):
    graph = graphs["turtle"]
    publisher = datapackage["civiclake:publisher"]
    for resource in datapackage["resources"]:
        dataset = URIRef(f"{BASE_URL}/dataset/{resource['civiclake:dataset']}")
        themes = set(graph.objects(dataset, DCAT.theme))
        assert themes == {
            URIRef(f"http://publications.europa.eu/resource/authority/data-theme/{code}")
            for code in datapackage["civiclake:themes"]
        }
        assert set(graph.objects(dataset, DCT.spatial)) == {URIRef(u) for u in datapackage["civiclake:spatial"]}
        keywords = set(graph.objects(dataset, DCAT.keyword))
        for lang, words in resource["civiclake:keywords"].items():
            assert {Literal(w, lang=lang) for w in words} <= keywords
        assert all(k.language in {"fr", "nl", "en"} for k in keywords)
        (period,) = graph.objects(dataset, DCT.temporal)
        (start,) = graph.objects(period, DCAT.startDate)
        (end,) = graph.objects(period, DCAT.endDate)
        assert start == Literal(resource["civiclake:temporal"]["start"], datatype=XSD.date)
        assert end == Literal(resource["civiclake:temporal"]["end"], datatype=XSD.date)
        (contact,) = graph.objects(dataset, DCAT.contactPoint)
        assert (contact, VCARD.hasEmail, URIRef(f"mailto:{publisher['email']}")) in graph
        (agent,) = graph.objects(dataset, DCT.publisher)
        assert agent == URIRef(publisher["uri"])
        assert (agent, FOAF.name, Literal(publisher["name"])) in graph
        assert (dataset, DCAT.version, Literal(datapackage["version"])) in graph
        assert (dataset, DCT.accrualPeriodicity, None) not in graph  # optional; the fixture sets none


def test_optional_accrual_periodicity(datapackage):
    dp = copy.deepcopy(datapackage)
    dp["civiclake:accrualPeriodicity"] = "ANNUAL"
    document = build_catalogue(dp, base_url=BASE_URL)
    datasets = [n for n in document["@graph"] if n["@type"] == ["dcat:Dataset"]]
    assert datasets and all(
        n["dct:accrualPeriodicity"] == [{"@id": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"}]
        for n in datasets
    )


def test_base_url_trailing_slash_is_ignored(datapackage):
    assert build_catalogue(datapackage, base_url=BASE_URL + "/") == build_catalogue(datapackage, base_url=BASE_URL)


def test_two_builds_give_identical_bytes(datapackage, tmp_path):
    first = write_catalogue(datapackage, tmp_path / "one", base_url=BASE_URL)
    second = write_catalogue(copy.deepcopy(datapackage), tmp_path / "two", base_url=BASE_URL)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_identical_bytes_across_processes(datapackage, tmp_path, written):
    """Another interpreter, with another hash seed, writes the same bytes (no set or dict-order leak)."""
    script = (
        "import json, sys; from pathlib import Path; from pipelines.opendata.dcat import write_catalogue; "
        "write_catalogue(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]), base_url=sys.argv[3])"
    )
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script, str(FIXTURE), str(out), BASE_URL], check=True, cwd=ROOT, env=env)
        for path in written:
            assert (out / path.name).read_bytes() == path.read_bytes(), (seed, path.name)


def test_no_timestamps_but_the_datapackage_s(written, datapackage):
    turtle = written[1].read_text(encoding="utf-8")
    date_times = {line.split('"')[1] for line in turtle.splitlines() if "^^xsd:dateTime" in line}
    created = Literal(datapackage["created"], datatype=XSD.dateTime)
    assert date_times and all(Literal(d, datatype=XSD.dateTime) == created for d in date_times)


def test_resource_order_does_not_matter(datapackage):
    dp = copy.deepcopy(datapackage)
    dp["resources"] = [dp["resources"][i] for i in (3, 0, 2, 1)]
    shuffled = build_catalogue(dp, base_url=BASE_URL)
    original = build_catalogue(datapackage, base_url=BASE_URL)
    # Dataset titles come from a data set's first resource; with the format suffix cut, they agree.
    assert shuffled == original


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda dp: dp["resources"][0].pop("civiclake:dataset"), "civiclake:dataset"),
        (lambda dp: dp["civiclake:titles"].pop("nl"), "lacks nl"),
        (lambda dp: dp["resources"][1].update(bytes=-1), "non-negative"),
        (lambda dp: dp["resources"][2].update(hash="sha256:xyz"), "hexadecimal"),
        (lambda dp: dp["resources"][2].update(format="xml"), "unknown format"),
        (lambda dp: dp["civiclake:publisher"].pop("email"), "email"),
    ],
)
def test_bad_datapackage_is_refused(datapackage, mutate, message):
    dp = copy.deepcopy(datapackage)
    mutate(dp)
    with pytest.raises(ValueError, match=message):
        build_catalogue(dp, base_url=BASE_URL)
