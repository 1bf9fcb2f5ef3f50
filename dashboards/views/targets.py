"""The "Targets" page, for management: will we make the targets (85 % of services online by the end of
2025), and what holds us back?

Each KPI with a target (gold kpi_target_status, as of the last month of the chosen period) as a tile:
latest value, target, gap, status, deadline and the projection with its 95 % interval; then, per target,
the monthly values with the target as a horizontal rule and the projection to the deadline; then the
services not online yet at the period's end, ranked by the demand they carry through non-digital
channels over the 12 months to that day.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.components import GREY_SAFE_COLOURS, STROKE_DASHES, current_lang
from dashboards.i18n import COMMUNE_NAME_COLUMN, format_int, format_pct, t
from dashboards.views._kpi_format import format_decimal, format_value, is_missing, kpi_label

STATUSES: tuple[str, ...] = ("met", "on track", "at risk", "off track")
TILES_PER_ROW = 3
# The KPI whose target counts services: the services table says how many more must go online.
SERVICES_KPI = "services_digital_share"


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    st.title(t("targets.title", lang))
    st.markdown(f"**{t('targets.question', lang)}**")
    components.render_with_filters(lang, _render)


def _render(lake: Path, lang: str, chosen: components.Filters) -> None:
    end = chosen.period_end.date()
    targets = pd.DataFrame()
    if not data.has_gold(lake, "kpi_target_status"):
        st.info(t("targets.no_gold", lang))
    else:
        targets = data.target_status(lake, chosen.commune_id, end)
        if targets.empty:
            st.info(t("targets.none", lang, commune=chosen.commune_name, day=end.isoformat()))
    if not targets.empty:
        st.caption(t("targets.intro", lang, month=str(targets["as_of_month"].max())))
        trend = data.target_trend(lake, chosen.commune_id, sorted(set(targets["kpi_name"])), end)
        units = trend.drop_duplicates("kpi_name").set_index("kpi_name")["unit"].to_dict()
        rows = list(targets.itertuples(index=False))
        for start in range(0, len(rows), TILES_PER_ROW):
            for column, target in zip(st.columns(TILES_PER_ROW), rows[start : start + TILES_PER_ROW], strict=False):
                with column:
                    _tile(target, unit_of(target, units), lang)
        for target in rows:
            _trend_chart(target, trend[trend["kpi_name"] == target.kpi_name], unit_of(target, units), end, lang)
    services_target = None
    if not targets.empty and SERVICES_KPI in set(targets["kpi_name"]):
        services_target = float(targets.loc[targets["kpi_name"] == SERVICES_KPI, "target_value"].iloc[0])
    _services_not_online(lake, lang, chosen, services_target)


def unit_of(target: Any, units: dict[str, str]) -> str:
    """The KPI's unit from its monthly rows; a target with a denominator and no rows is taken as a share."""
    unit = units.get(target.kpi_name)
    if isinstance(unit, str) and unit:
        return unit
    return "share" if not is_missing(target.latest_denominator) else "count"


def status_text(status: object, lang: str) -> str:
    return t(f"targets.status.{status}", lang) if status in STATUSES else t("targets.status.unknown", lang)


def format_gap(gap: float, unit: str, lang: str) -> str:
    """A distance between two values of the KPI: percentage points for a share, the unit otherwise."""
    if unit == "share":
        return t("targets.points", lang, value=format_decimal(abs(gap) * 100, lang))
    return format_value(abs(gap), unit, lang)


def _date(value: object) -> str:
    return pd.Timestamp(value).date().isoformat() if not is_missing_date(value) else "—"


