"""The "Processes" page: for a service owner, where do the cases of a process wait?

For the commune and period of the sidebar, and a process and an intake channel chosen on the page: the
lead time of the cases closed in the period (histogram, median, 90th percentile, SLA compliance), the
backlog at the period end by age, the cases opened and closed per week, the median lead time per
channel, the process map (activities and the waits between them, the bottleneck marked), the top
variants and the rework per activity. Every figure comes from the gold marts through dashboards.data.
"""

from __future__ import annotations

import math
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from dashboards import components, data
from dashboards.components import GREY_SAFE_COLOURS, current_lang
from dashboards.i18n import COMMUNE_NAME_COLUMN, MISSING, format_int, format_pct, t

PROCESS_KEY = "processes_process"
CHANNEL_KEY = "processes_channel"
WEIGHT_KEY = "processes_weight"
LAST_SERVICE_KEY = "_processes_last_service"
ALL = "__all__"
AGE_BUCKETS: tuple[str, ...] = ("0-7", "8-30", "31-90", "over 90")
# Waits, bottlenecks and variants exist for these period types only (kpi_process_transitions).
MAP_PERIOD_TYPES: tuple[str, ...] = ("month", "quarter", "year", "rolling_12_months")
# Bar widths of the lead-time histogram, in days: the smallest that gives at most MAX_BINS bars.
BIN_WIDTHS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2, 5, 7, 10, 14, 30, 60, 90, 180, 365)
MAX_BINS = 40
# Thousands separator and decimal mark per language (as dashboards.i18n formats counts and shares).
_DECIMAL_STYLE = {"en": (",", "."), "fr": ("\u202f", ","), "nl": (".", ",")}


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = current_lang()
    st.title(t("processes.title", lang))
    components.render_with_filters(lang, _render)


# --- helpers (pure: tested directly) ----------------------------------------------------------------


def format_number(number: object, lang: str, decimals: int = 1) -> str:
    """A decimal number with the language's marks: 1,234.5 / 1 234,5 / 1.234,5."""
    try:
        value = float(number)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING
    if math.isnan(value):
        return MISSING
    thousands, decimal = _DECIMAL_STYLE.get(lang, _DECIMAL_STYLE["en"])
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def map_period(period_type: str, period: str, period_end: pd.Timestamp) -> tuple[str, str]:
    """The period of the process map and variants: the period itself, or for a day or a week (waits are
    not computed per day or week) the month that contains the period's end."""
    if period_type in MAP_PERIOD_TYPES:
        return period_type, period
    return "month", pd.Timestamp(period_end).strftime("%Y-%m")


def histogram(lead_times: pd.Series) -> tuple[pd.DataFrame, float]:
    """Bars of the lead-time histogram (low, high, cases) and their width in days."""
    values = pd.to_numeric(lead_times, errors="coerce").dropna().to_numpy(dtype="float64")
    if values.size == 0:
        return pd.DataFrame(columns=["low", "high", "cases"]), BIN_WIDTHS[0]
    longest = max(float(values.max()), 0.0)
    width = next((w for w in BIN_WIDTHS if longest / w < MAX_BINS), BIN_WIDTHS[-1])
    index = np.floor(np.clip(values, 0, None) / width).astype(int)
    counts = np.bincount(index)
    bars = pd.DataFrame({"bin": np.arange(counts.size), "cases": counts})
    bars = bars[bars["cases"] > 0]
    return (
        pd.DataFrame(
            {"low": bars["bin"] * width, "high": (bars["bin"] + 1) * width, "cases": bars["cases"].astype(int)}
        ).reset_index(drop=True),
        width,
    )


