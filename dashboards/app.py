"""The civiclake dashboard: `streamlit run dashboards/app.py` (or `civiclake dashboard`).

The lake is read from $CIVICLAKE_LAKE (default `lake` in the working directory). This entry point only
sets the page up and routes; each page lives in `dashboards/views/` and gets its data from
`dashboards.data`.
"""

from __future__ import annotations

import streamlit as st

from dashboards.i18n import t
from dashboards.views import adoption

lang = adoption.current_lang()
st.set_page_config(page_title=t("app.title", lang), layout="wide")

# st.navigation rather than a pages/ folder: page titles can then follow the session's language.
pages = [st.Page(adoption.render, title=t("nav.adoption", lang), url_path="adoption", default=True)]
st.navigation(pages).run()
