"""The "Contact centre" page, for the contact-centre lead: volumes, abandonment, service level, speed of
answer and handle time of a commune's queues for the chosen period, by day, by hour and by queue.

Figures: kpi_contact_centre (breakdown all and queue; day rows for the daily charts), fct_calls (by hour
of the day), kpi_target_status (targets, where the commune configured one).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.components import GREY_SAFE_COLOURS, STROKE_DASHES, current_lang
from dashboards.i18n import format_int, format_pct, t

COUNT_KPIS: tuple[str, ...] = ("calls_offered", "calls_answered", "calls_abandoned", "abandonment_rate")
PERFORMANCE_KPIS: tuple[str, ...] = ("service_level", "average_speed_of_answer", "average_handle_time")
SHARE_KPIS: tuple[str, ...] = ("abandonment_rate", "service_level")
SECONDS_KPIS: tuple[str, ...] = ("average_speed_of_answer", "average_handle_time")
VOLUME_KPIS: tuple[str, ...] = ("calls_offered", "calls_answered", "calls_abandoned")
OUTCOMES: tuple[str, ...] = ("offered", "answered", "abandoned", "short_abandoned")
POINT_SHAPES: tuple[str, ...] = ("circle", "square", "triangle-up", "diamond")
# Reference values where the commune has configured no target (KPIS.md, contact centre): 80 % of calls
# within 20 s, 20 s to answer; no reference handle time. Configurable later.
REFERENCES: dict[str, float | None] = {
    "service_level": 0.80,
    "average_speed_of_answer": 20.0,
    "average_handle_time": None,
}
# Higher is better for the service level; lower for the waits and handle times.
HIGHER_IS_BETTER: dict[str, bool] = {
    "service_level": True,
    "average_speed_of_answer": False,
    "average_handle_time": False,
}
QUEUE_COLUMNS: tuple[str, ...] = (
    "queue",
    "calls_offered",
    "calls_answered",
    "calls_abandoned",
    "calls_short_abandoned",
    "abandonment_rate",
    "service_level_numerator",
    "service_level_denominator",
    "service_level",
    "average_speed_of_answer",
    "average_handle_time",
)
_NUMBER_MARKS = {"en": (",", "."), "fr": ("\u202f", ","), "nl": (".", ",")}


@dataclass(frozen=True)
class Goal:
    """What a daily KPI is compared with: a configured target, a reference value, or nothing."""

    value: float | None
    kind: str  # "target" | "reference" | "none"


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    st.title(t("contact_centre.title", lang))
    components.render_with_filters(lang, _render)


def _period_label(chosen: components.Filters, lang: str) -> str:
    if chosen.period_type == "rolling_12_months":
        return t("period.rolling", lang, month=chosen.period)
    return chosen.period


def _render(lake: Path, lang: str, chosen: components.Filters) -> None:
    period_label = _period_label(chosen, lang)
    st.caption(t("contact_centre.intro", lang, commune=chosen.commune_name, period=period_label))
    if chosen.service_code is not None:
        st.caption(t("contact_centre.service_ignored", lang))
    if not data.has_gold(lake, "kpi_contact_centre"):
        st.info(t("contact_centre.no_table", lang, gold=data.gold_dir(lake)))
        return
    kpis = data.contact_centre_kpis(lake, chosen.commune_id, chosen.period_type, chosen.period)
    overall = kpis[kpis["breakdown"] == "all"]
    if overall.empty:
        st.info(t("contact_centre.no_figures", lang, commune=chosen.commune_name, period=period_label))
        return
    goals = _goals(lake, chosen)
    _tiles(overall, goals, lang)
    _queue_table(kpis[kpis["breakdown"] == "queue"], chosen, period_label, lang)

    first, last = chosen.period_start.date(), chosen.period_end.date()
    daily = data.contact_centre_daily(lake, chosen.commune_id, first, last)
    _daily_volumes(daily, lang)
    hourly = data.contact_centre_hourly(lake, chosen.commune_id, first, last)
    _hourly(hourly, lang)
    _performance(daily, goals, lang)
    _daily_table(daily, chosen, lang)


# --- targets -----------------------------------------------------------------------------------------


def _goals(lake: Path, chosen: components.Filters) -> dict[str, Goal]:
    targets = data.contact_centre_targets(lake, chosen.commune_id, chosen.period_end.date())
    configured = {row.kpi_name: float(row.target_value) for row in targets.itertuples(index=False)}
    goals = {}
    for kpi, reference in REFERENCES.items():
        if kpi in configured and not pd.isna(configured[kpi]):
            goals[kpi] = Goal(configured[kpi], "target")
        elif reference is not None:
            goals[kpi] = Goal(reference, "reference")
        else:
            goals[kpi] = Goal(None, "none")
    return goals


def _format_value(kpi: str, value: object, lang: str) -> str:
    if kpi in SHARE_KPIS:
        return format_pct(value, lang)
    if kpi in SECONDS_KPIS:
        return t("contact_centre.seconds", lang, value=format_decimal(value, lang))
    return format_int(value, lang)


def format_decimal(value: object, lang: str, decimals: int = 1) -> str:
    """A number with one decimal in the language's marks: 24.8 / 24,8 (thousands: 1,234.5 / 1 234,5)."""
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return "—"
    thousands, decimal = _NUMBER_MARKS.get(lang, _NUMBER_MARKS["en"])
    text = f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _goal_text(kpi: str, goal: Goal, lang: str) -> str:
    if goal.value is None:
        return t("contact_centre.target.none", lang)
    return t(f"contact_centre.target.{goal.kind}", lang, value=_format_value(kpi, goal.value, lang))


