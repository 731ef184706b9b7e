"""Follow-up page: SCB's assumed births vs outcome, and Luleå's outcome vs forecast by group."""

from __future__ import annotations

import streamlit as st

from app_pages import _charts, _common, _state
from app_pages._i18n import t
from calculator import followup as fu
from calculator.data import followup_data as fd

lang = _common.lang()
_common.page_header(t("page_followup", lang), lang)
st.write(t("fu_intro", lang))


paths, errors = _state.followup_births()
paths = paths.loc[paths["year"] >= 2010].assign(
    series=lambda f: f["series"].str.replace("vintage", "prognos" if lang == "sv" else "vintage")
    .str.replace("observed", t("observed", lang)))
_common.show_chart(_charts.births_paths_chart(paths, lang), t("fu_births_title", lang))
st.caption(
    f"Utfall till och med {fd.LAST_OBSERVED_BIRTHS_YEAR} finns inbyggt; senare år hämtas från SCB "
    "när appen är uppkopplad." if lang == "sv" else
    f"Outcomes up to {fd.LAST_OBSERVED_BIRTHS_YEAR} are embedded; later years are fetched from "
    "SCB when the app is online.")
with st.expander(t("chart_table", lang)):
    wide = paths.pivot_table(index="year", columns="series", values="births", sort=False)
    st.dataframe(_common.formatted(wide.reset_index(), lang), hide_index=True)

mape = fu.mape_by_horizon(errors)
_common.show_chart(_charts.bar_by_horizon_chart(mape, "mape_pct", lang), t("fu_mape_title", lang))
observed_rows = errors.loc[errors["status"] == fu.STATUS_OK]
latest = observed_rows.loc[observed_rows.groupby("projection_vintage")["horizon_years"].idxmax()]
for line in fu.births_summaries(latest, lang):
    st.markdown(f"- {line}")
with st.expander(t("chart_table", lang)):
    st.dataframe(_common.formatted(mape, lang, {"mape_pct": 2, "mean_rel_error_pct": 2}),
                 hide_index=True)

st.subheader(t("fu_groups_title", lang))
tolerance = st.slider(t("fu_tolerance", lang), 0.5, 20.0, 5.0, step=0.5, key="fu_tolerance")
comparison = _state.followup_groups(float(tolerance))
deviations = comparison.loc[comparison["sex"] == "total"]
_common.show_chart(_charts.deviation_chart(deviations, lang), t("fu_groups_title", lang),
                   width="content")
for line in fu.deviation_summary(comparison, lang):
    st.markdown(f"- {line}")
with st.expander(t("chart_table", lang), expanded=False):
    cols = ["year", "age_group", "forecast_pop_count", "observed_pop_count", "deviation_persons",
            "rel_deviation_pct", "ckm_noise_bound_persons", "within_ckm_noise", "flag"]
    st.dataframe(_common.formatted(deviations.loc[:, cols], lang, {"rel_deviation_pct": 1}),
                 hide_index=True, width="stretch")
