"""The "Open data" page: the releases that `civiclake export` wrote in <lake>/opendata/, newest first.

For each release: its version, creation date, licence and what changed since the previous one; its data
sets (title in the session's language, rows when the descriptor gives them) with a download button per
file (CSV, Parquet) and the DCAT-AP catalogue files. For whoever publishes the data on the open data
portal, or checks a release before it goes out. The sidebar filters do not apply: a release is a whole.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from dashboards import data
from dashboards.components import current_lang
from dashboards.i18n import format_int, t

MEDIA_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "jsonld": "application/ld+json",
    "ttl": "text/turtle",
}
_DECIMAL = {"en": ".", "fr": ",", "nl": ","}


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    lake = data.resolve_lake()
    st.title(t("open_data.title", lang))
    st.subheader(t("open_data.subtitle", lang))
    st.caption(t("open_data.no_filter", lang))
    # The server's own paths are for its staff: the public reads the folder's name only.
    folder = data.opendata_dir(lake) if data.current_scope().signed_in else data.OPENDATA_FOLDER
    releases = data.list_releases(lake)
    if not releases:
        st.info(t("open_data.empty", lang, folder=folder))
        return
    st.caption(t("open_data.source", lang, folder=folder))
    for release in releases:
        with st.container(border=True):
            _release(release, lang)


def title_in(titles: object, lang: str, fallback: str) -> str:
    """The title in `lang`, else in English, else any, else `fallback`."""
    if isinstance(titles, dict) and titles:
        return str(titles.get(lang) or titles.get("en") or next(iter(titles.values())))
    return fallback


def created_label(created: str, lang: str) -> str:
    """The creation date of a release (its day), or "not stated"."""
    if not created:
        return t("open_data.unknown", lang)
    try:
        return dt.datetime.fromisoformat(created).date().isoformat()
    except ValueError:
        return created


def size_label(size: int, lang: str) -> str:
    """A file size in bytes, kB or MB (1000-based), with the language's marks."""
    if size < 1000:
        return t("open_data.size.bytes", lang, size=format_int(size, lang))
    unit, scaled = ("kb", size / 1000) if size < 1_000_000 else ("mb", size / 1_000_000)
    return t(f"open_data.size.{unit}", lang, size=f"{scaled:.1f}".replace(".", _DECIMAL.get(lang, ".")))


def _release(release: dict[str, object], lang: str) -> None:
    folder: Path = release["folder"]  # type: ignore[assignment]
    st.subheader(t("open_data.release", lang, version=release["version"]))
    title = title_in(release["titles"], lang, str(release["title"]))
    if title:
        st.markdown(f"**{title}**")
    st.caption(t("open_data.created", lang, created=created_label(str(release["created"]), lang)))
    st.caption(t("open_data.licence", lang, licence=release["licence"] or t("open_data.unknown", lang)))
    changes = str(release["changes"]) or t("open_data.unknown", lang)
    st.caption(t("open_data.changes", lang, changes=changes.replace("\n", "  \n")))

    keys = iter(range(1_000_000))
    st.markdown(f"##### {t('open_data.datasets', lang)}")
    datasets: list[dict[str, object]] = release["datasets"]  # type: ignore[assignment]
    if not datasets:
        st.info(t("open_data.no_datasets", lang))
    for dataset in datasets:
        name = str(dataset["name"])
        heading = f"**{title_in(dataset['titles'], lang, str(dataset['title']) or name)}** (`{name}`)"
        if dataset["rows"] is not None:
            heading += " · " + t("open_data.rows", lang, rows=format_int(dataset["rows"], lang))
        st.markdown(heading)
        for file in dataset["files"]:  # type: ignore[attr-defined]
            _file(folder, file, lang, key=f"open_data_{folder.name}_{next(keys)}")

    st.markdown(f"##### {t('open_data.catalogue', lang)}")
    catalogue: list[dict[str, object]] = release["catalogue"]  # type: ignore[assignment]
    if not catalogue:
        st.caption(t("open_data.no_catalogue", lang))
    for file in catalogue:
        _file(folder, file, lang, key=f"open_data_{folder.name}_{next(keys)}")


def _file(folder: Path, file: dict[str, object], lang: str, key: str) -> None:
    """One file of a release: its format and size, and its download button."""
    fmt, path = str(file["format"]), Path(str(file["path"]))
    try:
        content = path.read_bytes()
    except OSError:  # removed since the folder was listed: a new export is rewriting it
        return
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.caption(t("open_data.file", lang, format=fmt.upper(), size=size_label(len(content), lang)))
    with right:
        st.download_button(
            t("open_data.download", lang, name=file["name"]),
            data=content,
            file_name=str(file["name"]),
            mime=MEDIA_TYPES.get(fmt, "application/octet-stream"),
            on_click="ignore",  # downloading needs no rerun of the page
            key=key,
        )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
