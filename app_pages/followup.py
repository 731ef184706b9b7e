"""Follow-up page: SCB's fertility assumptions against what happened (national and for the
chosen municipality), and the outcome against a forecast by planning age group, yearly
(embedded for Luleå) and monthly (uploaded)."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_pages import _charts, _common, _state
from app_pages import _followup_charts as fc
from app_pages._i18n import STRINGS, Lang, fmt_number, t
from calculator import followup as fu
from calculator.data import followup_data as fd
from calculator.exceptions import InputValidationError

#: Columns that are labels, not quantities (shown without thousands separators).
ID_COLUMNS = ("projection_vintage", "year", "horizon_years", "mother_age", "n_vintages")


def table(frame: pd.DataFrame, language: Lang, decimals: dict[str, int] | None = None,
          ) -> pd.DataFrame:
    """A display copy: numbers in the language's format, readable column headers."""
    out = frame.copy()
    for col in ID_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype(str)
    out = _common.formatted(out, language, decimals)
    return out.rename(columns={c: t(f"fu_col_{c}", language) for c in out.columns
                               if f"fu_col_{c}" in STRINGS})



def _num(value: float, language: Lang, decimals: int = 0) -> str:
    return fmt_number(float(value), language, decimals)


def _municipality_options(area: str, names: pd.Series) -> tuple[list[str], int] | None:
    """The municipalities to choose from when the area is not one (and the default's index);
    ``None`` when the area is a municipality itself."""
    if area in names.index:
        return None
    options = [c for c in names.index if area == "00" or c.startswith(area)]
    options = options or list(names.index)
    return options, (options.index(fu.OUTCOME_REGION) if fu.OUTCOME_REGION in options else 0)


def _span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if years else "–"


def _new_years(fetched: list[int], embedded_last: int, language: Lang) -> str:
    new = [y for y in fetched if y > embedded_last]
    if new:
        return t("fu_online_new", language, years=", ".join(str(y) for y in new))
    return t("fu_online_none_new", language, last=embedded_last)


def _fetch_section(municipality: str, name: str, embedded: dict[str, pd.DataFrame],
                   language: Lang) -> _state.FollowupOnline | None:
    """The "fetch outcomes from SCB" button and what came from SCB; the fetched outcomes of
    this session (or ``None``: the page shows the embedded figures)."""
    from calculator.data.pxweb import ScbUnavailableError
    from calculator.exceptions import ScbApiError

    ss = st.session_state
    st.subheader(t("fu_online_title", language))
    st.write(t("fu_online_help", language, births_year=fd.LAST_OBSERVED_BIRTHS_YEAR,
               tfr_year=int(embedded["municipal_tfr"]["year"].max()), name=name))
    if st.button(t("fu_online_button", language), key="fu_fetch"):
        bar = st.progress(0.0, text=t("fetching", language))

        def progress(step: str, done: int, total: int) -> None:
            bar.progress(min(done / max(total, 1), 1.0), text=f"{t('fetching', language)} {step}")

        try:
            ss[_state.K_FOLLOWUP_ONLINE] = _state.fetch_followup_outcomes(municipality, progress)
        except ScbUnavailableError as exc:
            st.error(t("fetch_failed", language, msg=str(exc)))
        except (ScbApiError, InputValidationError, OSError) as exc:
            st.error(t("fu_online_error", language, msg=str(exc)))
        bar.empty()
    fetched: _state.FollowupOnline | None = ss.get(_state.K_FOLLOWUP_ONLINE)
    if fetched is None:
        return None
    births_years = sorted(int(y) for y in fetched.births["year"].unique())
    tfr_years = sorted(int(y) for y in fetched.municipal_tfr["year"].unique())
    lines = [t("fu_online_done", language, when=fetched.fetched_at,
               sources="; ".join(fetched.sources)),
             t("fu_online_births", language, span=_span(births_years),
               new=_new_years(births_years, fd.LAST_OBSERVED_BIRTHS_YEAR, language))]
    if fetched.municipality == municipality:
        lines.append(t("fu_online_tfr", language, name=name, span=_span(tfr_years), new=_new_years(
                           tfr_years, int(embedded["municipal_tfr"]["year"].max()), language)))
    else:
        other = embedded["municipal_tfr"].loc[embedded["municipal_tfr"]["region"]
                                              == fetched.municipality, "region_name"]
        lines.append(t("fu_online_other_muni", language, name=name,
                       other=other.iloc[0] if len(other) else fetched.municipality))
    st.success("\n\n".join(lines))
    if fetched.missing:
        st.caption(t("fu_online_missing", language, what="; ".join(fetched.missing)))
        with st.expander(t("fu_online_details", language)):
            for warning in fetched.warnings:
                st.text(warning)
    return fetched


