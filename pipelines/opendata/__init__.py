"""Open-data releases: aggregated, anonymised data sets described to EU open-data standards.

- disclosure.py  primary and secondary suppression of small counts in two-way tables with margins
- release.py     the data sets of a release (CSV + Parquet, byte for byte reproducible) and its
                 Frictionless datapackage.json
- dcat.py        the DCAT-AP 3 catalogue of a release (JSON-LD and Turtle), built from its datapackage.json
"""
