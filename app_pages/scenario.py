"""Scenario page: sliders -> scenario -> cached projection -> charts against the comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import _charts, _common, _state
from app_pages._i18n import fmt_number, fmt_pct, t
from calculator import controls, keyfigures
from calculator.exceptions import InputValidationError
from calculator.export import scenario_to_toml
from calculator.grid import FEMALE, MALE
from calculator.scenario import PARAMETERS, Scenario, scenario_from_toml

FERTILITY_KEYS = ("fertility.tfr_target", "fertility.target_year",
                  "fertility.mean_age_shift_years")
MORTALITY_KEYS = ("mortality.e0_female_target_years", "mortality.e0_male_target_years",
                  "mortality.target_year")
MIGRATION_KEYS = ("migration.immigration_multiplier", "migration.emigration_multiplier",
                  "migration.in_migration_multiplier", "migration.out_migration_multiplier")
CONTROL_KEYS = (*FERTILITY_KEYS, *MORTALITY_KEYS, *MIGRATION_KEYS)
MIGRATION_FLOWS = {
    "migration.immigration_multiplier": "immig_count_year_sex_age",
    "migration.emigration_multiplier": "emig_count_year_sex_age",
    "migration.in_migration_multiplier": "inmig_count_year_sex_age",
    "migration.out_migration_multiplier": "outmig_count_year_sex_age",
}
W = "ctl:"  # widget key prefix

ss = st.session_state
lang = _common.lang()
region = ss[_state.K_REGION]
ss.setdefault("_defaults", {})


def _parse(key: str, text: object) -> float | int | str:
    param = PARAMETERS[key]
    if param.kind == "float":
        return float(str(text))
    if param.kind == "int":
        return int(str(text))
    return str(text)


def _ensure(key: str, default: float | int | str, lo: float | None = None,
            hi: float | None = None) -> None:
    """Initialise a control from the scenario in the session (URL, upload) or its default;
    an untouched control follows its default when the baseline changes."""
    wk = W + key
    prev = ss["_defaults"].get(key)
    if wk not in ss:
        stored = ss[_state.K_SCENARIO].get(key)
        ss[wk] = _parse(key, stored) if stored is not None else default
    elif prev is not None and ss[wk] == prev and default != prev:
        ss[wk] = default
    if lo is not None and ss[wk] < lo:
        ss[wk] = type(default)(lo)
    if hi is not None and ss[wk] > hi:
        ss[wk] = type(default)(hi)
    ss["_defaults"][key] = default


def _reset() -> None:
    for key in CONTROL_KEYS:
        if key in ss["_defaults"]:
            ss[W + key] = ss["_defaults"][key]


def _save() -> None:
    params = dict(ss[_state.K_SCENARIO])
    taken = [p.get("name", PARAMETERS["name"].default) for p in ss[_state.K_SAVED]]
    taken.append(str(params.get("name", PARAMETERS["name"].default)))
    params["name"] = controls.unique_name(str(params.get("name", PARAMETERS["name"].default)),
                                        taken)
    ss[_state.K_SAVED] = [*ss[_state.K_SAVED], params]


def _remove(i: int) -> None:
    saved = list(ss[_state.K_SAVED])
    saved.pop(i)
    ss[_state.K_SAVED] = saved


def _load_uploaded_toml() -> None:
    upload = ss.get("toml_upload")
    if upload is None or ss.get("_toml_done") == upload.file_id:
        return
    ss["_toml_done"] = upload.file_id
    try:
        scenario = scenario_from_toml(upload.getvalue().decode("utf-8"), source=upload.name)
    except (InputValidationError, UnicodeDecodeError) as exc:
        ss["_toml_msg"] = ("error", t("error_file", lang, msg=str(exc)))
        return
    for key in CONTROL_KEYS:
        ss.pop(W + key, None)
    ss.pop(W + "name", None)
    ss.pop(W + "end_year", None)
    ss.pop(W + "baseline", None)
    ss[_state.K_SCENARIO] = {**scenario.to_query_params(), "region": _state.area_code(region)}
    ss["_toml_msg"] = ("ok", t("upload_ok", lang, name=scenario.name))


_load_uploaded_toml()
side = st.sidebar
side.header(t("controls", lang))

# baseline and horizon
kinds = _state.baseline_kinds(region)
if W + "baseline" not in ss or ss[W + "baseline"] not in kinds:
    wanted = ss[_state.K_SCENARIO].get("baseline", "official")
    ss[W + "baseline"] = wanted if wanted in kinds else kinds[0]
side.radio(_common.param_label("baseline", lang), kinds, key=W + "baseline", horizontal=True,
           format_func=lambda k: t(f"baseline_kind_{k}", lang))
kind = ss[W + "baseline"]
base_probe = _state.baseline(region, kind, PARAMETERS["end_year"].default)  # type: ignore[arg-type]
first_year = base_probe.inputs.base_year + 1
max_end = base_probe.last_year if kind == "official" else int(PARAMETERS["end_year"].max or 2100)
min_end = first_year + 4
end_param = PARAMETERS["end_year"]
if W + "end_year" not in ss:
    ss[W + "end_year"] = int(ss[_state.K_SCENARIO].get("end_year", end_param.default))
ss[W + "end_year"] = int(np.clip(ss[W + "end_year"], min_end, max_end))
side.slider(t("horizon", lang), min_end, max_end, key=W + "end_year", step=1)
end_year = int(ss[W + "end_year"])
base = _state.baseline(region, kind, end_year)
inputs = base.inputs

# fertility
side.subheader(t("fertility", lang))
default_target = int(min(first_year + 10, end_year))
for key in ("fertility.target_year", "mortality.target_year"):
    _ensure(key, default_target, first_year, end_year)
tfr_p = PARAMETERS["fertility.tfr_target"]
tfr_base = controls.round_to_step(
    controls.baseline_tfr(inputs, ss[W + "fertility.target_year"]), tfr_p.step or 0.01)
_ensure("fertility.tfr_target", tfr_base, tfr_p.min, tfr_p.max)
side.slider(_common.param_label("fertility.tfr_target", lang), float(tfr_p.min or 0),
            float(tfr_p.max or 4), step=float(tfr_p.step or 0.01), key=W + "fertility.tfr_target",
            format="%.2f")
side.caption(t("official_value", lang, value=fmt_number(tfr_base, lang, 2)))
side.slider(_common.param_label("fertility.target_year", lang), first_year, end_year,
            key=W + "fertility.target_year", step=1)
shift_p = PARAMETERS["fertility.mean_age_shift_years"]
_ensure("fertility.mean_age_shift_years", float(shift_p.default or 0.0), shift_p.min, shift_p.max)
side.slider(_common.param_label("fertility.mean_age_shift_years", lang), float(shift_p.min or -5),
            float(shift_p.max or 5), step=float(shift_p.step or 0.1),
            key=W + "fertility.mean_age_shift_years", format="%.1f")

# mortality
side.subheader(t("mortality", lang))
mort_year = ss[W + "mortality.target_year"]
for key, sex in (("mortality.e0_female_target_years", FEMALE),
                 ("mortality.e0_male_target_years", MALE)):
    p = PARAMETERS[key]
    e0_base = controls.round_to_step(controls.baseline_e0(inputs, mort_year, sex), p.step or 0.1)
    _ensure(key, e0_base, p.min, p.max)
    side.slider(_common.param_label(key, lang), float(p.min or 60), float(p.max or 100),
                step=float(p.step or 0.1), key=W + key, format="%.1f")
    side.caption(t("official_value", lang, value=fmt_number(e0_base, lang, 1)))
side.slider(_common.param_label("mortality.target_year", lang), first_year, end_year,
            key=W + "mortality.target_year", step=1)

# migration
side.subheader(t("migration", lang))
levels = _state.migration_levels(region, kind, end_year)
can_change_migration = levels is not None
if levels is None:
    side.caption(t("migration_levels_fixed", lang))
for key in MIGRATION_KEYS:
    p = PARAMETERS[key]
    _ensure(key, float(p.default or 1.0), p.min, p.max)
    side.slider(_common.param_label(key, lang), float(p.min or 0), float(p.max or 5),
                step=float(p.step or 0.05), key=W + key, format="%.2f",
                disabled=not can_change_migration)
    if levels is not None:
        level = levels[MIGRATION_FLOWS[key]]
        side.caption(t("official_count", lang, value=fmt_number(level, lang),
                       unit=t("persons_per_year", lang), year=first_year,
                       scen=fmt_number(level * ss[W + key], lang)))

side.button(t("reset", lang), on_click=_reset, width="stretch")
if W + "name" not in ss:
    ss[W + "name"] = str(ss[_state.K_SCENARIO].get("name", PARAMETERS["name"].default))
side.text_input(t("scenario_name", lang), key=W + "name")
side.button(t("save_scenario", lang), on_click=_save, width="stretch")
if ss[_state.K_SAVED]:
    side.markdown(f"**{t('saved_scenarios', lang)}**")
    for i, saved in enumerate(ss[_state.K_SAVED]):
        cols = side.columns([3, 1])
        cols[0].write(saved.get("name", ""))
        cols[1].button(t("remove", lang), key=f"remove_{i}", on_click=_remove, args=(i,))
side.file_uploader(t("upload_toml", lang), type=["toml"], key="toml_upload")
if "_toml_msg" in ss:
    status, message = ss.pop("_toml_msg")
    (side.success if status == "ok" else side.error)(message)

# ---- scenario and projection ----------------------------------------------------------------
values = {key: ss[W + key] for key in CONTROL_KEYS}
if not can_change_migration:
    values.update({key: PARAMETERS[key].default for key in MIGRATION_KEYS})
fixed = {"name": ss[W + "name"] or str(PARAMETERS["name"].default),
         "region": _state.area_code(region),
         "end_year": end_year, "baseline": kind}
try:
    current = controls.scenario_from_controls(values, ss["_defaults"], fixed)
except InputValidationError as exc:
    st.error(str(exc))
    current = Scenario(name=fixed["name"], region=_state.area_code(region), end_year=end_year,
                       baseline=kind)
ss[_state.K_SCENARIO] = {**current.to_query_params(), "region": _state.area_code(region)}

query = dict(current.to_query_params())
if lang == "en":
    query["lang"] = "en"
if _state.is_online(region):
    query["src"] = "scb"
cmp_choice = ss.get(_state.K_COMPARISON, _state.NO_COMPARISON)
if cmp_choice != _common.comparison_options(region)[0]:
    query["cmp"] = cmp_choice
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)

batch = _common.batch_from_session(lang, current)

_common.page_header(t("app_title", lang), lang)
if ss.get("_url_error"):
    st.error(t("url_error", lang, msg=ss["_url_error"]))
st.caption(t("baseline_line", lang, desc=(
    base.describe(lang) + " " + t("baseline_official_exact", lang)
    if kind == "official" else base.describe(lang))))
if kind == "trend" and batch.comparison is not None:
    st.info(t("baseline_trend_note", lang))
st.caption(t("share_link", lang))

# ---- key figures ----------------------------------------------------------------------------
years = [int(y) for y in batch.series.years[1:]]
key_default = 2040 if 2040 in years else years[-1]
if ss.get("key_year") not in years:
    ss["key_year"] = key_default
st.subheader(t("key_figures", lang))
key_year = int(st.select_slider(t("key_year", lang), options=years, key="key_year"))
figures = keyfigures.key_figures(batch.series, batch.current, batch.comparison_name,
                             batch.result.base_year, key_year)
metric_cols = st.columns(4)
for i, fig in enumerate(figures):
    if fig.key.startswith("pop_in_"):
        label = t("pop_in_years", lang, year=fig.year, n=fig.year - batch.result.base_year)
    else:
        label = t(fig.key, lang, year=fig.year)
    delta, arrow = None, "off"
    if not np.isnan(fig.reference):
        shown_diff = round(fig.difference, fig.decimals)
        delta = fmt_number(shown_diff, lang, fig.decimals, sign=True)
        arrow = "up" if shown_diff > 0 else "down" if shown_diff < 0 else "off"
    metric_cols[i % 4].metric(label, fmt_number(fig.value, lang, fig.decimals), delta=delta,
                       delta_color="off", delta_arrow=arrow,  # type: ignore[arg-type]
                       delta_description=t("vs_official", lang) if delta else None)

# ---- downloads (built on click; the page does not rerun) -------------------------------------
st.subheader(t("downloads", lang))
assumptions = {
    "Område": f"{_state.area_code(region)}",
    "Utgångsläge": base.describe("sv"),
    "Data": _state.area_info(region, "sv").description,
    "Jämförelse": batch.comparison_name or "ingen",
}
dl = st.columns(4)
result, scenarios = batch.result, batch.scenarios
cmp_long, cmp_name = batch.comparison, batch.comparison_name or ""
dl[0].download_button(
    t("dl_xlsx", lang),
    data=lambda: _state.export_bytes("xlsx", result, scenarios,
                                     _state.comparison_table(result, cmp_long, cmp_name),
                                     assumptions, lang, region),
    file_name=f"befolkning_{_state.area_code(region)}.xlsx", key="dl_xlsx", on_click="ignore",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
dl[1].download_button(
    t("dl_csv_sv", lang), data=lambda: _state.export_bytes("csv_sv", result, scenarios, None, {}),
    file_name=f"befolkning_{_state.area_code(region)}_sv.csv", key="dl_csv_sv",
    on_click="ignore", mime="text/csv")
dl[2].download_button(
    t("dl_csv", lang), data=lambda: _state.export_bytes("csv", result, scenarios, None, {}),
    file_name=f"befolkning_{_state.area_code(region)}.csv", key="dl_csv", on_click="ignore", mime="text/csv")
dl[3].download_button(
    t("dl_toml", lang), data=scenario_to_toml(current), file_name="scenario.toml",
    key="dl_toml", on_click="ignore", mime="application/toml")

# ---- charts, each with its table as text alternative -----------------------------------------
series = batch.series
totals = keyfigures.totals_frame(series)
diffs = (keyfigures.difference_frame(series, batch.comparison_name)
         if batch.comparison_name else totals.iloc[0:0])
_common.show_chart(_charts.total_population_chart(totals, diffs, batch.comparison_name, lang),
                   t("total_pop_title", lang))
with st.expander(t("chart_table", lang)):
    st.dataframe(_common.formatted(keyfigures.totals_wide(series), lang), hide_index=True)

groups = keyfigures.groups_frame(series)
_common.show_chart(_charts.groups_chart(groups, batch.comparison_name, lang),
                   t("groups_title", lang), width="content")
with st.expander(t("chart_table", lang)):
    st.dataframe(_common.formatted(keyfigures.groups_wide(series), lang), hide_index=True)

left, right = st.columns([3, 2])
scen_pyr = keyfigures.pyramid_frame(series, batch.current, key_year)
ref_pyr = (keyfigures.pyramid_frame(series, batch.comparison_name, key_year)
           if batch.comparison_name else None)
with left:
    _common.show_chart(_charts.pyramid_chart(scen_pyr, ref_pyr, key_year, lang),
                       t("pyramid_title", lang, year=key_year))
with right:
    st.caption(t("pyramid_note", lang))
    with st.expander(t("chart_table", lang)):
        n = len(scen_pyr) // 2
        table = pd.DataFrame({"age": scen_pyr["age"].to_numpy()[:n],
                              t("female", lang): scen_pyr["population"].to_numpy()[:n],
                              t("male", lang): scen_pyr["population"].to_numpy()[n:]})
        if ref_pyr is not None and not ref_pyr.empty:
            ref_values = ref_pyr["population"].to_numpy()
            table[f"{t('female', lang)} ({t('official', lang)})"] = ref_values[:n]
            table[f"{t('male', lang)} ({t('official', lang)})"] = ref_values[n:]
        st.dataframe(_common.formatted(table, lang), hide_index=True)

components = keyfigures.components_frame(batch.result)
if batch.comparison_name is not None:
    published = keyfigures.comparison_components_frame(
        batch.comparison, batch.comparison_name, [int(y) for y in batch.result.flow_years])
    components = pd.concat([components, published], ignore_index=True)
    if published.empty:
        st.caption(t("components_no_official", lang))
_common.show_chart(_charts.components_chart(components, lang, batch.comparison_name),
                   t("components_title", lang), width="content")
with st.expander(t("chart_table", lang)):
    st.dataframe(_common.formatted(keyfigures.components_wide(components), lang), hide_index=True)

st.subheader(t("table_title", lang))
if batch.comparison_name is None:
    st.info(t("cmp_missing", lang) if len(_common.comparison_options(region)) == 1
            else t("cmp_none", lang))
else:
    table = keyfigures.comparison_by_group(series, batch.current, batch.comparison_name)
    table = table.assign(rel_diff=[fmt_pct(v, lang, 1, sign=True) for v in table["rel_diff"]])
    table = _common.formatted(table, lang).rename(columns={
        "year": t("year", lang), "age_group": t("age_group", lang),
        "scenario_value": batch.current, "official_value": t("official", lang),
        "abs_diff": t("difference", lang), "rel_diff": t("difference_pct", lang)})
    st.dataframe(table, hide_index=True, width="stretch")
