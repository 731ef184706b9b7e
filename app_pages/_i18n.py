"""User-facing strings in Swedish (default) and English, and number formatting per language.

Swedish uses SCB's terms (folkmängd, födda, döda, inflyttade, utflyttade, invandrade,
utvandrade, summerad fruktsamhet, medellivslängd). Swedish numbers have a (non-breaking) space
as thousands separator and a decimal comma; years are never grouped. Pure module: no
Streamlit import, so the formatting helpers are testable on their own.
"""

from __future__ import annotations

import math
from typing import Final, Literal

Lang = Literal["sv", "en"]
LANGS: Final = ("sv", "en")
#: Non-breaking space: the Swedish thousands separator (keeps "12 345" on one line).
NBSP: Final = "\u00a0"

STRINGS: Final[dict[str, tuple[str, str]]] = {
    # navigation and sidebar
    "app_title": ("Befolkningskalkylatorn", "Population calculator"),
    "page_scenario": ("Scenario", "Scenario"),
    "page_budget": ("Servicebehov och kostnader", "Service needs and costs"),
    "page_followup": ("Uppföljning", "Follow-up"),
    "page_data": ("Om data", "About the data"),
    "language": ("Språk / Language", "Språk / Language"),
    "area": ("Område", "Area"),
    "comparison": ("Jämför med", "Compare with"),
    "cmp_none": ("Ingen jämförelse", "No comparison"),
    "cmp_own": ("Egen prognos (uppladdad)", "Own forecast (uploaded)"),
    "cmp_missing": (
        "Ingen officiell prognos finns inbyggd för detta område. Välj Luleå eller Riket, ladda "
        "upp en egen prognos under Om data, eller hämta från SCB när appen är uppkopplad.",
        "No official forecast is embedded for this area. Choose Luleå or Sweden, upload an own "
        "forecast under About the data, or fetch from SCB when the app is online.",
    ),
    "conventions": (
        "Folkmängd avser 31 december; födda, döda och flyttningar avser hela kalenderåret; "
        "ålder = ålder vid årets slut (uppnådd ålder under året).",
        "Population is at 31 December; births, deaths and migrations are per calendar year; "
        "age = age at the end of the year (age reached during the year).",
    ),
    "vintage_line": (
        "Data: {name} ({region}), SCB. Basår {base_year} (31 dec). Jämförelse: {cmp}.",
        "Data: {name} ({region}), SCB. Base year {base_year} (31 Dec). Comparison: {cmp}.",
    ),
    "baseline_line": ("Utgångsläge för scenariot: {desc}", "Scenario baseline: {desc}"),
    "baseline_official_exact": (
        "Utan ändringar ger scenariot exakt SCB:s prognos.",
        "Without changes the scenario gives exactly SCB's forecast.",
    ),
    "baseline_trend_note": (
        "SCB:s prognos finns inte som modellindata för detta område, så scenariot utgår från "
        "en trendframskrivning av SCB:s utfall (linjen ”Utgångsläge”). Jämförelsen visar "
        "skillnaden mot SCB:s publicerade prognos.",
        "SCB's forecast is not available as model inputs for this area, so the scenario starts "
        "from a trend projection of SCB's observed figures (the line \"Baseline\"). The "
        "comparison shows the difference from SCB's published forecast.",
    ),
    # controls
    "controls": ("Scenarioantaganden", "Scenario assumptions"),
    "scenario_name": ("Scenarionamn", "Scenario name"),
    "fertility": ("Fruktsamhet", "Fertility"),
    "mortality": ("Dödlighet", "Mortality"),
    "migration": ("Flyttningar", "Migration"),
    "horizon": ("Sista prognosår", "Last projection year"),
    "official_value": ("Utgångsläge: {value}", "Baseline: {value}"),
    "official_count": (
        "Utgångsläge: {value} {unit} ({year}); scenario: {scen}",
        "Baseline: {value} {unit} ({year}); scenario: {scen}",
    ),
    "reset": ("Återställ till utgångsläget", "Reset to baseline"),
    "save_scenario": ("Spara som jämförelsescenario", "Save as comparison scenario"),
    "saved_scenarios": ("Sparade scenarier", "Saved scenarios"),
    "remove": ("Ta bort", "Remove"),
    "saved_unreadable": (
        "Sparade scenarier som inte längre kan läsas och därför inte visas: {names}",
        "Saved scenarios that can no longer be read and are therefore not shown: {names}",
    ),
    "upload_toml": ("Ladda upp scenario (TOML)", "Upload scenario (TOML)"),
    "upload_ok": ("Scenariot {name} är inläst.", "Scenario {name} loaded."),
    "share_link": (
        "Länk till scenariot: adressraden innehåller scenariots avvikelser; kopiera den.",
        "Link to this scenario: the address bar holds the scenario's deviations; copy it.",
    ),
    "url_error": ("Länken kunde inte läsas: {msg}", "The link could not be read: {msg}"),
    # views
    "key_figures": ("Nyckeltal", "Key figures"),
    "key_year": ("År för nyckeltal och pyramid", "Year for key figures and pyramid"),
    "pop_in_years": ("Folkmängd {year} (om {n} år)", "Population {year} (in {n} years)"),
    "pop_year": ("Folkmängd {year}", "Population {year}"),
    "children_1_5": ("Barn 1–5 år {year}", "Children 1–5 years {year}"),
    "children_6_15": ("Barn 6–15 år {year}", "Children 6–15 years {year}"),
    "aged_80": ("80 år och äldre {year}", "80 years and over {year}"),
    "dep_ratio": ("Försörjningskvot {year}", "Dependency ratio {year}"),
    "vs_official": ("mot jämförelsen", "vs comparison"),
    "total_pop_title": ("Folkmängd 31 december", "Population 31 December"),
    "diff_title": ("Skillnad mot jämförelsen", "Difference from the comparison"),
    "groups_title": ("Planeringsgrupper (ålder vid årets slut)", "Planning age groups (age at year end)"),
    "pyramid_title": ("Befolkningspyramid {year}", "Population pyramid {year}"),
    "pyramid_note": (
        "Staplar: valt scenario. Svart kontur: jämförelsen.",
        "Bars: selected scenario. Black outline: the comparison.",
    ),
    "components_title": ("Befolkningsförändringar per år", "Components of change per year"),
    "table_title": ("Jämförelse per åldersgrupp och år", "Comparison by age group and year"),
    "chart_table": ("Tabell (textalternativ till diagrammet)", "Table (text alternative to the chart)"),
    "downloads": ("Ladda ner", "Download"),
    "dl_xlsx": ("Arbetsbok (.xlsx)", "Workbook (.xlsx)"),
    "dl_csv_sv": ("CSV för svenskt Excel", "CSV for Swedish Excel"),
    "dl_csv": ("CSV maskinläsbar", "CSV machine-readable"),
    "dl_toml": ("Scenariofil (.toml)", "Scenario file (.toml)"),
    # series / variables
    "official": ("Jämförelse", "Comparison"),
    "baseline": ("Utgångsläge", "Baseline"),
    "population": ("Folkmängd", "Population"),
    "births": ("Födda", "Births"),
    "deaths": ("Döda", "Deaths"),
    "immigrants": ("Invandrade", "Immigrants"),
    "emigrants": ("Utvandrade", "Emigrants"),
    "in_migrants": ("Inflyttade", "In-migrants (domestic)"),
    "out_migrants": ("Utflyttade", "Out-migrants (domestic)"),
    "net_migration": ("Flyttnetto", "Net migration"),
    "tfr": ("Summerad fruktsamhet", "Total fertility rate"),
    "e0": ("Medellivslängd", "Life expectancy at birth"),
    "female": ("Kvinnor", "Women"),
    "male": ("Män", "Men"),
    "year": ("År", "Year"),
    "age": ("Ålder", "Age"),
    "age_group": ("Åldersgrupp", "Age group"),
    "series": ("Serie", "Series"),
    "persons": ("personer", "persons"),
    "persons_per_year": ("personer per år", "persons per year"),
    "component": ("Komponent", "Component"),
    "scenario_col": ("Scenario", "Scenario"),
    "difference": ("Skillnad", "Difference"),
    "difference_pct": ("Skillnad, %", "Difference, %"),
    "value": ("Värde", "Value"),
    # budget page
    "budget_intro": (
        "Platser = folkmängd i åldersgruppen 31 dec × täckningsgrad; kostnad = platser × "
        "kostnad per plats och år ({price_year} års priser). Täckningsgrader och kostnader är "
        "redigerbara EXEMPEL, inte officiella uppgifter: ersätt dem med egna.",
        "Places = population of the age group at 31 Dec × coverage; cost = places × cost per "
        "place and year ({price_year} prices). Coverage rates and costs are editable EXAMPLES, "
        "not official figures: replace them with your own.",
    ),
    "service": ("Verksamhet", "Service"),
    "coverage": ("Täckningsgrad", "Coverage rate"),
    "cost_per_place": ("Kostnad per plats och år (kr)", "Cost per place and year (SEK)"),
    "places": ("Platser (behov)", "Places needed"),
    "cost_msek": ("Kostnad (mnkr)", "Cost (SEK million)"),
    "budget_places_title": ("Platsbehov per verksamhet", "Places needed by service"),
    "budget_cost_title": ("Kostnad per år, mnkr", "Cost per year, SEK million"),
    "budget_summary": (
        "Scenariot mot jämförelsen om 5, 10 och 20 år",
        "The scenario against the comparison in 5, 10 and 20 years",
    ),
    "places_diff": ("Skillnad i platser", "Difference in places"),
    "cost_diff": ("Skillnad i kostnad (mnkr)", "Difference in cost (SEK million)"),
    "budget_error": ("Tabellen kunde inte användas: {msg}", "The table could not be used: {msg}"),
    # data page
    "data_intro": (
        "Appen fungerar utan uppkoppling på inbyggda siffror från SCB (CC0).",
        "The app works offline on embedded SCB figures (CC0).",
    ),
    "ckm_note": (
        "Från referensår 2025 lägger SCB till slumpmässigt brus (Cell Key Method) i varje "
        "publicerad cell: summan av ettårsklasser är inte längre exakt lika med totalen. "
        "Därför används 2024 som basår; 2025 års siffror visas som utfall i uppföljningen.",
        "From reference year 2025 SCB adds random noise (Cell Key Method) to every published "
        "cell: single ages no longer add up exactly to the total. That is why 2024 is the base "
        "year; the 2025 figures appear as outcomes in the follow-up.",
    ),
    "official_forecasts": ("Inbyggda officiella prognoser", "Embedded official forecasts"),
    "own_forecast_upload": (
        "Ladda upp egen prognos (CSV eller .xlsx: year,sex,age,population)",
        "Upload own forecast (CSV or .xlsx: year,sex,age,population)",
    ),
    "own_forecast_ok": (
        "Egen prognos inläst: {rows} rader, {first}–{last}. Den är nu vald under ”Jämför med”.",
        "Own forecast loaded: {rows} rows, {first}–{last}. It is now chosen under \"Compare "
        "with\".",
    ),
    "template_upload": (
        "Egna indata: en .xlsx med bladen population, fertility, mortality, migration "
        "(och settings), eller filerna population.csv, fertility.csv, mortality.csv, "
        "migration.csv och settings.toml (som `calculator template` skriver)",
        "Own inputs: one .xlsx with sheets population, fertility, mortality, migration (and "
        "settings), or the files population.csv, fertility.csv, mortality.csv, migration.csv "
        "and settings.toml (as written by `calculator template`)",
    ),
    "template_ok": (
        "Indata lästa: basår {base_year}, {regions}. Projektionen till {end_year} gav "
        "folkmängden {pop} år {end_year}.",
        "Inputs read: base year {base_year}, {regions}. The projection to {end_year} gave a "
        "population of {pop} in {end_year}.",
    ),
    "uploaded_files": ("de uppladdade filerna", "the uploaded files"),
    "fetch_title": ("Hämta från SCB (PxWebApi 2.0)", "Fetch from SCB (PxWebApi 2.0)"),
    "fetch_button": ("Hämta kommunen från SCB", "Fetch the municipality from SCB"),
    "components_no_official": (
        "Jämförelsen publicerar inga komponenter (födda, döda, flyttnetto) för området; bara "
        "scenariernas visas.",
        "The comparison publishes no components (births, deaths, net migration) for this area; "
        "only the scenarios' are shown.",
    ),
    "age_group_edit": ("Åldersgrupp (t.ex. 1-5, 80+)", "Age group (e.g. 1-5, 80+)"),
    "fetch_sidebar": ("Hämta en kommun från SCB", "Fetch a municipality from SCB"),
    "fetch_pick": ("Kommun", "Municipality"),
    "fetch_online": ("Hämta från SCB", "Fetch from SCB"),
    "fetched_from_scb": ("hämtad från SCB", "fetched from SCB"),
    "fetch_error": (
        "Kommunen kunde inte hämtas från SCB ({msg}). Appen fortsätter med de inbyggda "
        "siffrorna.",
        "The municipality could not be fetched from SCB ({msg}). The app keeps working on the "
        "embedded figures.",
    ),
    "fetch_area_ok": (
        "{name} är hämtad från SCB och vald som område (trendframskrivning av SCB:s utfall, "
        "jämförd med SCB:s regionala framskrivning när den finns).",
        "{name} was fetched from SCB and is selected as the area (trend projection of SCB's "
        "observed figures, compared with SCB's regional projection where published).",
    ),
    "cmp_online": (
        "SCB:s regionala befolkningsframskrivning{vintage} (hämtad)",
        "SCB regional projection{vintage} (fetched)",
    ),
    "fetch_municipality": ("Kommunkod (4 siffror)", "Municipality code (4 digits)"),
    "fetching": ("Hämtar från SCB …", "Fetching from SCB …"),
    "fetch_failed": (
        "SCB kunde inte nås ({msg}). Appen fortsätter med de inbyggda siffrorna.",
        "SCB could not be reached ({msg}). The app keeps working on the embedded figures.",
    ),
    "fetch_data_note": (
        "Med uppkoppling kan vilken som helst av landets 290 kommuner hämtas från SCB "
        "(folkmängd, födda, döda, flyttningar och SCB:s regionala framskrivning). Kommunen blir "
        "ett eget område med en trendframskrivning som utgångsläge.",
        "When online, any of Sweden's 290 municipalities can be fetched from SCB (population, "
        "births, deaths, migration and SCB's regional projection). It becomes an area of its "
        "own with a trend projection as the baseline.",
    ),
    "official_source_note": (
        "Källa: SCB, Befolkningsframskrivningar (BE0401), CC0. Tabell-id och innehållskoder står "
        "i kolumnen content_codes; se calculator/data/PROVENANCE.md och "
        "calculator/data/embedded_official/PROVENANCE.md.",
        "Source: SCB, population projections (BE0401), CC0. Table ids and content codes are in "
        "the column content_codes; see calculator/data/PROVENANCE.md and "
        "calculator/data/embedded_official/PROVENANCE.md.",
    ),
    "baseline_kind_official": ("SCB:s prognos", "SCB forecast"),
    "baseline_kind_trend": ("Trend", "Trend"),
    "migration_levels_fixed": (
        "Utgångsläget har bara flyttnetto och de inbyggda uppgifterna saknar in- och "
        "utflyttningar för området, så flyttningarnas nivåer kan inte ändras här.",
        "The baseline has net migration only and the embedded data have no migration flows "
        "for this area, so the levels of the flows cannot be changed here.",
    ),
    "error_file": ("Filen kunde inte läsas: {msg}", "The file could not be read: {msg}"),
    # follow-up page
    "fu_intro": (
        "Uppföljning av SCB:s antaganden om fruktsamhet och av utfallet mot prognosen per "
        "planeringsgrupp. Där inbyggda utfall saknas står det; inga siffror hittas på.",
        "Follow-up of SCB's fertility assumptions and of the outcome against the forecast by "
        "planning age group. Where embedded outcomes are missing, it says so; no numbers are "
        "invented.",
    ),
    "fu_births_title": ("Antagna och faktiska födda, riket", "Assumed and actual births, Sweden"),
    "fu_mape_title": (
        "Medelabsolut procentfel i födda efter prognoshorisont",
        "Mean absolute percentage error in births by horizon",
    ),
    "fu_groups_title": (
        "Luleå: utfall mot SCB:s regionala prognos per planeringsgrupp",
        "Luleå: outcome vs SCB's regional projection by planning age group",
    ),
    "fu_tolerance": ("Tolerans, %", "Tolerance, %"),
    # follow-up page (app_pages/followup.py)
    "fu_muni_title": (
        "Kommunens fruktsamhet mot rikets antagande",
        "The municipality's fertility against the national assumption",
    ),
    "fu_muni_follows": (
        "Kommunen följer området i sidomenyn.",
        "The municipality follows the area in the sidebar.",
    ),
    "fu_muni_choose": (
        "Kommun (området i sidomenyn är inte en kommun)",
        "Municipality (the area in the sidebar is not a municipality)",
    ),
    "fu_muni_series": (
        "{name}, summerad fruktsamhet (SCB TAB4805)",
        "{name}, TFR (SCB TAB4805)",
    ),
    "fu_assumed_series": (
        "Riket, antagande (SCB, troligen prognosen 2024)",
        "Sweden, assumption (SCB, probably the 2024 projection)",
    ),
    "fu_national_series": (
        "Riket, utfall",
        "Sweden, observed",
    ),
    "fu_tfr_axis": (
        "Summerad fruktsamhet (barn per kvinna)",
        "TFR (children per woman)",
    ),
    "fu_muni_sentence": (
        "{name}s summerade fruktsamhet var {own} barn per kvinna {year}, {diff} {dir} än rikets "
        "antagande för samma år ({assumed}). SCB:s regionala prognoser utgår från det "
        "nationella antagandet och justerar nivån per kommun.",
        "{name}'s TFR was {own} children per woman in {year}, {diff} {dir} the national "
        "assumption for that year ({assumed}). SCB's regional projections start from the "
        "national assumption and adjust its level per municipality.",
    ),
    "fu_lower": (
        "lägre",
        "below",
    ),
    "fu_higher": (
        "högre",
        "above",
    ),
    "fu_muni_gap": (
        "Det inbyggda antagandet börjar 2024; äldre antaganden finns inte inbyggda och hämtas "
        "inte av appen. Före 2024 visas kommunen mot rikets utfall.",
        "The embedded assumption starts in 2024; older assumptions are not embedded and the app "
        "does not fetch them. Before 2024 the municipality is shown against Sweden's outcome.",
    ),
    "fu_muni_suppressed": (
        "SCB redovisar inte värdet för {years} (färre än 30 födda).",
        "SCB does not publish the value for {years} (fewer than 30 births).",
    ),
    "fu_muni_no_assumption": (
        "{name} har inget år med både eget utfall och inbyggt antagande.",
        "{name} has no year with both its own outcome and an embedded assumption.",
    ),
    "fu_error_title": (
        "Fel i antagna födda efter prognoshorisont, per prognos",
        "Error in assumed births by horizon, per vintage",
    ),
    "fu_rel_error_axis": (
        "Fel (antagna − utfall), % av utfallet",
        "Error (assumed − observed), % of observed",
    ),
    "fu_tfr_error_title": (
        "Antagen mot faktisk summerad fruktsamhet, riket",
        "Assumed vs observed TFR, Sweden",
    ),
    "fu_tfr_error_note": (
        "Bara ett år har både inbyggt antagande och utfall (2024, horisont 1). Rikets summerade "
        "fruktsamhet för 2021, 2023 och 2025 och senare finns inte inbyggd och hämtas inte "
        "(hämtningen överst gäller födda i riket och kommunens summerade fruktsamhet).",
        "Only one year has both an embedded assumption and an outcome (2024, horizon 1). "
        "Sweden's TFR for 2021, 2023 and 2025 onward is not embedded and not fetched (the fetch "
        "at the top covers Sweden's births and the municipality's TFR).",
    ),
    "fu_ages_title": (
        "Vid vilka moderns åldrar uppstod felet?",
        "At which mothers' ages did the error arise?",
    ),
    "fu_ages_choose": (
        "Prognos och år",
        "Vintage and year",
    ),
    "fu_ages_chart": (
        "Fel i födda efter moderns ålder: nivå och tidpunkt",
        "Births error by mother's age: level and timing",
    ),
    "fu_level": (
        "Nivå (för många/få födda totalt)",
        "Level (too many/few births in total)",
    ),
    "fu_timing": (
        "Tidpunkt (födda i fel åldrar)",
        "Timing (births at the wrong ages)",
    ),
    "fu_part": (
        "Del av felet",
        "Part of the error",
    ),
    "fu_mother_age": (
        "Moderns ålder (uppnådd under året)",
        "Mother's age (reached during year)",
    ),
    "fu_births_error_axis": (
        "Fel, födda (antagna − utfall)",
        "Error, births (assumed − observed)",
    ),
    "fu_ages_sentence": (
        "Prognosen från {v} antog {p} födda {y} mot {o} i utfall (fel {e}). Om antagandet haft "
        "rätt åldersfördelning hade hela felet varit nivå; {s} födda lades i fel åldrar. "
        "Medelåldern för mödrarna var {mp} år i prognosen och {mo} år i utfallet.",
        "The {v} vintage assumed {p} births in {y} against {o} observed (error {e}). With the "
        "right age distribution the whole error would be level; {s} births were put at the "
        "wrong ages. The mean age of the mother was {mp} in the projection and {mo} observed.",
    ),
    "fu_profile_title": (
        "Antagen och faktisk fruktsamhet efter ålder",
        "Assumed and observed fertility by age",
    ),
    "fu_profile_year": (
        "År",
        "Year",
    ),
    "fu_profile_both_missing": (
        "Inget år har både antagna och faktiska fruktsamhetstal i de inbyggda data: antagandet "
        "finns för {a0}–{a1}, utfallet (från födda och folkmängd) för {o0}–{o1}. Diagrammet "
        "visar det som finns för {year}. Utfallet efter {o1} kräver rikets folkmängd efter "
        "ålder, som inte finns inbyggd för de åren och inte hämtas.",
        "No year has both assumed and observed fertility rates in the embedded data: the "
        "assumption covers {a0}-{a1}, the outcome (from births and population) {o0}-{o1}. The "
        "chart shows what exists for {year}. The outcome after {o1} needs Sweden's population "
        "by age, which is not embedded for those years and not fetched.",
    ),
    "fu_profile_missing_one": (
        "{series} för {year} finns inte i de inbyggda data.",
        "The {series} for {year} is not in the embedded data.",
    ),
    "fu_series_assumed": (
        "Antagandet",
        "assumption",
    ),
    "fu_series_observed": (
        "Utfallet",
        "outcome",
    ),
    "fu_profile_latest": (
        "Visa även senaste utfallet ({year}) för att jämföra formen",
        "Also show the latest outcome ({year}) to compare the shape",
    ),
    "fu_assumed": (
        "Antagande {year}",
        "Assumption {year}",
    ),
    "fu_observed_year": (
        "Utfall {year}",
        "Observed {year}",
    ),
    "fu_rate_axis": (
        "Fruktsamhetstal (födda per kvinna och år)",
        "Fertility rate (births per woman-year)",
    ),
    "fu_groups_other_area": (
        "Utfall och SCB:s regionala prognos finns inbyggda för Luleå; för {name} jämför du med "
        "månadsuppladdningen nedan.",
        "Outcome and SCB's regional projection are embedded for Luleå; for {name} use the "
        "monthly upload below.",
    ),
    "fu_drift_title": (
        "Grupper utanför toleransen",
        "Groups outside the tolerance",
    ),
    "fu_drift_none": (
        "Ingen grupp ligger utanför toleransen ({tol} %) och utanför CKM-bruset.",
        "No group is outside the tolerance ({tol} %) and outside the CKM noise.",
    ),
    "fu_flag_yes": (
        "⚠ utanför toleransen",
        "⚠ outside tolerance",
    ),
    "fu_flag_noise": (
        "inom CKM-brus",
        "within CKM noise",
    ),
    "fu_flag_ok": (
        "inom toleransen",
        "within tolerance",
    ),
    "fu_col_period_year": (
        "År (31 dec)",
        "Year (31 Dec)",
    ),
    "fu_col_period_month": (
        "Månad (månadens slut)",
        "Month (end of month)",
    ),
    "fu_col_forecast": (
        "Prognos (personer)",
        "Forecast (persons)",
    ),
    "fu_col_observed": (
        "Utfall (personer)",
        "Observed (persons)",
    ),
    "fu_col_dev": (
        "Avvikelse (personer)",
        "Deviation (persons)",
    ),
    "fu_col_rel": (
        "Avvikelse (%)",
        "Deviation (%)",
    ),
    "fu_col_ckm": (
        "CKM-brus ± (personer)",
        "CKM noise ± (persons)",
    ),
    "fu_col_flag": (
        "Bedömning",
        "Assessment",
    ),
    "fu_dev_over_time": (
        "Avvikelse över tid per planeringsgrupp (streckat: toleransen)",
        "Deviation over time by planning group (dashed: the tolerance)",
    ),
    "fu_dev_axis": (
        "Avvikelse (utfall − prognos), % av prognosen",
        "Deviation (observed − forecast), % of forecast",
    ),
    "fu_month_title": (
        "Månadsuppföljning: uppladdad folkmängd mot prognosen",
        "Monthly follow-up: uploaded population against the forecast",
    ),
    "fu_month_help": (
        "Ladda upp folkmängden vid månadens slut som CSV med kolumnerna "
        "month,sex,age,population (month = ÅÅÅÅ-MM, sex = female/male, age = 0–99 eller 100+; "
        "båda könen och alla åldrar för varje månad). Prognosen är jämförelsen i sidomenyn "
        "({cmp}), med månadsvärden interpolerade linjärt mellan två 31 december.",
        "Upload the end-of-month population as CSV with the columns month,sex,age,population "
        "(month = YYYY-MM, sex = female/male, age = 0-99 or 100+; both sexes and every age for "
        "each month). The forecast is the comparison in the sidebar ({cmp}), with monthly "
        "values interpolated linearly between two 31 Decembers.",
    ),
    "fu_template": (
        "Ladda ner mall (CSV)",
        "Download template (CSV)",
    ),
    "fu_template_note": (
        "Mallen är ifylld med Luleås folkmängd 31 december 2025 (SCB, med CKM-brus) som månad "
        "2025-12; byt ut raderna mot era månadssiffror.",
        "The template is filled with Luleå's population on 31 December 2025 (SCB, with CKM "
        "noise) as month 2025-12; replace the rows with your monthly figures.",
    ),
    "fu_upload": (
        "Månadsfolkmängd (CSV)",
        "Monthly population (CSV)",
    ),
    "fu_no_forecast": (
        "Ingen prognos att jämföra med: välj en jämförelse i sidomenyn (eller ladda upp en egen "
        "prognos på sidan Data).",
        "No forecast to compare with: choose a comparison in the sidebar (or upload an own "
        "forecast on the Data page).",
    ),
    "fu_months_missing": (
        "Prognosen saknar 31 december året före för {months}; de månaderna jämförs inte.",
        "The forecast lacks 31 December of the year before for {months}; those months are not "
        "compared.",
    ),
    "fu_months_read": (
        "Inläst: {n} månader ({first}–{last}).",
        "Read: {n} months ({first}-{last}).",
    ),
    "fu_births_embedded": (
        "Utfall till och med {year} finns inbyggt. Senare år: hämta utfall från SCB överst på "
        "sidan (kräver uppkoppling).",
        "Outcomes up to {year} are embedded. Later years: fetch outcomes from SCB at the top of "
        "the page (needs a connection).",
    ),
    "fu_births_fetched": (
        "Utfall: inbyggt till och med {embedded}; från SCB (hämtat {when} UTC) {span}.",
        "Outcomes: embedded up to {embedded}; from SCB (fetched {when} UTC) {span}.",
    ),
    "fu_online_title": (
        "Utfall från SCB",
        "Outcomes from SCB",
    ),
    "fu_online_help": (
        "Inbyggt finns födda i riket efter moderns ålder till och med {births_year} och "
        "kommunernas summerade fruktsamhet (SCB TAB4805) till och med {tfr_year}. Med "
        "uppkoppling hämtar knappen SCB:s aktuella födda i riket efter moderns ålder och "
        "{name}s summerade fruktsamhet, och tabellerna nedan räknas om. Där ett år finns både "
        "inbyggt och hämtat gäller SCB:s hämtade siffror (den senaste registreringen).",
        "Embedded: Sweden's births by mother's age up to {births_year} and the municipalities' "
        "TFR (SCB TAB4805) up to {tfr_year}. When online, the button fetches SCB's current "
        "births by mother's age for Sweden and {name}'s TFR, and the tables below are "
        "recomputed. Where a year is both embedded and fetched, SCB's fetched figures are used "
        "(the latest registration).",
    ),
    "fu_online_button": (
        "Hämta utfall från SCB",
        "Fetch outcomes from SCB",
    ),
    "fu_online_done": (
        "Hämtat från SCB {when} UTC (tabeller: {sources}).",
        "Fetched from SCB {when} UTC (tables: {sources}).",
    ),
    "fu_online_births": (
        "Födda i riket från SCB: {span}; {new}.",
        "Sweden's births from SCB: {span}; {new}.",
    ),
    "fu_online_new": (
        "nya år efter de inbyggda: {years}",
        "new years after the embedded ones: {years}",
    ),
    "fu_online_none_new": (
        "inga år efter de inbyggda (till och med {last})",
        "no years after the embedded ones (up to {last})",
    ),
    "fu_online_tfr": (
        "Summerad fruktsamhet för {name} från SCB: {span}; {new}.",
        "{name}'s TFR from SCB: {span}; {new}.",
    ),
    "fu_online_other_muni": (
        "Den hämtade summerade fruktsamheten gäller {other}; hämta igen för {name}.",
        "The fetched TFR is {other}'s; fetch again for {name}.",
    ),
    "fu_online_missing": (
        "Hämtades inte (SCB har inte publicerat tabellen än, eller den hittades inte): {what}",
        "Not fetched (SCB has not published the table yet, or it was not found): {what}",
    ),
    "fu_online_details": ("Detaljer från SCB:s svar", "Details of SCB's answer"),
    "fu_online_error": (
        "Utfallen kunde inte hämtas från SCB ({msg}). Sidan visar de inbyggda siffrorna.",
        "The outcomes could not be fetched from SCB ({msg}). The page shows the embedded "
        "figures.",
    ),
    "fu_difference": (
        "Skillnad",
        "Difference",
    ),
    "fu_vintage_year": (
        "prognos {v}, år {y}",
        "vintage {v}, year {y}",
    ),
    "fu_series_vintage": (
        "prognos",
        "vintage",
    ),
    "fu_template_file": (
        "mall_manadsbefolkning.csv",
        "monthly_population_template.csv",
    ),
    # follow-up page: table column headers
    "fu_col_projection_vintage": (
        "Prognosår",
        "Vintage",
    ),
    "fu_col_year": (
        "År",
        "Year",
    ),
    "fu_col_horizon_years": (
        "Horisont (år)",
        "Horizon (years)",
    ),
    "fu_col_projected_births": (
        "Antagna födda",
        "Assumed births",
    ),
    "fu_col_observed_births": (
        "Födda, utfall",
        "Observed births",
    ),
    "fu_col_error_births": (
        "Fel (antagna − utfall)",
        "Error (assumed − observed)",
    ),
    "fu_col_rel_error_pct": (
        "Fel (%)",
        "Error (%)",
    ),
    "fu_col_n_vintages": (
        "Antal prognoser",
        "Number of vintages",
    ),
    "fu_col_vintages": (
        "Prognoser",
        "Vintages",
    ),
    "fu_col_mape_pct": (
        "Medelabsolut fel (%)",
        "Mean absolute error (%)",
    ),
    "fu_col_mean_rel_error_pct": (
        "Medelfel med tecken (%)",
        "Mean signed error (%)",
    ),
    "fu_col_assumed_tfr": (
        "Antagen summerad fruktsamhet",
        "Assumed TFR",
    ),
    "fu_col_observed_tfr": (
        "Summerad fruktsamhet, utfall",
        "Observed TFR",
    ),
    "fu_col_error_tfr": (
        "Fel (antagen − utfall)",
        "Error (assumed − observed)",
    ),
    "fu_col_mother_age": (
        "Moderns ålder",
        "Mother's age",
    ),
    "fu_col_level_part_births": (
        "Varav nivå",
        "Of which level",
    ),
    "fu_col_timing_part_births": (
        "Varav tidpunkt",
        "Of which timing",
    ),
    "horizon_years": ("Horisont, år", "Horizon, years"),
    "mape_pct": ("Medelabsolut fel, %", "Mean absolute error, %"),
    "vintage": ("Prognosår (vintage)", "Vintage"),
    "observed": ("Utfall", "Observed"),
    "deviation": ("Avvikelse (utfall − prognos)", "Deviation (observed − forecast)"),
}


