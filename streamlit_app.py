"""Befolkningskalkylatorn: the Streamlit app (router only).

Page config, navigation and the shared sidebar (language, area, comparison); the pages live in
``app_pages/``. Start with ``streamlit run streamlit_app.py`` (or ``bash scripts/app.sh``).
"""

import streamlit as st

from app_pages import _common

st.set_page_config(page_title="Befolkningskalkylatorn", page_icon=None, layout="wide")

_common.init_session()
lang = _common.sidebar_language()
_common.sidebar_area_and_comparison(lang)

pages = [
    st.Page("app_pages/scenario.py", title=_common.t("page_scenario", lang), url_path="scenario",
            default=True),
    st.Page("app_pages/budget.py", title=_common.t("page_budget", lang), url_path="budget"),
    st.Page("app_pages/followup.py", title=_common.t("page_followup", lang), url_path="followup"),
    st.Page("app_pages/data.py", title=_common.t("page_data", lang), url_path="data"),
]
st.navigation(pages, position="top").run()
