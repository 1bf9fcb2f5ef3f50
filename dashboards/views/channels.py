"""The "Channels" page: how citizens reach the commune.

For service managers and the digital team: the channel mix of requests month by month, when in the week
requests are created (with the office hours framed and the after-hours share), how appointments are
booked (online share, cancellations, no-shows) and how many citizens log in to the portal each day.
Every figure comes from dashboards.data (fct_requests, dim_channel and kpi_adoption).
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.i18n import COMMUNE_NAME_COLUMN, format_int, format_pct, t

# Eight channels: the shared grey-safe fills, then two more that keep the light/dark alternation.
CHANNEL_COLOURS: tuple[str, ...] = (*components.GREY_SAFE_COLOURS, "#f5cba7", "#4d5656")
# Fills on which a label must be white (the dark ones); the others take black.
_DARK_FILLS = {"#1b4f72", "#6e2c00", "#117a65", "#4d5656"}
# A share label is written in a bar segment from this share of the month on.
MIX_LABEL_MIN_SHARE = 0.08
APPOINTMENT_SHARES: tuple[str, ...] = (
    "appointments_online_share",
    "appointments_cancellation_rate",
    "appointments_no_show_rate",
)
POINT_SHAPES: tuple[str, ...] = ("circle", "square", "triangle-up")
MIX_MODE_KEY = "channels_mix_mode"


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = components.current_lang()
    st.title(t("channels.title", lang))
    components.render_with_filters(lang, _render)


def _render(lake: Path, lang: str, chosen: components.Filters) -> None:
    service = _service_label(lake, chosen, lang)
    st.caption(
        t("channels.intro", lang, commune=chosen.commune_name, period=_period_label(chosen, lang), service=service)
    )
    months = month_window(chosen, lang)
    _channel_mix(lake, lang, chosen, months)
    _weekday_hour(lake, lang, chosen)
    _appointments(lake, lang, chosen, months, service)
    _daily_active_citizens(lake, lang, chosen)


# --- helpers ----------------------------------------------------------------------------------------


def month_window(chosen: components.Filters, lang: str) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The months drawn month by month: the calendar year of the period, or the 12 months of a rolling
    window; (first day, last day, label)."""
    if chosen.period_type == "rolling_12_months":
        return chosen.period_start, chosen.period_end, _period_label(chosen, lang)
    year = chosen.period_end.year
    return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31), str(year)


def _period_label(chosen: components.Filters, lang: str) -> str:
    if chosen.period_type == "rolling_12_months":
        return t("period.rolling", lang, month=chosen.period)
    return chosen.period


def _service_label(lake: Path, chosen: components.Filters, lang: str) -> str:
    if chosen.service_code is None:
        return t("filter.all_services", lang)
    if data.missing_gold(lake, ["dim_service"]):
        return chosen.service_code
    return components.service_name(data.list_services(lake, chosen.commune_id), chosen.service_code, lang)


def _missing(lake: Path, lang: str, names: list[str]) -> bool:
    """Say which gold tables a section lacks; True when some are missing."""
    missing = data.missing_gold(lake, names)
    if missing:
        st.info(
            t("channels.missing", lang, tables=", ".join(f"{n}.parquet" for n in missing), gold=data.gold_dir(lake))
        )
    return bool(missing)


def _share_caption(key: str, numerator: object, denominator: object, lang: str) -> str:
    return t(key, lang, numerator=format_int(numerator, lang), denominator=format_int(denominator, lang))


def _date_text(day: object) -> str:
    return pd.Timestamp(day).date().isoformat()  # type: ignore[arg-type]


# --- channel mix ------------------------------------------------------------------------------------


