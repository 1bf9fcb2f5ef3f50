"""What every page shares: the language switch, the common filters, CSV downloads, charts that read in
grey scale with a text alternative.

app.py draws the language switch and the common filters (commune, period, service) in the sidebar on
every run, before the page: widgets of the entry script keep their state when the user changes page, so
the filters follow them from page to page. Pages read them with `filters()` and `current_lang()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.i18n import COMMUNE_NAME_COLUMN, DEFAULT_LANG, LANGUAGES, t

LANG_KEY = "lang"
COMMUNE_KEY = "commune"
PERIOD_TYPE_KEY = "period_type"
SERVICE_KEY = "service"
FILTERS_KEY = "_civiclake_filters"
# The period types of the common filter (the marts also have day and week: pages that need them add
# their own widget).
FILTER_PERIOD_TYPES: tuple[str, ...] = ("year", "quarter", "month", "rolling_12_months")
LANGUAGE_LABELS = {"fr": "FR", "nl": "NL", "en": "EN"}
# Fills that stay apart in grey scale (light, mid, dark) and dash patterns for lines: a chart must not
# depend on colour alone.
GREY_SAFE_COLOURS = ("#1b4f72", "#e67e22", "#7fb3d5", "#6e2c00", "#d5d8dc", "#117a65")
STROKE_DASHES = ([1, 0], [6, 3], [2, 2], [8, 2, 2, 2], [4, 4], [1, 3])


@dataclass(frozen=True)
class Filters:
    """The common filters of the session."""

    commune_id: str
    commune_name: str
    period_type: str
    period: str
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    service_code: str | None  # None: every service


def current_lang() -> str:
    """The language of the session (FR, NL or EN), as the switch in the sidebar set it."""
    lang = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def language_switch() -> str:
    """The FR / NL / EN switch at the top of the sidebar; returns the chosen language."""
    st.sidebar.radio(
        "Langue · Taal · Language",
        ("fr", "nl", "en"),
        format_func=lambda code: LANGUAGE_LABELS[code],
        horizontal=True,
        key=LANG_KEY,
        index=("fr", "nl", "en").index(DEFAULT_LANG) if LANG_KEY not in st.session_state else None,
    )
    return current_lang()


def commune_names(communes: pd.DataFrame, lang: str) -> dict[str, str]:
    """commune_id -> the commune's name in `lang` (its id when the name is missing)."""
    column = COMMUNE_NAME_COLUMN.get(lang, "name_en")
    names: dict[str, str] = {}
    for row in communes.itertuples(index=False):
        name = getattr(row, column)
        # A null name is NaN in pandas (truthy, not a str): fall back on the id.
        names[row.commune_id] = name if isinstance(name, str) and name else row.commune_id
    return names


def service_name(services: pd.DataFrame, service_code: str, lang: str) -> str:
    """The service's name in `lang`, or its code."""
    column = COMMUNE_NAME_COLUMN.get(lang, "name_en")
    match = services[services["service_code"] == service_code]
    if match.empty:
        return service_code
    name = match.iloc[0][column]
    return name if isinstance(name, str) and name else service_code


