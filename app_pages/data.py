"""About the data: vintage, base year, provenance, CKM; uploads; fetching from SCB."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import _common, _state
from app_pages._i18n import fmt_number, t
from calculator.data import official as official_data
from calculator.data.own_forecast import read_own_forecast, read_own_forecast_text
from calculator.data.templates import load_inputs, read_template_tables
from calculator.exceptions import CalculatorError, InputValidationError
from calculator.projection import project
from calculator.results import ProjectionResult
from calculator.scenario import PARAMETERS

lang = _common.lang()
ss = st.session_state
region = ss[_state.K_REGION]
_common.page_header(t("page_data", lang), lang)
info = _state.area_info(region, lang)
st.write(t("data_intro", lang))
st.markdown(f"**{info.name} ({info.code})** — {info.description}")
st.info(t("ckm_note", lang))

st.subheader(t("official_forecasts", lang))
forecasts = official_data.list_official_forecasts()
st.dataframe(forecasts, hide_index=True, width="stretch")
st.caption(t("official_source_note", lang))

# ---- own forecast ----------------------------------------------------------------------------
st.subheader(t("cmp_own", lang))
own = st.file_uploader(t("own_forecast_upload", lang), type=["csv", "xlsx"], key="own_upload")
if own is not None and ss.get("_own_done") != own.file_id:
    ss["_own_done"] = own.file_id
    label = Path(own.name).stem
    try:
        if own.name.lower().endswith(".xlsx"):
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / Path(own.name).name
                path.write_bytes(own.getvalue())
                frame = read_own_forecast(path, label=label, region=region)
        else:
            frame = read_own_forecast_text(own.getvalue().decode("utf-8-sig"), source=own.name,
                                           label=label, region=region)
    except (InputValidationError, UnicodeDecodeError) as exc:
        st.error(t("error_file", lang, msg=str(exc)))
    else:
        long = frame.rename(columns={"population": "value"}).assign(
            variable="population", scenario=label, region=region)
        ss[_state.K_OWN] = long
        ss[_state.K_OWN_LABEL] = label
        ss["_cmp_from_url"] = _state.OWN_FORECAST  # the sidebar selects it on the rerun
        ss["_own_msg"] = t("own_forecast_ok", lang, rows=len(frame),
                           first=int(frame["year"].min()), last=int(frame["year"].max()))
        st.rerun()
if "_own_msg" in ss:
    st.success(ss.pop("_own_msg"))

# ---- own input templates -----------------------------------------------------------------------
st.subheader(t("template_upload", lang))
templates = st.file_uploader(t("template_upload", lang), type=["xlsx", "csv", "toml"],
                             accept_multiple_files=True, key="template_upload",
                             label_visibility="collapsed")
if templates:
    result: ProjectionResult | None = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for upload in templates:
                (Path(tmp) / Path(upload.name).name).write_bytes(upload.getvalue())
            workbooks = [u.name for u in templates if u.name.lower().endswith(".xlsx")]
            path = Path(tmp) / Path(workbooks[0]).name if workbooks else Path(tmp)
            _, settings = read_template_tables(path)
            end_year = settings.end_year or int(str(PARAMETERS["end_year"].default))
            inputs = load_inputs(path, end_year=end_year, scenario="egna indata")
            result = project(inputs)
        except CalculatorError as exc:
            message = str(exc).replace(tmp + "/", "").replace(tmp, t("uploaded_files", lang))
            st.error(t("error_file", lang, msg=message))
    if result is not None:
        total = result.total_population()[0].sum(axis=0)
        st.success(t("template_ok", lang, base_year=inputs.base_year,
                     regions=", ".join(inputs.regions), end_year=int(result.years[-1]),
                     pop=fmt_number(float(total[-1]), lang)))
        st.dataframe(_common.formatted(pd.DataFrame({"year": result.years, t("population", lang):
                                                     total}), lang), hide_index=True)

# ---- fetch from SCB ----------------------------------------------------------------------------
st.subheader(t("fetch_title", lang))
st.caption(t("fetch_data_note", lang))
code = st.text_input(t("fetch_municipality", lang), value=_state.area_code(region),
                     key="fetch_code")
if st.button(t("fetch_button", lang), key="fetch_button"):
    key = _common.fetch_municipality(code.strip(), lang, st.container())
    if key is not None:
        _common.select_fetched_area(key)
        ss["_fetch_data_msg"] = t("fetch_area_ok", lang, name=_state.online_area(key).name)
        st.rerun()
if "_fetch_data_msg" in ss:
    st.success(ss.pop("_fetch_data_msg"))