# --- tiles -------------------------------------------------------------------------------------------


def _tiles(overall: pd.DataFrame, goals: dict[str, Goal], lang: str) -> None:
    rows = {row.kpi_name: row for row in overall.itertuples(index=False)}
    short = rows.get("calls_short_abandoned")
    for columns, kpis in ((st.columns(4), COUNT_KPIS), (st.columns(3), PERFORMANCE_KPIS)):
        for column, kpi in zip(columns, kpis, strict=True):
            with column:
                label = t(f"contact_centre.kpi.{kpi}", lang)
                help_text = t(f"contact_centre.help.{kpi}", lang)
                if kpi in goals:
                    help_text += "\n\n" + t("contact_centre.target.help", lang)
                row = rows.get(kpi)
                if row is None:
                    st.metric(label, "—", help=help_text)
                    st.caption(t("contact_centre.kpi.missing", lang))
                    continue
                value = row.numerator if kpi in VOLUME_KPIS else row.value
                st.metric(label, _format_value(kpi, value, lang), help=help_text)
                # calls_answered is a count: its share of the calls offered is shown beside it.
                denominator = row.denominator
                if kpi == "calls_answered" and "calls_offered" in rows:
                    denominator = rows["calls_offered"].numerator
                st.caption(
                    t(
                        f"contact_centre.caption.{kpi}",
                        lang,
                        numerator=format_int(row.numerator, lang),
                        denominator=format_int(denominator, lang),
                        short=format_int(short.numerator if short is not None else None, lang),
                    )
                )
                if kpi in goals:
                    st.caption(_goal_text(kpi, goals[kpi], lang))


# --- queues ------------------------------------------------------------------------------------------


