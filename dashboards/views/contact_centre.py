"""The "contact_centre" page (being written)."""

from __future__ import annotations

import streamlit as st

from dashboards import components
from dashboards.i18n import t


def render() -> None:
    """Draw the page (the callable given to st.Page)."""
    lang = components.current_lang()
    st.title(t("nav.contact_centre", lang))


if __name__ == "__main__":  # run as a page of the app (dashboards/app.py)
    render()