def is_missing_date(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _tile(target: Any, unit: str, lang: str) -> None:
    row = target  # a namedtuple of kpi_target_status
    deadline = _date(row.deadline)
    with st.container(border=True):
        st.metric(
            kpi_label(row.kpi_name, lang),
            format_value(row.latest_value, unit, lang),
            help=t("targets.tile.help", lang),
        )
        month = str(row.as_of_month)
        if unit == "share":
            terms = t(
                "targets.tile.terms",
                lang,
                numerator=format_int(row.latest_numerator, lang),
                denominator=format_int(row.latest_denominator, lang),
                month=month,
            )
        else:
            terms = t("targets.tile.as_of", lang, month=month)
        st.caption(terms)
        st.markdown(f"**{t('targets.tile.status', lang, status=status_text(row.status, lang))}**")
        st.caption(t("targets.tile.target", lang, target=format_value(row.target_value, unit, lang), deadline=deadline))
        # gap = target - latest; for a KPI better lower (an abandonment rate), the distance left is its opposite.
        lower_is_better = row.lower_is_better is True or str(row.lower_is_better) == "True"
        to_go = math.nan if is_missing(row.gap) else float(row.gap) * (-1 if lower_is_better else 1)
        if not math.isnan(to_go):
            key = "targets.tile.gap_to_go" if to_go > 0 else "targets.tile.gap_beyond"
            st.caption(t(key, lang, gap=format_gap(to_go, unit, lang)))
        if is_missing(row.projected_value):
            st.caption(t("targets.tile.no_projection", lang, months=row.months_used))
        else:
            st.caption(
                t(
                    "targets.tile.projection",
                    lang,
                    deadline=deadline,
                    value=format_value(row.projected_value, unit, lang),
                    low=format_value(row.projection_low, unit, lang),
                    high=format_value(row.projection_high, unit, lang),
                )
            )


def _trend_chart(target: Any, trend: pd.DataFrame, unit: str, end: object, lang: str) -> None:
    row = target
    label = kpi_label(row.kpi_name, lang)
    deadline = pd.Timestamp(row.deadline)
    deadline_month = deadline.to_period("M").to_timestamp()  # drawn like the months: at the first day
    st.subheader(t("targets.trend.title", lang, kpi=label, deadline=deadline.date().isoformat()))
    if trend.empty:
        st.info(t("targets.trend.empty", lang, kpi=label, day=str(end)))
        return
    months = pd.DataFrame(
        {
            # Each month drawn at its first day, so that the axis label "2024-03" sits on March.
            "month": pd.to_datetime(trend["period_start"]),
            "value": trend["value"].astype("float64"),
            "period": trend["period"].astype(str),
            "numerator": trend["numerator"].astype("float64"),
            "denominator": trend["denominator"].astype("float64"),
        }
    )
    fmt = ".0%" if unit == "share" else ",.1f"
    tip = ".1%" if unit == "share" else ",.1f"
    x_title = t("targets.trend.x", lang)
    x = alt.X("month:T", title=x_title, axis=alt.Axis(format="%Y-%m"))
    y = alt.Y("value:Q", title=label, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False))
    values = (
        alt.Chart(months)
        .mark_line(
            point=alt.OverlayMarkDef(shape="circle", size=50), color=GREY_SAFE_COLOURS[0], strokeDash=STROKE_DASHES[0]
        )
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("period:N", title=x_title),
                alt.Tooltip("value:Q", title=label, format=tip),
                alt.Tooltip("numerator:Q", title=t("col.numerator", lang), format=",d"),
                alt.Tooltip("denominator:Q", title=t("col.denominator", lang), format=",d"),
            ],
        )
    )
    target_value = float(row.target_value)
    target_text = format_value(target_value, unit, lang)
    x_end = max(deadline_month, months["month"].max())
    rule_frame = pd.DataFrame({"month": [months["month"].min(), x_end], "value": [target_value] * 2})
    rule = (
        alt.Chart(rule_frame)
        .mark_line(color=GREY_SAFE_COLOURS[3], strokeDash=STROKE_DASHES[1], strokeWidth=2)
        .encode(x=x, y=y)
    )
    rule_label = (
        alt.Chart(rule_frame.head(1).assign(text=t("targets.trend.label.target", lang, target=target_text)))
        .mark_text(align="left", dy=-8, color=GREY_SAFE_COLOURS[3], fontWeight="bold")
        .encode(x=x, y=y, text="text:N")
    )
    last = months.iloc[-1]
    value_label = (
        alt.Chart(months.tail(1).assign(text=t("targets.trend.label.value", lang)))
        .mark_text(align="right", dx=-8, dy=14, color=GREY_SAFE_COLOURS[0])
        .encode(x=x, y=y, text="text:N")
    )
    layers: list[alt.Chart] = [values, rule, rule_label, value_label]
    description = t(
        "targets.trend.desc",
        lang,
        kpi=label,
        count=len(months),
        first_month=months["period"].iloc[0],
        first_value=format_value(months["value"].iloc[0], unit, lang),
        last_month=last["period"],
        last_value=format_value(last["value"], unit, lang),
        target=target_text,
        deadline=deadline.date().isoformat(),
    )
    if not is_missing(row.projected_value):
        start = pd.Timestamp(row.as_of_date).to_period("M").to_timestamp()
        start_value = float(row.latest_value)
        projected = float(row.projected_value)
        low, high = float(row.projection_low), float(row.projection_high)
        path = pd.DataFrame(
            {
                "month": [start, deadline_month],
                "value": [start_value, projected],
                "low": [start_value, low],
                "high": [start_value, high],
            }
        )
        band = (
            alt.Chart(path)
            .mark_area(opacity=0.3, color=GREY_SAFE_COLOURS[2])
            .encode(x=x, y=alt.Y("low:Q", title=label, axis=alt.Axis(format=fmt)), y2="high:Q")
        )
        line = (
            alt.Chart(path)
            .mark_line(
                color=GREY_SAFE_COLOURS[1],
                strokeDash=STROKE_DASHES[2],
                strokeWidth=2,
                point=alt.OverlayMarkDef(shape="diamond", size=70),
            )
            .encode(x=x, y=y)
        )
        projection_text = format_value(projected, unit, lang)
        interval_text = f"{format_value(low, unit, lang)} – {format_value(high, unit, lang)}"
        labels = pd.DataFrame(
            {
                "month": [deadline_month, deadline_month],
                "value": [projected, high],
                "text": [
                    t("targets.trend.label.projection", lang, value=projection_text),
                    f"{t('targets.trend.label.band', lang)}: {interval_text}",
                ],
            }
        )
        label_marks = (
            alt.Chart(labels)
            .mark_text(align="right", dx=-10, dy=-10, color=GREY_SAFE_COLOURS[1])
            .encode(x=x, y=y, text="text:N")
        )
        layers = [band, *layers, line, label_marks]
        description += t(
            "targets.trend.desc_projection",
            lang,
            deadline=deadline.date().isoformat(),
            value=projection_text,
            low=format_value(low, unit, lang),
            high=format_value(high, unit, lang),
        )
    chart = alt.layer(*layers).properties(height=320)
    components.accessible_chart(chart, description)