def queue_frame(queue_rows: pd.DataFrame) -> pd.DataFrame:
    """One row per queue: the counts, the shares with numerator and denominator, the means in seconds."""
    if queue_rows.empty:
        return pd.DataFrame(columns=list(QUEUE_COLUMNS))
    values = queue_rows.pivot_table(index="breakdown_value", columns="kpi_name", values="value", aggfunc="first")
    numerators = queue_rows.pivot_table(
        index="breakdown_value", columns="kpi_name", values="numerator", aggfunc="first"
    )
    denominators = queue_rows.pivot_table(
        index="breakdown_value", columns="kpi_name", values="denominator", aggfunc="first"
    )

    def column(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(pd.NA, index=frame.index)

    table = pd.DataFrame(index=values.index)
    for kpi in ("calls_offered", "calls_answered", "calls_abandoned", "calls_short_abandoned"):
        table[kpi] = column(numerators, kpi).astype("Int64")
    table["abandonment_rate"] = column(values, "abandonment_rate").astype("float64")
    table["service_level_numerator"] = column(numerators, "service_level").astype("Int64")
    table["service_level_denominator"] = column(denominators, "service_level").astype("Int64")
    table["service_level"] = column(values, "service_level").astype("float64")
    for kpi in SECONDS_KPIS:
        table[kpi] = column(values, kpi).astype("float64").round(1)
    table = table.reset_index(names="queue").sort_values(["calls_offered", "queue"], ascending=[False, True])
    return table.reindex(columns=list(QUEUE_COLUMNS)).reset_index(drop=True)


def _queue_table(queue_rows: pd.DataFrame, chosen: components.Filters, period_label: str, lang: str) -> None:
    st.subheader(t("contact_centre.queues.title", lang))
    table = queue_frame(queue_rows)
    if table.empty:
        st.info(t("contact_centre.queues.empty", lang))
        return
    st.caption(t("contact_centre.queues.caption", lang, period=period_label))
    config: dict[str, object] = {c: t(f"contact_centre.col.{c}", lang) for c in QUEUE_COLUMNS}
    for share in SHARE_KPIS:
        config[share] = st.column_config.NumberColumn(t(f"contact_centre.col.{share}", lang), format="percent")
    components.table_with_download(
        table,
        f"contact_centre_queues_{chosen.commune_id}_{chosen.period}",
        lang,
        key="contact_centre_queues_csv",
        column_config=config,
    )


# --- charts ------------------------------------------------------------------------------------------


def _day_text(value: object) -> str:
    return pd.Timestamp(value).date().isoformat()


def _daily_volumes(daily: pd.DataFrame, lang: str) -> None:
    st.subheader(t("contact_centre.daily.title", lang))
    volumes = daily[daily["kpi_name"].isin(VOLUME_KPIS)]
    if volumes.empty:
        st.info(t("contact_centre.daily.empty", lang))
        return
    labels = [t(f"contact_centre.kpi.{k}", lang) for k in VOLUME_KPIS]
    points = pd.DataFrame(
        {
            "day": pd.to_datetime(volumes["day"]),
            "kpi": [t(f"contact_centre.kpi.{k}", lang) for k in volumes["kpi_name"]],
            "calls": volumes["numerator"].astype("float64"),
        }
    )
    chart = (
        alt.Chart(points)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("day:T", title=t("contact_centre.col.day", lang)),
            y=alt.Y("calls:Q", title=t("contact_centre.daily.y", lang)),
            color=alt.Color(
                "kpi:N",
                title=None,
                scale=alt.Scale(domain=labels, range=list(GREY_SAFE_COLOURS[: len(labels)])),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "kpi:N", scale=alt.Scale(domain=labels, range=list(STROKE_DASHES[: len(labels)])), legend=None
            ),
            shape=alt.Shape(
                "kpi:N", scale=alt.Scale(domain=labels, range=list(POINT_SHAPES[: len(labels)])), legend=None
            ),
            tooltip=[
                alt.Tooltip("day:T", title=t("contact_centre.col.day", lang)),
                alt.Tooltip("kpi:N", title=t("contact_centre.col.kpi", lang)),
                alt.Tooltip("calls:Q", title=t("contact_centre.col.calls", lang), format=",d"),
            ],
        )
    )
    offered = volumes[volumes["kpi_name"] == "calls_offered"].sort_values("day")
    totals = volumes.groupby("kpi_name")["numerator"].sum()
    busiest = offered.loc[offered["numerator"].idxmax()] if not offered.empty else None
    quietest = offered.loc[offered["numerator"].idxmin()] if not offered.empty else None
    description = t(
        "contact_centre.daily.description",
        lang,
        first=_day_text(volumes["day"].min()),
        last=_day_text(volumes["day"].max()),
        offered=format_int(totals.get("calls_offered"), lang),
        answered=format_int(totals.get("calls_answered"), lang),
        abandoned=format_int(totals.get("calls_abandoned"), lang),
        busiest_day=_day_text(busiest["day"]) if busiest is not None else "—",
        busiest=format_int(busiest["numerator"] if busiest is not None else None, lang),
        quietest_day=_day_text(quietest["day"]) if quietest is not None else "—",
        quietest=format_int(quietest["numerator"] if quietest is not None else None, lang),
    )
    components.accessible_chart(chart, description)


