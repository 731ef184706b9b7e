"""Budget page: service needs and costs by planning age group, scenario vs the comparison."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import _charts, _common
from app_pages._i18n import t
from calculator import keyfigures
from calculator.exceptions import InputValidationError
from calculator.tables import EXAMPLE_PRICE_YEAR, EXAMPLE_SERVICE_NEEDS

lang = _common.lang()
ss = st.session_state
_common.page_header(t("page_budget", lang), lang)
batch = _common.batch_from_session(lang)
st.caption(t("budget_intro", lang, price_year=EXAMPLE_PRICE_YEAR))

# The editable coverage/cost table (defaults: calculator.tables.EXAMPLE_SERVICE_NEEDS).
if "services_table" not in ss:
    ss["services_table"] = pd.DataFrame({
        "key": [n.key for n in EXAMPLE_SERVICE_NEEDS],
        "name": [n.name_sv if lang == "sv" else n.name_en for n in EXAMPLE_SERVICE_NEEDS],
        "age_group": [n.age_group.label for n in EXAMPLE_SERVICE_NEEDS],
        "coverage_rate": [n.coverage_rate for n in EXAMPLE_SERVICE_NEEDS],
        "cost_sek_per_user_year": [n.cost_sek_per_user_year for n in EXAMPLE_SERVICE_NEEDS],
    })
edited = st.data_editor(
    ss["services_table"], key="services_editor", hide_index=True, num_rows="fixed",
    disabled=["key"],
    column_config={
        "key": None,
        "name": st.column_config.TextColumn(t("service", lang)),
        "age_group": st.column_config.TextColumn(t("age_group_edit", lang)),
        "coverage_rate": st.column_config.NumberColumn(t("coverage", lang), min_value=0.0,
                                                       max_value=1.0, step=0.01, format="%.2f"),
        "cost_sek_per_user_year": st.column_config.NumberColumn(
            t("cost_per_place", lang), min_value=0.0, step=1000.0, format="localized"),
    },
)
try:
    needs = keyfigures.service_needs_from_table(edited, EXAMPLE_SERVICE_NEEDS)
except InputValidationError as exc:
    st.error(t("budget_error", lang, msg=str(exc)))
    needs = list(EXAMPLE_SERVICE_NEEDS)

services = keyfigures.services_frame(batch.series, needs, batch.current, batch.comparison_name)
services = services.assign(service_label=services["service"])
if batch.comparison_name is not None:
    base_year = int(batch.series.years[0])
    key_years = sorted({min(base_year + n, int(batch.series.years[-1])) for n in (5, 10, 20)})
    wide = services.loc[services["year"].isin(key_years)].pivot_table(
        index=["service", "year"], columns="series", values=["places", "cost_msek"], sort=False)
    summary = pd.DataFrame({
        "service": wide.index.get_level_values(0), "year": wide.index.get_level_values(1),
        "places": wide[("places", batch.current)].to_numpy(),
        "places_diff": (wide[("places", batch.current)]
                        - wide[("places", batch.comparison_name)]).to_numpy(),
        "cost_diff": (wide[("cost_msek", batch.current)]
                      - wide[("cost_msek", batch.comparison_name)]).to_numpy(),
    })
    st.subheader(t("budget_summary", lang))
    st.dataframe(_common.formatted(summary, lang, {"cost_diff": 1}).rename(columns={
        "service": t("service", lang), "year": t("year", lang),
        "places": f"{t('places', lang)}, {batch.current}",
        "places_diff": t("places_diff", lang), "cost_diff": t("cost_diff", lang)}),
        hide_index=True, width="stretch")
_common.show_chart(_charts.services_chart(services, "places", batch.comparison_name, lang),
                   t("budget_places_title", lang), width="content")
_common.show_chart(_charts.services_chart(services, "cost_msek", batch.comparison_name, lang),
                   t("budget_cost_title", lang), width="content")
with st.expander(t("chart_table", lang), expanded=True):
    table = services.drop(columns=["service_label"]).rename(columns={
        "series": t("series", lang), "service": t("service", lang), "year": "year",
        "places": t("places", lang), "cost_msek": t("cost_msek", lang)})
    st.dataframe(_common.formatted(table, lang, {t("cost_msek", lang): 1}).rename(
        columns={"year": t("year", lang)}), hide_index=True, width="stretch")
