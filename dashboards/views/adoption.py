"""The "Adoption" page: requests volume, digital take-up and after-hours share of a commune."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.components import current_lang
from dashboards.i18n import format_int, format_pct, t

# The KPIs shown as a percentage, and drawn on the monthly chart.
SHARE_KPIS: tuple[str, ...] = ("digital_take_up", "after_hours_share")


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    st.title(t("adoption.title", lang))
    components.render_with_filters(lang, _render)


def _render(lake: Path, lang: str, chosen: components.Filters) -> None:
    commune_id, period_type, period = chosen.commune_id, chosen.period_type, chosen.period
    year = chosen.period_end.year

    kpis = data.adoption_kpis(lake, commune_id, period_type, period)
    _kpi_tiles(kpis, lang)

    trend = data.monthly_trend(lake, commune_id, data.ADOPTION_KPIS, year)
    _trend_chart(trend, year, lang)

    _figures_table(commune_id, period_type, period, year, kpis, trend, lang)


def _kpi_tiles(kpis: pd.DataFrame, lang: str) -> None:
    by_name = {row.kpi_name: row for row in kpis.itertuples(index=False)}
    for column, kpi in zip(st.columns(len(data.ADOPTION_KPIS)), data.ADOPTION_KPIS, strict=True):
        with column:
            row = by_name.get(kpi)
            if row is None:
                st.metric(t(f"kpi.{kpi}", lang), format_int(None), help=t(f"help.{kpi}", lang))
                st.caption(t("kpi.missing", lang))
                continue
            # A count is its numerator; a share is shown as % with its numerator and denominator beside
            # it, as KPIS.md asks (never a bare percentage).
            value = format_pct(row.value, lang) if kpi in SHARE_KPIS else format_int(row.numerator, lang)
            st.metric(t(f"kpi.{kpi}", lang), value, help=t(f"help.{kpi}", lang))
            st.caption(
                t(
                    f"caption.{kpi}",
                    lang,
                    numerator=format_int(row.numerator, lang),
                    denominator=format_int(row.denominator, lang),
                )
            )


def _trend_chart(trend: pd.DataFrame, year: int, lang: str) -> None:
    st.subheader(t("trend.title", lang, year=year))
    shares = trend[trend["kpi_name"].isin(SHARE_KPIS)]
    if shares.empty:
        st.info(t("trend.empty", lang, year=year))
        return
    points = pd.DataFrame(
        {
            "month": shares["period"].astype(str),
            "kpi": [t(f"kpi.{k}", lang) for k in shares["kpi_name"]],
            "share": shares["value"].astype("float64"),
            "numerator": shares["numerator"].astype("float64"),
            "denominator": shares["denominator"].astype("float64"),
        }
    )
    # Altair rather than st.line_chart: the tooltip can then show each share with its numerator and
    # denominator, which KPIS.md wants next to every percentage.
    chart = (
        alt.Chart(points)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title=t("trend.x", lang), sort="ascending"),
            y=alt.Y("share:Q", title=t("trend.y", lang), axis=alt.Axis(format="%")),
            color=alt.Color("kpi:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("month:O", title=t("trend.x", lang)),
                alt.Tooltip("kpi:N", title=t("col.kpi_name", lang)),
                alt.Tooltip("share:Q", title=t("col.value", lang), format=".1%"),
                alt.Tooltip("numerator:Q", title=t("col.numerator", lang), format=",d"),
                alt.Tooltip("denominator:Q", title=t("col.denominator", lang), format=",d"),
            ],
        )
    )
    st.altair_chart(chart)


def _figures_table(
    commune_id: str,
    period_type: str,
    period: str,
    year: int,
    kpis: pd.DataFrame,
    trend: pd.DataFrame,
    lang: str,
) -> None:
    st.subheader(t("table.title", lang))
    st.caption(t("table.caption", lang, period=period, year=year))
    # The figures behind the tiles and the chart, in the gold mart's own long form (with period_type so
    # that nobody sums a year with its months).
    selected = kpis.assign(period_type=period_type, period=period)
    monthly = trend.assign(period_type="month")
    columns = [
        "commune_id",
        "period_type",
        "period",
        "period_start",
        "period_end",
        "kpi_name",
        "numerator",
        "denominator",
        "value",
    ]
    parts = [frame for frame in (selected, monthly) if not frame.empty]
    if not parts:
        return
    figures = (
        pd.concat(parts, ignore_index=True)
        .assign(commune_id=commune_id)
        .drop_duplicates(["period_type", "period", "kpi_name"])  # the chosen month is also in the trend
        .reindex(columns=columns)
    )
    st.dataframe(
        figures,
        hide_index=True,
        column_config={c: t(f"col.{c}", lang) for c in columns},
    )
    st.download_button(
        t("table.download", lang),
        data=figures.to_csv(index=False).encode("utf-8"),
        file_name=f"civiclake_adoption_{commune_id}_{period}.csv",
        mime="text/csv",
        on_click="ignore",  # downloading needs no rerun of the page
        key="download_csv",
    )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