def t(key: str, lang: Lang = "sv", **kwargs: object) -> str:
    """The string ``key`` in ``lang``, with ``{placeholders}`` filled from ``kwargs``.

    >>> t("births", "sv"), t("births", "en")
    ('Födda', 'Births')
    """
    sv, en = STRINGS[key]
    text = sv if lang == "sv" else en
    return text.format(**kwargs) if kwargs else text


def fmt_number(value: float | None, lang: Lang = "sv", decimals: int = 0, *,
               sign: bool = False) -> str:
    """A number for display: Swedish ``12 345,6`` (non-breaking space, decimal comma) or
    English ``12,345.6``; ``–`` for missing values. ``sign`` adds ``+`` to positive values.

    >>> fmt_number(1234567.26, "sv", 1) == "1\u00a0234\u00a0567,3"
    True
    >>> fmt_number(-1234.5, "en", 1), fmt_number(12.0, "sv", sign=True)
    ('-1,234.5', '+12')

    A value that rounds to zero is shown as ``0`` with no sign (never "−0" from rounding
    residue such as -1e-11):

    >>> fmt_number(-1e-11, "sv", 1), fmt_number(-0.004, "en", 2, sign=True)
    ('0,0', '0.00')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if round(value, decimals) == 0:
        value = 0.0
        sign = False
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", NBSP)
        text = text.replace("-", "−")
    return text


def fmt_pct(share: float | None, lang: Lang = "sv", decimals: int = 1, *,
            sign: bool = False) -> str:
    """A share (0.123) as a percentage: ``12,3 %`` (sv) or ``12.3%`` (en).

    >>> fmt_pct(0.1234, "sv") == "12,3\u00a0%"
    True
    """
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    number = fmt_number(share * 100, lang, decimals, sign=sign)
    return f"{number}{NBSP}%" if lang == "sv" else f"{number}%"


def fmt_year(year: int) -> str:
    """Years are never grouped: ``2040``, not ``2 040``.

    >>> fmt_year(2040)
    '2040'
    """
    return str(int(year))