lang = _common.lang()
area = str(st.session_state[_state.K_REGION])
_common.page_header(t("page_followup", lang), lang)
st.write(t("fu_intro", lang))
embedded_data = _state.followup_fertility_data()
municipal = embedded_data["municipal_tfr"]
muni_names = municipal.drop_duplicates("region").set_index("region")["region_name"].sort_index()
choice = _municipality_options(area, muni_names)
muni_key = f"fu_municipality_{area}"
municipality = area
if choice is not None:
    municipality = str(st.session_state.get(muni_key, choice[0][choice[1]]))
    municipality = municipality if municipality in choice[0] else choice[0][choice[1]]
online = _fetch_section(municipality, str(muni_names[municipality]), embedded_data, lang)
data = dict(embedded_data)
if online is not None:
    data["observed"] = fu.merge_observed(embedded_data["observed"], online.births)
    if online.municipality == municipality:
        data["municipal_tfr"] = fu.merge_observed(municipal, online.municipal_tfr,
                                                  keys=("region", "year"))

# ---- 1. the municipality's TFR against the national assumption --------------------------------
st.subheader(t("fu_muni_title", lang))
municipal = data["municipal_tfr"]
if choice is None:
    st.caption(t("fu_muni_follows", lang))
else:
    municipality = st.selectbox(
        t("fu_muni_choose", lang), choice[0], key=muni_key, index=choice[1],
        format_func=lambda c: f"{muni_names[c]} ({c})")
name = str(muni_names[municipality])
muni = fu.municipal_tfr_vs_assumption(municipal, data["assumed_tfr"], municipality,
                                      data["observed_tfr"])
muni = muni.loc[muni["year"] <= int(municipal["year"].max()) + 5]
labels = {"municipal": t("fu_muni_series", lang, name=name),
          "assumed": t("fu_assumed_series", lang), "national": t("fu_national_series", lang),
          "year": t("year", lang), "tfr": t("fu_tfr_axis", lang),
          "title": f"{name}: {t('fu_muni_title', lang).lower()}"}
_common.show_chart(fc.municipal_tfr_chart(muni, labels, lang), labels["title"])
both = muni.dropna(subset=["municipal_tfr", "national_assumed_tfr"])
if both.empty:
    st.info(t("fu_muni_no_assumption", lang, name=name))
else:
    last = both.iloc[-1]
    diff = float(last["difference_tfr"])
    st.markdown(t("fu_muni_sentence", lang, name=name, own=_num(last["municipal_tfr"], lang, 2),
                   year=int(last["year"]), diff=_num(abs(diff), lang, 2),
                   dir=t("fu_lower" if diff < 0 else "fu_higher", lang),
                   assumed=_num(last["national_assumed_tfr"], lang, 2)))
st.caption(t("fu_muni_gap", lang))
suppressed = muni.loc[muni["status"] == fu.SUPPRESSED, "year"].tolist()
if suppressed:
    st.caption(t("fu_muni_suppressed", lang, years=", ".join(str(y) for y in suppressed)))
with st.expander(t("chart_table", lang)):
    shown = muni.loc[muni["municipal_tfr"].notna() | muni["national_assumed_tfr"].notna(),
                     ["year", "municipal_tfr", "national_assumed_tfr", "difference_tfr",
                      "national_observed_tfr"]]
    shown = _common.formatted(shown, lang, {c: 3 for c in shown.columns}).rename(columns={
        "year": t("year", lang), "municipal_tfr": labels["municipal"],
        "national_assumed_tfr": labels["assumed"],
        "difference_tfr": t("fu_difference", lang),
        "national_observed_tfr": labels["national"]})
    st.dataframe(shown, hide_index=True)

# ---- 2. national births: paths, errors by horizon, MAPE ----------------------------------------
observed_births = data["observed"]
paths, errors = _state.followup_births(observed_births if online is not None else None)
paths = paths.loc[paths["year"] >= 2010].assign(
    series=lambda f: f["series"].str.replace("vintage", t("fu_series_vintage", lang))
    .str.replace("observed", t("observed", lang)))