def mix_table(mix: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The monthly mix with each channel's name in `lang`, the month's total and the share (num / den)."""
    column = COMMUNE_NAME_COLUMN.get(lang, "name_en")
    frame = mix.copy()
    frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    frame["requests"] = frame["requests"].astype("int64")
    names = frame[column].where(frame[column].notna() & (frame[column].astype(str) != ""), frame["channel"])
    frame["channel_name"] = names.astype(str)
    frame["is_digital"] = frame["is_digital"].fillna(False).astype(bool)
    frame["month_total"] = frame.groupby("month")["requests"].transform("sum").astype("int64")
    frame["share"] = frame["requests"] / frame["month_total"]
    frame = frame.sort_values(["month", "sort_order", "channel"], kind="stable")
    return frame[["month", "channel", "channel_name", "is_digital", "requests", "month_total", "share"]].reset_index(
        drop=True
    )


def _channel_mix(
    lake: Path, lang: str, chosen: components.Filters, months: tuple[pd.Timestamp, pd.Timestamp, str]
) -> None:
    first_day, last_day, year = months
    st.subheader(t("channels.mix.title", lang, year=year))
    if _missing(lake, lang, ["fct_requests", "dim_channel"]):
        return
    mix = data.channels_monthly_mix(lake, chosen.commune_id, first_day, last_day, chosen.service_code)
    if mix.empty:
        st.info(t("channels.mix.empty", lang, year=year))
        return
    table = mix_table(mix, lang)
    mode = st.radio(
        t("channels.mix.mode", lang),
        ("share", "count"),
        format_func=lambda m: t(f"channels.mix.mode.{m}", lang),
        horizontal=True,
        key=MIX_MODE_KEY,
    )
    order = list(dict.fromkeys(table["channel_name"]))  # by sort_order (the table's order)
    colours = {name: CHANNEL_COLOURS[i % len(CHANNEL_COLOURS)] for i, name in enumerate(order)}
    # The stack is drawn from the top in the legend's order: position each segment by hand.
    points = table.copy()
    points["rank"] = points["channel_name"].map({name: i for i, name in enumerate(order)})
    points = points.sort_values(["month", "rank"])
    value = points["share"] if mode == "share" else points["requests"].astype("float64")
    top = points["month_total"].astype("float64") if mode == "count" else 1.0
    points["y1"] = top - value.groupby(points["month"]).cumsum() + value
    points["y0"] = points["y1"] - value
    points["mid"] = (points["y0"] + points["y1"]) / 2
    points["label"] = [format_pct(s, lang, decimals=0) if s >= MIX_LABEL_MIN_SHARE else "" for s in points["share"]]
    points["label_colour"] = ["white" if colours[n] in _DARK_FILLS else "black" for n in points["channel_name"]]
    points["digital"] = [t("channels.digital" if d else "channels.not_digital", lang) for d in points["is_digital"]]
    points["requests_text"] = [format_int(v, lang) for v in points["requests"]]
    points["total_text"] = [format_int(v, lang) for v in points["month_total"]]
    points["share_text"] = [format_pct(v, lang) for v in points["share"]]

    y_title = t("channels.mix.y_share" if mode == "share" else "channels.mix.y_count", lang)
    x = alt.X("month:O", title=t("channels.mix.x", lang), axis=alt.Axis(labelAngle=0))
    base = alt.Chart(points)
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        x=x,
        y=alt.Y("y0:Q", title=y_title, axis=alt.Axis(format="%" if mode == "share" else ",d")),
        y2="y1:Q",
        color=alt.Color(
            "channel_name:N",
            title=t("channels.mix.legend", lang),
            scale=alt.Scale(domain=order, range=[colours[n] for n in order]),
            sort=order,
            legend=alt.Legend(orient="right"),
        ),
        tooltip=[
            alt.Tooltip("month:O", title=t("channels.col.month", lang)),
            alt.Tooltip("channel_name:N", title=t("channels.col.channel_name", lang)),
            alt.Tooltip("digital:N", title=t("channels.col.is_digital", lang)),
            alt.Tooltip("requests_text:N", title=t("channels.col.requests", lang)),
            alt.Tooltip("total_text:N", title=t("channels.col.month_total", lang)),
            alt.Tooltip("share_text:N", title=t("channels.col.share", lang)),
        ],
    )
    labels = base.mark_text(fontSize=10).encode(
        x=x,
        y="mid:Q",
        text="label:N",
        color=alt.condition(alt.datum.label_colour == "white", alt.value("white"), alt.value("black")),
    )
    chart = alt.layer(bars, labels).properties(height=360)

    total = int(table["requests"].sum())
    by_channel = table.groupby("channel_name", sort=False)["requests"].sum()
    parts = "; ".join(
        t(
            "channels.mix.part",
            lang,
            channel=name,
            share=format_pct(count / total, lang),
            count=format_int(count, lang),
            total=format_int(total, lang),
        )
        for name, count in by_channel.items()
    )
    known = table[table["channel"] != "unknown"]
    digital = int(known.loc[known["is_digital"], "requests"].sum())
    known_total = int(known["requests"].sum())
    description = t(
        "channels.mix.description",
        lang,
        year=year,
        total=format_int(total, lang),
        parts=parts,
        digital=format_int(digital, lang),
        known=format_int(known_total, lang),
        share=format_pct(digital / known_total if known_total else None, lang),
    )
    components.accessible_chart(chart, description)
    digital_names = ", ".join(dict.fromkeys(table.loc[table["is_digital"], "channel_name"])) or "—"
    st.caption(t("channels.mix.note", lang, digital=digital_names))
    with st.expander(t("channels.mix.table", lang)):
        components.table_with_download(
            table,
            f"channels_mix_{chosen.commune_id}_{chosen.period}",
            lang,
            key="channels_download_mix",
            column_config={c: t(f"channels.col.{c}", lang) for c in table.columns},
        )


# --- weekday x hour ---------------------------------------------------------------------------------


def heatmap_grid(cells: pd.DataFrame) -> pd.DataFrame:
    """All 7 x 24 cells (those without requests at 0) and whether most of a cell's requests fell within
    office hours."""
    grid = pd.MultiIndex.from_product([range(1, 8), range(24)], names=["iso_weekday", "hour"])
    frame = cells.astype({"iso_weekday": "int64", "hour": "int64"}).set_index(["iso_weekday", "hour"])
    frame = frame[["requests", "office_hours_requests", "after_hours_requests"]].reindex(grid, fill_value=0)
    frame = frame.astype("int64").reset_index()
    frame["mostly_office_hours"] = frame["office_hours_requests"] * 2 > frame["requests"]
    return frame


def _weekday_hour(lake: Path, lang: str, chosen: components.Filters) -> None:
    st.subheader(t("channels.heat.title", lang, period=_period_label(chosen, lang)))
    if _missing(lake, lang, ["fct_requests"]):
        return
    cells = data.channels_weekday_hour(
        lake, chosen.commune_id, chosen.period_start, chosen.period_end, chosen.service_code
    )
    if cells.empty:
        st.info(t("channels.heat.empty", lang))
        return
    grid = heatmap_grid(cells)
    total = int(grid["requests"].sum())
    after = int(grid["after_hours_requests"].sum())

    tile, _ = st.columns([1, 3])
    with tile:
        st.metric(
            t("kpi.after_hours_share", lang), format_pct(after / total, lang), help=t("help.after_hours_share", lang)
        )
        st.caption(_share_caption("caption.after_hours_share", after, total, lang))

    weekdays = [t(f"channels.weekday.{d}", lang) for d in range(1, 8)]
    points = grid.copy()
    points["weekday"] = [weekdays[d - 1] for d in points["iso_weekday"]]
    points["label"] = [format_int(v, lang) for v in points["requests"]]
    high = max(int(points["requests"].max()), 1)
    points["label_colour"] = ["white" if v > high * 0.55 else "black" for v in points["requests"]]
    points["after_text"] = [format_int(v, lang) for v in points["after_hours_requests"]]
    points["office_text"] = [format_int(v, lang) for v in points["office_hours_requests"]]
    x = alt.X("hour:O", title=t("channels.heat.x", lang), axis=alt.Axis(labelAngle=0))
    y = alt.Y("weekday:O", title=t("channels.heat.y", lang), sort=weekdays)
    base = alt.Chart(points)
    fill = base.mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color("requests:Q", title=t("channels.heat.legend", lang), scale=alt.Scale(scheme="greys")),
        tooltip=[
            alt.Tooltip("weekday:O", title=t("channels.col.weekday", lang)),
            alt.Tooltip("hour:O", title=t("channels.col.hour", lang)),
            alt.Tooltip("label:N", title=t("channels.col.requests", lang)),
            alt.Tooltip("office_text:N", title=t("channels.col.office_hours_requests", lang)),
            alt.Tooltip("after_text:N", title=t("channels.col.after_hours_requests", lang)),
        ],
    )
    office = base.transform_filter(alt.datum.mostly_office_hours)
    # A white frame under a black one: visible on the lightest and the darkest cells alike.
    frame_light = office.mark_rect(filled=False, stroke="white", strokeWidth=4).encode(x=x, y=y)
    frame_dark = office.mark_rect(filled=False, stroke="black", strokeWidth=1.5).encode(x=x, y=y)
    text = base.mark_text(fontSize=10).encode(
        x=x,
        y=y,
        text="label:N",
        color=alt.condition(alt.datum.label_colour == "white", alt.value("white"), alt.value("black")),
    )
    chart = alt.layer(fill, frame_light, frame_dark, text).properties(height=7 * 36)

    busiest = points.loc[points["requests"].idxmax()]
    office_cells = points[points["mostly_office_hours"]]
    if office_cells.empty:
        span = t("channels.heat.no_office", lang)
    else:
        days = sorted(set(office_cells["iso_weekday"]))
        first_hour, last_hour = int(office_cells["hour"].min()), int(office_cells["hour"].max()) + 1
        span = f"{weekdays[days[0] - 1]}-{weekdays[days[-1] - 1]}, {first_hour}:00-{last_hour}:00"
    description = t(
        "channels.heat.description",
        lang,
        start=_date_text(chosen.period_start),
        end=_date_text(chosen.period_end),
        total=format_int(total, lang),
        day=busiest["weekday"],
        hour=int(busiest["hour"]),
        count=format_int(busiest["requests"], lang),
        office_cells=len(office_cells),
        office_span=span,
        after=format_int(after, lang),
        share=format_pct(after / total, lang),
    )
    components.accessible_chart(chart, description)
    st.caption(t("channels.heat.note", lang))
    table = points[
        [
            "iso_weekday",
            "weekday",
            "hour",
            "requests",
            "office_hours_requests",
            "after_hours_requests",
            "mostly_office_hours",
        ]
    ]
    with st.expander(t("channels.heat.table", lang)):
        components.table_with_download(
            table,
            f"channels_weekday_hour_{chosen.commune_id}_{chosen.period}",
            lang,
            key="channels_download_heatmap",
            column_config={c: t(f"channels.col.{c}", lang) for c in table.columns},
        )


# --- appointments -----------------------------------------------------------------------------------


def _kpi_tile(row: object | None, kpi: str, lang: str) -> None:
    label = t(f"channels.kpi.{kpi}", lang)
    help_text = t(f"channels.help.{kpi}", lang)
    if row is None:
        st.metric(label, format_int(None), help=help_text)
        st.caption(t("kpi.missing", lang))
        return
    unit = getattr(row, "unit", None)
    if unit == "share":
        value = format_pct(row.value, lang)  # type: ignore[attr-defined]
    else:
        value = format_int(round(float(row.value)), lang)  # type: ignore[attr-defined]
    st.metric(label, value, help=help_text)
    st.caption(_share_caption(f"channels.caption.{kpi}", row.numerator, row.denominator, lang))  # type: ignore[attr-defined]


def _appointments(
    lake: Path, lang: str, chosen: components.Filters, months: tuple[pd.Timestamp, pd.Timestamp, str], service: str
) -> None:
    first_day, last_day, year = months
    st.subheader(t("channels.appt.title", lang))
    if chosen.service_code is not None:
        st.caption(t("channels.appt.scope", lang, service=service))
    kpis = data.channels_period_kpis(
        lake, chosen.commune_id, chosen.period_type, chosen.period, data.CHANNELS_APPOINTMENT_KPIS, chosen.service_code
    )
    if kpis.empty:
        st.info(t("channels.appt.empty", lang))
        return
    by_name = {row.kpi_name: row for row in kpis.itertuples(index=False)}
    for column, kpi in zip(st.columns(4), (*APPOINTMENT_SHARES, "appointments_booked"), strict=True):
        with column:
            _kpi_tile(by_name.get(kpi), kpi, lang)

    st.markdown(f"**{t('channels.appt.trend_title', lang, year=year)}**")
    monthly = data.channels_monthly_kpis(
        lake, chosen.commune_id, first_day, last_day, data.CHANNELS_APPOINTMENT_KPIS, chosen.service_code
    )
    shares = monthly[monthly["kpi_name"].isin(APPOINTMENT_SHARES)].copy()
    if shares.empty:
        st.info(t("channels.appt.trend_empty", lang, year=year))
    else:
        shares["kpi"] = [t(f"channels.kpi.{k}", lang) for k in shares["kpi_name"]]
        shares["share"] = shares["value"].astype("float64")
        shares["share_text"] = [format_pct(v, lang) for v in shares["value"]]
        shares["numerator_text"] = [format_int(v, lang) for v in shares["numerator"]]
        shares["denominator_text"] = [format_int(v, lang) for v in shares["denominator"]]
        # The online share (around 80 %) and the two rates (under 10 %) on their own scales, side by side,
        # so that the rates do not sink into one line at the bottom.
        for column, group in zip(st.columns(2), (APPOINTMENT_SHARES[:1], APPOINTMENT_SHARES[1:]), strict=True):
            with column:
                chart, parts = _share_lines(shares, group, lang)
                components.accessible_chart(
                    chart, t("channels.appt.description", lang, year=year, parts="; ".join(parts))
                )

    table = pd.concat(
        [
            kpis.assign(period_type=chosen.period_type, period=chosen.period),
            monthly.assign(period_type="month"),
        ],
        ignore_index=True,
    ).drop_duplicates(["period_type", "period", "kpi_name"])
    table = table.assign(commune_id=chosen.commune_id, service_code=chosen.service_code or "all")
    table = table.reindex(
        columns=["commune_id", "service_code", "period_type", "period", "kpi_name", "numerator", "denominator", "value"]
    )
    with st.expander(t("channels.appt.table", lang)):
        components.table_with_download(
            table,
            f"channels_appointments_{chosen.commune_id}_{chosen.period}",
            lang,
            key="channels_download_appointments",
            column_config={
                c: t(f"channels.col.{c}" if c == "service_code" else f"col.{c}", lang) for c in table.columns
            },
        )


def _share_lines(shares: pd.DataFrame, group: tuple[str, ...], lang: str) -> tuple[alt.Chart, list[str]]:
    """Monthly lines of some appointment shares (colour, dash and point shape fixed per KPI across
    charts) and, for the text alternative, each one's first and last month."""
    styles = {k: i for i, k in enumerate(APPOINTMENT_SHARES)}
    names = [t(f"channels.kpi.{k}", lang) for k in group]
    rows = shares[shares["kpi_name"].isin(group)]
    x = alt.X("period:O", title=t("channels.mix.x", lang), axis=alt.Axis(labelAngle=0))
    lines = (
        alt.Chart(rows[["period", "kpi", "share", "share_text", "numerator_text", "denominator_text"]])
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True))
        .encode(
            x=x,
            y=alt.Y("share:Q", title=t("channels.appt.y", lang), axis=alt.Axis(format="%")),
            color=alt.Color(
                "kpi:N",
                title=None,
                scale=alt.Scale(domain=names, range=[components.GREY_SAFE_COLOURS[styles[k]] for k in group]),
                legend=alt.Legend(orient="bottom", labelLimit=0, symbolStrokeWidth=2, symbolSize=120),
            ),
            # Colour, dash pattern and point shape on the same field: one legend, readable in grey scale.
            strokeDash=alt.StrokeDash(
                "kpi:N",
                title=None,
                scale=alt.Scale(domain=names, range=[list(components.STROKE_DASHES[styles[k]]) for k in group]),
            ),
            shape=alt.Shape(
                "kpi:N", title=None, scale=alt.Scale(domain=names, range=[POINT_SHAPES[styles[k]] for k in group])
            ),
            tooltip=[
                alt.Tooltip("period:O", title=t("channels.col.month", lang)),
                alt.Tooltip("kpi:N", title=t("col.kpi_name", lang)),
                alt.Tooltip("share_text:N", title=t("col.value", lang)),
                alt.Tooltip("numerator_text:N", title=t("col.numerator", lang)),
                alt.Tooltip("denominator_text:N", title=t("col.denominator", lang)),
            ],
        )
        .properties(height=260)
    )
    parts = []
    for kpi, name in zip(group, names, strict=True):
        kpi_rows = rows[rows["kpi_name"] == kpi].sort_values("period")
        if kpi_rows.empty:
            continue
        parts.append(
            t(
                "channels.appt.part",
                lang,
                kpi=name,
                first=format_pct(kpi_rows.iloc[0]["value"], lang),
                first_month=kpi_rows.iloc[0]["period"],
                last=format_pct(kpi_rows.iloc[-1]["value"], lang),
                last_month=kpi_rows.iloc[-1]["period"],
            )
        )
    return lines, parts


