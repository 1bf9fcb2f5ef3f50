"""The signed-in reader of a Streamlit session: the sign-in form, the account box, the pages and the data
scope each role gets. The rules themselves (access file, hashes, OIDC claims) are in dashboards.auth.

A local user's name is kept in the session state under a key that no widget uses (a browser can only
write widget values), and their role is looked up again in the access file on every run. A reader signed
in through the identity provider (st.login) is known by st.user, i.e. Streamlit's signed identity cookie.
"""

from __future__ import annotations

import logging

import streamlit as st

from dashboards import auth, data
from dashboards.i18n import t

USER_KEY = "_civiclake_signed_in_user"
LOGIN_FORM_KEY = "civiclake_login"
LOGGER = logging.getLogger("civiclake.dashboard")

# The pages each reader may open (file names of dashboards/views); the public gets the open data page.
PUBLIC_PAGES: frozenset[str] = frozenset({"open_data.py"})
SERVICE_OWNER_PAGES: frozenset[str] = frozenset({"channels.py", "processes.py", "open_data.py"})


def oidc_configured() -> bool:
    """Whether .streamlit/secrets.toml has an [auth] section, i.e. st.login can reach an identity provider."""
    try:
        from streamlit.auth_util import get_secrets_auth_section

        return bool(get_secrets_auth_section())
    except Exception:  # no secrets file, or an unreadable one: no identity provider
        return False


def _oidc_claims() -> dict[str, object] | None:
    try:
        if st.user.is_logged_in:
            return dict(st.user.to_dict())
    except Exception:  # st.user outside a served session (AppTest without auth): nobody
        return None
    return None


def current_user() -> auth.User | None:
    """The reader of this session, as the access file defines them now; None for the public.

    Raises auth.AccessError when the access file is not valid (app.py then treats everyone as public).
    """
    access = auth.load_access()
    if oidc_configured():
        claims = _oidc_claims()
        if claims is not None:
            return auth.oidc_user(access, claims)
    user = auth.local_user(access, st.session_state.get(USER_KEY))
    if user is None:
        st.session_state.pop(USER_KEY, None)  # removed from the file: signed out
    return user


def scope_for(user: auth.User | None) -> data.Scope:
    """What `user` may read in gold (dashboards.data enforces it)."""
    if user is None:
        return data.PUBLIC_SCOPE
    if user.role == auth.MANAGEMENT:
        return data.FULL_SCOPE
    return data.Scope(signed_in=True, services=user.services or frozenset())


def may_open(user: auth.User | None, page_file: str) -> bool:
    """Whether `user` may open the page of dashboards/views/<page_file>."""
    if user is None:
        return page_file in PUBLIC_PAGES
    if user.role == auth.MANAGEMENT:
        return True
    return page_file in SERVICE_OWNER_PAGES


def role_label(user: auth.User, lang: str) -> str:
    if user.role == auth.MANAGEMENT:
        return t("role.management", lang)
    return t("role.service_owner", lang, services=", ".join(sorted(user.services or ())))


def account_box(user: auth.User, lang: str) -> None:
    """Who is signed in, with what role, and the sign-out button (top of the sidebar)."""
    with st.sidebar:
        st.caption(t("login.signed_in", lang, name=user.name, role=role_label(user, lang)))
        if st.button(t("login.logout", lang), key="civiclake_logout"):
            st.session_state.pop(USER_KEY, None)
            if _oidc_claims() is not None:
                st.logout()
            st.rerun()


def not_for_role(lang: str) -> None:
    """What a signed-in reader sees at the address of a page that their role does not open."""
    st.info(t("access.not_for_role", lang))


def login_page(lang: str, required: bool = False) -> None:
    """The sign-in page: the identity provider's button where one is configured, and the local form."""
    st.title(t("login.title", lang))
    st.info(t("login.required", lang) if required else t("login.intro", lang))
    claims = _oidc_claims() if oidc_configured() else None
    if claims is not None:
        # Signed in at the identity provider, but the access file gives this account no role.
        st.warning(t("login.oidc_no_role", lang, name=str(claims.get("email") or claims.get("name") or "?")))
    if oidc_configured() and claims is None:
        if st.button(t("login.oidc", lang), key="civiclake_oidc_login"):
            st.login()
    try:
        has_users = bool(auth.load_access().users)
    except auth.AccessError:
        has_users = False
    if not has_users:
        if not oidc_configured():
            st.caption(t("login.no_users", lang))
        return
    with st.form(LOGIN_FORM_KEY, clear_on_submit=True):
        name = st.text_input(t("login.name", lang), max_chars=128, autocomplete="username")
        password = st.text_input(
            t("login.password", lang),
            type="password",
            max_chars=auth.MAX_PASSWORD_CHARS,
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(t("login.submit", lang))
    if not submitted:
        return
    try:
        user = auth.authenticate(auth.load_access(), name, password)
    except auth.AccessError:
        user = None
    if user is None:
        LOGGER.warning("dashboard sign-in refused for %r", name[:128])
        st.error(t("login.refused", lang))
        return
    st.session_state[USER_KEY] = user.name
    st.rerun()
