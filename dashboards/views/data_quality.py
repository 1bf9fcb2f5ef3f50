"""The "Data quality" page, for the data team: freshness of each source, rows read / loaded / quarantined
by the latest loads with the reasons of the quarantine, and the latest Great Expectations results.

Figures: the gold tables the gold export builds from the lake's own files (pipelines/quality_export.py):
dim_source_freshness, fct_source_loads, fct_quarantine_reasons, fct_quality_results. They cover every
source of the lake, so the sidebar's commune and period filters do not apply; an entity filter does.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.components import GREY_SAFE_COLOURS, current_lang
from dashboards.i18n import format_int, format_pct, t

ENTITIES: tuple[str, ...] = ("service", "request", "case_event", "appointment", "call", "portal_login")
ENTITY_KEY = "data_quality_entity"
LOAD_PARTS: tuple[str, ...] = ("loaded", "quarantined", "outside_window")
FRESHNESS_COLUMNS = (
    "entity",
    "source",
    "commune_id",
    "last_loaded_at",
    "last_ingested_at",
    "first_event_date_local",
    "last_event_date_local",
    "rows_in_bronze",
    "source_label",
)
LOAD_COLUMNS = (
    "entity",
    "source",
    "finished_at",
    "rows_read",
    "rows_loaded",
    "rows_new",
    "rows_quarantined",
    "rows_outside_window",
    "rows_deleted",
    "is_balanced",
    "skipped_reason",
)
# A source's past loads: the columns of data.DQ_LOAD_COLUMNS but the commune (the table is per source).
HISTORY_COLUMNS = tuple(column for column in data.DQ_LOAD_COLUMNS if column != "commune_id")
REASON_COLUMNS = data.DQ_REASON_COLUMNS
RESULT_COLUMNS = (
    "entity",
    "run_at",
    "expectation",
    "column_name",
    "severity",
    "success",
    "observed",
    "unexpected_count",
    "element_count",
    "exception",
)
SUMMARY_COLUMNS = ("entity", "run_at", "expectations", "met", "critical_failures", "warning_failures")


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    lake = data.resolve_lake()
    st.title(t("data_quality.title", lang))
    st.caption(t("data_quality.intro", lang))
    try:
        _render(lake, lang)
    except data.GoldNotReady as exc:
        st.info(t("msg.no_data", lang, gold=exc.gold))
    except data.GoldReadError as exc:
        st.error(t("msg.read_error", lang, gold=exc.gold, error=exc.detail))


def _render(lake: Path, lang: str) -> None:
    entity = st.selectbox(
        t("data_quality.entity_filter", lang),
        [None, *ENTITIES],
        format_func=lambda e: t("data_quality.all_entities", lang) if e is None else _entity_name(e, lang),
        key=ENTITY_KEY,
    )
    freshness = data.source_freshness(lake, entity)
    loads = data.source_loads(lake, entity, latest_only=True)
    results = data.quality_results(lake, entity, latest_only=True)
    _tiles(freshness, loads, results, lang)
    _freshness(lake, freshness, lang)
    _loads(lake, loads, entity, lang)
    _reasons(lake, data.quarantine_reasons(lake, entity), lang)
    _results(lake, results, lang)


def _entity_name(entity: str, lang: str) -> str:
    return t(f"data_quality.entity.{entity}", lang) if entity in ENTITIES else entity


def _utc(value: object) -> str:
    """A UTC time as `2024-03-02 05:02`; a dash when there is none."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return "—"
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M")


def _missing(lake: Path, table: str, lang: str) -> bool:
    """Say so when a gold table is not there (a lake exported before the data-quality tables existed)."""
    if data.has_gold(lake, table):
        return False
    st.info(t("data_quality.missing", lang, table=table, gold=data.gold_dir(lake)))
    return True


def _labels(columns: tuple[str, ...], lang: str) -> dict[str, str]:
    return {column: t(f"data_quality.col.{column}", lang) for column in columns} | {
        "entity": t("data_quality.col.entity", lang)
    }


# --- tiles -------------------------------------------------------------------------------------------