# --- daily active citizens --------------------------------------------------------------------------


def _daily_active_citizens(lake: Path, lang: str, chosen: components.Filters) -> None:
    st.subheader(t("channels.dac.title", lang))
    if chosen.service_code is not None:
        st.caption(t("channels.dac.scope", lang))
    kpis = data.channels_period_kpis(
        lake, chosen.commune_id, chosen.period_type, chosen.period, data.CHANNELS_CITIZEN_KPIS
    )
    days = data.channels_daily_kpi(
        lake, chosen.commune_id, "daily_active_citizens", chosen.period_start, chosen.period_end
    )
    if kpis.empty and days.empty:
        st.info(t("channels.dac.empty", lang))
        return
    by_name = {row.kpi_name: row for row in kpis.itertuples(index=False)}
    tiles, chart_column = st.columns([1, 4])
    with tiles:
        for kpi in data.CHANNELS_CITIZEN_KPIS[::-1]:  # the weekday median first
            _kpi_tile(by_name.get(kpi), kpi, lang)
    if days.empty:
        with chart_column:
            st.info(t("channels.dac.empty", lang))
        return
    points = days.copy()
    points["day"] = pd.to_datetime(points["day"])
    points["citizens"] = points["value"].astype("float64")
    points["citizens_text"] = [format_int(v, lang) for v in points["value"]]
    points["day_text"] = points["day"].dt.strftime("%Y-%m-%d")
    line = (
        alt.Chart(points[["day", "citizens", "citizens_text", "day_text"]])
        .mark_line(color=components.GREY_SAFE_COLOURS[0], point=len(points) <= 62)
        .encode(
            x=alt.X("day:T", title=t("channels.dac.x", lang)),
            y=alt.Y("citizens:Q", title=t("channels.dac.y", lang), axis=alt.Axis(format=",d")),
            tooltip=[
                alt.Tooltip("day_text:N", title=t("channels.col.day", lang)),
                alt.Tooltip("citizens_text:N", title=t("channels.col.citizens", lang)),
            ],
        )
    )
    layers: list[alt.Chart] = [line]
    median_row = by_name.get("daily_active_citizens_weekday_median")
    median_text = format_int(None)
    if median_row is not None and not pd.isna(median_row.value):
        median_text = format_int(round(float(median_row.value)), lang)
        rule = pd.DataFrame(
            {"citizens": [float(median_row.value)], "label": [t("channels.dac.median_label", lang, value=median_text)]}
        )
        layers.append(
            alt.Chart(rule)
            .mark_rule(color=components.GREY_SAFE_COLOURS[1], strokeDash=list(components.STROKE_DASHES[1]), size=2)
            .encode(y="citizens:Q")
        )
        layers.append(
            alt.Chart(rule)
            .mark_text(align="right", baseline="bottom", dx=-4, dy=-4, fontSize=11, fontWeight="bold")
            .encode(y="citizens:Q", x=alt.value("width"), text="label:N")
        )
    low, high = points.loc[points["citizens"].idxmin()], points.loc[points["citizens"].idxmax()]
    description = t(
        "channels.dac.description",
        lang,
        start=_date_text(chosen.period_start),
        end=_date_text(chosen.period_end),
        days=format_int(len(points), lang),
        low=low["citizens_text"],
        low_day=low["day_text"],
        high=high["citizens_text"],
        high_day=high["day_text"],
        median=median_text,
    )
    with chart_column:
        components.accessible_chart(alt.layer(*layers).properties(height=300), description)
    table = pd.DataFrame({"day": points["day_text"], "citizens": points["value"].round().astype("int64")})
    with st.expander(t("channels.dac.table", lang)):
        components.table_with_download(
            table,
            f"channels_daily_active_citizens_{chosen.commune_id}_{chosen.period}",
            lang,
            key="channels_download_daily",
            column_config={c: t(f"channels.col.{c}", lang) for c in table.columns},
        )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
