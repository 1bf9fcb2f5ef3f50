"""The civiclake dashboard: `streamlit run dashboards/app.py` (or `civiclake dashboard`).

The lake is read from $CIVICLAKE_LAKE (default `lake` in the working directory). This entry point sets
the page up, finds who is reading (dashboards.session: the public, management or a service owner), sets
what they may read in gold (dashboards.data.scoped), draws what every page shares in the sidebar (the
FR / NL / EN switch, the account box and the common filters: widgets of the entry script keep their state
from page to page) and routes; each page lives in `dashboards/views/` and gets its data from
`dashboards.data`. The public gets the open data page and the sign-in page only.
"""

from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from dashboards import auth, components, data, session
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

try:
    user = session.current_user()
except auth.AccessError:
    session.LOGGER.exception("the access file cannot be used: every reader is public")
    st.sidebar.error(t("access.file_error", lang))
    user = None

if user is None:
    # The public: the open data page, and the sign-in form at every internal page's address (a bookmark
    # of /targets asks for a sign-in rather than landing elsewhere).
    pages = [st.Page(VIEWS / "open_data.py", title=t("nav.open_data", lang), url_path="open-data", default=True)]
    pages.append(st.Page(functools.partial(session.login_page, lang), title=t("nav.login", lang), url_path="login"))
    pages += [
        st.Page(functools.partial(session.login_page, lang, True), title=t(title, lang), url_path=path)
        for filename, title, path in PAGES
        if not session.may_open(None, filename)
    ]
else:
    allowed = [page for page in PAGES if session.may_open(user, page[0])]
    pages = [
        st.Page(VIEWS / filename, title=t(title, lang), url_path=path, default=index == 0)
        for index, (filename, title, path) in enumerate(allowed)
    ]
    # Hidden pages at the other addresses: the sign-in page (where a reader signs in) leads to their first
    # page, another role's page says it is not theirs, rather than Streamlit's "page not found".
    pages.append(
        st.Page(
            functools.partial(st.switch_page, pages[0]),
            title=t("nav.login", lang),
            url_path="login",
            visibility="hidden",
        )
    )
    pages += [
        st.Page(functools.partial(session.not_for_role, lang), title=t(title, lang), url_path=path, visibility="hidden")
        for filename, title, path in PAGES
        if not session.may_open(user, filename)
    ]
navigation = st.navigation(pages)

with data.scoped(session.scope_for(user)):
    try:
        if user is not None:
            session.account_box(user, lang)
            try:
                components.sidebar_filters(data.resolve_lake(), lang)
            except data.GoldNotReady as exc:
                # The normal state of a fresh install: say what to do, not a stack trace.
                st.info(t("msg.no_data", lang, gold=exc.gold))
                st.stop()
            except data.GoldReadError as exc:
                st.error(t("msg.read_error", lang, gold=exc.gold, error=exc.detail))
                st.stop()
        navigation.run()
    except Exception:
        # Whatever went wrong (a hostile value that slipped through, a bug): a plain message on the page,
        # the traceback in the server's log only.
        session.LOGGER.exception("dashboard page failed")
        st.error(t("msg.page_error", lang))