_common.show_chart(fc.fit_width(_charts.births_paths_chart(paths, lang)),
                   t("fu_births_title", lang))
if online is None:
    st.caption(t("fu_births_embedded", lang, year=fd.LAST_OBSERVED_BIRTHS_YEAR))
else:
    st.caption(t("fu_births_fetched", lang, embedded=fd.LAST_OBSERVED_BIRTHS_YEAR,
                 when=online.fetched_at, span=_span(sorted(
                     int(y) for y in online.births["year"].unique()))))
observed_rows = errors.loc[errors["status"] == fu.STATUS_OK]
latest = observed_rows.loc[observed_rows.groupby("projection_vintage")["horizon_years"].idxmax()]
for line in fu.births_summaries(latest, lang):
    st.markdown(f"- {line}")
with st.expander(t("chart_table", lang)):
    wide = paths.pivot_table(index="year", columns="series", values="births", sort=False)
    st.dataframe(_common.formatted(wide.reset_index(), lang), hide_index=True)

left, right = st.columns(2)
with left:
    err_labels = {"horizon": t("horizon_years", lang), "value": t("fu_rel_error_axis", lang),
                  "vintage": t("vintage", lang), "year": t("year", lang),
                  "title": t("fu_error_title", lang)}
    _common.show_chart(fc.error_by_horizon_chart(observed_rows, "rel_error_pct", err_labels,
                                                 lang), err_labels["title"])
mape = fu.mape_by_horizon(errors)
with right:
    _common.show_chart(fc.fit_width(_charts.bar_by_horizon_chart(mape, "mape_pct", lang)),
                       t("fu_mape_title", lang))
with st.expander(t("chart_table", lang)):
    cols = ["projection_vintage", "year", "horizon_years", "projected_births",
            "observed_births", "error_births", "rel_error_pct"]
    st.dataframe(table(errors.loc[:, cols], lang, {"rel_error_pct": 1}),
                 hide_index=True)
    st.dataframe(table(mape, lang, {"mape_pct": 2, "mean_rel_error_pct": 2}),
                 hide_index=True)

tfr_errors = fu.tfr_error_by_horizon(data["assumed_tfr"], data["observed_tfr"],
                                     base_year=fd.ASSUMED_ASFR_BASE_YEAR,
                                     vintage=fd.ASSUMED_ASFR_VINTAGE)
st.markdown(f"**{t('fu_tfr_error_title', lang)}**")
tfr_ok = tfr_errors.loc[tfr_errors["status"] == fu.STATUS_OK,
                        ["projection_vintage", "year", "horizon_years", "assumed_tfr",
                         "observed_tfr", "error_tfr"]]
st.dataframe(table(tfr_ok, lang, {"assumed_tfr": 3, "observed_tfr": 3,
                                              "error_tfr": 3}), hide_index=True)
st.caption(t("fu_tfr_error_note", lang))

# ---- 3. which mothers' ages the errors come from -----------------------------------------------
st.subheader(t("fu_ages_title", lang))
pairs = [(int(v), int(y)) for v, y in observed_rows[["projection_vintage", "year"]]
         .itertuples(index=False)]
pair = st.selectbox(t("fu_ages_choose", lang), pairs, index=pairs.index((2021, 2024))
                    if (2021, 2024) in pairs else len(pairs) - 1, key="fu_vintage_year",
                    format_func=lambda p: t("fu_vintage_year", lang, v=p[0], y=p[1]))
decomposition = fu.births_error_by_mother_age(data["projected"], data["observed"], *pair)
age_labels = {"level": t("fu_level", lang), "timing": t("fu_timing", lang),
              "age": t("fu_mother_age", lang), "births": t("fu_births_error_axis", lang),
              "part": t("fu_part", lang), "title": f"{t('fu_ages_chart', lang)} ({pair[0]}, {pair[1]})"}
_common.show_chart(fc.mother_age_error_chart(decomposition, age_labels, lang),
                   age_labels["title"])
row = observed_rows.loc[(observed_rows["projection_vintage"] == pair[0])
                        & (observed_rows["year"] == pair[1])].iloc[0]
st.markdown(t("fu_ages_sentence", lang, v=pair[0], y=pair[1],
               p=_num(row["projected_births"], lang), o=_num(row["observed_births"], lang),
               e=fmt_number(float(row["error_births"]), lang, 0, sign=True),
               s=_num(decomposition.attrs["timing_births_shifted"], lang),
               mp=_num(row["projected_mean_mother_age"], lang, 1),
               mo=_num(row["observed_mean_mother_age"], lang, 1)))