def hourly_frame(hourly: pd.DataFrame) -> pd.DataFrame:
    """Every hour 0-23 with its counts (0 where no call entered), in the order of OUTCOMES."""
    hours = pd.DataFrame({"hour": range(24)})
    counts = hourly.astype({"hour": "int64"}) if not hourly.empty else hourly.reindex(columns=["hour", *OUTCOMES])
    merged = hours.merge(counts, on="hour", how="left")
    for outcome in OUTCOMES:
        merged[outcome] = merged[outcome].fillna(0).astype("int64")
    return merged[["hour", *OUTCOMES]]


def _hourly(hourly: pd.DataFrame, lang: str) -> None:
    st.subheader(t("contact_centre.hourly.title", lang))
    if hourly.empty:
        st.info(t("contact_centre.hourly.empty", lang))
        return
    st.caption(t("contact_centre.hourly.caption", lang))
    frame = hourly_frame(hourly)
    classes = ("answered", "abandoned", "short_abandoned")
    labels = [t(f"contact_centre.outcome.{c}", lang) for c in classes]
    points = frame.melt(id_vars="hour", value_vars=list(classes), var_name="outcome", value_name="calls")
    points["outcome"] = [t(f"contact_centre.outcome.{c}", lang) for c in points["outcome"]]
    chart = (
        alt.Chart(points)
        .mark_line(point=alt.OverlayMarkDef(size=40))
        .encode(
            x=alt.X("hour:O", title=t("contact_centre.col.hour", lang)),
            y=alt.Y("calls:Q", title=t("contact_centre.hourly.y", lang)),
            color=alt.Color(
                "outcome:N",
                title=None,
                scale=alt.Scale(
                    domain=labels, range=[GREY_SAFE_COLOURS[0], GREY_SAFE_COLOURS[1], GREY_SAFE_COLOURS[3]]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "outcome:N", scale=alt.Scale(domain=labels, range=list(STROKE_DASHES[:3])), legend=None
            ),
            shape=alt.Shape("outcome:N", scale=alt.Scale(domain=labels, range=list(POINT_SHAPES[:3])), legend=None),
            tooltip=[
                alt.Tooltip("hour:O", title=t("contact_centre.col.hour", lang)),
                alt.Tooltip("outcome:N", title=t("contact_centre.col.outcome", lang)),
                alt.Tooltip("calls:Q", title=t("contact_centre.col.calls", lang), format=",d"),
            ],
        )
    )
    peak = frame.loc[frame["offered"].idxmax()]
    total = int(frame["offered"].sum())
    description = t(
        "contact_centre.hourly.description",
        lang,
        hour=int(peak["hour"]),
        next=int(peak["hour"]) + 1,
        offered=format_int(peak["offered"], lang),
        share=format_pct(peak["offered"] / total if total else None, lang),
        total=format_int(total, lang),
        answered=format_int(peak["answered"], lang),
        abandoned=format_int(peak["abandoned"], lang),
        short=format_int(peak["short_abandoned"], lang),
    )
    components.accessible_chart(chart, description)


def _performance(daily: pd.DataFrame, goals: dict[str, Goal], lang: str) -> None:
    st.subheader(t("contact_centre.perf.title", lang))
    st.caption(t("contact_centre.perf.caption", lang))
    rows = daily[daily["kpi_name"].isin(PERFORMANCE_KPIS)]
    if rows.empty:
        st.info(t("contact_centre.daily.empty", lang))
        return
    for column, kpi in zip(st.columns(len(PERFORMANCE_KPIS)), PERFORMANCE_KPIS, strict=True):
        with column:
            _performance_chart(rows[rows["kpi_name"] == kpi], kpi, goals[kpi], lang)


def _performance_chart(rows: pd.DataFrame, kpi: str, goal: Goal, lang: str) -> None:
    label = t(f"contact_centre.kpi.{kpi}", lang)
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        st.info(t("contact_centre.daily.empty", lang))
        return
    is_share = kpi in SHARE_KPIS
    points = pd.DataFrame(
        {
            "day": pd.to_datetime(rows["day"]),
            "value": rows["value"].astype("float64"),
            "numerator": rows["numerator"].astype("float64"),
            "denominator": rows["denominator"].astype("float64"),
        }
    )
    axis = alt.Axis(format="%") if is_share else alt.Axis()
    line = (
        alt.Chart(points)
        .mark_line(point=alt.OverlayMarkDef(size=18), color=GREY_SAFE_COLOURS[0])
        .encode(
            x=alt.X("day:T", title=t("contact_centre.col.day", lang)),
            y=alt.Y("value:Q", title=label + ("" if is_share else " (s)"), axis=axis),
            tooltip=[
                alt.Tooltip("day:T", title=t("contact_centre.col.day", lang)),
                alt.Tooltip("value:Q", title=label, format=".1%" if is_share else ".1f"),
                alt.Tooltip("numerator:Q", title=t("contact_centre.col.numerator", lang), format=",d"),
                alt.Tooltip("denominator:Q", title=t("contact_centre.col.denominator", lang), format=",d"),
            ],
        )
    )
    chart: alt.TopLevelMixin = line
    values = points.set_index("day")["value"]
    higher = HIGHER_IS_BETTER[kpi]
    best_day, worst_day = (values.idxmax(), values.idxmin()) if higher else (values.idxmin(), values.idxmax())
    fields = {
        "kpi": label,
        "first": _day_text(values.index.min()),
        "last": _day_text(values.index.max()),
        "best": _format_value(kpi, values[best_day], lang),
        "best_day": _day_text(best_day),
        "worst": _format_value(kpi, values[worst_day], lang),
        "worst_day": _day_text(worst_day),
    }
    if goal.value is not None:
        goal_label = _goal_text(kpi, goal, lang)
        rule_data = pd.DataFrame({"goal": [goal.value], "label": [goal_label]})
        rule = alt.Chart(rule_data).mark_rule(strokeDash=[6, 3], color=GREY_SAFE_COLOURS[3], size=2).encode(y="goal:Q")
        # The goal named on the chart itself, not in a colour legend.
        text = (
            alt.Chart(rule_data)
            .mark_text(align="left", dx=4, dy=-6, color=GREY_SAFE_COLOURS[3])
            .encode(y="goal:Q", x=alt.value(0), text="label:N")
        )
        chart = alt.layer(line, rule, text)
        met = int((values >= goal.value).sum() if higher else (values <= goal.value).sum())
        description = t(
            "contact_centre.perf.description_target",
            lang,
            met=format_int(met, lang),
            days=format_int(len(values), lang),
            kind=t(f"contact_centre.kind.{goal.kind}", lang),
            target=_format_value(kpi, goal.value, lang),
            **fields,
        )
    else:
        description = t("contact_centre.perf.description_none", lang, **fields)
    st.markdown(f"**{label}**")
    components.accessible_chart(chart, description)


def _daily_table(daily: pd.DataFrame, chosen: components.Filters, lang: str) -> None:
    if daily.empty:
        return
    st.subheader(t("contact_centre.figures.title", lang))
    st.caption(t("contact_centre.figures.caption", lang))
    table = daily.assign(commune_id=chosen.commune_id).reindex(
        columns=["commune_id", "day", "kpi_name", "numerator", "denominator", "value"]
    )
    config = {
        "commune_id": t("col.commune_id", lang),
        "day": t("contact_centre.col.day", lang),
        "kpi_name": t("contact_centre.col.kpi", lang),
        "numerator": t("contact_centre.col.numerator", lang),
        "denominator": t("contact_centre.col.denominator", lang),
        "value": t("contact_centre.col.value", lang),
    }
    components.table_with_download(
        table,
        f"contact_centre_daily_{chosen.commune_id}_{chosen.period}",
        lang,
        key="contact_centre_daily_csv",
        column_config=config,
    )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