def _dot_text(text: object) -> str:
    """A string for a double-quoted DOT label: backslashes and quotes escaped, no raw newline."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def bottleneck_label(is_total: bool, is_median: bool, lang: str) -> str | None:
    """The label of a bottleneck arrow ('bottleneck (total wait)'...), None for another arrow."""
    if is_total and is_median:
        return t("processes.map.bottleneck_both", lang)
    if is_total:
        return t("processes.map.bottleneck_total", lang)
    if is_median:
        return t("processes.map.bottleneck_median", lang)
    return None


def process_dot(transitions: pd.DataFrame, weight: str, lang: str) -> str:
    """The process map as a Graphviz DOT string: one box per activity, one arrow per directly-follows
    pair labelled with its count (weight "frequency") or median wait (weight "median"), thicker for a
    larger weight; a bottleneck arrow is bold, dashed and labelled, so that it reads without colour."""
    activities = sorted(set(transitions["from_activity"]) | set(transitions["to_activity"]))
    node = {activity: f"a{i}" for i, activity in enumerate(activities)}
    column = "transition_count" if weight == "frequency" else "wait_median_days"
    weights = pd.to_numeric(transitions[column], errors="coerce").fillna(0.0)
    largest = float(weights.max()) if len(weights) and float(weights.max()) > 0 else 1.0
    lines = [
        "digraph process {",
        '  graph [rankdir=TB, fontname="Helvetica", bgcolor="transparent"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#f2f3f4", color="#1b4f72", fontname="Helvetica"];',
        '  edge [color="#515a5a", fontname="Helvetica", fontsize=10];',
    ]
    for activity in activities:
        lines.append(f'  {node[activity]} [label="{_dot_text(activity)}"];')
    for row, value in zip(transitions.itertuples(index=False), weights, strict=True):
        if weight == "frequency":
            label = _dot_text(format_int(row.transition_count, lang))
        else:
            label = _dot_text(t("processes.days_short", lang, value=format_number(row.wait_median_days, lang)))
        penwidth = 1.0 + 5.0 * float(value) / largest
        attributes = [f"penwidth={penwidth:.2f}"]
        flag = bottleneck_label(bool(row.is_bottleneck_total), bool(row.is_bottleneck_median), lang)
        if flag is not None:
            label = f"{label}\\n{_dot_text(flag)}"  # DOT's own line break between the two
            attributes += ['style="bold,dashed"', 'color="#000000"', 'fontcolor="#000000"', "fontsize=11"]
            attributes[0] = f"penwidth={max(penwidth, 4.0):.2f}"
        attributes.insert(0, f'label="{label}"')
        lines.append(f"  {node[row.from_activity]} -> {node[row.to_activity]} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines)


# --- the page -------------------------------------------------------------------------------------


def _render(lake: Path, lang: str, chosen: components.Filters) -> None:
    period_label = (
        t("period.rolling", lang, month=chosen.period) if chosen.period_type == "rolling_12_months" else chosen.period
    )
    st.caption(t("processes.intro", lang, commune=chosen.commune_name, period=period_label))
    missing = data.missing_gold(lake, ["fct_cases", "kpi_processing"])
    if missing:
        st.info(t("processes.missing_gold", lang, names=", ".join(missing)))
        return
    processes = data.process_list(lake, chosen.commune_id)
    if processes.empty:
        st.info(t("processes.no_cases", lang))
        return
    has_services = not data.missing_gold(lake, ["dim_service"])
    services = data.list_services(lake, chosen.commune_id) if has_services else pd.DataFrame()
    process_code, channel, channel_names = _pickers(lake, lang, chosen, processes, services)

    kpis = data.process_kpis(lake, chosen.commune_id, chosen.period_type, chosen.period, process_code)
    if kpis.empty:  # kpi_processing reports the backlog for every period of the data: none is out of range
        st.info(t("processes.no_period", lang, period=period_label))
        return
    _lead_time_section(lake, lang, chosen, process_code, channel, channel_names, kpis)
    _channels_section(lang, process_code, channel_names, kpis, chosen)
    _throughput_section(lake, lang, chosen, process_code, channel)
    if channel is not None:
        st.info(t("processes.scope_channel", lang, channel=channel_names.get(channel, channel)))
    _backlog_section(lang, process_code, kpis)
    _map_section(lake, lang, chosen, process_code)
    _variants_section(lake, lang, chosen, process_code)
    _rework_section(lang, process_code, kpis, chosen)


def _service_label(services: pd.DataFrame, row: pd.Series, lang: str) -> str:
    name = row.get(COMMUNE_NAME_COLUMN.get(lang, "name_en"))
    return name if isinstance(name, str) and name else str(row["service_code"])


def _pickers(
    lake: Path, lang: str, chosen: components.Filters, processes: pd.DataFrame, services: pd.DataFrame
) -> tuple[str, str | None, dict[str, str]]:
    codes = list(processes["process_code"])
    labels: dict[str, str] = {}
    for code in codes:
        used_by = services[services["process_code"] == code] if not services.empty else services
        names = sorted((_service_label(services, row, lang) for _, row in used_by.iterrows()), key=str.casefold)
        if not names:
            labels[code] = f"{code} · {t('processes.no_services', lang)}"
        else:
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            labels[code] = f"{code} · {shown}"

    # The sidebar service, when one is chosen, brings its process to the picker (once per change).
    service_process = None
    if chosen.service_code is not None and not services.empty:
        match = services[services["service_code"] == chosen.service_code]
        if not match.empty and match.iloc[0]["process_code"] in codes:
            service_process = match.iloc[0]["process_code"]
    if st.session_state.get(LAST_SERVICE_KEY) != chosen.service_code:
        st.session_state[LAST_SERVICE_KEY] = chosen.service_code
        if service_process is not None:
            st.session_state[PROCESS_KEY] = service_process
    if st.session_state.get(PROCESS_KEY) not in codes:  # another commune: its processes differ
        st.session_state.pop(PROCESS_KEY, None)

    channels = data.process_channels(lake, chosen.commune_id)
    name_column = COMMUNE_NAME_COLUMN.get(lang, "name_en")
    channel_names = {
        row["channel"]: (row[name_column] if isinstance(row[name_column], str) and row[name_column] else row["channel"])
        for _, row in channels.iterrows()
    }
    channel_options = [ALL, *(channels["channel"] if not channels.empty else data.PROCESS_CHANNELS)]
    if st.session_state.get(CHANNEL_KEY) not in channel_options:
        st.session_state.pop(CHANNEL_KEY, None)

    left, right = st.columns([2, 1])
    with left:
        process_code = st.selectbox(
            t("processes.process", lang),
            codes,
            format_func=lambda code: labels[code],
            help=t("processes.process_help", lang),
            key=PROCESS_KEY,
        )
    with right:
        picked = st.selectbox(
            t("processes.channel", lang),
            channel_options,
            format_func=lambda c: t("processes.all_channels", lang) if c == ALL else channel_names.get(c, c),
            help=t("processes.channel_help", lang),
            key=CHANNEL_KEY,
        )
    if service_process is not None:
        service = components.service_name(services, chosen.service_code, lang)
        st.caption(t("processes.service_note", lang, service=service, process=service_process))
    return process_code, (None if picked == ALL else picked), channel_names


def _kpi_row(kpis: pd.DataFrame, kpi_name: str, breakdown: str, value: str) -> pd.Series | None:
    match = kpis[(kpis["kpi_name"] == kpi_name) & (kpis["breakdown"] == breakdown) & (kpis["breakdown_value"] == value)]
    return None if match.empty else match.iloc[0]


def _metric(label: str, value: str, help_text: str, caption: str | None) -> None:
    st.metric(label, value, help=help_text)
    if caption is not None:
        st.caption(caption)


def _lead_time_section(
    lake: Path,
    lang: str,
    chosen: components.Filters,
    process_code: str,
    channel: str | None,
    channel_names: dict[str, str],
    kpis: pd.DataFrame,
) -> None:
    st.subheader(t("processes.lead.title", lang))
    breakdown, value = (
        ("process", process_code) if channel is None else ("process_channel", f"{process_code} / {channel}")
    )
    closed = _kpi_row(kpis, "cases_closed", breakdown, value)
    median = _kpi_row(kpis, "lead_time_median_days", breakdown, value)
    p90 = _kpi_row(kpis, "lead_time_p90_days", breakdown, value)
    sla = _kpi_row(kpis, "sla_compliance", breakdown, value)
    missing = t("processes.missing", lang)
    columns = st.columns(4)
    with columns[0]:
        _metric(
            t("processes.kpi.cases_closed", lang),
            format_int(closed["numerator"] if closed is not None else None, lang),
            t("processes.help.cases_closed", lang),
            missing if closed is None else None,
        )
    for column, row, label in ((columns[1], median, "median"), (columns[2], p90, "p90")):
        with column:
            _metric(
                t(f"processes.kpi.lead_time_{label}", lang),
                MISSING if row is None else t("processes.days", lang, value=format_number(row["value"], lang)),
                t("processes.help.lead_time", lang),
                missing
                if row is None
                else t("processes.caption.lead_time", lang, denominator=format_int(row["denominator"], lang)),
            )
    with columns[3]:
        _metric(
            t("processes.kpi.sla_compliance", lang),
            format_pct(None if sla is None else sla["value"], lang),
            t("processes.help.sla_compliance", lang),
            missing
            if sla is None
            else t(
                "processes.caption.sla_compliance",
                lang,
                numerator=format_int(sla["numerator"], lang),
                denominator=format_int(sla["denominator"], lang),
            ),
        )

    lead = data.process_lead_times(
        lake, chosen.commune_id, process_code, channel, chosen.period_start, chosen.period_end
    )
    bars, width = histogram(lead["lead_time_days"])
    if bars.empty:
        st.info(t("processes.hist.empty", lang))
        return
    x_title, y_title = t("processes.hist.x", lang), t("processes.hist.y", lang)
    chart = (
        alt.Chart(bars)
        .mark_bar(color=GREY_SAFE_COLOURS[2], stroke=GREY_SAFE_COLOURS[0], strokeWidth=0.5)
        .encode(
            x=alt.X("low:Q", title=x_title),
            x2="high:Q",
            y=alt.Y("cases:Q", title=y_title),
            y2=alt.datum(0),  # bars from zero (x and x2 alone would make ranged horizontal bars)
            tooltip=[
                alt.Tooltip("low:Q", title=x_title),
                alt.Tooltip("high:Q", title=x_title),
                alt.Tooltip("cases:Q", title=y_title, format=",d"),
            ],
        )
    )
    rules = []
    for row, key, dash in ((median, "median", [1, 0]), (p90, "p90", [6, 3])):
        if row is None or pd.isna(row["value"]):
            continue
        marker = pd.DataFrame(
            {
                "x": [float(row["value"])],
                "label": [t(f"processes.hist.{key}", lang, value=format_number(row["value"], lang))],
            }
        )
        base = alt.Chart(marker).encode(x="x:Q")
        rules.append(base.mark_rule(color="#000000", strokeWidth=2, strokeDash=dash))
        rules.append(
            base.mark_text(align="left", dx=4, dy=-6 if key == "median" else 8, baseline="top", color="#000000").encode(
                text="label:N", y=alt.value(0)
            )
        )
    peak = bars.loc[bars["cases"].idxmax()]
    description = t(
        "processes.hist.description",
        lang,
        count=format_int(len(lead), lang),
        width=format_number(width, lang, 2 if width < 1 else 0),
        median=format_number(None if median is None else median["value"], lang),
        p90=format_number(None if p90 is None else p90["value"], lang),
        peak=format_int(peak["cases"], lang),
        low=format_number(peak["low"], lang, 2 if width < 1 else 0),
        high=format_number(peak["high"], lang, 2 if width < 1 else 0),
        longest=format_number(lead["lead_time_days"].max(), lang),
    )
    components.accessible_chart(alt.layer(chart, *rules), description)


def _channels_section(
    lang: str, process_code: str, channel_names: dict[str, str], kpis: pd.DataFrame, chosen: components.Filters
) -> None:
    st.subheader(t("processes.channels.title", lang))
    st.caption(t("processes.channels.caption", lang))
    rows = kpis[kpis["breakdown"] == "process_channel"]
    if rows.empty or not (rows["kpi_name"] == "lead_time_median_days").any():
        st.info(t("processes.channels.empty", lang))
        return
    rows = rows.assign(channel=rows["breakdown_value"].str.slice(len(process_code) + 3))
    table = []
    for channel, group in rows.groupby("channel", sort=False):
        by_kpi = {row.kpi_name: row for row in group.itertuples(index=False)}
        median, p90, sla = (by_kpi.get(k) for k in ("lead_time_median_days", "lead_time_p90_days", "sla_compliance"))
        if median is None:
            continue
        table.append(
            {
                "channel": channel_names.get(channel, channel),
                "cases_closed": int(median.denominator),
                "lead_time_median_days": round(float(median.value), 2),
                "lead_time_p90_days": None if p90 is None else round(float(p90.value), 2),
                "sla_within": None if sla is None else int(sla.numerator),
                "sla_cases": None if sla is None else int(sla.denominator),
                "sla_compliance": None if sla is None else round(float(sla.value), 4),
            }
        )
    frame = pd.DataFrame(table).sort_values(["lead_time_median_days", "channel"]).reset_index(drop=True)
    for column in ("sla_within", "sla_cases"):
        frame[column] = frame[column].astype("Int64")
    fastest, slowest = frame.iloc[0], frame.iloc[-1]
    st.markdown(
        t(
            "processes.channels.summary",
            lang,
            fastest=fastest["channel"],
            fastest_median=format_number(fastest["lead_time_median_days"], lang),
            fastest_cases=format_int(fastest["cases_closed"], lang),
            slowest=slowest["channel"],
            slowest_median=format_number(slowest["lead_time_median_days"], lang),
            slowest_cases=format_int(slowest["cases_closed"], lang),
        )
    )
    components.table_with_download(
        frame,
        f"processes_channels_{chosen.commune_id}_{process_code}_{chosen.period}",
        lang,
        key="processes_download_channels",
        column_config={
            "channel": t("processes.col.channel", lang),
            "cases_closed": st.column_config.NumberColumn(t("processes.col.cases_closed", lang), format="localized"),
            "lead_time_median_days": st.column_config.NumberColumn(
                t("processes.col.lead_time_median_days", lang), format="%.1f"
            ),
            "lead_time_p90_days": st.column_config.NumberColumn(
                t("processes.col.lead_time_p90_days", lang), format="%.1f"
            ),
            "sla_within": st.column_config.NumberColumn(t("processes.col.sla_within", lang), format="localized"),
            "sla_cases": st.column_config.NumberColumn(t("processes.col.sla_cases", lang), format="localized"),
            "sla_compliance": st.column_config.NumberColumn(t("processes.col.sla_compliance", lang), format="percent"),
        },
    )


def _throughput_section(
    lake: Path, lang: str, chosen: components.Filters, process_code: str, channel: str | None
) -> None:
    st.subheader(t("processes.throughput.title", lang))
    weekly = data.process_weekly_throughput(
        lake, chosen.commune_id, process_code, channel, chosen.period_start, chosen.period_end
    )
    if weekly.empty or (weekly["cases_opened"].sum() == 0 and weekly["cases_closed"].sum() == 0):
        st.info(t("processes.throughput.empty", lang))
        return
    weekly = weekly.assign(week_start=pd.to_datetime(weekly["week_start"]).dt.date)
    opened, closed = t("processes.throughput.opened", lang), t("processes.throughput.closed", lang)
    long = pd.concat(
        [
            pd.DataFrame({"week": weekly["week_start"].astype(str), "series": opened, "cases": weekly["cases_opened"]}),
            pd.DataFrame({"week": weekly["week_start"].astype(str), "series": closed, "cases": weekly["cases_closed"]}),
        ],
        ignore_index=True,
    )
    series_title = t("processes.throughput.series", lang)
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title=t("processes.throughput.x", lang)),
            y=alt.Y("cases:Q", title=t("processes.throughput.y", lang)),
            color=alt.Color(
                "series:N",
                title=series_title,
                scale=alt.Scale(domain=[opened, closed], range=[GREY_SAFE_COLOURS[0], GREY_SAFE_COLOURS[1]]),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", title=series_title, scale=alt.Scale(domain=[opened, closed], range=[[1, 0], [6, 3]])
            ),
            shape=alt.Shape(
                "series:N", title=series_title, scale=alt.Scale(domain=[opened, closed], range=["circle", "square"])
            ),
            tooltip=[
                alt.Tooltip("week:T", title=t("processes.col.week_start", lang)),
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("cases:Q", title=t("processes.throughput.y", lang), format=",d"),
            ],
        )
    )
    peak = weekly.loc[weekly["cases_opened"].idxmax()]
    description = t(
        "processes.throughput.description",
        lang,
        weeks=format_int(len(weekly), lang),
        opened=format_int(weekly["cases_opened"].sum(), lang),
        closed=format_int(weekly["cases_closed"].sum(), lang),
        peak_week=str(peak["week_start"]),
        peak=format_int(peak["cases_opened"], lang),
    )
    components.accessible_chart(chart, description)
    st.caption(t("processes.throughput.note", lang))
    with st.expander(t("processes.throughput.table", lang)):
        components.table_with_download(
            weekly,
            f"processes_throughput_{chosen.commune_id}_{process_code}_{chosen.period}",
            lang,
            key="processes_download_throughput",
            column_config={
                "week_start": t("processes.col.week_start", lang),
                "cases_opened": st.column_config.NumberColumn(
                    t("processes.col.cases_opened", lang), format="localized"
                ),
                "cases_closed": st.column_config.NumberColumn(
                    t("processes.col.cases_closed", lang), format="localized"
                ),
            },
        )


def _backlog_section(lang: str, process_code: str, kpis: pd.DataFrame) -> None:
    st.subheader(t("processes.backlog.title", lang))
    backlog = _kpi_row(kpis, "backlog_open_cases", "process", process_code)
    left, right = st.columns([1, 2])
    with left:
        _metric(
            t("processes.kpi.backlog", lang),
            format_int(None if backlog is None else backlog["numerator"], lang),
            t("processes.help.backlog", lang),
            t("processes.missing", lang) if backlog is None else None,
        )
    buckets = kpis[(kpis["kpi_name"] == "backlog_open_cases") & (kpis["breakdown"] == "age_bucket")]
    prefix = f"{process_code} / "
    own = buckets[buckets["breakdown_value"].str.startswith(prefix)]
    per_process = not own.empty
    buckets = (
        own.assign(bucket=own["breakdown_value"].str.slice(len(prefix)))
        if per_process
        else buckets[~buckets["breakdown_value"].str.contains(" / ", regex=False)].assign(
            bucket=lambda f: f["breakdown_value"]
        )
    )
    with right:
        st.markdown(f"**{t('processes.backlog.by_age', lang)}**")
        if buckets.empty:
            st.info(t("processes.backlog.empty", lang))
            return
        counts = {row.bucket: int(row.numerator) for row in buckets.itertuples(index=False)}
        order = [b for b in AGE_BUCKETS if b in counts] + sorted(b for b in counts if b not in AGE_BUCKETS)
        names = {b: t(f"processes.bucket.{b}", lang) if b in AGE_BUCKETS else b for b in order}
        frame = pd.DataFrame({"bucket": [names[b] for b in order], "cases": [counts[b] for b in order]})
        frame["label"] = [format_int(c, lang) for c in frame["cases"]]
        x = alt.X(
            "bucket:N", title=t("processes.backlog.x", lang), sort=list(frame["bucket"]), axis=alt.Axis(labelAngle=0)
        )
        y = alt.Y("cases:Q", title=t("processes.backlog.y", lang))
        bars = alt.Chart(frame).mark_bar(color=GREY_SAFE_COLOURS[0]).encode(x=x, y=y)
        labels = alt.Chart(frame).mark_text(dy=-6, color="#000000").encode(x=x, y=y, text="label:N")
        description = t(
            "processes.backlog.description",
            lang,
            buckets="; ".join(
                t("processes.backlog.bucket", lang, bucket=names[b], count=format_int(counts[b], lang)) for b in order
            ),
        )
        components.accessible_chart(alt.layer(bars, labels), description)
        if per_process:
            st.caption(t("processes.backlog.process_wide", lang))
        else:
            st.caption(t("processes.backlog.commune_wide", lang, total=format_int(sum(counts.values()), lang)))


def _map_section(lake: Path, lang: str, chosen: components.Filters, process_code: str) -> None:
    st.subheader(t("processes.map.title", lang))
    period_type, period = map_period(chosen.period_type, chosen.period, chosen.period_end)
    if (period_type, period) != (chosen.period_type, chosen.period):
        st.caption(t("processes.map.month_note", lang, month=period))
    if data.missing_gold(lake, ["kpi_process_transitions"]):
        st.info(t("processes.missing_gold", lang, names="kpi_process_transitions"))
        return
    transitions = data.process_transitions(lake, chosen.commune_id, period_type, period, process_code)
    if transitions.empty:
        st.info(t("processes.map.empty", lang, period=period))
        return
    weight = st.radio(
        t("processes.map.weight", lang),
        ("frequency", "median"),
        format_func=lambda w: t(f"processes.map.weight.{w}", lang),
        horizontal=True,
        key=WEIGHT_KEY,
    )
    st.caption(t("processes.map.explain", lang))
    sentences = []
    for flag, key in (("is_bottleneck_total", "total"), ("is_bottleneck_median", "median")):
        flagged = transitions[transitions[flag].fillna(False).astype(bool)]
        if flagged.empty:
            continue
        row = flagged.iloc[0]
        sentences.append(
            t(
                f"processes.map.bottleneck_sentence_{key}",
                lang,
                pair=f"{row['from_activity']} → {row['to_activity']}",
                count=format_int(row["transition_count"], lang),
                total=format_number(row["wait_total_days"], lang, 0),
                median=format_number(row["wait_median_days"], lang),
            )
        )
    activities = set(transitions["from_activity"]) | set(transitions["to_activity"])
    alt_text = t(
        "processes.map.alt",
        lang,
        process=process_code,
        activities=format_int(len(activities), lang),
        transitions=format_int(len(transitions), lang),
        bottlenecks=" ".join(sentences) if sentences else t("processes.map.no_bottleneck", lang),
    )
    st.graphviz_chart(process_dot(transitions, weight, lang), width="stretch", alt=alt_text)
    st.caption(alt_text)
    with st.expander(t("processes.map.table", lang), expanded=False):
        table = transitions.copy()
        for column in ("wait_median_days", "wait_p90_days", "wait_total_days", "wait_mean_days"):
            table[column] = table[column].astype("float64").round(3)
        components.table_with_download(
            table,
            f"processes_transitions_{chosen.commune_id}_{process_code}_{period}",
            lang,
            key="processes_download_transitions",
            column_config={
                "from_activity": t("processes.col.from_activity", lang),
                "to_activity": t("processes.col.to_activity", lang),
                "transition_count": st.column_config.NumberColumn(
                    t("processes.col.transition_count", lang), format="localized"
                ),
                **{
                    c: st.column_config.NumberColumn(t(f"processes.col.{c}", lang), format="%.1f")
                    for c in ("wait_median_days", "wait_p90_days", "wait_total_days", "wait_mean_days")
                },
                "is_bottleneck_total": t("processes.col.is_bottleneck_total", lang),
                "is_bottleneck_median": t("processes.col.is_bottleneck_median", lang),
            },
        )


def _variants_section(lake: Path, lang: str, chosen: components.Filters, process_code: str) -> None:
    st.subheader(t("processes.variants.title", lang))
    period_type, period = map_period(chosen.period_type, chosen.period, chosen.period_end)
    if data.missing_gold(lake, ["kpi_process_variants"]):
        st.info(t("processes.missing_gold", lang, names="kpi_process_variants"))
        return
    variants = data.process_variants(lake, chosen.commune_id, period_type, period, process_code)
    if variants.empty:
        st.info(t("processes.variants.empty", lang, period=period))
        return
    st.caption(t("processes.variants.caption", lang, period=period))
    variants = variants.assign(
        share=variants["share"].astype("float64").round(4),
        lead_time_median_days=variants["lead_time_median_days"].astype("float64").round(2),
        process_cases=variants["process_cases"].astype("int64"),
    )
    components.table_with_download(
        variants,
        f"processes_variants_{chosen.commune_id}_{process_code}_{period}",
        lang,
        key="processes_download_variants",
        column_config={
            "variant_rank": t("processes.col.variant_rank", lang),
            "variant": st.column_config.TextColumn(t("processes.col.variant", lang), width="large"),
            "cases": st.column_config.NumberColumn(t("processes.col.cases", lang), format="localized"),
            "process_cases": st.column_config.NumberColumn(t("processes.col.process_cases", lang), format="localized"),
            "share": st.column_config.NumberColumn(t("processes.col.share", lang), format="percent"),
            "lead_time_median_days": st.column_config.NumberColumn(
                t("processes.col.lead_time_median_days", lang), format="%.1f"
            ),
        },
    )


def _rework_section(lang: str, process_code: str, kpis: pd.DataFrame, chosen: components.Filters) -> None:
    st.subheader(t("processes.rework.title", lang))
    overall = _kpi_row(kpis, "rework_rate", "process", process_code)
    rows = kpis[(kpis["kpi_name"] == "rework_rate") & (kpis["breakdown"] == "process_activity")]
    if overall is None and rows.empty:
        st.info(t("processes.rework.empty", lang))
        return
    if overall is not None:
        _metric(
            t("processes.kpi.rework_rate", lang),
            format_pct(overall["value"], lang),
            t("processes.help.rework_rate", lang),
            t(
                "processes.caption.rework_rate",
                lang,
                numerator=format_int(overall["numerator"], lang),
                denominator=format_int(overall["denominator"], lang),
            ),
        )
    if rows.empty:
        return
    st.caption(t("processes.rework.caption", lang))
    frame = (
        pd.DataFrame(
            {
                "activity": rows["breakdown_value"].str.slice(len(process_code) + 3),
                "rework_cases": rows["numerator"].astype("int64"),
                "activity_cases": rows["denominator"].astype("int64"),
                "rework_rate": rows["value"].astype("float64").round(4),
            }
        )
        .sort_values(["rework_rate", "activity_cases", "activity"], ascending=[False, False, True])
        .reset_index(drop=True)
    )
    components.table_with_download(
        frame,
        f"processes_rework_{chosen.commune_id}_{process_code}_{chosen.period}",
        lang,
        key="processes_download_rework",
        column_config={
            "activity": t("processes.col.activity", lang),
            "rework_cases": st.column_config.NumberColumn(t("processes.col.rework_cases", lang), format="localized"),
            "activity_cases": st.column_config.NumberColumn(
                t("processes.col.activity_cases", lang), format="localized"
            ),
            "rework_rate": st.column_config.NumberColumn(t("processes.col.rework_rate", lang), format="percent"),
        },
    )


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