with st.expander(t("chart_table", lang)):
    cols = ["mother_age", "projected_births", "observed_births", "error_births",
            "level_part_births", "timing_part_births"]
    st.dataframe(table(decomposition.loc[:, cols], lang), hide_index=True)

# ---- 4. age profile of assumed vs observed fertility -------------------------------------------
st.subheader(t("fu_profile_title", lang))
assumed_years = sorted(int(y) for y in data["assumed_asfr"]["year"].unique())
observed_years = sorted(int(y) for y in data["observed_asfr"]["year"].unique())
year_options = sorted(set(assumed_years) | set(observed_years), reverse=True)
profile_year = st.selectbox(t("fu_profile_year", lang), year_options,
                            index=year_options.index(assumed_years[0]), key="fu_profile_year")
profile = fu.fertility_age_profile(data["assumed_asfr"], data["observed_asfr"],
                                   int(profile_year))
names = {"assumed": t("fu_assumed", lang, year=profile_year),
         "observed": t("fu_observed_year", lang, year=profile_year)}
if not set(assumed_years) & set(observed_years):
    st.warning(t("fu_profile_both_missing", lang, a0=assumed_years[0], a1=assumed_years[-1],
                  o0=observed_years[0], o1=observed_years[-1], year=profile_year))
for series in ("assumed", "observed"):
    if profile.loc[profile["series"] == series, "fert_rate"].isna().all():
        st.caption(t("fu_profile_missing_one", lang, series=t(f"fu_series_{series}", lang),
                      year=profile_year))
profile = profile.assign(series=profile["series"].map(names))
latest_observed = observed_years[-1]
if int(profile_year) != latest_observed and st.checkbox(
        t("fu_profile_latest", lang, year=latest_observed), value=True, key="fu_profile_latest"):
    extra = data["observed_asfr"].loc[data["observed_asfr"]["year"] == latest_observed]
    profile = pd.concat([profile, extra.assign(
        series=t("fu_observed_year", lang, year=latest_observed))[
        ["mother_age", "series", "fert_rate"]]], ignore_index=True)
prof_labels = {"age": t("fu_mother_age", lang), "rate": t("fu_rate_axis", lang),
               "title": f"{t('fu_profile_title', lang)}, {t('year', lang).lower()} {profile_year}"}
_common.show_chart(fc.age_profile_chart(profile, prof_labels, lang), prof_labels["title"])
with st.expander(t("chart_table", lang)):
    wide = profile.dropna(subset=["fert_rate"]).pivot_table(
        index="mother_age", columns="series", values="fert_rate", sort=False)
    st.dataframe(_common.formatted(wide.reset_index(), lang, {c: 4 for c in wide.columns}),
                 hide_index=True)


# ---- 5. outcome against forecast by planning group ---------------------------------------------
def _drift_table(comparison: pd.DataFrame, period: str, language: Lang) -> pd.DataFrame:
    """Display table of a comparison (both sexes), the assessment spelled out."""
    rows = comparison.loc[(comparison["sex"] == "total")
                          & (comparison["status"] == fu.STATUS_OK)]
    assessment = [t("fu_flag_yes", language) if f else
                  (t("fu_flag_noise", language) if n and b > 0 else t("fu_flag_ok", language))
                  for f, n, b in zip(rows["flag"], rows["within_ckm_noise"],
                                     rows["ckm_noise_bound_persons"], strict=True)]
    shown = pd.DataFrame({
        t(f"fu_col_period_{period}", language): rows[period].astype(str).to_numpy(),
        t("age_group", language): rows["age_group"].to_numpy(),
        t("fu_col_forecast", language): [_num(v, language) for v in rows["forecast_pop_count"]],
        t("fu_col_observed", language): [_num(v, language) for v in rows["observed_pop_count"]],
        t("fu_col_dev", language): [fmt_number(float(v), language, 0, sign=True)
                                  for v in rows["deviation_persons"]],
        t("fu_col_rel", language): [fmt_number(float(v), language, 1, sign=True)
                                  for v in rows["rel_deviation_pct"]],
        t("fu_col_ckm", language): [_num(v, language) for v in rows["ckm_noise_bound_persons"]],
        t("fu_col_flag", language): assessment,
    })
    return shown


