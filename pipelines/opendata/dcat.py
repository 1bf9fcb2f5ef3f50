"""The DCAT-AP 3 catalogue of an open-data release, built from its Frictionless ``datapackage.json``.

``build_catalogue`` returns a JSON-LD document (a dict with an inline ``@context``: no remote context, so
nothing is fetched when it is read); ``write_catalogue`` writes it as ``catalog.jsonld`` and, loaded into
rdflib and serialised again, as ``catalog.ttl``. Both files are byte-for-byte reproducible: keys are
sorted, nodes and values are in a stable order, every node is named by an IRI (no blank nodes, whose
labels rdflib draws at random) and the only dates are those of the datapackage.

What the catalogue holds
------------------------
- one ``dcat:Catalog`` (``<base>/catalog``): ``dct:title`` and ``dct:description`` in fr, nl and en,
  ``dct:publisher``, ``foaf:homepage``, ``dct:issued``/``dct:modified`` (the datapackage's ``created``),
  ``dct:language`` (fr, nl, en), ``dct:license``, ``dct:spatial``, ``dcat:themeTaxonomy`` (EU data themes),
  ``dcat:keyword`` (the datapackage's keywords, en), ``owl:versionInfo``/``dcat:version``, ``dcat:dataset``;
- one ``dcat:Dataset`` per distinct ``civiclake:dataset`` of the resources (``<base>/dataset/<id>``):
  ``dct:title``/``dct:description`` in fr, nl, en (those of the data set's first resource, a trailing
  "(CSV)"/"(Parquet)" cut),
  ``dct:identifier``, ``dcat:contactPoint`` (a ``vcard:Kind`` with ``vcard:fn``, ``vcard:hasEmail
  <mailto:...>``, ``vcard:hasURL``), ``dct:publisher``, ``dct:spatial``, ``dct:temporal`` (a
  ``dct:PeriodOfTime`` with ``dcat:startDate``/``dcat:endDate`` as ``xsd:date``: the span of its
  resources' periods, else the release's), ``dcat:theme`` (EU data-theme IRIs), ``dcat:keyword`` with
  language tags, ``dct:issued``/``dct:modified``, ``owl:versionInfo`` and ``dcat:version``,
  ``adms:versionNotes`` (``civiclake:changes``), ``dcat:landingPage`` (the homepage),
  ``dct:accrualPeriodicity`` only when the datapackage has ``civiclake:accrualPeriodicity`` (an EU
  frequency code such as ``ANNUAL``), ``dcat:distribution``;
- one ``dcat:Distribution`` per resource file (``<base>/dataset/<id>/distribution/<resource name>``):
  ``dcat:accessURL`` and ``dcat:downloadURL`` (``<base_url>/<path>``), ``dct:title``/``dct:description`` in
  fr, nl, en, ``dct:license`` (a ``dct:LicenseDocument``), ``dcat:mediaType`` (IANA IRI), ``dct:format``
  (EU file-type IRI), ``dcat:byteSize`` (``xsd:nonNegativeInteger``), ``spdx:checksum`` (a
  ``spdx:Checksum`` with ``spdx:algorithm`` and ``spdx:checksumValue`` as ``xsd:hexBinary``),
  ``dcatap:availability`` (stable), ``dct:issued``, and ``dct:conformsTo`` the Frictionless Table Schema
  standard when the resource has a schema;
- the publisher, a ``foaf:Agent`` with ``foaf:name``, ``dct:type`` (local authority), ``foaf:homepage``
  and ``foaf:mbox``.

Sources used for the choice of properties (DCAT-AP 3.0.0, SEMIC):
- the specification, https://semiceu.github.io/DCAT-AP/releases/3.0.0/ (SEMICeu/DCAT-AP,
  releases/3.0.0/index.html): conformance statement (describe the Catalogue, its Datasets and their
  Distributions with at least their mandatory properties) and the changes from 2.1.1 (dataset version
  mapped to ``dcat:version``; range of ``dcat:byteSize`` aligned with DCAT 3, ``xsd:nonNegativeInteger``);
- the SHACL shapes, releases/3.0.0/html/shacl/shapes.ttl (mandatory: Catalogue ``dct:title``,
  ``dct:description``, exactly one ``dct:publisher``; Dataset ``dct:title``, ``dct:description``;
  Distribution ``dcat:accessURL``; Agent ``foaf:name``; Checksum one ``spdx:algorithm`` and one
  ``spdx:checksumValue`` typed ``xsd:hexBinary``; at most one licence, format, media type, byte size,
  checksum and availability per Distribution, one publisher per Dataset, one homepage, licence, issued and
  modified per Catalogue) and releases/3.0.0/html/shacl/shapes_recommended.ttl (recommended: Catalogue
  ``dcat:dataset``, ``foaf:homepage``, ``dct:language``, ``dct:license``, ``dct:issued``, ``dct:modified``,
  ``dct:spatial``, ``dcat:themeTaxonomy``; Dataset ``dcat:contactPoint``, ``dcat:distribution``,
  ``dcat:keyword``, ``dct:publisher``, ``dct:spatial``, ``dct:temporal``, ``dcat:theme``; Distribution
  ``dct:description``, ``dcatap:availability``, ``dct:format``, ``dct:license``; PeriodOfTime
  ``dcat:startDate``/``dcat:endDate``; Agent and LicenceDocument ``dct:type``).
  The 3.0.0 checksum shape still pins ``spdx:checksumAlgorithm_sha1`` (a leftover of 2.x); the releases
  hash with SHA-256, so the SPDX ``checksumAlgorithm_sha256`` is used, as the brief asks.
- W3C DCAT 3, https://www.w3.org/TR/vocab-dcat-3/ (``dcat:version``, ``dcat:startDate``/``dcat:endDate``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rdflib import Graph

__all__ = ["CONTEXT", "LANGUAGES", "build_catalogue", "write_catalogue"]

LANGUAGES = ("fr", "nl", "en")

CONTEXT: dict[str, str] = {
    "adms": "http://www.w3.org/ns/adms#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

_EU = "http://publications.europa.eu/resource/authority"
DATA_THEME = f"{_EU}/data-theme"
FILE_TYPE = f"{_EU}/file-type"
FREQUENCY = f"{_EU}/frequency"
LANGUAGE = f"{_EU}/language"
AVAILABILITY_STABLE = f"{_EU}/planned-availability/STABLE"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types"
TABLE_SCHEMA = "https://datapackage.org/standard/table-schema/"
PUBLISHER_TYPE_LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"

_EU_LANGUAGE = {"fr": "FRA", "nl": "NLD", "en": "ENG"}
_FILE_TYPES = {"csv": "CSV", "parquet": "PARQUET", "json": "JSON", "xlsx": "XLSX"}
_HASH_ALGORITHMS = {
    "md5": "md5",
    "sha1": "sha1",
    "sha224": "sha224",
    "sha256": "sha256",
    "sha384": "sha384",
    "sha512": "sha512",
}
# ADMS licence types (http://purl.org/adms/licencetype/) of the licences a release may carry.
_LICENCE_TYPES = {
    "CC-BY-4.0": ["Attribution"],
    "CC0-1.0": ["PublicDomain"],
    "ODC-BY-1.0": ["Attribution"],
    "PDDL-1.0": ["PublicDomain"],
}


def _iri(value: str) -> dict[str, str]:
    return {"@id": value}


def _typed(value: Any, datatype: str) -> dict[str, str]:
    return {"@type": datatype, "@value": str(value)}


def _lang(text: str, language: str) -> dict[str, str]:
    return {"@language": language, "@value": text}


def _require(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    value = mapping.get(key)
    if value is None or value == "" or value == [] or value == {}:
        raise ValueError(f"{where}: missing {key!r}")
    return value


def _multilingual(mapping: Mapping[str, Any], key: str, where: str) -> list[dict[str, str]]:
    texts = _require(mapping, key, where)
    missing = [lang for lang in LANGUAGES if not texts.get(lang)]
    if missing:
        raise ValueError(f"{where}: {key!r} lacks {', '.join(missing)}")
    return [_lang(texts[lang], lang) for lang in LANGUAGES]


def _dataset_texts(resource: Mapping[str, Any], key: str, where: str) -> list[dict[str, str]]:
    """A resource's texts for its data set: a trailing "(CSV)" / "(Parquet)" naming the file's format is cut."""
    suffix = re.compile(r"\s*\((?:" + "|".join(_FILE_TYPES) + r")\)\s*$", re.IGNORECASE)
    return [{**text, "@value": suffix.sub("", text["@value"])} for text in _multilingual(resource, key, where)]


def _date(value: Any, where: str) -> str:
    text = str(value)
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(f"{where}: {text!r} is not an ISO date (YYYY-MM-DD)")
    return text


def _datetime(value: Any, where: str) -> dict[str, str]:
    text = str(value)
    if len(text) == 10:
        return _typed(_date(text, where), "xsd:date")
    if "T" not in text:
        raise ValueError(f"{where}: {text!r} is not an ISO date-time")
    return _typed(text, "xsd:dateTime")


def _checksum(hash_value: str, where: str) -> tuple[str, str]:
    """(SPDX algorithm IRI, lower-case hex) of a Frictionless hash, ``<algorithm>:<hex>`` or bare md5 hex."""
    algorithm, _, digest = str(hash_value).rpartition(":")
    algorithm = algorithm.lower() or "md5"
    if algorithm not in _HASH_ALGORITHMS:
        raise ValueError(f"{where}: unsupported hash algorithm {algorithm!r}")
    digest = digest.lower()
    if not digest or any(c not in "0123456789abcdef" for c in digest) or len(digest) % 2:
        raise ValueError(f"{where}: {hash_value!r} is not a hexadecimal digest")
    return f"spdx:checksumAlgorithm_{_HASH_ALGORITHMS[algorithm]}", digest


def _sorted_values(values: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    unique = {json.dumps(v, sort_keys=True): v for v in values}
    return [unique[k] for k in sorted(unique)]


def build_catalogue(datapackage: dict, *, base_url: str) -> dict:
    """The DCAT-AP 3 catalogue of a release, as a JSON-LD document with an inline context.

    ``base_url`` is where the release's files are published: a resource ``path`` is downloaded from
    ``base_url + "/" + path``, and the catalogue's nodes are named under it.
    """
    dp = datapackage
    base = str(base_url).rstrip("/")
    if not base:
        raise ValueError("base_url is empty")

    created = _datetime(_require(dp, "created", "datapackage"), "datapackage created")
    version = str(_require(dp, "version", "datapackage"))
    homepage = str(_require(dp, "homepage", "datapackage"))

    licences = _require(dp, "licenses", "datapackage")
    licence = licences[0]
    licence_iri = str(_require(licence, "path", "datapackage licence"))

    publisher = _require(dp, "civiclake:publisher", "datapackage")
    publisher_iri = str(_require(publisher, "uri", "civiclake:publisher"))
    email = str(_require(publisher, "email", "civiclake:publisher")).removeprefix("mailto:")

    spatial = [_iri(str(uri)) for uri in sorted(set(_require(dp, "civiclake:spatial", "datapackage")))]
    themes = [
        _iri(f"{DATA_THEME}/{str(code).upper()}")
        for code in sorted(set(_require(dp, "civiclake:themes", "datapackage")))
    ]
    release_temporal = dp.get("civiclake:temporal") or {}
    changes = dp.get("civiclake:changes")
    frequency = dp.get("civiclake:accrualPeriodicity")

    catalog_iri = f"{base}/catalog"
    contact_iri = f"{base}/contact-point"

    # The data sets, each with its resources in datapackage order; nodes are emitted sorted by IRI.
    resources = _require(dp, "resources", "datapackage")
    by_dataset: dict[str, list[dict]] = {}
    for index, resource in enumerate(resources):
        where = f"resource {resource.get('name', index)!r}"
        dataset_id = str(_require(resource, "civiclake:dataset", where))
        by_dataset.setdefault(dataset_id, []).append(resource)
    names = [str(_require(r, "name", f"resource {i}")) for i, r in enumerate(resources)]
    if len(set(names)) != len(names):
        raise ValueError("datapackage: resource names are not unique")

    nodes: list[dict[str, Any]] = []
    dataset_iris: list[str] = []
    for dataset_id in sorted(by_dataset):
        members = by_dataset[dataset_id]
        first = members[0]
        dataset_iri = f"{base}/dataset/{dataset_id}"
        dataset_iris.append(dataset_iri)
        where = f"data set {dataset_id!r}"

        starts, ends = [], []
        for resource in members:
            period = resource.get("civiclake:temporal") or {}
            if period.get("start"):
                starts.append(_date(period["start"], f"{where} start"))
            if period.get("end"):
                ends.append(_date(period["end"], f"{where} end"))
        start = min(starts) if starts else release_temporal.get("start")
        end = max(ends) if ends else release_temporal.get("end")
        if not start or not end:
            raise ValueError(f"{where}: no temporal coverage (civiclake:temporal start and end)")
        period_iri = f"{dataset_iri}#temporal"
        nodes.append(
            {
                "@id": period_iri,
                "@type": ["dct:PeriodOfTime"],
                "dcat:endDate": [_typed(_date(end, where), "xsd:date")],
                "dcat:startDate": [_typed(_date(start, where), "xsd:date")],
            }
        )

        keywords = []
        for resource in members:
            for lang, words in sorted((resource.get("civiclake:keywords") or {}).items()):
                keywords.extend(_lang(str(word), lang) for word in words)
        if not keywords:
            keywords = [_lang(str(word), "en") for word in dp.get("keywords") or []]

        distribution_iris = []
        for resource in sorted(members, key=lambda r: str(r["name"])):
            name = str(resource["name"])
            rwhere = f"resource {name!r}"
            distribution_iri = f"{dataset_iri}/distribution/{name}"
            distribution_iris.append(distribution_iri)
            path = str(_require(resource, "path", rwhere)).lstrip("/")
            url = f"{base}/{path}"
            file_format = str(_require(resource, "format", rwhere)).lower()
            if file_format not in _FILE_TYPES:
                raise ValueError(f"{rwhere}: unknown format {file_format!r}")
            mediatype = str(_require(resource, "mediatype", rwhere))
            size = _require(resource, "bytes", rwhere)
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise ValueError(f"{rwhere}: bytes must be a non-negative integer, not {size!r}")
            algorithm, digest = _checksum(_require(resource, "hash", rwhere), rwhere)
            checksum_iri = f"{distribution_iri}#checksum"
            nodes.append(
                {
                    "@id": checksum_iri,
                    "@type": ["spdx:Checksum"],
                    "spdx:algorithm": [_iri(algorithm)],
                    "spdx:checksumValue": [_typed(digest, "xsd:hexBinary")],
                }
            )
            distribution: dict[str, Any] = {
                "@id": distribution_iri,
                "@type": ["dcat:Distribution"],
                "dcat:accessURL": [_iri(url)],
                "dcat:byteSize": [_typed(size, "xsd:nonNegativeInteger")],
                "dcat:downloadURL": [_iri(url)],
                "dcat:mediaType": [_iri(f"{IANA_MEDIA_TYPES}/{mediatype}")],
                "dcatap:availability": [_iri(AVAILABILITY_STABLE)],
                "dct:description": _multilingual(resource, "civiclake:descriptions", rwhere),
                "dct:format": [_iri(f"{FILE_TYPE}/{_FILE_TYPES[file_format]}")],
                "dct:issued": [created],
                "dct:license": [_iri(licence_iri)],
                "dct:title": _multilingual(resource, "civiclake:titles", rwhere),
                "spdx:checksum": [_iri(checksum_iri)],
            }
            if resource.get("schema"):
                distribution["dct:conformsTo"] = [_iri(TABLE_SCHEMA)]
            nodes.append(distribution)

        dataset: dict[str, Any] = {
            "@id": dataset_iri,
            "@type": ["dcat:Dataset"],
            "dcat:contactPoint": [_iri(contact_iri)],
            "dcat:distribution": [_iri(i) for i in distribution_iris],
            "dcat:keyword": _sorted_values(keywords),
            "dcat:landingPage": [_iri(homepage)],
            "dcat:theme": themes,
            "dcat:version": [version],
            "dct:description": _dataset_texts(first, "civiclake:descriptions", f"resource {first['name']!r}"),
            "dct:identifier": [dataset_iri],
            "dct:issued": [created],
            "dct:modified": [created],
            "dct:publisher": [_iri(publisher_iri)],
            "dct:spatial": spatial,
            "dct:temporal": [_iri(period_iri)],
            "dct:title": _dataset_texts(first, "civiclake:titles", f"resource {first['name']!r}"),
            "owl:versionInfo": [version],
        }
        if changes:
            dataset["adms:versionNotes"] = [_lang(str(changes), "en")]
        if frequency:
            dataset["dct:accrualPeriodicity"] = [_iri(f"{FREQUENCY}/{str(frequency).upper()}")]
        nodes.append(dataset)

    catalog: dict[str, Any] = {
        "@id": catalog_iri,
        "@type": ["dcat:Catalog"],
        "dcat:dataset": [_iri(i) for i in dataset_iris],
        "dcat:keyword": _sorted_values(_lang(str(word), "en") for word in dp.get("keywords") or []),
        "dcat:themeTaxonomy": [_iri(DATA_THEME)],
        "dcat:version": [version],
        "dct:description": _multilingual(dp, "civiclake:descriptions", "datapackage"),
        "dct:identifier": [str(_require(dp, "name", "datapackage"))],
        "dct:issued": [created],
        "dct:language": [_iri(f"{LANGUAGE}/{_EU_LANGUAGE[lang]}") for lang in sorted(_EU_LANGUAGE)],
        "dct:license": [_iri(licence_iri)],
        "dct:modified": [created],
        "dct:publisher": [_iri(publisher_iri)],
        "dct:spatial": spatial,
        "dct:title": _multilingual(dp, "civiclake:titles", "datapackage"),
        "foaf:homepage": [_iri(homepage)],
        "owl:versionInfo": [version],
    }
    if changes:
        catalog["adms:versionNotes"] = [_lang(str(changes), "en")]
    nodes.append(catalog)

    agent: dict[str, Any] = {
        "@id": publisher_iri,
        "@type": ["foaf:Agent"],
        "dct:type": [_iri(PUBLISHER_TYPE_LOCAL_AUTHORITY)],
        "foaf:mbox": [_iri(f"mailto:{email}")],
        "foaf:name": [str(_require(publisher, "name", "civiclake:publisher"))],
    }
    contact: dict[str, Any] = {
        "@id": contact_iri,
        "@type": ["vcard:Kind"],
        "vcard:fn": [str(publisher["name"])],
        "vcard:hasEmail": [_iri(f"mailto:{email}")],
    }
    if publisher.get("homepage"):
        agent["foaf:homepage"] = [_iri(str(publisher["homepage"]))]
        contact["vcard:hasURL"] = [_iri(str(publisher["homepage"]))]
    nodes.extend([agent, contact])

    licence_node: dict[str, Any] = {"@id": licence_iri, "@type": ["dct:LicenseDocument"]}
    if licence.get("title"):
        licence_node["dct:title"] = [_lang(str(licence["title"]), "en")]
    if licence.get("name"):
        licence_node["dct:identifier"] = [str(licence["name"])]
        types = _LICENCE_TYPES.get(str(licence["name"]))
        if types:
            licence_node["dct:type"] = [_iri(f"http://purl.org/adms/licencetype/{t}") for t in types]
    nodes.append(licence_node)

    graph = sorted(nodes, key=lambda node: node["@id"])
    return {"@context": dict(sorted(CONTEXT.items())), "@graph": graph}


def _jsonld_text(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _turtle_text(jsonld_text: str) -> str:
    graph = Graph(bind_namespaces="none")
    graph.parse(data=jsonld_text, format="json-ld")
    for prefix, namespace in sorted(CONTEXT.items()):
        graph.bind(prefix, namespace, override=True, replace=True)
    text = graph.serialize(format="turtle")
    return text if text.endswith("\n") else text + "\n"


def write_catalogue(datapackage: dict, folder: Path, *, base_url: str) -> tuple[Path, Path]:
    """Write ``folder/catalog.jsonld`` and ``folder/catalog.ttl`` (reproducible bytes); return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    jsonld_text = _jsonld_text(build_catalogue(datapackage, base_url=base_url))
    turtle_text = _turtle_text(jsonld_text)
    jsonld_path = folder / "catalog.jsonld"
    turtle_path = folder / "catalog.ttl"
    jsonld_path.write_bytes(jsonld_text.encode("utf-8"))
    turtle_path.write_bytes(turtle_text.encode("utf-8"))
    return jsonld_path, turtle_path
