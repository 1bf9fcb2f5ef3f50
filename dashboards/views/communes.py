"""The "Communes" page: every KPI side by side for the communes in the lake.

One column per commune, one row per KPI (the commune as a whole, breakdown 'all') of the chosen period
type and period, from kpi_adoption, kpi_contact_centre and kpi_processing; each value formatted by its
unit, shares with their numerator and denominator. For anyone comparing communes, or checking that a
new commune's figures look like the others'.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.components import current_lang
from dashboards.i18n import MISSING, TEXTS, t
from dashboards.views._kpi_format import format_with_terms, kpi_label

KPI_PREFIX = "communes.kpi."
# The rows in the order of docs/kpis.md (the order of the names in dashboards/texts/communes.py); a KPI
# the texts do not know yet comes last, under its technical name.
KPI_ORDER: tuple[str, ...] = tuple(key.removeprefix(KPI_PREFIX) for key in TEXTS["en"] if key.startswith(KPI_PREFIX))
UNITS: tuple[str, ...] = ("share", "count", "citizens", "seconds", "days")


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    st.title(t("communes.title", lang))
    st.subheader(t("communes.subtitle", lang))
    components.render_with_filters(lang, _render)


def period_label(period_type: str, period: str, lang: str) -> str:
    return t("period.rolling", lang, month=period) if period_type == "rolling_12_months" else period


def _render(lake: Path, lang: str, chosen: components.Filters) -> None:
    period_type, period = chosen.period_type, chosen.period
    shown_period = period_label(period_type, period, lang)
    st.caption(t("communes.intro", lang, period=shown_period))

    figures = data.commune_kpis(lake, period_type, period)
    if figures.empty:
        st.info(t("communes.empty", lang, period=shown_period))
        return
    communes = data.list_communes(lake)
    names = components.commune_names(communes, lang)
    for commune_id in figures["commune_id"].unique():  # figures of a commune missing from dim_commune
        names.setdefault(commune_id, commune_id)
    commune_ids = sorted(names, key=lambda cid: (names[cid].casefold(), cid))
    headers = _unique_headers(commune_ids, names)

    kpis = _ordered_kpis(figures)
    table = side_by_side(figures, kpis, commune_ids, headers, lang)
    # Tall enough for every KPI: the comparison is read down the columns, without a scroll bar.
    st.dataframe(table, hide_index=True, height=35 * (len(table) + 1) + 3)
    st.caption(t("communes.missing_note", lang))
    for note in missing_notes(figures, kpis, commune_ids, names, shown_period, lang):
        st.info(note)

    # The CSV holds the figures themselves (numbers a spreadsheet can use), not the formatted text.
    raw = figures.assign(
        period_type=period_type,
        period=period,
        commune=[names.get(c, c) for c in figures["commune_id"]],
        kpi=[kpi_label(k, lang) for k in figures["kpi_name"]],
    )[
        [
            "period_type",
            "period",
            "commune_id",
            "commune",
            "kpi_name",
            "kpi",
            "unit",
            "numerator",
            "denominator",
            "value",
        ]
    ]
    st.caption(t("communes.download_caption", lang))
    components.download_csv(raw, f"communes_{period_type}_{period}", lang, key="communes_download")


def _unique_headers(commune_ids: list[str], names: dict[str, str]) -> dict[str, str]:
    """A column title per commune: its name, with its id when two communes share a name."""
    counts = pd.Series([names[c] for c in commune_ids]).value_counts()
    return {c: names[c] if counts[names[c]] == 1 else f"{names[c]} ({c})" for c in commune_ids}


def _ordered_kpis(figures: pd.DataFrame) -> list[str]:
    present = set(figures["kpi_name"])
    known = [k for k in KPI_ORDER if k in present]
    return known + sorted(present - set(known))


def side_by_side(
    figures: pd.DataFrame,
    kpis: list[str],
    commune_ids: list[str],
    headers: dict[str, str],
    lang: str,
) -> pd.DataFrame:
    """One row per KPI (its name and unit), one column per commune (the formatted value, or a dash)."""
    by_key = {(row.commune_id, row.kpi_name): row for row in figures.itertuples(index=False)}
    units = figures.drop_duplicates("kpi_name").set_index("kpi_name")["unit"]
    rows = []
    for kpi in kpis:
        unit = str(units.get(kpi, ""))
        row: dict[str, str] = {
            t("communes.col.kpi", lang): kpi_label(kpi, lang),
            t("communes.col.unit", lang): t(f"communes.unit.{unit}", lang) if unit in UNITS else unit,
        }
        for commune_id in commune_ids:
            figure = by_key.get((commune_id, kpi))
            row[headers[commune_id]] = (
                MISSING
                if figure is None
                else format_with_terms(figure.value, figure.numerator, figure.denominator, figure.unit, lang)
            )
        rows.append(row)
    return pd.DataFrame(rows)


def missing_notes(
    figures: pd.DataFrame,
    kpis: list[str],
    commune_ids: list[str],
    names: dict[str, str],
    period: str,
    lang: str,
) -> list[str]:
    """One sentence per commune that lacks some of the KPIs the others have."""
    notes = []
    for commune_id in commune_ids:
        has = set(figures.loc[figures["commune_id"] == commune_id, "kpi_name"])
        if not has:
            notes.append(t("communes.missing_all", lang, commune=names[commune_id], period=period))
            continue
        lacking = [kpi_label(k, lang) for k in kpis if k not in has]
        if lacking:
            notes.append(t("communes.missing", lang, commune=names[commune_id], period=period, kpis=", ".join(lacking)))
    return notes


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