def _tiles(freshness: pd.DataFrame, loads: pd.DataFrame, results: pd.DataFrame, lang: str) -> None:
    sources, last_load, quarantined, expectations = st.columns(4)
    with sources:
        st.metric(t("data_quality.tile.sources", lang), format_int(len(freshness), lang))
        st.caption(
            t(
                "data_quality.tile.sources_caption",
                lang,
                sources=format_int(len(freshness), lang),
                entities=format_int(freshness["entity"].nunique(), lang),
            )
        )
    with last_load:
        loaded = freshness.dropna(subset=["last_loaded_at"])
        if loaded.empty:
            st.metric(t("data_quality.tile.last_load", lang), "—")
        else:
            oldest = loaded.loc[loaded["last_loaded_at"].idxmin()]
            st.metric(t("data_quality.tile.last_load", lang), _utc(loaded["last_loaded_at"].max()))
            st.caption(
                t(
                    "data_quality.tile.last_load_caption",
                    lang,
                    oldest=_utc(oldest["last_loaded_at"]),
                    source=f"{_entity_name(oldest['entity'], lang)} / {oldest['source']}",
                )
            )
    with quarantined:
        read = int(loads["rows_read"].sum()) if not loads.empty else 0
        rows = int(loads["rows_quarantined"].sum()) if not loads.empty else 0
        st.metric(t("data_quality.tile.quarantined", lang), format_pct(rows / read if read else None, lang))
        st.caption(
            t(
                "data_quality.tile.quarantined_caption",
                lang,
                numerator=format_int(rows, lang),
                denominator=format_int(read, lang),
            )
        )
    with expectations:
        total = len(results)
        met = int(results["success"].astype(bool).sum()) if total else 0
        critical = int(((~results["success"].astype(bool)) & (results["severity"] == "critical")).sum()) if total else 0
        st.metric(t("data_quality.tile.expectations", lang), format_pct(met / total if total else None, lang))
        st.caption(
            t(
                "data_quality.tile.expectations_caption",
                lang,
                numerator=format_int(met, lang),
                denominator=format_int(total, lang),
                critical=format_int(critical, lang),
            )
        )


# --- freshness ---------------------------------------------------------------------------------------


def _freshness(lake: Path, freshness: pd.DataFrame, lang: str) -> None:
    st.subheader(t("data_quality.freshness.title", lang))
    if _missing(lake, "dim_source_freshness", lang):
        return
    if freshness.empty:
        st.info(t("data_quality.empty", lang, table="dim_source_freshness"))
        return
    st.caption(t("data_quality.freshness.caption", lang))
    table = freshness.reindex(columns=list(FRESHNESS_COLUMNS))
    components.table_with_download(
        table,
        "source_freshness",
        lang,
        key="data_quality_freshness_csv",
        column_config=_labels(FRESHNESS_COLUMNS, lang),
    )


# --- loads -------------------------------------------------------------------------------------------


def _loads(lake: Path, loads: pd.DataFrame, entity: str | None, lang: str) -> None:
    st.subheader(t("data_quality.loads.title", lang))
    if _missing(lake, "fct_source_loads", lang):
        return
    if loads.empty:
        st.info(t("data_quality.empty", lang, table="fct_source_loads"))
        return
    st.caption(t("data_quality.loads.caption", lang))
    unbalanced = loads[~loads["is_balanced"].astype(bool)]
    if not unbalanced.empty:
        st.warning(
            t(
                "data_quality.loads.unbalanced",
                lang,
                sources=", ".join(f"{row.entity} / {row.source}" for row in unbalanced.itertuples(index=False)),
            )
        )
    _loads_chart(loads, lang)
    components.table_with_download(
        loads.reindex(columns=list(LOAD_COLUMNS)),
        "source_loads_latest",
        lang,
        key="data_quality_loads_csv",
        column_config=_labels(LOAD_COLUMNS, lang),
    )
    with st.expander(t("data_quality.loads.history", lang)):
        history = data.source_loads(lake, entity, latest_only=False)
        components.table_with_download(
            history.reindex(columns=list(HISTORY_COLUMNS)),
            "source_loads_all",
            lang,
            key="data_quality_history_csv",
            column_config=_labels(HISTORY_COLUMNS, lang),
        )