def _keep_if_offered(key: str, options: list[object]) -> None:
    """Forget a filter's remembered value that is not one of its options (another commune's, or one forced
    into the session): the widget then starts on its first option instead of failing."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def sidebar_filters(lake: Path, lang: str) -> Filters | None:
    """Draw the common filters in the sidebar and remember them for the page; None when there is no data.

    A reader restricted to some services (data.current_scope()) is offered only those, never "every
    service". Raises data.GoldNotReady / data.GoldReadError like the data functions (app.py shows the
    message).
    """
    st.session_state.pop(FILTERS_KEY, None)
    communes = data.list_communes(lake)
    if communes.empty:
        st.sidebar.info(t("msg.no_communes", lang, gold=data.gold_dir(lake)))
        return None
    names = commune_names(communes, lang)
    _keep_if_offered(COMMUNE_KEY, list(names))
    _keep_if_offered(PERIOD_TYPE_KEY, list(FILTER_PERIOD_TYPES))
    with st.sidebar:
        commune_id = st.selectbox(
            t("filter.commune", lang),
            sorted(names, key=lambda cid: names[cid].casefold()),  # alphabetical in the language shown
            format_func=lambda cid: names[cid],
            key=COMMUNE_KEY,
        )
        period_type = st.radio(
            t("filter.period_type", lang),
            FILTER_PERIOD_TYPES,
            format_func=lambda pt: t(f"period_type.{pt}", lang),
            key=PERIOD_TYPE_KEY,
        )
        periods = data.list_periods(lake, commune_id, period_type)
        _keep_if_offered(f"period_{period_type}", list(periods["period"]))
        if periods.empty:
            st.info(t("msg.no_periods", lang, period_type=t(f"period_type.{period_type}", lang).lower()))
            return None
        # One widget key per period type: the options of "year" and "month" have nothing in common.
        period = st.selectbox(
            t("filter.period", lang),
            list(periods["period"]),
            format_func=lambda p: t("period.rolling", lang, month=p) if period_type == "rolling_12_months" else p,
            key=f"period_{period_type}",
        )
        services = data.list_services(lake, commune_id) if data.has_gold(lake, "dim_service") else pd.DataFrame()
        service_code = None
        if not services.empty:
            codes = sorted(services["service_code"], key=lambda c: service_name(services, c, lang).casefold())
            if data.current_scope().everything:
                codes = [None, *codes]
            _keep_if_offered(SERVICE_KEY, codes)
            service_code = st.selectbox(
                t("filter.service", lang),
                codes,
                format_func=lambda c: t("filter.all_services", lang) if c is None else service_name(services, c, lang),
                key=SERVICE_KEY,
            )
        st.caption(t("msg.source", lang, gold=data.gold_dir(lake)))
    selected = periods[periods["period"] == period].iloc[0]
    chosen = Filters(
        commune_id=commune_id,
        commune_name=names[commune_id],
        period_type=period_type,
        period=period,
        period_start=pd.Timestamp(selected["period_start"]),
        period_end=pd.Timestamp(selected["period_end"]),
        service_code=service_code,
    )
    st.session_state[FILTERS_KEY] = chosen
    return chosen


def filters() -> Filters | None:
    """The common filters chosen in the sidebar on this run (None: no data to filter)."""
    chosen = st.session_state.get(FILTERS_KEY)
    return chosen if isinstance(chosen, Filters) else None


def download_csv(frame: pd.DataFrame, name: str, lang: str, key: str) -> None:
    """A button that downloads `frame` as CSV (UTF-8, the columns as in the table)."""
    st.download_button(
        t("table.download", lang),
        data=frame.to_csv(index=False).encode("utf-8"),
        file_name=f"civiclake_{name}.csv",
        mime="text/csv",
        on_click="ignore",  # downloading needs no rerun of the page
        key=key,
    )


def table_with_download(frame: pd.DataFrame, name: str, lang: str, key: str, **dataframe_options: object) -> None:
    """A table and, under it, its CSV download: every table of the app can be taken to a spreadsheet."""
    st.dataframe(frame, hide_index=True, **dataframe_options)
    download_csv(frame, name, lang, key)


def accessible_chart(chart: alt.TopLevelMixin, description: str) -> None:
    """Draw an Altair chart with a text alternative: the description is the chart's aria description (read by
    screen readers) and a caption under it, so that nobody needs the picture."""
    st.altair_chart(chart.properties(description=description), width="stretch")
    st.caption(description)


def render_with_filters(lang: str, draw: Callable[[Path, str, Filters], None]) -> None:
    """Draw a page's body for the common filters, a gold error shown as a message rather than a traceback.

    Nothing when there is no data to filter yet: the sidebar says why.
    """
    chosen = filters()
    if chosen is None:
        return
    try:
        draw(data.resolve_lake(), lang, chosen)
    except data.GoldNotReady as exc:
        # The normal state of a fresh install: say what to do.
        st.info(t("msg.no_data", lang, gold=exc.gold))
    except data.GoldReadError as exc:
        st.error(t("msg.read_error", lang, gold=exc.gold, error=exc.detail))