def _show_drift(comparison: pd.DataFrame, period: str, tolerance: float,
                language: Lang) -> None:
    table = _drift_table(comparison, period, language)
    flagged = table.loc[table[t("fu_col_flag", language)] == t("fu_flag_yes", language)]
    st.markdown(f"**{t('fu_drift_title', language)}**")
    if flagged.empty:
        st.success(t("fu_drift_none", language, tol=_num(tolerance, language, 1)))
    else:
        st.dataframe(flagged, hide_index=True, width="stretch", key=f"fu_drift_{period}")
        for line in fu.deviation_summary(comparison.loc[comparison["sex"] == "total"], language):
            st.markdown(f"- {line}")
    with st.expander(t("chart_table", language)):
        st.dataframe(table, hide_index=True, width="stretch")


st.subheader(t("fu_groups_title", lang))
tolerance = st.slider(t("fu_tolerance", lang), 0.5, 20.0, 5.0, step=0.5, key="fu_tolerance")
comparison = _state.followup_groups(float(tolerance))
observed_part = comparison.loc[(comparison["sex"] == "total")
                               & (comparison["status"] == fu.STATUS_OK)]
_common.show_chart(fc.fit_width(_charts.deviation_chart(observed_part, lang)),
                   t("fu_groups_title", lang), width="content")
if area != fu.OUTCOME_REGION:
    area_names = dict(zip(_state.regions()["region"], _state.regions()["name"], strict=True))
    st.caption(t("fu_groups_other_area", lang, name=area_names.get(area, area)))
_show_drift(comparison, "year", float(tolerance), lang)

# ---- 6. monthly follow-up (upload) -------------------------------------------------------------
st.subheader(t("fu_month_title", lang))
choice = st.session_state.get(_state.K_COMPARISON, _state.NO_COMPARISON)
forecast_long, _label = _state.comparison_long(choice, area)
cmp_text = _common.comparison_label(choice, lang)
st.write(t("fu_month_help", lang, cmp=cmp_text))
st.download_button(t("fu_template", lang), _state.followup_template_csv(),
                   file_name=t("fu_template_file", lang), mime="text/csv", key="fu_template")
st.caption(t("fu_template_note", lang))
upload = st.file_uploader(t("fu_upload", lang), type=["csv", "txt"], key="fu_monthly_upload")
if upload is not None:
    monthly: pd.DataFrame | None
    try:
        monthly = fd.read_monthly_population(io.BytesIO(upload.getvalue()), name=upload.name)
    except InputValidationError as exc:
        st.error(t("error_file", lang, msg=str(exc)))
        monthly = None
    if monthly is not None:
        months = sorted(monthly["month"].unique())
        st.caption(t("fu_months_read", lang, n=len(months), first=months[0], last=months[-1]))
        if forecast_long is None:
            st.warning(t("fu_no_forecast", lang))
        else:
            pop = forecast_long.loc[forecast_long["variable"] == "population"]
            if "scenario" in pop.columns:
                pop = pop.loc[pop["scenario"] == pop["scenario"].iloc[0]]
            yearly = pop.rename(columns={"value": "population"})[
                ["year", "sex", "age", "population"]]
            at_months = fu.forecast_at_months(yearly, months)
            missing = at_months.attrs["months_without_forecast"]
            if missing:
                st.warning(t("fu_months_missing", lang, months=", ".join(missing)))
            try:
                monthly_cmp = fu.compare_by_age_group(at_months, monthly, period="month",
                                                      tolerance_pct=float(tolerance))
            except InputValidationError as exc:
                st.error(t("error_file", lang, msg=str(exc)))
            else:
                monthly_cmp = monthly_cmp.loc[monthly_cmp["month"].isin(months)
                                              & ~monthly_cmp["month"].isin(missing)]
                if monthly_cmp.empty:
                    st.warning(t("fu_months_missing", lang, months=", ".join(months)))
                else:
                    totals = monthly_cmp.loc[monthly_cmp["sex"] == "total"]
                    mlabels = {"period": t("fu_col_period_month", lang),
                               "value": t("fu_dev_axis", lang), "group": t("age_group", lang),
                               "title": t("fu_dev_over_time", lang),
                               "persons": t("fu_col_dev", lang), "flag": t("fu_col_flag", lang)}
                    _common.show_chart(fc.deviation_over_time_chart(
                        totals, "month", float(tolerance), mlabels, lang), mlabels["title"])
                    _show_drift(monthly_cmp, "month", float(tolerance), lang)