def _loads_chart(loads: pd.DataFrame, lang: str) -> None:
    frame = loads.assign(
        label=[f"{_entity_name(e, lang)} / {s}" for e, s in zip(loads["entity"], loads["source"], strict=True)]
    )
    parts = {
        "loaded": "rows_loaded",
        "quarantined": "rows_quarantined",
        "outside_window": "rows_outside_window",
    }
    names = [t(f"data_quality.loads.part.{part}", lang) for part in LOAD_PARTS]
    points = pd.concat(
        [
            pd.DataFrame(
                {
                    "source": frame["label"],
                    "part": t(f"data_quality.loads.part.{part}", lang),
                    "order": index,
                    "rows": frame[column].astype("float64"),
                }
            )
            for index, (part, column) in enumerate(parts.items())
        ],
        ignore_index=True,
    )
    # Stacked bars whose parts differ in lightness (dark, mid, light) and are separated by a white
    # stroke, so that they read in grey scale; the tooltip and the text below give the figures.
    chart = (
        alt.Chart(points)
        .mark_bar(stroke="white", strokeWidth=1)
        .encode(
            y=alt.Y("source:N", title=t("data_quality.loads.chart_y", lang), sort=list(frame["label"])),
            x=alt.X("rows:Q", title=t("data_quality.loads.chart_x", lang), stack="zero"),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=names, range=[GREY_SAFE_COLOURS[0], GREY_SAFE_COLOURS[1], GREY_SAFE_COLOURS[4]]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("source:N", title=t("data_quality.col.source", lang)),
                alt.Tooltip("part:N", title=t("data_quality.loads.chart_x", lang)),
                alt.Tooltip("rows:Q", title=t("data_quality.col.rows", lang), format=",d"),
            ],
        )
    )
    read = int(frame["rows_read"].sum())
    quarantined = int(frame["rows_quarantined"].sum())
    worst = frame.loc[frame["rows_quarantined"].idxmax()]
    description = t(
        "data_quality.loads.description",
        lang,
        read=format_int(read, lang),
        loaded=format_int(frame["rows_loaded"].sum(), lang),
        quarantined=format_int(quarantined, lang),
        share=format_pct(quarantined / read if read else None, lang),
        outside=format_int(frame["rows_outside_window"].sum(), lang),
        worst=worst["label"],
        worst_rows=format_int(worst["rows_quarantined"], lang),
    )
    components.accessible_chart(chart, description)


# --- quarantine --------------------------------------------------------------------------------------


def _reasons(lake: Path, reasons: pd.DataFrame, lang: str) -> None:
    st.subheader(t("data_quality.reasons.title", lang))
    if _missing(lake, "fct_quarantine_reasons", lang):
        return
    if reasons.empty:
        st.info(t("data_quality.reasons.none", lang))
        return
    st.caption(
        t(
            "data_quality.reasons.caption",
            lang,
            rows=format_int(reasons["rows"].sum(), lang),
            reasons=format_int(len(reasons), lang),
        )
    )
    components.table_with_download(
        reasons.reindex(columns=list(REASON_COLUMNS)),
        "quarantine_reasons",
        lang,
        key="data_quality_reasons_csv",
        column_config=_labels(REASON_COLUMNS, lang),
    )


# --- Great Expectations ------------------------------------------------------------------------------


def results_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Per entity: the latest run's time, its expectations, how many were met, failures by severity."""
    if results.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    frame = results.assign(
        met=results["success"].astype(bool),
        critical=(~results["success"].astype(bool)) & (results["severity"] == "critical"),
        warning=(~results["success"].astype(bool)) & (results["severity"] == "warning"),
    )
    summary = frame.groupby("entity", sort=True).agg(
        run_at=("run_at", "max"),
        expectations=("expectation", "size"),
        met=("met", "sum"),
        critical_failures=("critical", "sum"),
        warning_failures=("warning", "sum"),
    )
    return summary.reset_index().reindex(columns=list(SUMMARY_COLUMNS))


def results_table(results: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The latest results, failures first (critical before warnings), with the observed value in words."""
    if results.empty:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))

    def observed(row: pd.Series) -> str:
        if isinstance(row["observed_value"], str) and row["observed_value"]:
            return row["observed_value"]
        if pd.isna(row["unexpected_count"]) or pd.isna(row["element_count"]):
            return "—"
        return t(
            "data_quality.results.observed",
            lang,
            unexpected=format_int(row["unexpected_count"], lang),
            elements=format_int(row["element_count"], lang),
        )

    frame = results.assign(
        observed=results.apply(observed, axis=1) if len(results) else [],
        _failed=~results["success"].astype(bool),
        _critical=results["severity"] == "critical",
        _order=range(len(results)),
    )
    frame = frame.sort_values(["_failed", "_critical", "entity", "_order"], ascending=[False, False, True, True])
    return frame.reindex(columns=list(RESULT_COLUMNS)).reset_index(drop=True)


def _results(lake: Path, results: pd.DataFrame, lang: str) -> None:
    st.subheader(t("data_quality.results.title", lang))
    if _missing(lake, "fct_quality_results", lang):
        return
    if results.empty:
        st.info(t("data_quality.empty", lang, table="fct_quality_results"))
        return
    st.caption(t("data_quality.results.caption", lang))
    st.markdown(f"**{t('data_quality.results.summary', lang)}**")
    components.table_with_download(
        results_summary(results),
        "quality_summary",
        lang,
        key="data_quality_summary_csv",
        column_config=_labels(SUMMARY_COLUMNS, lang),
    )
    components.table_with_download(
        results_table(results, lang),
        "quality_results",
        lang,
        key="data_quality_results_csv",
        column_config=_labels(RESULT_COLUMNS, lang),
    )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