def _services_not_online(lake: Path, lang: str, chosen: components.Filters, target: float | None) -> None:
    day = chosen.period_end.date().isoformat()
    st.subheader(t("targets.services.title", lang))
    if not (data.has_gold(lake, "dim_service") and data.has_gold(lake, "fct_requests")):
        st.info(t("targets.services.no_gold", lang))
        return
    catalogue = data.catalogue_demand(lake, chosen.commune_id, chosen.period_end.date())
    st.caption(t("targets.services.intro", lang, day=day))
    active = len(catalogue)
    online = int(catalogue["is_online"].sum()) if active else 0
    if active:
        st.markdown(
            t(
                "targets.services.catalogue",
                lang,
                day=day,
                online=format_int(online, lang),
                active=format_int(active, lang),
                share=format_pct(online / active, lang),
                step=t("targets.points", lang, value=format_decimal(100 / active, lang)),
            )
        )
        if target is not None:
            needed = math.ceil(round(target * active, 9))
            if needed > online:
                st.markdown(
                    t(
                        "targets.services.needed",
                        lang,
                        target=format_pct(target, lang),
                        needed=format_int(needed, lang),
                        more=format_int(needed - online, lang),
                    )
                )
            else:
                st.markdown(
                    t(
                        "targets.services.reached",
                        lang,
                        online=format_int(online, lang),
                        target=format_pct(target, lang),
                    )
                )
    pending = catalogue[~catalogue["is_online"].astype(bool)] if active else catalogue
    if pending.empty:
        st.info(t("targets.services.all_online", lang, day=day))
        return
    total = int(pending["catalogue_requests"].iloc[0]) if not is_missing(pending["catalogue_requests"].iloc[0]) else 0
    if total == 0:
        st.caption(t("targets.services.no_requests", lang, day=day))
    name_column = COMMUNE_NAME_COLUMN.get(lang, "name_en")
    names = [
        name if isinstance(name, str) and name else code
        for name, code in zip(pending[name_column], pending["service_code"], strict=True)
    ]
    table = pd.DataFrame(
        {
            t("targets.col.service", lang): names,
            t("targets.col.service_code", lang): pending["service_code"].astype(str).to_list(),
            t("targets.col.online_from", lang): [
                "" if is_missing_date(d) else _date(d) for d in pending["digital_since"]
            ],
            t("targets.col.non_digital_requests", lang): pending["non_digital_requests"].astype("int64").to_list(),
            t("targets.col.requests", lang): pending["requests"].astype("int64").to_list(),
            t("targets.col.catalogue_requests", lang): [total] * len(pending),
            t("targets.col.demand_share", lang): [
                format_pct(n / total, lang) if total else "—" for n in pending["requests"].astype("int64")
            ],
        }
    )
    components.table_with_download(
        table,
        f"services_not_online_{chosen.commune_id}_{day}",
        lang,
        key="targets_services_download",
        column_config={
            t("targets.col.demand_share", lang): st.column_config.TextColumn(
                help=t("targets.services.share_help", lang)
            )
        },
    )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
