"""The civiclake dashboard: `streamlit run dashboards/app.py` (or `civiclake dashboard`).

The lake is read from $CIVICLAKE_LAKE (default `lake` in the working directory). This entry point sets
the page up, draws what every page shares in the sidebar (the FR / NL / EN switch and the common
filters: widgets of the entry script keep their state from page to page) and routes; each page lives in
`dashboards/views/` and gets its data from `dashboards.data`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import components, data
from dashboards.i18n import t

lang = components.language_switch()
st.set_page_config(page_title=t("app.title", lang), layout="wide")

# st.navigation rather than a pages/ folder: page titles can then follow the session's language.
# Pages are files (each ends by calling its render()), so that Streamlit's AppTest can switch to them.
VIEWS = Path(__file__).resolve().with_name("views")
PAGES = [
    ("targets.py", "nav.targets", "targets"),
    ("adoption.py", "nav.adoption", "adoption"),
    ("channels.py", "nav.channels", "channels"),
    ("processes.py", "nav.processes", "processes"),
    ("contact_centre.py", "nav.contact_centre", "contact-centre"),
    ("data_quality.py", "nav.data_quality", "data-quality"),
    ("communes.py", "nav.communes", "communes"),
    ("open_data.py", "nav.open_data", "open-data"),
]
navigation = st.navigation(
    [
        st.Page(VIEWS / filename, title=t(title, lang), url_path=path, default=index == 0)
        for index, (filename, title, path) in enumerate(PAGES)
    ]
)

lake = data.resolve_lake()
try:
    components.sidebar_filters(lake, lang)
except data.GoldNotReady as exc:
    # The normal state of a fresh install: say what to do, not a stack trace.
    st.info(t("msg.no_data", lang, gold=exc.gold))
    st.stop()
except data.GoldReadError as exc:
    st.error(t("msg.read_error", lang, gold=exc.gold, error=exc.detail))
    st.stop()

navigation.run()
