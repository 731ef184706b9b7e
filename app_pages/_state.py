"""The app's only cache user: baselines, official series and projections, cached once.

* baselines (``st.cache_resource``: numpy arrays, not copied): the official baseline that
  reproduces SCB's forecast (where one is embedded) or the trend baseline estimated from
  SCB's observed figures, per region (and horizon for the trend baseline);
* official forecasts as long tables (``st.cache_data``);
* projections of a batch of scenarios, keyed by the scenarios' parameters
  (``st.cache_resource``): a slider that returns to an earlier value is answered from the
  cache; a new value costs one projection of a few milliseconds;
* the comparison table (:func:`calculator.compare.compare`) and the export bytes per batch.

Session keys used across pages are defined here too.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from calculator.compare import compare
from calculator.data import embedded
from calculator.data import official as official_data
from calculator.data import online_baseline as online
from calculator.data.pxweb import ProgressCallback
from calculator.export import to_csv_machine, to_csv_swedish, to_xlsx
from calculator.inputs import ProjectionInputs
from calculator.projection import project
from calculator.results import ProjectionResult
from calculator.scenario import PARAMETERS, Scenario, apply_scenarios
from calculator.tables import PLANNING_GROUPS

PARAMETERS_END_DEFAULT = int(str(PARAMETERS["end_year"].default))

DEFAULT_REGION = "2580"
OWN_FORECAST = "own"
NO_COMPARISON = "none"

# session_state keys shared by the pages
K_LANG = "lang"
K_REGION = "region"
K_COMPARISON = "comparison"
K_SCENARIO = "scenario_params"  # the current scenario as query-param dict
K_SAVED = "saved_scenarios"  # list of query-param dicts of saved scenarios
K_OWN = "own_forecast_long"  # an uploaded own forecast (long table)
K_OWN_LABEL = "own_forecast_label"
K_ONLINE = "online_areas"  # area keys of the municipalities fetched from SCB in this session

#: Area keys of municipalities fetched from SCB: this prefix and the municipality code.
ONLINE_PREFIX = "scb:"
#: The comparison option of a fetched municipality: SCB's regional projection, fetched too.
ONLINE_FORECAST = "scb_online"


@dataclass(frozen=True)
class Baseline:
    """A baseline's inputs (one scenario, one region) and how it was made (by language)."""

    kind: str  # "official" or "trend"
    inputs: ProjectionInputs
    descriptions: dict[str, str]
    last_year: int

    def describe(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions["en"]


@dataclass(frozen=True)
class AreaInfo:
    """What the pages say about an area's data: name, code, base year, description."""

    name: str
    code: str
    base_year: int
    description: str


def is_online(area: str) -> bool:
    """Whether ``area`` is a municipality fetched from SCB (key ``scb:<code>``)."""
    return area.startswith(ONLINE_PREFIX)


def area_code(area: str) -> str:
    """The SCB region code of an area key (``scb:0180`` -> ``0180``)."""
    return area.removeprefix(ONLINE_PREFIX)


#: At most this many fetched municipalities are kept on the server (oldest dropped first).
ONLINE_STORE_MAX = 16


@dataclass(frozen=True)
class _Fetched:
    area: online.OnlineArea
    stamp: int  # distinguishes fetches of the same municipality (keys the baseline cache)


class OnlineStore:
    """Municipalities fetched from SCB by area key, shared by the server's sessions; bounded
    (least recently stored dropped first) and thread-safe."""

    def __init__(self, max_entries: int = ONLINE_STORE_MAX) -> None:
        self._items: OrderedDict[str, _Fetched] = OrderedDict()
        self._lock = threading.Lock()
        self._count = itertools.count(1)
        self.max_entries = max_entries

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __getitem__(self, key: str) -> online.OnlineArea:
        return self._items[key].area

    def stamp(self, key: str) -> int:
        return self._items[key].stamp

    def put(self, key: str, area: online.OnlineArea) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = _Fetched(area, next(self._count))
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def online_store() -> OnlineStore:
    """Municipalities fetched from SCB (by area key), shared by the sessions of the server."""
    return OnlineStore()


def online_area(area: str) -> online.OnlineArea:
    return online_store()[area]


def store_online_area(fetched: online.OnlineArea) -> str:
    """Keep a fetched municipality (replacing an earlier fetch of it) and return its area key.
    A new fetch gets a new stamp, so the baselines built from it are new cache entries; other
    users' cached baselines stay."""
    key = ONLINE_PREFIX + fetched.code
    online_store().put(key, fetched)
    return key


@st.cache_resource(show_spinner=False, max_entries=64)
def _online_baseline(area: str, stamp: int, end_year: int) -> Baseline:
    built = online.online_trend_baseline(online_area(area), end_year)
    return Baseline("trend", built.inputs, built.descriptions, end_year)


def online_baseline(area: str, end_year: int) -> Baseline:
    """The trend baseline estimated from a fetched municipality's observations."""
    return _online_baseline(area, online_store().stamp(area), end_year)


def area_info(area: str, lang: str) -> AreaInfo:
    """Name, code, base year and a description (in ``lang``) of the area's data."""
    code = area_code(area)
    if is_online(area):
        fetched = online_area(area)
        base_year = online_baseline(area, int(PARAMETERS_END_DEFAULT)).inputs.base_year
        return AreaInfo(fetched.name, code, base_year,
                        online.online_vintage_text(fetched, base_year,
                                                   "en" if lang == "en" else "sv"))
    vintage = data_vintage(area)
    return AreaInfo(vintage.name, code, vintage.base_year,
                    online.vintage_text(vintage, "en" if lang == "en" else "sv"))


@st.cache_data(show_spinner=False)
def regions() -> pd.DataFrame:
    """Projectable embedded regions: region, name, level (Luleå first, then Sweden, counties)."""
    table = embedded.available_regions()
    table = table.loc[table["projectable"], ["region", "name", "level"]]
    order = {DEFAULT_REGION: 0, "00": 1}
    return table.assign(_o=table["region"].map(order).fillna(2)).sort_values(
        ["_o", "region"]).drop(columns="_o").reset_index(drop=True)


@st.cache_data(show_spinner=False)
def data_vintage(region: str) -> embedded.DataVintage:
    """The embedded data's vintage and base year for ``region``."""
    return embedded.data_vintage(region)


def baseline_kinds(region: str) -> tuple[str, ...]:
    """The baselines a region can use: official (if embedded as model inputs) and trend."""
    if is_online(region):
        return ("trend",)
    return ("official", "trend") if has_official_baseline(region) else ("trend",)


def has_official_baseline(region: str) -> bool:
    """Whether ``region`` (an embedded area) has an official baseline: an embedded official
    forecast that the model reproduces (:func:`calculator.data.official.official_forecast_for`)."""
    return not is_online(region) and official_data.official_forecast_for(region) is not None


@st.cache_resource(show_spinner=False)
def official_baseline(region: str) -> Baseline:
    """Engine inputs reproducing SCB's embedded official forecast for ``region``."""
    from calculator.official_baseline import official_baseline as build

    forecast_id = official_data.official_forecast_for(region)
    assert forecast_id is not None, region
    inputs = build(forecast_id, region).inputs
    return Baseline("official", inputs, {
        lang: official_data.describe_official_baseline(inputs, forecast_id, lang)
        for lang in ("sv", "en")}, inputs.base_year + inputs.n_years)


@st.cache_resource(show_spinner=False)
def trend_baseline(region: str, end_year: int) -> Baseline:
    """The trend baseline (constant rates estimated from SCB's observed figures)."""
    built = online.embedded_trend_baseline(region, end_year)
    return Baseline("trend", built.inputs, built.descriptions, end_year)


@st.cache_resource(show_spinner=False)
def migration_levels(region: str, kind: str, end_year: int) -> dict[str, float] | None:
    """First projection year's gross flows (persons per year) behind the baseline, keyed by
    the engine's array names (immig/emig/inmig/outmig ``_count_year_sex_age``), or ``None``
    if the levels cannot be changed (a net baseline without gross data, e.g. Sweden)."""
    from calculator.scenario import gross_flow_changes_available

    inputs = baseline(region, kind, end_year).inputs
    if not gross_flow_changes_available(inputs):
        return None
    first = {name: np.asarray(getattr(inputs, name))[0, 0, 0] for name in (
        "immig_count_year_sex_age", "emig_rate_year_sex_age", "inmig_count_year_sex_age",
        "outmig_rate_year_sex_age")}
    base_pop = np.asarray(inputs.pop_count_sex_age_base)[0, 0]
    return {
        "immig_count_year_sex_age": float(first["immig_count_year_sex_age"].sum()),
        "inmig_count_year_sex_age": float(first["inmig_count_year_sex_age"].sum()),
        "emig_count_year_sex_age": float((first["emig_rate_year_sex_age"] * base_pop).sum()),
        "outmig_count_year_sex_age": float((first["outmig_rate_year_sex_age"] * base_pop).sum()),
    }


def baseline(region: str, kind: str, end_year: int) -> Baseline:
    """The baseline of ``kind`` for ``region`` (official falls back to trend if absent)."""
    if is_online(region):
        return online_baseline(region, end_year)
    if kind == "official" and has_official_baseline(region):
        return official_baseline(region)
    return trend_baseline(region, end_year)


@st.cache_data(show_spinner=False)
def official_long(forecast_id: str, region: str) -> pd.DataFrame:
    """An embedded official forecast in the engine's long layout (for compare())."""
    return official_data.load_official_long(forecast_id, region)


def comparison_long(choice: str, region: str) -> tuple[pd.DataFrame | None, str]:
    """The chosen comparison's long table and its label (``None`` if there is none)."""
    if choice == ONLINE_FORECAST and is_online(region):
        projection = online_area(region).projection
        if projection is None:
            return None, ""
        return (online_comparison_long(region),
                f"SCB regional projection (vintage {projection['vintage'].iloc[0]})")
    if choice == OWN_FORECAST and st.session_state.get(K_OWN) is not None:
        own = st.session_state[K_OWN]
        return own, str(st.session_state.get(K_OWN_LABEL, "Egen prognos"))
    if choice in official_data.FORECASTS and region in official_data.FORECASTS[choice].regions:
        fc = official_data.FORECASTS[choice]
        return official_long(choice, region), f"{fc.label} (vintage {fc.vintage})"
    return None, ""


def online_comparison_long(area: str) -> pd.DataFrame:
    """A fetched municipality's SCB regional projection in the engine's long layout."""
    return _online_comparison_long(area, online_store().stamp(area))


@st.cache_data(show_spinner=False, max_entries=64)
def _online_comparison_long(area: str, stamp: int) -> pd.DataFrame:
    projection = online_area(area).projection
    assert projection is not None
    vintage = str(projection["vintage"].iloc[0])
    return online.projection_long(projection, f"SCB regional projection (vintage {vintage})")


def _key(scenarios: Sequence[Scenario]) -> tuple[tuple[tuple[str, str], ...], ...]:
    return tuple(tuple(sorted(s.to_query_params().items())) for s in scenarios)


@st.cache_resource(show_spinner=False, max_entries=256)
def _run(region: str, kind: str, end_year: int,
         key: tuple[tuple[tuple[str, str], ...], ...]) -> ProjectionResult:
    base = baseline(region, kind, end_year)
    scenarios = [Scenario.from_query_params(dict(k)) for k in key]
    inputs = apply_scenarios(base.inputs, scenarios, {"kind": base.kind})
    return project(inputs)


def run(region: str, kind: str, end_year: int, scenarios: Sequence[Scenario]) -> ProjectionResult:
    """Project a batch of scenarios (one region) on the baseline; cached by parameters."""
    return _run(region, kind, end_year, _key(scenarios))


def comparison_table(result: ProjectionResult, comparison: pd.DataFrame | None,
                     label: str) -> pd.DataFrame | None:
    """compare() of the batch against the comparison, by planning age group (for the
    workbook; built when the download is clicked, so not cached)."""
    if comparison is None:
        return None
    groups = [(g.label, g.low, 100 if g.high is None else g.high) for g in PLANNING_GROUPS]
    pop = comparison.loc[comparison["variable"] == "population"]
    if "scenario" not in pop.columns:
        pop = pop.assign(scenario=label)
    return compare(result.to_long(), pop, by="age_group", groups=groups)


@st.cache_data(show_spinner=False)
def followup_sheets(lang: str, region: str) -> dict[str, pd.DataFrame]:
    """The follow-up sheets of the workbook (see :func:`calculator.followup.followup_sheets`)."""
    from calculator.data import followup_data

    return followup_data.followup_sheets(lang, region)


def export_bytes(kind: str, result: ProjectionResult, scenarios: Sequence[Scenario],
                 comparison: pd.DataFrame | None, assumptions: dict[str, str],
                 lang: str = "sv", region: str | None = None) -> bytes:
    """The bytes of one download (built when the user clicks: see the page); the workbook
    holds the follow-up sheets of :func:`calculator.followup.followup_sheets` too."""
    long = result.to_long()
    if kind == "xlsx":
        extra = followup_sheets(lang, area_code(region)) if region else {}
        return to_xlsx(long, scenarios=scenarios, comparison=comparison, assumptions=assumptions,
                       extra_sheets=extra or None)
    if kind == "csv_sv":
        return to_csv_swedish(long)
    if kind == "csv":
        return to_csv_machine(long)
    raise ValueError(kind)


@st.cache_data(show_spinner=False)
def followup_fertility_data() -> dict[str, pd.DataFrame]:
    """The embedded follow-up series of the follow-up page (calculator.data.followup_data):
    projected births per vintage, observed births, assumed and observed rates and TFR, and
    SCB's TFR of every municipality."""
    from calculator import followup as fu
    from calculator.data import followup_data as fd

    observed, population = fd.load_observed_births(), fd.load_observed_population()
    return {
        "projected": fd.load_projected_births(), "observed": observed,
        "assumed_asfr": fd.load_assumed_asfr(), "assumed_tfr": fd.load_assumed_tfr(),
        "observed_asfr": fu.observed_asfr(observed, population),
        "observed_tfr": fd.load_observed_tfr(), "municipal_tfr": fd.load_municipal_tfr(),
    }


@st.cache_data(show_spinner=False)
def followup_template_csv() -> bytes:
    """The monthly upload template, filled with Luleå's population on 31 Dec 2025 (SCB, CKM)
    as month 2025-12."""
    from calculator.data import followup_data as fd
    from calculator.grid import AGE_LABELS

    pop = fd.load_lulea_observed_population()
    pop = pop.loc[pop["year"] == 2025]
    out = pd.DataFrame({"month": "2025-12", "sex": pop["sex"].to_numpy(),
                        "age": [AGE_LABELS[int(a)] for a in pop["age"]],
                        "population": pop["population"].round().astype("int64").to_numpy()})
    return out.to_csv(index=False).encode("utf-8")


@dataclass(frozen=True)
class FollowupOnline:
    """Outcomes fetched from SCB for the follow-up page.

    ``births``: Sweden's (region ``00``) live births by mother's age reached and child's sex
    (births frame plus ``source``), every year SCB answered; ``municipal_tfr``: SCB TAB4805 TFR
    of ``municipality`` (``year, region, tfr_children_per_woman, status``); ``sources``: the
    tables used; ``missing``: the optional tables SCB did not answer (e.g. CKM years not yet
    published), ``warnings`` why.
    """

    municipality: str
    fetched_at: str  # UTC, "YYYY-MM-DD HH:MM"
    births: pd.DataFrame
    municipal_tfr: pd.DataFrame
    sources: tuple[str, ...]
    missing: tuple[str, ...]
    warnings: tuple[str, ...]  # the client's reasons, for a details view


#: Session key of the follow-up page's fetched outcomes (a :class:`FollowupOnline`).
K_FOLLOWUP_ONLINE = "followup_online"


def fetch_followup_outcomes(municipality: str,
                            progress: ProgressCallback | None = None) -> FollowupOnline:
    """Fetch Sweden's births by mother's age and the municipality's TFR from SCB through
    the PxWeb client (cached on disk by the client, and here per municipality and API address
    for 6 hours, at most 32 answers). Raises ``ScbApiError`` (``ScbUnavailableError`` when SCB
    cannot be reached)."""
    from calculator.data.pxweb import default_base_url

    return _fetch_followup_outcomes(municipality, default_base_url(), progress)


@st.cache_data(show_spinner=False, ttl=6 * 3600, max_entries=32)
def _fetch_followup_outcomes(municipality: str, base_url: str,
                             _progress: ProgressCallback | None) -> FollowupOnline:
    from datetime import UTC, datetime

    from calculator.data import fetch
    from calculator.data.pxweb import PxWebClient

    client = PxWebClient(base_url, timeout_s=(5.0, 30.0), max_tries=1)
    steps = 2

    def report(step: str, done: int) -> None:
        if _progress is not None:
            _progress(step, done, steps)

    report("födda efter moderns ålder, riket", 0)
    fetched = fetch.fetch_births("00", client)
    table_ids = ", ".join(str(src["table_id"]) for src in fetched.sources)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    births = fetched.births.assign(source=f"SCB {table_ids} (hämtat {stamp} UTC)")
    report(f"summerad fruktsamhet, {municipality}", 1)
    tfr, tfr_sources = fetch.fetch_tfr([municipality], client)
    tfr = tfr.assign(status=tfr["status"].fillna("").astype(str))
    report("klart", 2)
    sources = tuple(f"{src['table_id']} ({src['key']}, år {min(src['years'])}–{max(src['years'])})"
                    for src in [*fetched.sources, *tfr_sources] if src.get("years"))
    return FollowupOnline(municipality, stamp, births, tfr, sources, tuple(fetched.missing),
                          tuple(fetched.warnings))


@st.cache_data(show_spinner=False)
def followup_births(observed: pd.DataFrame | None = None,
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SCB's projected births per vintage with the observed births (chart data), and the
    births error by vintage and horizon (calculator.followup); ``observed`` defaults to the
    embedded births (the page passes embedded merged with fetched ones)."""
    from calculator import followup as fu
    from calculator.data import followup_data as fd

    projected = fd.load_projected_births()
    observed = fd.load_observed_births() if observed is None else observed
    return (fu.births_paths_chart_data(projected, observed),
            fu.births_error_by_horizon(projected, observed))


@st.cache_data(show_spinner=False)
def followup_groups(tolerance_pct: float) -> pd.DataFrame:
    """Luleå's observed population vs SCB's regional projection by planning group."""
    from calculator import followup as fu
    from calculator.data import followup_data as fd

    return fu.compare_by_age_group(fd.load_lulea_regional_projection(),
                                   fd.load_lulea_observed_population(),
                                   tolerance_pct=tolerance_pct)
