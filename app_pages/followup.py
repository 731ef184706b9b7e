"""Follow-up page: SCB's fertility assumptions against what happened (national and for the
chosen municipality), and the outcome against a forecast by planning age group, yearly
(embedded for Luleå) and monthly (uploaded)."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_pages import _charts, _common, _state
from app_pages import _followup_charts as fc
from app_pages._i18n import Lang, fmt_number, t
from calculator import followup as fu
from calculator.data import followup_data as fd
from calculator.exceptions import InputValidationError

#: The page's own strings (sv, en); the shared ones come from app_pages._i18n.
TEXT: dict[str, tuple[str, str]] = {
    "muni_title": ("Kommunens fruktsamhet mot rikets antagande",
                   "The municipality's fertility against the national assumption"),
    "muni_follows": ("Kommunen följer området i sidomenyn.",
                     "The municipality follows the area in the sidebar."),
    "muni_choose": ("Kommun (området i sidomenyn är inte en kommun)",
                    "Municipality (the area in the sidebar is not a municipality)"),
    "muni_series": ("{name}, summerad fruktsamhet (SCB TAB4805)",
                    "{name}, TFR (SCB TAB4805)"),
    "assumed_series": ("Riket, antagande (SCB, troligen prognosen 2024)",
                       "Sweden, assumption (SCB, probably the 2024 projection)"),
    "national_series": ("Riket, utfall", "Sweden, observed"),
    "tfr_axis": ("Summerad fruktsamhet (barn per kvinna)", "TFR (children per woman)"),
    "muni_sentence": (
        "{name}s summerade fruktsamhet var {own} barn per kvinna {year}, {diff} {dir} än "
        "rikets antagande för samma år ({assumed}). SCB:s regionala prognoser utgår från det "
        "nationella antagandet och justerar nivån per kommun.",
        "{name}'s TFR was {own} children per woman in {year}, {diff} {dir} the national "
        "assumption for that year ({assumed}). SCB's regional projections start from the "
        "national assumption and adjust its level per municipality.",
    ),
    "lower": ("lägre", "below"),
    "higher": ("högre", "above"),
    "muni_gap": (
        "Det inbyggda antagandet börjar 2024 (äldre antaganden hämtas från SCB när appen är "
        "uppkopplad); före 2024 visas kommunen mot rikets utfall.",
        "The embedded assumption starts in 2024 (older assumptions are fetched from SCB when "
        "the app is online); before 2024 the municipality is shown against Sweden's outcome.",
    ),
    "muni_suppressed": ("SCB redovisar inte värdet för {years} (färre än 30 födda).",
                        "SCB does not publish the value for {years} (fewer than 30 births)."),
    "muni_no_assumption": (
        "{name} har inget år med både eget utfall och inbyggt antagande.",
        "{name} has no year with both its own outcome and an embedded assumption."),
    "error_title": ("Fel i antagna födda efter prognoshorisont, per prognos",
                    "Error in assumed births by horizon, per vintage"),
    "rel_error_axis": ("Fel (antagna − utfall), % av utfallet",
                       "Error (assumed − observed), % of observed"),
    "tfr_error_title": ("Antagen mot faktisk summerad fruktsamhet, riket",
                        "Assumed vs observed TFR, Sweden"),
    "tfr_error_note": (
        "Bara ett år har både inbyggt antagande och inbyggt utfall (2024, horisont 1); övriga "
        "år saknar utfall i de inbyggda data (2025 och senare hämtas online).",
        "Only one year has both an embedded assumption and an embedded outcome (2024, horizon "
        "1); the other years lack an embedded outcome (2025 onward is fetched online).",
    ),
    "ages_title": ("Vid vilka moderns åldrar uppstod felet?",
                   "At which mothers' ages did the error arise?"),
    "ages_choose": ("Prognos och år", "Vintage and year"),
    "ages_chart": ("Fel i födda efter moderns ålder: nivå och tidpunkt",
                   "Births error by mother's age: level and timing"),
    "level": ("Nivå (för många/få födda totalt)", "Level (too many/few births in total)"),
    "timing": ("Tidpunkt (födda i fel åldrar)", "Timing (births at the wrong ages)"),
    "part": ("Del av felet", "Part of the error"),
    "mother_age": ("Moderns ålder (uppnådd under året)", "Mother's age (reached during year)"),
    "births_error_axis": ("Fel, födda (antagna − utfall)", "Error, births (assumed − observed)"),
    "ages_sentence": (
        "Prognosen från {v} antog {p} födda {y} mot {o} i utfall (fel {e}). Om antagandet haft "
        "rätt åldersfördelning hade hela felet varit nivå; {s} födda lades i fel åldrar. "
        "Medelåldern för mödrarna var {mp} år i prognosen och {mo} år i utfallet.",
        "The {v} vintage assumed {p} births in {y} against {o} observed (error {e}). With the "
        "right age distribution the whole error would be level; {s} births were put at the "
        "wrong ages. The mean age of the mother was {mp} in the projection and {mo} observed.",
    ),
    "profile_title": ("Antagen och faktisk fruktsamhet efter ålder",
                      "Assumed and observed fertility by age"),
    "profile_year": ("År", "Year"),
    "profile_both_missing": (
        "Inget år har både antagna och faktiska fruktsamhetstal i de inbyggda data: antagandet "
        "finns för {a0}–{a1}, utfallet (från födda och folkmängd) för {o0}–{o1}. Diagrammet "
        "visar det som finns för {year}; resten hämtas från SCB när appen är uppkopplad.",
        "No year has both assumed and observed fertility rates in the embedded data: the "
        "assumption covers {a0}-{a1}, the outcome (from births and population) {o0}-{o1}. The "
        "chart shows what exists for {year}; the rest is fetched from SCB when online.",
    ),
    "profile_missing_one": ("{series} för {year} finns inte i de inbyggda data.",
                            "The {series} for {year} is not in the embedded data."),
    "series_assumed": ("Antagandet", "assumption"),
    "series_observed": ("Utfallet", "outcome"),
    "profile_latest": ("Visa även senaste utfallet ({year}) för att jämföra formen",
                       "Also show the latest outcome ({year}) to compare the shape"),
    "assumed": ("Antagande {year}", "Assumption {year}"),
    "observed_year": ("Utfall {year}", "Observed {year}"),
    "rate_axis": ("Fruktsamhetstal (födda per kvinna och år)",
                  "Fertility rate (births per woman-year)"),
    "groups_other_area": (
        "Utfall och SCB:s regionala prognos finns inbyggda för Luleå; för {name} jämför du med "
        "månadsuppladdningen nedan.",
        "Outcome and SCB's regional projection are embedded for Luleå; for {name} use the "
        "monthly upload below.",
    ),
    "drift_title": ("Grupper utanför toleransen", "Groups outside the tolerance"),
    "drift_none": ("Ingen grupp ligger utanför toleransen ({tol} %) och utanför CKM-bruset.",
                   "No group is outside the tolerance ({tol} %) and outside the CKM noise."),
    "flag_yes": ("⚠ utanför toleransen", "⚠ outside tolerance"),
    "flag_noise": ("inom CKM-brus", "within CKM noise"),
    "flag_ok": ("inom toleransen", "within tolerance"),
    "col_period_year": ("År (31 dec)", "Year (31 Dec)"),
    "col_period_month": ("Månad (månadens slut)", "Month (end of month)"),
    "col_forecast": ("Prognos (personer)", "Forecast (persons)"),
    "col_observed": ("Utfall (personer)", "Observed (persons)"),
    "col_dev": ("Avvikelse (personer)", "Deviation (persons)"),
    "col_rel": ("Avvikelse (%)", "Deviation (%)"),
    "col_ckm": ("CKM-brus ± (personer)", "CKM noise ± (persons)"),
    "col_flag": ("Bedömning", "Assessment"),
    "dev_over_time": ("Avvikelse över tid per planeringsgrupp (streckat: toleransen)",
                      "Deviation over time by planning group (dashed: the tolerance)"),
    "dev_axis": ("Avvikelse (utfall − prognos), % av prognosen",
                 "Deviation (observed − forecast), % of forecast"),
    "month_title": ("Månadsuppföljning: uppladdad folkmängd mot prognosen",
                    "Monthly follow-up: uploaded population against the forecast"),
    "month_help": (
        "Ladda upp folkmängden vid månadens slut som CSV med kolumnerna month,sex,age,population "
        "(month = ÅÅÅÅ-MM, sex = female/male, age = 0–99 eller 100+; båda könen och alla åldrar "
        "för varje månad). Prognosen är jämförelsen i sidomenyn ({cmp}), med månadsvärden "
        "interpolerade linjärt mellan två 31 december.",
        "Upload the end-of-month population as CSV with the columns month,sex,age,population "
        "(month = YYYY-MM, sex = female/male, age = 0-99 or 100+; both sexes and every age for "
        "each month). The forecast is the comparison in the sidebar ({cmp}), with monthly "
        "values interpolated linearly between two 31 Decembers.",
    ),
    "template": ("Ladda ner mall (CSV)", "Download template (CSV)"),
    "template_note": (
        "Mallen är ifylld med Luleås folkmängd 31 december 2025 (SCB, med CKM-brus) som månad "
        "2025-12; byt ut raderna mot era månadssiffror.",
        "The template is filled with Luleå's population on 31 December 2025 (SCB, with CKM "
        "noise) as month 2025-12; replace the rows with your monthly figures.",
    ),
    "upload": ("Månadsfolkmängd (CSV)", "Monthly population (CSV)"),
    "no_forecast": (
        "Ingen prognos att jämföra med: välj en jämförelse i sidomenyn (eller ladda upp en egen "
        "prognos på sidan Data).",
        "No forecast to compare with: choose a comparison in the sidebar (or upload an own "
        "forecast on the Data page).",
    ),
    "months_missing": ("Prognosen saknar 31 december året före för {months}; de månaderna "
                       "jämförs inte.",
                       "The forecast lacks 31 December of the year before for {months}; those "
                       "months are not compared."),
    "months_read": ("Inläst: {n} månader ({first}–{last}).",
                    "Read: {n} months ({first}-{last})."),
}


#: Column headers of the page's tables (sv, en).
COLUMNS: dict[str, tuple[str, str]] = {
    "projection_vintage": ("Prognosår", "Vintage"),
    "year": ("År", "Year"),
    "horizon_years": ("Horisont (år)", "Horizon (years)"),
    "projected_births": ("Antagna födda", "Assumed births"),
    "observed_births": ("Födda, utfall", "Observed births"),
    "error_births": ("Fel (antagna − utfall)", "Error (assumed − observed)"),
    "rel_error_pct": ("Fel (%)", "Error (%)"),
    "n_vintages": ("Antal prognoser", "Number of vintages"),
    "vintages": ("Prognoser", "Vintages"),
    "mape_pct": ("Medelabsolut fel (%)", "Mean absolute error (%)"),
    "mean_rel_error_pct": ("Medelfel med tecken (%)", "Mean signed error (%)"),
    "assumed_tfr": ("Antagen summerad fruktsamhet", "Assumed TFR"),
    "observed_tfr": ("Summerad fruktsamhet, utfall", "Observed TFR"),
    "error_tfr": ("Fel (antagen − utfall)", "Error (assumed − observed)"),
    "mother_age": ("Moderns ålder", "Mother's age"),
    "level_part_births": ("Varav nivå", "Of which level"),
    "timing_part_births": ("Varav tidpunkt", "Of which timing"),
}
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
    return out.rename(columns={c: (COLUMNS[c][0] if language == "sv" else COLUMNS[c][1])
                               for c in out.columns if c in COLUMNS})


def tx(key: str, language: Lang, **kwargs: object) -> str:
    sv, en = TEXT[key]
    text = sv if language == "sv" else en
    return text.format(**kwargs) if kwargs else text


@st.cache_data(show_spinner=False)
def _fertility_data() -> dict[str, pd.DataFrame]:
    projected, observed = fd.load_projected_births(), fd.load_observed_births()
    population = fd.load_observed_population()
    return {
        "projected": projected, "observed": observed,
        "errors": fu.births_error_by_horizon(projected, observed),
        "assumed_asfr": fd.load_assumed_asfr(), "assumed_tfr": fd.load_assumed_tfr(),
        "observed_asfr": fu.observed_asfr(observed, population),
        "observed_tfr": fd.load_observed_tfr(), "municipal_tfr": fd.load_municipal_tfr(),
    }


@st.cache_data(show_spinner=False)
def _template_csv() -> bytes:
    pop = fd.load_lulea_observed_population()
    pop = pop.loc[pop["year"] == 2025]
    out = pd.DataFrame({"month": "2025-12", "sex": pop["sex"].to_numpy(),
                        "age": [f"{a}+" if a == 100 else str(a) for a in pop["age"]],
                        "population": pop["population"].round().astype("int64").to_numpy()})
    return out.to_csv(index=False).encode("utf-8")


def _num(value: float, language: Lang, decimals: int = 0) -> str:
    return fmt_number(float(value), language, decimals)


lang = _common.lang()
area = str(st.session_state[_state.K_REGION])
_common.page_header(t("page_followup", lang), lang)
st.write(t("fu_intro", lang))
data = _fertility_data()

# ---- 1. the municipality's TFR against the national assumption --------------------------------
st.subheader(tx("muni_title", lang))
municipal = data["municipal_tfr"]
muni_names = municipal.drop_duplicates("region").set_index("region")["region_name"].sort_index()
if area in muni_names.index:
    municipality = area
    st.caption(tx("muni_follows", lang))
else:
    options = [c for c in muni_names.index if area == "00" or c.startswith(area)]
    options = options or list(muni_names.index)
    municipality = st.selectbox(
        tx("muni_choose", lang), options, key=f"fu_municipality_{area}",
        index=options.index(fu.OUTCOME_REGION) if fu.OUTCOME_REGION in options else 0,
        format_func=lambda c: f"{muni_names[c]} ({c})")
name = str(muni_names[municipality])
muni = fu.municipal_tfr_vs_assumption(municipal, data["assumed_tfr"], municipality,
                                      data["observed_tfr"])
muni = muni.loc[muni["year"] <= int(municipal["year"].max()) + 5]
labels = {"municipal": tx("muni_series", lang, name=name),
          "assumed": tx("assumed_series", lang), "national": tx("national_series", lang),
          "year": t("year", lang), "tfr": tx("tfr_axis", lang),
          "title": f"{name}: {tx('muni_title', lang).lower()}"}
_common.show_chart(fc.municipal_tfr_chart(muni, labels, lang), labels["title"])
both = muni.dropna(subset=["municipal_tfr", "national_assumed_tfr"])
if both.empty:
    st.info(tx("muni_no_assumption", lang, name=name))
else:
    last = both.iloc[-1]
    diff = float(last["difference_tfr"])
    st.markdown(tx("muni_sentence", lang, name=name, own=_num(last["municipal_tfr"], lang, 2),
                   year=int(last["year"]), diff=_num(abs(diff), lang, 2),
                   dir=tx("lower" if diff < 0 else "higher", lang),
                   assumed=_num(last["national_assumed_tfr"], lang, 2)))
st.caption(tx("muni_gap", lang))
suppressed = muni.loc[muni["status"] == fu.SUPPRESSED, "year"].tolist()
if suppressed:
    st.caption(tx("muni_suppressed", lang, years=", ".join(str(y) for y in suppressed)))
with st.expander(t("chart_table", lang)):
    shown = muni.loc[muni["municipal_tfr"].notna() | muni["national_assumed_tfr"].notna(),
                     ["year", "municipal_tfr", "national_assumed_tfr", "difference_tfr",
                      "national_observed_tfr"]]
    shown = _common.formatted(shown, lang, {c: 3 for c in shown.columns}).rename(columns={
        "year": t("year", lang), "municipal_tfr": labels["municipal"],
        "national_assumed_tfr": labels["assumed"],
        "difference_tfr": "Skillnad" if lang == "sv" else "Difference",
        "national_observed_tfr": labels["national"]})
    st.dataframe(shown, hide_index=True)

# ---- 2. national births: paths, errors by horizon, MAPE ----------------------------------------
paths, errors = _state.followup_births()
paths = paths.loc[paths["year"] >= 2010].assign(
    series=lambda f: f["series"].str.replace("vintage", "prognos" if lang == "sv" else "vintage")
    .str.replace("observed", t("observed", lang)))
_common.show_chart(fc.fit_width(_charts.births_paths_chart(paths, lang)),
                   t("fu_births_title", lang))
st.caption(
    f"Utfall till och med {fd.LAST_OBSERVED_BIRTHS_YEAR} finns inbyggt; senare år hämtas från SCB "
    "när appen är uppkopplad." if lang == "sv" else
    f"Outcomes up to {fd.LAST_OBSERVED_BIRTHS_YEAR} are embedded; later years are fetched from "
    "SCB when the app is online.")
observed_rows = errors.loc[errors["status"] == fu.STATUS_OK]
latest = observed_rows.loc[observed_rows.groupby("projection_vintage")["horizon_years"].idxmax()]
for line in fu.births_summaries(latest, lang):
    st.markdown(f"- {line}")
with st.expander(t("chart_table", lang)):
    wide = paths.pivot_table(index="year", columns="series", values="births", sort=False)
    st.dataframe(_common.formatted(wide.reset_index(), lang), hide_index=True)

left, right = st.columns(2)
with left:
    err_labels = {"horizon": t("horizon_years", lang), "value": tx("rel_error_axis", lang),
                  "vintage": t("vintage", lang), "year": t("year", lang),
                  "title": tx("error_title", lang)}
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
st.markdown(f"**{tx('tfr_error_title', lang)}**")
tfr_ok = tfr_errors.loc[tfr_errors["status"] == fu.STATUS_OK,
                        ["projection_vintage", "year", "horizon_years", "assumed_tfr",
                         "observed_tfr", "error_tfr"]]
st.dataframe(table(tfr_ok, lang, {"assumed_tfr": 3, "observed_tfr": 3,
                                              "error_tfr": 3}), hide_index=True)
st.caption(tx("tfr_error_note", lang))

# ---- 3. which mothers' ages the errors come from -----------------------------------------------
st.subheader(tx("ages_title", lang))
pairs = [(int(v), int(y)) for v, y in observed_rows[["projection_vintage", "year"]]
         .itertuples(index=False)]
pair = st.selectbox(tx("ages_choose", lang), pairs, index=pairs.index((2021, 2024))
                    if (2021, 2024) in pairs else len(pairs) - 1, key="fu_vintage_year",
                    format_func=lambda p: (f"prognos {p[0]}, år {p[1]}" if lang == "sv"
                                           else f"vintage {p[0]}, year {p[1]}"))
decomposition = fu.births_error_by_mother_age(data["projected"], data["observed"], *pair)
age_labels = {"level": tx("level", lang), "timing": tx("timing", lang),
              "age": tx("mother_age", lang), "births": tx("births_error_axis", lang),
              "part": tx("part", lang), "title": f"{tx('ages_chart', lang)} ({pair[0]}, {pair[1]})"}
_common.show_chart(fc.mother_age_error_chart(decomposition, age_labels, lang),
                   age_labels["title"])
row = observed_rows.loc[(observed_rows["projection_vintage"] == pair[0])
                        & (observed_rows["year"] == pair[1])].iloc[0]
st.markdown(tx("ages_sentence", lang, v=pair[0], y=pair[1],
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
st.subheader(tx("profile_title", lang))
assumed_years = sorted(int(y) for y in data["assumed_asfr"]["year"].unique())
observed_years = sorted(int(y) for y in data["observed_asfr"]["year"].unique())
year_options = sorted(set(assumed_years) | set(observed_years), reverse=True)
profile_year = st.selectbox(tx("profile_year", lang), year_options,
                            index=year_options.index(assumed_years[0]), key="fu_profile_year")
profile = fu.fertility_age_profile(data["assumed_asfr"], data["observed_asfr"],
                                   int(profile_year))
names = {"assumed": tx("assumed", lang, year=profile_year),
         "observed": tx("observed_year", lang, year=profile_year)}
if not set(assumed_years) & set(observed_years):
    st.warning(tx("profile_both_missing", lang, a0=assumed_years[0], a1=assumed_years[-1],
                  o0=observed_years[0], o1=observed_years[-1], year=profile_year))
for series in ("assumed", "observed"):
    if profile.loc[profile["series"] == series, "fert_rate"].isna().all():
        st.caption(tx("profile_missing_one", lang, series=tx(f"series_{series}", lang),
                      year=profile_year))
profile = profile.assign(series=profile["series"].map(names))
latest_observed = observed_years[-1]
if int(profile_year) != latest_observed and st.checkbox(
        tx("profile_latest", lang, year=latest_observed), value=True, key="fu_profile_latest"):
    extra = data["observed_asfr"].loc[data["observed_asfr"]["year"] == latest_observed]
    profile = pd.concat([profile, extra.assign(
        series=tx("observed_year", lang, year=latest_observed))[
        ["mother_age", "series", "fert_rate"]]], ignore_index=True)
prof_labels = {"age": tx("mother_age", lang), "rate": tx("rate_axis", lang),
               "title": f"{tx('profile_title', lang)}, {t('year', lang).lower()} {profile_year}"}
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
    assessment = [tx("flag_yes", language) if f else
                  (tx("flag_noise", language) if n and b > 0 else tx("flag_ok", language))
                  for f, n, b in zip(rows["flag"], rows["within_ckm_noise"],
                                     rows["ckm_noise_bound_persons"], strict=True)]
    shown = pd.DataFrame({
        tx(f"col_period_{period}", language): rows[period].astype(str).to_numpy(),
        t("age_group", language): rows["age_group"].to_numpy(),
        tx("col_forecast", language): [_num(v, language) for v in rows["forecast_pop_count"]],
        tx("col_observed", language): [_num(v, language) for v in rows["observed_pop_count"]],
        tx("col_dev", language): [fmt_number(float(v), language, 0, sign=True)
                                  for v in rows["deviation_persons"]],
        tx("col_rel", language): [fmt_number(float(v), language, 1, sign=True)
                                  for v in rows["rel_deviation_pct"]],
        tx("col_ckm", language): [_num(v, language) for v in rows["ckm_noise_bound_persons"]],
        tx("col_flag", language): assessment,
    })
    return shown


def _show_drift(comparison: pd.DataFrame, period: str, tolerance: float,
                language: Lang) -> None:
    table = _drift_table(comparison, period, language)
    flagged = table.loc[table[tx("col_flag", language)] == tx("flag_yes", language)]
    st.markdown(f"**{tx('drift_title', language)}**")
    if flagged.empty:
        st.success(tx("drift_none", language, tol=_num(tolerance, language, 1)))
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
    st.caption(tx("groups_other_area", lang, name=area_names.get(area, area)))
_show_drift(comparison, "year", float(tolerance), lang)

# ---- 6. monthly follow-up (upload) -------------------------------------------------------------
st.subheader(tx("month_title", lang))
choice = st.session_state.get(_state.K_COMPARISON, _state.NO_COMPARISON)
forecast_long, _label = _state.comparison_long(choice, area)
cmp_text = _common.comparison_label(choice, lang)
st.write(tx("month_help", lang, cmp=cmp_text))
st.download_button(tx("template", lang), _template_csv(), file_name="mall_manadsbefolkning.csv"
                   if lang == "sv" else "monthly_population_template.csv", mime="text/csv",
                   key="fu_template")
st.caption(tx("template_note", lang))
upload = st.file_uploader(tx("upload", lang), type=["csv", "txt"], key="fu_monthly_upload")
if upload is not None:
    monthly: pd.DataFrame | None
    try:
        monthly = fd.read_monthly_population(io.BytesIO(upload.getvalue()), name=upload.name)
    except InputValidationError as exc:
        st.error(t("error_file", lang, msg=str(exc)))
        monthly = None
    if monthly is not None:
        months = sorted(monthly["month"].unique())
        st.caption(tx("months_read", lang, n=len(months), first=months[0], last=months[-1]))
        if forecast_long is None:
            st.warning(tx("no_forecast", lang))
        else:
            pop = forecast_long.loc[forecast_long["variable"] == "population"]
            if "scenario" in pop.columns:
                pop = pop.loc[pop["scenario"] == pop["scenario"].iloc[0]]
            yearly = pop.rename(columns={"value": "population"})[
                ["year", "sex", "age", "population"]]
            at_months = fu.forecast_at_months(yearly, months)
            missing = at_months.attrs["months_without_forecast"]
            if missing:
                st.warning(tx("months_missing", lang, months=", ".join(missing)))
            try:
                monthly_cmp = fu.compare_by_age_group(at_months, monthly, period="month",
                                                      tolerance_pct=float(tolerance))
            except InputValidationError as exc:
                st.error(t("error_file", lang, msg=str(exc)))
            else:
                monthly_cmp = monthly_cmp.loc[monthly_cmp["month"].isin(months)
                                              & ~monthly_cmp["month"].isin(missing)]
                if monthly_cmp.empty:
                    st.warning(tx("months_missing", lang, months=", ".join(months)))
                else:
                    totals = monthly_cmp.loc[monthly_cmp["sex"] == "total"]
                    mlabels = {"period": tx("col_period_month", lang),
                               "value": tx("dev_axis", lang), "group": t("age_group", lang),
                               "title": tx("dev_over_time", lang),
                               "persons": tx("col_dev", lang), "flag": tx("col_flag", lang)}
                    _common.show_chart(fc.deviation_over_time_chart(
                        totals, "month", float(tolerance), mlabels, lang), mlabels["title"])
                    _show_drift(monthly_cmp, "month", float(tolerance), lang)
